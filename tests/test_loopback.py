"""`digest.loopback`: what `digest preview` and `digest triage` serve on."""

from __future__ import annotations

import socket
import struct
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from digest.loopback import LoopbackServer

BODY = b"x" * 8_000_000  # more than the socket buffers hold: the server is still writing when the client goes


class Big(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/fail":
            raise ValueError("a bug in a handler")
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: Any) -> None:
        pass


def _leave_early(port: int, path: str = "/") -> None:
    """Ask, read a little, then reset the connection (what `curl ... | grep -q` does)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        sock.recv(1024)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_client_that_leaves_mid_answer_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    server = LoopbackServer(Big, port=0, name="test-loopback")
    thread = server.start()
    try:
        for _ in range(3):
            _leave_early(server.port)
        with socket.create_connection(("127.0.0.1", server.port)) as sock:  # still serving
            sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: close\r\n\r\n".encode())
            got = b""
            while chunk := sock.recv(1 << 20):
                got += chunk
        assert got.endswith(BODY)
    finally:
        server.stop_serving()
        thread.join(5)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ConnectionResetError" not in err and "BrokenPipeError" not in err


def test_a_failing_handler_is_one_line_not_a_traceback(capfd: pytest.CaptureFixture[str],
                                                        caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    server = LoopbackServer(Big, port=0, name="test-loopback")
    thread = server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(f"GET /fail HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
            sock.settimeout(5)
            assert sock.recv(1024) == b""  # the connection is closed, the server goes on
    finally:
        server.stop_serving()
        thread.join(5)
    assert "Traceback" not in capfd.readouterr().err
    assert [r.getMessage() for r in caplog.records if r.name == "digest.loopback"] == [
        "test-loopback: a request failed: ValueError: a bug in a handler"]
