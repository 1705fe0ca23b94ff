"""`arxiv.query` applied to stored papers: arXiv's search syntax (``cat:cs.LG AND abs:"set"``)
compiled once into a predicate, so a window read from the store selects what the API would.

Owns the query language only. May import: errors, ids, paper. Settings use `query_problem`
to refuse a bad query when they are read; `digest.fetch` and `digest.draft` apply it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from digest.errors import ConfigError
from digest.ids import parse_id

if TYPE_CHECKING:
    from digest.paper import Paper


_TOKEN = re.compile(
    r'\s*(?:(?P<paren>[()])|(?P<field>[A-Za-z]+):(?P<fval>"[^"]*"|[^\s()"]+)|(?P<word>"[^"]*"|[^\s()"]+)|(?P<bad>\S))'
)
_FIELDS = ("ti", "au", "abs", "co", "jr", "cat", "id", "all", "rn")
_WORD = re.compile(r"\w+")

Matcher = Callable[["Paper"], bool]


MAX_NESTING = 50
"""How deep parentheses in ``arxiv.query`` may nest (arXiv's own queries rarely go past 3)."""


class QueryProblem(ValueError):
    """Why a query cannot be applied, in words (no key, file or line: the caller adds them)."""


def compile_query(query: str, origin: str = "") -> Matcher:
    """A predicate for stored papers equivalent (for plain terms) to arXiv's query.

    Raises `ConfigError` naming ``arxiv.query`` when the query cannot be parsed, and
    ``origin`` (where the setting came from, e.g. ``digest.toml (line 7)``) when given.
    `query_problem` finds the same problems without building anything; the settings
    loader uses it, so a bad query is refused with its file and line before any command runs.
    """
    try:
        matcher = _compile(query)
    except QueryProblem as exc:
        where = f"{origin}: " if origin else ""
        raise ConfigError([f"{where}arxiv.query: cannot apply {_shown(query)} to the store: {exc}"]) from None

    def matches(paper: Paper) -> bool:
        _WORDS_OF.clear()  # a new paper: its fields are split into words once, for every term
        return matcher(paper)

    return matches


def query_problem(query: str) -> str | None:
    """What is wrong with ``query`` (one line, naming the query), or None when it can be applied."""
    try:
        _compile(query)
    except QueryProblem as exc:
        return f"cannot apply {_shown(query)} to the store: {exc}"
    return None


def _shown(query: str) -> str:
    text = " ".join(query.split())
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _compile(query: str) -> Matcher:
    text = query.strip()
    if not text:
        return lambda paper: True
    tokens = _tokens(text)
    pos, matcher = _or(tokens, 0, 0)
    if pos != len(tokens):
        raise QueryProblem(f"unexpected {tokens[pos][2]!r}")
    return matcher


def _tokens(text: str) -> list[tuple[str, str, str]]:
    """(kind, field, value) with kind ``(``, ``)``, ``op`` or ``term``. Linear: the tokens
    are read in one pass, each anchored where the last one ended (a character no token
    can start with is a token of its own, ``bad``, and the problem)."""
    out: list[tuple[str, str, str]] = []
    for m in _TOKEN.finditer(text.rstrip()):
        kind = m.lastgroup
        if kind == "paren":
            out.append((m["paren"], "", m["paren"]))
        elif kind == "fval":
            name = m["field"].lower()
            if name not in _FIELDS:
                raise QueryProblem(f"unknown field {m['field']!r}; use one of {', '.join(_FIELDS)}")
            out.append(("term", name, m["fval"].strip('"')))
        elif kind == "bad":
            what = "an unclosed quote" if m["bad"] == '"' else "it"
            raise QueryProblem(f"cannot read {what} at character {m.start('bad') + 1}")
        elif m["word"] in ("AND", "OR", "ANDNOT"):
            out.append(("op", "", m["word"]))
        else:
            out.append(("term", "all", m["word"].strip('"')))
    return out


# The parser: `a OR b OR c` and `a AND b ANDNOT c` become one flat test each (not a chain of
# nested ones, which a long query would make deeper than Python's stack), and parentheses
# nest at most MAX_NESTING deep.


def _or(tokens: list[tuple[str, str, str]], pos: int, depth: int) -> tuple[int, Matcher]:
    pos, first = _and(tokens, pos, depth)
    anyof = [first]
    while pos < len(tokens) and tokens[pos] == ("op", "", "OR"):
        pos, right = _and(tokens, pos + 1, depth)
        anyof.append(right)
    if len(anyof) == 1:
        return pos, first
    return pos, lambda p: any(m(p) for m in anyof)


def _and(tokens: list[tuple[str, str, str]], pos: int, depth: int) -> tuple[int, Matcher]:
    pos, first = _atom(tokens, pos, depth)
    allof, noneof = [first], []
    while pos < len(tokens) and tokens[pos][0] in ("op", "term", "("):
        op = tokens[pos][2] if tokens[pos][0] == "op" else "AND"  # juxtaposition is AND
        if op == "OR":
            break
        pos, right = _atom(tokens, pos + 1 if tokens[pos][0] == "op" else pos, depth)
        (noneof if op == "ANDNOT" else allof).append(right)
    if len(allof) == 1 and not noneof:
        return pos, first
    return pos, lambda p: all(m(p) for m in allof) and not any(m(p) for m in noneof)


def _atom(tokens: list[tuple[str, str, str]], pos: int, depth: int) -> tuple[int, Matcher]:
    if pos >= len(tokens):
        raise QueryProblem("a '(' is never closed" if depth else "it ends where a term was expected")
    kind, name, value = tokens[pos]
    if kind == "(":
        if depth >= MAX_NESTING:
            raise QueryProblem(f"parentheses nest more than {MAX_NESTING} deep")
        pos, inner = _or(tokens, pos + 1, depth + 1)
        if pos >= len(tokens) or tokens[pos][0] != ")":
            raise QueryProblem("a '(' is never closed")
        return pos + 1, inner
    if kind != "term":
        raise QueryProblem(f"unexpected {value!r}")
    return pos + 1, _term(name, value)


def _term(name: str, value: str) -> Matcher:
    if name == "cat":
        want = value.lower()
        if want.endswith("*"):
            return lambda p: any(c.lower().startswith(want[:-1]) for c in p.categories)
        return lambda p: any(c.lower() == want for c in p.categories)
    if name == "id":
        ident = parse_id(value)
        if ident is None:
            return lambda p: False
        return lambda p: p.id == ident.base and (ident.version is None or p.version == ident.version)
    words = [w.lower() for w in _WORD.findall(value)]
    prefix = value.endswith("*")
    if not words:
        return lambda p: True
    phrase = " " + " ".join(words)

    def match(p: Paper) -> bool:
        tokens = _WORDS_OF.get(name)
        if tokens is None:
            tokens = _WORDS_OF[name] = _WORD.findall(_field_text(p, name).lower())
        if len(words) == 1 and not prefix:
            return words[0] in tokens
        joined = " " + " ".join(tokens) + ("" if prefix else " ")
        return (phrase if prefix else phrase + " ") in joined

    return match


_WORDS_OF: dict[str, list[str]] = {}
"""The words of each field of the paper being matched (see `compile_query`)."""


def _field_text(p: Paper, name: str) -> str:
    if name == "ti":
        return p.title
    if name == "abs":
        return p.abstract
    if name == "au":
        return " ".join(a.name for a in p.authors)
    if name == "all":
        return " \n ".join((p.title, " ".join(a.name for a in p.authors), p.abstract, p.comment or ""))
    return {"co": p.comment or "", "jr": p.journal_ref or "", "rn": p.extra.get("report_no", "")}.get(name, "")
