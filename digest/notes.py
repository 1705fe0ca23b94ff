"""The editor's Markdown (intro, notes, sponsor) parsed once, as safe HTML or as tokens.

Raw HTML in notes is escaped, not passed through, and links with harmful
schemes (``javascript:``, ``vbscript:``, ``data:``, ``file:``) become
``#harmful-link``: notes are written by hand but often pasted from elsewhere.

Each text is parsed once (`tokens`) and the result is shared by the HTML
page, the email, the plain text and `digest check`; consumers must not
change the tokens.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup

PLUGINS = ["strikethrough", "table", "url", "footnotes"]


@lru_cache(maxsize=1)
def _ast_markdown() -> Any:
    import mistune

    return mistune.create_markdown(escape=True, renderer=None, plugins=PLUGINS)


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

