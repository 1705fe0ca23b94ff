"""The issue source file: YAML front matter, an intro, and level-2 sections.

A level-2 heading that carries an arXiv reference is a paper section, its
body the editor's notes; other level-2 headings are editorial sections.
HTML comments are the editor's scratch space and never reach the output,
except ``<!-- digest:paper ... -->`` blocks, which carry the paper's metadata
(YAML) as `digest new` wrote it (format: docs/issue-format.md).
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from digest.errors import InputError
from digest.ids import ARXIV_URL as _ARXIV_URL
from digest.ids import LOOKS_LIKE_ID, ArxivId, parse_id
from digest.issue.frontmatter import read_mapping
from digest.tex import has_bidi, strip_bidi

FRONT_KEYS = ("date", "headline", "title", "sponsor", "unannotated", "status")
STATUSES = ("draft", "ready")
META_MARK = "digest:paper"
# Every parser here is linear in its input: headings, links and front matter lines are read
# by string scans, not by regular expressions that backtrack (a 1 MB line of `## ##   ...`
# or `[a](` once took minutes). tests/test_hardening.py feeds each such shape.
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
_PLAIN_RUN = re.compile(r"[^\[\]\\]*")
_URL_STOP = re.compile(r"[)\s>]")
_SPACE_RUN = re.compile(r"\s*")
_DATE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})$")


@lru_cache(maxsize=1)
def _loader() -> Any:
    """A safe YAML loader (libyaml's when available) that leaves dates as strings,
    so a bad date gets a clear message instead of a YAML traceback."""
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


# A front matter line whose value YAML would read as the same plain string
# (no quotes, flow or block markers, anchors, tags, comments or `key: value`
# inside). Files made only of such lines skip the YAML parser, which is most
# of `digest render`'s start-up on a hand-written issue.
_PLAIN_KEY = re.compile(r"([A-Za-z_]\w*):")
_INDICATORS = frozenset("[]{}&*!|>'\"%@`#,?:-")
_NOT_PLAIN = re.compile(r":\s|:$|\s#")
_NUMBER_LIKE = re.compile(r"^[-+]?\.?\d|^\.(?:inf|nan)", re.I)
_DATE_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YAML_WORDS = {"null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes",
               "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", "="}  # fmt: skip


def _plain_front_matter(lines: list[str]) -> dict[str, str] | None:
    out: dict[str, str] = {}
    for line in lines:
        if not line.strip():
            continue
        m = _PLAIN_KEY.match(line)
        if not m or m[1] in out:
            return None
        value = _plain_value(line[m.end() :])
        if value is None:
            return None
        if _NOT_PLAIN.search(value) or value in _YAML_WORDS:
            return None
        if _NUMBER_LIKE.match(value) and not _DATE_VALUE.match(value):
            return None  # YAML may read it as a number (12:30 is 750 in YAML 1.1): let YAML decide
        out[m[1]] = value
    return out


def _plain_value(rest: str) -> str | None:
    """What follows ``key:`` as a plain one-line value ('' when there is none), or None
    when it needs YAML: it must start after a space or tab, not with an indicator (a
    ``-`` only before a non-space), and hold no ``#``. A string scan: a regular expression
    with a lazy value before ``[ \\t]*$`` took quadratic time on ``x<many spaces>y``."""
    value = rest.strip(" \t")
    if not value:
        return ""
    if rest[0] not in " \t" or "#" in value or value[0].isspace():
        return None
    if value[0] == "-":
        return value if len(value) > 1 and not value[1].isspace() else None
    return None if value[0] in _INDICATORS else value


def _yaml(block: str) -> Any:
    import yaml

    return yaml.load(block, Loader=_loader())


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
    path: Path
    date: date
    headline: str = ""
    title: str | None = None
    """An explicit title from the front matter; otherwise `title_format` applies."""
    sponsor: str | None = None
    unannotated: str | None = None
    status: str | None = None
    """``draft`` or ``ready`` from the front matter; None when the file does not say."""
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
    front, body_start = _front_matter(lines, path)
    issue = Issue(path=path, date=_issue_date(front, lines, path))
    for key in ("headline", "title", "sponsor", "unannotated", "status"):
        value = front.get(key)
        if value is not None and not isinstance(value, (str, int, float)):
            raise InputError(path, _key_line(lines, key), f"{key} must be text, not {type(value).__name__}")
        if value is not None:
            setattr(issue, key, str(value).strip())
    if issue.unannotated not in (None, "skip", "abstract"):
        raise InputError(path, _key_line(lines, "unannotated"), "unannotated must be skip or abstract")
    if issue.status not in (None, *STATUSES):
        raise InputError(path, _key_line(lines, "status"), f"status: expected draft or ready, got {issue.status!r}")
    visible, comments = _strip_comments(lines, body_start, path)
    _split_sections(issue, visible, comments, path, duplicates)
    return issue


def _front_matter(lines: list[str], path: Path) -> tuple[dict[str, Any], int]:
    if not lines or lines[0].strip() != "---":
        raise InputError(path, 1, "no front matter: start the file with a '---' line, then date: YYYY-MM-DD")
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise InputError(path, 1, "front matter is never closed: add a '---' line after it")
    plain = _plain_front_matter(lines[1:end])
    if plain is not None:
        data: Any = {k: (v or None) for k, v in plain.items()}
        return _check_front_keys(data, lines, path), end + 1
    import yaml

    try:
        data = _yaml("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(path, line, f"front matter is not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise InputError(path, 2, "front matter must be key: value lines (date, headline, sponsor, ...)")
    return _check_front_keys(data, lines, path), end + 1


def _check_front_keys(data: dict[str, Any], lines: list[str], path: Path) -> dict[str, Any]:
    for key in data:
        if key not in FRONT_KEYS:
            raise InputError(
                path, _key_line(lines, str(key)), f"unknown front matter key {key!r}; known: {', '.join(FRONT_KEYS)}"
            )
    return data


def _key_line(lines: list[str], key: str) -> int:
    for n, line in enumerate(lines, 1):
        if line.startswith(f"{key}:"):
            return n
        if n > 1 and line.strip() == "---":
            break
    return 1


def _issue_date(front: dict[str, Any], lines: list[str], path: Path) -> date:
    named = _DATE_NAME.match(path.stem)
    raw = front.get("date")
    line = _key_line(lines, "date")
    if raw is None or str(raw).strip() == "":
        raise InputError(path, line, "front matter has no date: add date: YYYY-MM-DD")
    try:
        value = date.fromisoformat(str(raw).strip())
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(raw).strip()):
            raise ValueError
    except ValueError:
        raise InputError(path, line, f"date {raw!r} is not a real date in the form YYYY-MM-DD") from None
    if named and named[1] != value.isoformat():
        raise InputError(
            path, line, f"date {value.isoformat()} disagrees with the file name {path.name}; make them the same"
        )
    return value


def _strip_comments(
    lines: list[str], start: int, path: Path
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Visible (line number, text) pairs and the HTML comments, outside code fences.

    A line that held only a comment becomes a blank line, which keeps
    paragraphs apart as the comment did.
    """
    visible: list[tuple[int, str]] = []
    comments: list[tuple[int, str]] = []
    fence: str | None = None
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
            fence = m["fence"]
            visible.append((lineno, line))
            continue
        out: list[str] = []
        while True:
            s = line.find("<!--", pos)
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
    return visible, comments


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


@dataclass(frozen=True)
class Link:
    """A Markdown link found by `first_link`: ``source[start:end]`` is ``[text](url ...)``."""

    text: str
    url: str
    span: tuple[int, int]

    def start(self) -> int:
        return self.span[0]

    def end(self) -> int:
        return self.span[1]

    def __getitem__(self, group: str) -> str:  # what a regex match gave: link["text"], link["url"]
        return {"text": self.text, "url": self.url}[group]


class _LinkSearch:
    """`first_link` where a compiled pattern was: ``_LINK.search(line)``."""

    def search(self, text: str) -> Link | None:
        return first_link(text)


_LINK = _LinkSearch()


def first_link(text: str) -> Link | None:
    """The first Markdown link ``[text](url)`` (or ``[text](<url> "title")``) in ``text``,
    or None. The link text may hold backslash escapes and one level of
    brackets, ``[a [b] c](url)``.

    Linear in ``text``: each position is read a bounded number of times, whatever it
    holds (a regular expression searching ``[a](`` repeated took quadratic time). Where
    each link text ends is worked out once per position (`ends`), and so is what follows
    each ``](`` (`tails`).
    """
    if "](" not in text:
        return None
    n = len(text)
    ends: dict[int, int] = {}  # position in a link text -> index of the `]` that closes it, or -1
    tails: dict[int, int] = {}  # index of a url's end -> index after the link's `)`, or -1
    closes: array[int] | None = None  # every `]`, for brackets inside a link text
    stops: array[int] | None = None  # every `)`, space or `>`: where a url ends

    def text_end(p: int) -> int:
        nonlocal closes
        path = []
        while True:
            if p in ends:
                result = ends[p]
                break
            path.append(p)
            c = text[p] if p < n else ""
            if c == "]":
                result = p
                break
            if c == "\\" and p + 1 < n and text[p + 1] != "\n":
                p += 2
            elif c == "[":
                if closes is None:
                    closes = array("q", (m.start() for m in re.finditer(r"\]", text)))
                k = bisect_right(closes, p)
                if k == len(closes):
                    result = -1
                    break
                p = closes[k] + 1
            elif c and c != "\\":
                p = _PLAIN_RUN.match(text, p).end()  # type: ignore[union-attr]
            else:
                result = -1  # the end, or a `\\` at the end
                break
        for q in path:
            ends[q] = result
        return result

    def tail(q: int) -> int:
        if q in tails:
            return tails[q]
        r = q + 1 if q < n and text[q] == ">" else q
        found = -1
        w = _SPACE_RUN.match(text, r).end()  # type: ignore[union-attr]
        if w > r and w < n and text[w] == '"':  # a title
            close = text.find('"', w + 1)
            if close >= 0:
                after = _SPACE_RUN.match(text, close + 1).end()  # type: ignore[union-attr]
                if after < n and text[after] == ")":
                    found = after + 1
        if found < 0 and w < n and text[w] == ")":
            found = w + 1
        tails[q] = found
        return found

    last_paren = text.rfind(")")
    bracket_paren = -1  # the first `](` at or after `start`
    start = text.find("[")
    while start >= 0:
        if bracket_paren < start:
            bracket_paren = text.find("](", start)
        if bracket_paren < 0 or bracket_paren > last_paren:
            return None  # no link can start here or later: none has its `](` ... `)`
        end = text_end(start + 1)
        if end >= 0 and end + 1 < n and text[end + 1] == "(":
            p = _SPACE_RUN.match(text, end + 2).end()  # type: ignore[union-attr]
            if stops is None:
                stops = array("q", (m.start() for m in _URL_STOP.finditer(text)))
            k = bisect_left(stops, p + 1 if p < n and text[p] == "<" else p)
            q = stops[k] if k < len(stops) else n
            url_start = p + 1 if p < n and text[p] == "<" and q > p + 1 else p
            if q > url_start and (after := tail(q)) >= 0:
                return Link(text[start + 1 : end], text[url_start:q], (start, after))
        start = text.find("[", start + 1)
    return None


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
    import yaml


    block = text.lstrip()[len(META_MARK) :]
    plain = read_mapping(block, _loader())
    if plain is not None:
        return _without_bidi(plain) if has_bidi(block) else plain
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
