"""`digest new`: parse, call the core, print."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

import click

from digest.cli.common import day_option_value as _day
from digest.cli.common import pass_state


AHEAD_DAYS = 31
"""How far after today an issue may be dated: a draft for next week is planning, one for 2029 a typo."""


def _today(zone: str) -> date:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from digest import clock
    from digest.errors import ConfigError

    try:
        return clock.now().astimezone(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError([f"timezone: {zone!r} is not a time zone; use e.g. UTC or Europe/Berlin"]) from None


@click.command(
    "new",
    short_help="Draft or extend issues/DATE.md with the week's ranked candidates.",
    epilog="""\b
Examples:
  digest new --date 2022-10-23            # fetch the window, draft issues/2022-10-23.md
  digest new --date 2022-10-23 --offline  # from the store only
  digest new --dry-run                    # print what today's issue would get; write nothing
  digest new --date 2022-10-23 --figures  # also: figure lines (commented out) for the papers you keep
  digest -q new                           # for cron: silent unless something needs attention
""",
)
@click.option("--date", "issue_date", callback=_day, metavar="DATE", help="The issue date (default: today in `timezone`).")
@click.option("--window", type=click.IntRange(min=1, max=3660), metavar="N", help="Take the papers announced in the last N days (ending with DATE), instead of those since the previous draft.")
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="Most candidates to keep (default: max_candidates; 0 = all).")
@click.option("--offline", is_flag=True, help="Do not ask arXiv; draft from the store.")
@click.option("--dry-run", is_flag=True, help="Print the text that would be added; write nothing (implies --offline).")
@click.option("--figures", "figures", is_flag=True, help="Also put each kept paper's figures (from arXiv's HTML), as a comment of ready image lines, under its digest:paper comment.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@pass_state
def new_command(state: Any, issue_date: date | None, window: int | None, limit: int | None, offline: bool,
                dry_run: bool, figures: bool, as_json: bool) -> None:  # fmt: skip
    """Draft the issue of DATE from the store: candidates best first, ready for notes.

    The candidates are the papers arXiv announced since the previous draft
    (in arxiv.categories, matching arxiv.query) that no earlier issue had;
    a paper announced after this run goes into the next draft. After a long
    pause only the last max_window_days are drafted (the report says how to
    get the rest). The submission days behind them are fetched first unless
    --offline. New versions of papers covered before are listed after the
    candidates. On an existing issue, only candidates not proposed before are
    appended, after whatever the file holds when they are written (a save
    made during the fetch is kept): nothing you wrote changes. A paper
    dismissed in `digest triage` is never drafted. Exit 3: arXiv
    was unavailable, the draft was made from the store; run again later to
    add what was missed. Exit 1 with `incomplete: ...`: arXiv answered with
    less than it holds; the draft was made from the store. With -q, only
    errors and the papers a long pause left out are printed. See docs/new.md.

    --figures: for each paper you keep (its section has notes, or you kept it
    in `digest triage`) whose section has no figure comment yet, the figures
    of arXiv's HTML rendering go right after its digest:paper comment, as one
    HTML comment of image lines with captions and credit lines: move a
    figure's lines out of it to use the figure. With --offline, from the
    store's cache only. A paper without an HTML rendering is one line in the
    report. See docs/figures.md.
    """
    if figures and dry_run:
        raise click.UsageError("--figures writes the issue; it cannot be combined with --dry-run")
    from digest.draft import add_figures, run_new, runlog
    from digest.errors import DigestError, UnavailableError

    settings = state.settings()
    today = _today(settings.timezone)
    day = issue_date or today
    if (day - today).days > AHEAD_DAYS:  # a typo: its draft would take every paper up to it from the real issues
        raise click.BadParameter(f"{day} is {(day - today).days} days after today ({today}); give the issue's own date"
                                 f" (at most {AHEAD_DAYS} days ahead)", param_hint="'--date'")  # fmt: skip
    argv = ["new", "--date", day.isoformat()]
    argv += [f"--window={window}"] if window else []
    argv += [f"--limit={limit}"] if limit is not None else []
    argv += [flag for flag, on in (("--offline", offline), ("--dry-run", dry_run), ("--figures", figures)) if on]
    started = time.monotonic()
    found = None
    try:
        report = run_new(settings, day, window_days=window, limit=limit, offline=offline, dry_run=dry_run)
        if figures:
            found = add_figures(settings, day, offline=offline)
    except Exception as exc:  # every run leaves its line in the log, a crashing one too
        code = int(exc.exit_code) if isinstance(exc, DigestError) else 1
        runlog.record(settings.root, argv, code, time.monotonic() - started, str(exc) or type(exc).__name__)
        raise
    code, summary = report.exit_code, report.logged()
    if found is not None:
        code, summary = max(code, found.exit_code), f"{summary}; {found.summary()}"
    runlog.record(settings.root, argv, code, time.monotonic() - started, summary)
    if as_json:
        data = report.to_dict()
        if found is not None:
            data["figures"] = found.to_dict()
        click.echo(json.dumps(data, ensure_ascii=False))
    elif dry_run:
        click.echo(report.text, nl=False)
        if not state.quiet:
            for line in report.lines():
                click.echo(line, err=True)
    elif not state.quiet:
        for line in report.lines() + (found.lines() if found is not None else []):
            click.echo(line)
    if state.quiet:  # cron's form: silent unless a person is needed (without -q, the log said these)
        for line in report.attention:
            click.echo(f"warning: {line}", err=True)
    if report.fetch_error:
        raise UnavailableError(f"{report.path.name}: drafted from the store only; {report.fetch_error}")
    if found is not None and found.exit_code:
        if report.incomplete:
            click.echo(report.incomplete, err=True)
        raise UnavailableError(f"{report.path.name}: no figures added: arXiv did not answer; run `digest new --figures`"
                               " again later")  # fmt: skip
    if report.incomplete:  # drafted, but from less than arXiv holds: exit 1, like `digest fetch`
        raise DigestError(report.incomplete)
