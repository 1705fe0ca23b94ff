"""Months of the weekly loop, run as an adversarial editor would: cron in the editor's own time
zone across DST changes and New Year (arXiv holidays told or not), an issue drafted for a past
Sunday after a later draft exists, and new versions of covered papers announced after the draft
that precedes them. Each paper arXiv announces in the categories reaches exactly one issue file,
and `digest -q new` stays silent while nothing needs a person.

The stand-in arXiv and its schedule are `tests/arxiv_schedule.py`; the clock is fake.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from arxiv_schedule import FakeClock, ScheduledArxiv, Submission, announcement_of, et, generate
from conftest import run
from test_new_window import _HEADING_ID, _drafted, _letter

CATEGORIES = ("cs.LG", "cs.CL")


def _drafted_file(root: Path, day: str) -> set[str]:
    return set(_HEADING_ID.findall((root / "issues" / f"{day}.md").read_text()))


def _cron(clock: FakeClock, first: date, last: date, drafts: dict[date, str]) -> None:
    """`digest -q fetch` at 06:30 ET each day; `digest -q new --date D` at 07:00 ET on the days of ``drafts``."""
    day = first
    while day <= last:
        clock.at_et(day, 6, 30)
        code, out, err = run("-q", "fetch")
        assert (code, err) == (0, ""), out
        if day in drafts:
            clock.at_et(day, 7)
            assert run("-q", "new", "--limit", "0", "--date", drafts[day]) == (0, "", "")
        day += timedelta(days=1)


# -- an issue for a past date, drafted after a later one --------------------------------------


@pytest.mark.parametrize("case", ["missed-sunday-after-monday-draft", "past-issue-re-run"])
def test_an_issue_drafted_for_a_past_date_takes_nothing_a_later_draft_has(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         case: str) -> None:  # fmt: skip
    """Cron drafted Monday's issue; on Tuesday the editor drafts the Sunday they meant (`new --date` for
    a past Sunday). Or: docs/new.md says a paper fetched late goes "into this one, by running `digest
    new` for its date again", and the editor does so after next week's draft exists. Either way the
    past issue's window reaches to the end of its date, over papers a later draft already proposed."""
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 15), date(2026, 10, 25), per_day=6, seed=4)) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock)
        if case == "missed-sunday-after-monday-draft":
            drafts = {date(2026, 10, 4): "2026-10-04", date(2026, 10, 12): "2026-10-12"}
            past, today = "2026-10-11", date(2026, 10, 13)
        else:
            drafts = {date(2026, 10, 4): "2026-10-04", date(2026, 10, 11): "2026-10-11", date(2026, 10, 18): "2026-10-18"}
            past, today = "2026-10-11", date(2026, 10, 19)
        _cron(clock, date(2026, 9, 28), today, drafts)
        before = _drafted(root)
        clock.at_et(today, 9)
        code, out, err = run("-q", "new", "--date", past, "--limit", "0")
        last = max(d for d in drafts)
        lower = et(date(2026, 10, 4), 7) - timedelta(days=7)  # the first draft's window_days
        expected = {i for i in server.announced(et(last, 7), CATEGORIES) if server.announcement(i, CATEGORIES) > lower
                    and announcement_of(server.papers[i].sub.submitted) > lower}  # fmt: skip
    assert (code, out, err) == (0, "", "")
    got = _drafted(root)
    assert [pid for pid, n in got.items() if n > 1] == []
    assert expected <= set(before) and len(expected) > 60  # nothing was missing to begin with
    # (it may take a paper stored since: one cross-listed late, which the next draft then leaves out)
    assert set(got) - set(before) <= set(_drafted_file(root, past))


def test_a_later_draft_the_editor_deleted_gives_its_papers_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cron drafted Monday under the wrong date; the editor deletes that file and drafts the Sunday they
    meant. The deleted draft's papers are in no file: the Sunday draft takes them (none is lost)."""
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 15), date(2026, 10, 25), per_day=6, seed=4)) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock)
        _cron(clock, date(2026, 9, 28), date(2026, 10, 13), {date(2026, 10, 4): "2026-10-04", date(2026, 10, 12): "2026-10-12"})
        wrong = _drafted_file(root, "2026-10-12")
        assert len(wrong) > 20
        (root / "issues" / "2026-10-12.md").unlink()  # the editor: cron used the wrong date
        clock.at_et(date(2026, 10, 13), 9)
        assert run("-q", "new", "--date", "2026-10-11", "--limit", "0") == (0, "", "")
        _cron(clock, date(2026, 10, 14), date(2026, 10, 19), {date(2026, 10, 18): "2026-10-18"})
    got = _drafted(root)
    assert wrong <= set(got) and [pid for pid, n in got.items() if n > 1] == []


def test_a_later_draft_renamed_to_another_date_keeps_its_papers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The editor moves cron's Monday draft to Tuesday (file and `date:`), then drafts the Sunday: the
    Tuesday file still holds its sections, so the Sunday draft takes none of them."""
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 15), date(2026, 10, 25), per_day=6, seed=4)) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock)
        _cron(clock, date(2026, 9, 28), date(2026, 10, 13), {date(2026, 10, 4): "2026-10-04", date(2026, 10, 12): "2026-10-12"})
        monday = root / "issues" / "2026-10-12.md"
        monday.rename(root / "issues" / "2026-10-13.md")
        moved = root / "issues" / "2026-10-13.md"
        moved.write_text(moved.read_text().replace("date: 2026-10-12", "date: 2026-10-13", 1))
        clock.at_et(date(2026, 10, 13), 9)
        assert run("-q", "new", "--date", "2026-10-11", "--limit", "0") == (0, "", "")
    got = _drafted(root)
    assert _drafted_file(root, "2026-10-13") and [pid for pid, n in got.items() if n > 1] == []


@pytest.mark.parametrize("case", ["renamed-to-the-day-before", "deleted-while-another-file-is-broken"])
def test_a_later_draft_gone_gives_back_only_what_no_issue_file_may_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                         case: str) -> None:  # fmt: skip
    """Cron's Monday draft moved to Saturday (before the Sunday the editor then drafts): its sections stay
    Saturday's. Or deleted while another issue file does not parse: that file may hold them, so none
    comes back, and the run says why."""
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 15), date(2026, 10, 25), per_day=6, seed=4)) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock)
        _cron(clock, date(2026, 9, 28), date(2026, 10, 13), {date(2026, 10, 4): "2026-10-04", date(2026, 10, 12): "2026-10-12"})
        monday = root / "issues" / "2026-10-12.md"
        mondays = _drafted_file(root, "2026-10-12")
        if case == "renamed-to-the-day-before":
            monday.rename(root / "issues" / "2026-10-10.md")
            moved = root / "issues" / "2026-10-10.md"
            moved.write_text(moved.read_text().replace("date: 2026-10-12", "date: 2026-10-10", 1))
        else:
            monday.unlink()
            (root / "issues" / "2026-10-14.md").write_text("---\ndate: [2026-10-14\n---\n")
        clock.at_et(date(2026, 10, 13), 9)
        code, _, err = run("new", "--date", "2026-10-11", "--limit", "0")
    assert code == 0, err
    got = _drafted(root)
    assert [pid for pid, n in got.items() if n > 1] == []
    if case != "renamed-to-the-day-before":
        assert mondays and not mondays & _drafted_file(root, "2026-10-11")
        assert "issues/2026-10-14.md" in err and "until it reads, the papers of a later draft whose file is gone" in err


# -- months of cron in the editor's time zone --------------------------------------------------

XMAS = {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 31), date(2027, 1, 1)}
"""arXiv's holidays over New Year (its usual pattern: no announcement on the 24th, 25th, 31st and 1st)."""


@pytest.mark.parametrize(("zone", "start", "end", "weekday", "holidays", "told"), [
    ("Europe/Berlin", date(2026, 10, 11), date(2026, 11, 16), 6, set(), False),  # EU DST ends a week before the US's
    ("Asia/Kolkata", date(2026, 12, 6), date(2027, 1, 18), 6, XMAS, False),  # New Year, holidays not told
    ("Pacific/Auckland", date(2026, 12, 6), date(2027, 1, 18), 0, XMAS, True),  # +13: Monday 07:00 is Sunday ET
    ("Pacific/Auckland", date(2027, 2, 28), date(2027, 4, 12), 6, set(), False),  # US DST starts, NZ DST ends
    ("Pacific/Kiritimati", date(2026, 12, 6), date(2027, 1, 18), 6, XMAS, False),  # +14
], ids=["berlin-dst", "kolkata-newyear", "auckland-monday", "auckland-dst", "kiritimati"])  # fmt: skip
def test_weeks_of_cron_in_the_editors_time_zone_draft_each_paper_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zone: str, start: date, end: date, weekday: int,
        holidays: set[date], told: bool) -> None:  # fmt: skip
    """`digest cron`'s lines in local time: the fetch at 06:30, `digest -q new` (no --date: today in
    `timezone`) at 07:00 on ``weekday``. Cron hears nothing from `new`, and every paper announced after
    the first draft's window opened and before the last draft is in exactly one issue."""
    tz = ZoneInfo(zone)
    clock = FakeClock()
    server = ScheduledArxiv(clock, generate(start - timedelta(days=21), end, per_day=6, seed=1), holidays=holidays)
    runs: list[datetime] = []
    noise: list[tuple[date, str, int, str, str]] = []
    with server:
        told_s = ", ".join(f'"{d}"' for d in sorted(holidays)) if told else ""
        root = _letter(tmp_path / "letter", monkeypatch, server, clock, toml=f'timezone = "{zone}"\n')
        with (root / "digest.toml").open("a") as f:
            f.write(f"holidays = [{told_s}]\n")
        monkeypatch.setenv("DIGEST_ARXIV_PAGE_SIZE", "500")
        day = start
        while day <= end:
            clock.set(datetime(day.year, day.month, day.day, 6, 30, tzinfo=tz))
            code, out, err = run("-q", "fetch")
            if (code, err) != (0, ""):  # (its report goes to .digest/fetch.log: `digest cron`)
                noise.append((day, "fetch", code, out, err))
            if day.weekday() == weekday:
                clock.set(datetime(day.year, day.month, day.day, 7, 0, tzinfo=tz))
                code, out, err = run("-q", "new", "--limit", "0")
                if (code, out, err) != (0, "", ""):
                    noise.append((day, "new", code, out, err))
                runs.append(clock.now())
            day += timedelta(days=1)
    lower = runs[0] - timedelta(days=7)
    expected = {pid for pid in server.announced(runs[-1], CATEGORIES) if server.announcement(pid, CATEGORIES) > lower
                and announcement_of(server.papers[pid].sub.submitted, holidays) > lower}  # fmt: skip
    got = _drafted(root)
    lost = sorted(expected - set(got))
    duplicated = sorted(pid for pid, n in got.items() if n > 1)
    foreign = sorted(set(got) - expected)
    assert (lost, duplicated, foreign, noise) == ([], [], [], [])
    assert len(expected) > 100 and len(runs) >= 6


# -- new versions of covered papers ------------------------------------------------------------


def _annotate(path: Path, pid: str, notes: str = "Why this matters, in my words.") -> None:
    """The editor writes notes under the paper's section."""
    text = path.read_text()
    at = re.search(rf"^## .*{re.escape(pid)}.*$", text, re.M)
    assert at, pid
    nxt = text.find("\n## ", at.end())
    nxt = len(text) if nxt < 0 else nxt
    path.write_text(text[:nxt].rstrip("\n") + f"\n\n{notes}\n" + text[nxt:])


def _covered_then_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, via: str,
                           v2: datetime) -> tuple[Path, dict[date, list[str]]]:  # fmt: skip
    """A paper announced Monday 2026-09-28 and covered (with notes) in the draft of Sunday 2026-10-04;
    its v2 submitted at ``v2``. Five Sundays of cron (`digest fetch --via VIA`, `digest new`); returns
    the newsletter and the new versions each draft reported."""
    clock = FakeClock()
    mine = Submission(id="2609.99999", submitted=et(date(2026, 9, 28), 10), title="Mine: a paper I cover",
                      abstract="We study things.", authors=["Ada Lovelace"], primary="cs.LG", categories=("cs.LG",),
                      versions=[v2])  # fmt: skip
    reported: dict[date, list[str]] = {}
    with ScheduledArxiv(clock, [*generate(date(2026, 9, 20), date(2026, 10, 25), per_day=4, seed=9), mine]) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock)
        day = date(2026, 9, 27)
        while day <= date(2026, 10, 25):
            clock.at_et(day, 6, 30)
            code, out, err = run("-q", "fetch", "--via", via)
            assert (code, err) == (0, ""), err
            if day.weekday() == 6 and day >= date(2026, 10, 4):
                clock.at_et(day, 7)
                code, out, err = run("new", "--limit", "0", "--json")
                assert code == 0, err
                reported[day] = [r["id"] for r in json.loads(out)["replacements"]]
                if day == date(2026, 10, 4):
                    _annotate(root / "issues" / "2026-10-04.md", mine.id)
            day += timedelta(days=1)
    return root, reported


def _holding_new_version(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "issues").glob("*.md")
                  if "covered_in: 2026-10-04" in p.read_text() and "2609.99999" in p.read_text())  # fmt: skip


@pytest.mark.parametrize(("v2", "week"), [((date(2026, 10, 1), 16), "2026-10-11.md"),
                                          ((date(2026, 10, 6), 10), "2026-10-11.md")],
                         ids=["thursday-afternoon", "tuesday-morning"])  # fmt: skip
def test_a_new_version_announced_after_a_draft_goes_into_the_next_one(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      v2: tuple[date, int], week: str) -> None:  # fmt: skip
    """v2 submitted Thursday 16:00 ET is announced Sunday 20:00 ET, after the Sunday 07:00 draft: the
    next draft must offer it, though it was *submitted* before that draft's window opened."""
    root, reported = _covered_then_replaced(tmp_path, monkeypatch, "api", et(*v2))
    assert _holding_new_version(root) == [week], reported
    assert sum(len(ids) for ids in reported.values()) == 1


def test_a_new_version_only_rss_announces_is_offered_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/new.md: "New versions reach the store by `digest fetch --via rss`". v1's submission day is
    settled by the time v2 is announced, so the API never reads it again: only the feed says v2 exists."""
    root, reported = _covered_then_replaced(tmp_path, monkeypatch, "rss", et(date(2026, 10, 8), 16))
    assert _holding_new_version(root) == ["2026-10-18.md"], reported


def test_a_new_version_a_later_draft_proposed_is_not_proposed_again_for_a_past_date(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A paper covered on 10-04 gets a v2; cron's Monday draft (10-12) proposes it; the editor then drafts
    the Sunday they meant (10-11), whose window holds the v2 too: one issue proposes it, not two."""
    clock = FakeClock()
    mine = Submission(id="2609.99999", submitted=et(date(2026, 9, 28), 10), title="Mine: a paper I cover",
                      abstract="We study things.", authors=["Ada Lovelace"], primary="cs.LG", categories=("cs.LG",),
                      versions=[et(date(2026, 10, 6), 10)])  # fmt: skip
    with ScheduledArxiv(clock, [*generate(date(2026, 9, 20), date(2026, 10, 25), per_day=4, seed=9), mine]) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock)
        day = date(2026, 9, 27)
        while day <= date(2026, 10, 13):
            clock.at_et(day, 6, 30)
            assert run("-q", "fetch")[0] == 0
            if day in (date(2026, 10, 4), date(2026, 10, 12)):
                clock.at_et(day, 7)
                assert run("-q", "new", "--limit", "0")[0] == 0
                if day == date(2026, 10, 4):
                    _annotate(root / "issues" / "2026-10-04.md", mine.id)
            day += timedelta(days=1)
        clock.at_et(date(2026, 10, 13), 9)
        assert run("-q", "new", "--date", "2026-10-11", "--limit", "0") == (0, "", "")
    holding = sorted(p.name for p in (root / "issues").glob("*.md") if "covered_in: 2026-10-04" in p.read_text())
    assert holding == ["2026-10-12.md"]
