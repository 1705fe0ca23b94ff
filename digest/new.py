"""`digest new`: draft ``issues/D.md`` from the store, or extend it, never changing a byte written.

    report = run_new(settings, date(2022, 10, 23))
    report.added, report.replacements, report.lines()

The run: the issue's window, a fetch (unless offline), the candidates
(`digest.selection`), their ranking (`digest.ranking`), then the text
`digest.draft` writes: a new issue gets front matter, a comment telling the
editor what to do, and one section per candidate, best first; on an existing
issue the new candidates are appended after the last section, the old bytes a
prefix of the new file, or the file is not written at all.

Ids proposed for an issue are remembered in the store (``proposed:D``), so a
section the editor deleted is not added back by the next run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.draft import appended, existing_papers, front_matter, intro_comment, sections_text, suggested_headline
from digest.errors import ExitCode, InputError, UnavailableError

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.fetch import FetchReport
    from digest.history import Coverage
    from digest.ranking import Ranked
    from digest.selection import IssueWindow
    from digest.store import Store

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

    @property
    def exit_code(self) -> int:
        return int(ExitCode.UNAVAILABLE) if self.fetch_error else int(ExitCode.OK)

    def summary(self) -> str:
        verb = "would add" if self.dry_run else ("drafted" if self.created else "added")
        return f"{self.path.name}: {verb} {len(self.added)} candidates and {len(self.replacements)} new versions"

    def lines(self) -> list[str]:
        out = [f"{self.summary()} (window {self.window}, {self.window.reason})"]
        if self.fetch is not None:
            f = self.fetch
            for w in f.windows:
                out.append(f"network: {w.via} {w.since}..{w.until}: {w.status}, {w.fetched} entries"
                           f" ({f.new} new, {f.updated} updated, {f.requests} requests)")  # fmt: skip
        if self.fetch_error:
            out.append(f"network: {self.fetch_error}")
        elif self.offline:
            out.append("network: not asked (--offline or --dry-run); drafting from the store only")
        out.append(f"store: {self.in_window} papers first published in the window; {self.covered} covered before,"
                   f" {self.not_matching} outside arxiv.query, {len(self.replacements)} new versions of covered papers")  # fmt: skip
        prof = ", ".join(f"{n} {k}" for k, n in self.profile.items())
        out.append(f"ranking: {self.ranked_by}" + (f" (profile: {prof})" if prof else ""))
        low = "" if self.lowest_kept is None else f", lowest score kept {self.lowest_kept:.4f}"
        out.append(f"kept {self.candidates - self.left_out} of {self.candidates} candidates, left out {self.left_out}{low}")
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
            "window": {"since": self.window.since.isoformat(), "until": self.window.until.isoformat(),
                       "reason": self.window.reason},
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


def proposed_key(issue_date: date) -> str:
    return f"proposed:{issue_date.isoformat()}"


def run_new(
    settings: Settings,
    issue_date: date,
    *,
    window_days: int | None = None,
    limit: int | None = None,
    offline: bool = False,
    dry_run: bool = False,
    client: Any = None,
    today: date | None = None,
    lock_wait: float | None = None,
) -> NewReport:
    """What `digest new` does; raises `InputError` (file untouched) when the issue does not parse."""
    from contextlib import nullcontext

    from digest.lock import newsletter_lock

    guard = nullcontext() if dry_run else newsletter_lock(settings.root, lock_wait)
    with guard:
        return _run(settings, issue_date, window_days, limit, offline or dry_run, dry_run, client, today)


def _run(settings: Settings, issue_date: date, window_days: int | None, limit: int | None, offline: bool,
         dry_run: bool, client: Any, today: date | None) -> NewReport:  # fmt: skip
    from digest.files import write_atomic
    from digest.history import coverage, issue_files, load_issues
    from digest.ranking import profile_texts, rank
    from digest.selection import compile_query, issue_window, select
    from digest.store import Store

    compile_query(settings.arxiv.query)  # a bad arxiv.query fails here, before any fetch
    issues_dir = settings.path("issues")
    files = issue_files(issues_dir)  # listed once: its warnings print once
    path = issues_dir / f"{issue_date.isoformat()}.md"
    existing: bytes | None = path.read_bytes() if path.is_file() else None
    in_file: set[str] = set()
    if existing is not None:
        in_file = existing_papers(path, existing)
    window = issue_window(issues_dir, issue_date, settings.window_days, window_days, files)
    report = NewReport(path=path, date=issue_date, window=window, created=existing is None, dry_run=dry_run,
                       offline=offline)  # fmt: skip
    store = Store.open_existing(settings.path("store")) if dry_run else Store.open(settings.path("store"))
    try:
        if not offline and store is not None:
            _fetch(settings, store, window, report, client, today)
        errors: list[InputError] = []
        earlier = load_issues(issues_dir, before=issue_date, errors=errors, files=files)
        report.warnings += [str(e) for e in errors]
        covered = coverage(earlier, settings.unannotated)
        if store is None:
            from digest.selection import Selection

            chosen = Selection(window)
            _warn(report, f"{settings.path('store')}: no store yet; run `digest fetch` first")
        else:
            chosen = select(store, window, list(settings.arxiv.categories), settings.arxiv.query, covered)
        report.in_window, report.not_matching, report.covered = chosen.in_window, chosen.not_matching, len(chosen.covered)
        if store is not None and not chosen.in_window:
            _warn(report, f"the store has no papers first published in {window}; run `digest fetch --since {window.since}`")
        profile, report.profile = profile_texts(settings, earlier, store)
        ranked = rank(chosen.candidates, profile)
        if ranked and ranked[0].score is not None:
            report.ranked_by = "best first by TF-IDF similarity to your seeds and earlier issues"
        cap = settings.max_candidates if limit is None else limit
        kept = ranked[:cap] if cap else ranked
        report.candidates, report.left_out = len(ranked), len(ranked) - len(kept)
        report.lowest_kept = kept[-1].score if kept else None
        proposed = set(json.loads(store.get_value(proposed_key(issue_date)) or "[]")) if store else set()
        report.already = sum(r.paper.id in in_file for r in kept)
        report.skipped_deleted = sum(r.paper.id in proposed and r.paper.id not in in_file for r in kept)
        report.added = [r for r in kept if r.paper.id not in in_file and r.paper.id not in proposed]
        from digest.ranking import Ranked

        scores = {r.paper.id: r.score for r in rank([p for p, _ in chosen.replacements], profile)}
        report.replacements = [(Ranked(p, scores.get(p.id)), c) for p, c in chosen.replacements
                               if p.id not in in_file and p.id not in proposed]  # fmt: skip
        report.text = sections_text(report.added, report.replacements)
        new_ids = [r.paper.id for r in report.added] + [r.paper.id for r, _ in report.replacements]
        if existing is None:
            data = (front_matter(issue_date, suggested_headline([r.paper for r in report.added]), settings.sponsor)
                    + "\n" + intro_comment(len(report.added), window, report.ranked_by) + report.text).encode()  # fmt: skip
            report.text = data.decode()
        else:
            data = appended(existing, report.text)
        if dry_run or (existing is not None and not new_ids):
            return report
        write_atomic(path, data)
        if store is not None and new_ids:
            store.set_value(proposed_key(issue_date), json.dumps(sorted(proposed | set(new_ids))))
        return report
    finally:
        if store is not None:
            store.close()


def _fetch(settings: Settings, store: Store, window: IssueWindow, report: NewReport, client: Any,
           today: date | None) -> None:  # fmt: skip
    from digest.arxiv_client import ArxivClient
    from digest.fetch import FetchReport, fetch_api_window

    today = today or datetime.now(timezone.utc).date()
    until = min(window.until, today)
    if window.since > until:
        _warn(report, f"the window {window} has not started yet; nothing to fetch")
        return
    own = client is None
    client = client or ArxivClient.from_settings(settings)
    report.fetch = FetchReport(via="api", store=str(store.path))
    try:
        fetch_api_window(store, client, window.since, until, categories=list(settings.arxiv.categories),
                         query=settings.arxiv.query, report=report.fetch)  # fmt: skip
    except UnavailableError as exc:
        report.fetch_error = f"could not fetch {window.since}..{until}: {exc}"
    finally:
        if own:
            client.close()


def _warn(report: NewReport, message: str) -> None:
    report.warnings.append(message)
    log.warning("%s", message)
