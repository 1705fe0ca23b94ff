"""arXiv's announcement schedule: when a submission becomes visible, and when a day is settled.

    announcement_of(submitted)        # the 20:00 ET announcement that publishes it (UTC instant)
    latest_announcement(now)          # the most recent announcement at or before ``now``
    rss_announcement(mailing_day)     # the announcement behind an RSS pubDate (the evening before)
    settled(day, now)                 # can arXiv still add papers submitted on ``day`` (UTC)?

The schedule (arXiv's, all times US Eastern, DST-aware):

- submissions Monday to Thursday before 14:00 are announced at 20:00 that day;
- Thursday 14:00 to Friday 14:00 is announced on Sunday at 20:00;
- Friday 14:00 to Monday 14:00 is announced on Monday at 20:00;
- on a holiday (``arxiv.holidays``) nothing is announced: that batch rolls to
  the next announcement.

Announcements therefore happen Sunday to Thursday at 20:00 ET. arXiv's RSS
feed dates each listing by its *mailing day*, the day after the
announcement (``pubDate: Mon, ... 00:00:00 -0400`` for Sunday evening's).

Nothing here touches the network or the store; `digest.clock.now` is the
only source of the present, so tests replay weeks with a fake clock.

May import: nothing (the foundation every other part stands on).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

ET = ZoneInfo("America/New_York")
CUTOFF = time(14, 0)
"""Submissions made before this hour (ET) on a weekday go into that day's batch."""
ANNOUNCE = time(20, 0)
"""The hour (ET) of every announcement."""
SETTLE_DAYS = 10
"""Days after a submission day's announcement before it counts as settled (never read again).
Within them arXiv may still add to the day as the API sees it: a holiday `arxiv.holidays`
does not list (Thanksgiving rolls Thursday's batch to Sunday), or a paper cross-listed into
the editor's categories days after its announcement. The price is a daily re-read of about
two weeks of submissions, one or two requests for cs.LG + cs.CL."""

_ANNOUNCE_WEEKDAYS = {6, 0, 1, 2, 3}  # Sunday .. Thursday (date.weekday(): Monday = 0)


def _at(day: date, hour: time) -> datetime:
    return datetime.combine(day, hour, tzinfo=ET).astimezone(timezone.utc)


def _et(when: datetime) -> datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(ET)


def next_announcement_day(day: date, holidays: Iterable[date] = ()) -> date:
    """The first announcement day on or after ``day`` (Sunday..Thursday, not a holiday)."""
    off = frozenset(holidays)
    while day.weekday() not in _ANNOUNCE_WEEKDAYS or day in off:
        day += timedelta(days=1)
    return day


def announcement_of(when: datetime, holidays: Iterable[date] = ()) -> datetime:
    """The UTC instant of the announcement that publishes something submitted at ``when``."""
    local = _et(when)
    day = local.date()
    if local.time() >= CUTOFF or day.weekday() >= 5:  # after the cut-off, or a weekend: the next weekday's batch
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    # `day` is the weekday whose 14:00 cut-off closes the batch; Friday's batch is announced on Sunday.
    if day.weekday() == 4:
        day += timedelta(days=2)
    return _at(next_announcement_day(day, holidays), ANNOUNCE)


def latest_announcement(now: datetime, holidays: Iterable[date] = ()) -> datetime:
    """The most recent announcement at or before ``now``."""
    off = frozenset(holidays)
    local = _et(now)
    day = local.date() if local.time() >= ANNOUNCE else local.date() - timedelta(days=1)
    while day.weekday() not in _ANNOUNCE_WEEKDAYS or day in off:
        day -= timedelta(days=1)
    return _at(day, ANNOUNCE)


def next_announcement(now: datetime, holidays: Iterable[date] = ()) -> datetime:
    """The first announcement after ``now``."""
    local = _et(now)
    day = local.date() if local.time() < ANNOUNCE else local.date() + timedelta(days=1)
    return _at(next_announcement_day(day, holidays), ANNOUNCE)


def rss_announcement(mailing_day: date) -> datetime:
    """The announcement behind an RSS listing dated ``mailing_day``: 20:00 ET the evening before."""
    return _at(mailing_day - timedelta(days=1), ANNOUNCE)


def settled(day: date, now: datetime, holidays: Iterable[date] = ()) -> bool:
    """True once arXiv can no longer add papers submitted on ``day`` (a whole UTC day).

    The last submission of the day is announced at ``announcement_of(day 23:59:59 UTC)``;
    the day counts as settled `SETTLE_DAYS` after that, so a holiday arXiv kept but
    ``arxiv.holidays`` does not list delays the answer instead of losing papers.
    """
    last = datetime.combine(day, time(23, 59, 59), tzinfo=timezone.utc)
    return now >= announcement_of(last, holidays) + timedelta(days=SETTLE_DAYS)


def pending_since(now: datetime, holidays: Iterable[date] = ()) -> datetime:
    """The earliest submission time whose announcement is still to come at ``now``."""
    local = _et(now)
    day = local.date()
    for _ in range(21):  # walk back over weekday cut-offs; a holiday season fits in three weeks
        if day.weekday() < 5:
            boundary = _at(day, CUTOFF)
            if boundary <= now and announcement_of(boundary - timedelta(seconds=1), holidays) <= now:
                return boundary
        day -= timedelta(days=1)
    return now


def describe(instant: datetime) -> str:
    """``Sun 2022-10-23 20:00 ET`` for reports."""
    local = _et(instant)
    return f"{local:%a %Y-%m-%d %H:%M} ET"
