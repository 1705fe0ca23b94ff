"""The issue as clean HTML for the Substack editor (`--format substack`, "Copy for Substack").

Substack has no Markdown import and no API: its editor (ProseMirror, with a Tiptap-style
schema) takes pasted rich HTML and keeps headings, paragraphs, lists (an ordered list's
``start``), links, blockquotes, code, hard line breaks and images (``src``, ``alt``,
``title``). So this flavour holds only those elements: no styles, no classes, no tables
(a Markdown table becomes a list, one item per row), no in-page anchors (footnote marks
become ``[1]`` and the notes a plain list), no whitespace around blocks. The issue title
and headline are not part of it: they go into Substack's own title and subtitle fields.

It is written straight from the Markdown's tokens (`digest.render.markup.tokens`), as the plain
text is. Images: a paragraph that holds only images gives one ``<figure>`` per image,
captioned by the Markdown title (``![alt](src "caption")``, the ``alt`` stays alt text);
an image inside a line of text becomes its alt text, because Substack's images are blocks
and the editor would cut the paragraph in three around it. A local image is addressed
through ``url`` (where `digest build` publishes its copy), else by its copy's path in the
build folder, which Substack cannot fetch: drag such a figure into the editor yourself.
Math is Unicode text (``O(n²)``). A ``*``, ``_`` or ``~~`` that could open an emphasis gets an invisible WORD
JOINER before it, so the editor's paste rules (Markdown shortcuts applied to pasted text)
leave it as written.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from markupsafe import Markup

from digest.render.markup import image_only, plain, tokens
from digest.render.mathtext import unicode_math
from digest.render.view import derived

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.render import IssueView
    from digest.render.images import Images

HEADINGS = {1: "h3", 2: "h3", 3: "h3", 4: "h4", 5: "h4", 6: "h4"}
"""Notes' headings sit under the papers' ``<h2>``: ``#`` to ``###`` become ``<h3>``, deeper ``<h4>``."""


def _literal(text: str, prev: str = "") -> str:
    """``text`` as HTML whose characters stay literal through the editor's paste rules.

    Tiptap's (and so, probably, Substack's) editor applies Markdown shortcuts to pasted text:
    ``a *b* c`` becomes "a b c" with b in italics, the asterisks gone. A ``*``, ``_`` or
    ``~~`` that could open such a run (first, or after a space; ``prev`` is the character
    before ``text``) gets an invisible WORD JOINER (U+2060) before it, which no rule matches."""
    if "*" in text or "_" in text or "~~" in text:
        out = []
        for i, ch in enumerate(text):
            if (ch in "*_" or (ch == "~" and text[i + 1 : i + 2] == "~")) and (not prev or prev.isspace()):
                out.append("\u2060")
            out.append(ch)
            prev = ch
        text = "".join(out)
    return html.escape(text, quote=False)


def _esc(text: str) -> str:
    """A whole text (a title, a heading, an abstract paragraph) as literal HTML."""
    return _literal(text)


class _Writer:
    def __init__(self, base: str, images: Images | None) -> None:
        self.base = base.strip()
        self.images = images
        self.prev = ""
        """The last character of text written in the current text block ("" at its start)."""

    def text(self, text: str) -> str:
        out = _literal(text, self.prev)
        self.prev = text[-1:] or self.prev
        return out

    def textblock(self, nodes: list[dict[str, Any]]) -> str:
        self.prev = ""
        return self.inline(nodes)

    def url(self, value: str) -> str | None:
        """A link target Substack keeps: http(s) and mailto as they are, a relative one
        against ``url``; anything else (``javascript:``, ``#fn-1``) is no link."""
        value = value.strip()
        scheme = urlsplit(value).scheme.lower()
        if scheme in ("http", "https", "mailto"):
            return value
        if not scheme and not value.startswith("#") and self.base:
            return urljoin(self.base.rstrip("/") + "/", value)
        return None

    def src(self, value: str) -> str | None:
        if self.images is not None:
            public = self.images.public_src(value)
            if public != value or self.images.asset(value) is not None:
                return public
        url = self.url(value)
        return url if url and not url.startswith("mailto:") else None

    # inline -----------------------------------------------------------------------------
    def inline(self, nodes: list[dict[str, Any]]) -> str:

        out = []
        for node in nodes:
            kind = node["type"]
            if kind == "text":
                raw = node["raw"]
                out.append(self.text(html.unescape(raw) if "&" in raw else raw))
            elif kind in ("emphasis", "strong", "strikethrough"):
                tag = {"emphasis": "em", "strong": "strong", "strikethrough": "s"}[kind]
                out.append(f"<{tag}>{self.inline(node['children'])}</{tag}>")
            elif kind == "codespan":
                out.append(f"<code>{self.text(node['raw'])}</code>")
            elif kind == "linebreak":
                out.append("<br>")
            elif kind == "softbreak":
                out.append(" ")
            elif kind == "link":
                href = self.url(node["attrs"]["url"])
                inner = self.inline(node.get("children") or [])
                out.append(f'<a href="{html.escape(href)}">{inner}</a>' if href else inner)
            elif kind == "image":
                out.append(self.inline(node.get("children") or []))  # Substack's images are blocks
            elif kind in ("inline_html", "block_html"):
                out.append(self.text(node.get("raw", "")))
            elif kind == "footnote_ref":
                out.append(f"[{node['attrs']['index']}]")
            elif kind in ("inline_math", "block_math"):
                out.append(self.text(unicode_math(node["raw"])))
            elif "children" in node:
                out.append(self.inline(node["children"]))
            else:
                out.append(self.text(node.get("raw", "")))
        return "".join(out)

    # blocks -----------------------------------------------------------------------------
    def blocks(self, nodes: list[dict[str, Any]]) -> list[str]:

        out: list[str] = []
        for node in nodes:
            kind = node["type"]
            if kind == "blank_line":
                continue
            if kind == "paragraph":
                images = image_only(node)
                if images:
                    out.extend(self.figure(image) for image in images)
                    continue
                inner = self.textblock(node["children"]).strip()
                if inner:
                    out.append(f"<p>{inner}</p>")
            elif kind == "block_text":
                out.append(self.textblock(node["children"]).strip())
            elif kind == "heading":
                tag = HEADINGS[node["attrs"]["level"]]
                out.append(f"<{tag}>{' '.join(self.textblock(node['children']).split())}</{tag}>")
            elif kind == "list":
                out.append(self.list(node))
            elif kind == "block_quote":
                out.append("<blockquote>" + "".join(self.blocks(node["children"])) + "</blockquote>")
            elif kind == "block_code":  # paste rules leave code blocks alone
                out.append(f"<pre><code>{html.escape(node['raw'], quote=False)}</code></pre>")
            elif kind == "thematic_break":
                out.append("<hr>")
            elif kind == "table":
                out.append(self.table(node))
            elif kind == "block_html":
                raw = node.get("raw", "").strip()
                if raw:
                    out.append(f"<p>{_literal(raw)}</p>")
            elif kind == "block_math":
                out.append(f"<p>{_literal(unicode_math(node['raw']))}</p>")
            elif kind == "footnotes":
                items = ["<li>" + "".join(self.blocks(item["children"])) + "</li>" for item in node["children"]]
                out.append("<ol>" + "".join(items) + "</ol>")
            elif "children" in node:
                out.extend(self.blocks(node["children"]))
        return [x for x in out if x]

    def list(self, node: dict[str, Any]) -> str:
        attrs = node.get("attrs") or {}
        start = attrs.get("start", 1) or 1
        if attrs.get("ordered"):
            head = f'<ol start="{int(start)}">' if start != 1 else "<ol>"
            tag = "ol"
        else:
            head, tag = "<ul>", "ul"
        items = ["<li>" + "".join(self.blocks(item.get("children") or [])) + "</li>" for item in node["children"]]
        return head + "".join(items) + f"</{tag}>"

    def figure(self, node: dict[str, Any]) -> str:
        image = node["children"][0] if node["type"] == "link" else node
        attrs = image["attrs"]
        alt = " ".join(plain(image.get("children") or []).split())
        src = self.src(attrs["url"])
        if not src:
            return f"<p>{_literal(alt)}</p>" if alt else ""
        title = attrs.get("title") or ""
        img = f'<img src="{html.escape(src)}" alt="{html.escape(alt)}"'
        img += f' title="{html.escape(title)}">' if title else ">"
        caption = f"<figcaption>{_literal(title)}</figcaption>" if title else ""
        return f"<figure>{img}{caption}</figure>"

    def table(self, node: dict[str, Any]) -> str:
        """A table as a list: one item per body row, each cell named by its column heading."""
        head: list[str] = []
        rows: list[list[str]] = []
        for part in node["children"]:
            if part["type"] == "table_head":
                head = [self.textblock(cell["children"]).strip() for cell in part["children"]]
            else:
                rows += [[self.textblock(cell["children"]).strip() for cell in row["children"]] for row in part["children"]]
        items = []
        for row in rows:
            cells = [f"<strong>{head[i]}:</strong> {text}" if i < len(head) and head[i] else text
                     for i, text in enumerate(row)]  # fmt: skip
            items.append("<li>" + "; ".join(cells) + "</li>")
        return "<ul>" + "".join(items) + "</ul>" if items else ""


def markdown_to_substack(markdown: str | None, base: str = "", images: Images | None = None) -> str:
    """The editor's Markdown as Substack's HTML, one top-level block per line."""
    if not markdown or not markdown.strip():
        return ""
    return "\n".join(_Writer(base, images).blocks(tokens(markdown)))


def render_substack(view: IssueView, settings: Settings) -> str:
    """The `substack` format: the issue body as clean HTML, ending with a newline."""
    return substack_html(view, settings) + "\n"


def substack_html(view: IssueView, settings: Settings) -> str:

    return str(derived(view, settings, "substack", lambda: _substack_html(view, settings)))


def _substack_html(view: IssueView, settings: Settings) -> str:
    base, images = settings.url, view.images
    parts = []
    if view.sponsor:
        parts.append(markdown_to_substack(view.sponsor, base, images))
    parts.append(markdown_to_substack(view.intro, base, images))
    for s in view.sections:
        if s.paper is None:
            parts.append(f"<h2>{_esc(' '.join(s.heading.split()))}</h2>")
            parts.append(markdown_to_substack(s.notes, base, images))
            continue
        p = s.paper
        parts.append(f'<h2><a href="{html.escape(p.url)}">{_esc(p.title)}</a></h2>')
        meta = " · ".join(x for x in (p.authors_short, f"arXiv:{p.versioned_id}") if x)
        parts.append(f"<p><em>{_esc(meta)}</em></p>")
        if p.show_abstract:
            parts.append("<blockquote>" + "".join(f"<p>{_esc(a)}</p>" for a in p.abstract) + "</blockquote>")
        else:
            parts.append(markdown_to_substack(p.notes, base, images))
    return "\n".join(x for x in parts if x)


def substack_json(view: IssueView, settings: Settings) -> Any:
    """`substack_html` as a JSON string that can sit inside ``<script>`` untouched."""

    text = json.dumps(substack_html(view, settings), ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return Markup(text)  # noqa: S704 - JSON with every markup character escaped
