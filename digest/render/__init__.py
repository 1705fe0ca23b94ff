"""An issue rendered through Jinja2 templates into the formats readers get.

Templates are looked up in the newsletter's own `templates/` folder first,
then in the ones packaged with digest (`digest/templates/`); an override can
extend a packaged template as ``{% extends "default:issue.html" %}``.
Templates are named for their output so autoescape follows the format:
``issue.html`` is escaped, ``issue.md`` is not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.config import Settings
from digest.errors import DigestError
from digest.issue import Issue, Section
from digest.paper import Paper

if TYPE_CHECKING:
    from digest.render.images import Images

log = logging.getLogger(__name__)

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Format:
    name: str
    template: str
    suffix: str
    help: str
    builder: str = ""
    """``module:function`` for a format that is more than one template: called as
    ``function(view, settings)`` and returning the file's text. Imported only when
    the format is asked for, so `md` and `html` never load the email machinery."""


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


def default_formats(settings: Settings) -> tuple[str, ...]:
    """What `digest render` writes when no --format is given: every format, except
    the email when no `email.from` is configured (asking for it then is an error)."""
    if settings.email.sender:
        return DEFAULT_FORMATS
    log.warning("email not rendered: email.from is not set; set it in digest.toml to get build/<stem>.eml too")
    return tuple(f for f in DEFAULT_FORMATS if f != "email")


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


@dataclass
class SectionView:
    kind: str  # "paper" or "editorial"
    heading: str = ""
    notes: str = ""
    notes_html: Any = ""
    paper: PaperView | None = None


@dataclass
class IssueView:
    title: str
    date: str
    headline: str
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


def issue_title(issue: Issue, settings: Settings) -> str:
    if issue.title:
        return issue.title
    values = {"date": issue.date.isoformat(), "headline": issue.headline, "name": settings.name}
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
    from functools import partial

    from digest.render import markup
    from digest.render.images import Images
    from digest.tex import paragraphs, tex_to_text

    images = Images(Path(issue.path), issue.stem, settings.url)
    to_html = partial(markup.to_html, images=images, flavour=markup.PAGE)
    mode = issue.unannotated or settings.unannotated
    sponsor = issue.sponsor if issue.sponsor is not None else settings.sponsor
    view = IssueView(
        title=issue_title(issue, settings),
        date=issue.date.isoformat(),
        headline=issue.headline,
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
                SectionView("editorial", section.heading, section.notes, to_html(section.notes))
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
    import os
    from urllib.parse import unquote

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
    from dataclasses import replace
    from functools import partial

    from digest.render import markup

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
    from digest.render.markup import FEED

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


def _bytecode_cache() -> Any:
    """Jinja's per-user cache of compiled templates, so a fresh process skips compiling;
    a cache that cannot be written is simply not used."""
    import jinja2

    class BytecodeCache(jinja2.FileSystemBytecodeCache):
        def dump_bytecode(self, bucket: Any) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass

    try:
        return BytecodeCache()
    except (OSError, RuntimeError):  # no usable temporary folder: compile every time
        return None


@lru_cache(maxsize=8)
def environment(override_dir: Path | None) -> Any:
    """The Jinja2 environment: the newsletter's templates, then the packaged ones."""
    import jinja2

    packaged = jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES))
    loaders: list[Any] = []
    if override_dir is not None and override_dir.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(override_dir)))
    loaders += [packaged, jinja2.PrefixLoader({"default": packaged}, delimiter=":")]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        bytecode_cache=_bytecode_cache(),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md_link_text"] = md_link_text
    env.filters["md_text"] = md_text
    env.filters["md_notes"] = jinja2.pass_context(md_notes)
    env.globals["substack_json"] = _substack_json
    return env


def _substack_json(view: IssueView, settings: Settings) -> Any:
    """The Substack flavour as a JSON string safe inside ``<script>`` (the page's copy button)."""
    from digest.render.substack import substack_json

    return substack_json(view, settings)


def md_text(text: Any) -> str:
    """arXiv text (a title, authors, an abstract paragraph) as inert Markdown: the same words,
    with nothing a Markdown reader would turn into emphasis, a link, HTML or a list."""
    from digest.render.markup import md_text as escape_md

    return escape_md(str(text))


md_link_text = md_text
"""The older name of `md_text` (templates may use it)."""


def md_notes(context: Any, text: Any) -> str:
    """The editor's Markdown as the Markdown output gives it: as written, with math as Unicode
    and local images addressed where readers find them."""
    from digest.render.markup import for_readers

    issue = context.get("issue")
    return for_readers(str(text or ""), getattr(issue, "images", None))


def render_view(view: IssueView, settings: Settings, fmt: str, extra: dict[str, Any] | None = None) -> str:
    """One format of an issue as text."""
    spec = FORMATS[fmt]
    if spec.builder:
        from importlib import import_module

        module, _, function = spec.builder.partition(":")
        return str(getattr(import_module(module), function)(view, settings))
    return render_template(view, settings, spec.template, fmt, extra)


def render_template(
    view: IssueView, settings: Settings, template: str, fmt: str, extra: dict[str, Any] | None = None
) -> str:
    """``template`` (override folder first, then the packaged one) rendered for ``view``."""
    context = {"issue": view, "newsletter": settings, "format": fmt, **(extra or {})}
    return render_named(template, settings, context)


def render_named(name: str, settings: Settings, context: dict[str, Any]) -> str:
    """The template ``name`` rendered with ``context``; whatever goes wrong in a template
    (syntax, a missing include, an unknown variable, ``{{ 1 + "a" }}``) is one line naming it."""
    import jinja2

    try:
        return environment(settings.path("templates")).get_template(name).render(context)
    except DigestError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise DigestError(f"{exc.filename or exc.name or name}:{exc.lineno}: template error: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise DigestError(f"template {exc.name} not found in {settings.path('templates')} or {PACKAGE_TEMPLATES}") from None
    except jinja2.UndefinedError as exc:
        raise DigestError(f"{_template_place(exc, name)}: {exc.message}; see README.md, 'Templates' for the variables") from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        raise DigestError(f"{_template_place(exc, name)}: template error: {exc}") from None


def _template_place(exc: BaseException, name: str) -> str:
    """``file:line`` of the template frame an error was raised in (Jinja maps its frames to
    template lines), or ``name`` when there is none."""
    tb, place = exc.__traceback__, name
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".md", ".xml", ".txt", ".css")):
            place = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return place


def issue_view(issue: Issue, settings: Settings) -> IssueView:
    """`build_view` with the papers' metadata from the issue, the store and the seeds; papers
    left out for want of notes are one warning line (each is listed at -v)."""
    from digest.render.papers import issue_papers

    view = build_view(issue, settings, issue_papers(issue, settings.path("store"), settings.path("seeds")))
    summary = left_out_summary(view)
    if summary:
        log.warning("%s: %s", issue.path, summary)
    if getattr(issue, "status", None) == "draft":
        log.warning("%s: a draft (status: draft): `digest build` does not publish it; set status: ready when it is done",
                    issue.path)  # fmt: skip
    return view


def left_out_summary(view: IssueView) -> str | None:
    """``27 candidates without notes are left out (-v lists them)``, or None when none is."""
    n = len(view.skipped)
    if not n:
        return None
    return f"{n} candidate{'s' if n != 1 else ''} without notes {'are' if n != 1 else 'is'} left out (-v lists them)"


def render_issue(issue: Issue, settings: Settings, formats: tuple[str, ...] = ("md", "html")) -> dict[str, str]:
    """Every requested format of ``issue``, in memory: nothing is written here."""
    view = issue_view(issue, settings)
    return {fmt: render_view(view, settings, fmt) for fmt in formats}
