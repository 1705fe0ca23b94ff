"""Reading one settings value: each key's spec (default, help, type), turning a TOML or
``DIGEST_*`` value into that type, and finding the line of a key in `digest.toml` so an
error can name it.

May import: errors, query, categories (like the package).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from digest.categories import category_problem
from digest.query import query_problem


class CategoryError(ValueError):
    """Names in ``arxiv.categories`` that can never be arXiv's, as (name, what is wrong) each, so
    every one is said with the line that holds it; the text is the first one's."""

    def __init__(self, bad: list[tuple[str, str]]) -> None:
        super().__init__(bad[0][1])
        self.bad = bad


def setting(default: Any, help: str, *, choices: tuple[str, ...] = (), name: str = "") -> Any:
    meta = {"help": help, "choices": choices, "name": name}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class KeySpec:
    """One settings key: where it lives, its type, default and help."""

    key: str  # dotted, as written in digest.toml
    section: str
    attr: str
    type: type
    default: Any
    help: str
    choices: tuple[str, ...]

    @property
    def env(self) -> str:
        return "DIGEST_" + self.key.replace(".", "_").upper()


def _shown(value: Any) -> str:
    """``repr(value)`` for a message: one line, at most about 60 characters."""
    try:
        text = repr(value)
    except RecursionError:
        return "a value nested too deeply"
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(t: Any) -> str:
    return {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}.get(t, "a list of strings")


def coerce(spec: KeySpec, value: Any, from_env: bool) -> Any:
    """``value`` as the key's type, or raise ValueError with the problem."""
    t = spec.type
    if spec.key == "arxiv.holidays":
        value = _holidays(value, from_env)
    if from_env:
        if t is bool:
            low = value.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(f"expected true or false, got {_shown(value)}")
        if t is int or t is float:
            try:
                value = t(value)
            except ValueError:
                raise ValueError(f"expected {_type_name(t)}, got {_shown(value)}") from None
        elif t is not str:  # list[str]: comma separated
            # written as in digest.toml (["cs.LG", "cs.CL"]): a quote is part of no category or list id,
            # but may be of an address ("Alice" <a@b.org>), so only these two are told
            if value.strip()[:1] == "[" or (spec.key in ("arxiv.categories", "publish.listmonk_lists") and any(q in value for q in "\"'")):
                raise ValueError(f"lists its items separated by commas, without brackets or quotes:"
                                 f" {spec.env}=a,b (got {_shown(value)})")
            value = [v.strip() for v in value.split(",") if v.strip()]
    if t is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if t is not list:
        if not isinstance(value, t) or (t is int and isinstance(value, bool)):
            raise ValueError(f"expected {_type_name(t)}, got {_shown(value)}")
    else:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected a list of strings, got {_shown(value)}")
    if spec.choices and value not in spec.choices:
        raise ValueError(f"expected one of {', '.join(spec.choices)}, got {_shown(value)}")
    if any("\x00" in v for v in (value if t is list else [value] if t is str else [])):
        raise ValueError(f"holds a NUL character (\\u0000), which no path, address or text can; got {_shown(value)}")
    if t is float and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {_shown(value)}")
    if t in (int, float) and value < 0:
        raise ValueError(f"must not be negative, got {_shown(value)}")
    if spec.key == "arxiv.timeout" and value == 0:
        raise ValueError("must be more than 0 seconds")
    if spec.key == "smtp.port" and not 0 < value <= 65535:
        raise ValueError(f"expected a port from 1 to 65535, got {_shown(value)}")
    if spec.key in ("window_days", "max_window_days") and value > 3660:
        raise ValueError(f"expected at most 3660 days, got {_shown(value)}")
    if spec.key in ("url", "arxiv.api_url", "arxiv.rss_url", "arxiv.html_url", "arxiv.oai_url", "publish.buttondown_url", "publish.listmonk_url",
                    "publish.ghost_url") and value:

        try:
            urlsplit(value).hostname
        except ValueError as exc:
            raise ValueError(f"not a usable address ({exc}), got {_shown(value)}") from None
    if spec.key == "timezone" and value != "UTC":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {_shown(value)}; use a name such as Europe/Berlin or UTC") from None
    if spec.key == "email.send_hour" and value > 23:
        raise ValueError(f"expected an hour from 0 to 23, got {_shown(value)}")
    if spec.key == "arxiv.categories":
        bad = [(name, p.message) for name in value if (p := category_problem(name, env=spec.env if from_env else "")) and p.refuse]
        if bad:
            raise CategoryError(bad)
    if spec.key == "title_format":
        try:
            value.format(date="2022-10-23", headline="", name="")
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise ValueError(f"cannot fill in {_shown(value)} ({type(exc).__name__}: {exc}); use {{date}}, {{headline}}"
                             " and {name}, and write a brace as {{ or }}") from None
    if spec.key == "arxiv.query" and value.strip():

        if problem := query_problem(value):
            raise ValueError(problem)
    return value


def _holidays(value: Any, from_env: bool) -> Any:
    """TOML dates or ISO strings as ISO strings; anything else is refused by name."""
    items = value.split(",") if from_env and isinstance(value, str) else value
    if not isinstance(items, list):
        return value  # the list check below names the problem
    out = []
    for item in items:
        if isinstance(item, date) and not isinstance(item, datetime):
            out.append(item.isoformat())
            continue
        try:
            out.append(date.fromisoformat(str(item).strip()).isoformat())
        except ValueError:
            raise ValueError(f"expected dates as YYYY-MM-DD, got {_shown(item)}") from None
    return ",".join(out) if from_env else out


_SECTION_LINE = re.compile(r"[ \t]*\[\[?([^\]\[]+)\]\]?[ \t]*(?:#.*)?$")


_KEY_LINE = re.compile(r"[ \t]*([A-Za-z0-9_\-]+(?:[ \t]*\.[ \t]*[A-Za-z0-9_\-]+)*)[ \t]*=")


def key_lines(text: str) -> dict[str, int]:
    """Where each dotted key is written in a TOML file, for error messages (``[section]``
    then ``key =``, or ``section.key =``). Lines are TOML's: split at ``\\n`` only."""
    lines: dict[str, int] = {}
    section = ""
    for n, line in enumerate(text.split("\n"), 1):
        if m := _SECTION_LINE.match(line):
            section = ".".join(part.strip() for part in m[1].split("."))
            lines.setdefault(section, n)
        elif m := _KEY_LINE.match(line):
            key = ".".join(part.strip() for part in m[1].split("."))
            lines.setdefault(f"{section}.{key}" if section else key, n)
    return lines


def value_line(text: str, line: int, value: str) -> int:
    """The line of the item ``value`` in the array whose key is on ``line`` (an array may run over
    several lines), or ``line`` when it is not written there as a plain quoted string."""
    lines = text.split("\n")
    for n in range(line, len(lines) + 1):
        written = lines[n - 1] if n > line else lines[n - 1].split("=", 1)[-1]
        if any(q + value + q in written for q in "\"'"):
            return n
        if "]" in written.split("#", 1)[0] or (n > line and _KEY_LINE.match(written)):
            break
    return line


def deepest_line(text: str, limit: int = 64) -> int | None:
    """The line where arrays or inline tables first nest more than ``limit`` deep (strings
    and comments skipped), for the file that made the TOML reader run out of stack."""
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j) and (len(quote) == 3 or text[j] != "\n"):
                j += 2 if c == '"' and text[j] == "\\" else 1
            line += text.count("\n", i, j)
            i = j + len(quote)
            continue
        elif c in "[{":
            depth += 1
            if depth > limit:
                return line
        elif c in "]}":
            depth -= 1
        i += 1
    return None




_TOML_AT = re.compile(r"(.*) \(at (?:line (\d+), column (\d+)|end of document)\)", re.S)
_BOOLS = ("true", "false", "yes", "no", "on", "off")


def toml_problem(name: str, text: str, error: str, specs: dict[str, KeySpec]) -> str:
    """The TOML reader's ``error`` as a settings problem, worded like the others: ``digest.toml:
    key: what is wrong; the fix (line N, column M)`` (the key when the line sets one; the column
    when the reader gave one)."""
    m = _TOML_AT.fullmatch(error)
    what = m[1] if m else error
    lines = text.split("\n")
    if m and m[2]:
        line, col = int(m[2]), int(m[3])
    else:  # "at end of document": the last line written
        line, col = next((n for n in range(len(lines), 0, -1) if lines[n - 1].strip()), 1), 0
    if what == "Cannot overwrite a value" and (twice := _set_twice(lines)):
        key, first, line = twice
        return f"{name}: {key}: set twice (first at line {first}); keep one of the two (line {line})"
    section = ""
    for n, written in enumerate(lines[:line], 1):
        if (s := _SECTION_LINE.match(written)) and n < line:
            section = ".".join(part.strip() for part in s[1].split("."))
    here = lines[line - 1] if line <= len(lines) else ""
    k = _KEY_LINE.match(here)
    short = ".".join(part.strip() for part in k[1].split(".")) if k else ""
    key = f"{section}.{short}" if section and short else short
    value = here.split("=", 1)[1].strip() if k else ""
    bad_date = next((d[0] for d in re.finditer(r"\d{4}-\d{1,2}-\d{1,2}", here) if d.start() < col <= d.end()), "")
    if bad_date and what in ("Invalid value", "Unclosed array", "Invalid date or datetime"):
        what, value = "Invalid date or datetime", bad_date
    fix = _toml_fix(what, here, short, value, specs.get(key))
    at = f" (line {line}, column {col})" if col else f" (line {line})"
    return f"{name}: {key + ': ' if key else ''}{fix}{at}"


def _toml_fix(what: str, here: str, short: str, value: str, spec: KeySpec | None) -> str:
    """What is wrong and how to write it instead, for one TOML reader's complaint."""
    if what in ("Invalid value", "Unclosed array") and value.startswith("[") and "]" not in value:
        return "the list has no closing ]; write it as [\"a\", \"b\"] on one line or end it with ]"
    if what == "Invalid value" and short:
        if not value or value.startswith("#"):
            example = f", e.g. {short} = {_literal(spec.default)}" if spec else ""
            return f"no value after =; write one{example}, or remove the line"
        if value.lower() in _BOOLS and (spec is None or spec.type is bool):
            return f"write true or false, in lower case: {short} = {'true' if value.lower() in _BOOLS[::2] else 'false'}"
        if spec is not None and spec.type in (int, float):
            return f"{_shown(value)} is not a number; write digits only, e.g. {short} = {_literal(spec.default)}"
        if value.startswith("["):
            items = [i.strip() for i in value.strip("[] ").split(",") if i.strip()]
            return f"quote each item of the list: {short} = {_literal([i.strip(chr(34) + chr(39)) for i in items])}"
        text = re.split(r"\s#", value, maxsplit=1)[0].rstrip()  # a comment after it is no part of it (C#, a URL's #x are)
        return f"text must be in quotes: {short} = {_literal(text if len(text) <= 80 else text[:77] + '...')}"
    if what in ("Unterminated string", "Illegal character '\\n'", "Expected \"'\""):
        quote = value[:3] if value[:3] in ('"""', "'''") else value[:1] or '"'
        return f"the text has no closing quote; end it with {quote}" + ("" if len(quote) == 3 else " on the same line")
    if what.startswith("Expected '=' after a key"):
        if ":" in here.split("#", 1)[0]:
            return "write key = value, with = rather than :"
        return "write key = value, or start the line with # to make it a comment"
    if what.startswith("Expected newline or end of document"):
        if value[:1] == "'" and value.count("'") > 2:
            return f"a ' inside '...' ends the text; use double quotes: {short} = {_literal(value[1:].rsplit(chr(39), 1)[0])}"
        if value[:1] in "\"'" and value[:1]:
            return "the text ends at its closing quote; put all of it inside the quotes, and a comment after #"
        if spec is not None and spec.type in (int, float):
            return f"{_shown(value)} is not a number; write digits only, with a point for decimals, e.g. {short} = {_literal(spec.default)}"
        return ("only one value may follow =; write text as one quoted string (\"...\" around text holding '),"
                " a list as [\"a\", \"b\"], a decimal number with a point (3.5), and a comment after #")
    if m := re.fullmatch(r"Cannot declare \((.*)\) twice", what):
        table = ".".join(part.strip(" '\"") for part in m[1].split(",") if part.strip(" '\""))
        return f"[{table}] appears twice; merge the two into one [{table}]"
    if what.startswith("Expected ']"):
        return "a section name needs its closing ], e.g. [arxiv]"
    if what in ("Unclosed array", "Unclosed inline table") or (what == "Invalid value" and "[" in here):
        return "write the list as [\"a\", \"b\"]: each item quoted, separated by commas, closed with ]"
    if what == "Unescaped '\\' in a string":
        return "a \\ in \"...\" starts an escape; write it as \\\\, or put the text in single quotes ('...')"
    if what.startswith("Illegal character"):
        return f"{what[0].lower()}{what[1:]} inside the text; delete it, or write a tab as \\t"
    if what == "Invalid date or datetime":
        return f"{value + ' is ' if value else ''}not a date; write dates as YYYY-MM-DD, e.g. 2026-11-26"
    return f"{what[0].lower()}{what[1:]}; fix the TOML syntax there"


def _literal(value: Any) -> str:
    """``value`` as TOML would write it, for an example in a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, str):
        return "'" + value + "'" if '"' in value and "'" not in value else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def _set_twice(lines: list[str]) -> tuple[str, int, int] | None:
    """The first key written twice in one section, with the lines of both."""
    seen: dict[str, int] = {}
    section = ""
    for n, line in enumerate(lines, 1):
        if m := _SECTION_LINE.match(line):
            section = ".".join(part.strip() for part in m[1].split("."))
        elif m := _KEY_LINE.match(line):
            key = ".".join(part.strip() for part in m[1].split("."))
            key = f"{section}.{key}" if section else key
            if key in seen:
                return key, seen[key], n
            seen[key] = n
    return None
