"""arXiv's TeX in titles and abstracts, shown as readable Unicode (via pylatexenc).

Only rendering calls this: the store and issue files keep TeX as written.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_NEEDS_TEX = re.compile(r"[\\${}~]")
# Characters TeX treats as special that arXiv authors often mean literally ("50%", "R&D").
_LITERAL = re.compile(r"(?<!\\)([%&#])")
_SPACES = re.compile(r"[ \t\r\f\v]*\n[ \t\r\f\v]*|[ \t\r\f\v]+")
_PARAGRAPH = re.compile(r"\n[ \t]*\n|\n(?=  +\S)")


@lru_cache(maxsize=1)
def _converter() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text
    from pylatexenc.latexwalker import LatexWalker, get_default_latex_context_db

    to_text = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)
    context = get_default_latex_context_db()  # built once, not once per text

    def convert(tex: str) -> str:
        nodes = LatexWalker(tex, latex_context=context, tolerant_parsing=True).get_latex_nodes()[0]
        return str(to_text.nodelist_to_text(nodes))

    return convert


_SENTENCE = re.compile(r"(?<=[.!?;:])\s+")


def _chunks(text: str) -> list[str]:
    """``text`` cut at sentence ends, never inside ``$...$`` or ``{...}``."""
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE.split(text):
        current = f"{current} {sentence}" if current else sentence
        unescaped = current.replace("\\$", "").replace("\\{", "").replace("\\}", "")
        if unescaped.count("$") % 2 == 0 and unescaped.count("{") == unescaped.count("}"):
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def _convert(chunk: str) -> str:
    if not _NEEDS_TEX.search(chunk):
        return chunk
    try:
        return str(_converter()(_LITERAL.sub(r"\\\1", chunk)))
    except Exception:  # pylatexenc is tolerant, but a TeX bug must never stop a render
        return chunk


def tex_to_text(text: str | None) -> str:
    """One line of Unicode: ``Fr\\'echet`` -> ``Fréchet``, ``$1.45\\times$`` -> ``1.45×``.

    Only the sentences that hold TeX go through pylatexenc (it is slow, and
    most sentences of an abstract have none).
    """
    if not text:
        return ""
    if _NEEDS_TEX.search(text):
        text = " ".join(_convert(chunk) for chunk in _chunks(_SPACES.sub(" ", text).strip()))
    return _SPACES.sub(" ", text).strip()


def paragraphs(text: str | None) -> list[str]:
    """An abstract split at its paragraph breaks (a blank line, or arXiv's indented line)."""
    if not text:
        return []
    return [p for p in (tex_to_text(chunk) for chunk in _PARAGRAPH.split(text.strip())) if p]
