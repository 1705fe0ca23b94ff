"""What a build did (`BuildResult`), and the one-line warnings it says about it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from digest.archive.manifest import IssueRecord
from digest.errors import DigestError

log = logging.getLogger(__name__)


@dataclass
class BuildResult:
    out_dir: Path
    issues: list[IssueRecord] = field(default_factory=list)
    """Every published issue that built, oldest first."""
    rendered: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[DigestError] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    skipped_formats: dict[str, str] = field(default_factory=dict)
    """Formats the settings do not allow (email without ``email.from``), with the reason."""
    unpublished: dict[str, str] = field(default_factory=dict)
    """Issues left out of the public archive, with their status (``draft``)."""
    left_out: dict[str, int] = field(default_factory=dict)
    """Per issue rendered in this build: paper sections left out for want of notes."""


def say_what_was_left_out(result: BuildResult) -> None:
    """The unpublished issues (`say_unpublished`), and in one line, as render and check say it,
    the paper sections left out for want of notes (each with ``digest -v render FILE``)."""
    say_unpublished(result.unpublished)
    if result.left_out:
        n, k = sum(result.left_out.values()), len(result.left_out)
        log.warning("%d candidate%s without notes %s left out of %d issue%s built (`digest -v render FILE` lists them)",
                    n, "s" if n != 1 else "", "are" if n != 1 else "is", k, "s" if k != 1 else "")  # fmt: skip


def say_unpublished(unpublished: dict[str, str]) -> None:
    """One line per status: ``2 drafts not published (status: draft): 2022-11-13, 2022-11-20``."""
    by_status: dict[str, list[str]] = {}
    for stem, status in sorted(unpublished.items()):
        by_status.setdefault(status, []).append(stem)
    for status, stems in by_status.items():
        noun = "draft" if status == "draft" else "issue"
        shown = ", ".join(stems[:5]) + (f" and {len(stems) - 5} more" if len(stems) > 5 else "")
        log.warning("%d %s%s not published (status: %s): %s", len(stems), noun, "" if len(stems) == 1 else "s", status, shown)
