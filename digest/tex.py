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

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def tex_to_text(text: str | None) -> str:
    """One line of Unicode: ``Fr\\'echet`` -> ``Fréchet``, ``$1.45\\times$`` -> ``1.45×``."""
    if not text:
        return ""
    if _NEEDS_TEX.search(text):
        try:
            text = _converter().latex_to_text(_LITERAL.sub(r"\\\1", text))
        except Exception:  # pylatexenc is tolerant, but a TeX bug must never stop a render
            pass
    return _SPACES.sub(" ", text).strip()


def paragraphs(text: str | None) -> list[str]:
    """An abstract split at its paragraph breaks (a blank line, or arXiv's indented line)."""
    if not text:
        return []
    return [p for p in (tex_to_text(chunk) for chunk in _PARAGRAPH.split(text.strip())) if p]
