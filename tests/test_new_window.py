"""Issue files `digest new` did not make do not move its window: a special issue written by hand
midweek, a draft renamed to its sending day. The next draft still starts where the last recorded
draft stopped, and only the papers those files have are left out."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from arxiv_schedule import FakeClock, ScheduledArxiv, generate
from conftest import run

CATEGORIES = ("cs.LG", "cs.CL")
_HEADING_ID = re.compile(r"^## .*?(\d{4}\.\d{4,5})", re.M)


def _letter(root: Path, monkeypatch: pytest.MonkeyPatch, server: ScheduledArxiv, clock: FakeClock,
            toml: str = "") -> Path:  # fmt: skip
    """A newsletter in ``root`` on cs.LG and cs.CL (``toml``: more settings before them), fetching from
    the stand-in ``server``, its time ``clock``'s."""
    (root / "issues").mkdir(parents=True)
    (root / "digest.toml").write_text(toml + '[arxiv]\ncategories = ["cs.LG", "cs.CL"]\n')
    monkeypatch.setattr("digest.clock.now", clock.now)
    monkeypatch.chdir(root)
    for name, value in (("API_URL", server.api_url), ("RSS_URL", server.rss_url), ("DELAY", "0")):
        monkeypatch.setenv(f"DIGEST_ARXIV_{name}", value)
    return root


def _drafted(root: Path) -> Counter[str]:
    """How many issue files have a section for each paper."""
    ids: Counter[str] = Counter()
    for path in (root / "issues").glob("*.md"):
        ids.update(set(_HEADING_ID.findall(path.read_text())))
    return ids


def _week(clock: FakeClock, first: date, last: date, edit: dict[date, object]) -> None:
    """The daily `digest -q fetch` at 06:30 ET from ``first`` to ``last``; ``edit[day]()`` after it."""
    day = first
    while day <= last:
        clock.at_et(day, 6, 30)
        assert run("-q", "fetch")[0] == 0
        if day in edit:
            edit[day]()  # type: ignore[operator]
        day += timedelta(days=1)


def _since(server: ScheduledArxiv, clock: FakeClock, after: datetime) -> set[str]:
    return {i for i in server.announced(clock.now(), CATEGORIES) if server.announcement(i, CATEGORIES) > after}


def _first_draft(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: ScheduledArxiv,
                 clock: FakeClock) -> tuple[Path, datetime]:  # fmt: skip
    """A newsletter whose first draft, 2026-10-04, took a week of announcements: its folder and when it was drafted."""
    root = _letter(tmp_path / "letter", monkeypatch, server, clock)
    _week(clock, date(2026, 9, 28), date(2026, 10, 4), {})
    clock.at_et(date(2026, 10, 4), 7)
    assert run("-q", "new", "--date", "2026-10-04", "--limit", "0")[0] == 0
    return root, clock.now()


def test_an_issue_written_by_hand_midweek_leaves_out_only_its_own_papers(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 15), date(2026, 10, 20), per_day=6, seed=4)) as server:
        root, drafted_at = _first_draft(tmp_path, monkeypatch, server, clock)
        special: list[str] = []

        def by_hand() -> None:  # Thursday: a special issue on one paper of the week
            special.append(sorted(_since(server, clock, drafted_at))[0])
            (root / "issues" / "2026-10-08.md").write_text(
                f"---\ndate: 2026-10-08\nheadline: Special\n---\n\nOne topic.\n\n## arXiv:{special[0]}\n\nWhy.\n")

        _week(clock, date(2026, 10, 5), date(2026, 10, 11), {date(2026, 10, 8): by_hand})
        clock.at_et(date(2026, 10, 11), 7)
        code, out, err = run("new", "--date", "2026-10-11", "--limit", "0")
        expected = _since(server, clock, drafted_at)
    assert code == 0 and err == "", err  # no "run `digest fetch`": the store has the week
    # the window starts at the draft of 2026-10-04, not when the hand-written issue's date ends
    assert "(announced since the draft of 2026-10-04)" in out.splitlines()[0]
    assert f"announced since the draft of 2026-10-04: {len(expected)} papers (after Sun 2026-10-04 07:00 ET" in out
    assert "1 in earlier issues" in out  # the special issue's paper
    got = _drafted(root)
    assert len(expected) > 20 and expected <= set(got) and got[special[0]] == 1
    drafted = set(_HEADING_ID.findall((root / "issues" / "2026-10-11.md").read_text()))
    assert drafted == expected - {special[0]}


def test_a_draft_renamed_to_its_sending_day_still_bounds_the_next_one(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 15), date(2026, 10, 20), per_day=6, seed=4)) as server:
        root, drafted_at = _first_draft(tmp_path, monkeypatch, server, clock)

        def rename() -> None:  # Tuesday: the issue went out on Monday; the editor files it under that day
            old, new = root / "issues" / "2026-10-04.md", root / "issues" / "2026-10-05.md"
            new.write_text(old.read_text().replace("date: 2026-10-04", "date: 2026-10-05", 1))
            old.unlink()

        _week(clock, date(2026, 10, 5), date(2026, 10, 18), {date(2026, 10, 6): rename})
        clock.at_et(date(2026, 10, 18), 7)
        code, out, err = run("new", "--date", "2026-10-18", "--limit", "0")
        expected = _since(server, clock, drafted_at)
    assert code == 0, err
    assert "announced since the draft of 2026-10-04:" in out
    got = _drafted(root)
    # Sunday's and Monday's announcements after the draft (before 2026-10-05 ends) are in too
    assert len(expected) > 50 and expected <= set(got)
    assert [pid for pid, n in got.items() if n > 1] == []
