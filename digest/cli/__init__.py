"""The `digest` command line: parses arguments, calls the core, prints.

This package is the only place that imports click and the only one that
prints. Each command lives in the module named after it (`digest/cli/render.py`
holds `digest render`; `store.py` holds the `digest store` group) and is a few
lines that call one core function. This module adds them to the group one by
one, in the order `digest --help` and the README list them: the order of the
week's work.

Each command imports its part of the core inside its function, when it runs,
not at the top of its module: that keeps `digest render` from loading
requests, sklearn or smtplib at start-up (it imports only the render path),
and `digest --help` from loading any of the core. This is the one package
where digest's own modules are imported inside functions.

Errors: core code raises `digest.errors.DigestError`; `DigestGroup.invoke`
turns it into one line on stderr and its exit code. A traceback appears only
with `-v`.

May import: everything.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from digest.cli import (
    build,
    check,
    cron,
    fetch,
    figures,
    init,
    new,
    preview,
    publish,
    render,
    seeds,
    send,
    store,
    triage,
    where,
)
from digest.cli.common import DigestGroup, State, config_file, named_from_here


@click.group(
    cls=DigestGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="arxiv-digest", prog_name="digest", message="%(prog)s %(version)s")
@click.option("-c", "--config", metavar="FILE", callback=config_file,
              help="Settings file (default: nearest digest.toml, or $DIGEST_CONFIG).")
@click.option("-v", "--verbose", count=True, help="More detail on stderr; tracebacks on errors.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.pass_context
def cli(ctx: click.Context, config: str | None, verbose: int, quiet: bool) -> None:
    """Draft, annotate and render a dated arXiv roundup newsletter.

    \b
    The week, in commands:
      digest fetch                          # daily: new arXiv entries -> .digest/store.sqlite
      digest new --date 2022-10-23          # weekly: issues/2022-10-23.md with ranked candidates
      (write notes under the papers worth covering)
      digest render issues/2022-10-23.md    # build/2022-10-23.md .html .eml .txt .substack.html

    Run `digest COMMAND --help` for a command's options and an example.
    """
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose:
        level = logging.DEBUG if verbose > 1 else logging.INFO
    ctx.obj = State(config=config, verbose=verbose, quiet=quiet)
    _setup_logging(level)


class _LineHandler(logging.Handler):
    """Warnings as `warning: ...` lines on stderr, counted for --strict."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[int, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelno] = self.counts.get(record.levelno, 0) + 1
        prefix = {logging.WARNING: "warning: ", logging.ERROR: "error: "}.get(record.levelno, "")
        click.echo(f"{prefix}{named_from_here(record.getMessage())}", err=True)


def _setup_logging(level: int) -> None:
    logger = logging.getLogger("digest")
    for h in list(logger.handlers):
        logger.removeHandler(h)
    handler = _LineHandler()
    handler.setLevel(level)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


cli.add_command(init.init_command)
cli.add_command(fetch.fetch_command)
cli.add_command(store.store_group)
cli.add_command(seeds.seeds_command)
cli.add_command(new.new_command)
cli.add_command(triage.triage_command)
cli.add_command(figures.figures_command)
cli.add_command(render.render_command)
cli.add_command(check.check_command)
cli.add_command(send.send_command)
cli.add_command(publish.publish_command)
cli.add_command(build.build_command)
cli.add_command(where.where_command)
cli.add_command(preview.preview_command)
cli.add_command(cron.cron_command)


def main(argv: list[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="digest")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
