"""The issue as every output sees it: `IssueView`, its sections and papers in reading order,
built once from the issue file and the papers' metadata (`digest.render.papers`).

Owns the view and the derived per-view values the formats share. May import: config,
errors, ids, paper, tex, issue, and the render modules below it (images, markup, papers).
"""

from __future__ import annotations

import logging
import os
import shlex
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from digest.config import Settings
from digest.errors import DigestError
from digest.issue import Issue, Section
from digest.paper import Paper
from digest.render import markup
from digest.render.images import Images
from digest.render.markup import FEED
from digest.render.papers import issue_papers
from digest.tex import paragraphs, tex_to_text

log = logging.getLogger("digest.render")


def paper_anchor(paper_id: str) -> str:
    """The element id of a paper's section in the issue page (``arxiv-2210.11399``,
    ``arxiv-hep-th-9901001``): the one place that names it, so the archive's links
    (``2022-10-23.html#arxiv-2210.11399``) always find the section."""
    return "arxiv-" + paper_id.replace("/", "-")


@dataclass
class PaperView:
    """A paper section as templates see it: plain Unicode text, notes as Markdown and HTML."""

    id: str
    versioned_id: str
    url: str
    title: str
    authors: list[str]
    authors_short: str
    categories: list[str]
    abstract: list[str]
    notes: str
    notes_html: Any
    show_abstract: bool
    """True when the abstract stands in for missing notes (`unannotated: abstract`)."""
    comment: str = ""
    line: int = 0

    @property
    def anchor(self) -> str:
        """The section's element id in the page (`paper_anchor`)."""
        return paper_anchor(self.id)


@dataclass
class SectionView:
    """A section as templates see it: a paper's, or an editorial one (heading and notes)."""

    kind: str  # "paper" or "editorial"
    heading: str = ""
    """An editorial section's heading as plain text, its math as Unicode (`markup.math_line`)."""
    notes: str = ""
    notes_html: Any = ""
    paper: PaperView | None = None
    heading_source: str = ""
    """The heading as the editor wrote it (TeX math and all)."""


@dataclass
class IssueView:
    """The whole issue as every format reads it: title, intro, sections in reading order."""

    title: str
    """The title as plain text, math as Unicode (`issue_title`)."""
    date: str
    headline: str
    """The headline as plain text, math as Unicode (`issue_headline`)."""
    sponsor: str
    sponsor_html: Any
    intro: str
    intro_html: Any
    sections: list[SectionView] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    stem: str = ""
    """The issue file's name without ``.md``: the outputs' names."""
    images: Images | None = None
    """The local image files the notes show (`digest.render.images`), found while rendering them."""

    @property
    def papers(self) -> list[PaperView]:
        return [s.paper for s in self.sections if s.paper is not None]


def format_authors(names: list[str], most: int = 5) -> str:
    """All names up to ``most``; beyond that the first three and "et al."."""
    if len(names) <= most:
        return ", ".join(names)
    return ", ".join(names[:3]) + " et al."


def issue_headline(issue: Issue) -> str:
    """The headline as every output shows it: one line of plain text (a line break a quoted YAML
    string can hold is a space, as in the Subject), the editor's math as Unicode."""
    return markup.math_line(" ".join(issue.headline.split()))


def issue_title(issue: Issue, settings: Settings) -> str:
    """The issue's ``title``, else ``title_format`` filled in; the editor's math (``$O(n^2)$``)
    as Unicode, as everywhere the title goes (a Subject or ``<title>`` shows no TeX)."""
    if issue.title:
        return markup.math_line(" ".join(issue.title.split()))
    values = {"date": issue.date.isoformat(), "headline": issue_headline(issue), "name": settings.name}
    try:
        title = settings.title_format.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise DigestError(
            f"{settings.source or 'settings'}: title_format: {exc!s} is not one of {{date}}, {{headline}}, {{name}}"
        ) from None
    return title if issue.headline else title.rstrip(" :-–—")


def build_view(issue: Issue, settings: Settings, papers: dict[str, Paper]) -> IssueView:
    """Everything a template needs, in reading order; unannotated papers per the settings.

    The ``*_html`` values are the page's (`digest.render.markup.PAGE`); `flavoured` gives the
    view other HTML outputs need. A local image that is not there is one warning line."""
    images = Images(Path(issue.path), issue.stem, settings.url)
    to_html = partial(markup.to_html, images=images, flavour=markup.PAGE)
    mode = issue.unannotated or settings.unannotated
    sponsor = issue.sponsor if issue.sponsor is not None else settings.sponsor
    view = IssueView(
        title=issue_title(issue, settings),
        date=issue.date.isoformat(),
        headline=issue_headline(issue),
        sponsor=sponsor,
        sponsor_html=to_html(sponsor),  # block HTML: a sponsor may run to several paragraphs
        intro=issue.intro,
        intro_html=to_html(issue.intro),
        stem=issue.stem,
        images=images,
    )
    for section in issue.sections:
        if not section.is_paper:
            view.sections.append(
                SectionView("editorial", markup.math_line(section.heading), section.notes, to_html(section.notes),
                            heading_source=section.heading)
            )
            continue
        paper = papers[section.paper_id.base]  # type: ignore[union-attr]
        pv = _paper_view(section, paper, tex_to_text, paragraphs)
        if not section.notes:
            if mode == "abstract" and pv.abstract:
                pv.show_abstract = True
            else:
                why = "no abstract is known for it" if mode == "abstract" else "write notes, or set unannotated: abstract"
                log.info("%s:%d: %s has no notes and is left out (%s)", issue.path, section.line, paper.id, why)
                view.skipped.append(paper.id)
                continue
        pv.notes_html = to_html(section.notes)
        view.sections.append(SectionView("paper", section.heading, section.notes, pv.notes_html, pv))
    _warn_missing_images(issue, images)
    return view


def _warn_missing_images(issue: Issue, images: Images) -> None:
    """One line per image path that names no file: ``FILE:LINE: image ... not found``."""
    if not images.missing:
        return
    try:
        raw = Path(issue.path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        raw = []
    for src, path in images.missing.items():
        line = next((n for n, text in enumerate(raw, 1) if src in text or unquote(src) in text), 0)
        where = f"{issue.path}:{line}" if line else str(issue.path)
        try:
            shown = os.path.relpath(path)
        except ValueError:
            shown = str(path)
        log.warning("%s: image %s not found (no file %s); put the image there or fix the path", where, src, shown)


def flavoured(view: IssueView, flavour: Any, cids: dict[str, str] | None = None) -> IssueView:
    """``view`` with its ``*_html`` rendered for another output (`digest.render.markup.EMAIL`,
    `FEED`, ...): images addressed for it, math as Unicode. ``cids`` maps a local image's
    ``src`` to the Content-ID of its attached copy (an email without ``url``)."""
    if flavour == markup.PAGE and not cids:
        return view
    to_html = partial(markup.to_html, images=view.images, flavour=flavour, cids=cids)
    sections = []
    for s in view.sections:
        if s.paper is None:
            sections.append(replace(s, notes_html=to_html(s.notes)))
        else:
            paper = replace(s.paper, notes_html=to_html(s.paper.notes))
            sections.append(replace(s, notes_html=paper.notes_html, paper=paper))
    return replace(view, sponsor_html=to_html(view.sponsor), intro_html=to_html(view.intro), sections=sections)


def feed_view(view: IssueView) -> IssueView:
    """The view for an issue's feed entry (`entry.html`): images through ``url``, math as
    Unicode (feed readers drop MathML)."""

    return flavoured(view, FEED)


def _paper_view(section: Section, paper: Paper, tex_to_text: Any, paragraphs: Any) -> PaperView:
    ident = section.paper_id
    assert ident is not None
    versioned = str(ident) if ident.version else paper.versioned_id
    names = [tex_to_text(a.name) for a in paper.authors]
    return PaperView(
        id=paper.id,
        versioned_id=versioned,
        url=ident.abs_url,
        title=tex_to_text(paper.title) or str(ident),
        authors=names,
        authors_short=format_authors(names),
        categories=list(paper.categories),
        abstract=paragraphs(paper.abstract),
        notes=section.notes,
        notes_html="",
        show_abstract=False,
        comment=tex_to_text(paper.comment),
        line=section.line,
    )


def issue_view(issue: Issue, settings: Settings, *, say_draft: bool = True) -> IssueView:
    """`build_view` with the papers' metadata from the issue, the store and the seeds; papers
    left out for want of notes are one warning line (each is listed at -v). ``say_draft``: warn
    that a draft is not published by `digest build` (`send` and `publish` say their own line)."""

    view = build_view(issue, settings, issue_papers(issue, settings.path("store"), settings.path("seeds")))
    summary = left_out_summary(view, issue.path)
    if summary:
        log.warning("%s: %s", issue.path, summary)
    if say_draft and getattr(issue, "status", None) == "draft":
        log.warning("%s: a draft (status: draft): `digest build` does not publish it; set status: ready when it is done",
                    issue.path)  # fmt: skip
    return view


def left_out_summary(view: IssueView, path: str | Path) -> str | None:
    """``27 candidates without notes are left out (`digest -v render FILE` lists them)``, or None
    when none is (-v is the main command's option: `digest render FILE -v` is refused)."""
    n = len(view.skipped)
    if not n:
        return None
    return (f"{n} candidate{'s' if n != 1 else ''} without notes {'are' if n != 1 else 'is'} left out"
            f" (`digest -v render {shlex.quote(str(path))}` lists them)")  # fmt: skip


def derived(view: Any, settings: Any, key: str, make: Any) -> Any:
    """``make()`` once per view and settings: the email and the text format share one plain text,
    the page and the substack format one substack HTML."""
    cache = view.__dict__.setdefault("_derived", {})
    slot = (key, id(settings))
    if slot not in cache or cache[slot][0] is not settings:
        cache[slot] = (settings, make())
    return cache[slot][1]
