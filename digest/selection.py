"""Which papers an issue proposes: its window, the candidates, and new versions of covered papers.

    window = issue_window(issues_dir, date(2022, 10, 23), window_days=7)
    chosen = select(store, window, categories, query, coverage)
    chosen.candidates      # in the window, matching, never covered before
    chosen.replacements    # a newer version of a covered paper, updated in the window

The window runs from the day after the previous issue to the issue date,
inclusive, or ``window_days`` days ending on the issue date (``--window N``
overrides both). Days are whole UTC days, as the store keeps them.

``arxiv.query`` is what `digest fetch` asks arXiv for; the store may hold
papers fetched otherwise (RSS, seeds, another query), so the same query is
applied here to the stored records with `compile_query`: arXiv's syntax of
``ti: au: abs: co: jr: cat: id: all:`` terms, quoted phrases, ``AND``,
``OR``, ``ANDNOT`` and parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from digest.errors import ConfigError

if TYPE_CHECKING:
    from digest.history import Coverage
    from digest.paper import Paper
    from digest.store import Store


@dataclass(frozen=True)
class IssueWindow:
    """Inclusive days ``since``..``until``; ``reason`` says where ``since`` came from."""

    since: date
    until: date
    reason: str
    previous: date | None = None

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def __str__(self) -> str:
        return f"{self.since}..{self.until}"


def issue_window(
    issues_dir: Path,
    issue_date: date,
    window_days: int,
    override: int | None = None,
    files: list[tuple[date, Path]] | None = None,
) -> IssueWindow:
    """The days an issue dated ``issue_date`` covers (see the module docstring)."""
    from digest.history import previous_issue_date

    previous = previous_issue_date(issues_dir, issue_date, files)
    if override is not None:
        days = max(1, override)
        return IssueWindow(issue_date - timedelta(days=days - 1), issue_date, f"--window {override}", previous)
    if previous is not None:
        return IssueWindow(previous + timedelta(days=1), issue_date, f"after the issue of {previous}", previous)
    days = max(1, window_days)
    return IssueWindow(issue_date - timedelta(days=days - 1), issue_date, f"window_days = {window_days}", None)


@dataclass
class Selection:
    """What the store holds for a window, split for drafting."""

    window: IssueWindow
    in_window: int = 0
    """Papers first published in the window, in the configured categories."""
    not_matching: int = 0
    """Of those, left out by ``arxiv.query``."""
    covered: list[Paper] = field(default_factory=list)
    """In the window but covered by an earlier issue (any version): left out."""
    candidates: list[Paper] = field(default_factory=list)
    replacements: list[tuple[Paper, Coverage]] = field(default_factory=list)
    """A newer version of a covered paper, updated in the window, with its latest coverage."""


def select(
    store: Store,
    window: IssueWindow,
    categories: list[str],
    query: str,
    covered: dict[str, list[Coverage]],
) -> Selection:
    """Split the window's papers into candidates, covered ones and replacements.

    ``covered`` is `digest.history.coverage` of the earlier issues; only
    entries with ``annotated`` set count (a drafted candidate nobody wrote
    about was not covered).
    """
    matches = compile_query(query)
    latest = {pid: max(cs, key=lambda c: c.issue_date) for pid, cs in _annotated(covered).items()}
    out = Selection(window)
    for paper in store.papers(window.since, window.until, categories or None, by="published"):
        out.in_window += 1
        if paper.id in latest:
            out.covered.append(paper)
        elif not matches(paper):
            out.not_matching += 1
        else:
            out.candidates.append(paper)
    for pid, paper in store.get_many(latest).items():
        cov = latest[pid]
        if paper.updated is None or not window.since <= paper.updated.date() <= window.until:
            continue
        if cov.version is not None:
            newer = (paper.version or 0) > cov.version
        else:  # the issue did not say which version: newer if updated after that issue
            newer = (paper.version or 0) > 1 and paper.updated.date() > cov.issue_date
        if newer:
            out.replacements.append((paper, cov))
    out.replacements.sort(key=lambda pc: (pc[1].issue_date, pc[0].id))
    return out


def _annotated(covered: dict[str, list[Coverage]]) -> dict[str, list[Coverage]]:
    out = {}
    for pid, cs in covered.items():
        kept = [c for c in cs if c.annotated]
        if kept:
            out[pid] = kept
    return out


# -- arxiv.query on stored papers ----------------------------------------------------------

_TOKEN = re.compile(r'\s*(?:(?P<paren>[()])|(?P<field>[A-Za-z]+):(?P<fval>"[^"]*"|[^\s()"]+)|(?P<word>"[^"]*"|[^\s()"]+))')
_FIELDS = ("ti", "au", "abs", "co", "jr", "cat", "id", "all", "rn")
_WORD = re.compile(r"\w+")

Matcher = Callable[["Paper"], bool]


def compile_query(query: str) -> Matcher:
    """A predicate for stored papers equivalent (for plain terms) to arXiv's query.

    Raises `ConfigError` naming ``arxiv.query`` when the query cannot be parsed.
    """
    text = query.strip()
    if not text:
        return lambda paper: True
    tokens = _tokens(text)
    pos, matcher = _or(tokens, 0, text)
    if pos != len(tokens):
        raise _bad(text, f"unexpected {tokens[pos][1]!r}")

    def matches(paper: Paper) -> bool:
        _WORDS_OF.clear()  # a new paper: its fields are split into words once, for every term
        return matcher(paper)

    return matches


def _bad(query: str, problem: str) -> ConfigError:
    return ConfigError([f"arxiv.query: cannot apply {query!r} to the store: {problem}"])


def _tokens(text: str) -> list[tuple[str, str, str]]:
    """(kind, field, value) with kind ``(``, ``)``, ``op`` or ``term``."""
    out: list[tuple[str, str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise _bad(text, f"cannot read it at character {pos + 1}")
        pos = m.end()
        if m["paren"]:
            out.append((m["paren"], "", m["paren"]))
        elif m["field"]:
            name = m["field"].lower()
            if name not in _FIELDS:
                raise _bad(text, f"unknown field {m['field']!r}; use one of {', '.join(_FIELDS)}")
            out.append(("term", name, m["fval"].strip('"')))
        elif m["word"] in ("AND", "OR", "ANDNOT"):
            out.append(("op", "", m["word"]))
        else:
            out.append(("term", "all", m["word"].strip('"')))
    return out


def _or(tokens: list[tuple[str, str, str]], pos: int, text: str) -> tuple[int, Matcher]:
    pos, left = _and(tokens, pos, text)
    while pos < len(tokens) and tokens[pos] == ("op", "", "OR"):
        pos, right = _and(tokens, pos + 1, text)
        left = (lambda a, b: lambda p: a(p) or b(p))(left, right)
    return pos, left


def _and(tokens: list[tuple[str, str, str]], pos: int, text: str) -> tuple[int, Matcher]:
    pos, left = _atom(tokens, pos, text)
    while pos < len(tokens) and tokens[pos][0] in ("op", "term", "("):
        op = tokens[pos][2] if tokens[pos][0] == "op" else "AND"  # juxtaposition is AND
        if op == "OR":
            break
        pos, right = _atom(tokens, pos + 1 if tokens[pos][0] == "op" else pos, text)
        if op == "ANDNOT":
            left = (lambda a, b: lambda p: a(p) and not b(p))(left, right)
        else:
            left = (lambda a, b: lambda p: a(p) and b(p))(left, right)
    return pos, left


def _atom(tokens: list[tuple[str, str, str]], pos: int, text: str) -> tuple[int, Matcher]:
    if pos >= len(tokens):
        raise _bad(text, "it ends where a term was expected")
    kind, name, value = tokens[pos]
    if kind == "(":
        pos, inner = _or(tokens, pos + 1, text)
        if pos >= len(tokens) or tokens[pos][0] != ")":
            raise _bad(text, "a '(' is never closed")
        return pos + 1, inner
    if kind != "term":
        raise _bad(text, f"unexpected {value!r}")
    return pos + 1, _term(name, value)


def _term(name: str, value: str) -> Matcher:
    if name == "cat":
        want = value.lower()
        if want.endswith("*"):
            return lambda p: any(c.lower().startswith(want[:-1]) for c in p.categories)
        return lambda p: any(c.lower() == want for c in p.categories)
    if name == "id":
        from digest.ids import parse_id

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
