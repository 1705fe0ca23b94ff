"""The editor's Markdown (intro, notes, sponsor) parsed once, as safe HTML or as tokens.

Raw HTML in notes is escaped, not passed through, and links with harmful
schemes (``javascript:``, ``vbscript:``, ``data:``, ``file:``) become
``#harmful-link``: notes are written by hand but often pasted from elsewhere.

Each text is parsed once (`tokens`) and the result is shared by the HTML
page, the email, the plain text and `digest check`; consumers must not
change the tokens.

mistune reads emphasis in time that grows with the square of the number of
``*`` and ``_`` markers in one paragraph when they nest (``*a **a *a ... a* a** a*``:
14 KB took a second, 1 MB would take hours). So a paragraph with more markers than
its length allows (`EMPHASIS_BUDGET`: a thousand in a short paragraph, eight in a
1 MB one) has them shown as typed (backslash-escaped before parsing, outside code
spans, autolinks, HTML tags and bare addresses). No note an editor writes comes near.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from markupsafe import Markup

PLUGINS = ["strikethrough", "table", "url", "footnotes"]

EMPHASIS_BUDGET = 2_000_000
"""A paragraph may hold up to this many characters x emphasis markers (between 8 and 1,000 markers)."""

_MARKER_RUN = re.compile(r"\*+|_+")
# What escaping must leave alone, and the marker runs it escapes. Every alternative is
# linear: the scans inside `<...>` stop at the next `<` or `>`, and a URL at a space.
_INLINE = re.compile(
    r"(?P<escape>\\[\s\S])"
    r"|(?P<ticks>`+)"
    r"|(?P<tag><[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>|<[A-Za-z/!?][^<>]*>)"
    r"|(?P<url>(?:https?://|www\.)[^\s<>]*)"
    r"|(?P<marker>\*+|_+)"
)
_TICKS = re.compile(r"`+")


def marker_limit(text: str) -> int:
    """How many emphasis markers a paragraph of ``text``'s length may hold before they are shown as typed."""
    return max(8, min(1000, EMPHASIS_BUDGET // max(len(text), 1)))


def defuse_emphasis(text: str) -> str:
    """``text`` (one paragraph's inline source), with its ``*`` and ``_`` markers
    backslash-escaped when there are more than `marker_limit` of them; else unchanged."""
    limit = marker_limit(text)
    if text.count("*") + text.count("_") <= limit or len(_MARKER_RUN.findall(text)) <= limit:
        return text  # the usual case, decided in C
    closers: dict[int, list[int]] = {}  # backtick run length -> where such runs start, in order
    for m in _TICKS.finditer(text):
        closers.setdefault(len(m[0]), []).append(m.start())
    next_closer = dict.fromkeys(closers, 0)
    out: list[str] = []
    markers = pos = 0
    while (m := _INLINE.search(text, pos)) is not None:
        out.append(text[pos : m.start()])
        pos = m.end()
        if m["ticks"]:  # a code span runs to the next run of as many backticks
            k, starts = len(m["ticks"]), closers[len(m["ticks"])]
            i = next_closer[k]
            while i < len(starts) and starts[i] <= m.start():
                i += 1
            next_closer[k] = i
            if i < len(starts):
                pos = starts[i] + k
        elif m["marker"]:
            run = m["marker"]
            before = text[m.start() - 1] if m.start() else " "
            after = text[pos] if pos < len(text) else " "
            if run[0] == "*" or not (before.isalnum() and after.isalnum()):  # `snake_case` is never emphasis
                markers += 1
                out.append("\\" + "\\".join(run))
                continue
        out.append(text[m.start() : pos])
    out.append(text[pos:])
    return "".join(out) if markers > limit else text


@lru_cache(maxsize=1)
def _ast_markdown() -> Any:
    import mistune
    from mistune.plugins import import_plugin

    class BoundedInline(mistune.InlineParser):  # type: ignore[misc]
        """mistune's inline parser, given each paragraph with its emphasis defused if need be."""

        def __call__(self, s: str, env: Any) -> Any:
            return super().__call__(defuse_emphasis(s), env)

    return mistune.Markdown(renderer=None, inline=BoundedInline(), plugins=[import_plugin(p) for p in PLUGINS])


@lru_cache(maxsize=1)
def _html_renderer() -> Any:
    import mistune

    # The renderer of an HTML Markdown instance, so the plugins' HTML renderers are registered.
    return mistune.create_markdown(escape=True, plugins=PLUGINS).renderer


@lru_cache(maxsize=2048)
def parse(text: str) -> tuple[list[dict[str, Any]], Any]:
    """``text`` as mistune's tokens (inline children parsed, footnotes appended) and its state."""
    tokens, state = _ast_markdown().parse(text)
    return tokens, state


def tokens(text: str) -> list[dict[str, Any]]:
    return parse(text)[0]


def to_html(text: str | None) -> Markup:
    """Markdown -> HTML fragment, safe to place in a page unescaped."""
    if not text or not text.strip():
        return Markup("")
    toks, state = parse(text)
    return Markup(_html_renderer()(toks, state).strip())  # noqa: S704 - mistune escaped it
