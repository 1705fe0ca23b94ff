"""The editor's Markdown (intro, notes, sponsor) as safe HTML, via mistune.

Raw HTML in notes is escaped, not passed through, and links with harmful
schemes (``javascript:``, ``vbscript:``, ``data:``, ``file:``) become
``#harmful-link``: notes are written by hand but often pasted from elsewhere.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup

PLUGINS = ["strikethrough", "table", "url", "footnotes"]


@lru_cache(maxsize=1)
def _markdown() -> Any:
    import mistune

    return mistune.create_markdown(escape=True, plugins=PLUGINS)


def to_html(text: str | None) -> Markup:
    """Markdown -> HTML fragment, safe to place in a page unescaped."""
    if not text or not text.strip():
        return Markup("")
    return Markup(_markdown()(text).strip())  # noqa: S704 - mistune escaped it


def to_inline_html(text: str | None) -> Markup:
    """Like `to_html`, without the wrapping ``<p>`` of a one-paragraph text."""
    html = str(to_html(text))
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)  # noqa: S704
