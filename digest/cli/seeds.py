"""`digest seeds`: read seed files, resolve ids, print the table and totals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from digest.cli.common import pass_state, relative


@click.command(
    "seeds",
    short_help="Read seed abstract files; resolve their arXiv ids.",
    epilog="""\b
Examples:
  digest seeds                          # every file in seeds/, ids as written or resolved before
  digest seeds --resolve                # find missing ids: store, then arXiv; fetch metadata
  digest seeds --resolve --offline      # find missing ids in the local store only
  digest seeds seeds/001_*.txt --json
""",
)
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--resolve", "resolve_ids", is_flag=True,
              help="Find ids for abstracts without one (store, then arXiv) and fetch metadata for seed ids "
                   "the store lacks; answers are cached in the store.")  # fmt: skip
@click.option("--offline", is_flag=True, help="With --resolve: use the local store only, no network.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@pass_state
def seeds_command(state: Any, files: tuple[Path, ...], resolve_ids: bool, offline: bool, as_json: bool) -> None:
    """Read seed-style abstract FILES (default: every file in paths.seeds).

    The format of each file is recognised from its content: abstracts
    followed by arXiv:ID lines, a label line then Abstract: lines, a
    dataset-viewer dump, JSON Lines or CSV with arxiv_id and abstract
    columns. The same abstract in several files is one record. Prints a
    table (FILE:LINE, id or 'unresolved', label, first words), totals per
    file and how ids were found. Exit code 1: a file is not a seed file or
    breaks its format (one line: FILE:LINE, what is wrong, what to do);
    3: arXiv was unavailable (what the store knows is still shown).
    """
    from digest.errors import InputError, UnavailableError
    from digest.seeds import seed_paths
    from digest.seeds.report import run_seeds

    settings = state.settings()
    if not files and not settings.path("seeds").is_dir():
        raise InputError(relative(settings.path("seeds")), None, "no such folder (paths.seeds): create it and put reading lists "
                                                       "of abstracts in it, or name seed FILES")  # fmt: skip
    paths: list[str] = []
    for f in files or (settings.path("seeds"),):
        paths.extend(str(p) for p in (seed_paths(f) if Path(f).is_dir() else [f]))
    client = None
    if resolve_ids and not offline:
        from digest.fetch.client import ArxivClient

        client = ArxivClient.from_settings(settings)
    report = run_seeds(paths, str(settings.path("store")), resolve_ids=resolve_ids, client=client)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for line in _lines(report, resolve_ids, offline):
            click.echo(line)
    if report.error:
        raise UnavailableError(report.error)


def _lines(report: Any, resolve_ids: bool, offline: bool) -> list[str]:
    rows = []
    for r in report.resolutions:
        rec = r.record
        where = f"{_short(rec.file)}:{rec.line}" + (f" (+{len(rec.sources) - 1})" if len(rec.sources) > 1 else "")
        ident = r.arxiv_id or "unresolved"
        if r.arxiv_id and rec.version and r.arxiv_id == rec.arxiv_id:
            ident += f"v{rec.version}"
        if r.how in ("store", "api", "cache"):
            ident += f" [{r.how}{', cached' if r.cached and r.how != 'cache' else ''}]"
        rows.append((where, ident, rec.label or "", rec.snippet(8)))
    out = []
    if rows:
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows)
        w2 = max(len(r[2]) for r in rows)
        out.append(f"{'FILE:LINE':<{w0}}  {'ID':<{w1}}  {'LABEL':<{w2}}  ABSTRACT".rstrip())
        out.extend(f"{a:<{w0}}  {b:<{w1}}  {c:<{w2}}  {d}" for a, b, c, d in rows)
        out.append("")
    for f in report.files:
        kind = f" ({f['format']})" if f["format"] else " (empty)"
        out.append(f"{_short(f['file'])}: {f['records']} records, {f['with_id']} with ids{kind}")
    counts = report.counts()
    total = len(report.resolutions)
    shared = sum(1 for r in report.resolutions if len(r.record.sources) > 1)
    out.append(f"total: {total} distinct abstracts ({shared} in more than one place)")
    parts = [f"{counts.get('seed', 0)} from the files"]
    for how, what in (("cache", "resolved earlier"), ("store", "from the store"), ("api", "from arXiv")):
        if counts.get(how):
            cached = sum(1 for r in report.resolutions if r.how == how and r.cached and how != "cache")
            parts.append(f"{counts[how]} {what}" + (f" ({cached} cached)" if cached else ""))
    parts.append(f"{counts.get('unresolved', 0)} unresolved")
    out.append("ids: " + ", ".join(parts))
    if resolve_ids:
        from collections import Counter

        notes = Counter(r.note for r in report.resolutions if r.arxiv_id is None and r.note)
        if notes:
            out.append("unresolved: " + ", ".join(f"{n} {k}" for k, n in notes.items()))
        if offline or not report.online:
            out.append("arXiv: not asked (offline)" if offline else "arXiv: not asked (unavailable)")
        else:
            md = report.metadata
            line = f"arXiv: {report.requests} search request{'s' if report.requests != 1 else ''}"
            if md is not None:
                line += f"; metadata for {md.wanted} seed ids not in the store: {len(md.fetched)} fetched"
                line += f" in {md.requests} request{'s' if md.requests != 1 else ''}"
                if md.missing:
                    more = f" (+{len(md.missing) - 5} more, see --json)" if len(md.missing) > 5 else ""
                    line += f", {len(md.missing)} not on arXiv: {', '.join(md.missing[:5])}{more}"
            out.append(line)
    elif counts.get("unresolved"):
        out.append("(run `digest seeds --resolve` to look for the missing ids)")
    return out


def _short(path: str) -> str:
    """A path relative to the working directory when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path
