"""Drafting an issue: the week's candidates, their ranking, the draft's text, and the run log.

    report = run_new(settings, date(2022, 10, 23))
    report.added, report.replacements, report.lines()

The package owns what `digest new` does: which papers an issue proposes
(`selection`: what arXiv announced since the previous draft, and new versions
of covered papers), their order (`ranking`: a model learnt from the editor's
seeds, earlier issues and the papers passed over; `tfidf` its features), the text written into
``issues/D.md`` (`text`), writing it without losing a byte the editor wrote
(`issuefile`), what the run reports (`report`) and the line each run leaves in
``.digest/runs.log`` (`runlog`).

`run_new` is a list of steps, like a static site generator's build: take the
lock, check the query, read the issue, open the store, choose the window,
fetch the submission days behind it (unless offline), read the earlier issues,
select the candidates, rank them, keep the best, compose and write the file,
and record the run in the store (`Store.record_draft`): its time, its cut-off,
every candidate (the issue's pool, written into the file or not), so the next
issue proposes exactly the papers announced after it, and a section the editor
deleted is not added back by the next run.

`add_figures` is ``digest new --figures``: the figure comment of each paper the
editor keeps (notes, or kept in triage), fetched politely (`digest.figures`) and
written after the paper's ``digest:paper`` comment (`issuefile.write_figures`).

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock, store, issue, fetch, seeds, figures.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest import clock
from digest.draft import ranking
from digest.draft.issuefile import (
    FiguresReport,
    IssueFile,
    NewError,
    Proposal,
    compose,
    read_bytes,
    read_issue,
    write,
    write_figures,
)
from digest.draft.ranking import Ranked, document
from digest.draft.report import PASSED_OVER, RANKED_BY, NewReport
from digest.draft.selection import Selection, issue_window, pooled_elsewhere, select
from digest.draft.text import suggested_headline, wanting_figures
from digest.errors import DigestError, InputError, UnavailableError, UsageError
from digest.fetch import FetchReport, WindowReport, draft_days, fetch_api_window
from digest.fetch.client import ArxivClient
from digest.figures import NoHtml, figures_comment, paper_figures
from digest.issue.history import coverage, load_issues
from digest.lock import newsletter_lock
from digest.query import compile_query
from digest.schedule import describe, latest_announcement, next_announcement, pending_since
from digest.store import Store, suggested_headline_key

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.draft.selection import IssueWindow
    from digest.issue import Issue
    from digest.issue.history import Coverage

__all__ = ["NEGATIVES_CAP", "FiguresReport", "NewError", "NewReport", "add_figures", "negative_texts", "run_new"]

log = logging.getLogger(__name__)

Covered = dict[str, list["Coverage"]]
"""Each paper of an earlier issue and where it was covered (`digest.issue.history.coverage`)."""


def run_new(
    settings: Settings,
    issue_date: date,
    *,
    window_days: int | None = None,
    limit: int | None = None,
    offline: bool = False,
    dry_run: bool = False,
    client: Any = None,
    lock_wait: float | None = None,
) -> NewReport:
    """What `digest new` does; raises `InputError` (file untouched) when the issue does not parse."""
    with _lock(settings, dry_run, lock_wait):
        return _run(settings, issue_date, window_days, limit, offline or dry_run, dry_run, client)


def _run(settings: Settings, issue_date: date, window_days: int | None, limit: int | None, offline: bool,
         dry_run: bool, client: Any) -> NewReport:  # fmt: skip
    """The steps of a run, in order; each fills in its part of the report."""
    compile_query(settings.arxiv.query)  # a bad arxiv.query fails here, before any fetch
    issue = read_issue(settings.path("issues"), issue_date)
    with _open_store(settings, dry_run) as store:
        window = _choose_window(settings, store, issue, issue_date, window_days)
        report = NewReport(path=issue.path, date=issue_date, window=window, created=issue.existing is None,
                           dry_run=dry_run, offline=offline)  # fmt: skip
        if not offline and store is not None:
            _fetch(settings, store, window, report, client)
        ran_at = clock.now()
        seen = store.last_row() if store is not None else 0  # a paper stored from here on belongs to the next draft
        earlier, covered = _read_history(settings, issue, report)
        chosen = _select(settings, store, window, covered, report, issue.files)
        _warn_of_gap(settings, window, report)
        ranked, by_id = _rank(settings, store, chosen, earlier, covered, report)
        kept = _load(store, _keep(settings, ranked, limit, report))
        proposal = _propose(store, chosen, kept, ranked[len(kept) :], by_id, issue_date)
        data = compose(report, issue.existing, proposal, settings)
        if not dry_run:
            data = write(report, issue.existing, data, proposal, settings)
            if store is not None:
                _record(store, report, data, ran_at, seen, ranked)
        return report


def _lock(settings: Settings, dry_run: bool, wait: float | None) -> AbstractContextManager[Any]:
    """One run at a time per newsletter; a dry run writes nothing and takes no lock."""
    return nullcontext() if dry_run else newsletter_lock(settings.root, wait)


@contextmanager
def _open_store(settings: Settings, dry_run: bool) -> Iterator[Store | None]:
    """The store, closed after the run; a dry run never creates one (None when there is none yet)."""
    store = Store.open_existing(settings.path("store")) if dry_run else Store.open(settings.path("store"))
    try:
        yield store
    finally:
        if store is not None:
            store.close()


def _choose_window(settings: Settings, store: Store | None, issue: IssueFile, issue_date: date,
                   override: int | None) -> IssueWindow:  # fmt: skip
    """What the issue may propose: what arXiv announced since the previous draft (`issue_window`)."""
    return issue_window(store, settings.path("issues"), issue_date, zone=settings.timezone,
                        window_days=settings.window_days, max_window_days=settings.max_window_days,
                        now=clock.now(), override=override, files=issue.files)  # fmt: skip


def _read_history(settings: Settings, issue: IssueFile, report: NewReport) -> tuple[list[Issue], Covered]:
    """The earlier issues (a broken one is a warning) and the papers they covered."""
    errors: list[InputError] = []
    earlier = load_issues(settings.path("issues"), before=report.date, errors=errors, files=issue.files)
    report.warnings += [str(e) for e in errors]
    # a person must fix it: until then its papers do not count as covered (shown under -q too)
    report.attention += [f"{e} (skipped)" for e in errors]
    return earlier, coverage(earlier, settings.unannotated)


def _select(settings: Settings, store: Store | None, window: IssueWindow, covered: Covered,
            report: NewReport, files: list[tuple[date, Path]]) -> Selection:  # fmt: skip
    """The window's candidates and new versions of covered papers; warns when the store has none.
    ``files``: the issue files there are (`issue_files`)."""
    if store is None:
        chosen = Selection(window)
        _warn(report, f"{settings.path('store')}: no store yet; run `digest fetch` first")
    else:
        earlier, later = pooled_elsewhere(store, report.date, settings.path("issues"), files,
                                          lambda message: _warn(report, message))  # fmt: skip
        chosen = select(store, window, list(settings.arxiv.categories), settings.arxiv.query, covered,
                        earlier | later, lean=True, holidays=settings.arxiv.holiday_dates,
                        pooled_later=later)  # fmt: skip
        report.pending = _pending(store, window, settings)
    report.in_window, report.late = chosen.in_window, chosen.late
    report.not_matching, report.covered = chosen.not_matching, len(chosen.covered)
    if store is not None and not chosen.in_window:
        if latest_announcement(window.cutoff, settings.arxiv.holiday_dates) <= window.lower:
            _warn(report, f"arXiv made no announcement {window} (its schedule: Sunday to Thursday, 20:00 ET),"
                          " so the draft has no papers yet")  # fmt: skip
        elif report.fetch is not None and not report.fetch_error and not report.incomplete:
            # arXiv announced and was just asked, and has none in the categories: a misspelt one?
            cats = ", ".join(settings.arxiv.categories)
            _warn(report, f"arXiv announced no papers in arxiv.categories ({cats}) {window}, so the draft has none:"
                          f" check arxiv.categories in {settings.origin('arxiv.categories')} against arXiv's"
                          " category names, unless arXiv took a break", attention=True)  # fmt: skip
        else:
            _warn(report, f"the store has no papers announced {window};"
                          " run `digest fetch` (or `digest new` without --offline)")  # fmt: skip
    return chosen


def _warn_of_gap(settings: Settings, window: IssueWindow, report: NewReport) -> None:
    """After a long pause only the last max_window_days are drafted: say how to get the rest.
    A person has to decide whether to (`NewReport.attention`: shown under -q too)."""
    if window.gap is None:
        return
    g = window.gap
    _warn(report, f"no draft since {describe(g.since)}: drafting the last {settings.max_window_days} days only"
                  f" (max_window_days); what arXiv announced before {describe(g.until)} is left out (the store"
                  f" holds {g.stored} such papers): `digest new --date {report.date} --window"
                  f" {g.days + settings.max_window_days}` takes them too", attention=True)  # fmt: skip


def _rank(settings: Settings, store: Store | None, chosen: Selection, earlier: list[Issue], covered: Covered,
          report: NewReport) -> tuple[list[Ranked], dict[str, Ranked]]:  # fmt: skip
    """The candidates best first, and every ranked paper by id (new versions of covered papers too).

    Candidates and new versions are ranked together, against the editor's profile and the
    papers passed over (`ranking.rank`, called through the module: tests replace it)."""
    profile, report.profile = ranking.profile_texts(settings, earlier, store)
    negatives = negative_texts(store, report.date, covered) if store is not None else []
    if negatives:
        report.profile[PASSED_OVER] = len(negatives)
    both = ranking.rank([*chosen.candidates, *(p for p, _ in chosen.replacements)], profile, negatives)
    replaced = {p.id for p, _ in chosen.replacements}
    ranked = [r for r in both if r.paper.id not in replaced]
    if ranked and ranked[0].score is not None:
        report.ranked_by = RANKED_BY
    return ranked, {r.paper.id: r for r in both}


def _keep(settings: Settings, ranked: list[Ranked], limit: int | None, report: NewReport) -> list[Ranked]:
    """The best ``max_candidates`` (or ``--limit``; 0: all); the rest wait in `digest triage`
    (`compose` counts those not decided there and not in the file)."""
    cap = settings.max_candidates if limit is None else limit
    kept = ranked[:cap] if cap else ranked
    report.candidates, report.cut, report.left_out = len(ranked), len(kept), len(ranked) - len(kept)
    report.lowest_kept = kept[-1].score if kept else None
    return kept


def _load(store: Store | None, kept: list[Ranked]) -> list[Ranked]:
    """The kept candidates with their full records: `_select` read the week lean (issue #16)."""
    full = store.get_many(r.paper.id for r in kept) if store is not None else {}
    return [replace(r, paper=full[r.paper.id]) if r.paper.id in full else r for r in kept]


def _propose(store: Store | None, chosen: Selection, kept: list[Ranked], beyond: list[Ranked],
             by_id: dict[str, Ranked], issue_date: date) -> Proposal:  # fmt: skip
    """What goes into the file: the kept candidates and the new versions no earlier run proposed,
    less what the editor decided in `digest triage` (`compose`)."""
    proposed = store.proposed(issue_date) if store else set()
    decisions = store.decisions(issue_date) if store else {}
    replacements = [(by_id.get(p.id, Ranked(p, None)), c) for p, c in chosen.replacements if p.id not in proposed]
    return Proposal(kept, replacements, proposed, decisions, [r.paper.id for r in beyond])


def _record(store: Store, report: NewReport, data: bytes | None, ran_at: datetime, seen: int,
            ranked: list[Ranked]) -> None:  # fmt: skip
    """Record the run: its time, cut-off, the whole pool and what was written (`Store.record_draft`)."""
    if report.created and data is not None:  # `check` tells the editor when it is still the suggestion
        store.set_value(suggested_headline_key(report.date.isoformat()),
                        suggested_headline([r.paper for r in report.added]))  # fmt: skip
    written = [r.paper.id for r in report.added] + [r.paper.id for r, _ in report.replacements]
    store.record_draft(report.date, ran_at, report.window.cutoff, [r.paper.id for r in ranked], written, seen)


NEGATIVES_CAP = 5000
"""The most passed-over papers the ranking learns from (the latest issues' first)."""


def negative_texts(store: Store, issue_date: date, covered: Covered) -> list[str]:
    """What the editor passed over before this issue: papers earlier drafts wrote into the file
    that no issue gave notes to, and papers dismissed in triage. The ranking learns from them."""

    annotated = {pid for pid, cs in covered.items() if any(c.annotated for c in cs)}
    ids = [pid for pid, (written, decision) in store.earlier_candidates(issue_date).items()
           if pid not in annotated and (decision == "dismissed" or (written and decision != "kept"))]  # fmt: skip
    papers = store.get_many(ids[-NEGATIVES_CAP:])
    return [document(p.title, p.abstract) for p in papers.values() if p.abstract or p.title]


def _pending(store: Store, window: IssueWindow, settings: Settings) -> str | None:
    """What arXiv has yet to announce that this draft cannot hold (None for an issue of the past)."""
    if window.until is not None:
        return None
    holidays = settings.arxiv.holiday_dates
    nxt = next_announcement(window.cutoff, holidays)
    since = pending_since(window.cutoff, holidays)
    return (f"pending: papers submitted since {describe(since)} are announced {describe(nxt)} or later;"
            " the next draft takes them")


def _fetch(settings: Settings, store: Store, window: IssueWindow, report: NewReport, client: Any) -> None:
    """Fetch the submission days whose papers can be announced in the window (`fetch.draft_days`)."""

    start, since, until = draft_days(store, settings, window.lower, window.cutoff)
    report.fetch = FetchReport(via="api", store=str(store.path))
    if since > until:  # every day is settled and was read completely
        report.fetch.windows.append(WindowReport("api", start.isoformat(), until.isoformat(), "skipped"))
        return
    own = client is None
    client = client or ArxivClient.from_settings(settings)
    try:
        fetch_api_window(store, client, since, until, categories=list(settings.arxiv.categories),
                         query=settings.arxiv.query, report=report.fetch,
                         holidays=settings.arxiv.holiday_dates)  # fmt: skip
    except UnavailableError as exc:
        report.fetch_error = f"could not fetch {since}..{until}: {exc}"
    finally:
        if own:
            client.close()


def _warn(report: NewReport, message: str, *, attention: bool = False) -> None:
    """A warning both in the report and in the log (a cron run's only trace may be the log);
    ``attention``: one a person has to act on, which `digest -q new` shows too."""
    report.warnings.append(message)
    if attention:
        report.attention.append(message)
    log.warning("%s", message)


def add_figures(settings: Settings, issue_date: date, *, offline: bool = False, client: Any = None,
                lock_wait: float | None = None) -> FiguresReport:  # fmt: skip
    """``digest new --figures``: the figure comment for each paper of the issue the editor keeps
    (its section has notes, or triage kept it) that has none yet, right after its ``digest:paper``
    comment. One client for the run (its delay between requests); ``offline``: the store's cache only.

    A paper without an HTML rendering, or one arXiv did not answer for, is skipped with one line;
    after arXiv fails once, the rest come from the cache only. Raises `InputError` (nothing
    written) for an issue that does not parse.
    """
    report = FiguresReport(settings.path("issues") / f"{issue_date.isoformat()}.md", offline=offline)
    own = client is None and not offline
    client = ArxivClient.from_settings(settings) if own else client
    start = client.counters.requests if client is not None else 0
    found: dict[str, tuple[str, str] | None] = {}

    def comment(base: str, ref: str) -> tuple[str, str] | None:
        if ref not in found:  # by the version the comment names: an edit to it meanwhile asks again
            found[ref] = _figure_comment(settings, report, ref, client)
        return found[ref]

    try:
        # The figures first, without the lock: two requests a paper, arxiv.delay apart, during which
        # a triage keep must not wait. Then, under the lock, the decisions again (a paper kept
        # meanwhile is fetched then) and one compare-and-swap write.
        existing = read_bytes(report.path)
        if existing is not None:
            for base, ref in wanting_figures(report.path, existing, _kept(settings, issue_date)):
                comment(base, ref)
        with newsletter_lock(settings.root, lock_wait):
            if existing is not None and read_bytes(report.path) != existing:
                report.saved_meanwhile = True  # (write_figures composes from the save)
            write_figures(report, _kept(settings, issue_date), comment)
    finally:
        if client is not None:
            report.requests = client.counters.requests - start
        if own:
            client.close()
    return report


def _kept(settings: Settings, issue_date: date) -> set[str]:
    """The papers kept in `digest triage` for the issue."""
    store = Store.open_existing(settings.path("store"))
    if store is None:
        return set()
    try:
        return {pid for pid, d in store.decisions(issue_date).items() if d == "kept"}
    finally:
        store.close()


def _figure_comment(settings: Settings, report: FiguresReport, ref: str, client: Any) -> tuple[str, str] | None:
    """The figure comment of ``ref`` and the versioned id it names; None (the report says why) when skipped."""
    cache_only = report.offline or report.unavailable
    try:
        found = paper_figures(settings, ref, offline=cache_only, client=client)
    except UsageError:
        raise  # a bad arxiv.html_url: every paper would fail the same way
    except NoHtml as exc:
        report.skipped[ref] = str(exc)
        return None
    except UnavailableError as exc:
        report.unavailable = True
        report.skipped[ref] = (f"{ref}: arXiv did not answer ({getattr(exc, 'reason', exc)});"
                               " run `digest new --figures` again later")  # fmt: skip
        return None
    except DigestError as exc:
        why = str(exc)
        if report.unavailable and not report.offline:
            why = (f"{ref}: not fetched: arXiv did not answer for an earlier paper;"
                   " run `digest new --figures` again later")  # fmt: skip
        report.skipped[ref] = why
        return None
    report.notes += [f"{found.versioned_id}: {note}" for note in found.notes]
    return figures_comment(found), found.versioned_id
