"""`digest build`, `digest where`, `digest preview`: the archive, where a paper was covered, a live preview."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from digest.cli.common import State, command, echo, pass_state, serve_until_interrupted


@command(
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

    settings = state.settings(say_no_folder=False)  # build says it itself, with what to do
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
        echo(f"error: {exc}", err=True)
    if as_json:
        payload = {
            "out": str(result.out_dir),
            "issues": len(result.issues),
            "rendered": result.rendered,
            "unchanged": len(result.unchanged),
            "unpublished": result.unpublished,
            "errors": [str(e) for e in result.errors],
            "written": [_rel(p) for p in result.written],
            "removed": [_rel(p) for p in result.removed],
        }
        echo(json.dumps(payload, indent=2))
    else:
        echo(f"{_rel(result.out_dir / 'index.html')}")
        if not state.quiet:
            echo(
                f"built {len(result.issues)} issue(s): {len(result.rendered)} rendered, "
                f"{len(result.unchanged)} unchanged, {len(result.errors)} broken",
                err=True,
            )
    if result.errors:
        raise SystemExit(1)


@command(
    "where",
    short_help="Which issues covered a paper.",
    epilog="""\b
Examples:
  digest where 2210.11399          # 2022-10-23  issues/2022-10-23.md:33  Transcending Scaling Laws ...
  digest where arXiv:2210.11399v2 --json
  digest where https://arxiv.org/abs/2210.11399     # or arxiv.org/pdf/..., hep-th/9901001
""",
)
@click.argument("paper_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the issues as a JSON list.")
@pass_state
def where_command(state: State, paper_id: str, as_json: bool) -> None:
    """Print each issue in issues/ that has a section for the paper ID (any version), oldest first.

    ID is written any way an issue heading may write it: 2210.11399,
    arXiv:2210.11399v2, hep-th/9901001, or an arxiv.org/abs/ or /pdf/ address.

    A section without notes (a drafted candidate) is marked "draft"; such a
    paper is not in the rendered issue. Nothing on stdout (and a note on
    stderr) when no issue covered it.
    """
    from digest.issue.history import where

    settings = state.settings()
    found = where(settings.path("issues"), paper_id, settings.unannotated)
    if as_json:
        rows = [
            {"date": c.issue_date.isoformat(), "file": _rel(c.issue_path), "line": c.line, "id": c.paper_id,
             "version": c.version, "title": c.title, "annotated": c.annotated}
            for c in found
        ]  # fmt: skip
        echo(json.dumps(rows, indent=2))
        return
    for c in found:
        mark = "" if c.annotated else "  (draft: no notes)"
        echo(f"{c.issue_date.isoformat()}  {_rel(c.issue_path)}:{c.line}  {c.title or c.paper_id}{mark}")
    if not found and not state.quiet:
        echo(f"{paper_id}: not in any issue in {_rel(settings.path('issues'))}/", err=True)


@command(
    "preview",
    short_help="Serve an issue on 127.0.0.1; the page reloads when you save.",
    epilog="""\b
Examples:
  digest preview issues/2022-10-23.md              # open http://127.0.0.1:8000/
  digest preview issues/2022-10-23.md --port 0     # any free port (printed)
""",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Also open the page in the default browser.")
@pass_state
def preview_command(state: State, file: Path, port: int, open_browser: bool) -> None:
    """Serve the issue FILE at http://127.0.0.1:PORT/ and re-render it on every change.

    The page shows the HTML issue, with tabs for the other formats (the email
    HTML and the plain text when digest has them). Saving the issue, a
    template or digest.toml re-renders it and the browser reloads by itself;
    an error in the file is shown in the page, with its line, until fixed.
    Ctrl-C stops the server.
    """
    from digest.errors import UsageError
    from digest.preview import PreviewServer

    if not file.is_file():
        raise UsageError(f"{file}: no such issue file")
    try:
        server = PreviewServer(file, lambda: state.settings(), port)
    except OSError as exc:
        raise UsageError(f"--port {port}: cannot listen on 127.0.0.1 ({exc.strerror}); try --port 0") from None
    serve_until_interrupted(server, f"previewing {file} at {server.url} (Ctrl-C stops)", open_browser)


def _rel(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
