"""The arXiv client against hostile answers: characters XML forbids, servers that
trickle or hang, and answers shorter than what the store already holds."""

from __future__ import annotations

import gzip
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable

import feedparser
import pytest
from arxiv import _feed as arxiv_feed
from arxiv_server import FIXTURES, ArxivServer, Response, entries, fixture, page

from digest.fetch.client import ArxivClient, ArxivUnavailable, ShortAnswer, sanitise_xml
from digest.fetch.convert import paper_from_result, papers_from_rss
from digest.paper import Paper

PAGE = "arxiv-api-2026-multi-entry-page1-all_testing.xml"
PAGE_VT = "arxiv-api-2026-control-character-vt.xml"
RSS = "rss-new-format-2026-09-24-cs.LG+cs.AI+cs.CL+stat.ML-trimmed.xml"
RSS_VT = "rss-new-format-2026-09-24-control-character-vt.xml"
EMPTY = "arxiv-api-2026-empty-result.xml"


def quiet_client(url: str, **kwargs: object) -> ArxivClient:
    options: dict = {"delay": 0, "sleep": lambda s: None, **kwargs}  # type: ignore[type-arg]
    return ArxivClient(api_url=url, **options)


# -- sanitise_xml ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        (b"a\x00b\x01\x08c\x0bd\x0ce\x0e\x1ff", b"abcdef"),
        (b"tab\tLF\nCR\r kept", b"tab\tLF\nCR\r kept"),
        (b"a&#11;b&#x0B;c&#xb;d&#x000b;e&#0011;f&#X1F;g&#0;h", b"abcdefgh"),
        (b"&#9;&#10;&#13;&#x20;&#38;&amp;&lt;&#x1F600;&#128512;", b"&#9;&#10;&#13;&#x20;&#38;&amp;&lt;&#x1F600;&#128512;"),
        (b"a&#xFFFE;b&#65535;c\xef\xbf\xbed\xef\xbf\xbfe", b"abcde"),
        (b"a&#xD800;b&#xdfff;c&#55296;d\xed\xa0\x80e\xed\xbf\xbff", b"abcdef"),
        (b"a&#x110000;b&#1114112;c&#99999999999999999999999;d&#x10FFFF;", b"abcd&#x10FFFF;"),
        ("é ü 한 \ufffd \U0001f600 ﬁ".encode(), "é ü 한 \ufffd \U0001f600 ﬁ".encode()),
        (b"&#&#11;11;x&\x0b#12;y\xef&#11;\xbf\xbez", b"xyz"),  # what a removal joins is removed too
        (b"R&amp;D \xff p&lt;0.05 \xc3", "R&amp;D \ufffd p&lt;0.05 \ufffd".encode()),  # not UTF-8: U+FFFD
    ],
)
def test_sanitise_xml(dirty: bytes, clean: bytes) -> None:
    assert sanitise_xml(dirty) == clean


def _titles_and_abstracts(body: bytes) -> list[tuple[str, str]]:
    papers = [paper_from_result(r) for r in arxiv_feed.parse(body).results]
    return [(p.title, p.abstract) for p in papers if p is not None]


def _with_later_entry_patched(body: bytes) -> bytes:
    """The page with R&D and p<0.05 written into the OpenCat entry (after the recorded
    ``Promises &amp; Perils`` title)."""
    title = b"<title>OpenCat: Improving Interoperability of ADS Testing</title>"
    assert body.count(title) == 1
    body = body.replace(title, title[:-8] + b" for R&amp;D</title>")
    start = body.index(title[:-8])
    at = body.index(b"<summary>", start) + len(b"<summary>")
    return body[:at] + b"Gains hold at p&lt;0.05. " + body[at:]


def test_api_page_with_a_control_character() -> None:
    """PAGE_VT is PAGE as recorded from arXiv with one byte inserted: a U+000B in
    the first entry's summary ("revolu\\x0btionized"), nothing else changed."""
    recorded, with_vt = fixture(PAGE), fixture(PAGE_VT)
    assert with_vt.count(b"\x0b") == 1 and with_vt.replace(b"\x0b", b"") == recorded
    body, clean = _with_later_entry_patched(with_vt), _with_later_entry_patched(recorded)
    expected = _titles_and_abstracts(clean)
    assert ("ChatGPT and Software Testing Education: Promises & Perils" in {t for t, _ in expected})
    assert expected[8][0].endswith("for R&D") and expected[8][1].startswith("Gains hold at p<0.05. ")

    # (a) the fault: parsed as served, later entries silently lose "&" and "<"
    broken = _titles_and_abstracts(body)
    titles = {t for t, _ in broken}
    assert "ChatGPT and Software Testing Education: Promises Perils" in titles
    assert broken[8][0].endswith("for RD") and broken[8][1].startswith("Gains hold at p0.05. ")

    # (b) through the client: every entry intact, the control character gone
    with ArxivServer() as server:
        server.window = lambda params: Response(200, body)
        client = quiet_client(server.api_url)
        try:
            got = client.api_page("all:testing")
        finally:
            client.close()
    assert [(p.title, p.abstract) for p in got.papers] == expected
    assert "has revolutionized the capabilities" in got.papers[0].abstract
    assert not any("\x0b" in p.abstract or "\x0b" in p.title for p in got.papers)
    assert client.counters.retries == 0


def _rss_papers(body: bytes) -> list[Paper]:
    return papers_from_rss(feedparser.parse(body))[0]


def test_rss_with_a_control_character() -> None:
    """RSS_VT is RSS as recorded from arXiv with one byte inserted: a U+000B in the
    first item's abstract ("tra\\x0bins each layer"), nothing else changed."""
    recorded, with_vt = (FIXTURES / RSS).read_bytes(), (FIXTURES / RSS_VT).read_bytes()
    assert with_vt.count(b"\x0b") == 1 and with_vt.replace(b"\x0b", b"") == recorded
    patch = b"<title>Outlier Detection for Multi-Network Data</title>"
    assert recorded.count(patch) == 1
    later = patch[:-8] + b" in R&amp;D at p&lt;0.05</title>"
    body, clean = with_vt.replace(patch, later), recorded.replace(patch, later)
    expected = _rss_papers(clean)
    assert expected[2].title == "Outlier Detection for Multi-Network Data in R&D at p<0.05"

    # (a) the fault: the strict parser gives up, the loose one keeps the character
    parsed = feedparser.parse(body)
    assert parsed.bozo and "not well-formed" in str(parsed.bozo_exception)
    assert "tra\x0bins" in parsed.entries[0].summary
    assert _rss_papers(body)[0].abstract != expected[0].abstract

    # (b) through the client: the same papers as from the recorded feed
    with ArxivServer() as server:
        server.feeds["cs.LG"] = Response(200, body, {"Content-Type": "application/rss+xml; charset=utf-8"})
        client = ArxivClient(server.api_url, server.rss_url, delay=0, sleep=lambda s: None)
        try:
            got = client.rss(["cs.LG"])
        finally:
            client.close()
    assert got.papers == expected
    assert "Local learning trains each layer" in got.papers[0].abstract
    assert got.papers[2].title.endswith("in R&D at p<0.05")


# -- a deadline for the whole request ----------------------------------------------------


class Loopback:
    """A raw HTTP server on 127.0.0.1 whose ``answer(wfile, stop)`` writes whatever it likes."""

    def __init__(self, answer: Callable[[socketserver.StreamRequestHandler, threading.Event], None],
                 tls: ssl.SSLContext | None = None) -> None:  # fmt: skip
        self.stop = threading.Event()
        self.scheme = "https" if tls else "http"
        self.requests = 0
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while not outer.stop.is_set():  # keep-alive: one request after another
                    if not self.rfile.readline():
                        return
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    outer.requests += 1
                    try:
                        answer(self, outer.stop)
                    except OSError:  # the client hung up
                        return

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True

            def get_request(self) -> tuple[socket.socket, object]:
                sock, address = super().get_request()
                return (tls.wrap_socket(sock, server_side=True) if tls else sock), address

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}/api/query"

    def __enter__(self) -> Loopback:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def trickle_body(handler: socketserver.StreamRequestHandler, stop: threading.Event) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/atom+xml\r\nContent-Length: 100000\r\n\r\n")
    handler.wfile.flush()
    while not stop.wait(0.05):
        handler.wfile.write(b" ")
        handler.wfile.flush()


def trickle_headers(handler: socketserver.StreamRequestHandler, stop: threading.Event) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    while not stop.wait(0.05):
        handler.wfile.write(b"X-Slow: 1\r\n")
        handler.wfile.flush()


def hang(handler: socketserver.StreamRequestHandler, stop: threading.Event) -> None:
    stop.wait(5)


@pytest.mark.parametrize("answer", [trickle_body, trickle_headers, hang])
def test_a_slow_server_cannot_hold_a_request(answer: Callable[..., None]) -> None:
    with Loopback(answer) as server:
        client = quiet_client(server.url, timeout=0.3, retries=1)
        began = time.monotonic()
        try:
            with pytest.raises(ArxivUnavailable, match=r"no complete answer within 0.3 s after 2 attempts"):
                client.api_page("all:testing")
        finally:
            client.close()
        elapsed = time.monotonic() - began
    assert 0.55 < elapsed < 1.5, elapsed
    assert server.requests == 2 and client.counters.retries == 1


def served(body: bytes, headers: dict[str, str], *, chunked: bool = False
           ) -> Callable[[socketserver.StreamRequestHandler, threading.Event], None]:  # fmt: skip
    def answer(handler: socketserver.StreamRequestHandler, stop: threading.Event) -> None:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        if not chunked:
            handler.wfile.write(f"HTTP/1.1 200 OK\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
            return
        handler.wfile.write(f"HTTP/1.1 200 OK\r\n{head}Transfer-Encoding: chunked\r\n\r\n".encode())
        for i in range(0, len(body), 4000):
            part = body[i : i + 4000]
            handler.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            handler.wfile.flush()
        handler.wfile.write(b"0\r\n\r\n")

    return answer


@pytest.mark.parametrize(
    ("encoding", "chunked"), [(None, False), ("gzip", False), ("gzip", True), ("deflate", True), (None, True)]
)
def test_a_prompt_server_still_works(encoding: str | None, chunked: bool) -> None:
    import zlib

    plain = fixture(PAGE)
    body = gzip.compress(plain) if encoding == "gzip" else zlib.compress(plain) if encoding == "deflate" else plain
    headers = {"Content-Type": "application/atom+xml; charset=utf-8"}
    if encoding:
        headers["Content-Encoding"] = encoding
    with Loopback(served(body, headers, chunked=chunked)) as server:
        client = quiet_client(server.url, timeout=2)
        try:
            first = client.api_page("all:testing")
            second = client.api_page("all:testing", 10)
        finally:
            client.close()
    assert first.total == 214881 and len(first.papers) == 10 == len(second.papers)
    assert first.papers[0].title.startswith("Testing Deep Learning Models")
    assert client.counters.bytes == 2 * len(plain) and client.counters.retries == 0
    assert server.requests == 2


def test_https_too(monkeypatch: pytest.MonkeyPatch) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(tls)
    plain = fixture(PAGE)
    with ca.cert_pem.tempfile() as pem:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", pem)
        with Loopback(served(gzip.compress(plain), {"Content-Encoding": "gzip"}), tls) as server:
            client = quiet_client(server.url, timeout=2)
            try:
                assert len(client.api_page("all:testing").papers) == 10
            finally:
                client.close()
        with Loopback(trickle_body, tls) as server:
            client = quiet_client(server.url, timeout=0.3, retries=0)
            began = time.monotonic()
            try:
                with pytest.raises(ArxivUnavailable, match=r"no complete answer within 0.3 s after 1 attempts"):
                    client.api_page("all:testing")
            finally:
                client.close()
            assert time.monotonic() - began < 1


def test_connections_are_kept_alive() -> None:
    with ArxivServer() as server:
        server.serve_window(entries(PAGE))
        client = quiet_client(server.api_url, page_size=3, timeout=2)
        try:
            pages = list(client.search_pages("all:testing"))
            pools = client.session.get_adapter(server.api_url).poolmanager.pools  # type: ignore[attr-defined]
            pool = pools[next(iter(pools.keys()))]
            connections = pool.num_connections
        finally:
            client.close()
    assert [len(p.papers) for p in pages] == [3, 3, 3, 1]
    assert connections == 1  # keep-alive: one connection for the four requests


# -- an answer shorter than what is known ----------------------------------------------------


def test_short_answer_is_retried_then_reported() -> None:
    waits: list[float] = []
    with ArxivServer() as server:
        server.serve_file(EMPTY)
        client = ArxivClient(server.api_url, delay=0, backoff=1.0, retries=3, sleep=waits.append)
        try:
            with pytest.raises(ShortAnswer) as caught:
                client.api_page("cat:cs.LG AND submittedDate:[202604060000 TO 202604122359]", minimum=5)
        finally:
            client.close()
    error = caught.value
    assert isinstance(error, ArxivUnavailable)
    assert (error.total, error.minimum, error.attempts) == (0, 5, 4)
    assert "arXiv reports 0 entries where 5 are known after 4 attempts" in str(error)
    assert len(server.api_requests) == 4 and client.counters.retries == 3
    assert waits == [1.0, 2.0, 4.0]


def test_short_answer_once_then_right() -> None:
    items = entries(PAGE, "arxiv-api-2026-multi-entry-page2-all_testing.xml")
    calls: list[dict[str, str]] = []

    def window(params: dict[str, str]) -> Response:
        calls.append(params)
        if len(calls) == 1:
            return Response(200, fixture(EMPTY))
        start, size = int(params["start"]), int(params["max_results"])
        return Response(200, page(items, start, size, total=20 if start == 0 else 12))

    with ArxivServer() as server:
        server.window = window
        client = quiet_client(server.api_url, page_size=10)
        try:
            pages = list(client.search_pages("all:testing", minimum=15))
        finally:
            client.close()
    # the second page's smaller total is not held against it: minimum is for the first page
    assert [(p.start, p.total, len(p.papers)) for p in pages] == [(0, 20, 10), (10, 12, 10)]
    assert [c["start"] for c in calls] == ["0", "0", "10"]
    assert client.counters.retries == 1 and client.counters.requests == 3


def test_minimum_zero_keeps_an_empty_answer_valid() -> None:
    with ArxivServer() as server:
        server.serve_file(EMPTY)
        client = quiet_client(server.api_url)
        try:
            got = client.api_page("all:nothing")
        finally:
            client.close()
    assert (got.total, got.papers, client.counters.requests) == (0, [], 1)
