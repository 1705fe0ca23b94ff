"""`digest store stats`: what the local store holds."""

from __future__ import annotations

import json
from typing import Any

import click

from digest.cli.common import pass_state


@click.group("store")
def store_group() -> None:
    """Inspect the local store (.digest/store.sqlite, or paths.store)."""


@store_group.command("stats", epilog="\b\nExample:\n  digest store stats --json")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@pass_state
def stats_command(state: Any, as_json: bool) -> None:
    """Papers, versions, categories, date range and the windows fetched.

    A window is complete (never read again), open (read to the end, but its
    days are not settled: read again next time) or incomplete (cut short by a
    failure or arXiv's cap: resumed next time). See docs/fetch.md.
    """
    from digest.store import Store

    settings = state.settings()
    path = settings.path("store")
    store = Store.open_existing(path)
    if store is None:
        stats: dict[str, Any] = {"path": str(path), "schema_version": None, "papers": 0, "versions": 0,
                                 "published_from": None, "published_to": None, "sources": {}, "categories": {},
                                 "windows": []}  # fmt: skip
    else:
        with store:
            stats = store.stats()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False))
        return
    click.echo(f"store:      {stats['path']}{'' if store else ' (not created yet: run digest fetch)'}")
    click.echo(f"papers:     {stats['papers']} ({stats['versions']} versions)")
    if stats["published_from"]:
        click.echo(f"published:  {stats['published_from'][:10]} .. {stats['published_to'][:10]}")
    if stats["sources"]:
        click.echo("sources:    " + ", ".join(f"{k} {v}" for k, v in stats["sources"].items()))
    top = list(stats["categories"].items())
    if top:
        more = f" (+{len(top) - 12} more)" if len(top) > 12 else ""
        click.echo("categories: " + ", ".join(f"{k} {v}" for k, v in top[:12]) + more)
    windows = stats["windows"]  # each with its status, as `digest fetch` says it
    count = {s: sum(w["status"] == s for w in windows) for s in ("complete", "open", "incomplete")}
    click.echo(f"windows:    {count['complete']} complete, {count['open']} open, {count['incomplete']} incomplete")
    for w in windows:
        span = w["since"] if w["since"] == w["until"] else f"{w['since']}..{w['until']}"
        state_ = {"complete": "complete", "open": f"open, {w['fetched']} of {w['total']} entries"}.get(
            w["status"], f"incomplete at {w['fetched']} of {w['total']}")  # fmt: skip
        click.echo(f"  {w['via']} {span}: {state_}")

