"""The issue source file: YAML front matter, an intro, and level-2 sections.

A level-2 heading that carries an arXiv reference is a paper section, its
body the editor's notes; other level-2 headings are editorial sections.
HTML comments are the editor's scratch space and never reach the output,
except ``<!-- digest:paper ... -->`` blocks, which carry the paper's metadata
(YAML) as `digest new` wrote it (format: docs/issue-format.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from digest.errors import InputError
from digest.ids import LOOKS_LIKE_ID, ArxivId, parse_id

FRONT_KEYS = ("date", "headline", "title", "sponsor", "unannotated")
META_MARK = "digest:paper"
_HEADING = re.compile(r"^ {0,3}##(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
_LINK = re.compile(r"\[(?P<text>(?:[^\[\]\\]|\\.|\[[^\]]*\])*)\]\(\s*<?(?P<url>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_ARXIV_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(?P<id>.+?)(?:\.pdf)?/?(?:[?#].*)?$", re.I
)
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
_PLAIN_LINE = re.compile(r"^([A-Za-z_]\w*):(?:[ \t]+([^\s\[\]{}&*!|>'\"%@`#,?:-][^#]*?|-[^\s#][^#]*?))?[ \t]*$")
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
        m = _PLAIN_LINE.match(line)
        if not m or m[1] in out:
            return None
        value = m[2] or ""
        if _NOT_PLAIN.search(value) or value in _YAML_WORDS:
            return None
        if _NUMBER_LIKE.match(value) and not _DATE_VALUE.match(value):
            return None  # YAML may read it as a number (12:30 is 750 in YAML 1.1): let YAML decide
        out[m[1]] = value
    return out


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
    for key in ("headline", "title", "sponsor", "unannotated"):
        value = front.get(key)
        if value is not None and not isinstance(value, (str, int, float)):
            raise InputError(path, _key_line(lines, key), f"{key} must be text, not {type(value).__name__}")
        if value is not None:
            setattr(issue, key, str(value).strip())
    if issue.unannotated not in (None, "skip", "abstract"):
        raise InputError(path, _key_line(lines, "unannotated"), "unannotated must be skip or abstract")
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
        lineno, rest = n + 1, lines[n]
        had_comment = False
        if open_at:
            end = rest.find("-->")
            if end < 0:
                buf.append(rest)
                continue
            buf.append(rest[:end])
            comments.append((open_at, "\n".join(buf)))
            open_at, buf, rest, had_comment = 0, [], rest[end + 3 :], True
        elif fence:
            visible.append((lineno, rest))
            if rest.strip().startswith(fence) and set(rest.strip()) == {fence[0]}:
                fence = None
            continue
        elif m := _FENCE.match(rest):
            fence = m["fence"]
            visible.append((lineno, rest))
            continue
        out = ""
        while True:
            s = rest.find("<!--")
            if s < 0:
                out += rest
                break
            had_comment = True
            out += rest[:s]
            e = rest.find("-->", s + 4)
            if e < 0:
                open_at, buf = lineno, [rest[s + 4 :]]
                break
            comments.append((lineno, rest[s + 4 : e]))
            rest = rest[e + 3 :]
        visible.append((lineno, "" if had_comment and not out.strip() else out))
    if open_at:
        raise InputError(path, open_at, "HTML comment '<!--' is never closed: add '-->'")
    return visible, comments


def _split_sections(
    issue: Issue, visible: list[tuple[int, str]], comments: list[tuple[int, str]], path: Path,
    duplicates: list[tuple[int, str, int]] | None,
) -> None:  # fmt: skip
    heads: list[int] = []
    fence: str | None = None
    for i, (_, text) in enumerate(visible):
        m = _FENCE.match(text)
        if fence:
            if text.strip().startswith(fence) and set(text.strip()) == {fence[0]}:
                fence = None
        elif m:
            fence = m["fence"]
        elif _HEADING.match(text):
            heads.append(i)
    bounds = [*heads, len(visible)]
    issue.intro = _join(visible[: bounds[0]])
    seen: dict[str, int] = {}
    for k, i in enumerate(heads):
        lineno, text = visible[i]
        heading = (_HEADING.match(text)["text"] or "").strip()  # type: ignore[index]
        section = _section(heading, lineno, path)
        section.notes = _join(visible[i + 1 : bounds[k + 1]])
        next_line = visible[bounds[k + 1]][0] if bounds[k + 1] < len(visible) else 10**9
        for c_line, c_text in comments:
            if lineno < c_line < next_line and c_text.lstrip().startswith(META_MARK):
                section.meta = _meta(c_text, c_line, path)
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
    text = "\n".join(t.rstrip() for _, t in pairs)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def _section(heading: str, lineno: int, path: Path) -> Section:
    section = Section(heading=heading, line=lineno, notes="")
    link = _LINK.search(heading)
    if link and (m := _ARXIV_URL.match(link["url"])):
        ident = parse_id(m["id"])
        if ident is None:
            raise InputError(path, lineno, f"{m['id']!r} in the link is not an arXiv id (e.g. 2210.11399 or hep-th/9901001)")
        text = link["text"].strip()
        section.paper_id = ident
        section.url = link["url"]
        section.title = None if not text or parse_id(text) else text
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

    from digest.plainyaml import read_mapping

    block = text.lstrip()[len(META_MARK) :]
    plain = read_mapping(block, _loader())
    if plain is not None:
        return plain
    try:
        data = _yaml(block) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        at = line + (mark.line if mark is not None else 0)
        raise InputError(path, at, "the digest:paper comment is not valid YAML; fix it or delete the comment") from None
    if not isinstance(data, dict):
        raise InputError(path, line, "the digest:paper comment must hold key: value lines")
    return data
