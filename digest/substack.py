"""The issue as clean HTML for the Substack editor (`--format substack`, "Copy for Substack").

Substack has no Markdown import and no API: its editor (ProseMirror) takes
pasted rich HTML and keeps headings, paragraphs, lists, links, blockquotes,
code and images. So this flavour holds only those elements: no styles, no
classes, no tables (a Markdown table becomes a list, one item per row), no
in-page anchors (footnote marks become ``[1]`` and the notes a plain list),
no whitespace around blocks. The issue title and headline are not part of it:
they go into Substack's own title and subtitle fields.
"""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.render import IssueView

BLOCKS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "blockquote", "pre", "hr", "figure", "figcaption"}
INLINE = {"a", "strong", "em", "code", "s", "br", "img"}
ALLOWED = BLOCKS | INLINE
RENAME = {"b": "strong", "i": "em", "del": "s", "strike": "s", "h1": "h3", "h2": "h3", "h3": "h3",
          "h5": "h4", "h6": "h4"}
VOID = {"br", "hr", "img"}
DROP_WITH_CONTENT = {"script", "style", "template", "iframe", "object", "svg", "math"}


class _Node:
    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: dict[str, str] | None = None) -> None:
        self.tag = tag
        self.attrs = attrs or {}
        self.children: list[_Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _TreeBuilder:
    """The tree, from start tags, end tags and text, whichever reader found them."""

    def __init__(self) -> None:
        self.root = _Node("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


class _Cleaner:
    def __init__(self, base: str) -> None:
        self.base = base

    def url(self, value: str) -> str | None:
        value = value.strip()
        scheme = urlsplit(value).scheme.lower()
        if scheme in ("http", "https", "mailto"):
            return value
        if not scheme and not value.startswith("#") and self.base:
            return urljoin(self.base.rstrip("/") + "/", value)
        return None

    def children(self, node: _Node, pre: bool = False) -> str:
        out = []
        for child in node.children:
            if isinstance(child, str):
                text = child if pre else " ".join(child.replace("\n", " ").split(" "))
                if not pre and node.tag in ("#root", "ul", "ol", "blockquote", "section", "div", "table") and not text.strip():
                    continue
                out.append(html.escape(text, quote=False))
            else:
                out.append(self.node(child, pre))
        return "".join(out)

    def node(self, node: _Node, pre: bool = False) -> str:
        tag = RENAME.get(node.tag, node.tag)
        cls = node.attrs.get("class", "")
        if tag in DROP_WITH_CONTENT or (tag == "a" and "footnote" == cls):
            return ""
        if tag == "sup" and "footnote-ref" in cls:
            return f"[{html.escape(node.text().strip())}]"
        if tag == "table":
            return self.table(node)
        if tag == "p" and len(node.children) == 1 and isinstance(node.children[0], _Node) and node.children[0].tag == "img":
            return self.figure(node.children[0])
        if tag == "img":
            src = self.url(node.attrs.get("src", ""))
            if not src:
                return html.escape(node.attrs.get("alt", ""), quote=False)
            return f'<img src="{html.escape(src)}" alt="{html.escape(node.attrs.get("alt", ""))}">'
        if tag == "a":
            href = self.url(node.attrs.get("href", ""))
            inner = self.children(node, pre)
            return f'<a href="{html.escape(href)}">{inner}</a>' if href else inner
        inner = self.children(node, pre or tag == "pre")
        if tag not in ALLOWED:
            return inner
        if tag in VOID:
            return f"<{tag}>"
        if tag == "p":
            inner = inner.strip()
            if not inner:
                return ""
        return f"<{tag}>{inner}</{tag}>"

    def figure(self, img: _Node) -> str:
        image = self.node(img)
        if not image.startswith("<img"):
            return f"<p>{image}</p>" if image else ""
        caption = img.attrs.get("title") or img.attrs.get("alt") or ""
        cap = f"<figcaption>{html.escape(caption, quote=False)}</figcaption>" if caption else ""
        return f"<figure>{image}{cap}</figure>"

    def table(self, node: _Node) -> str:
        """A table as a list: one item per body row, each cell named by its column heading."""
        rows: list[list[tuple[bool, str]]] = []

        def walk(n: _Node) -> None:
            for c in n.children:
                if isinstance(c, _Node):
                    if c.tag == "tr":
                        rows.append([(x.tag == "th", self.children(x).strip()) for x in c.children
                                     if isinstance(x, _Node) and x.tag in ("th", "td")])
                    else:
                        walk(c)

        walk(node)
        head = [text for _, text in rows[0]] if rows and all(is_th for is_th, _ in rows[0]) else []
        body = rows[1:] if head else rows
        items = []
        for row in body:
            cells = [f"<strong>{head[i]}:</strong> {text}" if i < len(head) and head[i] else text
                     for i, (_, text) in enumerate(row)]
            items.append("<li>" + "; ".join(cells) + "</li>")
        return "<ul>" + "".join(items) + "</ul>" if items else ""


# Only ASCII whitespace separates names here: html.parser reads "a\xa0href" as one tag name.
_TAG = re.compile(
    r"<(?:(?P<name>[a-zA-Z][a-zA-Z0-9]*)(?P<attrs>(?:[ \t\n\r\f]+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:[ \t\n\r\f]*=[ \t\n\r\f]*\"[^\"<]*\")?)*)"
    r"[ \t\n\r\f]*(?P<slash>/?)|/(?P<end>[a-zA-Z][a-zA-Z0-9]*)[ \t\n\r\f]*)>"
)
_ATTR = re.compile(r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:[ \t\n\r\f]*=[ \t\n\r\f]*\"([^\"]*)\")?")
_RAW_TEXT = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"}


def _tree(fragment: str) -> _Node:
    """``fragment`` as a tree; the HTML mistune writes is split by one regex, anything else
    (comments, unquoted attributes, a stray ``<``) goes through `html.parser`. Both feed the
    same `_TreeBuilder` calls, and a property test holds the two trees equal: html.parser
    reads a character at a time, and was two thirds of this flavour's cost."""
    builder = _TreeBuilder()
    pos = 0
    for m in _TAG.finditer(fragment):
        if "<" in fragment[pos : m.start()]:
            break
        if m.start() > pos:
            text = fragment[pos : m.start()]
            builder.handle_data(html.unescape(text) if "&" in text else text)
        pos = m.end()
        if m["end"]:
            builder.handle_endtag(m["end"].lower())
            continue
        tag = m["name"].lower()
        if tag in _RAW_TEXT:
            break
        attrs = [(a[1].lower(), html.unescape(a[2]) if a[2] and "&" in a[2] else a[2]) for a in _ATTR.finditer(m["attrs"])]
        (builder.handle_startendtag if m["slash"] else builder.handle_starttag)(tag, attrs)
    else:
        if "<" not in fragment[pos:]:
            if pos < len(fragment):
                text = fragment[pos:]
                builder.handle_data(html.unescape(text) if "&" in text else text)
            return builder.root
    return parser_tree(fragment)


def parser_tree(fragment: str) -> _Node:
    """``fragment`` as `html.parser` reads it (imported only when needed)."""
    from html.parser import HTMLParser

    class Reader(_TreeBuilder, HTMLParser):
        def __init__(self) -> None:
            HTMLParser.__init__(self, convert_charrefs=True)
            _TreeBuilder.__init__(self)

    reader = Reader()
    reader.feed(fragment)
    reader.close()
    return reader.root


def clean_html(fragment: str, base: str = "") -> str:
    """An HTML fragment reduced to the elements Substack keeps, one top-level block per line."""
    root = _tree(str(fragment))
    cleaner = _Cleaner(base)
    blocks = []
    for child in _flatten(root):
        if isinstance(child, str):
            if child.strip():
                blocks.append(f"<p>{html.escape(' '.join(child.split()), quote=False)}</p>")
            continue
        out = cleaner.node(child)
        if out.strip():
            blocks.append(out)
    return _tight("\n".join(blocks))


_BLOCK_TAGS = r"(?:ul|ol|li|p|blockquote|pre|figure|figcaption|h[2-4])"


def _tight(html_text: str) -> str:
    """No whitespace next to block tags (the editor would keep it as text)."""
    html_text = re.sub(rf"[ \t]+(</?{_BLOCK_TAGS}>)", r"\1", html_text)
    return re.sub(rf"(<{_BLOCK_TAGS}>)[ \t]+", r"\1", html_text)


def _flatten(root: _Node) -> list[_Node | str]:
    """Top-level blocks, looking through wrappers such as the footnotes ``<section>``."""
    out: list[_Node | str] = []
    for child in root.children:
        if isinstance(child, _Node) and child.tag in ("section", "div", "main", "article"):
            out.extend(_flatten(child))
        else:
            out.append(child)
    return out


def render_substack(view: IssueView, settings: Settings) -> str:
    """The `substack` format: the issue body as clean HTML, ending with a newline."""
    return substack_html(view, settings) + "\n"


def substack_html(view: IssueView, settings: Settings) -> str:
    from digest.plaintext import derived

    return str(derived(view, settings, "substack", lambda: _substack_html(view, settings)))


def _substack_html(view: IssueView, settings: Settings) -> str:
    base = settings.url
    esc = html.escape
    parts = []
    if view.sponsor:
        parts.append(clean_html(str(view.sponsor_html), base))
    parts.append(clean_html(str(view.intro_html), base))
    for s in view.sections:
        if s.paper is None:
            parts.append(f"<h2>{esc(' '.join(s.heading.split()), quote=False)}</h2>")
            parts.append(clean_html(str(s.notes_html), base))
            continue
        p = s.paper
        parts.append(f'<h2><a href="{esc(p.url)}">{esc(p.title, quote=False)}</a></h2>')
        meta = " · ".join(x for x in (p.authors_short, f"arXiv:{p.versioned_id}") if x)
        parts.append(f"<p><em>{esc(meta, quote=False)}</em></p>")
        if p.show_abstract:
            parts.append("<blockquote>" + "".join(f"<p>{esc(a, quote=False)}</p>" for a in p.abstract) + "</blockquote>")
        else:
            parts.append(clean_html(str(p.notes_html), base))
    return "\n".join(x for x in parts if x)


def substack_json(view: IssueView, settings: Settings) -> Any:
    """`substack_html` as a JSON string that can sit inside ``<script>`` untouched."""
    from markupsafe import Markup

    text = json.dumps(substack_html(view, settings), ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return Markup(text)  # noqa: S704 - JSON with every markup character escaped
