"""The issue's front matter: the ``---`` block of ``key: value`` lines at the top.

Read by PyYAML (safe loading; libyaml's loader when installed), with two
exceptions that keep `digest render` quick and its messages clear:

- Dates are parsed here, not by YAML (its timestamp resolver is removed), so
  ``2022-02-30`` is reported as "not a real date" with its line, not a traceback.
- Front matter made only of plain one-line values, which YAML would read as the
  same strings, is read by `_plain_front_matter` without importing PyYAML at
  all. tests/test_frontmatter.py and tests/test_issue.py hold the fast path to
  PyYAML's answers wherever it gives one.

`_loader` and `_yaml` are also what the package reads ``digest:paper`` comments with.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from digest.errors import InputError

FRONT_KEYS = ("date", "headline", "title", "sponsor", "unannotated", "status")
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

    def names_as_written(loader: Any, node: Any) -> Any:
        # A key is a name: `on:` is the key 'on', not True, so an unknown key is reported as written.
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                key.tag = "tag:yaml.org,2002:str"
        return loader.construct_yaml_map(node)

    Loader.add_constructor("tag:yaml.org,2002:map", names_as_written)
    return Loader


# A front matter line whose value YAML would read as the same plain string
# (no quotes, flow or block markers, anchors, tags, comments or `key: value`
# inside). Files made only of such lines skip the YAML parser, which is most
# of `digest render`'s start-up on a hand-written issue.
_PLAIN_KEY = re.compile(r"([A-Za-z_]\w*):")
_INDICATORS = frozenset("[]{}&*!|>'\"%@`#,?:-")
_NOT_PLAIN = re.compile(r":\s|:$|\s#")
_NOT_YAML_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""A character YAML does not read as text (U+FFFE, C1 controls, NEL: a line break to it): left to YAML."""
_NUMBER_LIKE = re.compile(r"^[-+]?\.?\d|^\.(?:inf|nan)", re.I)
_DATE_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YAML_WORDS = {"null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes",
               "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", "="}  # fmt: skip


def _plain_front_matter(lines: list[str]) -> dict[str, str] | None:
    """The front matter ``lines`` as YAML would read them, when every one is ``key: plain
    value`` (values as written, '' for none); None when any line needs YAML."""
    out: dict[str, str] = {}
    for line in lines:
        if not line.strip():
            continue
        m = _PLAIN_KEY.match(line)
        if not m or m[1] in out or m[1] in _YAML_WORDS:
            return None  # a repeated key, or one YAML reads as null or a boolean (``on:``)
        value = _plain_value(line[m.end() :])
        if value is None:
            return None
        if _NOT_PLAIN.search(value) or value in _YAML_WORDS or _NOT_YAML_PRINTABLE.search(value):
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
    """``block`` loaded by PyYAML with `_loader` (raises `yaml.YAMLError`)."""
    import yaml

    return yaml.load(block, Loader=_loader())


def front_matter(lines: list[str], path: Path) -> tuple[dict[str, Any], int]:
    """The front matter of the file's ``lines`` as a mapping of known keys, and the index
    of the first line after it; an `InputError` naming the line of what is wrong."""
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
        if "tab" in problem:  # libyaml marks where the token began, not the tab
            line = next((n for n in range(2, end + 1) if "\t" in lines[n - 1]), line)
        fix = ("indent with spaces, not tabs" if "tab" in problem
               else "close the quote this value opens" if "end of stream" in problem
               else 'put the value in double quotes, e.g. headline: "A: B"')  # fmt: skip
        raise InputError(path, line, f"front matter is not valid YAML: {problem}; {fix}") from None
    if not isinstance(data, dict):
        raise InputError(path, 2, "front matter must be key: value lines (date, headline, sponsor, ...)")
    return _check_front_keys(data, lines, path), end + 1


def _check_front_keys(data: dict[str, Any], lines: list[str], path: Path) -> dict[str, Any]:
    for key in data:
        if key not in FRONT_KEYS:
            raise InputError(
                path, key_line(lines, str(key)), f"unknown front matter key {key!r}; known: {', '.join(FRONT_KEYS)}"
            )
    return data


def key_line(lines: list[str], key: str) -> int:
    """The 1-based line of ``key:`` in the front matter, for messages (1 when not there)."""
    for n, line in enumerate(lines, 1):
        if line.startswith(f"{key}:"):
            return n
        if n > 1 and line.strip() == "---":
            break
    return 1


def issue_date(front: dict[str, Any], lines: list[str], path: Path) -> date:
    """The issue's date from the front matter, which must agree with a file named by date."""
    named = _DATE_NAME.match(path.stem)
    raw = front.get("date")
    line = key_line(lines, "date")
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

