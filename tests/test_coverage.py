"""Every paper arXiv announces reaches exactly one draft: weeks of cron replayed on a fake clock.

The stand-in (`arxiv_schedule.ScheduledArxiv`) announces synthetic papers on arXiv's real
schedule (Sunday to Thursday at 20:00 ET, holidays rolled over, cross-lists and
replacements), and serves the API and RSS only what is announced at the fake clock's
time. The test runs the README's cron lines against it, day after day: `digest -q fetch`
at 06:30 ET and, once a week, `digest new --limit 0` at 07:00 ET; two days the machine
is off; Thanksgiving has no announcement. At the end, every paper announced in
cs.LG/cs.CL before the last draft is a section of exactly one issue file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from arxiv_schedule import FakeClock, ScheduledArxiv, announcement_of, generate
from conftest import run

CATEGORIES = ("cs.LG", "cs.CL")
THANKSGIVING = date(2026, 11, 26)
START = date(2026, 10, 4)  # a Sunday; nine weeks to 2026-12-06, Thanksgiving in the eighth
END = date(2026, 12, 7)
OFF = {date(2026, 10, 28), date(2026, 10, 29)}  # Wednesday and Thursday: no fetch, no draft
_HEADING_ID = re.compile(r"^## .*?(\d{4}\.\d{4,5})", re.M)


def newsletter(root: Path, holidays: list[date]) -> Path:
    (root / "issues").mkdir(parents=True)
    told = ", ".join(f'"{d}"' for d in holidays)
    (root / "digest.toml").write_text(f'[arxiv]\ncategories = ["cs.LG", "cs.CL"]\nholidays = [{told}]\n')
    return root


def drafted(root: Path) -> Counter[str]:
    """How many issue files propose each paper (one section each)."""
    ids: Counter[str] = Counter()
    for path in sorted((root / "issues").glob("*.md")):
        ids.update(set(_HEADING_ID.findall(path.read_text())))
    return ids


def replay(root: Path, monkeypatch: pytest.MonkeyPatch, *, weekday: int, via: str, holidays_known: bool,
           per_day: int = 10) -> tuple[ScheduledArxiv, list[datetime], list[dict]]:  # fmt: skip
    """Run the cron lines from START to END; returns the server, the drafts' times and their reports."""
    newsletter(root, [THANKSGIVING] if holidays_known else [])
    clock = FakeClock()
    monkeypatch.setattr("digest.clock.now", clock.now)
    monkeypatch.chdir(root)
    papers = generate(START - timedelta(days=21), END, per_day=per_day, seed=weekday * 7 + len(via))
    runs: list[datetime] = []
    reports: list[dict] = []
    server = ScheduledArxiv(clock, papers, holidays={THANKSGIVING})
    with server:
        monkeypatch.setenv("DIGEST_ARXIV_API_URL", server.api_url)
        monkeypatch.setenv("DIGEST_ARXIV_RSS_URL", server.rss_url)
        monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
        monkeypatch.setenv("DIGEST_ARXIV_PAGE_SIZE", "200")
        day = START
        while day <= END:
            if day not in OFF:
                clock.at_et(day, 6, 30)
                code, out, err = run("-q", "fetch", "--via", via)
                assert (code, err) == (0, ""), out
                if day.weekday() == weekday:
                    clock.at_et(day, 7)
                    before = drafted(root)
                    code, out, err = run("new", "--date", day.isoformat(), "--limit", "0", "--json")
                    assert code == 0, err
                    report = json.loads(out)
                    # the report's numbers agree with the file
                    assert len(report["added"]) == sum((drafted(root) - before).values())
                    assert report["candidates"] == len(report["added"]) + report["already"] + report["skipped_deleted"]
                    runs.append(clock.now())
                    reports.append(report)
            day += timedelta(days=1)
    return server, runs, reports


@pytest.mark.parametrize(
    ("weekday", "via", "holidays_known"),
    [(6, "api", False), (0, "api", True), (6, "rss", True), (0, "rss", False)],
    ids=["sunday-api", "monday-api", "sunday-rss", "monday-rss"],
)
def test_every_announced_paper_is_in_exactly_one_draft(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, weekday: int,
                                                       via: str, holidays_known: bool) -> None:  # fmt: skip
    server, runs, reports = replay(tmp_path / "letter", monkeypatch, weekday=weekday, via=via,
                                   holidays_known=holidays_known)  # fmt: skip
    assert len(runs) == 10  # Sundays 10-04..12-06, Mondays 10-05..12-07
    first, last = runs[0], runs[-1]
    # The first draft reaches back window_days (7); from then on, every announcement counts. At that
    # first boundary only, a paper announced before it in another category and cross-listed into
    # ours after it, before the first run, is dated by the API (which does not say when a
    # cross-list was made) before it, and no feed read by then said otherwise.
    start = first - timedelta(days=7)
    expected = {pid for pid in server.announced(last, CATEGORIES) if server.announcement(pid, CATEGORIES) > start
                and announcement_of(server.papers[pid].sub.submitted, {THANKSGIVING}) > start}
    got = drafted(tmp_path / "letter")
    lost = sorted(expected - set(got))
    duplicated = sorted(pid for pid, n in got.items() if n > 1)
    foreign = sorted(set(got) - expected)
    assert (lost, duplicated, foreign) == ([], [], [])
    assert len(expected) > 400
    # cross-lists from stat.ML and the late cross-lists are among them
    crossed = [pid for pid in expected if server.papers[pid].sub.primary not in CATEGORIES]
    assert len(crossed) > 40
    # the report names what is still to come
    assert all(r["pending"] and r["pending"].startswith("pending: papers submitted since ") for r in reports)
    assert all(r["window"]["reason"].startswith("since the draft of ") for r in reports[1:])
