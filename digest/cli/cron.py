"""`digest cron`: crontab lines for a newsletter folder's daily fetch and weekly draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from digest.cli.common import pass_state


@click.command(
    "cron",
    epilog="""\b
Examples:
  digest cron                             # print the lines; then: crontab -e, paste
  digest cron --weekday fri --hour 6
  (crontab -l; digest cron) | crontab -   # install them
""",
)
@click.option("--weekday", default="sun", show_default=True, help="Day of the weekly draft (sun, mon, ...).")
@click.option("--hour", type=click.IntRange(0, 23), default=7, show_default=True, help="Hour of the weekly draft; the daily fetch runs at 30 past the hour before.")
@pass_state
def cron_command(state: Any, weekday: str, hour: int) -> None:
    """Print crontab lines for this newsletter: a daily fetch and the weekly `digest new`.

    Paths are absolute (the installed digest and the newsletter folder), so
    the lines work from cron's bare environment. Each run of `new` is logged
    in .digest/runs.log; fetch reports go to .digest/fetch.log.
    """
    import logging

    from digest.scaffold import cron_lines

    settings = state.settings(say_no_folder=False)  # the line below says it, for cron
    if not settings.source:
        logging.getLogger("digest.cli").warning(
            "no digest.toml found: the lines use the current folder, %s (`digest init` makes one)", settings.root
        )
    for key, origin in sorted(settings.origins.items()):
        if origin.startswith("DIGEST_"):  # named, never copied: the crontab would hold its value
            logging.getLogger("digest.cli").warning(
                "%s sets %s here, but cron's jobs will not see it: set %s in %s instead",
                origin, key, key, settings.file_name,
            )
    # cron starts with a bare environment: settings found through DIGEST_CONFIG (or any file
    # other than the digest.toml that `cd ROOT` finds) must be named on the line.
    config = Path(state.config) if state.config else None
    if config is None and settings.source and Path(settings.source).resolve() != (settings.root / "digest.toml").resolve():
        config = Path(settings.source)
    for line in cron_lines(settings.root, weekday=weekday, hour=hour, config=config):
        click.echo(line)

