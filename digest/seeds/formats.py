"""The seed-file shapes as one table, `READERS`: for each, how to detect it and how to read it.

`digest.seeds` walks the table in order and reads a file with the first entry
whose ``detect`` recognises its content (never its name); a file no entry
recognises is not a seed file. ``detect`` looks at a `Sample` of the file
(what the detectors share is worked out once); ``read`` takes the file's lines
(already decoded, BOM and CR removed) and returns `RawRecord`s, which
`digest.seeds` turns into `SeedRecord`s and removes duplicates from. Readers
raise `InputError(path, line, message)` for a file that starts like their
format but breaks it further down.

Shapes (see docs/seeds.md):

``trailer``   abstract, optional comment lines, then ``arXiv:ID`` with the next
              abstract starting on the same line right after the id (seeds/000_*).
``labelled``  a label line (the curator), then one ``Abstract:`` line per
              paper, no ids (seeds/001_*, seeds/003_*).
``viewer``    a dataset-viewer dump: column header lines (name, dtype, stats)
              then one line per cell, row after row (seeds/002_*).
``jsonl``     JSON Lines with ``arxiv_id`` (or ``id``) and ``abstract``.
``csv``       CSV (comma, tab or semicolon) with the same columns.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from digest.errors import InputError
from digest.ids import LOOKS_LIKE_ID, parse_id, valid_new_style

EXPECTED = (
    "expected seed abstracts: abstracts each followed by an arXiv:ID line, "
    "a label line then 'Abstract:' lines, a dataset-viewer dump (arxiv_id/abstract columns), "
    "or JSON Lines / CSV with arxiv_id and abstract columns"
)


@dataclass
class RawRecord:
    """One abstract as a reader found it, before dedup."""

    line: int
    abstract: str
    arxiv_id: str | None = None
    version: int | None = None
    comment: str | None = None
    label: str | None = None
    title: str | None = None


_PLAIN_NEW_ID = re.compile(r"(\d{4})\.(\d{4,5})(?:v([1-9]\d{0,2}))?")


def _split_id(path: str | Path, line: int, text: str) -> tuple[str, int | None]:
    m = _PLAIN_NEW_ID.fullmatch(text)
    if m and valid_new_style(m[1], m[2]):  # the common case, by the same rules as `parse_id`, minus its objects
        return f"{m[1]}.{m[2]}", int(m[3]) if m[3] else None
    parsed = parse_id(text)
    if parsed is None:
        raise InputError(path, line, f"{text[:40]!r} is not an arXiv id (e.g. 2209.06235, 2209.06235v2, hep-th/9901001): correct it")
    return parsed.base, parsed.version


# --- trailer: "abstract\ncomment\narXiv:IDnext abstract" ------------------------------

_TRAILER_START = re.compile(r"arxiv:\s*", re.IGNORECASE)
_NEW_HEAD = re.compile(r"(\d{2})(\d{2})\.")
_OLD_ID = re.compile(r"([a-z][a-z\-]*(?:\.[A-Z]{2})?)/(\d{7})")
_CATEGORY_TAG = re.compile(r"^\s*\[[a-z][a-z\-]*(?:\.[A-Za-z\-]+)?\]")
"""The primary category arXiv prints after an id (``arXiv:2209.06235 [cs.LG]``): not an abstract."""
_LONG_LINE = 300
"""A line after an abstract this long is more of the abstract, not a comment."""


def _version_end(text: str, pos: int) -> int:
    """End of an optional ``vN`` at ``pos``.

    The next abstract follows with no space, so ``v23D ...`` is ambiguous:
    one digit is taken, a second only when what follows starts a word
    (``v12The ...``), a space or the end of the line.
    """
    if pos + 1 >= len(text) or text[pos] not in "vV" or not "1" <= text[pos + 1] <= "9":
        return pos
    end = pos + 2
    if end < len(text) and text[end].isdigit():
        after = text[end + 1 : end + 3]
        if not after or after[0].isspace() or (after[0].isupper() and after[1:2].islower()):
            end += 1
    return end


def match_trailing_id(text: str) -> int | None:
    """Length of the arXiv id at the start of ``text`` (after ``arXiv:``), or None.

    New-style ids have exactly 4 digits after the dot up to 1412 and exactly 5
    from 1501 on, so the id's end is known even when the next abstract starts
    with a digit. Old-style ids have exactly 7 digits.
    """
    m = _NEW_HEAD.match(text)
    if m:
        yymm = int(m[1] + m[2])
        width = 4 if yymm <= 1412 else 5
        end = m.end() + width
        digits = text[m.end() : end]
        if len(digits) != width or not digits.isdigit() or not 1 <= int(m[2]) <= 12:
            return None
        return _version_end(text, end)
    m = _OLD_ID.match(text)
    if m:
        return _version_end(text, m.end())
    return None


def read_trailer(path: str | Path, lines: list[str]) -> list[RawRecord]:
    records: list[RawRecord] = []
    start = 1  # line where the current abstract began
    body: list[str] = []  # abstract line(s) then comment lines, stripped
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        m = _TRAILER_START.match(line)
        if m is None:
            if line:
                if not body:
                    start = number
                body.append(line)
            continue
        rest = line[m.end() :]
        length = match_trailing_id(rest)
        if length is None:
            raise InputError(path, number, f"expected an arXiv id after 'arXiv:', found {rest[:30]!r}: "
                                           "correct the id (e.g. arXiv:2209.06235, arXiv:hep-th/9901001v2)")
        base, version = _split_id(path, number, rest[:length])
        if not body:
            raise InputError(path, number, f"arXiv:{rest[:length]} has no abstract before it: "
                                           "put the abstract on the line(s) above its arXiv:ID line")
        records.append(_trailer_record(start, body, base, version))
        body = []
        nxt = _CATEGORY_TAG.sub("", rest[length:], count=1).strip()
        start = number
        if nxt:
            body.append(nxt)
    if body:
        # Text after the last id: an abstract whose id line is missing.
        records.append(_trailer_record(start, body, None, None))
    return records


def _trailer_record(start: int, body: list[str], base: str | None, version: int | None) -> RawRecord:
    abstract = [body[0]]
    comments: list[str] = []
    for extra in body[1:]:
        if not comments and len(extra) >= _LONG_LINE:
            abstract.append(extra)  # a wrapped abstract, not a comment
        else:
            comments.append(extra)
    return RawRecord(
        line=start,
        abstract=" ".join(abstract),
        arxiv_id=base,
        version=version,
        comment=" ".join(comments) or None,
    )


# --- labelled: "Shammie\nAbstract:...\nAbstract:..." -------------------------------------

_ABSTRACT_LINE = re.compile(r"abstract\s*:\s*", re.IGNORECASE)
_LABEL_MAX = 120


def read_labelled(path: str | Path, lines: list[str]) -> list[RawRecord]:
    records: list[RawRecord] = []
    label: str | None = None
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        m = _ABSTRACT_LINE.match(line)
        if m:
            text = line[m.end() :].strip()
            if not text:
                raise InputError(path, number, "empty 'Abstract:' line: put the abstract after 'Abstract:' "
                                               "on the same line, or delete the line")
            records.append(RawRecord(line=number, abstract=text, label=label))
        elif len(line) <= _LABEL_MAX:
            label = line
        elif records:
            records[-1].abstract += " " + line  # an abstract wrapped over lines
        else:
            raise InputError(path, number, f"expected a label line (at most {_LABEL_MAX} characters) or an "
                                           "'Abstract:' line: start each abstract with 'Abstract:'")
    return records


# --- viewer: dataset-viewer dump ---------------------------------------------------------

_DTYPE = re.compile(
    r"^(?:string|large_string|\w*lengths|u?int\d*|float\d*|bool(?:ean)?|classlabel|sequence|list|dict|"
    r"struct|json|null|date\w*|timestamp.*|\d+\s+(?:classes|values))$",
    re.IGNORECASE,
)
_COLUMN = re.compile(r"^[A-Za-z_][\w .\-]{0,40}$")
_STAT = re.compile(r"^-?[\d.,]+\s*[kKmMbB]?$")
_COUNT_STAT = re.compile(r"^-?\d[\d,]*$|^-?\d+(?:\.\d+)?\s*[kKmMbB]$")
"""A statistic of a column that is not a float (lengths, counts): a whole number or ``13.8k``,
never ``2112.09332``, which is the first row's id in a dump without statistics."""
_ID_COLUMNS = ("arxiv_id", "id", "arxiv", "paper_id")
_ABSTRACT_COLUMNS = ("abstract", "summary", "abstracts")


def looks_like_viewer(lines: list[str]) -> bool:
    head = [s.strip() for s in lines[:3] if s.strip()]
    return len(head) >= 2 and bool(_COLUMN.match(head[0])) and bool(_DTYPE.match(head[1]))


def read_viewer(path: str | Path, lines: list[str]) -> list[RawRecord]:
    cells = [(n, s.strip()) for n, s in enumerate(lines, 1) if s.strip()]
    columns: list[str] = []
    i = 0
    # Header: blocks of (column name, dtype, stats...); a name is a line followed by a dtype.
    while i + 1 < len(cells) and _COLUMN.match(cells[i][1]) and _DTYPE.match(cells[i + 1][1]):
        columns.append(cells[i][1].lower())
        stat = _STAT if cells[i + 1][1].lower().startswith("float") else _COUNT_STAT
        i += 2
        # The viewer shows at most two statistics per column (min and max length).
        for _ in range(2):
            if i < len(cells) and stat.match(cells[i][1]) and not (
                i + 1 < len(cells) and _DTYPE.match(cells[i + 1][1])
            ):
                i += 1
    id_col, abs_col, title_col = _pick_columns(path, columns)
    data = cells[i:]
    width = len(columns)
    shape = f"{width} lines per row ({', '.join(columns)}), one cell a line"
    records = []
    for r in range(0, len(data) - len(data) % width, width):
        row = data[r : r + width]
        rec = RawRecord(line=row[0][0], abstract=row[abs_col][1])
        if id_col is not None:
            number, cell = row[id_col]
            try:
                rec.arxiv_id, rec.version = _split_id(path, number, cell)
            except InputError:
                if LOOKS_LIKE_ID.match(cell):
                    raise
                raise InputError(path, number, f"expected an arXiv id ({columns[id_col]}), found {cell[:40]!r}: "
                                               f"a row above lacks a line or has one too many; {shape}") from None
        if title_col is not None:
            rec.title = row[title_col][1]
        records.append(rec)
    if len(data) % width:
        raise InputError(path, data[-1][0], f"incomplete row: a cell is missing or one line too many; expected {shape}")
    return records


def _pick_columns(path: str | Path, columns: list[str]) -> tuple[int | None, int, int | None]:
    def find(names: tuple[str, ...]) -> int | None:
        return next((columns.index(n) for n in names if n in columns), None)

    abs_col = find(_ABSTRACT_COLUMNS)
    if abs_col is None:
        raise InputError(path, 1, f"no abstract column among {', '.join(columns) or 'the header'}: "
                                  "name it abstract (or summary)")
    return find(_ID_COLUMNS), abs_col, find(("title",))


# --- jsonl / csv -------------------------------------------------------------------------


_ROLES = {
    "abstract": _ABSTRACT_COLUMNS,
    "id": _ID_COLUMNS,
    "title": ("title",),
    "comment": ("comment", "comments"),
    "label": ("label",),
    "version": ("version",),
}


@lru_cache(maxsize=64)
def _roles(keys: tuple[object, ...]) -> tuple[tuple[str, object], ...]:
    """Which key of a row plays which role (``abstract``, ``id``, ...), case-insensitively."""
    lower = {str(k).strip().lower(): k for k in keys if k is not None}
    found = []
    for role, names in _ROLES.items():
        key = next((lower[n] for n in names if n in lower), None)
        if key is not None:
            found.append((role, key))
    return tuple(found)


def _from_fields(path: str | Path, line: int, row: Any, roles: tuple[tuple[str, object], ...]) -> RawRecord:
    """A record from a JSON object or CSV row (a dict or a list indexed by ``roles``)."""
    values: dict[str, str] = {}
    for role, key in roles:
        try:
            v = row[key]
        except (IndexError, KeyError):
            continue
        if v is not None and (text := str(v).strip()):
            values[role] = text
    abstract = values.get("abstract")
    if abstract is None:
        raise InputError(path, line, "no abstract in this record: fill in its abstract, or delete the record")
    rec = RawRecord(line, abstract, title=values.get("title"), comment=values.get("comment"), label=values.get("label"))
    ident = values.get("id")
    if ident:
        rec.arxiv_id, rec.version = _split_id(path, line, ident)
        version = values.get("version", "").lstrip("vV")
        if rec.version is None and version.isdigit():
            rec.version = int(version)
    return rec


def read_jsonl(path: str | Path, lines: list[str]) -> list[RawRecord]:
    records = []
    for number, raw in enumerate(lines, 1):
        if not (line := raw.strip()):
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:  # (a RecursionError: [[[[... nested past Python's limit)
            why = f"not a JSON object ({exc.msg})" if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            raise InputError(path, number, f"{why}: JSON Lines hold one whole, flat object per line, "
                                           'so write each record on a single line: {"arxiv_id": "...", "abstract": "..."}') from None
        if not isinstance(obj, dict):
            raise InputError(path, number, f"a JSON {type(obj).__name__}, not an object: write one object per line, "
                                           '{"arxiv_id": "...", "abstract": "..."}')
        records.append(_from_fields(path, number, obj, _roles(tuple(obj))))
    return records


def csv_dialect(header: str) -> str | None:
    """The delimiter of a CSV header line naming an abstract column, or None."""
    for delim in (",", "\t", ";"):
        names = [n.strip().strip('"').lower() for n in header.split(delim)]
        if len(names) > 1 and any(n in _ABSTRACT_COLUMNS for n in names):
            return delim
    return None


def read_csv(path: str | Path, lines: list[str], delimiter: str | None = None) -> list[RawRecord]:
    """The rows of a CSV file; ``delimiter`` is the header's (`csv_dialect`) unless given."""
    first = next(i for i, s in enumerate(lines) if s.strip())
    if delimiter is None:
        delimiter = csv_dialect(lines[first].strip()) or ","
    # Line by line, not one joined copy of the file in a StringIO (four bytes a character):
    # each line gets back the newline a quoted field may span.
    reader = csv.reader((line + "\n" for line in islice(lines, first, None)), delimiter=delimiter, strict=True)
    records = []
    start = first + 1  # line where the row being read began
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, 2**31 - 1))  # an abstract as long as JSON Lines allows
    try:
        header = next(reader)
        names = tuple(h.strip() for h in header)
        roles = tuple((role, names.index(name)) for role, name in _roles(names))  # type: ignore[arg-type]
        start = first + reader.line_num + 1
        for row in reader:
            if len(row) > len(header):
                raise InputError(path, start, f"{len(row)} fields, the header names {len(header)}: "
                                              f"quote a field that contains {delimiter!r} (\"like{delimiter} this\")")
            if any(v.strip() for v in row):
                records.append(_from_fields(path, start, row, roles))
            start = first + reader.line_num + 1
    except csv.Error as exc:
        raise InputError(path, start, f"bad CSV in the row that starts here ({exc}): close every quoted field, "
                                      'and write a quote inside one as two ("")') from None
    finally:
        csv.field_size_limit(limit)
    return records


# --- the table ---------------------------------------------------------------------------


class Sample:
    """What the detectors look at, each part worked out once and only when asked for."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    @cached_property
    def first(self) -> str:
        """The first line with text, stripped."""
        return next(s.strip() for s in self.lines if s.strip())

    @cached_property
    def starts(self) -> list[str]:
        """The start of every line, lowercased: enough to spot ``abstract:`` and ``arxiv:``."""
        return [s.lstrip()[:12].lower() for s in self.lines]


class Reader(NamedTuple):
    """One seed-file shape: its name (`SeedRecord.format`), its detector and its reader."""

    name: str
    detect: Callable[[Sample], bool]
    read: Callable[[str | Path, list[str]], list[RawRecord]]


_ABSTRACT_START = re.compile(r"abstract\s*:")

READERS: tuple[Reader, ...] = (
    Reader("jsonl", lambda sample: sample.first.startswith("{"), read_jsonl),
    Reader("viewer", lambda sample: looks_like_viewer(sample.lines), read_viewer),
    Reader("csv", lambda sample: csv_dialect(sample.first) is not None, read_csv),
    Reader("labelled", lambda sample: any(s.startswith("abstract") and _ABSTRACT_START.match(s) for s in sample.starts),
           read_labelled),
    Reader("trailer", lambda sample: any(s.startswith("arxiv:") for s in sample.starts), read_trailer),
)  # fmt: skip
"""Every shape, in the order they are tried: the first whose ``detect`` is true reads the file."""
