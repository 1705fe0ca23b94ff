"""`digest where`: which issues covered a paper."""

from __future__ import annotations

import json

import click

from digest.cli.common import State, echo, pass_state, relative


@click.command(
    "where",
    short_help="Which issues covered a paper.",
    epilog="""\b
Examples:
  digest where 2210.11399          # 2022-10-23  issues/2022-10-23.md:33  Transcending Scaling Laws ...
  digest where arXiv:2210.11399v2 --json
  digest where https://arxiv.org/abs/2210.11399     # or arxiv.org/pdf/..., arxiv.org/html/..., hep-th/9901001
""",
)
@click.argument("paper_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the issues as a JSON list of {date, file, line, id, version, title, annotated, published}.")
@pass_state
def where_command(state: State, paper_id: str, as_json: bool) -> None:
    """Print each issue in issues/ that has a section for the paper ID (any version), oldest first.

    ID is written any way an issue heading may write it: 2210.11399,
    arXiv:2210.11399v2, hep-th/9901001, or an arxiv.org/abs/, /pdf/ or /html/
    address.

    A section without notes (a drafted candidate) is marked "draft: no
    notes"; such a paper is not in the rendered issue. An issue with
    `status: draft` is marked "unpublished": `digest build` leaves it out.
    Nothing on stdout (and a note on stderr) when no issue covered it.
    """
    from digest.issue.history import where

    settings = state.settings()
    found = where(settings.path("issues"), paper_id, settings.unannotated)
    if as_json:
        rows = [
            {"date": c.issue_date.isoformat(), "file": relative(c.issue_path), "line": c.line, "id": c.paper_id,
             "version": c.version, "title": c.title, "annotated": c.annotated, "published": c.published}
            for c in found
        ]  # fmt: skip
        echo(json.dumps(rows, indent=2))
        return
    for c in found:
        mark = ("" if c.annotated else "  (draft: no notes)") + ("" if c.published else "  (unpublished: status: draft)")
        echo(f"{c.issue_date.isoformat()}  {relative(c.issue_path)}:{c.line}  {c.title or c.paper_id}{mark}")
    if not found and not state.quiet:
        echo(f"{paper_id}: not in any issue in {relative(settings.path('issues'))}/", err=True)
