"""`digest preview`: an issue served on 127.0.0.1, re-rendered when it changes."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli.common import State, named_from_here, pass_state, serve_until_interrupted


@click.command(
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
    from digest.errors import InputError, UsageError
    from digest.preview import PreviewServer

    if not file.is_file():  # as `render`, `check` and `send` say it: exit 1
        why = "it is a folder, not an issue file" if file.is_dir() else "No such file or directory"
        raise InputError(file, None, f"cannot read the issue ({why})")
    try:
        server = PreviewServer(file, lambda: state.settings(), port, shown=named_from_here)
    except OSError as exc:
        raise UsageError(f"--port {port}: cannot listen on 127.0.0.1 ({exc.strerror}); try --port 0") from None
    serve_until_interrupted(server, f"previewing {file} at {server.url} (Ctrl-C stops)", open_browser)
