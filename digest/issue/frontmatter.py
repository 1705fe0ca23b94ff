"""The plain YAML that `digest new` writes in ``digest:paper`` comments, read without PyYAML.

An archive of 500 issues holds 7,500 such comments, and PyYAML builds each
one node by node in Python: most of the time it takes to read an issue.
`read_mapping` reads the forms the draft writer emits (``key: plain text``,
``key: 'quoted'``, ``key: [a, b]``, ``key: |-`` blocks, numbers, null) and
returns None for anything else, which the caller then gives to PyYAML. Plain
values are typed by PyYAML's own resolver rules, so both readers agree
(a property test holds them equal on what the draft writer produces).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_KEY = re.compile(r"([A-Za-z_]\w*):(?: +(.*))?")  # linear: the trailing spaces are stripped after
# A plain value: no indicator first, no ": ", " #", "#" or tab anywhere (YAML might read those otherwise).
_PLAIN = re.compile(r"(?:[^\s\[\]{}&*!|>'\"%@`#,?:\-]|-(?=[^\s#]))(?:(?!: |:$| #)[^#\t])*")
_FLOW_ITEM = re.compile(r"(?:[^\s\[\]{}&*!|>'\"%@`#,?:\-]|-(?=[^\s#]))[^\[\]{}#,:\t]*")
# Characters YAML refuses (outside its printable set) or treats as line breaks: such a
# block is left to PyYAML, which reports them.
_UNUSUAL = re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]")
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?")
STR, INT, FLOAT, NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "null"))


class _NotPlain(Exception):
    pass


def read_mapping(block: str, loader: type) -> dict[str, Any] | None:
    """``block`` as PyYAML would load it with ``loader`` (typing plain values by the
    loader's implicit resolvers), or None when it is not in the plain form."""
    if block.isascii():  # the usual case; the full check below costs ~40 us a block
        if not block.replace("\n", "").replace("\t", "").isprintable():
            return None
    elif _UNUSUAL.search(block):
        return None
    try:
        return _read(block.split("\n"), _typer(loader))
    except _NotPlain:
        return None


@lru_cache(maxsize=4)
def _typer(loader: type) -> Callable[[str], Any]:
    """PyYAML's `Resolver.resolve` for plain scalars, then the value for the simple cases."""
    resolvers: dict[Any, list[tuple[str, Any]]] = loader.yaml_implicit_resolvers  # type: ignore[attr-defined]
    wildcard = resolvers.get(None, [])

    def value(text: str) -> Any:
        for tag, regexp in resolvers.get(text[:1], []) + wildcard:
            if regexp.match(text):
                break
        else:
            return text
        if tag == STR:
            return text
        if tag == NULL:
            return None
        if tag == INT and _INT.fullmatch(text):
            return int(text)
        if tag == FLOAT and _FLOAT.fullmatch(text):
            return float(text)
        raise _NotPlain  # booleans, octal, sexagesimal, .inf, ...: PyYAML knows best

    return value


def _read(lines: list[str], typed: Callable[[str], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip(" "):
            continue
        m = _KEY.fullmatch(line)
        if not m or m[1] in out or not isinstance(typed(m[1]), str):
            raise _NotPlain  # a repeated key, or one YAML reads as null (``null:``, ``~:``)
        key, raw = m[1], (m[2] or "").rstrip(" ")
        if raw in ("|-", "|"):
            out[key], i = _literal(lines, i, keep_last_newline=raw == "|")
        elif raw.startswith("["):
            out[key] = _flow(raw, typed)
        elif raw.startswith("'"):
            out[key] = _single_quoted(raw)
        elif raw == "" or _PLAIN.fullmatch(raw):
            out[key] = typed(raw)
        else:
            raise _NotPlain
    return out


def _literal(lines: list[str], i: int, keep_last_newline: bool) -> tuple[str, int]:
    """A ``|-`` (or ``|``) block: its text and the index of the line after it."""
    if i >= len(lines) or not lines[i].strip():
        raise _NotPlain  # leading blank lines: YAML's indentation rules get subtle
    indent = len(lines[i]) - len(lines[i].lstrip(" "))
    if indent == 0 or lines[i][indent] == "\t":
        raise _NotPlain
    pad = " " * indent
    body: list[str] = []
    last = i  # the last line with text
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            if line.strip(" ") or len(line) > indent:
                raise _NotPlain  # whitespace that YAML may keep as text
            body.append("")
        elif line.startswith(pad):
            body.append(line[indent:])
            last = i
        elif line[0] in " \t":
            raise _NotPlain  # less indented but not a new key
        else:
            break
        i += 1
    while body and body[-1] == "":
        body.pop()
    text = "\n".join(body)
    # `|` keeps the line break after the text, if there is one (a comment's last line has none)
    return (text + "\n" if keep_last_newline and text and last < len(lines) - 1 else text), i


def _flow(raw: str, typed: Callable[[str], Any]) -> list[Any]:
    if not raw.endswith("]"):
        raise _NotPlain
    inner = raw[1:-1].strip(" ")
    if not inner:
        return []
    items = []
    for item in inner.split(","):
        item = item.strip(" ")
        if item.startswith("'"):
            items.append(_single_quoted(item))
        elif _FLOW_ITEM.fullmatch(item):
            items.append(typed(item))
        else:
            raise _NotPlain
    return items


def _single_quoted(raw: str) -> str:
    """A one-line ``'...'`` scalar (``''`` is a quote)."""
    if len(raw) < 2 or not raw.endswith("'") or "'" in raw[1:-1].replace("''", ""):
        raise _NotPlain
    return raw[1:-1].replace("''", "'")
