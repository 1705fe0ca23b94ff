"""The issue file of a `digest new` run: read it, compose its new bytes, write them without losing a save.

A new issue gets front matter, a comment telling the editor what to do, and one
section per candidate, best first; on an existing issue the new candidates are
appended after the last section, the old bytes a prefix of the new file, or the
file is not written at all (`compose`). The editor may save the issue while the
run fetches: just before writing, the file is read again and the candidates are
appended to what is there then (`write`); nothing the editor wrote is lost.

`digest new --figures` writes the same way (`write_figures`): each kept paper's
figure comment goes right after its ``digest:paper`` comment, in one
compare-and-swap write of the whole file, composed again over a save made meanwhile.
An issue file that is a symlink (to the editor's copy in a synced folder, say) is
written through (`digest.files.write_if_unchanged`): the file it names gets the
bytes and the link stays a link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.draft.text import (
    appended,
    existing_papers,
    front_matter,
    intro_comment,
    sections_text,
    suggested_headline,
    wanting_figures,
    with_figure_comments,
)
from digest.errors import DigestError, ExitCode
from digest.files import write_if_unchanged
from digest.issue.history import issue_files

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.draft.ranking import Ranked
    from digest.draft.report import NewReport
    from digest.issue.history import Coverage

SAVE_RETRIES = 5
"""How often `write` starts over when the editor saves the issue while `digest new` writes it."""


class NewError(DigestError):
    """The run stopped without writing (the issue vanished or kept changing under it)."""


@dataclass(frozen=True)
class IssueFile:
    """The issue as the run found it: ``existing`` is None for an issue not drafted yet."""

    path: Path
    existing: bytes | None
    files: list[tuple[date, Path]]
    """Every issue file in the folder (`issue_files`), listed once for the run."""


@dataclass(frozen=True)
class Proposal:
    """What the run proposes for the file: the kept candidates (best first), the new versions of
    covered papers, the ids earlier runs proposed (a section the editor deleted stays deleted),
    the editor's triage decisions (a dismissed paper is never drafted; a kept one whose section
    was deleted stays deleted) and the ids of the candidates past the limit, best first."""

    kept: list[Ranked]
    replacements: list[tuple[Ranked, Coverage]]
    proposed: set[str]
    decisions: dict[str, str] = field(default_factory=dict)
    beyond: list[str] = field(default_factory=list)


def read_issue(issues_dir: Path, issue_date: date) -> IssueFile:
    """The issue's bytes as they are now; a file that does not parse stops the run before any fetch."""
    files = issue_files(issues_dir)  # listed once: its warnings print once
    path = issues_dir / f"{issue_date.isoformat()}.md"
    existing = read_bytes(path)
    if existing is not None:
        existing_papers(path, existing)
    return IssueFile(path, existing, files)


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes, None when there is no such file (any other error is the run's)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def compose(report: NewReport, existing: bytes | None, proposal: Proposal, settings: Settings) -> bytes | None:
    """The file's new bytes over ``existing`` (None: nothing to write); fills the report's lists."""
    in_file = existing_papers(report.path, existing) if existing is not None else set()
    decided = proposal.decisions
    dismissed = {pid for pid, d in decided.items() if d == "dismissed"}
    taken = proposal.proposed | {pid for pid, d in decided.items() if d == "kept"}
    fresh = [r for r in proposal.kept if r.paper.id not in in_file]
    beyond = [pid for pid in proposal.beyond if pid not in in_file]
    report.created = existing is None
    report.already = len(proposal.kept) - len(fresh) + len(proposal.beyond) - len(beyond)
    report.dismissed = sum(r.paper.id in dismissed for r in fresh) + sum(pid in dismissed for pid in beyond)
    report.skipped_deleted = sum(r.paper.id in taken and r.paper.id not in dismissed for r in fresh)
    report.left_out = sum(pid not in decided for pid in beyond)  # what waits in `digest triage`
    report.added = [r for r in fresh if r.paper.id not in taken and r.paper.id not in dismissed]
    report.replacements = [(r, c) for r, c in proposal.replacements if r.paper.id not in in_file]
    report.text = sections_text(report.added, report.replacements)
    if existing is None:
        text = (front_matter(report.date, suggested_headline([r.paper for r in report.added]), settings.sponsor)
                + "\n" + intro_comment(len(report.added), report.window, report.ranked_by) + report.text)  # fmt: skip
        report.text = text
        return text.encode()
    if not report.added and not report.replacements:
        return None
    return appended(existing, report.text)


def write(report: NewReport, existing: bytes | None, data: bytes | None, proposal: Proposal,
          settings: Settings) -> bytes | None:  # fmt: skip
    """Write ``data`` only over the bytes it was made from; an editor's save since then is kept.

    The fetch can take minutes. Just before writing, the file is read again; if
    it changed, the candidates are composed again over what is there now (the
    editor's save, whole) and written only if the file still holds exactly
    that at the moment of the rename.
    """
    path = report.path
    for _ in range(SAVE_RETRIES):
        current = read_bytes(path)
        if current != existing:
            if existing is not None and current is None:
                raise NewError(f"{path}: the issue was deleted while `digest new` ran; nothing written."
                               f" `digest new --date {path.stem}` drafts a new one without the papers proposed"
                               f" before; `digest triage {path.stem}` keeps any of them")  # fmt: skip
            report.saved_meanwhile = True
            existing = current
            data = compose(report, existing, proposal, settings)
        if data is None:
            return None
        if write_if_unchanged(path, data, existing):
            return data
    raise NewError(f"{path}: the file kept changing while `digest new` wrote it; nothing written. Run it again")


@dataclass
class FiguresReport:
    """What `digest new --figures` did: the papers whose section got its figure comment, the ones
    skipped and why (one line each), and whether arXiv could not be reached."""

    path: Path
    offline: bool = False
    added: list[str] = field(default_factory=list)
    """The versioned ids whose figure comment was written, in file order."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Why a kept paper got no figure comment, by the id asked for: one line, saying what to do."""
    notes: list[str] = field(default_factory=list)
    """Warnings of the lookups (a licence arXiv's OAI-PMH did not give)."""
    unavailable: bool = False
    """arXiv did not answer for at least one paper."""
    requests: int = 0
    saved_meanwhile: bool = False

    @property
    def exit_code(self) -> int:
        """3 when nothing could be done because arXiv was unavailable, else 0."""
        return int(ExitCode.UNAVAILABLE) if self.unavailable and not self.added else int(ExitCode.OK)

    def summary(self) -> str:
        return f"figures for {len(self.added)} kept papers, {len(self.skipped)} skipped"

    def lines(self) -> list[str]:
        how = "the store's cache only: --offline" if self.offline else f"{self.requests} requests"
        if not self.added and not self.skipped:
            return [f"figures: nothing to add: every paper kept in {self.path.name} has its figure comment ({how})"]
        out = [f"figures: added to {len(self.added)} kept papers in {self.path.name},"
               f" {len(self.skipped)} skipped ({how})"]  # fmt: skip
        out += [f"  + figures {vid}" for vid in self.added]
        out += [why if why.startswith(ref) else f"{ref}: {why}" for ref, why in self.skipped.items()]
        out += [f"warning: {note}" for note in self.notes]
        if self.saved_meanwhile:
            out.append("the issue was saved while the figures were fetched: the comments went into that save")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"added": list(self.added), "skipped": dict(self.skipped), "requests": self.requests,
                "saved_meanwhile": self.saved_meanwhile, "exit_code": self.exit_code}  # fmt: skip


def write_figures(report: FiguresReport, kept: set[str],
                  comment: Callable[[str, str], tuple[str, str] | None]) -> None:  # fmt: skip
    """Put the figure comment of each kept paper without one into the issue, in one compare-and-swap write.

    ``comment(base, ref)`` gives a paper's comment and the versioned id it names (None: skipped,
    and the report says why); it is asked once per paper, also when the editor saves meanwhile
    and the file is composed again.
    """
    path = report.path
    comments: dict[str, tuple[str, str] | None] = {}
    for _ in range(SAVE_RETRIES):
        existing = read_bytes(path)
        if existing is None:
            raise NewError(f"{path}: no issue to add figures to; run `digest new --date {path.stem}` first")
        wanted = wanting_figures(path, existing, kept)  # raises InputError: the file is left alone
        for base, ref in wanted:
            if ref not in comments:  # by version: the comment names the version the issue names now
                comments[ref] = comment(base, ref)
        # what is reported is about the papers still wanted (one undone in triage meanwhile is not)
        refs = {ref for _, ref in wanted}
        report.skipped = {ref: why for ref, why in report.skipped.items() if ref in refs}
        ready = {base: found[0] for base, ref in wanted if (found := comments.get(ref))}
        data, placed = with_figure_comments(path, existing, ready) if ready else (existing, [])
        for base, ref in wanted:
            if ready.get(base) and base not in placed:
                report.skipped[ref] = (f"{ref}: its digest:paper comment ends on a line that opens another comment;"
                                       f" run `digest figures {ref} --markdown` and paste by hand")  # fmt: skip
        if not placed:
            return
        if write_if_unchanged(path, data, existing):
            ref_of = dict(wanted)
            report.added = [found[1] for base in placed if (found := comments.get(ref_of[base]))]
            return
        report.saved_meanwhile = True
        report.skipped = {k: v for k, v in report.skipped.items() if not v.endswith("paste by hand")}
    raise NewError(f"{path}: the file kept changing while `digest new --figures` wrote it; nothing written."
                   " Run it again")  # fmt: skip

