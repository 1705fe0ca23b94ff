"""`digest init`: a new newsletter folder."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from digest.cli.common import State, pass_state


@click.command(
    "init",
    epilog="""\b
Examples:
  digest init my-roundup                  # a new folder with digest.toml, issues/, seeds/
  digest init . --name "Weekly ML papers"
""",
)
@click.argument("folder", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="The newsletter's name, written into digest.toml.")
@pass_state
def init_command(state: State, folder: Path, name: str | None) -> None:
    """Create a newsletter folder: digest.toml (every setting commented), issues/, seeds/, .gitignore.

    Nothing is overwritten: if any of them exists, nothing is created.
    """
    from digest.scaffold import init

    report = init(folder, name)
    for path in report.created:
        click.echo(str(path) + ("/" if path.is_dir() else ""))
    shown = str(folder) if not str(folder).startswith("-") else f"./{folder}"  # (cd -x reads an option)
    where = "" if folder == Path(".") else f"cd {shlex.quote(shown)} && "
    if not state.quiet:
        click.echo(f"next: {where}digest fetch && digest new   # then `digest cron` for the weekly schedule", err=True)
