"""`digest new` as cron and the editor run it: reports, exit codes, the lock, the run log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from conftest import REPO, run
from digest.paper import Author, Paper
from digest.store import Store


def paper(n: int, day: int = 20) -> Paper:
    when = datetime(2022, 10, day, 12, tzinfo=timezone.utc)
    return Paper(f"2210.{n:05d}", 1, f"Paper {n}: on things", (Author("Ada Lovelace"),), f"Abstract {n} about things.",
                 categories=("cs.LG",), primary_category="cs.LG", published=when, updated=when, source="api")  # fmt: skip


@pytest.fixture()
def letter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "letter"
    (root / "issues").mkdir(parents=True)
    (root / "digest.toml").write_text('max_candidates = 3\n[arxiv]\ncategories = ["cs.LG"]\n')
    with Store.open(root / ".digest" / "store.sqlite") as store:
        store.upsert([paper(n, day=17 + n % 7) for n in range(1, 6)])
    monkeypatch.chdir(root)
    return root


def test_new_drafts_reports_and_logs_the_run(letter: Path) -> None:
    code, out, err = run("new", "--date", "2022-10-23", "--offline")
    assert code == 0, err
    lines = out.splitlines()
    # 2210.00005, submitted on Saturday, is announced on Monday evening: after the issue's date ends.
    assert lines[0] == ("2022-10-23.md: drafted 3 candidates and 0 new versions"
                        " (announced in the last 7 days (window_days: no earlier issue))")
    assert "network: not asked (--offline or --dry-run); drafting from the store only" in lines
    assert ("announced in the last 7 days (window_days: no earlier issue): 4 papers (after Sun 2022-10-16 20:00 ET,"
            " through Sun 2022-10-23 20:00 ET); 0 in earlier issues") in out
    assert "kept 3 of 4 candidates; 1 more wait in `digest triage 2022-10-23`" in out
    assert (letter / "issues" / "2022-10-23.md").read_text().count("<!-- digest:paper") == 3
    (log,) = (letter / ".digest" / "runs.log").read_text().splitlines()
    assert "  new --date 2022-10-23 --offline  exit 0  " in log and log.endswith("drafted 3 candidates and 0 new versions")
    code, out, _ = run("new", "--date", "2022-10-23", "--offline", "--limit", "0")
    assert code == 0 and out.startswith("2022-10-23.md: added 1 candidates")


def test_quiet_prints_nothing_and_dry_run_writes_nothing(letter: Path) -> None:
    code, out, err = run("-q", "new", "--date", "2022-10-23", "--offline")
    assert (code, out, err) == (0, "", "")
    path = letter / "issues" / "2022-10-23.md"
    before = path.read_bytes()
    with Store.open(letter / ".digest" / "store.sqlite") as store:
        store.upsert([paper(40, day=20)])
        proposed = store.proposed(date(2022, 10, 23))
    code, out, err = run("new", "--date", "2022-10-23", "--dry-run", "--limit", "10")
    assert code == 0
    assert out.startswith("## [Paper 40: on things](https://arxiv.org/abs/2210.00040)\n<!-- digest:paper\n")
    assert "would add 2 candidates" in err
    assert path.read_bytes() == before
    with Store.open(letter / ".digest" / "store.sqlite") as store:
        assert store.proposed(date(2022, 10, 23)) == proposed


def test_json_report(letter: Path) -> None:
    code, out, _ = run("new", "--date", "2022-10-23", "--offline", "--json")
    data = json.loads(out)
    assert code == 0 and data["created"] and len(data["added"]) == 3 and data["left_out"] == 1
    assert data["window"]["since"] == "2022-10-17T00:00:00+00:00"  # Sunday 20:00 ET
    assert data["window"]["until"] == "2022-10-24T00:00:00+00:00"  # the end of the issue's date (timezone: UTC)
    assert data["window"]["reason"] == "in the last 7 days (window_days: no earlier issue)"


def test_a_broken_issue_exits_1_and_is_logged(letter: Path) -> None:
    path = letter / "issues" / "2022-10-23.md"
    path.write_text("---\ndate: 2022-10-22\n---\n")
    code, out, err = run("new", "--date", "2022-10-23", "--offline")
    assert code == 1 and out == ""
    assert "issues/2022-10-23.md:2: date 2022-10-22 disagrees with the file name" in err
    assert path.read_text() == "---\ndate: 2022-10-22\n---\n"
    assert "exit 1" in (letter / ".digest" / "runs.log").read_text()


def test_arxiv_unavailable_still_drafts_from_the_store_and_exits_3(letter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arxiv_server import ArxivServer

    with ArxivServer() as server:
        server.fail("status", status=503, times=10)
        monkeypatch.setenv("DIGEST_ARXIV_API_URL", server.api_url)
        monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
        monkeypatch.setenv("DIGEST_ARXIV_RETRIES", "1")
        code, out, err = run("new", "--date", "2022-10-23")
    assert code == 3
    # the submission days behind the announcements of the window, late cross-lists included:
    # from REREAD_DAYS (15) before its start
    assert err.startswith("2022-10-23.md: drafted from the store only; could not fetch 2022-10-02..2022-10-23:")
    assert "network: could not fetch" in out
    assert (letter / "issues" / "2022-10-23.md").read_text().count("<!-- digest:paper") == 3
    assert "exit 3" in (letter / ".digest" / "runs.log").read_text()


def test_the_window_is_fetched_first_and_the_report_says_so(letter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arxiv_server import ArxivServer, entries

    with ArxivServer() as server:
        server.serve_window(entries("arxiv-api-2026-multi-entry-page1-all_testing.xml"))
        monkeypatch.setenv("DIGEST_ARXIV_API_URL", server.api_url)
        monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
        code, out, err = run("new", "--date", "2022-10-23", "--window", "2")
        assert code == 0, err
        assert len(server.api_requests) == 1
        assert "submittedDate:[202210070000 TO 202210232359]" in server.api_requests[0].params["search_query"]
    assert "network: api 2022-10-07..2022-10-23: complete, 10 entries (10 new, 0 updated, 1 requests)" in out


_HOLDER = """
import sys, time
from pathlib import Path
import digest.draft as d
real = d._run
def slow(*a, **k):
    Path("holding").write_text("yes")
    time.sleep(float(sys.argv[1]))
    return real(*a, **k)
d._run = slow
import digest.lock
digest.lock.WAIT_SECONDS = 0.3
from digest.cli import main
main(["new", "--date", "2022-10-23", "--offline"])
"""


def test_two_runs_at_once_one_drafts_the_other_exits_1(letter: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    script = textwrap.dedent(_HOLDER)
    first = subprocess.Popen([sys.executable, "-c", script, "2.0"], cwd=letter, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 30
    while not (letter / "holding").exists():
        assert time.monotonic() < deadline and first.poll() is None, first.communicate()
        time.sleep(0.02)
    (letter / "holding").unlink()
    second = subprocess.run([sys.executable, "-c", script, "0"], cwd=letter, env=env, capture_output=True, text=True)
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert second.returncode == 1
    assert second.stdout == ""
    (line,) = second.stderr.splitlines()
    assert "new.lock: another digest run (pid " in line and "is drafting this newsletter; waited 0.3 s" in line
    text = (letter / "issues" / "2022-10-23.md").read_text()
    assert text.count("<!-- digest:paper") == 3 and text.rstrip().endswith("-->")
    assert "drafted 3 candidates" in out


def test_check_says_when_the_suggested_headline_is_still_there(letter: Path) -> None:
    assert run("new", "--date", "2022-10-23", "--offline")[0] == 0
    path = letter / "issues" / "2022-10-23.md"
    code, out, _ = run("check", str(path))
    assert "the headline is still the one `digest new` suggested from paper titles: write your own" in out
    path.write_text(path.read_text().replace("headline: Paper 4, Paper 3, Paper 2", "headline: My own words"))
    assert "suggested" not in run("check", str(path))[1]
