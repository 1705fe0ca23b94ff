"""`digest fetch` against a real loopback HTTP server serving recorded arXiv responses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from arxiv_server import FIXTURES, ArxivServer, entries, entry_id, synthesize

from conftest import run
from digest.fetch.client import ArxivClient, ArxivQueryError, ArxivUnavailable
from digest.config import load_settings
from digest.fetch import build_query, default_window, fetch_api_window, query_key, run_fetch
from digest.store import Store, Window

PAGES = ("arxiv-api-2026-multi-entry-page1-all_testing.xml", "arxiv-api-2026-multi-entry-page2-all_testing.xml")
SINCE, UNTIL = date(2026, 4, 6), date(2026, 4, 12)
WINDOW = ["--since", "2026-04-06", "--until", "2026-04-12"]


@pytest.fixture()
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArxivServer]:
    """The local arXiv, wired in through DIGEST_* variables; the newsletter is tmp_path."""
    with ArxivServer() as s:
        monkeypatch.chdir(tmp_path)
        (tmp_path / "digest.toml").write_text("# the newsletter folder\n")
        monkeypatch.setenv("DIGEST_ARXIV_API_URL", s.api_url)
        monkeypatch.setenv("DIGEST_ARXIV_RSS_URL", s.rss_url)
        monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
        monkeypatch.setenv("DIGEST_ARXIV_PAGE_SIZE", "10")
        monkeypatch.setenv("DIGEST_ARXIV_RETRIES", "3")
        yield s


def stored(tmp_path: Path) -> Store:
    store = Store.open_existing(tmp_path / ".digest" / "store.sqlite")
    assert store is not None
    return store


def assert_exactly(tmp_path: Path, items: list[bytes]) -> None:
    """Nothing lost, nothing duplicated."""
    with stored(tmp_path) as store:
        ids = [r[0] for r in store.conn.execute("SELECT id FROM papers")]
    assert sorted(ids) == sorted({entry_id(e) for e in items})


def test_multi_page_window_then_zero_requests(server: ArxivServer, tmp_path: Path) -> None:
    items = entries(*PAGES)
    server.serve_window(items)
    code, out, err = run("fetch", *WINDOW, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert {"requests", "retries", "fetched", "new", "updated", "unchanged", "windows"} <= set(report)
    assert (report["requests"], report["fetched"], report["new"]) == (2, 20, 20)
    first = server.api_requests[0]
    assert first.params["search_query"] == "(cat:cs.LG OR cat:cs.CL) AND submittedDate:[202604060000 TO 202604122359]"
    assert first.params["max_results"] == "10" and first.params["sortBy"] == "submittedDate"
    assert first.headers["user-agent"].startswith("digest/")
    assert_exactly(tmp_path, items)

    code, out, _ = run("fetch", *WINDOW, "--json")
    assert code == 0 and json.loads(out)["requests"] == 0
    assert len(server.api_requests) == 2
    code, out, _ = run("fetch", "--since", "2026-04-08", "--until", "2026-04-10")  # inside a complete window
    assert code == 0 and "skipped" in out and len(server.api_requests) == 2


def test_human_report_and_store_stats(server: ArxivServer, tmp_path: Path) -> None:
    server.serve_window(entries(*PAGES))
    code, out, err = run("fetch", *WINDOW)
    assert code == 0 and err == ""  # not a terminal: no progress bar, only the report
    assert "api 2026-04-06..2026-04-12: complete, 20 of 20 entries" in out
    assert "fetched 20: 20 new, 0 updated, 0 unchanged (2 requests, 0 retries)" in out
    code, out, _ = run("store", "stats", "--json")
    stats = json.loads(out)
    assert stats["papers"] == 20 and stats["windows"][0]["complete"] is True
    code, out, _ = run("store", "stats")
    assert "papers:     20" in out and "1 complete" in out


def test_store_stats_without_store_creates_nothing(server: ArxivServer, tmp_path: Path) -> None:
    code, out, _ = run("store", "stats")
    assert code == 0 and "not created yet" in out
    assert not (tmp_path / ".digest").exists()


def test_empty_result(server: ArxivServer, tmp_path: Path) -> None:
    server.serve_file("arxiv-api-2026-empty-result.xml")
    code, out, _ = run("fetch", *WINDOW, "--json")
    report = json.loads(out)
    assert code == 0 and report["fetched"] == 0 and report["requests"] == 1
    assert report["windows"][0]["status"] == "complete"
    assert run("fetch", *WINDOW, "--json")[0] == 0 and len(server.api_requests) == 1


def test_error_feed_is_reported_not_retried(server: ArxivServer, tmp_path: Path) -> None:
    server.serve_file("arxiv-api-2026-error-feed-http400.xml", status=400)
    code, _, err = run("fetch", *WINDOW)
    assert code == 1
    assert "arXiv rejected the request: incorrect id format for abc" in err and len(err.splitlines()) == 1
    assert len(server.api_requests) == 1


def test_old_error_feed_and_fetch_ids_with_a_dropped_id(server: ArxivServer) -> None:
    server.serve_file("arxiv-api-2007-docs-example-error-feed.xml", status=400, id_list="1234.12345")
    # asked for 1707.08567 and 2104.12255, arXiv's answer has only the first: the recorded "dropped id" page
    server.serve_file("arxiv-api-2026-id-list-one-missing-many-authors-mojibake.xml", id_list="1707.08567,2104.12255v1")
    client = ArxivClient(server.api_url, delay=0)
    try:
        with pytest.raises(ArxivQueryError, match="incorrect id format for 1234.12345"):
            client.api_page("", id_list=["1234.12345"])  # the old (2007) error feed; not retried
        found, missing = client.fetch_ids(["0808.05394", "1707.08567", "arXiv:2104.12255v1"])
    finally:
        client.close()
    assert missing == ["0808.05394", "2104.12255v1"] and list(found) == ["1707.08567"]
    paper = found["1707.08567"]
    assert len(paper.authors) == 34 and "Dirk Wübben" in paper.author_names
    assert client.counters.requests == 2 and client.counters.retries == 0
    assert server.api_requests[-1].params["id_list"] == "1707.08567,2104.12255v1"


def test_hard_records_survive_the_round_trip(server: ArxivServer, tmp_path: Path) -> None:
    items = entries(
        "arxiv-api-2026-old-style-id-affiliations-journalref.xml",
        "arxiv-api-2026-old-style-id-quant-ph-cross-list.xml",
        "arxiv-api-2026-title-is-0-no-comment.xml",
        "arxiv-api-2024-10-03-single-entry-cs.LG-multiparagraph-abstract.xml",
        "arxiv-api-2024-10-01-single-entry-math.RA-msc-category-nonascii-authors.xml",
        "arxiv-api-2016-multi-entry-au_del_maestro.xml",
    )
    server.serve_window(items)
    assert run("fetch", *WINDOW)[0] == 0
    assert_exactly(tmp_path, items)
    with stored(tmp_path) as store:
        got = store.get_many(["astro-ph/0601001v1", "quant-ph/0201082", "2104.12255", "2410.01802", "2401.11741"])
        assert got["astro-ph/0601001"].authors[0].affiliation == "Ohio State"
        assert got["astro-ph/0601001"].primary_category == "astro-ph"
        assert got["quant-ph/0201082"].categories == ("quant-ph", "cs.PL")
        assert got["2104.12255"].title == "0" and got["2104.12255"].comment is None
        assert got["2410.01802"].abstract.count("\n\n") == 1
        assert got["2410.01802"].abstract.split("\n\n")[1].startswith("Motivated by these observations")
        assert got["2401.11741"].author_names == ["Ilinka Dimitrova", "Vítor H. Fernandes", "Jörg Koppitz"]
        assert got["2401.11741"].categories == ("math.RA",)  # the MSC-code "category" is not one
        assert "cond-mat/0412498" in store.get_many(["cond-mat/0412498v1"])


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("status", {"status": 503}),
        ("status", {"status": 429, "retry_after": "0"}),
        ("drop", {"start": 10}),
        ("truncate", {"start": 10}),
        ("empty", {"start": 10}),
        ("garbage", {"start": 10}),
        ("status", {"status": 502, "start": 10, "times": 3}),
    ],
)
def test_faults_are_retried(server: ArxivServer, tmp_path: Path, kind: str, options: dict) -> None:  # type: ignore[type-arg]
    items = synthesize(25, entries(*PAGES))
    server.serve_window(items)
    server.fail(kind, **options)
    code, out, err = run("fetch", *WINDOW, "--json")
    assert code == 0, err
    report = json.loads(out)
    times = options.get("times", 1)
    assert report["retries"] == times and report["requests"] == 3 + times
    assert (report["fetched"], report["new"]) == (25, 25)
    assert_exactly(tmp_path, items)


def test_retry_after_is_honoured(server: ArxivServer) -> None:
    server.serve_window(entries(*PAGES))
    server.fail("status", status=429, retry_after="7")
    server.fail("status", status=503)
    waits: list[float] = []
    client = ArxivClient(server.api_url, delay=0.5, page_size=10, backoff=0.25, sleep=waits.append)
    try:
        pages = list(client.search_pages("cat:cs.LG"))
    finally:
        client.close()
    assert sum(len(p.papers) for p in pages) == 20
    assert waits[0] == pytest.approx(6.5, abs=0.1)  # Retry-After 7 s, the delay already counted
    assert 0 <= waits[1] <= 0.5 and waits[-1] <= 0.5  # backoff 0.5 s = delay; then the plain delay


def test_retries_run_out_then_resume(server: ArxivServer, tmp_path: Path) -> None:
    items = synthesize(25, entries(*PAGES))
    server.serve_window(items)
    server.fail("status", status=503, start=10, times=4)  # 1 try + 3 retries
    code, out, err = run("fetch", *WINDOW)
    assert code == 3
    assert len(err.strip().splitlines()) == 1
    assert "HTTP 503 after 4 attempts" in err and "kept 10 entries" in err and "resume" in err
    assert "failed, 10 of 25 entries" in out
    with stored(tmp_path) as store:
        assert store.count() == 10
        w = store.windows("api")[0]
        assert (w.complete, w.next_start, w.total) == (False, 10, 25)
    before = len(server.api_requests)
    code, out, err = run("fetch", *WINDOW, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["windows"][0]["resumed_at"] == 10 and report["new"] == 15
    assert [r.params["start"] for r in server.api_requests[before:]] == ["10", "20"]
    assert_exactly(tmp_path, items)


def test_total_beyond_what_arxiv_serves_is_not_silent(server: ArxivServer, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr("digest.fetch.API_LIMIT", 20)
    server.serve_window(synthesize(25, entries(*PAGES)))
    code, out, err = run("fetch", *WINDOW, "--json")
    report = json.loads(out)
    assert code == 1 and report["missing"] == 5 and report["ok"] is False
    assert "5 entries that were not fetched" in err


def test_default_window_and_daily_use(server: ArxivServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server.serve_window(entries(*PAGES))
    settings = load_settings()
    now = [datetime(2026, 4, 12, 12, tzinfo=timezone.utc)]
    monkeypatch.setattr("digest.clock.now", lambda: now[0])
    report = run_fetch(settings)
    # REREAD_DAYS (15) back: a late cross-list can add to a day for a week after its announcement
    assert report.windows[0].since == "2026-03-28" and report.windows[0].until == "2026-04-12"
    assert report.windows[0].status == "open"  # arXiv can still add to its last days
    # the days arXiv can no longer add to (announced, plus SETTLE_DAYS) are never read again ...
    again = run_fetch(settings)
    assert again.windows[0].since == "2026-04-01" and again.requests >= 1
    # ... the others are, day after day, until they settle (04-01 settled at midnight: read once more)
    now[0] = datetime(2026, 4, 13, 12, tzinfo=timezone.utc)
    nxt = run_fetch(settings)
    assert (nxt.windows[0].since, nxt.windows[0].until, nxt.unchanged) == ("2026-04-01", "2026-04-13", 20)
    assert run_fetch(settings).windows[0].since == "2026-04-02"
    now[0] = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)
    assert run_fetch(settings, since=date(2026, 4, 5), until=date(2026, 4, 12)).windows[0].status == "complete"
    assert run_fetch(settings, since=date(2026, 4, 5), until=date(2026, 4, 12)).requests == 0
    with Store.open(settings.path("store")) as store:
        key = query_key(["cs.LG", "cs.CL"], "")
        assert default_window(store, key, date(2026, 4, 20), 7) == (date(2026, 4, 13), date(2026, 4, 20))
        assert default_window(store, key, date(2026, 4, 25), 7) == (date(2026, 4, 13), date(2026, 4, 25))
        # an old backfill window never stretches the next default fetch over years
        store.save_window(Window("api", key, date(2022, 10, 17), date(2022, 10, 23), complete=True))
        assert default_window(store, key, date(2026, 4, 20), 7) == (date(2026, 4, 13), date(2026, 4, 20))


def test_query_building() -> None:
    q = build_query(["cs.LG"], "abs:transformer", date(2022, 10, 17), date(2022, 10, 23))
    assert q == "cat:cs.LG AND (abs:transformer) AND submittedDate:[202210170000 TO 202210232359]"
    assert query_key(["cs.LG", "cs.CL"], "") == query_key(["cs.CL", "cs.LG"], "")


def test_progress_events(server: ArxivServer, tmp_path: Path) -> None:
    server.serve_window(entries(*PAGES))
    events = []
    with Store.open(tmp_path / "s.sqlite") as store:
        client = ArxivClient(server.api_url, delay=0, page_size=10)
        fetch_api_window(store, client, SINCE, UNTIL, categories=["cs.LG"], progress=events.append)
        client.close()
    assert [(e.kind, e.entries, e.total, e.pages) for e in events] == [("page", 10, 20, 1), ("page", 20, 20, 2)]


def test_unusable_api_url(server: ArxivServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_ARXIV_API_URL", "export.arxiv.org/api/query")
    code, _, err = run("fetch", *WINDOW)
    assert code == 2 and "not a usable URL" in err and "arxiv.api_url" in err  # a setting to correct


def test_rss_new_format_and_conditional_get(server: ArxivServer, tmp_path: Path) -> None:
    server.serve_feed("cs.LG+cs.CL", "rss-new-format-2026-09-24-cs.LG+cs.AI+cs.CL+stat.ML-trimmed.xml")
    code, out, err = run("fetch", "--via", "rss", "--json")
    assert code == 0, err
    assert json.loads(out)["new"] == 4
    with stored(tmp_path) as store:
        p = store.get("2205.06398")
        assert p is not None and p.extra == {"announce_type": "cross", "announced": "2026-09-24"}
        assert p.doi == "10.1093/bioinformatics/btac431" and p.version == 2
        assert store.get("2609.26811").published.date() == date(2026, 9, 24)  # type: ignore[union-attr]
    code, out, _ = run("fetch", "--via", "rss")
    assert code == 0 and "HTTP 304" in out
    assert server.rss_requests[1].headers["if-none-match"] == '"v1"'
    assert len(server.rss_requests) == 2


def test_an_rss_feed_arxiv_does_not_have_is_a_setting_to_correct(server: ArxivServer, tmp_path: Path) -> None:
    # a well-formed name digest does not know passes the settings with a warning (-q: not shown)
    (tmp_path / "digest.toml").write_text('[arxiv]\ncategories = ["cs.QQ"]\n')
    code, out, err = run("-q", "fetch", "--via", "rss")
    assert (code, out) == (2, "") and err.count("\n") == 1, err  # not retried: a misspelt category, or a wrong address
    assert err.endswith("/rss/cs.QQ: HTTP 404; check arxiv.rss_url and arxiv.categories\n"), err


def test_rss_old_rdf_format(server: ArxivServer, tmp_path: Path) -> None:
    server.serve_feed("cs.LG+cs.CL", "rss-old-rdf-format-cs-2018-08-30.xml", etag=None)
    server.fail("status", route="rss", status=503)
    code, out, err = run("fetch", "--via", "rss", "--json")
    assert code == 0, err
    assert json.loads(out)["fetched"] == 185 and json.loads(out)["retries"] == 1
    server.serve_feed("hep-ex", "rss-old-rdf-format-hep-ex-2018-05-23-abridged.xml")
    client = ArxivClient(server.api_url, server.rss_url, delay=0)
    try:
        result = client.rss(["hep-ex"])
    finally:
        client.close()
    types = {p.id: p.extra["announce_type"] for p in result.papers}
    assert types == {"1805.08875": "new", "1805.09166": "cross", "1805.06430": "replace"}
    assert result.papers[0].authors[0].affiliation == "STAR Collaboration"
    assert result.announced == "2018-05-23"
    code, _, _ = run("fetch", "--via", "rss")  # Last-Modified only: If-Modified-Since -> 304
    assert server.rss_requests[-1].headers.get("if-modified-since") == "Thu, 24 Sep 2026 08:58:05 GMT"


def test_unavailable_error_carries_the_url(server: ArxivServer) -> None:
    server.serve_window(entries(*PAGES))
    server.fail("drop", times=2)
    client = ArxivClient(server.api_url, delay=0, retries=1)
    try:
        with pytest.raises(ArxivUnavailable, match=r"connection failed .* after 2 attempts \(http://127"):
            client.api_page("cat:cs.LG")
    finally:
        client.close()


def test_every_recorded_file_is_used() -> None:
    here = Path(__file__).parent
    text = "".join(p.read_text(encoding="utf-8") for p in here.glob("test_*.py"))
    unused = [f.name for f in FIXTURES.iterdir() if f.name not in text]
    assert unused == []


@pytest.mark.parametrize("at", [0, 1, 16381, 16382, 16383, 16384, 16385, 32767])
@pytest.mark.parametrize("insert", ["é".encode(), "\u2014".encode(), "\U0001f600".encode(), b"\xff", b"\xe2\x80",
                                    b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"])  # fmt: skip
def test_utf8_is_checked_in_pieces_as_a_whole_decode_would(at: int, insert: bytes) -> None:
    """`sanitise._utf8` reads 16 KB at a time: a sequence cut by a piece's end is still one character."""
    from digest.fetch.sanitise import _utf8, sanitise_xml

    for body in (b"a" * at + insert + b"b" * 100, b"a" * at + insert):
        try:
            body.decode("utf-8")
            whole = True
        except UnicodeDecodeError:
            whole = False
        assert _utf8(body) is whole
        if b"\xed" not in body:  # (a surrogate is dropped before the check)
            assert sanitise_xml(body) == (body if whole else body.decode("utf-8", "replace").encode("utf-8"))
