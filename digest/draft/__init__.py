"""`digest new`: draft ``issues/D.md`` from the store, or extend it, never changing a byte written.

    report = run_new(settings, date(2022, 10, 23))
    report.added, report.replacements, report.lines()

The run: what the issue may propose (`digest.draft.selection.issue_window`: what
arXiv announced since the previous draft), a fetch of the submission days
behind it (unless offline), the candidates, their ranking (`digest.draft.ranking`),
then the text `digest.draft.text` writes: a new issue gets front matter, a comment
telling the editor what to do, and one section per candidate, best first; on
an existing issue the new candidates are appended after the last section, the
old bytes a prefix of the new file, or the file is not written at all.

The editor may save the issue while the run fetches: just before writing,
the file is read again and the candidates are appended to what is there
then (`_write`); nothing the editor wrote is lost.

Each run is recorded in the store (`Store.record_draft`): its time, its
cut-off, every candidate (the issue's pool, written into the file or not), so
the next issue proposes exactly the papers announced after it, and a section
the editor deleted is not added back by the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest import clock
from digest.draft.ranking import Ranked, document, profile_texts, rank
from digest.draft.selection import Selection, issue_window, select
from digest.draft.text import (
    appended,
    existing_papers,
    front_matter,
    intro_comment,
    sections_text,
    suggested_headline,
    suggested_headline_key,
)
from digest.errors import DigestError, ExitCode, InputError, UnavailableError
from digest.fetch import FetchReport, WindowReport, draft_days, fetch_api_window
from digest.fetch.client import ArxivClient
from digest.files import write_if_unchanged
from digest.issue.history import coverage, issue_files, load_issues
from digest.lock import newsletter_lock
from digest.query import compile_query
from digest.schedule import describe, next_announcement, pending_since
from digest.store import Store

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.draft.selection import IssueWindow
    from digest.issue.history import Coverage

log = logging.getLogger(__name__)


@dataclass
class NewReport:
    """What `run_new` did; `lines` is the human report, `to_dict` the ``--json`` one."""

    path: Path
    date: date
    window: IssueWindow
    created: bool = False
    dry_run: bool = False
    offline: bool = False
    fetch: FetchReport | None = None
    fetch_error: str | None = None
    in_window: int = 0
    late: int = 0
    not_matching: int = 0
    covered: int = 0
    ranked_by: str = "newest first (no profile)"
    profile: dict[str, int] = field(default_factory=dict)
    candidates: int = 0
    left_out: int = 0
    lowest_kept: float | None = None
    already: int = 0
    skipped_deleted: int = 0
    added: list[Ranked] = field(default_factory=list)
    replacements: list[tuple[Ranked, Coverage]] = field(default_factory=list)
    text: str = ""
    """What was (or with --dry-run, would be) appended."""
    warnings: list[str] = field(default_factory=list)
    pending: str | None = None
    """What arXiv has yet to announce, for the next draft (None for an issue of the past)."""
    saved_meanwhile: bool = False
    """The editor saved the issue while the run fetched; the candidates went after that save."""

    @property
    def exit_code(self) -> int:
        return int(ExitCode.UNAVAILABLE) if self.fetch_error else int(ExitCode.OK)

    def summary(self) -> str:
        verb = "would add" if self.dry_run else ("drafted" if self.created else "added")
        return f"{self.path.name}: {verb} {len(self.added)} candidates and {len(self.replacements)} new versions"

    def lines(self) -> list[str]:
        out = [f"{self.summary()} (announced {self.window.reason})"]
        if self.fetch is not None:
            f = self.fetch
            for w in f.windows:
                out.append(f"network: {w.via} {w.since}..{w.until}: {w.status}, {w.fetched} entries"
                           f" ({f.new} new, {f.updated} updated, {f.requests} requests)")  # fmt: skip
        if self.fetch_error:
            out.append(f"network: {self.fetch_error}")
        elif self.offline:
            out.append("network: not asked (--offline or --dry-run); drafting from the store only")
        late = f", {self.late} of them stored late" if self.late else ""
        out.append(f"announced {self.window.reason}: {self.in_window} papers ({self.window}){late}; {self.covered} in earlier issues,"
                   f" {self.not_matching} outside arxiv.query, {len(self.replacements)} new versions of covered papers")  # fmt: skip
        if self.pending:
            out.append(self.pending)
        if self.saved_meanwhile:
            out.append("the issue was saved while this run fetched: the candidates went after that save")
        prof = ", ".join(f"{n} {k}" for k, n in self.profile.items())
        out.append(f"ranking: {self.ranked_by}" + (f" (profile: {prof})" if prof else ""))
        low = "" if self.lowest_kept is None else f", lowest score kept {self.lowest_kept:.4f}"
        wait = f"; {self.left_out} more wait in `digest triage {self.date}`" if self.left_out else ""
        out.append(f"kept {self.candidates - self.left_out} of {self.candidates} candidates{low}{wait}")
        if self.already or self.skipped_deleted:
            out.append(f"already in the file: {self.already}; deleted by the editor, not added again: {self.skipped_deleted}")
        for r in self.added:
            score = "  -    " if r.score is None else f"{r.score:.4f}"
            out.append(f"  + {score}  {r.paper.versioned_id:<18} {r.paper.title}")
        for r, cov in self.replacements:
            out.append(f"  ~ v{r.paper.version}     {r.paper.id:<18} {r.paper.title} (covered {cov.issue_date})")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path), "date": self.date.isoformat(), "created": self.created, "dry_run": self.dry_run,
            "window": {"since": self.window.lower.isoformat(), "until": self.window.cutoff.isoformat(),
                       "reason": self.window.reason, "previous": self.window.previous and self.window.previous.isoformat(),
                       "gap": None if self.window.gap is None else {"since": self.window.gap.since.isoformat(),
                       "until": self.window.gap.until.isoformat(), "stored": self.window.gap.stored}},
            "pending": self.pending, "saved_meanwhile": self.saved_meanwhile, "late": self.late,
            "fetch": self.fetch.to_dict() if self.fetch else None, "fetch_error": self.fetch_error,
            "in_window": self.in_window, "covered": self.covered, "not_matching": self.not_matching,
            "ranked_by": self.ranked_by, "profile": self.profile, "candidates": self.candidates,
            "left_out": self.left_out, "lowest_kept": self.lowest_kept, "already": self.already,
            "skipped_deleted": self.skipped_deleted,
            "added": [{"id": r.paper.versioned_id, "title": r.paper.title, "score": r.score} for r in self.added],
            "replacements": [{"id": r.paper.versioned_id, "title": r.paper.title, "covered_in": c.issue_date.isoformat()}
                             for r, c in self.replacements],
            "exit_code": self.exit_code,
        }  # fmt: skip


RANKED_BY = "best first by a model learnt from your seeds, earlier issues and the papers you passed over"
NEGATIVES_CAP = 5000
"""The most passed-over papers the ranking learns from (the latest issues' first)."""


def negative_texts(store: Store, issue_date: date, covered: dict[str, list[Coverage]]) -> list[str]:
    """What the editor passed over before this issue: papers earlier drafts wrote into the file
    that no issue gave notes to, and papers dismissed in triage. The ranking learns from them."""

    annotated = {pid for pid, cs in covered.items() if any(c.annotated for c in cs)}
    ids = [pid for pid, (written, decision) in store.earlier_candidates(issue_date).items()
           if pid not in annotated and (decision == "dismissed" or (written and decision != "kept"))]  # fmt: skip
    papers = store.get_many(ids[-NEGATIVES_CAP:])
    return [document(p.title, p.abstract) for p in papers.values() if p.abstract or p.title]


class NewError(DigestError):
    """The run stopped without writing (the issue vanished or kept changing under it)."""


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
    from contextlib import nullcontext


    guard = nullcontext() if dry_run else newsletter_lock(settings.root, lock_wait)
    with guard:
        return _run(settings, issue_date, window_days, limit, offline or dry_run, dry_run, client)


def _run(settings: Settings, issue_date: date, window_days: int | None, limit: int | None, offline: bool,
         dry_run: bool, client: Any) -> NewReport:  # fmt: skip

    compile_query(settings.arxiv.query)  # a bad arxiv.query fails here, before any fetch
    issues_dir = settings.path("issues")
    files = issue_files(issues_dir)  # listed once: its warnings print once
    path = issues_dir / f"{issue_date.isoformat()}.md"
    existing = _read(path)
    if existing is not None:
        existing_papers(path, existing)  # a broken file stops the run before any fetch
    store = Store.open_existing(settings.path("store")) if dry_run else Store.open(settings.path("store"))
    try:
        window = issue_window(store, issues_dir, issue_date, zone=settings.timezone, window_days=settings.window_days,
                              max_window_days=settings.max_window_days, now=clock.now(), override=window_days,
                              files=files)  # fmt: skip
        report = NewReport(path=path, date=issue_date, window=window, created=existing is None, dry_run=dry_run,
                           offline=offline)  # fmt: skip
        if not offline and store is not None:
            _fetch(settings, store, window, report, client)
        ran_at = clock.now()
        seen = store.last_row() if store is not None else 0  # a paper stored from here on belongs to the next draft
        errors: list[InputError] = []
        earlier = load_issues(issues_dir, before=issue_date, errors=errors, files=files)
        report.warnings += [str(e) for e in errors]
        covered = coverage(earlier, settings.unannotated)
        if store is None:
            chosen = Selection(window)
            _warn(report, f"{settings.path('store')}: no store yet; run `digest fetch` first")
        else:
            chosen = select(store, window, list(settings.arxiv.categories), settings.arxiv.query, covered,
                            store.pooled_before(issue_date))  # fmt: skip
            report.pending = _pending(store, window, settings)
        report.in_window, report.late = chosen.in_window, chosen.late
        report.not_matching, report.covered = chosen.not_matching, len(chosen.covered)
        if store is not None and not chosen.in_window:
            _warn(report, f"the store has no papers announced {window}; run `digest fetch` (or `digest new` without --offline)")
        if window.gap is not None:
            g = window.gap
            _warn(report, f"no draft since {describe(g.since)}: drafting the last {settings.max_window_days} days only"
                          f" (max_window_days); what arXiv announced before {describe(g.until)} is left out (the store"
                          f" holds {g.stored} such papers): `digest new --date {issue_date} --window"
                          f" {g.days + settings.max_window_days}` takes them too")  # fmt: skip
        profile, report.profile = profile_texts(settings, earlier, store)
        negatives = negative_texts(store, issue_date, covered) if store is not None else []
        if negatives:
            report.profile["papers you passed over"] = len(negatives)
        both = rank([*chosen.candidates, *(p for p, _ in chosen.replacements)], profile, negatives)
        replaced = {p.id for p, _ in chosen.replacements}
        ranked = [r for r in both if r.paper.id not in replaced]
        if ranked and ranked[0].score is not None:
            report.ranked_by = RANKED_BY
        cap = settings.max_candidates if limit is None else limit
        kept = ranked[:cap] if cap else ranked
        report.candidates, report.left_out = len(ranked), len(ranked) - len(kept)
        report.lowest_kept = kept[-1].score if kept else None
        proposed = store.proposed(issue_date) if store else set()
        by_id = {r.paper.id: r for r in both}
        replacements = [(by_id.get(p.id, Ranked(p, None)), c) for p, c in chosen.replacements if p.id not in proposed]
        data = _compose(report, path, existing, kept, replacements, proposed, settings)
        if not dry_run:
            data = _write(report, path, existing, data, kept, replacements, proposed, settings)
            if store is not None:
                if report.created and data is not None:  # `check` tells the editor when it is still the suggestion
                    store.set_value(suggested_headline_key(issue_date.isoformat()),
                                    suggested_headline([r.paper for r in report.added]))  # fmt: skip
                written = [r.paper.id for r in report.added] + [r.paper.id for r, _ in report.replacements]
                store.record_draft(issue_date, ran_at, window.cutoff, [r.paper.id for r in ranked], written, seen)
        return report
    finally:
        if store is not None:
            store.close()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _compose(report: NewReport, path: Path, existing: bytes | None, kept: list[Ranked],
             replacements: list[tuple[Ranked, Coverage]], proposed: set[str], settings: Settings) -> bytes | None:  # fmt: skip
    """The file's new bytes over ``existing`` (None: nothing to write); fills the report's lists."""
    in_file = existing_papers(path, existing) if existing is not None else set()
    report.created = existing is None
    report.already = sum(r.paper.id in in_file for r in kept)
    report.skipped_deleted = sum(r.paper.id in proposed and r.paper.id not in in_file for r in kept)
    report.added = [r for r in kept if r.paper.id not in in_file and r.paper.id not in proposed]
    report.replacements = [(r, c) for r, c in replacements if r.paper.id not in in_file]
    report.text = sections_text(report.added, report.replacements)
    if existing is None:
        text = (front_matter(report.date, suggested_headline([r.paper for r in report.added]), settings.sponsor)
                + "\n" + intro_comment(len(report.added), report.window, report.ranked_by) + report.text)  # fmt: skip
        report.text = text
        return text.encode()
    if not report.added and not report.replacements:
        return None
    return appended(existing, report.text)


SAVE_RETRIES = 5
"""How often `_write` starts over when the editor saves the issue while `digest new` writes it."""


def _write(report: NewReport, path: Path, existing: bytes | None, data: bytes | None, kept: list[Ranked],
           replacements: list[tuple[Ranked, Coverage]], proposed: set[str], settings: Settings) -> bytes | None:  # fmt: skip
    """Write ``data`` only over the bytes it was made from; an editor's save since then is kept.

    The fetch can take minutes. Just before writing, the file is read again; if
    it changed, the candidates are composed again over what is there now (the
    editor's save, whole) and written only if the file still holds exactly
    that at the moment of the rename.
    """
    for _ in range(SAVE_RETRIES):
        current = _read(path)
        if current != existing:
            if existing is not None and current is None:
                raise NewError(f"{path}: the issue was deleted while `digest new` ran; nothing written."
                               " Run it again to draft a new one")  # fmt: skip
            report.saved_meanwhile = True
            existing = current
            data = _compose(report, path, existing, kept, replacements, proposed, settings)
        if data is None:
            return None
        if write_if_unchanged(path, data, existing):
            return data
    raise NewError(f"{path}: the file kept changing while `digest new` wrote it; nothing written. Run it again")


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


def _warn(report: NewReport, message: str) -> None:
    report.warnings.append(message)
    log.warning("%s", message)
