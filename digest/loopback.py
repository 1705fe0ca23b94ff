"""A local HTTP server on 127.0.0.1 that serves until it is closed or Ctrl-C: what
`digest preview` and `digest triage` both run on.

    server = LoopbackServer(handler_class, port=0, name="digest-preview")
    server.url                  # http://127.0.0.1:PORT/
    server.serve()              # until `stop_serving` (another thread) or Ctrl-C
    server.start()              # or in a background thread (tests, benchmarks)

May import: nothing (the foundation every other part stands on).
"""

from __future__ import annotations

import logging
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    label = "digest"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that went away mid-answer (a reload, a closed tab, ``curl | grep -q``) is
        not an error; anything else is one line, never the traceback `socketserver` prints."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            return
        log.error("%s: a request failed: %s: %s", self.label, type(exc).__name__, exc)


class LoopbackServer:
    """``httpd`` on 127.0.0.1:``port`` (0 = any free port), its request threads daemons."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int, name: str) -> None:
        self.httpd = _Server(("127.0.0.1", port), handler)
        self.httpd.label = name
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/"
        self.name = name
        self._serving = False

    def before_serving(self) -> None:
        """Called as `serve` starts (a subclass starts its helpers here)."""

    def serve(self) -> None:
        """Serve until `stop_serving` (from another thread) or Ctrl-C."""
        self._serving = True
        try:
            self.before_serving()
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self._serving = False  # interrupted here (Ctrl-C): nothing must wait for a loop that is gone

    def start(self) -> threading.Thread:
        """`serve` in a background thread."""
        thread = threading.Thread(target=self.serve, name=self.name, daemon=True)
        thread.start()
        return thread

    def stop_serving(self) -> None:
        """End the serve loop if one runs, and free the port."""
        if self._serving:
            self.httpd.shutdown()
        self.httpd.server_close()
