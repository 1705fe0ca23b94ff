"""`digest fetch`: parse, call the core, print."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

import click

from digest.cli.common import day_option_value as _day
from digest.cli.common import pass_state


class _Bar:
    """Pages, entries and the wait before the next request, on a terminal only."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, event: Any) -> None:
        if event.kind == "done":
            if self.bar is not None:
                self.bar.render_finish()
            return
        if event.kind == "wait":
            if self.bar is not None:
                self.bar.label = f"waiting {event.wait:.1f} s"
                self.bar.render_progress()
            else:
                click.echo(f"waiting {event.wait:.1f} s before the next request", err=True, nl=False)
                click.echo("\r", err=True, nl=False)
            return
        if self.bar is None and event.total:
            self.bar = click.progressbar(length=event.total, label="fetching", file=sys.stderr, show_pos=True)
            self.bar.render_progress()
        if self.bar is not None:
            self.bar.label = f"page {event.pages}"
            self.bar.length = max(event.total or 0, event.entries, 1)
            self.bar.update(event.entries - self.bar.pos)


@click.command(
    "fetch",
    epilog="\b\nExamples:\n  digest fetch                                  # the last 15 days (or window_days, if longer), less the settled ones\n"
    "  digest fetch --since 2022-10-17 --until 2022-10-23\n  digest fetch --via rss --json",
)
@click.option("--since", callback=_day, metavar="DATE", help="First submission day (default: 15 days ago, or window_days if longer, moved past the days arXiv can no longer add to and that were fetched completely).")
@click.option("--until", callback=_day, metavar="DATE", help="Last submission day, inclusive (default: today).")
@click.option("--via", type=click.Choice(["api", "rss"]), default="api", show_default=True, help="arXiv API query or the RSS feed.")
@click.option("--json", "as_json", is_flag=True, help="Print the run report as one JSON object.")
@pass_state
def fetch_command(state: Any, since: date | None, until: date | None, via: str, as_json: bool) -> None:
    """Pull new arXiv entries for arxiv.categories into the local store.

    One request at a time, arxiv.delay seconds apart; failures are retried
    with backoff. A day is fetched again until arXiv can no longer add to it
    (its papers are announced, see docs/fetch.md); then never again, also
    when a window given with --since/--until begins or ends with such days. Exit
    code 3 means arXiv was unavailable: what was fetched is kept, and the next
    run resumes there. Exit code 1: arXiv answered with fewer entries than it
    has (or than the store already holds), nothing is marked complete; or
    arXiv rejected the query (its error feed).
    """
    from digest.errors import DigestError, UnavailableError
    from digest.fetch import run_fetch

    settings = state.settings()
    progress = _Bar() if sys.stderr.isatty() and not state.quiet and not as_json else None
    report = run_fetch(settings, since=since, until=until, via=via, progress=progress)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for line in report.lines():
            click.echo(line)
    if report.error:
        raise (DigestError if report.rejected else UnavailableError)(report.error)
    if report.short:
        raise DigestError(f"incomplete: {report.short}")
    if report.missing:
        raise DigestError(f"arXiv reported {report.missing} entries that were not fetched; narrow --since/--until")
