"""What a `digest new` run did: `NewReport`, read by the command as text (`lines`) or ``--json`` (`to_dict`).

The steps of `digest.draft.run_new` fill it in as they go; the command also logs its
`summary` in ``.digest/runs.log`` (`digest.draft.runlog`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.errors import ExitCode

if TYPE_CHECKING:
    from digest.draft.ranking import Ranked
    from digest.draft.selection import IssueWindow
    from digest.fetch import FetchReport
    from digest.issue.history import Coverage

NEWEST_FIRST = "newest first (no profile)"
RANKED_BY = "best first by a model learnt from your seeds, earlier issues and the papers you passed over"
"""How the report says the candidates were ordered: without a profile, and by the ranking's model."""
PASSED_OVER = "papers you passed over"
"""The profile entry counting the papers passed over: the model learns from them only beside seeds or earlier issues."""


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
    ranked_by: str = NEWEST_FIRST
    profile: dict[str, int] = field(default_factory=dict)
    candidates: int = 0
    cut: int = 0
    """The candidates within the limit (max_candidates or --limit)."""
    left_out: int = 0
    """The candidates past the limit that wait in `digest triage`: not decided there, not in the file."""
    lowest_kept: float | None = None
    already: int = 0
    """The candidates (within the limit or not) that the file has a section for."""
    skipped_deleted: int = 0
    dismissed: int = 0
    """The candidates dismissed in `digest triage` that the file has no section for: never drafted."""
    added: list[Ranked] = field(default_factory=list)
    replacements: list[tuple[Ranked, Coverage]] = field(default_factory=list)
    text: str = ""
    """What was (or with --dry-run, would be) appended."""
    warnings: list[str] = field(default_factory=list)
    pending: str | None = None
    """What arXiv has yet to announce, for the next draft (None for an issue of the past)."""
    saved_meanwhile: bool = False
    """The editor saved the issue while the run fetched; the candidates went after that save."""
    attention: list[str] = field(default_factory=list)
    """The warnings (also in ``warnings``) a person has to act on: shown under ``-q`` too (cron's
    form) and kept in ``.digest/runs.log``. Papers left out of the draft are one."""

    @property
    def incomplete(self) -> str | None:
        """The line saying the run's fetch read less than arXiv holds (exit 1), or None."""
        f = self.fetch
        if f is None or not (f.short or f.missing):
            return None
        why = f.short or (f"arXiv reported {f.missing} more entries than it served; fetch those days in shorter"
                          " windows with `digest fetch --since/--until`")  # fmt: skip
        return f"{self.path.name}: drafted from what the store holds; incomplete: {why}"

    @property
    def exit_code(self) -> int:
        if self.fetch_error:
            return int(ExitCode.UNAVAILABLE)
        return int(ExitCode.ERROR) if self.incomplete else int(ExitCode.OK)

    def summary(self) -> str:
        verb = "would add" if self.dry_run else ("drafted" if self.created else "added")
        return f"{self.path.name}: {verb} {len(self.added)} candidates and {len(self.replacements)} new versions"

    def logged(self) -> str:
        """The run's line in ``.digest/runs.log``: the summary, and what needs a person."""
        extra = [f"warning: {w}" for w in self.attention] + [e for e in (self.incomplete, self.fetch_error) if e]
        return "; ".join([self.summary(), *extra])

    def ranking(self) -> str:
        """How the candidates were ordered, and what from: one statement."""
        prof = ", ".join(f"{n} {k}" for k, n in self.profile.items())
        learnt = {k: n for k, n in self.profile.items() if k != PASSED_OVER}
        if self.ranked_by != NEWEST_FIRST:
            return f"{self.ranked_by} (profile: {prof})" if prof else self.ranked_by
        if not learnt:
            passed = self.profile.get(PASSED_OVER)
            wait = f"; {passed} {PASSED_OVER} wait for a profile" if passed else ""
            return f"newest first (no seeds or earlier issues to learn from{wait})"
        if not self.candidates:
            return f"none to rank (profile: {prof})"
        return f"newest first (no word of the profile to learn from; profile: {prof})"

    def lines(self) -> list[str]:
        out = [f"{self.summary()} (announced {self.window.reason})"]
        if self.fetch is not None:
            f = self.fetch
            for i, w in enumerate(f.windows, 1):  # the run's totals once, on the last window's line
                totals = f" ({f.new} new, {f.updated} updated, {f.requests} requests)" if i == len(f.windows) else ""
                out.append(f"network: {w.via} {w.since}..{w.until}: {w.status}, {w.fetched} entries{totals}")
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
        out.append(f"ranking: {self.ranking()}")
        low = "" if self.lowest_kept is None else f", lowest score kept {self.lowest_kept:.4f}"
        triage, others = f"`digest triage {self.date}`", self.candidates - self.cut - self.left_out
        wait = f"; {self.left_out} more wait in {triage}" if self.left_out else ""
        if others:  # past the limit, but drafted by an earlier run or decided in triage
            wait += (f" ({others} others are in the file or decided there)" if wait
                     else f"; the {others} others are in the file or decided in {triage}")  # fmt: skip
        out.append(f"kept {self.cut} of {self.candidates} candidates{low}{wait}")
        if self.already or self.skipped_deleted or self.dismissed:
            gone = f"; dismissed in `digest triage`, not added: {self.dismissed}" if self.dismissed else ""
            out.append(f"already in the file: {self.already}; deleted by the editor, not added again:"
                       f" {self.skipped_deleted}{gone}")  # fmt: skip
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
            "incomplete": self.incomplete, "attention": self.attention,
            "in_window": self.in_window, "covered": self.covered, "not_matching": self.not_matching,
            "ranked_by": self.ranked_by, "profile": self.profile, "candidates": self.candidates,
            "left_out": self.left_out, "lowest_kept": self.lowest_kept, "already": self.already,
            "skipped_deleted": self.skipped_deleted, "dismissed": self.dismissed,
            "added": [{"id": r.paper.versioned_id, "title": r.paper.title, "score": r.score} for r in self.added],
            "replacements": [{"id": r.paper.versioned_id, "title": r.paper.title, "covered_in": c.issue_date.isoformat()}
                             for r, c in self.replacements],
            "exit_code": self.exit_code,
        }  # fmt: skip
