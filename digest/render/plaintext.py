"""The issue as plain text (the email's text/plain part and `--format text`).

Built from the editor's Markdown (mistune's syntax tree), not from the HTML:
converters that read the email HTML merge paragraphs in layout tables and
leak the hidden preheader. Paragraphs are wrapped at 72 columns; a link
becomes ``text [n]`` and its address is listed as ``[n] URL`` at the end of
its section. Numbers run through the whole issue, so ``[7]`` means one link.
Nothing the editor wrote is dropped: raw HTML is kept as the text it shows
on the page, tables become one line per row, footnotes are listed as
``[^1] text`` under the section. Ordered lists keep their numbers (a list the
editor starts at 3 counts 3, 4, ...), both kinds of hard line break end a
line, math is Unicode (``O(n²)``), and a local image's reference is its copy
in the build folder (through ``url`` when set), or, in the text part of an email
that carries the image as a part, ``[2] (image attached: fig5.png)``: a mail
reader cannot follow a path relative to build/.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from digest.render.markup import math_line, tokens
from digest.render.mathtext import unicode_math
from digest.render.view import derived

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.render import IssueView
    from digest.render.images import Images

WIDTH = 72
RULE = "-" * WIDTH


def clean_line(text: str) -> str:
    """One line: every run of whitespace (CR and LF included) becomes one space."""
    return " ".join(str(text).split())


@dataclass
class _Links:
    """Numbered link references: shared numbering, listed per section."""

    number: int = 0
    pending: list[tuple[int, str]] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)

    def add(self, url: str) -> int:
        self.number += 1
        self.pending.append((self.number, url))
        return self.number

    def flush(self) -> list[str]:
        lines = [f"[{n}] {url}" for n, url in self.pending]
        lines += self.footnotes
        self.pending, self.footnotes = [], []
        return lines


class _Writer:
    def __init__(self, links: _Links, images: Images | None = None, attached: dict[str, str] | None = None) -> None:
        self.links = links
        self.images = images
        self.attached = attached or {}  # the images an email carries as parts: `Asset.src` -> file name

    # inline ---------------------------------------------------------------
    def inline(self, nodes: list[dict[str, Any]]) -> str:
        out = []
        for node in nodes:
            kind = node["type"]
            if kind == "text":
                out.append(html.unescape(node.get("raw", "")))
            elif kind in ("inline_html", "block_html"):
                out.append(node.get("raw", ""))
            elif kind == "codespan":
                out.append(f"`{node['raw']}`")
            elif kind in ("softbreak", "linebreak"):
                out.append("\n" if kind == "linebreak" else " ")
            elif kind in ("emphasis", "strong"):
                out.append("*" + self.inline(node.get("children", [])) + "*")
            elif kind == "strikethrough":
                out.append("~" + self.inline(node.get("children", [])) + "~")
            elif kind == "link":
                out.append(self._link(node))
            elif kind == "image":
                out.append(self._image(node))
            elif kind == "footnote_ref":
                out.append(f"[^{node['raw']}]")
            elif kind in ("inline_math", "block_math"):
                out.append(unicode_math(node["raw"]))
            else:
                out.append(self.inline(node.get("children", [])) or node.get("raw", ""))
        return "".join(out)

    def _link(self, node: dict[str, Any]) -> str:
        url = clean_line(html.unescape(node["attrs"]["url"]))
        text = self.inline(node.get("children", []))
        if clean_line(text) in (url, url.removeprefix("mailto:")):
            return text  # an autolink shows its own address
        return f"{text} [{self.links.add(url)}]"

    def _image(self, node: dict[str, Any]) -> str:
        alt = self.inline(node.get("children", []))
        title = node["attrs"].get("title")
        if not title or title == alt:
            caption = alt or "image"
        elif not alt.strip() or _caption_starts(title, alt):
            caption = title  # `digest figures`' lines: the alt text is the caption's first sentence, maybe cut
        else:
            caption = f"{alt}: {title}"
        url = node["attrs"]["url"]
        if self.images is not None:
            asset = self.images.asset(url) if self.attached else None
            if asset is not None and asset.src in self.attached:
                return f"[image: {caption}] [{self.links.add(attached_note(self.attached[asset.src]))}]"
            url = self.images.public_src(url)
        return f"[image: {caption}] [{self.links.add(clean_line(html.unescape(url)))}]"

    # blocks ---------------------------------------------------------------
    def blocks(self, nodes: list[dict[str, Any]], indent: str = "") -> list[str]:
        """Paragraph-like chunks (each a string of lines), separated by blank lines by the caller."""
        chunks: list[str] = []
        for node in nodes:
            kind = node["type"]
            if kind == "blank_line":
                continue
            if kind in ("paragraph", "block_text"):
                chunks.append(wrap(self.inline(node["children"]), indent))
            elif kind == "heading":
                text = clean_line(self.inline(node["children"]))
                chunks.append(wrap(text.upper() if node["attrs"]["level"] <= 2 else text, indent))
            elif kind == "list":
                chunks.append(self._list(node, indent))
            elif kind == "block_quote":
                inner = "\n\n".join(self.blocks(node["children"]))
                chunks.append("\n".join(indent + ("> " + line if line else ">") for line in inner.split("\n")))
            elif kind == "block_code":
                code = node["raw"].rstrip("\n")
                chunks.append("\n".join(indent + "    " + line if line else "" for line in code.split("\n")))
            elif kind == "thematic_break":
                chunks.append(indent + "* * *")
            elif kind == "block_math":
                chunks.append(wrap(unicode_math(node["raw"]), indent))
            elif kind == "table":
                chunks.append(self._table(node, indent))
            elif kind == "block_html":
                chunks.append("\n".join(indent + line for line in node["raw"].strip("\n").split("\n")))
            elif kind == "footnotes":
                for item in node["children"]:
                    body = "\n\n".join(self.blocks(item["children"]))
                    self.links.footnotes.append(wrap(f"[^{item['attrs']['key']}] {body}", "", hang="     "))
            elif "children" in node:
                chunks.extend(self.blocks(node["children"], indent))
            elif node.get("raw"):
                chunks.append(wrap(node["raw"], indent))
        return chunks

    def _list(self, node: dict[str, Any], indent: str) -> str:
        ordered = node["attrs"].get("ordered")
        start = node["attrs"].get("start", 1) or 1
        items = []
        for i, item in enumerate(node["children"]):
            marker = f"{start + i}. " if ordered else "- "
            inner = self.blocks(item.get("children", []), indent + " " * len(marker))
            text = ("\n" if node.get("tight", True) else "\n\n").join(inner)
            text = text[len(indent) + len(marker):] if text.startswith(indent + " " * len(marker)) else text.lstrip()
            items.append(indent + marker + text)
        return ("\n" if node.get("tight", True) else "\n\n").join(items)

    def _table(self, node: dict[str, Any], indent: str) -> str:
        rows = []
        for part in node["children"]:
            row_nodes = [part] if part["type"] == "table_head" else part["children"]
            for row in row_nodes:
                cells = [clean_line(self.inline(c["children"])) for c in row["children"]]
                rows.append(wrap(" | ".join(cells), indent, hang="  "))
        return "\n".join(rows)


def wrap(text: str, indent: str = "", hang: str = "") -> str:
    """``text`` wrapped at 72 columns, hard line breaks kept; URLs and long words never split.

    What `textwrap.fill` does with ``break_long_words`` and ``break_on_hyphens`` off
    (a test holds the two equal), as one greedy pass over the words: textwrap's
    general machinery is most of the cost of a plain-text issue.
    """
    lines = []
    for piece in text.split("\n"):
        words = piece.split()
        if not words:
            continue
        line, size = [indent], len(indent)  # line[0] is the indent; size counts it
        for word in words:
            if len(line) > 1 and size + 1 + len(word) > WIDTH:
                lines.append(line[0] + " ".join(line[1:]))
                line, size = [indent + hang, word], len(indent) + len(hang) + len(word)
            else:
                size += len(word) + (len(line) > 1)
                line.append(word)
        lines.append(line[0] + " ".join(line[1:]))
    return "\n".join(lines)


def markdown_to_text(
    markdown: str, links: _Links | None = None, images: Images | None = None, attached: dict[str, str] | None = None
) -> str:
    """Markdown as wrapped plain text (links numbered into ``links``; local images found in
    ``images``, those in ``attached`` named as attachments)."""
    if not markdown or not markdown.strip():
        return ""
    writer = _Writer(links or _Links(), images, attached)
    return "\n\n".join(c for c in writer.blocks(tokens(markdown)) if c.strip())


def render_text(view: IssueView, settings: Settings, attached: dict[str, str] | None = None) -> str:
    """The whole issue as plain text. ``attached`` maps the `Asset.src` of each local image an
    email carries as a part to the part's file name: the email's text part says the image
    is attached instead of giving its path in the build folder."""
    key = "email-text" if attached else "text"  # one email's attachments are the same every time
    return str(derived(view, settings, key, lambda: _render_text(view, settings, attached)))


def attached_note(name: str) -> str:
    """What the text part lists for an image the email carries as the part ``name``."""
    return f"(image attached: {name})"


def _render_text(view: IssueView, settings: Settings, attached: dict[str, str] | None = None) -> str:
    links = _Links()
    out: list[str] = []

    def section(lines: list[str]) -> None:
        refs = links.flush()
        body = "\n\n".join(x for x in lines if x)
        out.append(body + ("\n\n" + "\n".join(refs) if refs else ""))

    title = wrap(clean_line(view.title))
    head = [title + "\n" + "=" * min(WIDTH, max(len(x) for x in title.split("\n")))]
    byline = " · ".join(x for x in (clean_line(settings.name), view.date, clean_line(settings.author)) if x)
    head.append(wrap(byline))
    images = view.images
    head.append(markdown_to_text(view.sponsor, links, images, attached))
    head.append(markdown_to_text(view.intro, links, images, attached))
    section(head)
    for s in view.sections:
        if s.paper is None:
            heading = math_line(s.heading_source or s.heading, upper=True)  # capitals, but γ stays γ
            section([wrap(clean_line(heading)), markdown_to_text(s.notes, links, images, attached)])
            continue
        p = s.paper
        meta = " · ".join(x for x in (p.authors_short, f"arXiv:{p.versioned_id}", ", ".join(p.categories)) if x)
        lines = [wrap(clean_line(p.title)) + "\n" + p.url + "\n" + wrap(meta)]
        if p.show_abstract:
            lines.append("\n".join("> " + x if x else ">" for x in "\n\n".join(wrap(a) for a in p.abstract).split("\n")))
        else:
            lines.append(markdown_to_text(p.notes, links, images, attached))
        section(lines)
    footer = [x for x in (clean_line(settings.author), clean_line(settings.url)) if x]

    unsubscribe = [u for u in settings.unsubscribe_targets() if u.startswith("https://")]
    text = ("\n\n" + RULE + "\n\n").join(x for x in out if x)
    tail = " · ".join(footer + ["made with digest"])
    if unsubscribe:
        tail += "\nUnsubscribe:\n" + unsubscribe[0]
    return _tidy(text + "\n\n" + RULE + "\n" + tail + "\n")


def _tidy(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text)


_FIGURE_LABEL = re.compile(r"Fig(?:ure|\.)\s*\S+(?: \(image \d+ of \d+\))?:\s*")
"""The label `digest figures` puts before a caption in an image's title (``Figure 2 (image 1 of 3): ``)."""


def _caption_starts(title: str, alt: str) -> bool:
    """Whether the caption in ``title`` (after its figure label) starts with the words of ``alt``
    (its trailing "." or "…" left out): then the alt text says nothing the caption does not."""
    words = alt.strip().rstrip(".…").strip()
    m = _FIGURE_LABEL.match(title)
    rest = title[m.end():] if m else title
    n = len(words)
    return bool(words) and rest[:n].casefold() == words.casefold() and not rest[n : n + 1].isalnum()
