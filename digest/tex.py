"""arXiv's TeX in titles and abstracts, shown as readable Unicode (via pylatexenc); and
math (the editor's ``$O(n^2)$``, a figure caption's formula) as one line of Unicode.

Only rendering (and reading figure captions) calls this: the store and issue files keep TeX
as written.

pylatexenc reads its input a character at a time in Python (about 2 ms for a
typical abstract sentence), so it is given only the TeX itself: each math
span (``$...$``, ``\\(...\\)``), command with its arguments (``\\emph{...}``,
``\\'e``), brace group and special (``~``, ``--``, quotes), one at a time;
the plain words between them pass through as they are. Spans repeat across
abstracts (``$p$``, ``$\\varepsilon$``), so their conversions are cached.

`unicode_math` writes a formula as one line of Unicode: symbols and fonts through the
same conversion, super- and subscripts as Unicode's superscript and subscript characters
(``n^2`` -> ``n²``, ``x_{t-1}`` -> ``xₜ₋₁``), which pylatexenc leaves as ``n^2`` and
``x_t-1``, and what Unicode cannot say written linearly (``a/b``, ``2^(n/2)``);
`is_linear` says whether that Unicode says all of it. The editor's notes
(`digest.render.mathtext`) and figure captions (`digest.figures.parse`) both use it.

May import: nothing (the foundation every other part stands on).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_NEEDS_TEX = re.compile(r"[\\${}~]")
# Characters TeX treats as special that arXiv authors often mean literally ("50%", "R&D").
_LITERAL = re.compile(r"(?<!\\)([%&#])")
_SPACES = re.compile(r"[ \t\n\r\f\v]+")
_ODD_SPACES = ("  ", "\n", "\t", "\r", "\f", "\v")
_PARAGRAPH = re.compile(r"\n[ \t]*\n|\n(?=  +\S)")

# The spans are found in time linear in the text, whatever it holds (a title of "\\(" or
# "\\a[" repeated once took quadratic time): every repetition is possessive, so a failed
# span is given up without retrying shorter ones, and each kind of span that can fail
# after a long scan stops at the next opener of its kind, so no stretch of text is
# scanned by more than a few starts. Brace groups nest up to eight deep.
_GROUP = r"\{[^{}]*+\}"
for _ in range(7):
    _GROUP = r"\{(?:[^{}]++|" + _GROUP + r")*+\}"
# What an accent takes: a group, a dotless i or j (\i, \j), or one letter.
_ACCENTED = r"(?:\s*+(?:" + _GROUP + r"|\\[ij](?![A-Za-z])\s*+|[A-Za-z]))"  # TeX eats the space after \i
_SPAN = re.compile(
    r"\$\$(?:\\.|[^$\\]++)*+\$\$"  # display math
    r"|\$(?:\\.|[^$\\]++)*+\$"  # inline math (a lone "$35" has no closing "$" and stays as written)
    r"|\\\((?:[^\\]++|\\(?![()]))*+\\\)"  # \( ... \), up to the next \( or \)
    r"|\\\[(?:[^\\]++|\\(?![][]))*+\\\]"  # \[ ... \], up to the next \[ or \]
    r"|\\[Hvcudbrkt](?![A-Za-z])" + _ACCENTED + r"\s*+"  # letter-named accents: \H o, \v{s}, \c c
    r"|\\[A-Za-z]++\*?(?:\s*+(?:" + _GROUP + r"|\[[^][]*+\]))*+\s*+"  # \command[opt]{arg}, and the space TeX eats
    r"|\\(?:[^A-Za-z\s]" + _ACCENTED + r"?|\s)"  # \'e, \'{e}, \'\i, \%, "\ "
    r"|" + _GROUP + r"|~|-{2,3}|``|''|[!?]`",
    re.S,
)
# Math that needs no TeX engine: "$p$", "$50$", "$(a, b)$".
_PLAIN_MATH = re.compile(r"\$[A-Za-z0-9.,;()+=<>/| ]*\$")


# Unicode's explicit direction controls (embeddings, overrides, isolates) and marks. In a
# title or an abstract they reorder what a reader sees, e.g. U+202E shows the rest of a
# title backwards; the letters of right-to-left scripts are not touched.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


def has_bidi(text: str) -> bool:
    return _BIDI.search(text) is not None


def strip_bidi(text: str) -> str:
    """``text`` without Unicode direction controls (for text that comes from arXiv)."""
    return _BIDI.sub("", text) if _BIDI.search(text) else text


_KEEP_ARGUMENT = ("texttt", "textsf", "textsl", "textup", "textmd", "textnormal", "mbox", "operatorname")
"""Macros whose argument is their text (as for ``\\textbf``, which pylatexenc knows)."""


def _href(node: Any, l2tobj: Any) -> str:
    """``\\href{url}{text}`` as ``text (<url>)``, or ``<url>`` when the text is the address."""
    args = node.nodeargd.argnlist if node.nodeargd else []
    if len(args) < 2 or args[0] is None:
        return ""
    url = re.sub(r"\\([%&#_~])", r"\1", args[0].latex_verbatim().strip().removeprefix("{").removesuffix("}"))
    label = l2tobj.nodelist_to_text([args[1]]).strip() if args[1] is not None else ""
    return f"<{url}>" if label in ("", url, f"<{url}>") else f"{label} (<{url}>)"


@lru_cache(maxsize=1)
def _converter() -> Any:
    from pylatexenc import latex2text, latexwalker
    from pylatexenc.macrospec import MacroSpec

    # pylatexenc's walker knows these macros' arguments but its text context has no rule for
    # them, so their words were dropped (\texttt{repo} -> ""), or, for \href, which the walker
    # does not know, the text rule failed and the whole span stayed TeX: taught here.
    texts = latex2text.get_default_latex_context_db()
    texts.add_context_category("digest", prepend=True, macros=[
        *(latex2text.MacroTextSpec(m, "%(1)s") for m in _KEEP_ARGUMENT),
        latex2text.MacroTextSpec("href", _href),
    ])  # fmt: skip
    to_text = latex2text.LatexNodes2Text(latex_context=texts, math_mode="text", strict_latex_spaces=False)
    context = latexwalker.get_default_latex_context_db()  # built once, not once per text
    context.add_context_category("digest", prepend=True,
                                 macros=[MacroSpec("href", "{{"), *(MacroSpec(m, "{") for m in _KEEP_ARGUMENT)])

    def convert(tex: str) -> str:
        nodes = latexwalker.LatexWalker(tex, latex_context=context, tolerant_parsing=True).get_latex_nodes()[0]
        return str(to_text.nodelist_to_text(nodes))

    return convert


@lru_cache(maxsize=4096)
def _convert_span(span: str) -> str:
    if _PLAIN_MATH.fullmatch(span):
        return span[1:-1]
    try:
        return str(_converter()(span))
    except Exception:  # pylatexenc is tolerant, but a TeX bug must never stop a render
        return span


def _convert(text: str) -> str:
    text = _LITERAL.sub(r"\\\1", text)
    out, pos = [], 0
    for match in _SPAN.finditer(text):
        out += [text[pos : match.start()], _convert_span(match.group())]
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def tex_to_text(text: str | None) -> str:
    """One line of Unicode: ``Fr\\'echet`` -> ``Fréchet``, ``$1.45\\times$`` -> ``1.45×``.

    A text without TeX (no backslash, dollar, brace or tilde) is only tidied.
    """
    if not text:
        return ""
    if _NEEDS_TEX.search(text):
        text = _convert(_squeeze(text))
    return _squeeze(text)


def _squeeze(text: str) -> str:
    """Every run of ASCII whitespace as one space, trimmed. (A regex substitution costs
    ~0.1 ms on an abstract even when every space is single, so it runs only when needed.)"""
    if any(odd in text for odd in _ODD_SPACES):
        text = _SPACES.sub(" ", text)
    return text.strip()


def paragraphs(text: str | None) -> list[str]:
    """An abstract split at its paragraph breaks (a blank line, or arXiv's indented line)."""
    if not text:
        return []
    return [p for p in (tex_to_text(chunk) for chunk in _PARAGRAPH.split(text.strip())) if p]


# -- math as one line of Unicode -------------------------------------------------------------

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
_MATH_DEPTH = 8
"""Scripts, and groups holding scripts, are read this deep (``x^{y^{z}}`` is two). Each level
reads the formula once at most, so the time stays linear in its length, and a formula nested
thousands deep (a caption's TeX comes from arXiv) cannot exhaust Python's stack."""
_TEX_MARKUP = re.compile(r"\\[A-Za-z]*+|[{}$]")
"""What is dropped from math nested deeper than that: commands (``\\alpha`` too), braces and ``$``;
its letters, digits and ``^``/``_`` stay as written (no real formula nests so deep, and the
levels above would each read the TeX through pylatexenc again)."""


def unicode_math(tex: str) -> str:
    """``tex`` (without its ``$``) as one line of Unicode: ``O(n^2)`` -> ``O(n²)``."""
    return _math(tex)[0]


def is_linear(tex: str) -> bool:
    """True when `unicode_math` says all of ``tex`` (no fraction, root, matrix, or script
    without a Unicode form)."""
    return _math(tex)[1]


@lru_cache(maxsize=2048)
def _math(tex: str, depth: int = 0) -> tuple[str, bool]:
    if depth > _MATH_DEPTH:
        return " ".join(_TEX_MARKUP.sub(" ", tex).split()), False
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
                text, ok = _math(inner, depth + 1)
                exact = exact and ok
                inner = text.replace("\\", "\\textbackslash{}").replace("{", "\\{").replace("}", "\\}")
            chunk.append("{" + inner + "}")
            i = j + 1
        elif c in "^_":
            out.append(_plain("".join(chunk)))
            chunk = []
            arg, i = _argument(tex, i + 1)
            text, ok = _math(arg, depth + 1)
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
