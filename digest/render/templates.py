"""The Jinja2 environment: the newsletter's `templates/` folder first, then digest's own.

Owns template lookup, the filters templates use and turning a template error into one line.
May import: config, errors, and render's view, markup and substack.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from digest.config import Settings
from digest.errors import DigestError
from digest.render.markup import for_readers
from digest.render.markup import md_text as escape_md
from digest.render.substack import substack_json
from digest.render.view import IssueView

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


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
    env.globals["substack_json"] = substack_json  # the page's "copy for Substack" button
    return env


def md_text(text: Any) -> str:
    """arXiv text (a title, authors, an abstract paragraph) as inert Markdown: the same words,
    with nothing a Markdown reader would turn into emphasis, a link, HTML or a list."""

    return escape_md(str(text))


md_link_text = md_text
"""The older name of `md_text` (templates may use it)."""


def md_notes(context: Any, text: Any) -> str:
    """The editor's Markdown as the Markdown output gives it: as written, with math as Unicode
    and local images addressed where readers find them."""

    issue = context.get("issue")
    return for_readers(str(text or ""), getattr(issue, "images", None))


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
