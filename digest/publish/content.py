"""What each platform receives: the issue rendered in the shapes the platforms take
(`Content`), with the same functions as `digest render`."""

from __future__ import annotations

import re
from functools import cached_property
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from digest.render import render_view
from digest.render.email_message import email_html
from digest.render.plaintext import render_text
from digest.render.substack import substack_html

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.render import IssueView


class Content:
    """The issue in the shapes the platforms take, each rendered only when asked for."""

    def __init__(self, view: IssueView, settings: Settings) -> None:
        self.view = view
        self.settings = settings

    @cached_property
    def title(self) -> str:
        """The issue title (`title_format` or the issue's own), on one line."""
        return " ".join(self.view.title.split())

    @cached_property
    def headline(self) -> str:
        return " ".join(self.view.headline.split())

    @cached_property
    def markdown(self) -> str:
        """`digest render --format md`, less its first line when that is the title as a
        ``# heading``: the platform shows the title from its own field."""

        return strip_title(render_view(self.view, self.settings, "md"), self.title)

    @cached_property
    def email_html(self) -> str:
        """The email's HTML part, inside (CSS inlined, 600 px design), without the document around
        it: for a platform that wraps the content in its own template."""

        return email_fragment(email_html(self.view, self.settings))

    @cached_property
    def clean_html(self) -> str:
        """Semantic HTML without styles or layout tables (the Substack flavour): headings,
        paragraphs, lists, links, quotes, code, figures. Title and headline are not in it."""

        return substack_html(self.view, self.settings)

    @cached_property
    def text(self) -> str:
        """The plain-text part (`digest render --format text`)."""

        return render_text(self.view, self.settings)


def strip_title(markdown: str, title: str) -> str:
    """``markdown`` without a leading ``# <title>`` line (and the blank lines after it)."""
    lines = markdown.lstrip("\n").split("\n")
    if lines and lines[0].startswith("# ") and " ".join(lines[0][2:].split()) == title:
        return "\n".join(lines[1:]).lstrip("\n")
    return markdown


_PREHEADER = re.compile(r"<div\b[^>]*\bclass=\"[^\"]*\bpreheader\b[^\"]*\"[^>]*>.*?</div>", re.S)
_BODY = re.compile(r"<body\b[^>]*>(.*)</body>", re.S | re.I)


def email_fragment(document: str) -> str:
    """The hidden preheader and the inside of the element of class ``content`` (the packaged
    email template's column) of an email HTML ``document``; with a template override that
    has no such element, the inside of ``<body>``."""

    class Finder(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=False)
            self.tag = ""
            self.depth = 0
            self.start = self.end = -1

        def at(self) -> int:
            line, col = self.getpos()
            return starts[line - 1] + col

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if self.start < 0 and "content" in (dict(attrs).get("class") or "").split():
                self.tag, self.depth = tag, 1
                self.start = self.at() + len(self.get_starttag_text() or "")
            elif self.start >= 0 and self.end < 0 and tag == self.tag:
                self.depth += 1

        def handle_endtag(self, tag: str) -> None:
            if self.start >= 0 and self.end < 0 and tag == self.tag:
                self.depth -= 1
                if self.depth == 0:
                    self.end = self.at()

    starts = [0]
    for line in document.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    finder = Finder()
    finder.feed(document)
    finder.close()
    if 0 <= finder.start <= finder.end:
        inner = document[finder.start : finder.end]
    else:
        body = _BODY.search(document)
        inner = body.group(1) if body else document
    preheader = _PREHEADER.search(document)
    if preheader and preheader.group(0) not in inner:
        inner = preheader.group(0) + "\n" + inner
    return inner.strip() + "\n"
