"""The text `digest new` writes: front matter, the canonical section of each candidate
(linked heading and ``<!-- digest:paper -->`` comment, format: docs/issue-format.md),
appending to an issue without changing a byte already there, and the figure comment
(`digest.figures.figures_comment`) placed right after a kept paper's ``digest:paper``
comment, a comment the rendered issue never shows.

`digest.draft` runs `digest new` and uses these.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from digest.errors import InputError
from digest.figures import cached_figures, figures_comment, has_figure_comment
from digest.ids import parse_id
from digest.issue import _LINK, decode_issue, open_fence_line, parse_issue

if TYPE_CHECKING:
    from digest.draft.ranking import Ranked
    from digest.draft.selection import IssueWindow
    from digest.issue import Issue
    from digest.issue.history import Coverage
    from digest.paper import Paper
    from digest.store import Store

REPLACEMENTS_NOTE = "<!-- digest: new versions of papers covered in earlier issues; write notes to cover one again -->"
HEADLINE_PAPERS = 3


# -- text ------------------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    """Multi-line text as literal blocks; lists and small mappings in flow style."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)


def _safe(value: Any) -> Any:
    """``value`` with every ``-->`` written as ``-- >`` so it cannot close the comment."""
    if isinstance(value, str):
        while "-->" in value:
            value = value.replace("-->", "-- >")
        return value
    if isinstance(value, list):
        return [_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _safe(v) for k, v in value.items()}
    return value


def _dump(data: dict[str, Any]) -> str:
    text = yaml.dump(_safe(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**9,
                     default_flow_style=None)  # fmt: skip
    return text.replace("-->", "-- >")  # belt and braces: nothing the dumper made may close the comment


def _day(value: datetime | None) -> date | None:
    return value.astimezone(timezone.utc).date() if value is not None else None


def metadata(paper: Paper, score: float | None, covered_in: date | None = None,
             why: tuple[str, ...] = ()) -> dict[str, Any]:  # fmt: skip
    """The ``digest:paper`` mapping for ``paper``, keys in the documented order."""
    authors: list[Any] = [{"name": a.name, "affiliation": a.affiliation} if a.affiliation else a.name
                          for a in paper.authors]  # fmt: skip
    meta: dict[str, Any] = {"id": paper.versioned_id}
    if covered_in is not None:
        meta["covered_in"] = covered_in
    meta.update(
        title=paper.title, authors=authors, categories=list(paper.categories),
        primary_category=paper.primary_category, published=_day(paper.published),
    )  # fmt: skip
    if paper.updated is not None and _day(paper.updated) != _day(paper.published):
        meta["updated"] = _day(paper.updated)
    meta["comment"] = paper.comment
    for key in ("journal_ref", "doi"):
        if getattr(paper, key):
            meta[key] = getattr(paper, key)
    if score is not None:
        meta["score"] = score
    if why:
        meta["why"] = list(why)
    meta["abstract"] = paper.abstract
    return meta


def heading(paper: Paper) -> str:
    """``## [Title](https://arxiv.org/abs/ID)``; the id as link text when the title cannot be written plainly."""

    title = " ".join(paper.title.split())
    line = f"## [{title}]({paper.abs_url})"
    m = _LINK.search(line)
    plain = bool(title) and "<!--" not in title and "-->" not in title
    if not (plain and m and m.start() == 3 and m.end() == len(line) and m["text"].strip() == title):
        line = f"## [arXiv:{paper.id}]({paper.abs_url})"
    return line


def paper_section(paper: Paper, score: float | None, covered_in: date | None = None,
                  why: tuple[str, ...] = (), figures: str = "") -> str:  # fmt: skip
    """A candidate's section: heading, metadata comment (with why it ranks where it does), the
    figure comment when given (``figures``, one HTML comment), and a blank line for the notes."""
    fig = f"{figures}\n" if figures else ""
    return f"{heading(paper)}\n<!-- digest:paper\n{_dump(metadata(paper, score, covered_in, why))}-->\n{fig}\n"


def cached_figure_comment(store: Store | None, paper: Paper, *, sponsored: bool = False) -> str:
    """The figure comment for ``paper``'s section from the store's cache alone ("" when its figures
    are not cached): what `digest triage` adds on a keep, without a request."""
    found = cached_figures(store, paper, sponsored=sponsored)
    return figures_comment(found) if found is not None else ""


def short_name(title: str) -> str:
    """What a headline calls a paper: the part before a colon, an (ACRONYM), or the title."""
    title = " ".join(title.split())
    head, colon, _ = title.partition(":")
    if colon and 0 < len(head.split()) <= 6:
        return head.strip()
    if m := re.search(r"\(([A-Z][\w\-]{1,15})\)", title):
        return m[1]
    words = title.split()
    return title if len(words) <= 8 else " ".join(words[:6]) + "..."


def suggested_headline(papers: list[Paper]) -> str:
    names = [short_name(p.title) for p in papers[:HEADLINE_PAPERS] if p.title.strip()]
    return ", ".join(dict.fromkeys(n for n in names if n))


def front_matter(issue_date: date, headline: str, sponsor: str) -> str:
    data: dict[str, Any] = {"date": issue_date, "status": "draft", "headline": headline}
    if sponsor:
        data["sponsor"] = sponsor
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**9) + "---\n"


def intro_comment(count: int, window: IssueWindow, ranked_by: str) -> str:
    return (
        f"<!-- digest new: {count} candidates announced {window.reason} ({window}), {ranked_by}.\n"
        "Write notes under the papers worth covering; a paper without notes is left out of the issue.\n"
        "Set `status: ready` when it is done: `digest build` publishes only ready issues.\n"
        "Delete a section to drop it for good: re-running `digest new` only appends papers it has not proposed. -->\n\n"
    )


def sections_text(added: list[Ranked], replacements: list[tuple[Ranked, Coverage]]) -> str:
    text = "".join(paper_section(r.paper, r.score, why=getattr(r, "why", ())) for r in added)
    if replacements:
        text += REPLACEMENTS_NOTE + "\n\n"
        text += "".join(paper_section(r.paper, r.score, cov.issue_date, getattr(r, "why", ())) for r, cov in replacements)
    return text


def line_end(existing: bytes) -> bytes:
    """The file's own line end: CRLF if it has one, CR when it has no LF at all (classic Mac), else LF."""
    if b"\r\n" in existing:
        return b"\r\n"
    return b"\r" if b"\r" in existing and b"\n" not in existing else b"\n"


def appended(existing: bytes, addition: str) -> bytes:
    """``existing`` + ``addition``, after a blank line, in the file's own line ends (`line_end`)."""
    if not addition:
        return existing
    nl = line_end(existing)
    sep = b""
    if existing and not existing.endswith(nl[-1:]):  # a missing final line end is added, in the file's own
        sep += nl
    if existing and not (existing + sep).endswith(nl + nl):
        sep += nl
    body = addition.encode("utf-8")
    return existing + sep + (body.replace(b"\n", nl) if nl != b"\n" else body)


PROBE = "## digest new: where candidates go"


def existing_papers(path: Path, existing: bytes) -> set[str]:
    """The base ids of the existing issue's paper sections, checking that appended sections would be read.

    The file is parsed once, with a probe heading appended exactly as
    candidates would be: a broken file raises `InputError` (line numbers are
    the file's own), and so does a file whose end swallows the probe (an open
    code block), since appended candidates would not be sections there.
    """

    issue = parse_issue(decode_issue(path, appended(existing, PROBE + "\n")), path)
    if not issue.sections or issue.sections[-1].heading != PROBE[3:]:
        fence = open_fence_line(existing.decode("utf-8", "replace").splitlines())
        raise InputError(path, fence, "cannot append candidates: the file ends inside the code block opened"
                         " here, so new sections would not be read; close it and try again")  # fmt: skip
    return {s.paper_id.base for s in issue.papers if s.paper_id is not None}


# -- figure comments in an existing issue ------------------------------------------------------
def wanting_figures(path: Path, existing: bytes, kept: set[str]) -> list[tuple[str, str]]:
    """``(base id, the id to fetch)`` of each paper section the editor keeps (it has notes, or its
    id is in ``kept``: triage's decisions) without a figure comment yet, in file order.

    The id to fetch names the version the ``digest:paper`` comment records (the one the editor
    read), else the heading's; raises `InputError` for a file that does not parse.
    """
    issue = parse_issue(decode_issue(path, existing), path)
    lines = existing.splitlines(keepends=True)
    out = []
    for section, start, end in _spans(issue, len(lines)):
        if section.paper_id is None:
            continue
        base = section.paper_id.base
        if not (section.notes or base in kept):
            continue
        if has_figure_comment(b"".join(lines[start:end]).decode("utf-8", "replace"), base):
            continue
        meta = parse_id(str(section.meta.get("id") or ""))
        ref = meta if meta is not None and meta.base == base and meta.version else section.paper_id
        out.append((base, f"{base}v{ref.version}" if ref.version else base))
    return out


def with_figure_comments(path: Path, existing: bytes, comments: dict[str, str]) -> tuple[bytes, list[str]]:
    """``existing`` with each comment of ``comments`` (by base id) on the lines right after its paper
    section's ``digest:paper`` comment (after the heading when there is none), in the file's line
    ends, and the ids placed. No other byte changes, and the file must read the same afterwards
    (headings, notes, metadata): a comment that would not (the ``digest:paper`` comment's last line
    opens another comment) is left out."""
    issue = parse_issue(decode_issue(path, existing), path)
    lines = existing.splitlines(keepends=True)
    nl = line_end(existing)
    places = []
    for section, start, end in _spans(issue, len(lines)):
        if section.paper_id is not None and comments.get(section.paper_id.base):
            places.append((_after_meta(lines, start, end), section.paper_id.base))
    before = _reading(issue)
    data = _insert(lines, places, comments, nl)
    if data != existing and _reads_as(path, data, before):
        return data, [base for _, base in places]
    placed = []  # one at a time, leaving out the one that would change what the file says
    data = existing
    for at, base in reversed(places):  # bottom up: the line numbers above stay right
        trial = _insert(data.splitlines(keepends=True), [(at, base)], comments, nl)
        if _reads_as(path, trial, before):
            data = trial
            placed.insert(0, base)
    return data, placed


def _spans(issue: Issue, count: int) -> list[tuple[Any, int, int]]:
    """Each section with its first line (the heading) and the line after its last, 0-based."""
    starts = [s.line - 1 for s in issue.sections] + [count]
    return [(s, starts[k], starts[k + 1]) for k, s in enumerate(issue.sections)]


_META = re.compile(rb"<!--\s*digest:paper")


def _after_meta(lines: list[bytes], start: int, end: int) -> int:
    """The line after the section's ``digest:paper`` comment (after its heading when it has none)."""
    for i in range(start + 1, end):
        m = _META.search(lines[i])
        if m is None:
            continue
        pos = m.end()
        for j in range(i, end):
            if lines[j].find(b"-->", pos if j == i else 0) >= 0:
                return j + 1
        break
    return start + 1


def _insert(lines: list[bytes], places: list[tuple[int, str]], comments: dict[str, str], nl: bytes) -> bytes:
    out = list(lines)
    for at, base in sorted(places, reverse=True):
        if at > 0 and not out[at - 1].endswith((b"\n", b"\r")):
            out[at - 1] += nl  # the comment closes the file's last line: end it first
        out.insert(at, comments[base].encode("utf-8").replace(b"\n", nl) + nl)
    return b"".join(out)


def _reading(issue: Issue) -> list[Any]:
    return [issue.intro, *((s.heading, s.notes, s.meta) for s in issue.sections)]


def _reads_as(path: Path, data: bytes, reading: list[Any]) -> bool:
    try:
        return _reading(parse_issue(decode_issue(path, data), path)) == reading
    except InputError:
        return False
