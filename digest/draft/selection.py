"""Which papers an issue proposes: coverage by announcement, not by submission day.

    window = issue_window(store, issues_dir, date(2022, 10, 23), settings, now=clock.now())
    chosen = select(store, window, categories, query, coverage, pooled)
    chosen.candidates      # announced since the previous draft, matching, in no earlier issue
    chosen.replacements    # a newer version of a covered paper, updated since then

An issue's candidates are the papers the store holds that were announced
after the previous draft's cut-off, or were first stored after that draft
ran (a paper fetched late, or announced on a holiday the schedule did not
know, still gets its one draft), that no earlier issue had as a candidate,
proposed or covered. The previous draft is the latest one the store
recorded for an earlier date, whatever issue files are dated after it (one
written by hand, a draft renamed to its sending day): their papers are left
out as covered, the rest of what was announced since that draft is not.
Only a store without any earlier draft lets the newest earlier issue file's
date bound the window. Two bounds keep the list sane: an issue dated in the
past takes nothing announced after its date ends (in ``timezone``), and
nothing older than ``max_window_days`` (``window_days`` for the very first
issue; ``--window N`` replaces all of this with the last N days).
`docs/new.md` states the rule for editors.

``arxiv.query`` is what `digest fetch` asks arXiv for; the store may hold
papers fetched otherwise (RSS, seeds, another query), so the same query is
applied here to the stored records with `compile_query`: arXiv's syntax of
``ti: au: abs: co: jr: cat: id: all:`` terms, quoted phrases, ``AND``,
``OR``, ``ANDNOT`` and parentheses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from digest.errors import InputError
from digest.issue import load_issue
from digest.issue.history import previous_issue_date
from digest.query import compile_query
from digest.schedule import announcement_of, describe, latest_announcement

if TYPE_CHECKING:
    from digest.issue.history import Coverage
    from digest.paper import Paper
    from digest.store import Store


@dataclass(frozen=True)
class Gap:
    """Announcements left out after a long pause: (``since``, ``until``], and how to get them."""

    since: datetime
    until: datetime
    stored: int

    @property
    def days(self) -> int:
        return math.ceil((self.until - self.since).total_seconds() / 86400)


@dataclass(frozen=True)
class IssueWindow:
    """What an issue may propose (see the module docstring).

    ``after``: announced after this instant (the previous draft's cut-off), or
    ``stored_after``: stored after this row (the last the previous draft saw);
    ``floor``: announced after this in any case; ``until``: never after (None while
    the issue's date has not ended); ``cutoff``: what this draft closes at.
    """

    cutoff: datetime
    floor: datetime
    reason: str
    after: datetime | None = None
    stored_after: int | None = None
    until: datetime | None = None
    previous: date | None = None
    gap: Gap | None = None

    @property
    def lower(self) -> datetime:
        """The earliest announcement the window reaches back to."""
        return max(self.after, self.floor) if self.after is not None else self.floor

    @property
    def since(self) -> date:
        return self.lower.date()

    def __str__(self) -> str:
        return f"after {describe(self.lower)}, through {describe(self.cutoff)}"


def issue_end(issue_date: date, zone: str) -> datetime:
    """The instant an issue's date ends in the newsletter's ``timezone``."""
    tz = timezone.utc if zone == "UTC" else ZoneInfo(zone)
    return datetime.combine(issue_date + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)


def issue_window(
    store: Store | None,
    issues_dir: Path,
    issue_date: date,
    *,
    zone: str,
    window_days: int,
    max_window_days: int,
    now: datetime,
    override: int | None = None,
    files: list[tuple[date, Path]] | None = None,
) -> IssueWindow:
    """What the issue dated ``issue_date`` may propose, decided at ``now``."""
    end = issue_end(issue_date, zone)
    cutoff, until = (now, None) if end >= now else (end, end)
    previous = previous_issue_date(issues_dir, issue_date, files)
    if override is not None:
        floor = cutoff - timedelta(days=max(1, override))
        return IssueWindow(cutoff, floor, f"in the last {override} days (--window {override})", until=until,
                           previous=previous)  # fmt: skip
    draft = store.previous_draft(issue_date) if store is not None else None
    if draft is not None:  # a later issue file (written by hand, renamed) does not move it
        after, seen, reason = draft.cutoff, draft.seen, f"since the draft of {draft.issue}"
    elif previous is not None:
        after, seen, reason = issue_end(previous, zone), None, f"since the issue of {previous}"
    else:
        floor = cutoff - timedelta(days=max(1, window_days))
        return IssueWindow(cutoff, floor, f"in the last {window_days} days (window_days: no earlier issue)", until=until)
    floor = cutoff - timedelta(days=max(1, max_window_days))
    gap = None
    if after < floor:
        stored = store.count_announced(after, floor) if store is not None else 0
        gap = Gap(after, floor, stored)
    return IssueWindow(cutoff, floor, reason, after, seen, until, previous, gap)


@dataclass
class Selection:
    """What the store holds for a window, split for drafting."""

    window: IssueWindow
    in_window: int = 0
    """Papers announced in the window (or stored since the last draft), in the configured categories."""
    late: int = 0
    """Of those, announced before the previous draft but stored after it ran."""
    not_matching: int = 0
    """Of those, left out by ``arxiv.query``."""
    covered: list[Paper] = field(default_factory=list)
    """In the window but proposed or covered by an earlier issue: left out."""
    candidates: list[Paper] = field(default_factory=list)
    """Announced in the window, matching the query, in no earlier issue (lean records when `select` read lean)."""
    replacements: list[tuple[Paper, Coverage]] = field(default_factory=list)
    """A newer version of a covered paper, updated in the window, with its latest coverage."""


def select(
    store: Store,
    window: IssueWindow,
    categories: list[str],
    query: str,
    covered: dict[str, list[Coverage]],
    pooled: set[str] | frozenset[str] = frozenset(),
    *,
    lean: bool = False,
    holidays: Iterable[date] = (),
    pooled_later: set[str] | frozenset[str] = frozenset(),
) -> Selection:
    """Split the window's papers into candidates, earlier ones and replacements.

    ``covered`` is `digest.issue.history.coverage` of the earlier issues (a paper in
    any earlier issue file is never a candidate again); ``pooled`` the papers
    other drafts had as candidates (an earlier one's, or a later one's when an issue is
    drafted for a past date). Replacements are offered only for papers an earlier issue
    wrote about (``annotated``), in the draft whose window holds the new version's
    announcement (`version_announced`; ``holidays``: ``arxiv.holidays``), unless a later
    draft had the paper (``pooled_later``: an issue drafted for a past date).

    ``lean``: without a ``query`` to match, the window's papers are read lean
    (`Store.announced`: id, title, abstract and dates, what ranking needs; a
    20,000-paper week in a third of the time and memory): whoever drafts the
    best of them reads their full records (`Store.get_many`). Replacements are
    always full records.
    """
    matches = compile_query(query)
    lean = lean and not query.strip()
    latest = {pid: max(cs, key=lambda c: c.issue_date) for pid, cs in _annotated(covered).items()}
    out = Selection(window)
    for paper in store.announced(after=window.after, stored_after=window.stored_after, floor=window.floor,
                                 until=window.until, categories=categories or None, lean=lean):  # fmt: skip
        out.in_window += 1
        if window.after is not None and paper.announced is not None and paper.announced <= window.after:
            out.late += 1
        if paper.id in covered or paper.id in pooled:
            out.covered.append(paper)
        elif not matches(paper):
            out.not_matching += 1
        else:
            out.candidates.append(paper)
    lower, upper = window.lower, window.cutoff
    for pid, paper in store.get_many(latest).items():
        cov = latest[pid]
        if pid in pooled_later or paper.updated is None or not lower < version_announced(paper.updated, holidays) <= upper:
            continue  # a later draft proposed it (an issue drafted for a past date): not twice
        if cov.version is not None:
            newer = (paper.version or 0) > cov.version
        else:  # the issue did not say which version: newer if updated after that issue
            newer = (paper.version or 0) > 1 and paper.updated.date() > cov.issue_date
        if newer:
            out.replacements.append((paper, cov))
    out.replacements.sort(key=lambda pc: (pc[1].issue_date, pc[0].id))
    return out


def version_announced(updated: datetime, holidays: Iterable[date] = ()) -> datetime:
    """When arXiv announced the version submitted at ``updated`` (the API's ``updated``): a draft run
    between the two cannot have it, so the draft whose window holds the announcement proposes it.
    An ``updated`` that is itself an announcement (20:00 ET: an RSS listing's) is taken as it is."""
    if latest_announcement(updated, holidays) == updated:
        return updated
    return announcement_of(updated, holidays)


def _annotated(covered: dict[str, list[Coverage]]) -> dict[str, list[Coverage]]:
    out = {}
    for pid, cs in covered.items():
        kept = [c for c in cs if c.annotated]
        if kept:
            out[pid] = kept
    return out


def pooled_elsewhere(store: Store, issue_date: date, issues_dir: Path, files: list[tuple[date, Path]],
                     warn: Callable[[str], None]) -> tuple[set[str], set[str]]:  # fmt: skip
    """The papers other issues had as candidates: the earlier ones', and the later ones', when the
    editor drafts (or re-runs) an issue dated before them (new versions included). A later draft
    whose file is gone (cron drafted Monday; the editor deleted it and drafted Sunday) gives back
    the papers of its pool that no other issue file holds: renamed to another date, its sections
    stay where they are, and only what it never wrote (or the editor deleted) comes back. While an
    issue file cannot be read nothing is given back (``warn`` says so)."""
    later: set[str] = set()
    held: set[str] | None = None
    read = False
    dates = {d for d, _ in files}
    for day in store.drafted_after(issue_date):  # none in the weekly run: it drafts the latest issue
        pool = store.pool(day)
        if day not in dates and not (issues_dir / f"{day.isoformat()}.md").is_symlink():
            if not read:
                held, read = _papers_in([p for d, p in files if d != issue_date], warn), True
            if held is not None:
                pool &= held
        later |= pool
    return store.pooled_before(issue_date), later


def _papers_in(paths: list[Path], warn: Callable[[str], None]) -> set[str] | None:
    """The papers the issue files at ``paths`` have sections for; None (and a warning) when one
    cannot be read: it may hold any of them."""
    ids: set[str] = set()
    for path in paths:
        try:
            ids |= {s.paper_id.base for s in load_issue(path).papers if s.paper_id is not None}
        except (InputError, OSError, UnicodeDecodeError) as exc:
            warn(f"{exc}; until it reads, the papers of a later draft whose file is gone stay out of this"
                 " issue (they may be in it)")  # fmt: skip
            return None
    return ids
