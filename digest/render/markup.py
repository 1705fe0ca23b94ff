"""The editor's Markdown (intro, notes, sponsor) in the shape of each output, from one parse.

`digest.issue.notes` holds the Markdown settings (raw HTML escaped, harmful link schemes
neutralised); this module adds mistune's ``math`` plugin (with Pandoc's rule for inline
math, `INLINE_MATH`, so ``$5 and $10`` stays money), so ``$O(n^2)$`` is a formula and not
text in which ``^`` or ``_`` could turn into something else, and renders the tokens for
each place they go:

- `to_html` for the HTML outputs, in a `Flavour`: the page (local images addressed in
  the build folder, MathML where Unicode cannot say a formula), the email (images
  through ``url`` or as attached ``cid:`` parts, Unicode math, footnote marks without
  in-message links) and the feed (images through ``url``, Unicode math);
- `for_readers` for the Markdown output: the editor's text as written, except that math
  becomes Unicode and local images are addressed where the reader will find them.

In every HTML flavour a paragraph holding only images becomes one ``<figure>`` per image,
captioned by the image's Markdown *title* (``![alt](src "caption")``); the alt text stays
the ``alt`` attribute. An image inside a line of text stays inline.

The substack flavour (`digest.render.substack`) and the plain text (`digest.render.plaintext`) walk the
same tokens (`tokens`). `math_line` gives the lines outside the Markdown (an editorial
heading, the headline, the title) their math as Unicode, by the same rule.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from html import escape, unescape
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from markupsafe import Markup

from digest.issue.notes import PLUGINS as NOTE_PLUGINS
from digest.render.mathtext import is_linear, unicode_math
from digest.render.mathtext import mathml as to_mathml

if TYPE_CHECKING:
    from digest.render.images import Images

INLINE_MATH = (
    r"\$\$(?P<display_math_text>(?:[^$\\]|\\.)*?)\$\$|"
    r"\$(?P<backtick_math_marker>`+)(?P<backtick_math_text>[\s\S]*?)(?P=backtick_math_marker)\$|"
    r"\$(?!\$)(?!\s)(?P<math_text>(?:[^$\\\n]|\\.)+?)(?<!\s)\$(?!\d)"
)
"""mistune's inline math, with Pandoc's rule: the opening ``$`` has a non-space character right
after it, the closing one a non-space character right before it and no digit after it. So
``It costs $5 per $\\gamma$`` holds one formula (γ), and ``$5 and $10`` or ``$5-$10`` none."""


def _math(md: Any) -> None:
    """mistune's ``math`` plugin (``$$…$$`` blocks, ``$…$`` inline) with `INLINE_MATH`."""
    from mistune.plugins import math

    math.math(md)
    md.inline.register("inline_math", INLINE_MATH, math.parse_inline_math, before="codespan")


PLUGINS = [*NOTE_PLUGINS, _math]


@dataclass(frozen=True)
class Flavour:
    """Where an HTML output goes, and so how its images, math and footnotes are written."""

    name: str
    images: str
    """``page`` (relative to the output folder), ``public`` (through ``url``) or ``cid``."""
    mathml: bool
    """MathML for formulas Unicode cannot say (the page), else Unicode text."""
    footnote_links: bool = True
    """In-document ``#fn-1`` links (few mail clients follow them)."""


PAGE = Flavour("page", "page", True)
EMAIL = Flavour("email", "public", False, footnote_links=False)
EMAIL_CID = Flavour("email", "cid", False, footnote_links=False)
FEED = Flavour("feed", "public", False)


@lru_cache(maxsize=1)
def _ast_markdown() -> Any:
    import mistune

    return mistune.create_markdown(escape=True, renderer=None, plugins=PLUGINS)


@lru_cache(maxsize=2048)
def parse(text: str) -> tuple[list[dict[str, Any]], Any]:
    """``text`` as mistune's tokens (footnotes appended) and its state; shared, never change them."""
    return _ast_markdown().parse(text)  # type: ignore[no-any-return]


def tokens(text: str) -> list[dict[str, Any]]:
    return parse(text)[0]


def walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every token under ``nodes``, depth first, in reading order."""
    for node in nodes:
        yield node
        yield from walk(node.get("children") or [])


def plain(nodes: list[dict[str, Any]]) -> str:
    """The text of inline tokens, as a reader would read it (an image's alt text for itself)."""

    out = []
    for node in nodes:
        kind = node["type"]
        if kind in ("inline_math", "block_math"):
            out.append(unicode_math(node["raw"]))
        elif kind in ("softbreak", "linebreak"):
            out.append(" ")
        elif "children" in node:
            out.append(plain(node["children"]))
        elif kind == "text":
            raw = node.get("raw", "")
            out.append(unescape(raw) if "&" in raw else raw)
        else:
            out.append(node.get("raw", ""))
    return "".join(out)


def image_only(paragraph: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The images of a paragraph that holds nothing else (blanks and line ends aside), each
    possibly inside a link; None when the paragraph has text too."""
    found = []
    for child in paragraph.get("children") or []:
        kind = child["type"]
        if kind == "image" or (kind == "link" and [c["type"] for c in child.get("children", [])] == ["image"]):
            found.append(child)
        elif kind in ("softbreak", "linebreak") or (kind == "text" and not child.get("raw", "").strip()):
            continue
        else:
            return None
    return found or None


# HTML -------------------------------------------------------------------------------------


@dataclass
class _Context:
    """What the renderer of one `to_html` call needs: where images are, and the flavour."""

    images: Images | None
    flavour: Flavour
    cids: dict[str, str] | None


_LOCAL = threading.local()


@lru_cache(maxsize=1)
def _renderer() -> Any:
    import mistune
    from mistune.util import striptags

    class Renderer(mistune.HTMLRenderer):
        """mistune's HTML, with figures, local images, math and per-flavour footnotes."""

        @property
        def ctx(self) -> _Context:
            return _LOCAL.ctx  # type: ignore[no-any-return]

        def render_token(self, token: dict[str, Any], state: Any) -> str:
            if token["type"] == "paragraph":
                images = image_only(token)
                if images:
                    return "".join(self._figure(node, state) for node in images)
            return str(super().render_token(token, state))

        def _src(self, url: str) -> str:
            ctx = self.ctx
            if ctx.images is not None:
                if ctx.flavour.images == "cid" and ctx.cids is not None:
                    asset = ctx.images.asset(url)
                    if asset is not None and asset.src in ctx.cids:
                        return "cid:" + ctx.cids[asset.src]
                if ctx.flavour.images == "page":
                    return self.sanitize_url(ctx.images.page_src(url))
                return self.sanitize_url(ctx.images.public_src(url))
            return self.sanitize_url(url)

        def _img(self, node: dict[str, Any], state: Any, title: bool) -> str:
            attrs = node["attrs"]
            alt = striptags(self.render_tokens(node.get("children") or [], state))
            out: dict[str, object] = {"src": self._src(attrs["url"]), "alt": alt}
            if title and attrs.get("title"):
                out["title"] = attrs["title"]
            return "<img" + self.render_attrs(out) + " />"

        def _figure(self, node: dict[str, Any], state: Any) -> str:
            if node["type"] == "link":
                image = node["children"][0]
                img = self._img(image, state, title=False)
                link: dict[str, object] = {"href": self.sanitize_url(node["attrs"]["url"])}
                img = "<a" + self.render_attrs(link) + ">" + img + "</a>"
            else:
                image, img = node, self._img(node, state, title=False)
            caption = image["attrs"].get("title")
            cap = f"<figcaption>{escape(caption, quote=False)}</figcaption>" if caption else ""
            return f"<figure>{img}{cap}</figure>\n"

        def image(self, text: str, url: str, title: str | None = None) -> str:
            out: dict[str, object] = {"src": self._src(url), "alt": striptags(text)}
            if title:
                out["title"] = title
            return "<img" + self.render_attrs(out) + " />"

        def inline_math(self, text: str) -> str:
            return _math_html(text, self.ctx.flavour.mathml, display=False)

        def block_math(self, text: str) -> str:
            return f"<p>{_math_html(text, self.ctx.flavour.mathml, display=True)}</p>\n"

        def footnote_ref(self, key: str, index: int) -> str:
            if self.ctx.flavour.footnote_links:
                return f'<sup class="footnote-ref" id="fnref-{index}"><a href="#fn-{index}">{index}</a></sup>'
            return f'<sup class="footnote-ref" id="fnref-{index}">{index}</sup>'

        def footnotes(self, text: str) -> str:
            return '<section class="footnotes">\n<ol>\n' + text + "</ol>\n</section>\n"

        def footnote_item(self, text: str, key: str, index: int) -> str:
            text = text.rstrip()
            if self.ctx.flavour.footnote_links:
                back = f'<a href="#fnref-{index}" class="footnote">&#8617;</a>'
                text = text[:-4] + back + "</p>" if text.endswith("</p>") else text + back
            return f'<li id="fn-{index}">{text}</li>\n'

    # A Markdown instance registers the plugins' HTML renderers (tables, strikethrough) on it.
    return mistune.create_markdown(escape=True, renderer=Renderer(escape=True), plugins=PLUGINS).renderer


def _math_html(tex: str, mathml: bool, display: bool) -> str:

    if mathml and not is_linear(tex):
        element = to_mathml(tex, display)
        if element:
            return element
    return escape(unicode_math(tex), quote=False)


def to_html(
    text: str | None, images: Images | None = None, flavour: Flavour = PAGE, cids: dict[str, str] | None = None
) -> Markup:
    """The Markdown ``text`` as an HTML fragment safe to place unescaped; local images are
    looked up in (and recorded by) ``images``."""
    if not text or not text.strip():
        return Markup("")
    toks, state = parse(text)
    _LOCAL.ctx = _Context(images, flavour, cids)
    try:
        return Markup(_renderer()(toks, state).strip())  # noqa: S704 - mistune escaped it
    finally:
        _LOCAL.ctx = None


# Markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$&])")
_MD_LIST_NUMBER = re.compile(r"\d+(?=[.)](?:\s|$))")


def md_text(text: str) -> str:
    """Text (a title, an author, an abstract) as inert Markdown that reads as the same words:
    emphasis, code, links, HTML, tables, math and entities escaped, and so is what would
    start a heading or a list at the start: a ``#``, ``+``, ``-`` or ``=`` gets a backslash
    before it, a list number its ``.`` or ``)`` (``1\\. Intro``; a backslash before a digit
    is no escape and would show). ``1.58-bit`` starts no list and stays as it is."""
    out = _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    if out.startswith(("#", "+", "-", "=")):
        return "\\" + out
    number = _MD_LIST_NUMBER.match(out)
    return out[: number.end()] + "\\" + out[number.end() :] if number else out


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MATH_OR_CODE = re.compile(
    r"(?P<code>(?P<ticks>`+)[\s\S]*?(?P=ticks))"
    r"|(?<!\\)\$\$(?P<display>(?:[^$\\]|\\.)*?)\$\$"
    r"|(?<!\\)\$(?!\$)(?!\s)(?P<inline>(?:[^$\\\n]|\\.)+?)(?<!\s)\$(?!\d)"
)  # the code spans and math of `INLINE_MATH`, found where mistune finds them


def math_line(text: str, upper: bool = False) -> str:
    """A line the editor writes outside the Markdown (an editorial ``##`` heading, the
    headline, the title) as plain text: its math (``$…$``, read as in notes) as Unicode
    (`unicode_math`), the rest as written but for ``\\$``, which says "a dollar, not math" as
    in notes and reads ``$``. ``upper`` capitalises the rest, never the math (γ is not Γ)."""
    out, pos = [], 0
    for m in _MATH_OR_CODE.finditer(text):
        rest = text[pos : m.start()].replace("\\$", "$") + (m.group() if m["code"] is not None else "")
        out.append(rest.upper() if upper else rest)
        if m["code"] is None:
            out.append(unicode_math((m["display"] if m["display"] is not None else m["inline"]).strip()))
        pos = m.end()
    rest = text[pos:].replace("\\$", "$")
    out.append(rest.upper() if upper else rest)
    return "".join(out)


def for_readers(text: str | None, images: Images | None) -> str:
    """The editor's Markdown for the Markdown output: as written, but with math as Unicode
    (escaped, so ``a*b*c`` stays literal) and local images addressed where readers find them
    (through ``url``, else relative to the output folder)."""
    if not text or not text.strip():
        return text or ""
    maths: Counter[str] = Counter()
    srcs: dict[str, str] = {}
    for node in walk(tokens(text)):
        if node["type"] in ("inline_math", "block_math"):
            maths[node["raw"]] += 1
        elif node["type"] == "image" and images is not None:
            url = node["attrs"]["url"]
            public = images.public_src(url)
            if public != url:
                srcs[url] = public
    if not maths and not srcs:
        return text


    def math(m: re.Match[str]) -> str:
        raw = m["display"] if m["display"] is not None else m["inline"]
        if m["code"] is not None or raw is None or maths[raw.strip() if m["display"] is not None else raw] <= 0:
            return m.group()
        key = raw.strip() if m["display"] is not None else raw
        maths[key] -= 1
        return md_text(unicode_math(key))

    patterns = [(re.escape(written), new) for old, new in srcs.items() for written in {old, unquote(old)}]
    src_re = (
        re.compile(r"(\]\(\s*<?|^ {0,3}\[[^\]\n]+\]:[ \t]*<?)(" + "|".join(p for p, _ in patterns) + r")(?=[\s>)]|$)", re.M)
        if patterns else None
    )  # fmt: skip
    lookup = {**{old: new for old, new in srcs.items()}, **{unquote(old): new for old, new in srcs.items()}}
    out = []
    for chunk, code in _fenced(text):
        if not code:
            if maths:
                chunk = _MATH_OR_CODE.sub(math, chunk)
            if src_re is not None:
                chunk = src_re.sub(lambda m: m[1] + lookup[m[2]], chunk)
        out.append(chunk)
    return "".join(out)


def _fenced(text: str) -> Iterator[tuple[str, bool]]:
    """``text`` in pieces, each either inside a fenced code block or not."""
    lines = text.split("\n")
    piece: list[str] = []
    fence: str | None = None
    for i, line in enumerate(lines):
        end = "\n" if i < len(lines) - 1 else ""
        m = _FENCE.match(line)
        if fence is None and m:
            if piece:
                yield "".join(piece), False
            piece, fence = [line + end], m[1]
        elif fence is not None:
            piece.append(line + end)
            if line.strip().startswith(fence[0] * len(fence)) and set(line.strip()) == {fence[0]}:
                yield "".join(piece), True
                piece, fence = [], None
        else:
            piece.append(line + end)
    if piece:
        yield "".join(piece), fence is not None
