"""The issue file of a `digest new` run: read it, compose its new bytes, write them without losing a save.

A new issue gets front matter, a comment telling the editor what to do, and one
section per candidate, best first; on an existing issue the new candidates are
appended after the last section, the old bytes a prefix of the new file, or the
file is not written at all (`compose`). The editor may save the issue while the
run fetches: just before writing, the file is read again and the candidates are
appended to what is there then (`write`); nothing the editor wrote is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from digest.draft.text import appended, existing_papers, front_matter, intro_comment, sections_text, suggested_headline
from digest.errors import DigestError
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
    covered papers, and the ids earlier runs proposed (a section the editor deleted stays deleted)."""

    kept: list[Ranked]
    replacements: list[tuple[Ranked, Coverage]]
    proposed: set[str]


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
    kept, proposed = proposal.kept, proposal.proposed
    report.created = existing is None
    report.already = sum(r.paper.id in in_file for r in kept)
    report.skipped_deleted = sum(r.paper.id in proposed and r.paper.id not in in_file for r in kept)
    report.added = [r for r in kept if r.paper.id not in in_file and r.paper.id not in proposed]
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
                               " Run it again to draft a new one")  # fmt: skip
            report.saved_meanwhile = True
            existing = current
            data = compose(report, existing, proposal, settings)
        if data is None:
            return None
        if write_if_unchanged(path, data, existing):
            return data
    raise NewError(f"{path}: the file kept changing while `digest new` wrote it; nothing written. Run it again")
