"""TeX math the editor writes in notes (``$O(n^2)$``, ``$\\gamma$``) as Unicode text, and as
MathML where Unicode cannot say it.

Every format shows math as Unicode, through `digest.tex.unicode_math` (re-exported here
with `is_linear`; figure captions get the same conversion): symbols and fonts through
pylatexenc, as arXiv titles and abstracts get them, and super- and subscripts as Unicode's
superscript and subscript characters (``n^2`` -> ``n²``, ``x_{t-1}`` -> ``xₜ₋₁``), which
pylatexenc leaves as ``n^2`` and ``x_t-1``. The rule for the HTML page: math is *linear*
when that Unicode says all of it; anything else (a fraction, a root of more than one
symbol, a matrix or other environment, a script that has no Unicode form such as
``2^{n/2}`` or a script on a script) is written as MathML in the page, with the Unicode
text as its ``alttext``. Other formats (email, feed, Substack, plain text, Markdown) get
the Unicode text, written out linearly (``a/b``, ``2^(n/2)``): mail clients and Substack's
editor do not show MathML.

MathML comes from latex2mathml (imported only when a formula needs it) and is rebuilt
from an allow-list of MathML elements and attributes, so TeX can never bring markup,
links or styles into the page.
"""

from __future__ import annotations

from functools import lru_cache

from digest.tex import is_linear, unicode_math

__all__ = ["is_linear", "mathml", "unicode_math"]

# MathML ------------------------------------------------------------------------------------

_ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace msup msub msubsup mfrac msqrt mroot mover munder munderover "
    "mtable mtr mtd mstyle mpadded mphantom menclose merror semantics".split()
)
_ATTRIBUTES = frozenset(
    "display mathvariant stretchy fence separator lspace rspace linethickness accent accentunder "
    "movablelimits columnalign rowalign columnspacing rowspacing columnlines rowlines frame displaystyle "
    "scriptlevel minsize maxsize symmetric largeop form width height depth notation".split()
)


def mathml(tex: str, display: bool = False) -> str | None:
    """``tex`` as a ``<math>`` element (MathML Core), or None when latex2mathml cannot read
    it or is not installed. Only MathML elements and presentation attributes survive."""
    return _mathml(tex, display)


@lru_cache(maxsize=512)
def _mathml(tex: str, display: bool) -> str | None:
    import html
    import xml.etree.ElementTree as ET

    try:
        from latex2mathml.converter import convert
    except ImportError:
        return None
    try:
        root = ET.fromstring(convert(tex, display="block" if display else "inline"))
    except Exception:  # noqa: BLE001 - a formula latex2mathml cannot read stays Unicode text
        return None

    def write(el: ET.Element) -> str:
        tag = el.tag.rpartition("}")[2]
        inner = html.escape(el.text or "", quote=False) + "".join(
            write(child) + html.escape(child.tail or "", quote=False) for child in el
        )
        if tag not in _ELEMENTS:
            return inner  # an element TeX smuggled in (``\text{<b>x</b>}``): its text only
        attrs = "".join(
            f' {name}="{html.escape(value)}"' for name, value in sorted(el.attrib.items()) if name in _ATTRIBUTES
        )
        return f"<{tag}{attrs}>{inner}</{tag}>"

    out = write(root)
    alt = html.escape(unicode_math(tex))
    return out.replace("<math", f'<math alttext="{alt}"', 1) if out.startswith("<math") else None
