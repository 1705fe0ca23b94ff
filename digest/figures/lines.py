"""The text `digest figures` prints: the listing, the Markdown to paste, the credit line.

Markdown for one figure, ready to paste under a paper's notes::

    ![α-scaled O(n²) attention beats linear attention](https://arxiv.org/html/2205.05131v3/x2.png "Figure 2: α-scaled O(n²) attention beats linear attention at 10⁹ parameters.")

    Figure 2 from Tay et al., [arXiv:2205.05131](https://arxiv.org/abs/2205.05131), [CC BY 4.0](http://creativecommons.org/licenses/by/4.0/)

The alt text is the caption's first sentence (at most `ALT_LENGTH`
characters); the image title is "Figure N: caption", which the Substack
output (and most Markdown renderers' figure styles) shows as the caption.
The credit line is its own paragraph, so the image stays a figure. A caption's
math reads as the editor's math does outside the HTML page (``O(n^{2})`` ->
``O(n²)``, ``\\frac{1}{n}`` -> ``1/n``): `digest.tex.unicode_math`, applied when the
page is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from digest.errors import UsageError
from digest.figures.model import REUSE_ASK, REUSE_CREDIT, REUSE_FREE, REUSE_UNKNOWN, Figure, Licence, PaperFigures

if TYPE_CHECKING:
    from digest.paper import Paper

ALT_LENGTH = 100
"""Most characters of alt text taken from a caption."""

_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "dos", "das", "ten",
              "ter", "zu", "bin", "al", "el"}  # fmt: skip
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")
_ALT_ESCAPE = re.compile(r"([\\\[\]*_`<>$~&])")
"""What alt text escapes: Markdown's inline syntax, and ``$`` (math), ``~`` (strikethrough), ``&`` (entities)."""


# -- credit --------------------------------------------------------------------------------
def surname(name: str) -> str:
    """The surname of an author as arXiv lists them: ``Yi Tay`` -> ``Tay``,
    ``Laurens van der Maaten`` -> ``van der Maaten``, ``Tay, Yi`` -> ``Tay``."""
    name = " ".join(name.split())
    if not name:
        return ""
    if "," in name:
        head, tail = (p.strip() for p in name.split(",", 1))
        if tail.lower() not in _SUFFIXES and head:
            return head
        name = head
    if any(w in name.lower().split() for w in ("collaboration", "team", "consortium", "group")):
        return name
    words = name.split()
    while len(words) > 1 and words[-1].lower() in _SUFFIXES:
        words.pop()
    last = [words.pop()]
    while words and words[-1].lower() in _PARTICLES:
        last.insert(0, words.pop())
    return " ".join(last)


def credit_names(surnames: Sequence[str]) -> str:
    """``Tay`` / ``Gardner and Plaster`` / ``Tay et al.`` (more than two authors); "" without authors."""
    names = [s for s in surnames if s]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


def paper_credit(paper: Paper | None, surnames: Sequence[str] = ()) -> str:
    """Who to credit: arXiv's own surnames (OAI-PMH) when known, else the paper's author names."""
    if surnames:
        return credit_names(surnames)
    if paper is None:
        return ""
    return credit_names([surname(n) for n in paper.author_names])


def credit_line(figure: Figure | None, base_id: str, credit: str, licence: Licence | None) -> str:
    """``Figure 2 from Tay et al., [arXiv:2205.05131](https://arxiv.org/abs/2205.05131)``, plus the
    licence (linked) when it is a Creative Commons one: CC BY asks for it to be named."""
    what = f"Figure {figure.number}" if figure is not None and figure.number else "Figure"
    who = f" {credit}," if credit else ""
    line = f"{what} from{who} [arXiv:{base_id}](https://arxiv.org/abs/{base_id})"
    if licence is not None and licence.url and licence.reuse not in (REUSE_ASK, REUSE_UNKNOWN):
        line += f", [{licence.name}]({licence.url})"
    return line


# -- Markdown --------------------------------------------------------------------------------
def short_caption(caption: str, limit: int = ALT_LENGTH) -> str:
    """The caption's first sentence, at most ``limit`` characters (cut at a word, with an ellipsis)."""
    text = " ".join(caption.split())
    first = _SENTENCE.split(text, 1)[0]
    if first.endswith(".") and not first.endswith(".."):
        first = first[:-1]
    if len(first) <= limit:
        return first
    cut = first[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _alt(text: str) -> str:
    return _ALT_ESCAPE.sub(r"\\\1", text)


def _title(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _url(url: str) -> str:
    if any(c in url for c in " ()<>"):
        return "<" + url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E") + ">"
    return url


def _caption_of(figure: Figure, parent: Figure | None) -> str:
    """A panel's caption followed by its figure's: ``Encoder — Two panels: the encoder and the decoder.``"""
    if parent is None or not parent.caption:
        return figure.caption
    if not figure.caption:
        return parent.caption
    return f"{figure.caption} — {parent.caption}"


def notes(figure: Figure, page: str = "") -> list[str]:
    """What the editor should know before using ``figure``: drawn in the page (no image file to
    link: screenshot it, at ``page#anchor``), or an SVG image (mail clients such as Gmail and
    Outlook show none: the email needs a PNG of it). Sentences without markup."""
    name = f"Figure {figure.number}" if figure.number else f"Figure {figure.label} (unnumbered)"
    where = f"{page}#{figure.anchor}" if page and figure.anchor else (page or figure.anchor or "")
    out = []
    if not figure.images:
        out.append(f"{name} is drawn in the page, not an image file: screenshot it{f' from {where}' if where else ''}")
    elif figure.drawn:  # image files and a part drawn in the page: the image lines alone miss that part
        out.append(f"{name} is partly drawn in the page, which no image line shows: screenshot it"
                   f"{f' from {where}' if where else ''} to show it whole")  # fmt: skip
    if figure.images and any(is_svg(url) for url in figure.images):
        out.append(f"{name} is an SVG image, which Gmail and Outlook do not show in an email: for the email, "
                   f"screenshot it{f' from {where}' if where else ''} and use the PNG")  # fmt: skip
    return out


def is_svg(url: str) -> bool:
    """Whether the image address names an SVG file."""
    return urlsplit(url).path.lower().endswith((".svg", ".svgz"))


def image_lines(figure: Figure, parent: Figure | None, base_id: str, credit: str, licence: Licence | None) -> list[str]:
    """The Markdown for one figure (or panel): an image line per image, a blank line, the credit;
    [] for a figure without an image file (`notes` says what to do)."""
    caption = _caption_of(figure, parent)
    name = f"Figure {figure.number}" if figure.number else ""
    if not figure.images:
        return []
    alt = short_caption(caption) or (f"{name} of arXiv:{base_id}" if name else f"A figure of arXiv:{base_id}")
    out = []
    n = len(figure.images)
    for i, url in enumerate(figure.images, 1):
        label = name + (f" (image {i} of {n})" if n > 1 and name else "")
        title = f"{label}: {caption}" if label and caption else (label or caption)
        title_part = f' "{_title(title)}"' if title else ""
        out.append(f"![{_alt(alt)}]({_url(url)}{title_part})")
    out += ["", credit_line(figure, base_id, credit, licence)]
    return out


def select(result: PaperFigures, labels: Iterable[str]) -> list[Figure]:
    """The figures named by ``labels`` (``2``, ``2a``, ``p4``), in page order; every figure when none.

    A figure named whole brings its panels along. Raises `UsageError` for a
    label the paper does not have, listing the ones it has.
    """

    wanted = [lab.strip() for lab in labels if lab.strip()]
    if not wanted:
        return list(result.figures)
    by_label = {f.label.lower(): f for f in result.figures}
    for f in result.figures:  # "p4" names every figure by its position, numbered or not
        if f.panel is None:
            by_label.setdefault(f"p{f.position}", f)
    chosen: set[str] = set()
    for lab in wanted:
        key = lab.lower().removeprefix("figure").strip()
        fig = by_label.get(key)
        if fig is None:
            have = ", ".join(f.label for f in result.figures) or "none"
            raise UsageError(f"{result.versioned_id} has no figure {lab!r}; its figures are {have}")
        chosen.add(fig.label)
        if fig.panel is None:
            chosen.update(f.label for f in result.figures if f.parent == fig.label)
    return [f for f in result.figures if f.label in chosen]


def markdown(result: PaperFigures, labels: Iterable[str] = ()) -> str:
    """The lines to paste for the figures named by ``labels`` (all when none).

    A licence that does not allow reuse without asking comes first, as an
    HTML comment (comments never reach the rendered issue).
    """
    figures = select(result, labels)
    parents = {f.label: f for f in result.figures if f.panel is None}
    out: list[str] = []
    lic = result.licence
    if not lic.allows_reuse:
        out.append(f"<!-- {result.versioned_id}: {escape_comment(lic.name)}: {escape_comment(lic.advice)} -->")
    for f in figures:
        has_panels = any(p.parent == f.label for p in figures)
        if f.panel is None and not f.images and has_panels:
            continue  # the panels carry the images (and this figure's caption)
        if out:
            out.append("")
        out += [f"<!-- {escape_comment(note)} -->" for note in notes(f, result.page)]
        out += image_lines(f, parents.get(f.parent or ""), result.id, result.credit, lic)
    return "\n".join(out) + "\n"


def figure_lines(figures: Sequence[Figure], paper: Paper, licence: Licence | None = None,
                 surnames: Sequence[str] = ()) -> str:  # fmt: skip
    """The figures as one HTML comment to place in an issue, under a paper's ``digest:paper`` comment.

    The editor moves a figure's lines out of the comment to use it; until
    then nothing reaches the output. Place it after the ``digest:paper``
    comment, not inside: its lines are Markdown, not the YAML that comment holds.
    Any ``-->`` in a caption is written ``-- >``. "" when there are no figures.
    """
    return _comment(figures, paper.id, paper.versioned_id, paper_credit(paper, surnames), licence, "")


def figures_comment(result: PaperFigures) -> str:
    """`figure_lines` for what `paper_figures` or `cached_figures` found (its credit and licence)."""
    return _comment(result.figures, result.id, result.versioned_id, result.credit, result.licence, result.page)


COMMENT_HEAD = "figures of arXiv:"
"""How a figure comment starts (after ``<!-- ``): `has_figure_comment` looks for it."""


def has_figure_comment(text: str, base_id: str) -> bool:
    """Whether ``text`` (a section) holds the figure comment of ``base_id`` (any version), even one
    the editor emptied: an empty ``<!-- figures of arXiv:ID -->`` keeps `digest new --figures` away."""
    return re.search(rf"<!--\s*{re.escape(COMMENT_HEAD + base_id)}(?![\d.])", text) is not None


def _comment(figures: Sequence[Figure], base_id: str, vid: str, credit: str, licence: Licence | None,
             page: str) -> str:  # fmt: skip
    if not figures:
        return ""
    head = f"{COMMENT_HEAD}{vid}"
    if licence is not None:
        head += f" ({licence.name}: {'reuse with credit' if licence.reuse in (REUSE_CREDIT, REUSE_FREE) else licence.advice})"
    head += "; to use one, move its lines out of this comment"
    parents = {f.label: f for f in figures if f.panel is None}
    body: list[str] = []
    for f in figures:
        if f.panel is None and not f.images and any(p.parent == f.label for p in figures):
            continue
        if body:
            body.append("")
        body += [f"({note})" for note in notes(f, page)]
        body += image_lines(f, parents.get(f.parent or ""), base_id, credit, licence)
    return "\n".join(["<!-- " + escape_comment(head), *(escape_comment(b) for b in body), "-->"])


def escape_comment(text: str) -> str:
    """``text`` safe inside an HTML comment: ``-->`` (which would close it) becomes ``-- >``."""
    while "-->" in text:
        text = text.replace("-->", "-- >")
    return text.replace("<!--", "<! --")


# -- the listing ---------------------------------------------------------------------------------
def listing(result: PaperFigures, labels: Iterable[str] = ()) -> list[str]:
    """What `digest figures ID [FIGURE...]` prints: a header, the licence, then each figure and its images."""
    figures = select(result, labels)
    n = sum(1 for f in result.figures if f.panel is None)
    out = [f"{result.versioned_id}: {n} figure{'s' if n != 1 else ''} from {result.page}"]
    lic = result.licence
    out.append(f"licence: {lic.name}{f' ({lic.url})' if lic.url else ''}: {lic.advice}")
    width = max((len(f.label) + (2 if f.panel else 0) for f in figures), default=1) + 2
    for f in figures:
        caption = f.caption or "(no caption)"
        name = ("  " if f.panel else "") + f.label
        out.append(f"{name:<{width}}{caption}")
        for url in f.images:
            out.append(f"{'':<{width}}{url}")
        if f.drawn or (not f.images and not any(p.parent == f.label for p in result.figures)):
            link = f"{result.page}#{f.anchor}" if f.anchor else result.page
            out.append(f"{'':<{width}}(drawn in the page, no image file: screenshot it from {link})")
        elif any(is_svg(url) for url in f.images):
            out.append(f"{'':<{width}}(an SVG image: Gmail and Outlook show none in an email; use a PNG screenshot there)")
    return out


def json_data(result: PaperFigures, labels: Iterable[str] = ()) -> dict[str, Any]:
    """What `digest figures ID --json` prints: `PaperFigures.as_dict` with the selected figures."""
    data = result.as_dict()
    data["figures"] = [f.as_dict() for f in select(result, labels)]
    data["credit_line"] = credit_line(None, result.id, result.credit, result.licence)
    return data
