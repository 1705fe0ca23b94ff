"""`digest build`: every issue in every format, an index page and an Atom feed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from digest.cli.common import State, echo, pass_state, relative


@click.command(
    "build",
    short_help="Render every issue, an index page and an Atom feed into build/.",
    epilog="""\b
Examples:
  digest build                 # build/<date>.<ext> per issue, build/index.html, build/feed.xml
  digest build --out site      # the whole archive into site/
  digest build --force         # render every issue again, changed or not
""",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder to build into (default: paths.build, i.e. build/).")
@click.option("--force", is_flag=True, help="Render every issue, even those unchanged since the last build.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Processes to render with (default: one per CPU).")
@click.option("--json", "as_json", is_flag=True, help="Print what was built as JSON.")
@pass_state
def build_command(state: State, out: Path | None, force: bool, jobs: int | None, as_json: bool) -> None:
    """Build the archive: every issue in issues/ in every format, index.html and feed.xml.

    Incremental: an issue whose source, templates, settings and paper data are
    unchanged since the last build is not rendered again. A broken issue is
    reported with its line and left out; the rest still builds, and the
    command exits 1 at the end. Set `url` in digest.toml to where the folder
    is published, for absolute links in the feed.
    """
    from digest.archive import build_archive
    from digest.archive.manifest import INDEX_NAME

    # without --out, build says it itself, with what to do; with it, the usual line
    settings = state.settings(say_no_folder=out is not None)
    bar = None
    if sys.stderr.isatty() and not state.quiet and not as_json:

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None and total > 5:
                bar = click.progressbar(length=total, label="rendering", file=sys.stderr)
                bar.__enter__()
            if bar is not None:
                bar.update(1)

    else:
        progress = None  # type: ignore[assignment]
    try:
        result = build_archive(settings, out, force=force, jobs=jobs, progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for exc in result.errors:
        echo(f"error: {_shown(exc)}", err=True)
    if as_json:
        payload = {
            "out": str(result.out_dir),
            "issues": len(result.issues),
            "rendered": result.rendered,
            "unchanged": len(result.unchanged),
            "unpublished": result.unpublished,
            "errors": [_shown(e) for e in result.errors],
            "written": [relative(p) for p in result.written],
            "removed": [relative(p) for p in result.removed],
        }
        echo(json.dumps(payload, indent=2))
    else:
        echo(f"{relative(result.out_dir / INDEX_NAME)}")
        if not state.quiet:
            echo(
                f"built {len(result.issues)} issue(s): {len(result.rendered)} rendered, "
                f"{len(result.unchanged)} unchanged, {len(result.errors)} broken",
                err=True,
            )
    if result.errors:
        raise SystemExit(1)


def _shown(exc: Exception) -> str:
    """A broken issue's error with its file as the editor names it (relative to here)."""
    from digest.errors import InputError

    if isinstance(exc, InputError) and Path(exc.path).is_absolute():
        return str(InputError(relative(Path(exc.path)), exc.line, exc.message))
    return str(exc)
