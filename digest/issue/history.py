"""The newsletter's past: the issue files in `issues/` and the papers they covered.

`digest new` uses it to leave out papers covered before and to find the
previous issue's date; `digest where` and the archive use it to say which
issues covered a paper. An issue file that cannot be read is reported as a
warning and skipped, so one broken file never hides the rest.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from digest.errors import InputError, UsageError
from digest.ids import ArxivId, parse_reference
from digest.issue import Issue, Section, decode_issue, first_link, parse_issue

log = logging.getLogger(__name__)

_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})\.md$")


@dataclass(frozen=True)
class Coverage:
    """One paper as one issue covered it."""

    paper_id: str
    version: int | None
    issue_date: date
    issue_path: Path
    line: int
    title: str
    annotated: bool
    """True when the editor wrote notes (the paper is in the rendered issue)."""
    published: bool = True
    """False when the issue is a draft (``status: draft``): `digest build` leaves it out."""


def issue_files(folder: Path) -> list[tuple[date, Path]]:
    """Every ``YYYY-MM-DD.md`` in ``folder`` with a real date, oldest first."""
    if not folder.is_dir():
        return []
    out = []
    for path in folder.iterdir():
        m = _DATED.match(path.name)
        if not m or not path.is_file():
            continue
        try:
            out.append((date.fromisoformat(m[1]), path))
        except ValueError:
            log.warning("%s: the file name is not a real date; it is not treated as an issue:"
                        " rename it to the issue's date (YYYY-MM-DD.md)", path)
    return sorted(out)


def previous_issue_date(folder: Path, before: date, files: list[tuple[date, Path]] | None = None) -> date | None:
    """The date of the latest issue strictly before ``before``, if any (``files``: `issue_files` already read)."""
    earlier = [d for d, _ in (issue_files(folder) if files is None else files) if d < before]
    return earlier[-1] if earlier else None


def load_issues(
    folder: Path,
    before: date | None = None,
    errors: list[InputError] | None = None,
    files: list[tuple[date, Path]] | None = None,
    mentioning: list[str] | None = None,
) -> list[Issue]:
    """The parsed issues in ``folder`` (only those dated before ``before`` when given, and
    only those whose text holds one of the ids ``mentioning``: a byte search, so a long
    archive is not parsed to find a few papers).

    Broken files are logged as warnings (and appended to ``errors``) and skipped.
    """
    needles = [m.lower().encode() for m in mentioning] if mentioning is not None else None
    out = []
    for when, path in issue_files(folder) if files is None else files:
        if before is not None and when >= before:
            continue
        try:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise InputError(path, None, f"cannot read the issue ({exc.strerror})") from None
            if needles is not None and not any(n in raw.lower() for n in needles):
                continue
            out.append(parse_issue(decode_issue(path, raw), path))
        except InputError as exc:
            log.warning("%s (skipped)", exc)
            if errors is not None:
                errors.append(exc)
    return out


def coverage(issues: list[Issue], unannotated: str = "skip") -> dict[str, list[Coverage]]:
    """For each base id, every issue that has a section for it, oldest first.

    A paper counts as covered when it has notes, or when the issue renders
    abstracts for unannotated papers (its own ``unannotated:`` or the
    ``unannotated`` setting given here); a drafted-but-unannotated candidate
    is recorded with ``annotated=False``.
    """
    out: dict[str, list[Coverage]] = {}
    for issue in issues:
        for section in issue.papers:
            assert section.paper_id is not None
            meta_id = str(section.meta.get("id") or "")
            version = section.paper_id.version
            if version is None and meta_id.startswith(section.paper_id.base + "v"):
                tail = meta_id[len(section.paper_id.base) + 1 :]
                version = int(tail) if tail.isdigit() else None
            out.setdefault(section.paper_id.base, []).append(
                Coverage(
                    paper_id=section.paper_id.base,
                    version=version,
                    issue_date=issue.date,
                    issue_path=issue.path,
                    line=section.line,
                    title=section.title or str(section.meta.get("title") or ""),
                    annotated=bool(section.notes) or (issue.unannotated or unannotated) == "abstract",
                    published=issue.status != "draft",
                )
            )
    return out


def where(folder: Path, paper: str, unannotated: str = "skip") -> list[Coverage]:
    """Which issues have a section for ``paper`` (any version), oldest first.

    ``paper`` is written any way an issue heading may write it: ``2210.11399``,
    ``arXiv:2210.11399v2``, ``hep-th/9901001``, ``https://arxiv.org/abs/2210.11399``,
    ``arxiv.org/pdf/2210.11399v2`` or a whole heading link ``[Title](https://arxiv.org/abs/...)``.
    Only issue files that mention the id's text are parsed, so this stays fast on a long archive;
    a broken one is a warning.
    """
    ident = paper_reference(paper)
    if ident is None:

        shown = paper if len(paper) <= 60 else paper[:57] + "..."
        raise UsageError(
            f"{shown!r} is not an arXiv id or address (e.g. 2210.11399, hep-th/9901001 or https://arxiv.org/abs/2210.11399)"
        )
    issues = load_issues(folder, mentioning=[ident.base])
    return coverage(issues, unannotated).get(ident.base, [])


def paper_reference(text: str) -> ArxivId | None:
    """The arXiv id in ``text`` written as an issue heading may write it (see `where`), or None."""
    text = text.strip().removeprefix("## ").strip()
    ident = parse_reference(text)
    if ident is None and (link := first_link(text)) is not None and link.span == (0, len(text)):
        ident = parse_reference(link.url)
    return ident


def covered_sections(issues: list[Issue], unannotated: str = "skip") -> list[tuple[Issue, Section]]:
    """The paper sections that count as covered (see `coverage`), oldest issue first."""
    out = []
    for issue in issues:
        mode = issue.unannotated or unannotated
        out += [(issue, s) for s in issue.papers if s.notes or mode == "abstract"]
    return out
