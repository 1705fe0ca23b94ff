"""A local stand-in for arXiv: a loopback HTTP server that serves recorded responses.

Reusable by any test (and the benchmark)::

    from arxiv_server import ArxivServer, fixture, entries, synthesize  # tests/ is on sys.path

    with ArxivServer() as server:
        server.serve_window(entries("arxiv-api-2026-multi-entry-page1-all_testing.xml"))
        server.fail("status", status=503)            # the next API request gets a 503
        monkeypatch.setenv("DIGEST_ARXIV_API_URL", server.api_url)
        monkeypatch.setenv("DIGEST_ARXIV_RSS_URL", server.rss_url)
        monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
        ...
        assert len(server.api_requests) == 2

Routes: ``/api/query`` (an id_list route wins, else the window responder) and
``/rss/<categories>`` (a recorded feed from `serve_feed`, else the optional
``feed_responder(categories, params)`` hook; conditional GET with ETag /
Last-Modified -> 304 either way). ``hold_next_api(release, arrived)`` makes the
next API request signal ``arrived`` and wait for ``release`` in the server
thread before it is answered (for save-race tests; no sleeps).
Faults, applied in order to the next matching request: ``status`` (e.g. 503,
or 429 with ``retry_after``), ``drop`` (the connection closes mid-body),
``truncate`` (half the XML, with a matching Content-Length), ``empty`` (the
page without its entries, totalResults kept) and ``garbage`` (not XML).
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

T = TypeVar("T")
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "arxiv"

_NOT_MOJIBAKE = {"arxiv-api-2026-error-feed-http400.xml", "arxiv-api-2026-empty-result.xml"}
_ENTRY = re.compile(rb"<entry\b.*?</entry>", re.S)
_ENTRY_ID = re.compile(rb"<id[^>]*>\s*https?://arxiv\.org/abs/([^<\s]+?)(v\d+)?\s*</id>")

FEED_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom"'
    ' xmlns="http://www.w3.org/2005/Atom">\n'
    "  <id>https://arxiv.org/api/local-test-server</id>\n"
    "  <title>arXiv Query: local test server</title>\n"
    "  <updated>2026-04-12T22:09:27Z</updated>\n"
    "  <opensearch:itemsPerPage>{size}</opensearch:itemsPerPage>\n"
    "  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
    "  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
)


def fixture(name: str) -> bytes:
    """A recorded response as arXiv sends it (the 2026 recordings' Latin-1 mojibake repaired)."""
    data = (FIXTURES / name).read_bytes()
    if name.startswith("arxiv-api-2026") and name not in _NOT_MOJIBAKE:
        text = data.decode("utf-8")
        try:
            data = text.encode("latin-1").decode("utf-8").encode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return data


def entries(*names: str) -> list[bytes]:
    """The ``<entry>`` elements of recorded API responses, in order."""
    return [m.group(0) for name in names for m in _ENTRY.finditer(fixture(name))]


def entry_id(entry: bytes) -> str:
    """The base id of an entry (no version)."""
    m = _ENTRY_ID.search(entry)
    assert m, entry[:200]
    return m.group(1).decode()


def synthesize(n: int, base: list[bytes], yymm: str = "2609") -> list[bytes]:
    """``n`` distinct entries made by repeating ``base`` and renumbering each id ``YYMM.NNNNN``."""
    out = []
    for i in range(n):
        e = base[i % len(base)]
        old = _ENTRY_ID.search(e)
        assert old
        out.append(e.replace(b"/abs/" + old.group(1), f"/abs/{yymm}.{i + 1:05d}".encode())
                   .replace(b"/pdf/" + old.group(1), f"/pdf/{yymm}.{i + 1:05d}".encode()))  # fmt: skip
    return out


def page(items: list[bytes], start: int, size: int, total: int | None = None) -> bytes:
    """An API response page: ``items[start:start+size]`` under a feed header."""
    chunk = items[start : start + size]
    head = FEED_HEAD.format(size=size, total=len(items) if total is None else total, start=start).encode()
    return head + b"".join(b"  " + e + b"\n" for e in chunk) + b"</feed>\n"


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    """One request the server received."""

    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class Fault:
    kind: str
    route: str = "api"
    status: int = 503
    retry_after: str | None = None
    start: int | None = None
    """Only a request with this ``start`` parameter triggers the fault."""


class ArxivServer:
    """The server; a context manager. ``api_url`` / ``rss_url`` point the client at it."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.faults: deque[Fault] = deque()
        self.ids: dict[str, Response] = {}
        self.window: Callable[[dict[str, str]], Response] = lambda params: Response(200, fixture(
            "arxiv-api-2026-empty-result.xml"))  # fmt: skip
        self.feeds: dict[str, Response] = {}
        self.feed_responder: Callable[[str, dict[str, str]], Response | None] | None = None
        """Answers ``/rss/<categories>`` not in `feeds` (``None`` from it: a 404); the
        server applies the conditional-GET rules to its ETag / Last-Modified."""
        self.holds: deque[tuple[threading.Event, threading.Event]] = deque()
        self.closing = threading.Event()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> ArxivServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()  # a request still held is let go
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/query"

    @property
    def rss_url(self) -> str:
        return self.base_url + "/rss/"

    @property
    def api_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.path == "/api/query"]

    @property
    def rss_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.path.startswith("/rss/")]

    # -- what to serve -----------------------------------------------------------------
    def serve_window(self, items: list[bytes], total: int | None = None) -> None:
        """Answer search queries from ``items``, paged by ``start`` / ``max_results``."""
        self.window = lambda p: Response(200, page(items, int(p.get("start", 0)), int(p.get("max_results", 10)), total))

    def serve_file(self, name: str, status: int = 200, *, id_list: str | None = None) -> None:
        """Answer ``id_list`` requests (or, without it, every search) with a recorded file."""
        response = Response(status, fixture(name))
        if id_list is None:
            self.window = lambda p: response
        else:
            self.ids[id_list] = response

    def serve_feed(self, categories: str, name: str, etag: str | None = '"v1"',
                   last_modified: str | None = "Thu, 24 Sep 2026 08:58:05 GMT") -> None:  # fmt: skip
        """Serve a recorded RSS file at ``/rss/<categories>`` with these validators."""
        headers = {"Content-Type": "application/rss+xml; charset=utf-8"}
        if etag:
            headers["ETag"] = etag
        if last_modified:
            headers["Last-Modified"] = last_modified
        self.feeds[categories] = Response(200, (FIXTURES / name).read_bytes(), headers)

    def fail(self, kind: str, *, times: int = 1, route: str = "api", status: int = 503,
             retry_after: str | None = None, start: int | None = None) -> None:  # fmt: skip
        """Queue a fault for the next ``times`` matching requests."""
        for _ in range(times):
            self.faults.append(Fault(kind, route, status, retry_after, start))

    def hold_next_api(self, release: threading.Event, arrived: threading.Event) -> None:
        """The next API request sets ``arrived``, then waits (in its server thread) until
        ``release`` is set, and is then answered as usual (from the state at that moment)."""
        with self.lock:
            self.holds.append((release, arrived))

    def while_held(self, command: Callable[[], T], meanwhile: Callable[[], None]) -> T:
        """Run ``command`` (e.g. a `digest new` that asks arXiv) in a thread, hold its next API
        request, do ``meanwhile`` (the editor saves, deletes...) while it waits, let it go, and
        return what the command returned."""
        release, arrived = threading.Event(), threading.Event()
        self.hold_next_api(release, arrived)
        result: list[T] = []
        worker = threading.Thread(target=lambda: result.append(command()))
        worker.start()
        assert arrived.wait(30), "the command never asked arXiv"
        meanwhile()
        release.set()
        worker.join(60)
        (done,) = result
        return done

    # -- answering ---------------------------------------------------------------------
    def _fault_for(self, route: str, params: dict[str, str]) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.route == route and (f.start is None or str(f.start) == params.get("start", "0")):
                    self.faults.remove(f)
                    return f
        return None

    def answer(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[Response, Fault | None]:
        with self.lock:
            self.requests.append(Seen(path, params, headers))
        if path == "/api/query":
            route = "api"
            with self.lock:
                hold = self.holds.popleft() if self.holds else None
            if hold is not None:
                release, arrived = hold
                arrived.set()
                while not release.wait(0.05) and not self.closing.is_set():
                    pass
            resp = self.ids.get(params.get("id_list", "")) if params.get("id_list") else None
            resp = resp or self.window(params)
            resp = Response(resp.status, resp.body, {"Content-Type": "application/atom+xml; charset=utf-8", **resp.headers})
        elif path.startswith("/rss/") and (path[5:] in self.feeds or self.feed_responder is not None):
            route = "rss"
            found = self.feeds.get(path[5:])
            if found is None and self.feed_responder is not None:
                found = self.feed_responder(path[5:], params)
            if found is None:
                return Response(404, b"not found"), None
            resp = found
            etag, modified = resp.headers.get("ETag"), resp.headers.get("Last-Modified")
            if (etag and headers.get("if-none-match") == etag) or (
                not etag and modified and headers.get("if-modified-since") == modified
            ):
                resp = Response(304, b"", {k: v for k, v in resp.headers.items() if k != "Content-Type"})
        else:
            return Response(404, b"not found"), None
        return resp, self._fault_for(route, params)


def _handler(server: ArxivServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            resp, fault = server.answer(url.path, params, headers)
            body, status, extra = resp.body, resp.status, dict(resp.headers)
            if fault is not None:
                if fault.kind == "status":
                    status, body = fault.status, b"<html>Service Unavailable</html>"
                    extra = {"Content-Type": "text/html"}
                    if fault.retry_after is not None:
                        extra["Retry-After"] = fault.retry_after
                elif fault.kind == "truncate":
                    body = body[: len(body) // 2]
                elif fault.kind == "empty":
                    body = _ENTRY.sub(b"", body)
                elif fault.kind == "garbage":
                    body = b"<html><body>Bad gateway</body></html>"
                elif fault.kind == "drop":
                    self._send(status, extra, len(body))
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
            self._send(status, extra, len(body))
            if body:
                self.wfile.write(body)

        def _send(self, status: int, headers: dict[str, str], length: int) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(length))
            self.end_headers()

    return Handler
