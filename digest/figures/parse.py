"""Figures out of arXiv's HTML rendering of a paper (LaTeXML's markup), with lxml.html.

What LaTeXML writes, and arXiv serves (checked against LaTeXML 0.8.7's own
output in ``tests/fixtures/latexml`` and pages from arxiv.org/html)::

    <figure class="ltx_figure" id="S3.F2">
      <img class="ltx_graphics" src="x2.png">                 (arXiv: src="2205.05131v3/x2.png")
      <object class="ltx_graphics" type="image/svg+xml" data="fig.svg">   (a vector image)
      <svg class="ltx_picture">...</svg>                       (TikZ drawn in the page: no file)
      <figure class="ltx_figure [ltx_figure_panel]" id="S3.F2.sf1">   (a subfigure: its own
        <img ...><figcaption>(a) ...</figcaption></figure>             image and caption)
      <figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_figure">Figure 2: </span>
        text with <math alttext="O(n^{2})">...</math></figcaption>
    </figure>

A figure without a caption has no tag (and no number). Tables are
``figure.ltx_table`` and are not figures. Image addresses are relative to the
page's URL (after redirects) and are resolved against it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from digest.figures.model import Figure
from digest.tex import unicode_math

_SPACES = re.compile(r"\s+")
_SKIP = frozenset({"script", "style", "noscript", "template"})


class NotLatexml(Exception):
    """The page is not a LaTeXML rendering (arXiv's 'no HTML' page, an error page, ...)."""


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split())


def _is_figure(el: Any) -> bool:
    return el.tag == "figure" and "ltx_figure" in _classes(el)


def is_latexml(doc: Any) -> bool:
    """Whether the parsed page is a LaTeXML document (arXiv's renderings all are)."""
    return bool(doc.xpath("//*[contains(@class, 'ltx_document') or contains(@class, 'ltx_page_main')]"))


def parse_figures(body: bytes, page_url: str) -> list[Figure]:
    """Every figure of the page ``body`` served at ``page_url``, panels after their figure.

    Raises `NotLatexml` when the page is not a LaTeXML rendering at all.
    """
    import lxml.etree
    import lxml.html

    if not body.strip():
        raise NotLatexml("the page is empty")
    try:
        doc = lxml.html.document_fromstring(body, parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise NotLatexml(f"the page is not HTML ({exc})") from None
    if not is_latexml(doc):
        raise NotLatexml("the page is not a LaTeXML rendering")
    out: list[Figure] = []
    position = 0
    for el in doc.iter("figure"):
        if not _is_figure(el) or any(_is_figure(a) for a in el.iterancestors("figure")):
            continue
        position += 1
        out += _figure(el, page_url, position)
    return out


def _figure(el: Any, page_url: str, position: int) -> list[Figure]:
    parts = _Parts()
    parts.walk(el)
    tag, caption = _caption(parts.captions)
    number = _number(tag)
    label = number or f"p{position}"
    figure = Figure(
        label=label,
        number=number,
        caption=caption,
        images=tuple(_resolve(page_url, parts.images)),
        anchor=el.get("id"),
        position=position,
        drawn=parts.drawn,
    )
    out = [figure]
    for i, panel_el in enumerate(parts.panels):
        sub = _Parts()
        sub.walk(panel_el, nested=True)
        ptag, pcaption = _caption(sub.captions)
        letter = (_number(ptag) or "").strip("()") or _letter(i)
        out.append(Figure(
            label=f"{label}{letter}",
            number=f"{number}{letter}" if number else None,
            caption=pcaption,
            images=tuple(_resolve(page_url, sub.images)),
            anchor=panel_el.get("id"),
            position=position,
            panel=letter,
            parent=label,
            drawn=sub.drawn,
        ))  # fmt: skip
    return out


def _letter(i: int) -> str:
    return chr(ord("a") + i) if i < 26 else str(i + 1)


class _Parts:
    """What belongs to one figure: its images, captions and panels (nested figures' own parts are theirs)."""

    def __init__(self) -> None:
        self.images: list[str] = []
        self.captions: list[Any] = []
        self.panels: list[Any] = []
        self.drawn = False

    def walk(self, el: Any, nested: bool = False) -> None:
        for child in el:
            if not isinstance(child.tag, str):  # comments, processing instructions
                continue
            if child.tag == "figure" and _is_figure(child):
                if nested:  # a panel inside a panel: its images count as the panel's
                    self.walk(child, nested=True)
                else:
                    self.panels.append(child)
                continue
            if child.tag == "figcaption":
                self.captions.append(child)
                continue
            if child.tag == "img":
                src = (child.get("src") or "").strip()
                if src and not src.startswith("data:"):
                    self.images.append(src)
                continue
            if child.tag == "object":
                data = (child.get("data") or "").strip()
                if data and not data.startswith("data:"):
                    self.images.append(data)
                continue
            if child.tag == "svg":
                self.drawn = True
                continue
            if child.tag in _SKIP:
                continue
            self.walk(child, nested)


def _resolve(page_url: str, sources: list[str]) -> list[str]:
    """The image addresses as absolute http(s) URLs, each once; any other scheme (``javascript:``,
    ``file:``) is no image a reader could load, and is left out."""
    out: list[str] = []
    for src in sources:
        try:
            url = urljoin(page_url, src)
            if urlsplit(url).scheme.lower() not in ("http", "https"):
                continue
        except ValueError:  # an address urllib cannot read ("http://[x")
            continue
        if url not in out:
            out.append(url)
    return out


def _caption(captions: list[Any]) -> tuple[str, str]:
    """The tag text (``Figure 2:``) and the caption text (Unicode) of the figure's caption."""
    if not captions:
        return "", ""
    chosen = next((c for c in captions if c.xpath(".//*[contains(@class, 'ltx_tag_figure')]")), captions[0])
    tag: list[str] = []
    text: list[str] = []
    _text(chosen, text, tag)
    return _squeeze("".join(tag)), _squeeze("".join(text))


def _text(el: Any, out: list[str], tag: list[str]) -> None:
    if el.text:
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str):
            classes = _classes(child)
            if child.tag == "math":
                out.append(_math(child))
            elif "ltx_tag" in classes and not tag and not "".join(out).strip():
                tag.append(child.text_content())  # the leading "Figure 2: " / "(a)"
            elif "ltx_note" in classes or child.tag in _SKIP:
                pass  # a footnote's mark and text are not the caption
            elif child.tag == "br":
                out.append(" ")
            else:
                _text(child, out, tag)
        if child.tail:
            out.append(child.tail)


def _math(el: Any) -> str:
    """A formula as one line of Unicode: its TeX (LaTeXML's ``alttext``) through `unicode_math`,
    as the editor's math reads outside the HTML page (``O(n^{2})`` -> ``O(n²)``, ``\\frac{a}{b}``
    -> ``a/b``)."""

    tex = el.get("alttext")
    if tex is None:
        notes = el.xpath(".//*[local-name()='annotation'][@encoding='application/x-tex']")
        tex = notes[0].text_content() if notes else None
    if tex is None or not tex.strip():
        return el.text_content()
    return unicode_math(tex.strip())


def _number(tag: str) -> str | None:
    """``Figure 2:`` -> ``2``; ``Fig. S3.`` -> ``S3``; ``(a)`` -> ``(a)``; "" -> None."""
    tag = tag.strip().rstrip(":.").strip()
    if not tag:
        return None
    return tag.split()[-1]


def _squeeze(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
