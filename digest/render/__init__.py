"""An issue rendered into the formats readers get: the FORMATS table and `render_issue`.

The package, from the bottom up: `papers` (an issue's papers: the file, then the store,
then the seeds), `images`, `mathtext` and `markup` (the editor's Markdown for each output),
`view` (`IssueView`, what every format reads), `plaintext`, `substack`, `templates` (the
Jinja2 environment), `email_message` (the MIME message), and `output` (files in `build/`).
Templates are looked up in the newsletter's own `templates/` folder first, then in digest's
(`digest/templates/`); an override can extend a packaged template as
``{% extends "default:issue.html" %}``. The page templates extend `base.html`; the page, the
email and the feed entry draw their sections with the macros of `_paper.html`.

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock, store, issue, fetch, seeds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from digest.config import Settings
from digest.issue import Issue
from digest.render.templates import PACKAGE_TEMPLATES, render_named, render_template
from digest.render.view import (
    IssueView,
    PaperView,
    build_view,
    feed_view,
    flavoured,
    issue_view,
    left_out_summary,
    paper_anchor,
)

__all__ = [
    "DEFAULT_FORMATS", "FORMATS", "Format", "IssueView", "PACKAGE_TEMPLATES", "build_view", "default_formats",
    "PaperView", "feed_view", "flavoured", "issue_view", "left_out_summary", "paper_anchor", "render_issue",
    "render_named", "render_template", "render_view",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Format:
    """An output format: its template (or builder) and the file suffix it writes."""

    name: str
    template: str
    suffix: str
    help: str
    builder: str = ""
    """``module:function`` for a format that is more than one template: called as
    ``function(view, settings)`` and returning the file's text. Imported only when
    the format is asked for, so `md` and `html` never load the email machinery."""

    def filename(self, stem: str) -> str:
        """The output file's name for an issue file named ``stem``.md: the one place that names it."""
        return stem + self.suffix


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("md", "issue.md", ".md", "Markdown as readers see it (paste into Buttondown, Ghost, GitHub)"),
        Format("html", "issue.html", ".html", "a standalone HTML page with its CSS inside"),
        Format("email", "email.html", ".eml", "a MIME message: plain text and inlined HTML, ready to send or open",
               "digest.render.email_message:render_eml"),
        Format("text", "", ".txt", "plain text wrapped at 72 columns, links as numbered references",
               "digest.render.plaintext:render_text"),
        Format("substack", "substack.html", ".substack.html", "clean HTML to paste into the Substack editor",
               "digest.render.substack:render_substack"),
    )
}
DEFAULT_FORMATS = ("md", "html", "email", "text", "substack")


def default_formats(settings: Settings, eml: str | Path = "build/<stem>.eml") -> tuple[str, ...]:
    """What `digest render` writes when no --format is given: every format, except
    the email when no `email.from` is configured (asking for it then is an error).
    ``eml`` is where the email would have gone, named in the warning."""
    if settings.email.can_send:
        return DEFAULT_FORMATS
    log.warning("email not rendered: email.from is not set; set it in digest.toml to get %s too", eml)
    return tuple(f for f in DEFAULT_FORMATS if f != "email")


def render_view(view: IssueView, settings: Settings, fmt: str, extra: dict[str, Any] | None = None) -> str:
    """One format of an issue as text."""
    spec = FORMATS[fmt]
    if spec.builder:
        module, _, function = spec.builder.partition(":")
        return str(getattr(import_module(module), function)(view, settings))
    return render_template(view, settings, spec.template, fmt, extra)


def render_issue(issue: Issue, settings: Settings, formats: tuple[str, ...] = ("md", "html")) -> dict[str, str]:
    """Every requested format of ``issue``, in memory: nothing is written here."""
    view = issue_view(issue, settings)
    return {fmt: render_view(view, settings, fmt) for fmt in formats}
