"""`digest render`: an issue file into the formats readers get."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli.common import State, echo, pass_state


def _formats(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    if not names:
        raise click.BadParameter("give at least one format, e.g. --format md,html")
    return names


@click.command(
    "render",
    short_help="Render an issue into build/: Markdown, HTML, email, text, Substack.",
    epilog="""\b
Examples:
  digest render issues/2022-10-23.md                  # build/2022-10-23.md .html .eml .txt .substack.html
  digest render issues/2022-10-23.md --format html    # only the HTML page
  digest render issues/2022-10-23.md --format email   # build/2022-10-23.eml (needs email.from)
  digest render issues/2022-10-23.md --format text,substack
  digest render issues/2022-10-23.md --format md --out - | pbcopy
""",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "formats",
    metavar="LIST",
    help="Comma-separated formats to write (default: all five; email only when email.from is set). md: Markdown as readers see it (.md); "
    "html: a standalone page with its CSS inside (.html); email: a MIME message with plain-text and "
    "inlined-HTML parts (.eml); text: plain text at 72 columns (.txt); substack: clean HTML to paste "
    "into Substack (.substack.html).",
)
@click.option(
    "--out",
    metavar="DIR|-",
    help="Folder to write <stem>.<ext> into (default: paths.build, i.e. build/); '-' prints one format to stdout"
    " (the one --format names; the Markdown without --format).",
)
@pass_state
def render_command(state: State, file: Path, formats: str | None, out: str | None) -> None:
    """Render the issue FILE (issues/YYYY-MM-DD.md).

    Paper titles, authors and abstracts come from the issue file itself,
    then the local store, then seeds/; missing metadata never stops a render.
    Every output is rendered before any is written, and each is written
    atomically. Prints the paths written.
    """
    from digest.render.output import render_to

    settings = state.settings()
    chosen = _formats(formats)
    if out == "-" and chosen and len(chosen) > 1:
        raise click.BadParameter("with --out - give exactly one format, e.g. --format md", param_hint="--out")
    result = render_to(file, settings, chosen, None if out in (None, "-") else Path(out), to_stdout=out == "-")
    if out == "-":
        click.echo(result.stdout, nl=False)
        return
    for path in result.written:
        echo(str(path))
