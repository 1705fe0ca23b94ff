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
from collections.abc import Callable
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


Edit = Callable[[date, Path, ScheduledArxiv, list[datetime]], None]
"""What the editor does to the issue files on a day, after the fetch (the day, the newsletter, the
stand-in, the drafts' times so far)."""


def replay(root: Path, monkeypatch: pytest.MonkeyPatch, *, weekday: int, via: str, holidays_known: bool,
           per_day: int = 10, edit: Edit | None = None) -> tuple[ScheduledArxiv, list[datetime], list[dict]]:  # fmt: skip
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
                if edit is not None:
                    edit(day, root, server, runs)
                if day.weekday() == weekday:
                    clock.at_et(day, 7)
                    before = drafted(root)
                    code, out, err = run("new", "--date", day.isoformat(), "--limit", "0", "--json")
                    assert code == 0, err
                    report = json.loads(out)
                    # the report's numbers agree with the file
                    assert len(report["added"]) == sum((drafted(root) - before).values())
                    assert report["candidates"] == (len(report["added"]) + report["already"] + report["skipped_deleted"]
                                                   + report["dismissed"])
                    runs.append(clock.now())
                    reports.append(report)
            day += timedelta(days=1)
    return server, runs, reports


RENAMED = (date(2026, 10, 11), date(2026, 10, 12))
"""The Sunday draft the editor renames to its Monday sending day, on the Tuesday after."""
BY_HAND = date(2026, 10, 22)
"""The Thursday the editor writes a special issue by hand, covering one paper of the week."""


def editor(day: date, root: Path, server: ScheduledArxiv, runs: list[datetime]) -> None:
    """Issue files the drafts did not make: a renamed draft and a midweek issue written by hand."""
    issues = root / "issues"
    if day == RENAMED[0] + timedelta(days=2):
        old, new = (issues / f"{d}.md" for d in RENAMED)
        new.write_text(old.read_text().replace(f"date: {RENAMED[0]}", f"date: {RENAMED[1]}", 1))
        old.unlink()
    if day == BY_HAND:
        since = [pid for pid in server.announced(server.clock.now(), CATEGORIES)
                 if server.announcement(pid, CATEGORIES) > runs[-1]]  # fmt: skip
        assert since, "the stand-in announced nothing since the last draft"
        (issues / f"{BY_HAND}.md").write_text(f"---\ndate: {BY_HAND}\nheadline: Special\n---\n\nOne topic, by hand.\n\n"
                                              f"## arXiv:{sorted(since)[0]}\n\nWhy it matters.\n")  # fmt: skip


@pytest.mark.parametrize(
    ("weekday", "via", "holidays_known", "edit"),
    [(6, "api", False, None), (0, "api", True, None), (6, "rss", True, None), (0, "rss", False, None),
     (6, "api", True, editor)],
    ids=["sunday-api", "monday-api", "sunday-rss", "monday-rss", "sunday-api-renamed-and-by-hand"],
)
def test_every_announced_paper_is_in_exactly_one_draft(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, weekday: int,
                                                       via: str, holidays_known: bool, edit: Edit | None) -> None:  # fmt: skip
    server, runs, reports = replay(tmp_path / "letter", monkeypatch, weekday=weekday, via=via,
                                   holidays_known=holidays_known, edit=edit)  # fmt: skip
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


# -- the pieces, one fault each -------------------------------------------------------------

ET_ZONE = "America/New_York"


def _letter(root: Path, monkeypatch: pytest.MonkeyPatch, server: ScheduledArxiv, clock: FakeClock,
            toml: str = "") -> Path:  # fmt: skip
    newsletter(root, [])
    if toml:
        with (root / "digest.toml").open("a") as f:
            f.write(toml)
    monkeypatch.setattr("digest.clock.now", clock.now)
    monkeypatch.chdir(root)
    monkeypatch.setenv("DIGEST_ARXIV_API_URL", server.api_url)
    monkeypatch.setenv("DIGEST_ARXIV_RSS_URL", server.rss_url)
    monkeypatch.setenv("DIGEST_ARXIV_DELAY", "0")
    monkeypatch.setenv("DIGEST_ARXIV_RETRIES", "1")
    return root


@pytest.mark.parametrize("exists", [True, False], ids=["editor-saves", "editor-creates"])
def test_a_save_made_while_new_fetches_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exists: bool) -> None:
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 10, 5), date(2026, 10, 10), per_day=6, seed=3)) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock)
        issue = root / "issues" / "2026-10-11.md"
        first = "---\ndate: 2026-10-11\nheadline: Draft\n---\n\nMy intro.\n"
        if exists:
            issue.write_text(first)
        saved = first + "\n## Editorial\n\nA paragraph I typed while cron was fetching.\n"
        clock.at_et(date(2026, 10, 11), 7)
        # the editor saves while `new` waits on arXiv
        code, out, err = server.while_held(lambda: run("new", "--date", "2026-10-11", "--limit", "0"),
                                           lambda: issue.write_text(saved))  # fmt: skip
    assert code == 0, err
    text = issue.read_text()
    assert text.startswith(saved)  # every byte of the save, first
    added = len(_HEADING_ID.findall(text))
    assert added > 10 and f"added {added} candidates" in out
    assert "the issue was saved while this run fetched: the candidates went after that save" in out


def test_an_empty_answer_where_papers_are_known_is_incomplete_not_complete(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from arxiv_server import fixture
    from arxiv_server import Response as Served

    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 1), date(2026, 9, 7), per_day=8, seed=5)) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock)
        clock.at_et(date(2026, 9, 30), 7)  # long settled
        window = ("--since", "2026-09-01", "--until", "2026-09-07")
        code, out, err = run("fetch", *window)
        assert code == 0 and "complete" in out, err
        # the window is complete: asking again costs nothing
        assert run("fetch", *window)[0] == 0 and len(server.api_requests) == 1
        # a new store, and an arXiv that answers "0 results" for a window the store knows papers of
        from digest.store import Store

        with Store.open(root / ".digest" / "store.sqlite") as store:
            store.conn.execute("DELETE FROM windows")
        real = server.window
        server.window = lambda params: Served(200, fixture("arxiv-api-2026-empty-result.xml"))
        code, out, err = run("fetch", *window)
        assert code == 1
        assert "incomplete: arXiv reported 0 entries for 2026-09-01..2026-09-07 where the store already holds" in out
        with Store.open(root / ".digest" / "store.sqlite") as store:
            assert not store.covered("api", store.windows()[0].key if store.windows() else "", date(2026, 9, 1),
                                     date(2026, 9, 7))  # fmt: skip
        # arXiv recovers: the next run reads the window again and completes it
        server.window = real
        before = len(server.api_requests)
        code, out, err = run("fetch", *window)
        assert code == 0 and len(server.api_requests) == before + 1 and "complete" in out


def test_store_stats_calls_a_window_read_to_the_end_open_as_fetch_does(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 8, 1), date(2026, 9, 20), per_day=6, seed=2)) as server:
        _letter(tmp_path / "letter", monkeypatch, server, clock, toml="page_size = 50\n")
        clock.at_et(date(2026, 9, 21), 6, 30)
        code, out, err = run("fetch")
        assert code == 0, err
        (read,) = [line for line in out.splitlines() if ": open, " in line]  # its last days are not settled
        monkeypatch.setattr("digest.fetch.API_LIMIT", 100)  # arXiv's 30,000 results, scaled down
        code, out, err = run("fetch", "--since", "2026-08-01", "--until", "2026-08-31")
        assert code == 1 and "incomplete: arXiv reported " in out
        code, out, err = run("store", "stats")
    assert code == 0, err
    assert "windows:    1 complete, 1 open, 1 incomplete\n" in out
    assert f"\n  {read}\n" in out  # word for word what `digest fetch` said
    assert "\n  api 2026-08-01..2026-08-31: incomplete at 100 of " in out


def test_after_a_long_pause_new_drafts_max_window_days_and_says_what_it_left(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    clock = FakeClock()
    with ScheduledArxiv(clock, generate(date(2026, 9, 1), date(2026, 11, 14), per_day=4, seed=8)) as server:
        root = _letter(tmp_path / "letter", monkeypatch, server, clock)
        clock.at_et(date(2026, 9, 13), 7)
        assert run("-q", "new", "--date", "2026-09-13", "--limit", "0")[0] == 0
        clock.at_et(date(2026, 11, 15), 7)  # nine weeks later
        code, out, err = run("new", "--date", "2026-11-15", "--limit", "0")
        assert code == 0, err
        (warning,) = [line for line in err.splitlines() if "no draft since" in line]
        assert "drafting the last 28 days only (max_window_days)" in warning
        assert "what arXiv announced before Sun 2026-10-18 08:00 ET is left out (the store holds 0 such papers)" in warning
        # 63 days and an hour (the clocks went back): 64 days reach the last draft
        assert "digest new --date 2026-11-15 --window 64` takes them too" in warning
        text = (root / "issues" / "2026-11-15.md").read_text()
        ids = set(_HEADING_ID.findall(text))
        assert ids and all(server.announcement(i, CATEGORIES) > clock.now() - timedelta(days=28) for i in ids)
        # and --window takes the rest, each paper once
        code, out, err = run("new", "--date", "2026-11-15", "--limit", "0", "--window", "64")
        assert code == 0, err
        assert Counter(_HEADING_ID.findall((root / "issues" / "2026-11-15.md").read_text())).most_common(1)[0][1] == 1
        # (the API's blind spot: a paper announced before that draft in another category and
        # cross-listed into ours later carries its v1 date; only RSS says when it came in)
        last = datetime(2026, 9, 13, 11, tzinfo=clock.now().tzinfo)
        expected = {i for i in server.announced(clock.now(), CATEGORIES) if server.announcement(i, CATEGORIES) > last
                    and announcement_of(server.papers[i].sub.submitted) > last}  # fmt: skip
        got = drafted(root)
        assert expected <= set(got)


def test_rss_says_when_a_cross_list_was_announced_and_the_api_never_erases_it(tmp_path: Path) -> None:
    from digest.paper import Paper
    from digest.schedule import rss_announcement
    from digest.store import Store

    submitted = datetime(2026, 9, 21, 15, tzinfo=clock_utc())  # Monday 11:00 ET: announced that evening
    rss = Paper("2609.00001", 1, "T", source="rss", categories=("cs.LG",),
                extra={"announce_type": "cross"}, announced=rss_announcement(date(2026, 9, 25)))  # fmt: skip
    api = Paper("2609.00001", 1, "T", source="api", categories=("stat.ML", "cs.LG"), published=submitted)
    with Store.open(tmp_path / "s.sqlite") as store:
        store.upsert([api])
        assert store.get("2609.00001").announced == datetime(2026, 9, 22, 0, tzinfo=clock_utc())  # estimated
        store.upsert([rss])  # the feed said: cross-listed into cs.LG on Thursday's listing
        assert store.get("2609.00001").announced == datetime(2026, 9, 25, 0, tzinfo=clock_utc())
        store.upsert([api])  # a later API fetch keeps what RSS said
        assert store.get("2609.00001").announced == datetime(2026, 9, 25, 0, tzinfo=clock_utc())
        replaced = Paper("2609.00001", 2, "T", source="rss", categories=("cs.LG",),
                         extra={"announce_type": "replace"}, announced=rss_announcement(date(2026, 10, 2)))  # fmt: skip
        store.upsert([replaced])  # a new version is not a new announcement
        assert store.get("2609.00001").announced == datetime(2026, 9, 25, 0, tzinfo=clock_utc())


def clock_utc():  # type: ignore[no-untyped-def]
    from datetime import timezone

    return timezone.utc


def test_a_v1_store_is_migrated_with_its_proposals_and_announcements(tmp_path: Path) -> None:
    import sqlite3

    from digest.store import Store
    from digest.store.rows import MIGRATIONS

    path = tmp_path / "store.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    row = ("2210.00001", 1, "[1]", "T", "[]", "A", None, None, None, "cs.LG", '["cs.LG"]', "2022-10-20T12:00:00+00:00",
           "2022-10-20T12:00:00+00:00", "api", "{}", "2022-10-21T00:00:00+00:00", "2022-10-21T00:00:00+00:00", "api")
    conn.execute(f"INSERT INTO papers VALUES ({','.join('?' * 18)}, 1)", row)
    rss = ("2210.00002", 1, "[1]", "U", "[]", "B", None, None, None, "stat.ML", '["stat.ML", "cs.LG"]', None, None, "rss",
           '{"announce_type": "cross", "announced": "2022-10-21"}', "2022-10-21T00:00:00+00:00",
           "2022-10-21T00:00:00+00:00", "rss")  # fmt: skip
    conn.execute(f"INSERT INTO papers VALUES ({','.join('?' * 18)}, 1)", rss)
    conn.execute("INSERT INTO kv VALUES ('proposed:2022-10-16', '[\"2210.00001\"]', '2022-10-16T00:00:00+00:00')")
    conn.close()
    with Store.open(path) as store:
        assert store.schema_version == 3
        assert store.proposed(date(2022, 10, 16)) == {"2210.00001"}
        assert store.get_value("proposed:2022-10-16") is None
        # Thursday 08:00 ET: announced Thursday 20:00 ET; the RSS listing of Friday: Thursday 20:00 ET
        assert store.get("2210.00001").announced == datetime(2022, 10, 21, 0, tzinfo=clock_utc())
        assert store.get("2210.00002").announced == datetime(2022, 10, 21, 0, tzinfo=clock_utc())
