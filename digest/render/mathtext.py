"""TeX math the editor writes in notes (``$O(n^2)$``, ``$\\gamma$``) as Unicode text, and as
MathML where Unicode cannot say it.

Every format shows math as Unicode: symbols and fonts through `digest.tex` (pylatexenc,
the conversion arXiv titles and abstracts get), and super- and subscripts as Unicode's
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

import re
from functools import lru_cache

from digest.tex import tex_to_text

_SUPER = dict(zip(
    "0123456789+-−=()niabcdefghjklmoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ⊤*′″†‡∗",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱᵃᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡᵀ*′″†‡∗",
    strict=True,
))  # fmt: skip
_SUB = dict(zip(
    "0123456789+-−=()aehijklmnoprstuvxβγρφχ",
    "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
    strict=True,
))  # fmt: skip
_NONLINEAR = re.compile(
    r"\\(?:[dtc]?frac|binom|[dt]binom|over|atop|choose|begin|substack|overset|underset|stackrel|"
    r"xrightarrow|xleftarrow|matrix|pmatrix|bmatrix|cases|overbrace|underbrace)(?![A-Za-z])"
    r"|\\sqrt\s*\[|\\sqrt\s*\{[^{}]{2,}"
)
_NORM = re.compile(r"\\(?:\||[lr]?Vert(?![A-Za-z]))")
_ROOT = re.compile(r"√\((.)\)")


def unicode_math(tex: str) -> str:
    """``tex`` (without its ``$``) as one line of Unicode: ``O(n^2)`` -> ``O(n²)``."""
    return _convert(tex)[0]


def is_linear(tex: str) -> bool:
    """True when `unicode_math` says all of ``tex`` (no fraction, root, matrix, or script
    without a Unicode form)."""
    return _convert(tex)[1]


@lru_cache(maxsize=2048)
def _convert(tex: str) -> tuple[str, bool]:
    out: list[str] = []
    chunk: list[str] = []
    exact = not _NONLINEAR.search(tex)
    i, n = 0, len(tex)
    while i < n:
        c = tex[i]
        if c == "\\":
            j = i + 1
            while j < n and tex[j].isalpha():
                j += 1
            j = max(j, min(i + 2, n))  # \alpha, or an escaped character such as \{ or \_
            chunk.append(tex[i:j])
            i = j
        elif c == "{":
            j = _closing(tex, i)
            inner = tex[i + 1 : j]
            if "^" in inner or "_" in inner:
                text, ok = _convert(inner)
                exact = exact and ok
                inner = text.replace("\\", "\\textbackslash{}").replace("{", "\\{").replace("}", "\\}")
            chunk.append("{" + inner + "}")
            i = j + 1
        elif c in "^_":
            out.append(_plain("".join(chunk)))
            chunk = []
            arg, i = _argument(tex, i + 1)
            text, ok = _convert(arg)
            table = _SUPER if c == "^" else _SUB
            mapped = "".join(table.get(ch, "\0") for ch in text if not ch.isspace())
            if not ok or "\0" in mapped or not text.strip():
                exact = False
                text = text.strip()
                mapped = c + (text if len(text) == 1 else f"({text})")
            out.append(mapped)
        else:
            chunk.append(c)
            i += 1
    out.append(_plain("".join(chunk)))
    return " ".join("".join(out).split()), exact


def _closing(tex: str, start: int) -> int:
    """Index of the brace closing the one at ``start`` (the end of ``tex`` when unbalanced)."""
    depth, i = 0, start
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(tex)


def _argument(tex: str, i: int) -> tuple[str, int]:
    """What a ``^`` or ``_`` at ``i - 1`` applies to: a group's content, a command with its
    groups, or one character; and where the rest starts."""
    n = len(tex)
    while i < n and tex[i].isspace():
        i += 1
    if i >= n:
        return "", n
    if tex[i] == "{":
        j = _closing(tex, i)
        return tex[i + 1 : j], j + 1
    if tex[i] == "\\":
        j = i + 1
        while j < n and tex[j].isalpha():
            j += 1
        j = max(j, min(i + 2, n))
        while j < n and tex[j] == "{":
            j = _closing(tex, j) + 1
        return tex[i:j], j
    return tex[i], i + 1


def _plain(chunk: str) -> str:
    """A piece of math without scripts at its top level, through pylatexenc; the spaces
    around it are kept (as one), so pieces join as they were written."""

    core = chunk.strip()
    if not core:
        return " " if chunk else ""
    text = tex_to_text("$" + _NORM.sub("‖", core) + "$") if any(ch in core for ch in "\\{}~$") else core
    text = _ROOT.sub(r"√\1", text)
    lead = " " if chunk[:1].isspace() else ""
    trail = " " if chunk[-1:].isspace() else ""
    return lead + text + trail


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
