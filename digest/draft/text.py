"""The text `digest new` writes: front matter, the canonical section of each candidate
(linked heading and ``<!-- digest:paper -->`` comment, format: docs/issue-format.md),
and appending to an issue without changing a byte already there.

`digest.draft` runs `digest new` and uses these.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from digest.errors import InputError
from digest.issue import _LINK, decode_issue, parse_issue

if TYPE_CHECKING:
    from digest.draft.ranking import Ranked
    from digest.draft.selection import IssueWindow
    from digest.issue.history import Coverage
    from digest.paper import Paper

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
                  why: tuple[str, ...] = ()) -> str:  # fmt: skip
    """A candidate's section: heading, metadata comment (with why it ranks where it does), and a
    blank line for the notes."""
    return f"{heading(paper)}\n<!-- digest:paper\n{_dump(metadata(paper, score, covered_in, why))}-->\n\n"


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


def appended(existing: bytes, addition: str) -> bytes:
    """``existing`` + ``addition``, after a blank line, in the file's own line ends."""
    if not addition:
        return existing
    crlf = b"\r\n" in existing
    nl = b"\r\n" if crlf else b"\n"
    sep = b""
    if existing and not existing.endswith(b"\n"):
        sep += nl
    if existing and not (existing + sep).endswith(nl + nl):
        sep += nl
    body = addition.encode("utf-8")
    return existing + sep + (body.replace(b"\n", b"\r\n") if crlf else body)


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
        raise InputError(path, None, "cannot append candidates: the file ends inside a code block,"
                         " so new sections would not be read; close it and run again")  # fmt: skip
    return {s.paper_id.base for s in issue.papers if s.paper_id is not None}


def suggested_headline_key(day: str) -> str:
    """Where `digest new` keeps the headline it suggested for the issue of ``day``."""
    return f"suggested-headline:{day}"
