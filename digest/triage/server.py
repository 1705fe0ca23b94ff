"""The triage page's server: 127.0.0.1 only, standard library (`http.server` + threads).

Routes::

    GET  /              the page (static/index.html, with the run's secret and /api/state's JSON inside)
    GET  /triage.js     the page's script       GET /triage.css   its style
    GET  /api/state     every candidate, best first, and the decisions so far (JSON)
    GET  /api/abstracts the abstracts, in the same order (the page asks once it shows the list)
    POST /api/decide    {"id": "2506.01222", "decision": "kept" | "dismissed" | null}

``HEAD`` answers as ``GET`` does (same checks, status and headers), without the body.

The page writes to the editor's files, so no other page the editor has open
may use it (docs/triage.md, "Security"):

* every request must name this server in ``Host``: ``127.0.0.1:PORT`` or
  ``localhost:PORT`` exactly, so a rebound DNS name reaches nothing;
* ``/api/*`` requests carry the run's secret in ``X-Digest-Token``. The secret
  is made at start-up and lives only in the page (not in a cookie, which the
  browser would attach to a forged request by itself);
* a ``POST`` must also come from the page's own origin (``Origin`` present and
  equal to this server's, ``Sec-Fetch-Site`` same-origin when sent) and be
  ``application/json``, which no HTML form can send;
* the page may not be framed (``frame-ancestors 'none'``), loads nothing but
  its own files (Content-Security-Policy) and keeps no cache.

A refused request gets HTTP 403 and changes nothing.
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import secrets
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from digest.errors import DigestError
from digest.loopback import LoopbackServer
from digest.triage.session import Triage

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
TOKEN_HEADER = "X-Digest-Token"
MAX_BODY = 16 * 1024
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:;"
       " base-uri 'none'; form-action 'none'; frame-ancestors 'none'")  # fmt: skip
ASSETS = {"/triage.js": ("triage.js", "text/javascript; charset=utf-8"),
          "/triage.css": ("triage.css", "text/css; charset=utf-8")}  # fmt: skip


class TriageServer(LoopbackServer):
    """Serve ``triage`` on 127.0.0.1:``port`` (0: any free port) until `close`."""

    def __init__(self, triage: Triage, port: int = 8001) -> None:
        self.triage = triage
        self.token = secrets.token_urlsafe(32)
        super().__init__(_handler(self), port, "digest-triage")
        self.hosts = frozenset({f"127.0.0.1:{self.port}", f"localhost:{self.port}"})
        self.origins = frozenset(f"http://{h}" for h in self.hosts)
        self.assets = {route: ((STATIC / name).read_bytes(), ctype) for route, (name, ctype) in ASSETS.items()}
        # Made now, not on the first page load: TeX to Unicode for every abstract. The candidates go
        # inside the page (a JSON block, "<" escaped so no text can end it): one request, no round trip.
        self._papers = _in_script(triage.papers_json()).encode("utf-8")
        self._abstracts = triage.abstracts_json().encode("utf-8")
        title = f"Triage {triage.issue_date.isoformat()}"
        page = ((STATIC / "index.html").read_text(encoding="utf-8")
                .replace("__TITLE__", html.escape(title))
                .replace("__FILE__", html.escape(triage.shown_path))
                .replace("__TOKEN__", html.escape(self.token)))  # fmt: skip
        head, _, tail = page.partition("__DATA__")
        self._head, self._tail = head.encode("utf-8"), tail.encode("utf-8")

    def close(self) -> None:
        self.stop_serving()
        self.triage.close()

    def state_json(self) -> bytes:
        """Every candidate, best first, and the decisions so far: what ``/api/state`` answers."""
        state = json.dumps(self.triage.state(), ensure_ascii=False)
        return f'{{"papers":{self.triage.papers_json()},"state":{state}}}'.encode("utf-8")

    def page(self) -> bytes:
        """The page with the run's secret and `state_json` inside."""
        state = _in_script(json.dumps(self.triage.state(), ensure_ascii=False)).encode("utf-8")
        return b"".join((self._head, b'{"papers":', self._papers, b',"state":', state, b"}", self._tail))


def _in_script(text: str) -> str:
    """JSON that can sit inside ``<script type="application/json">``: every ``<`` as ``\\u003c``
    (only strings can hold one), so no title or abstract can close the element."""
    return text.replace("<", "\\u003c")


def _handler(server: TriageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "digest-triage"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: core never prints
            log.debug("triage: " + format, *args)

        def _send(self, status: int, body: bytes, ctype: str, page: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
            if status >= 400:  # a refused request's body may be unread: do not reuse the connection
                self.send_header("Connection", "close")
                self.close_connection = True
            if page:
                self.send_header("Content-Security-Policy", CSP)
                self.send_header("X-Frame-Options", "DENY")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, data: dict[str, Any]) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

        def _refuse(self, why: str) -> None:
            log.warning("triage: refused %s %s: %s", self.command, self.path.split("?", 1)[0], why)
            self._json(403, {"error": f"refused: {why}"})

        def _host_ok(self) -> bool:
            if (self.headers.get("Host") or "").strip().lower() in server.hosts:
                return True
            self._refuse(f"Host must be 127.0.0.1:{server.port} or localhost:{server.port}; open {server.url}")
            return False

        def _token_ok(self) -> bool:
            given = self.headers.get(TOKEN_HEADER) or ""
            if hmac.compare_digest(given.encode("utf-8", "replace"), server.token.encode("ascii")):
                return True
            self._refuse(f"missing or wrong {TOKEN_HEADER}; reload the page at {server.url}")
            return False

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if not self._host_ok():
                return
            path = self.path.split("?", 1)[0]
            if path == "/":
                self._send(200, server.page(), "text/html; charset=utf-8", page=True)
            elif path in server.assets:
                body, ctype = server.assets[path]
                self._send(200, body, ctype)
            elif path == "/api/state":
                if self._token_ok():
                    self._send(200, server.state_json(), "application/json; charset=utf-8")
            elif path == "/api/abstracts":
                if self._token_ok():
                    self._send(200, server._abstracts, "application/json; charset=utf-8")
            else:
                self._send(404, b"not found", "text/plain; charset=utf-8")

        def do_HEAD(self) -> None:  # noqa: N802 - what GET answers, headers only (`curl -I`, link checkers)
            self.do_GET()

        def do_POST(self) -> None:  # noqa: N802
            if not self._host_ok():
                return
            origin = self.headers.get("Origin")
            if origin is None or origin.strip().lower() not in server.origins:
                self._refuse(f"Origin {origin!r} is not this page's ({server.url.rstrip('/')})")
                return
            site = self.headers.get("Sec-Fetch-Site")
            if site is not None and site != "same-origin":
                self._refuse(f"Sec-Fetch-Site {site!r}: only the page itself may write")
                return
            if (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower() != "application/json":
                self._refuse("Content-Type must be application/json")
                return
            if not self._token_ok():
                return
            try:
                length = int(self.headers.get("Content-Length") or "0")
            except ValueError:
                length = -1
            if not 0 < length <= MAX_BODY:
                self._json(400, {"error": f"the body must be 1 to {MAX_BODY} bytes of JSON"})
                return
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError:
                self._json(400, {"error": "the body is not JSON"})
                return
            if self.path.split("?", 1)[0] != "/api/decide":
                self._json(404, {"error": "not found"})
                return
            self._decide(body)

        def _decide(self, body: Any) -> None:
            if not isinstance(body, dict) or not isinstance(body.get("id"), str) or "decision" not in body:
                self._json(400, {"error": 'send {"id": "...", "decision": "kept" | "dismissed" | null}'})
                return
            try:
                outcome = server.triage.decide(body["id"], body["decision"])
            except DigestError as exc:
                state = server.triage.state()
                pid = body["id"]
                known = state["in_file"]  # None: the file does not parse
                self._json(409, {"error": str(exc), "id": pid, "decision": state["decisions"].get(pid),
                                 "in_file": None if known is None else pid in known})  # fmt: skip
                return
            self._json(200, outcome.to_dict())

        def do_OPTIONS(self) -> None:  # noqa: N802 - no CORS: a preflight is always refused
            self._refuse("cross-origin requests are not allowed")

        do_PUT = do_DELETE = do_PATCH = do_OPTIONS  # noqa: N815

    return Handler
