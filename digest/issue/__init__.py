"""The issue source file: YAML front matter, an intro, and level-2 sections.

A level-2 heading that carries an arXiv reference is a paper section, its
body the editor's notes; other level-2 headings are editorial sections.
HTML comments are the editor's scratch space and never reach the output,
except ``<!-- digest:paper ... -->`` blocks, which carry the paper's metadata
(YAML) as `digest new` wrote it (format: docs/issue-format.md).

The package owns the issue files: this module reads one into `Issue` and its
`Section`s (comments, headings, the ``digest:paper`` metadata, read by PyYAML);
`frontmatter` reads the front matter, `links` finds Markdown links, `notes`
parses the editor's Markdown, and `history` reads the past issues in `issues/`.

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from digest.errors import InputError
from digest.ids import ARXIV_URL as _ARXIV_URL
from digest.ids import LOOKS_LIKE_ID, ArxivId, parse_id
from digest.issue.frontmatter import (
    _PLAIN_KEY,
    FRONT_KEYS,
    _loader,
    _plain_front_matter,
    _plain_value,
    _yaml,
    front_matter,
    issue_date,
    key_line,
)
from digest.issue.links import _LINK, Link, first_link
from digest.tex import has_bidi, strip_bidi

__all__ = [
    "FRONT_KEYS", "META_MARK", "STATUSES", "Issue", "Link", "Section", "decode_issue", "first_link", "heading_text",
    "line_of", "load_issue", "parse_issue", "read_issue_text",
    # private, re-exported for digest.draft.text and the tests that hold the fast paths to the slow ones
    "_LINK", "_PLAIN_KEY", "_loader", "_plain_front_matter", "_plain_value", "_yaml",
]  # fmt: skip

STATUSES = ("draft", "ready")
META_MARK = "digest:paper"
# Every parser here is linear in its input: headings, links and front matter lines are read
# by string scans, not by regular expressions that backtrack (a 1 MB line of `## ##   ...`
# or `[a](` once took minutes). tests/test_hardening.py feeds each such shape.
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
_TICKS = re.compile(r"`+")


@dataclass
class Section:
    """A level-2 section: a paper (``paper_id`` set) or an editorial section."""

    heading: str
    """The heading text as written, after `## `."""
    line: int
    notes: str
    """The body as Markdown, HTML comments removed, stripped."""
    paper_id: ArxivId | None = None
    title: str | None = None
    """For a paper: the title the editor wrote in the heading link, if any."""
    url: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    """From a ``<!-- digest:paper -->`` block: id, authors, categories, score, abstract, ..."""

    @property
    def is_paper(self) -> bool:
        return self.paper_id is not None


@dataclass
class Issue:
    """A parsed issue file: its front matter, intro and sections, with their line numbers."""

    path: Path
    date: date
    headline: str = ""
    title: str | None = None
    """An explicit title from the front matter; otherwise `title_format` applies."""
    sponsor: str | None = None
    unannotated: str | None = None
    status: str | None = None
    """``draft`` or ``ready`` from the front matter; None when the file does not say."""
    status_line: int | None = None
    """The front matter line of ``status:``, for messages about it; None when there is none."""
    intro: str = ""
    sections: list[Section] = field(default_factory=list)

    @property
    def papers(self) -> list[Section]:
        return [s for s in self.sections if s.is_paper]

    @property
    def stem(self) -> str:
        return self.path.stem


def load_issue(path: str | Path) -> Issue:
    """Read and check an issue file; raises `InputError` naming the line."""
    path = Path(path)
    return parse_issue(read_issue_text(path), path)


def read_issue_text(path: Path) -> str:
    """The issue file's text; an `InputError` (with the line of a bad byte) if it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, None, f"cannot read the issue ({exc.strerror})") from None
    return decode_issue(path, raw)


def decode_issue(path: Path, raw: bytes) -> str:
    """An issue file's bytes as text (a BOM dropped); an `InputError` naming the line of a bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(path, line, "not UTF-8 text; save the file as UTF-8") from None


def parse_issue(text: str, path: str | Path = "<issue>", duplicates: list[tuple[int, str, int]] | None = None) -> Issue:
    """The issue in ``text``. A paper covered twice is an error, unless ``duplicates`` is
    given: then each repeat is listed there as (line, id, first line) and kept as an
    editorial section, so `digest check` can report every one."""
    path = Path(path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    front, body_start = front_matter(lines, path)
    issue = Issue(path=path, date=issue_date(front, lines, path))
    for key in ("headline", "title", "sponsor", "unannotated", "status"):
        value = front.get(key)
        if value is not None and not isinstance(value, (str, int, float)):
            raise InputError(path, key_line(lines, key), f"{key} must be text, not {type(value).__name__}")
        if value is not None:
            setattr(issue, key, str(value).strip())
    if issue.unannotated not in (None, "skip", "abstract"):
        raise InputError(path, key_line(lines, "unannotated"), "unannotated must be skip or abstract")
    if "status" in front:
        # `status:` with nothing after it (or `~`) reads as null: a status left blank, not an issue
        # without one (that one is published), so it is refused like any other value.
        issue.status_line = key_line(lines, "status")
        if issue.status not in STATUSES:
            got = "nothing" if not issue.status else repr(issue.status)
            raise InputError(path, issue.status_line, f"status: expected draft or ready, got {got}")
    visible, comments = strip_comments(lines, body_start, path)
    _split_sections(issue, visible, comments, path, duplicates)
    return issue



def strip_comments(
    lines: list[str], start: int, path: Path
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Visible (line number, text) pairs and the HTML comments, outside code fences.

    A line that held only a comment becomes a blank line, which keeps
    paragraphs apart as the comment did.
    """
    visible, comments, _ = _scan(lines, start, path)
    return visible, comments


def _scan(lines: list[str], start: int, path: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str]], int | None]:
    """`strip_comments`' pairs, and the line of the code fence the text ends inside (None: it does not)."""
    visible: list[tuple[int, str]] = []
    comments: list[tuple[int, str]] = []
    fence: str | None = None
    fence_at = 0
    open_at = 0
    buf: list[str] = []
    for n in range(start, len(lines)):
        lineno, line = n + 1, lines[n]
        pos = 0  # where the rest of the line starts (indices, not slices: many comments on one line stay linear)
        had_comment = False
        if open_at:
            end = line.find("-->")
            if end < 0:
                buf.append(line)
                continue
            buf.append(line[:end])
            comments.append((open_at, "\n".join(buf)))
            open_at, buf, pos, had_comment = 0, [], end + 3, True
        elif fence:
            visible.append((lineno, line))
            if line.strip().startswith(fence) and set(line.strip()) == {fence[0]}:
                fence = None
            continue
        elif m := _FENCE.match(line):
            fence, fence_at = m["fence"], lineno
            visible.append((lineno, line))
            continue
        out: list[str] = []
        runs = tick_runs(line) if "`" in line else {}  # once a line: each code span's close is then a lookup
        while True:
            s = comment_start(line, pos, runs)
            if s < 0:
                out.append(line[pos:])
                break
            had_comment = True
            out.append(line[pos:s])
            e = line.find("-->", s + 4)
            if e < 0:
                open_at, buf = lineno, [line[s + 4 :]]
                break
            comments.append((lineno, line[s + 4 : e]))
            pos = e + 3
        text = "".join(out)
        visible.append((lineno, "" if had_comment and not text.strip() else text))
    if open_at:
        raise InputError(path, open_at, "HTML comment '<!--' is never closed: add '-->'")
    return visible, comments, (fence_at if fence else None)


def comment_start(line: str, pos: int = 0, runs: dict[int, list[int]] | None = None) -> int:
    """Where the next ``<!--`` from ``pos`` opens a comment, or -1. One inside a code span
    (`` `<!-- ... -->` ``, Markdown's own rule: the backticks come first) is text, not a comment."""
    s = line.find("<!--", pos)
    while s >= 0:
        tick = line.find("`", pos, s)
        if tick < 0:
            return s
        run = _TICKS.match(line, tick)
        assert run is not None
        if tick and line[tick - 1] == "\\":  # an escaped backtick opens no code span
            pos = tick + 1
            continue
        if runs is None:
            runs = tick_runs(line)
        ends = runs.get(len(run[0]), [])  # the span closes at the next run as long as it
        i = bisect_left(ends, run.end() + len(run[0]))  # (a run that starts at or after this one's end)
        pos = ends[i] if i < len(ends) else run.end()  # past the code span; unmatched backticks are text
        if pos > s:  # the `<!--` found was inside the span: look again only then (linear on long lines)
            s = line.find("<!--", pos)
    return -1


def tick_runs(line: str) -> dict[int, list[int]]:
    """The ends of ``line``'s backtick runs, by run length, in order (`comment_start`'s ``runs``):
    found once per line, so that finding each code span's closing run is a lookup, not a scan to
    the line's end."""
    out: dict[int, list[int]] = {}
    for m in _TICKS.finditer(line):
        out.setdefault(m.end() - m.start(), []).append(m.end())
    return out


def open_fence_line(lines: list[str]) -> int | None:
    """The line of the code fence the text ends inside, by `strip_comments`' own rule (a fence
    inside an HTML comment is no fence), if it does. ``lines`` must hold no comment left open."""
    return _scan(lines, 0, Path("<issue>"))[2]


def heading_text(line: str) -> str | None:
    """The text of a level-2 ATX heading line (``## text``, an optional closing ``##``
    dropped), or None when ``line`` is not one. Up to three spaces may come first."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or not stripped.startswith("##"):
        return None
    rest = stripped[2:]
    if rest and rest[0] not in " \t":
        return None  # `###` or `##text`
    body = rest.strip(" \t")
    if body.endswith("#"):
        before = body.rstrip("#")
        if before and before[-1] in " \t":
            return before.rstrip(" \t")  # a closing sequence: `## Title ##`
    return body


def _split_sections(
    issue: Issue, visible: list[tuple[int, str]], comments: list[tuple[int, str]], path: Path,
    duplicates: list[tuple[int, str, int]] | None,
) -> None:  # fmt: skip
    heads: list[tuple[int, str]] = []
    fence: str | None = None
    for i, (_, text) in enumerate(visible):
        m = _FENCE.match(text)
        if fence:
            if text.strip().startswith(fence) and set(text.strip()) == {fence[0]}:
                fence = None
        elif m:
            fence = m["fence"]
        elif (heading := heading_text(text)) is not None:
            heads.append((i, heading.strip()))
    bounds = [i for i, _ in heads] + [len(visible)]
    issue.intro = _join(visible[: bounds[0]])
    seen: dict[str, int] = {}
    metas = iter([(c_line, c_text) for c_line, c_text in comments if c_text.lstrip().startswith(META_MARK)])
    meta = next(metas, None)
    for k, (i, heading) in enumerate(heads):
        lineno = visible[i][0]
        section = _section(heading, lineno, path)
        section.notes = _join(visible[i + 1 : bounds[k + 1]])
        next_line = visible[bounds[k + 1]][0] if bounds[k + 1] < len(visible) else 10**9
        while meta is not None and meta[0] < next_line:  # comments are in line order: one pass over them
            if meta[0] > lineno:
                section.meta = _meta(meta[1], meta[0], path)
            meta = next(metas, None)
        if section.paper_id is not None:
            base = section.paper_id.base
            if base in seen and duplicates is None:
                raise InputError(
                    path, lineno, f"paper {base} is already covered at line {seen[base]}; merge the two sections"
                )
            if base in seen:
                duplicates.append((lineno, base, seen[base]))  # type: ignore[union-attr]
                section = Section(f"Duplicate of line {seen[base]}", lineno, section.notes)
            else:
                seen[base] = lineno
        issue.sections.append(section)


def _join(pairs: list[tuple[int, str]]) -> str:
    # Two trailing spaces after text are a hard line break in Markdown: keep them.
    text = "\n".join(t if t.endswith("  ") and t.strip() else t.rstrip() for _, t in pairs)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n").rstrip()


def _section(heading: str, lineno: int, path: Path) -> Section:
    section = Section(heading=heading, line=lineno, notes="")
    link = first_link(heading)
    if link and (m := _ARXIV_URL.match(link.url)):
        ident = parse_id(m["id"])
        if ident is None:
            raise InputError(path, lineno, f"{m['id']!r} in the link is not an arXiv id (e.g. 2210.11399 or hep-th/9901001)")
        text = link.text.strip()
        section.paper_id = ident
        section.url = link.url
        section.title = None if not text or parse_id(text) else strip_bidi(text)
        return section
    bare = heading.strip()
    if LOOKS_LIKE_ID.match(bare):
        ident = parse_id(bare)
        if ident is None:
            raise InputError(path, lineno, f"{bare!r} is not an arXiv id (e.g. arXiv:2210.11399 or hep-th/9901001)")
        section.paper_id = ident
    return section


def _meta(text: str, line: int, path: Path) -> dict[str, Any]:
    """A ``digest:paper`` comment's metadata (PyYAML, safe loading), direction controls removed."""
    import yaml

    block = text.lstrip()[len(META_MARK) :]
    try:
        data = _yaml(block) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        at = line + (mark.line if mark is not None else 0)
        raise InputError(path, at, "the digest:paper comment is not valid YAML; fix it or delete the comment") from None
    if not isinstance(data, dict):
        raise InputError(path, line, "the digest:paper comment must hold key: value lines")
    return _without_bidi(data) if has_bidi(block) else data


def _without_bidi(value: Any) -> Any:
    """The comment's values without direction controls: they hold arXiv's text (title,
    authors, abstract, comment), which must not reorder what a reader sees."""
    if isinstance(value, str):
        return strip_bidi(value)
    if isinstance(value, list):
        return [_without_bidi(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_bidi(v) for k, v in value.items()}
    return value


def line_of(raw: list[str], needle: str, start: int) -> int:
    """The first line (1-based) from ``start`` on of the file's ``raw`` lines that holds
    ``needle``, for a finding about it; ``start`` when none does."""
    for n in range(max(start, 1), len(raw) + 1):
        if needle in raw[n - 1]:
            return n
    return max(start, 1)
