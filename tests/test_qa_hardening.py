"""QA pass over #16 and #3 as a hostile or unlucky user: each test names what a user would notice."""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sqlite3
import ssl
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from arxiv_server import FIXTURES, ArxivServer, Response, entries
import test_fetch
from test_client_faults import Loopback, quiet_client, served
from test_fetch import PAGES, WINDOW

from conftest import run
from digest.errors import DigestError, UnavailableError

server = test_fetch.server  # the local arXiv, wired in through DIGEST_* variables


def _asked(server: ArxivServer, before: int) -> list[str]:
    """The submission-day ranges of the API requests made since ``before``."""
    return [s.params["search_query"].rsplit("submittedDate:", 1)[1] for s in server.api_requests[before:]]


def test_complete_days_at_either_end_of_a_window_are_not_read_again(server: ArxivServer,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr("digest.clock.now", lambda: datetime(2026, 11, 30, 12, tzinfo=timezone.utc))
    server.serve_window(entries(*PAGES))
    assert run("fetch", *WINDOW)[0] == 0  # 2026-04-06..12, settled: complete
    before = len(server.api_requests)
    code, out, err = run("fetch", "--since", "2026-04-06", "--until", "2026-04-19")  # a week more
    assert code == 0, err
    assert set(_asked(server, before)) == {"[202604130000 TO 202604192359]"}  # not the complete week again
    assert "api 2026-04-06..2026-04-12: skipped" in out and "api 2026-04-13..2026-04-19: complete" in out
    before = len(server.api_requests)
    code, out, err = run("fetch", "--since", "2026-03-30", "--until", "2026-04-19")  # a week before
    assert code == 0, err
    assert set(_asked(server, before)) == {"[202603300000 TO 202604052359]"}
    assert "api 2026-04-06..2026-04-19: skipped" in out
    before = len(server.api_requests)
    assert run("fetch", "--since", "2026-03-30", "--until", "2026-04-19")[0] == 0
    assert len(server.api_requests) == before  # all of it complete: no request


def test_a_full_disk_names_the_file_and_says_the_disk_is_full(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write

    def full(fd: int, data: bytes) -> int:
        if fd > 2 and os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp"):  # an output being written
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full)
    code, out, err = run("render", "issues/2022-10-23.md", "--format", "md")
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith("build/2022-10-23.md: No space left on device; the disk (or your quota) is full;"), err
    assert "permissions" not in err and not list((newsletter / "build").glob("*.tmp"))


def test_a_file_size_limit_names_the_file_and_the_limit(newsletter: Path) -> None:
    def small() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))

    done = subprocess.run([sys.executable, "-m", "digest", "render", "issues/2022-10-23.md", "--format", "html"],
                          capture_output=True, text=True, preexec_fn=small)  # fmt: skip
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "build/2022-10-23.html: File too large; the file is larger than" in done.stderr
    assert "ulimit -f" in done.stderr and not list((newsletter / "build").glob("*.tmp"))


BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.mark.parametrize("name,categories", [
    ("rss-new-format-2026-09-24-cs.LG+cs.AI+cs.CL+stat.ML-trimmed.xml", "cs.LG+cs.CL"),
    ("rss-old-rdf-format-cs-2018-08-30.xml", "cs.LG+cs.CL"),
])  # fmt: skip
def test_direction_controls_in_a_feed_reach_no_stored_text(server: ArxivServer, tmp_path: Path,
                                                           name: str, categories: str) -> None:  # fmt: skip
    body = (FIXTURES / name).read_text()
    for tag in ("<title>", "<arxiv:DOI>", "<dc:creator>", "<description>"):  # every text a reader may see
        body = body.replace(tag, tag + "\u202e")
    body = body.replace("[astro-ph.IM]", "[astro-ph.IM\u202e]").replace("(arXiv:", "(\u2067arXiv:")
    server.feeds[categories] = Response(200, body.encode(), {"Content-Type": "application/rss+xml; charset=utf-8"})
    code, _, err = run("fetch", "--via", "rss")
    assert code == 0, err
    with sqlite3.connect(tmp_path / ".digest" / "store.sqlite") as db:
        rows = db.execute("SELECT * FROM papers").fetchall()
    assert rows
    assert [v for row in rows for v in row if isinstance(v, str) and any(c in v for c in BIDI)] == []


def test_https_to_a_plain_http_port_is_said_at_once(server: ArxivServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.serve_window(entries(*PAGES))
    url = server.api_url.replace("http://", "https://")
    client = quiet_client(url, retries=3, timeout=5)
    try:
        with pytest.raises(DigestError, match="does not speak TLS there") as caught:
            client.api_page("all:testing")
    finally:
        client.close()
    assert not isinstance(caught.value, UnavailableError) and client.counters.requests == 1  # no retry
    monkeypatch.setenv("DIGEST_ARXIV_API_URL", url)
    code, out, err = run("fetch", *WINDOW)
    assert code == 2 and err.count("\n") == 1, err  # a setting to correct, as an answer that is not the API
    assert err.startswith(f"{url}: the server does not speak TLS there (") and "arxiv.api_url" in err


def _said_at_once(tls: ssl.SSLContext, match: str) -> str:
    """The error of one API request to a loopback server speaking ``tls``: raised at the first
    request, with no retry (retries=3 allowed), and not as arXiv being unavailable."""
    with Loopback(served(b"<feed/>", {}), tls) as loopback:
        client = quiet_client(loopback.url, retries=3, timeout=5)
        try:
            with pytest.raises(DigestError, match=match) as caught:
                client.api_page("all:testing")
        finally:
            client.close()
    assert not isinstance(caught.value, UnavailableError) and client.counters.requests == 1
    return str(caught.value)


def test_an_untrusted_certificate_is_said_at_once() -> None:
    trustme = pytest.importorskip("trustme")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(tls)  # a CA this machine does not trust
    message = _said_at_once(tls, "TLS certificate is not trusted")
    assert "REQUESTS_CA_BUNDLE" in message and "\n" not in message


@pytest.mark.parametrize("when", ["expired", "not yet valid"])
def test_a_certificate_out_of_its_dates_says_to_check_the_clock(when: str, tmp_path: Path, monkeypatch) -> None:
    import datetime as dt

    trustme = pytest.importorskip("trustme")
    ca, now = trustme.CA(), dt.datetime.now(dt.timezone.utc)
    dates = ((now - dt.timedelta(days=30), now - dt.timedelta(days=1)) if when == "expired"
             else (now + dt.timedelta(days=1), now + dt.timedelta(days=30)))  # fmt: skip
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", not_before=dates[0], not_after=dates[1]).configure_cert(tls)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "ca.pem"))  # trusted: only the dates are wrong
    message = _said_at_once(tls, "by this computer's clock")
    assert message.endswith("check the clock (date, time and time zone)")


def test_a_query_too_long_for_one_request_says_to_shorten_it(server: ArxivServer, tmp_path: Path) -> None:
    words = " OR ".join(f"abs:w{i}" for i in range(12000))  # a request line past what a server reads
    (tmp_path / "digest.toml").write_text(f'[arxiv]\nquery = "{words}"\n')
    server.serve_window(entries(*PAGES))
    code, out, err = run("fetch", *WINDOW)
    assert code == 2 and err.count("\n") == 1 and len(err) < 500, err[:500]
    assert err.endswith("HTTP 414, the request is too long for the server; shorten arxiv.query\n")
