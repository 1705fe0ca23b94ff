"""What `digest new` tells cron: its exit code and, under -q, only what needs a person.

An incomplete fetch (arXiv answered with less than it holds) drafts from the store and exits 1
with the `incomplete: ...` line, as `digest fetch` does; papers a long pause left out are a
warning even under -q; the ranking line says one thing."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from arxiv_schedule import FakeClock, ScheduledArxiv, generate
from conftest import run


def _letter(root: Path, monkeypatch: pytest.MonkeyPatch, server: ScheduledArxiv, clock: FakeClock,
            toml: str = "", arxiv: str = "") -> Path:  # fmt: skip
    (root / "issues").mkdir(parents=True)
    (root / "digest.toml").write_text(f'{toml}[arxiv]\ncategories = ["cs.LG", "cs.CL"]\n{arxiv}')
    monkeypatch.setattr("digest.clock.now", clock.now)
    monkeypatch.chdir(root)
    for name, value in (("API_URL", server.api_url), ("RSS_URL", server.rss_url), ("DELAY", "0"), ("RETRIES", "1")):
        monkeypatch.setenv(f"DIGEST_ARXIV_{name}", value)
    return root


def _log(root: Path) -> str:
    return (root / ".digest" / "runs.log").read_text().splitlines()[-1]


def test_a_short_answer_drafts_from_the_store_and_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arxiv_server import Response, fixture

    from digest.store import Store

    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 1), date(2026, 9, 7), per_day=8, seed=5)) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock)
        clock.at_et(date(2026, 9, 9), 7)
        assert run("-q", "fetch", "--since", "2026-09-01", "--until", "2026-09-08")[0] == 0
        with Store.open(root / ".digest" / "store.sqlite") as store:
            store.conn.execute("DELETE FROM windows")  # so that `new` reads those days again
        server.window = lambda params: Response(200, fixture("arxiv-api-2026-empty-result.xml"))
        clock.at_et(date(2026, 9, 13), 7)
        issue = root / "issues" / "2026-09-13.md"
        shown = "incomplete: arXiv reported 0 entries for 2026-08-22..2026-09-13 where the store already holds"
        # cron's form: nothing on stdout, the one line on stderr, exit 1; the draft is made all the same
        code, out, err = run("-q", "new", "--date", "2026-09-13", "--limit", "0")
        assert (code, out) == (1, "") and len(err.splitlines()) == 1, err
        assert err.startswith("2026-09-13.md: drafted from what the store holds; " + shown)
        assert issue.read_text().count("<!-- digest:paper") > 20
        log = _log(root)
        assert "  new --date 2026-09-13 --limit=0  exit 1  " in log and shown in log
        # the editor's form: the report, then the line
        code, out, err = run("new", "--date", "2026-09-13")
        assert code == 1 and "network: api 2026-08-22..2026-09-13: incomplete, 0 entries" in out and shown in err
        # --json: its exit_code is the process's
        code, out, err = run("new", "--date", "2026-09-13", "--json")
        report = json.loads(out)
        assert code == report["exit_code"] == 1 and report["fetch"]["ok"] is False
        assert report["incomplete"].startswith("2026-09-13.md: drafted from what the store holds; " + shown)


def test_more_entries_than_arxiv_serves_is_incomplete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("digest.fetch.API_LIMIT", 100)  # arXiv's 30,000 results, scaled down
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 1), date(2026, 11, 14), per_day=4, seed=8)) as server:
        _letter(tmp_path / "letter", monkeypatch, server, clock, arxiv="page_size = 50\n")
        clock.at_et(date(2026, 11, 15), 7)
        code, out, err = run("-q", "new", "--date", "2026-11-15", "--window", "64", "--json")
    report = json.loads(out)
    assert code == report["exit_code"] == 1 and report["fetch"]["missing"] > 0
    assert err.startswith("2026-11-15.md: drafted from what the store holds; incomplete: arXiv reported"
                          f" {report['fetch']['missing']} more entries than it served;")  # fmt: skip
    assert "`digest fetch --since/--until`" in err and report["added"]


def test_quiet_new_still_warns_of_the_papers_a_long_pause_left_out(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 1), date(2026, 11, 14), per_day=4, seed=8)) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock)
        clock.at_et(date(2026, 9, 13), 7)
        assert run("-q", "new", "--date", "2026-09-13", "--limit", "0") == (0, "", "")
        for day in (date(2026, 10, 1), date(2026, 10, 15)):  # the daily fetch ran now and then
            clock.at_et(day, 6, 30)
            assert run("-q", "fetch")[0] == 0
        clock.at_et(date(2026, 11, 15), 7)
        code, out, err = run("-q", "new", "--date", "2026-11-15")
        # a draft was made (exit 0: it is right for its 28 days); the one line says what it left out
        assert (code, out) == (0, ""), err
        (line,) = err.splitlines()
        assert line.startswith("warning: no draft since Sun 2026-09-13 07:00 ET: drafting the last 28 days only")
        assert "`digest new --date 2026-11-15 --window 64` takes them too" in line
        held = re.search(r"is left out \(the store holds (\d+) such papers\)", line)
        assert held and int(held[1]) > 20
        assert "exit 0" in _log(root) and line in _log(root)
        # without -q, the report and the warning, once
        code, out, err = run("new", "--date", "2026-11-15")
    assert code == 0 and err.count("no draft since") == 1 and out.startswith("2026-11-15.md: added 0 candidates")


def test_the_ranking_line_says_one_thing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 20), date(2026, 10, 20), per_day=6, seed=4)) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock, "max_candidates = 10\n")
        clock.at_et(date(2026, 10, 4), 7)
        code, out, _ = run("new", "--date", "2026-10-04", "--limit", "0")
        assert code == 0 and "ranking: newest first (no seeds or earlier issues to learn from)\n" in out
        clock.at_et(date(2026, 10, 11), 7)
        code, out, _ = run("new", "--date", "2026-10-11")
    # no seeds, and the earlier draft has no notes: its papers were passed over, with nothing to weigh them against
    assert code == 0 and "(no profile)" not in out and "(profile:" not in out
    (line,) = [line for line in out.splitlines() if line.startswith("ranking: ")]
    assert line.startswith("ranking: newest first (no seeds or earlier issues to learn from; ")
    assert line.endswith(" papers you passed over wait for a profile)")
    # with a profile but nothing to rank, the line does not claim an order
    from digest.draft.report import NewReport

    report = NewReport(path=root / "x.md", date=date(2026, 10, 11), window=None,  # type: ignore[arg-type]
                       profile={"seed abstracts": 3, "papers you passed over": 37})  # fmt: skip
    assert report.ranking() == "none to rank (profile: 3 seed abstracts, 37 papers you passed over)"


def test_quiet_new_says_when_an_earlier_issue_file_is_broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A skipped earlier issue no longer counts its papers as covered: cron's form must say so.
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 20), date(2026, 10, 20), per_day=4, seed=3)) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock)
        (root / "issues" / "2026-10-04.md").write_text("---\ndate: 2026-10-05\n---\n\nx\n", encoding="utf-8")
        clock.at_et(date(2026, 10, 11), 7)
        code, out, err = run("-q", "new", "--date", "2026-10-11")
    assert (code, out) == (0, "")
    (line,) = err.splitlines()
    assert line.startswith("warning: ") and "issues/2026-10-04.md:2: date 2026-10-05 disagrees with the file name" in line
    assert line.endswith("(skipped)")
