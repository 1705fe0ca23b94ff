"""Markdown links in issue text, found by a linear scan: `first_link` and its `Link`.

A paper section's heading carries its arXiv link, and `digest new` finds the
links in an issue being drafted, so both read links the same way. A regular
expression searching ``[a](`` repeated took quadratic time; `first_link`
reads each position a bounded number of times (tests/test_hardening.py
holds it to the old pattern's answers).
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

_PLAIN_RUN = re.compile(r"[^\[\]\\]*")
_URL_STOP = re.compile(r"[)\s>]")
_SPACE_RUN = re.compile(r"\s*")


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
