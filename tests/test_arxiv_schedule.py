"""The scheduled arXiv stand-in against arXiv's announcement schedule and recorded shapes.

No test sleeps: the stand-in reads a fake clock at request time.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET_XML
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import feedparser
import pytest
import requests
from arxiv import _feed as arxiv_feed
from arxiv_schedule import (
    ET,
    FakeClock,
    ScheduledArxiv,
    Submission,
    announcement_of,
    et,
    generate,
    mailing_announcement,
    mailing_day,
)

UTC = timezone.utc
CATS = ("cs.LG", "cs.CL")
EVERYTHING = "(cat:cs.LG OR cat:cs.CL) AND submittedDate:[202609010000 TO 202610312359]"
SUBS = generate(date(2026, 9, 10), date(2026, 9, 27), per_day=12, seed=7)

MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 9, 21) + timedelta(days=i) for i in range(7))
NEXT_MON = date(2026, 9, 28)


def _sub(id_: str, submitted: datetime, primary: str, cats: tuple[str, ...], **kw: object) -> Submission:
    return Submission(id_, submitted, f"Handmade Paper {id_}", f"Handmade abstract {id_}: a & b < c.",
                      ["Ada Lovelace", "Alan Turing"], primary, cats, **kw)  # type: ignore[arg-type]  # fmt: skip


CROSS = _sub("2609.90001", et(FRI, 10), "stat.ML", ("stat.ML", "cs.LG"))
"""Cross-listed to cs.LG at submission: a ``cross`` in Monday's mailing."""
REPLACED = _sub("2609.90002", et(MON, 9), "cs.LG", ("cs.LG",), versions=[et(FRI, 11)])
"""New on Tuesday's mailing; v2 on Friday morning: a ``replace`` in Monday's mailing."""
LATE_STAT = _sub("2609.90003", et(MON, 10), "stat.ML", ("stat.ML",),
                 cross_listed_at={"cs.CL": et(TUE, 10)}, versions=[et(FRI, 9)])  # fmt: skip
"""Enters cs.CL on Tuesday evening (Wednesday's ``cross``); v2 a ``replace-cross`` on Monday."""
OUTSIDE = _sub("2609.90004", et(FRI, 10), "math.OC", ("math.OC",))
LATE_OC = _sub("2609.90005", et(TUE, 10), "math.OC", ("math.OC",), cross_listed_at={"cs.LG": et(FRI, 12)})
"""math.OC until cross-listed to cs.LG on Friday noon: in cs.LG from Sunday 20:00 ET."""
HANDMADE = [CROSS, REPLACED, LATE_STAT, OUTSIDE, LATE_OC]


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock(et(NEXT_MON, 7))


@pytest.fixture()
def server(clock: FakeClock) -> Iterator[ScheduledArxiv]:
    with ScheduledArxiv(clock, SUBS + HANDMADE) as s:
        yield s


@pytest.fixture()
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def api(http: requests.Session, server: ScheduledArxiv, query: str = "", start: int = 0, size: int = 100,
        id_list: str = "", **extra: str) -> requests.Response:  # fmt: skip
    params = {"search_query": query, "id_list": id_list, "sortBy": "submittedDate", "sortOrder": "ascending",
              "start": str(start), "max_results": str(size), **extra}  # fmt: skip
    return http.get(server.api_url, params=params, timeout=10)


def versioned_ids(body: bytes) -> list[str]:
    return [m.decode() for m in re.findall(rb"<id>http://arxiv\.org/abs/([^<]+)</id>", body)]


def total(body: bytes) -> int:
    m = re.search(rb"<opensearch:totalResults>(\d+)<", body)
    assert m
    return int(m.group(1))


def served(http: requests.Session, server: ScheduledArxiv, query: str = EVERYTHING, size: int = 100) -> list[str]:
    """Every versioned id a paged query returns, in order."""
    out: list[str] = []
    start = 0
    while True:
        body = api(http, server, query, start, size).content
        ET_XML.fromstring(body)  # well-formed, strictly
        out += versioned_ids(body)
        start += size
        if start >= total(body):
            return out


def base(ids: list[str]) -> set[str]:
    return {i.rsplit("v", 1)[0] for i in ids}


def expected_announced(subs: list[Submission], at: datetime, cats: tuple[str, ...] = CATS,
                       holidays: frozenset[date] = frozenset()) -> set[str]:  # fmt: skip
    """Independently of the stand-in: ids in ``cats`` by ``at``, from `announcement_of` alone."""
    out = set()
    for s in subs:
        first = announcement_of(s.submitted, holidays)
        times = [first] if set(s.categories) & set(cats) else []
        times += [max(first, announcement_of(t, holidays)) for c, t in s.cross_listed_at.items() if c in cats]
        if times and min(times) <= at:
            out.add(s.id)
    return out


# -- the schedule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hm", "announced_on"),
    [
        (MON, (0, 0), MON),
        (MON, (13, 0), MON),
        (MON, (13, 59), MON),
        (MON, (14, 0), TUE),
        (TUE, (13, 59), TUE),
        (TUE, (14, 0), WED),
        (WED, (13, 59), WED),
        (WED, (14, 0), THU),
        (WED, (21, 0), THU),
        (THU, (13, 59), THU),
        (THU, (14, 0), SUN),
        (THU, (20, 0), SUN),
        (FRI, (13, 59), SUN),
        (FRI, (14, 0), NEXT_MON),
        (FRI, (14, 1), NEXT_MON),
        (SAT, (3, 0), NEXT_MON),
        (SAT, (23, 59), NEXT_MON),
        (SUN, (12, 0), NEXT_MON),
        (SUN, (21, 0), NEXT_MON),
    ],
)
def test_announcement_of_each_boundary(day: date, hm: tuple[int, int], announced_on: date) -> None:
    got = announcement_of(et(day, *hm))
    assert got == et(announced_on, 20)
    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)
    assert got.astimezone(ET).hour == 20


def test_every_half_hour_of_a_week_against_the_period_table() -> None:
    """The documented periods, written out as a table, over a whole week."""
    periods = [  # (start weekday, start hour) -> announcement weekday offset from the period's end day
        ((0, 14), (1, 14), 1),  # Mon 14 - Tue 14 -> Tue
        ((1, 14), (2, 14), 2),
        ((2, 14), (3, 14), 3),
        ((3, 14), (4, 14), 6),  # Thu 14 - Fri 14 -> Sun
        ((4, 14), (7, 14), 7),  # Fri 14 - Mon 14 -> (next) Mon
    ]
    t = et(MON, 14)
    while t < et(NEXT_MON, 14):
        local = t.astimezone(ET)
        hours = (local.date() - MON).days * 24 + local.hour + local.minute / 60
        for (d0, h0), (d1, h1), ann in periods:
            if d0 * 24 + h0 <= hours < d1 * 24 + h1:
                assert announcement_of(t) == et(MON + timedelta(days=ann), 20), local
                break
        else:
            raise AssertionError(local)
        t += timedelta(minutes=30)


def test_dst_change_weeks() -> None:
    # autumn: EDT ends Sunday 1 Nov 2026 at 02:00
    assert announcement_of(et(date(2026, 10, 29), 14)) == datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Sun 20:00 EST
    assert announcement_of(et(date(2026, 10, 30), 15)) == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # Mon 20:00 EST
    assert announcement_of(et(date(2026, 10, 29), 13)) == datetime(2026, 10, 30, 0, 0, tzinfo=UTC)  # Thu 20:00 EDT
    # 18:30 UTC on Monday 2 Nov is 13:30 EST (before the deadline); it would be 14:30 in EDT
    assert announcement_of(datetime(2026, 11, 2, 18, 30, tzinfo=UTC)) == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)
    assert announcement_of(datetime(2026, 11, 1, 6, 30, tzinfo=UTC)) == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)
    # spring: EDT starts Sunday 8 Mar 2026
    assert announcement_of(et(date(2026, 3, 6), 15)) == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)  # Mon 20:00 EDT
    assert announcement_of(et(date(2026, 3, 5), 15)) == datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # Sun 20:00 EDT
    # 18:30 UTC on Monday 9 Mar is 14:30 EDT (past the deadline); it would be 13:30 in EST
    assert announcement_of(datetime(2026, 3, 9, 18, 30, tzinfo=UTC)) == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
    assert announcement_of(datetime(2026, 3, 9, 17, 59, tzinfo=UTC)) == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    # another zone in, the same instant out
    tokyo = et(date(2026, 3, 9), 13).astimezone(timezone(timedelta(hours=9)))
    assert announcement_of(tokyo) == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="aware"):
        announcement_of(datetime(2026, 3, 9, 12))


def test_thanksgiving_rolls_thursdays_batch_to_sunday() -> None:
    thanksgiving = frozenset({date(2026, 11, 26)})
    sunday = et(date(2026, 11, 29), 20)
    assert announcement_of(et(date(2026, 11, 25), 15)) == et(date(2026, 11, 26), 20)  # without the holiday
    assert announcement_of(et(date(2026, 11, 25), 15), thanksgiving) == sunday
    assert announcement_of(et(date(2026, 11, 26), 13, 59), thanksgiving) == sunday
    assert announcement_of(et(date(2026, 11, 26), 14), thanksgiving) == sunday  # Thursday's own batch
    assert announcement_of(et(date(2026, 11, 27), 14), thanksgiving) == et(date(2026, 11, 30), 20)
    assert announcement_of(et(date(2026, 11, 24), 15), thanksgiving) == et(date(2026, 11, 25), 20)
    assert announcement_of(et(date(2026, 11, 25), 15), thanksgiving | {date(2026, 11, 29)}) == et(
        date(2026, 11, 30), 20)  # fmt: skip
    assert sunday == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # EST


def test_mailing_days() -> None:
    assert mailing_day(et(WED, 20)) == THU
    assert mailing_day(et(SUN, 20)) == NEXT_MON
    assert [mailing_announcement(MON + timedelta(days=i)) for i in range(7)] == [
        et(MON - timedelta(days=1), 20), et(MON, 20), et(TUE, 20), et(WED, 20), et(THU, 20), None, None]  # fmt: skip
    thanksgiving = {date(2026, 11, 26)}
    assert mailing_announcement(date(2026, 11, 27), thanksgiving) is None
    assert mailing_announcement(date(2026, 11, 30), thanksgiving) == et(date(2026, 11, 29), 20)


def test_fake_clock() -> None:
    clock = FakeClock()
    assert clock.at_et(WED, 19, 59) == datetime(2026, 9, 23, 23, 59, tzinfo=UTC)
    assert clock.now().tzinfo == UTC
    assert clock.advance(minutes=1) == et(WED, 20)
    assert clock.today_et() == WED
    clock.advance(hours=4)
    assert clock.today_et() == THU and clock.now().date() == date(2026, 9, 24)
    clock.set(datetime(2026, 9, 24, 12, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 9, 24, 10, tzinfo=UTC) and clock.now().tzinfo == UTC
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 9, 24, 12))


def test_generate_is_deterministic_and_mixed() -> None:
    again = generate(date(2026, 9, 10), date(2026, 9, 27), per_day=12, seed=7)
    assert again == SUBS
    assert generate(date(2026, 9, 10), date(2026, 9, 27), per_day=12, seed=8) != SUBS
    n = len(SUBS)
    assert n == 18 * 12
    ids = [s.id for s in SUBS]
    assert all(re.fullmatch(r"2609\.\d{5}", i) for i in ids)
    assert ids == sorted(ids) and len(set(ids)) == n
    assert [s.submitted for s in SUBS] == sorted(s.submitted for s in SUBS)
    assert all(s.submitted.tzinfo == UTC and s.submitted.microsecond == 0 for s in SUBS)
    assert len({s.title for s in SUBS}) == n and len({s.abstract for s in SUBS}) == n
    assert {s.submitted.astimezone(ET).hour for s in SUBS} == set(range(24))
    assert {s.submitted.astimezone(ET).weekday() for s in SUBS} == set(range(7))
    assert all(sum(s.submitted.astimezone(ET).date() == d for s in SUBS) == 12
               for d in (date(2026, 9, 10) + timedelta(days=i) for i in range(18)))  # fmt: skip
    in_cats = [s for s in SUBS if s.primary in CATS]
    stat_cross = [s for s in SUBS if s.primary == "stat.ML" and "cs.LG" in s.categories]
    late = [s for s in SUBS if s.cross_listed_at]
    replaced = [s for s in SUBS if s.versions]
    outside = [s for s in SUBS if s.categories == ("math.OC",) and not s.cross_listed_at]
    assert 0.6 * n < len(in_cats) < 0.8 * n
    assert 0.08 * n < len(stat_cross) < 0.22 * n
    assert 2 <= len(late) < 0.1 * n
    assert 0.05 * n < len(replaced) < 0.16 * n
    assert 0.05 * n < len(outside) < 0.16 * n
    assert any(len(s.versions) == 2 for s in SUBS)
    for s in replaced:  # each version after the previous one's announcement
        for before, after in zip(s.version_times, s.version_times[1:]):
            assert announcement_of(before) < after < announcement_of(before) + timedelta(days=5)
    for s in late:
        assert not set(s.categories) & set(CATS) and set(s.cross_listed_at) <= set(CATS)
        assert all(t > announcement_of(s.submitted) for t in s.cross_listed_at.values())
    assert sum("&" in s.abstract and "<" in s.abstract for s in SUBS) >= 3
    assert all(s.categories[0] == s.primary and 1 <= len(s.authors) <= 5 for s in SUBS)
    turn = generate(date(2026, 9, 30), date(2026, 10, 1), per_day=6, seed=1)  # the counter restarts each month
    assert all(s.id.startswith(s.submitted.strftime("%y%m.")) for s in turn)
    october = [s.id for s in turn if s.id.startswith("2610.")]
    assert october[0] == "2610.00001" and [s.id for s in turn][: -len(october)][-1] == f"2609.{12 - len(october):05d}"


# -- the API -----------------------------------------------------------------------------------


def test_api_served_set_grows_only_at_announcements(server: ScheduledArxiv, clock: FakeClock,
                                                     http: requests.Session) -> None:  # fmt: skip
    subs = SUBS + HANDMADE
    moments = sorted({et(d, h, m) for d in (MON + timedelta(days=i) for i in range(8))
                      for h, m in ((12, 0), (19, 59), (20, 0))})  # fmt: skip
    announcements = {et(d, 20) for d in (MON, TUE, WED, THU, SUN, NEXT_MON)}
    before: set[str] | None = None
    seen = {}
    for t in moments:
        clock.set(t)
        now = seen[t] = base(served(http, server, size=200))
        assert now == expected_announced(subs, t) == server.announced(t, CATS), t.astimezone(ET)
        if before is not None:
            if t in announcements:
                fresh = now - before
                assert fresh and not before - now
                assert all(server.announcement(i, CATS) == t for i in fresh)
            else:
                assert now == before, t.astimezone(ET)
        before = now
    # on Sunday evening everything submitted before Friday 14:00 ET is out, nothing later
    sunday = seen[et(SUN, 20)]
    assert all((s.submitted < et(FRI, 14)) == (s.id in sunday) for s in SUBS if set(s.categories) & set(CATS))
    assert all(s.id in seen[et(NEXT_MON, 20)] for s in SUBS if set(s.categories) & set(CATS))


def test_api_paging_sorting_and_totals(server: ScheduledArxiv, http: requests.Session) -> None:
    whole = api(http, server, EVERYTHING, 0, 1000).content
    everything = versioned_ids(whole)
    n = total(whole)
    assert n == len(everything) == len(server.announced(server.clock.now(), CATS)) > 100
    pages = []
    for start in range(0, n + 7, 7):
        body = api(http, server, EVERYTHING, start, 7).content
        assert total(body) == n
        assert b"<opensearch:itemsPerPage>7</opensearch:itemsPerPage>" in body
        assert f"<opensearch:startIndex>{start}</opensearch:startIndex>".encode() in body
        pages.append(versioned_ids(body))
    assert sum(pages, []) == everything
    assert pages[-1] == [] and all(len(p) == 7 for p in pages[: n // 7])
    published = [r.published for r in arxiv_feed.parse(whole).results]
    assert published == sorted(published)
    by_id = {s.id: s for s in SUBS + HANDMADE}
    assert [by_id[i.rsplit("v", 1)[0]].submitted for i in everything] == published
    descending = versioned_ids(api(http, server, EVERYTHING, 0, 1000, sortOrder="descending").content)
    assert descending == everything[::-1]


def test_api_window_bounds_are_v1_minutes_inclusive(server: ScheduledArxiv, http: requests.Session) -> None:
    now = server.clock.now()
    for lo, hi in ((datetime(2026, 9, 15, tzinfo=UTC), datetime(2026, 9, 15, 23, 59, tzinfo=UTC)),
                   (SUBS[40].submitted.replace(second=0), SUBS[44].submitted.replace(second=0))):  # fmt: skip
        query = f"(cat:cs.LG OR cat:cs.CL) AND submittedDate:[{lo:%Y%m%d%H%M} TO {hi:%Y%m%d%H%M}]"
        got = versioned_ids(api(http, server, query, 0, 500).content)
        want = [s.id for s in SUBS + HANDMADE if lo <= s.submitted < hi + timedelta(minutes=1)
                and s.id in server.announced(now, CATS)]  # fmt: skip
        assert base(got) == set(want) and len(got) == len(want)
    assert SUBS[44].id in base(got) or SUBS[44].id not in server.announced(now, CATS)


def test_api_categories_outside_papers_and_late_cross_lists(server: ScheduledArxiv, clock: FakeClock,
                                                              http: requests.Session) -> None:  # fmt: skip
    outside = {s.id for s in SUBS + HANDMADE if not set(s.categories) & set(CATS) and not s.cross_listed_at}
    assert len(outside) > 10
    for t in (et(FRI, 12), et(SUN, 19, 59), et(SUN, 20), et(NEXT_MON, 23)):
        clock.set(t)
        for query in (EVERYTHING, "cat:cs.LG AND submittedDate:[202609010000 TO 202610312359]",
                      "cat:cs.CL", "(cat:cs.LG OR cat:cs.CL) AND (ti:anything OR abs:else) AND "
                      "submittedDate:[202609010000 TO 202610312359]"):  # fmt: skip
            assert not base(served(http, server, query, size=300)) & outside
    lg = "cat:cs.LG AND submittedDate:[202609010000 TO 202610312359]"
    clock.set(et(SUN, 19, 59))
    assert LATE_OC.id not in base(served(http, server, lg))
    assert LATE_OC.id in base(served(http, server, "cat:math.OC"))
    clock.set(et(SUN, 20))
    assert LATE_OC.id in base(served(http, server, lg))
    result = {r.entry_id: r for r in arxiv_feed.parse(api(http, server, lg, 0, 1000).content).results}
    assert result[f"http://arxiv.org/abs/{LATE_OC.id}v1"].categories == ["math.OC", "cs.LG"]
    assert result[f"http://arxiv.org/abs/{LATE_OC.id}v1"].primary_category == "math.OC"
    # LATE_STAT: in cs.CL from Tuesday 20:00, not in cs.LG ever
    clock.set(et(TUE, 19, 59))
    assert LATE_STAT.id not in base(served(http, server, "cat:cs.CL"))
    clock.set(et(TUE, 20))
    assert LATE_STAT.id in base(served(http, server, "cat:cs.CL"))
    assert LATE_STAT.id not in base(served(http, server, lg))
    assert server.announcement(LATE_STAT.id, CATS) == et(TUE, 20)
    assert server.announcement(LATE_STAT.id, ("stat.ML",)) == et(MON, 20)
    assert server.announcement(OUTSIDE.id, CATS) is None


def test_api_parses_with_arxiv_and_feedparser_and_serves_versions(server: ScheduledArxiv, clock: FakeClock,
                                                                   http: requests.Session) -> None:  # fmt: skip
    clock.set(et(SUN, 19, 59))
    body = api(http, server, EVERYTHING, 0, 1000).content
    parsed = arxiv_feed.parse(body)
    assert not parsed.malformed and parsed.header.total_results == len(parsed.results) > 50
    assert parsed.header.items_per_page == 1000 and parsed.header.start_index == 0
    results = {r.get_short_id(): r for r in parsed.results}
    old = results[f"{REPLACED.id}v1"]
    assert old.updated == old.published == REPLACED.submitted
    assert old.title == REPLACED.title and old.summary == REPLACED.abstract  # & and < round-trip
    assert [a.name for a in old.authors] == REPLACED.authors
    assert old.primary_category == "cs.LG" and old.categories == ["cs.LG"]
    assert old.pdf_url == f"https://arxiv.org/pdf/{REPLACED.id}v1"
    fp = feedparser.parse(api(http, server, EVERYTHING, 20, 30).content)  # feedparser is slow: one page
    assert not fp.bozo and [e.id for e in fp.entries] == [r.entry_id for r in parsed.results[20:50]]
    assert fp.feed.opensearch_totalresults == str(len(parsed.results))
    assert fp.entries[0].arxiv_primary_category == {"term": parsed.results[20].primary_category}

    clock.set(et(SUN, 20))
    results = {r.get_short_id(): r for r in arxiv_feed.parse(api(http, server, EVERYTHING, 0, 1000).content).results}
    new = results[f"{REPLACED.id}v2"]
    assert f"{REPLACED.id}v1" not in results
    assert new.updated == REPLACED.versions[0] and new.published == REPLACED.submitted
    for s in SUBS + HANDMADE:  # every served entry: the latest announced version, its times
        r = results.get(f"{s.id}v{server.version(s.id, clock.now())}")
        if s.id in server.announced(clock.now(), CATS):
            assert r is not None and r.published == s.submitted
            assert r.updated == s.version_times[server.version(s.id, clock.now()) - 1]
            assert r.title == s.title and r.summary == s.abstract and r.primary_category == s.primary
        else:
            assert r is None
    escaped = [s for s in SUBS if "&" in s.abstract and s.id in server.announced(clock.now(), CATS)]
    assert escaped and all(results[f"{s.id}v1"].summary == s.abstract for s in escaped if not s.versions)


def test_api_id_list(server: ScheduledArxiv, clock: FakeClock, http: requests.Session) -> None:
    clock.set(et(SUN, 20, 30))
    unannounced = next(s for s in SUBS if s.submitted >= et(FRI, 14))
    ids = f"{REPLACED.id},{REPLACED.id}v1,{OUTSIDE.id},{unannounced.id},2609.99999,{LATE_OC.id}v2"
    body = api(http, server, id_list=ids).content
    assert versioned_ids(body) == [f"{REPLACED.id}v2", f"{REPLACED.id}v1", f"{OUTSIDE.id}v1"]
    parsed = arxiv_feed.parse(body)
    assert parsed.header.total_results == 3
    assert parsed.results[1].updated == REPLACED.submitted and parsed.results[0].updated == REPLACED.versions[0]
    clock.set(et(SUN, 19))
    assert versioned_ids(api(http, server, id_list=f"{REPLACED.id}v2,{REPLACED.id}").content) == [f"{REPLACED.id}v1"]
    # id_list with a search_query: only those ids that match it
    assert versioned_ids(api(http, server, "cat:cs.LG", id_list=f"{REPLACED.id},{OUTSIDE.id}").content) == [
        f"{REPLACED.id}v1"]  # fmt: skip
    bad = api(http, server, id_list=f"{REPLACED.id},abc")
    assert bad.status_code == 400
    err = feedparser.parse(bad.content)  # arxiv's parser skips it: no <published>, as in arXiv's own error feed
    assert [e.title for e in err.entries] == ["Error"] and err.entries[0].summary == "incorrect id format for abc"
    assert err.entries[0].id == "https://arxiv.org/api/errors#incorrect_id_format_for_abc"
    assert not arxiv_feed.parse(bad.content).malformed
    assert api(http, server, "cat:cs.LG AND submittedDate:[2026 TO 2027]").status_code == 400
    empty = api(http, server).content
    assert total(empty) == 0 and not versioned_ids(empty)


def test_faults_request_log_and_hold(server: ScheduledArxiv, clock: FakeClock, http: requests.Session) -> None:
    server.fail("status", status=503)
    assert api(http, server, EVERYTHING).status_code == 503
    server.fail("empty")
    emptied = api(http, server, EVERYTHING, 0, 5).content
    assert total(emptied) > 5 and not versioned_ids(emptied)
    server.fail("garbage", route="rss")
    assert b"Bad gateway" in http.get(server.rss_url + "cs.LG", timeout=10).content
    assert len(versioned_ids(api(http, server, EVERYTHING, 0, 5).content)) == 5
    assert len(server.api_requests) == 3 and len(server.rss_requests) == 1 and len(server.requests) == 4
    assert server.api_requests[0].params["search_query"] == EVERYTHING

    clock.set(et(SUN, 19, 59))
    release, arrived = threading.Event(), threading.Event()
    server.hold_next_api(release, arrived)
    answers: list[requests.Response] = []

    def held() -> None:
        with requests.Session() as other:
            answers.append(api(other, server, id_list=REPLACED.id))

    worker = threading.Thread(target=held)
    worker.start()
    assert arrived.wait(5)
    assert not answers
    assert len(versioned_ids(api(http, server, EVERYTHING, 0, 2).content)) == 2  # other requests are not held
    clock.set(et(SUN, 20))  # the held request is answered from the state when it is let go
    release.set()
    worker.join(5)
    assert len(answers) == 1 and versioned_ids(answers[0].content) == [f"{REPLACED.id}v2"]


# -- RSS ----------------------------------------------------------------------------------------


def rss(http: requests.Session, server: ScheduledArxiv, cats: str = "cs.LG+cs.CL",
        **headers: str) -> requests.Response:  # fmt: skip
    return http.get(server.rss_url + cats, headers=headers, timeout=10)


def items(body: bytes) -> list[tuple[str, str]]:
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.bozo_exception
    ET_XML.fromstring(body)
    return [(e.guid.removeprefix("oai:arXiv.org:"), e.arxiv_announce_type) for e in parsed.entries]


def test_rss_monday_mailing_has_sundays_announcement(server: ScheduledArxiv, http: requests.Session) -> None:
    resp = rss(http, server)  # Monday 28 Sep, 07:00 ET
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/rss+xml")
    body = resp.content
    got = items(body)
    sunday = et(SUN, 20)
    batch = [s for s in SUBS + HANDMADE if announcement_of(s.submitted) == sunday]
    new = {f"{s.id}v1" for s in batch if s.primary in CATS}
    cross = {f"{s.id}v1" for s in batch if s.primary not in CATS and set(s.categories) & set(CATS)}
    cross |= {f"{s.id}v1" for s in SUBS + HANDMADE
              if any(c in CATS and announcement_of(t) == sunday for c, t in s.cross_listed_at.items())}  # fmt: skip
    replaced = {f"{s.id}v{k + 2}": s for s in SUBS + HANDMADE for k, t in enumerate(s.versions)
                if announcement_of(t) == sunday and set(s.categories) & set(CATS)}  # fmt: skip
    assert {i for i, k in got if k == "new"} == new and new
    assert {i for i, k in got if k == "cross"} == cross
    assert {CROSS.id + "v1", LATE_OC.id + "v1"} <= cross
    assert {i for i, k in got if k == "replace"} == {i for i, s in replaced.items() if s.primary in CATS}
    assert (REPLACED.id + "v2", "replace") in got and (LATE_STAT.id + "v2", "replace-cross") in got
    assert len(got) == len({i for i, _ in got})
    order = {"new": 0, "cross": 1, "replace": 2, "replace-cross": 3}
    assert [order[k] for _, k in got] == sorted(order[k] for _, k in got)
    assert OUTSIDE.id + "v1" not in {i for i, _ in got}
    assert server.mailing(server.clock.now(), CATS) == [(i.rsplit("v", 1)[0], int(i.rsplit("v", 1)[1]), k)
                                                        for i, k in got]  # fmt: skip
    text = body.decode()
    assert text.count("<pubDate>Mon, 28 Sep 2026 00:00:00 -0400</pubDate>") == len(got) + 1
    assert "<lastBuildDate>Mon, 28 Sep 2026 04:00:00 +0000</lastBuildDate>" in text
    assert "<title>cs.LG, cs.CL updates on arXiv.org</title>" in text
    assert resp.headers["Last-Modified"] == "Mon, 28 Sep 2026 04:00:00 GMT"
    description = f"arXiv:{CROSS.id}v1 Announce Type: cross \nAbstract: Handmade abstract {CROSS.id}: a &amp; b &lt; c."
    assert f"<description>{description}</description>" in text
    entry = next(e for e in feedparser.parse(body).entries if e.guid.endswith(CROSS.id + "v1"))
    assert entry.link == f"https://arxiv.org/abs/{CROSS.id}"
    assert [t.term for t in entry.tags] == ["stat.ML", "cs.LG"]
    assert entry.author == "Ada Lovelace, Alan Turing" and entry.title == CROSS.title
    late = next(e for e in feedparser.parse(body).entries if e.guid.endswith(LATE_OC.id + "v1"))
    assert [t.term for t in late.tags] == ["math.OC", "cs.LG"]
    only_lg = items(rss(http, server, "cs.LG").content)
    assert (LATE_STAT.id + "v2", "replace-cross") not in only_lg and (LATE_OC.id + "v1", "cross") in only_lg
    stat_feed = items(rss(http, server, "stat.ML").content)
    assert (LATE_STAT.id + "v2", "replace") in stat_feed and (CROSS.id + "v1", "new") in stat_feed


def test_rss_weekend_and_evening_feeds(server: ScheduledArxiv, clock: FakeClock, http: requests.Session) -> None:
    for t in (et(SAT, 0), et(SAT, 12), et(SUN, 9), et(SUN, 20, 30), et(SUN, 23, 59)):
        clock.set(t)
        body = rss(http, server).content
        assert items(body) == [], t.astimezone(ET)
        parsed = feedparser.parse(body)
        assert parsed.feed.title == "cs.LG, cs.CL updates on arXiv.org"
    clock.set(et(THU, 23))  # Thursday's announcement is out, the feed is still Thursday's mailing
    thursday = items(rss(http, server).content)
    assert thursday == [(f"{i}v{v}", k) for i, v, k in server.mailing(et(THU, 9), CATS)]
    new_thursday = {i.rsplit("v", 1)[0] for i, k in thursday if k == "new"}
    assert new_thursday == {s.id for s in SUBS + HANDMADE if s.primary in CATS
                            and announcement_of(s.submitted) == et(WED, 20)}  # fmt: skip
    clock.set(et(FRI, 0))
    friday = {i.rsplit("v", 1)[0] for i, k in items(rss(http, server).content) if k == "new"}
    assert friday == {s.id for s in SUBS + HANDMADE if s.primary in CATS
                      and announcement_of(s.submitted) == et(THU, 20)}  # fmt: skip
    assert friday and not friday & new_thursday
    clock.set(et(WED, 10))  # Wednesday: LATE_STAT enters cs.CL (cross-listed on Tuesday morning)
    assert (LATE_STAT.id + "v1", "cross") in items(rss(http, server).content)


def test_rss_conditional_get(server: ScheduledArxiv, clock: FakeClock, http: requests.Session) -> None:
    first = rss(http, server)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = rss(http, server, **{"If-None-Match": etag, "If-Modified-Since": modified})
    assert again.status_code == 304 and not again.content and again.headers["ETag"] == etag
    clock.advance(hours=16)  # 23:00 ET on Monday: Monday's announcement is out, the feed not rebuilt yet
    assert rss(http, server, **{"If-None-Match": etag}).status_code == 304
    assert rss(http, server, **{"If-None-Match": '"other"'}).status_code == 200
    clock.advance(hours=1, minutes=1)  # past midnight: Tuesday's mailing
    fresh = rss(http, server, **{"If-None-Match": etag, "If-Modified-Since": modified})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert fresh.headers["Last-Modified"] == "Tue, 29 Sep 2026 04:00:00 GMT"
    assert rss(http, server, "cs.CL+cs.LG").headers["ETag"] != fresh.headers["ETag"]  # a feed of its own


def test_rss_thanksgiving_week() -> None:
    holidays = frozenset({date(2026, 11, 26)})
    subs = generate(date(2026, 11, 20), date(2026, 11, 30), per_day=8, seed=3)
    clock = FakeClock(et(date(2026, 11, 27), 8))
    with ScheduledArxiv(clock, subs, holidays) as server, requests.Session() as http:
        assert items(rss(http, server).content) == []  # the day after the holiday
        assert "<pubDate>Fri, 27 Nov 2026 00:00:00 -0500</pubDate>" in rss(http, server).text
        clock.at_et(date(2026, 11, 30), 8)
        got = {i.rsplit("v", 1)[0] for i, k in items(rss(http, server).content) if k == "new"}
        window = (et(date(2026, 11, 25), 14), et(date(2026, 11, 27), 14))  # Wednesday's and Thursday's
        assert got == {s.id for s in subs if s.primary in CATS and window[0] <= s.submitted < window[1]}
        assert "<pubDate>Mon, 30 Nov 2026 00:00:00 -0500</pubDate>" in rss(http, server).text
        november = "(cat:cs.LG OR cat:cs.CL) AND submittedDate:[202611010000 TO 202612012359]"
        clock.at_et(date(2026, 11, 29), 19, 59)
        before = server.announced(clock.now(), CATS)
        assert base(served(http, server, november)) == before
        clock.at_et(date(2026, 11, 29), 20)
        after = base(served(http, server, november))
        assert after - before == expected_announced(subs, clock.now(), holidays=holidays) - before
        assert got <= after - before
