"""`digest figures`: a paper's figures from arXiv's HTML rendering, its licence, lines to paste."""

from __future__ import annotations

import click

from digest.cli.common import State, echo, pass_state


@click.command(
    "figures",
    short_help="List a paper's figures (captions, image URLs) and its licence.",
    epilog="""\b
Examples:
  digest figures 2205.05131                # every figure, its caption and image URL, and the licence
  digest figures 2205.05131v3 2 3a --markdown   # image and credit lines for figures 2 and 3a, to paste
  digest figures 2205.05131 --json | jq '.figures[].images'
""",
)
@click.argument("paper_id", metavar="ID")
@click.argument("labels", nargs=-1, metavar="[FIGURE]...")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print Markdown image lines with captions and credit lines.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures and the licence as JSON.")
@click.option("--offline", is_flag=True, help="Use only what the store has cached; make no request.")
@click.option("--refresh", is_flag=True, help="Fetch the page and the licence again, ignoring the cache (not with --offline).")
@pass_state
def figures_command(state: State, paper_id: str, labels: tuple[str, ...], as_markdown: bool, as_json: bool,
                    offline: bool, refresh: bool) -> None:  # fmt: skip
    """List the figures of the arXiv paper ID, from arXiv's HTML rendering.

    Each figure with its number (panels as 2a, 2b; an unnumbered figure as p4,
    its place on the page), its caption (TeX shown as Unicode) and its image
    URLs, and the paper's licence with what it allows. FIGURE selects figures
    by number. Without a version, the store's latest version is used, else
    the newest one already cached, else arXiv's API is asked. Pages and
    licences are cached in the store, so a second run makes no request.
    Papers without an HTML rendering get one line naming the PDF to take
    figures from (exit 1); arXiv not answering is one line too (exit 3). A
    figure drawn in the page gets a note naming where to screenshot it; an
    SVG one, that an email needs a PNG of it.
    """
    if as_markdown and as_json:
        raise click.UsageError("--markdown and --json cannot be combined: pick one")
    if offline and refresh:
        raise click.UsageError("--offline and --refresh cannot be combined: --refresh asks arXiv again, --offline never asks")
    from digest.figures import json_data, listing, markdown, paper_figures

    result = paper_figures(state.settings(), paper_id, offline=offline, refresh=refresh)
    for note in result.notes:
        echo(f"warning: {note}", err=True)
    if as_json:
        import json

        echo(json.dumps(json_data(result, labels), ensure_ascii=False, indent=2))
    elif as_markdown:
        click.echo(markdown(result, labels), nl=False)
    else:
        echo("\n".join(listing(result, labels)))
        if not state.quiet:
            echo(f"(`digest figures {result.versioned_id} N --markdown` prints lines to paste for figure N)", err=True)
