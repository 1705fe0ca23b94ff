"""`digest fetch` run again after a run that did not finish: what it says, what it exits with."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from arxiv_server import ArxivServer, entries, synthesize
import test_fetch
from test_fetch import PAGES, WINDOW

from conftest import run
from digest.store import Store

server = test_fetch.server  # the local arXiv, wired in through DIGEST_* variables


@pytest.fixture(autouse=True)
def months_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock months after the windows fetched."""
    monkeypatch.setattr("digest.clock.now", lambda: datetime(2026, 11, 30, 12, tzinfo=timezone.utc))


def test_a_capped_window_stays_incomplete_on_every_run(server: ArxivServer, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr("digest.fetch.API_LIMIT", 20)  # arXiv's 30,000, small
    server.serve_window(synthesize(25, entries(*PAGES)))
    code, first, err = run("fetch", *WINDOW)
    assert code == 1 and "incomplete, 20 of 25 entries" in first
    missing = "incomplete: arXiv reported 5 more entries than it served; fetch a shorter window with --since/--until"
    assert missing in first and "5 entries that were not fetched" in err
    for _ in range(2):  # the entries past the cap can never be fetched with this window: never "complete"
        before = len(server.api_requests)
        code, out, err = run("fetch", *WINDOW)
        assert code == 1, out
        assert "api 2026-04-06..2026-04-12: incomplete, 0 of 25 entries, resumed at 20" in out
        assert missing in out and "complete," not in out.replace("incomplete,", "")
        assert "5 entries that were not fetched" in err and "narrow --since/--until" in err
        assert len(server.api_requests) == before  # nothing arXiv would serve is left to ask for
    code, out, _ = run("fetch", *WINDOW, "--json")
    report = json.loads(out)
    assert code == 1 and report["missing"] == 5 and report["ok"] is False
    assert report["windows"][0]["status"] == "incomplete" and report["windows"][0]["total"] == 25
    with Store.open(tmp_path / ".digest" / "store.sqlite") as store:
        assert store.count() == 20 and [w.complete for w in store.windows("api")] == [False]


def test_resume_hint_names_the_window_given(server: ArxivServer, tmp_path: Path) -> None:
    server.serve_window(synthesize(25, entries(*PAGES)))
    server.fail("status", status=503, start=10, times=4)  # 1 try + 3 retries
    code, out, err = run("fetch", *WINDOW)
    assert code == 3 and "kept 10 entries" in err
    assert "run `digest fetch --since 2026-04-06 --until 2026-04-12` again to resume" in err
    # the command named does resume the window
    code, out, err = run("fetch", "--since", "2026-04-06", "--until", "2026-04-12")
    assert code == 0, err
    assert "complete, 15 of 25 entries, resumed at 10" in out


def test_resume_hint_with_since_only_names_both_ends(server: ArxivServer) -> None:
    server.serve_window(synthesize(25, entries(*PAGES)))
    server.fail("status", status=503, start=10, times=4)
    code, _, err = run("fetch", "--since", "2026-11-20")
    assert code == 3 and "run `digest fetch --since 2026-11-20 --until 2026-11-30` again to resume" in err


def test_resume_hint_of_the_default_window_is_bare(server: ArxivServer) -> None:
    server.serve_window(synthesize(25, entries(*PAGES)))
    server.fail("status", status=503, start=10, times=4)
    code, _, err = run("fetch")
    assert code == 3 and "run `digest fetch` again to resume" in err


def test_short_answer_hint_names_the_window(server: ArxivServer, tmp_path: Path) -> None:
    (tmp_path / "digest.toml").write_text('[arxiv]\ncategories = ["cs.SE"]\n')  # the recordings' category
    wide = ["--since", "2010-01-01", "--until", "2026-04-12"]  # their submission days
    server.serve_window(entries(*PAGES))
    assert run("fetch", *wide)[0] == 0
    with Store.open(tmp_path / ".digest" / "store.sqlite") as store:  # forget the window, keep its papers
        store.conn.execute("DELETE FROM windows")
        store.conn.commit()
    server.serve_window([], total=0)  # a spurious empty answer
    code, out, err = run("fetch", *wide)
    assert code == 1 and "where the store already holds" in err
    assert "run `digest fetch --since 2010-01-01 --until 2026-04-12` again later" in err


def test_error_feed_with_json_prints_the_report(server: ArxivServer) -> None:
    server.serve_file("arxiv-api-2026-error-feed-http400.xml", status=400)
    code, out, err = run("fetch", *WINDOW, "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False and report["requests"] == 1 and report["fetched"] == 0
    assert "arXiv rejected the request: incorrect id format for abc" in report["error"]
    assert report["windows"][0]["status"] == "failed"
    assert len(err.splitlines()) == 1 and "arXiv rejected the request: incorrect id format for abc" in err
    code, out, err = run("fetch", *WINDOW)  # the human report too, then the one line
    assert code == 1 and "api 2026-04-06..2026-04-12: failed, 0 entries" in out
    assert len(err.splitlines()) == 1 and err.startswith("arXiv rejected the request")


def test_an_empty_page_before_the_total_is_a_failure_not_a_cap(server: ArxivServer, tmp_path: Path) -> None:
    server.serve_window(synthesize(25, entries(*PAGES)))
    server.fail("empty", start=10, times=4)  # still empty after 3 retries
    code, out, err = run("fetch", *WINDOW)
    assert code == 3 and "failed, 10 of 25 entries" in out and "incomplete:" not in out
    assert "again to resume" in err
    code, out, err = run("fetch", *WINDOW)
    assert code == 0 and "complete, 15 of 25 entries, resumed at 10" in out
