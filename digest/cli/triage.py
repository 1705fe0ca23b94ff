"""`digest triage`: see docs/triage.md."""

from __future__ import annotations

from datetime import date

import click

from digest.cli.common import State, day_option_value, pass_state, serve_until_interrupted


@click.command(
    "triage",
    short_help="Every candidate of the week on a local page: keep, dismiss, undo by key.",
    epilog="""\b
Examples:
  digest triage                      # the newest drafted issue, at http://127.0.0.1:8001/
  digest triage 2025-06-09 --open    # that issue, opened in the browser
  digest triage --port 0             # any free port (printed)
Keys: j/k move, o or space abstract, x keep, d dismiss, u undo, / filter.
""",
)
@click.argument("issue_date", metavar="[DATE]", required=False, callback=day_option_value)
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Also open the page in the default browser.")
@pass_state
def triage_command(state: State, issue_date: date | None, port: int, open_browser: bool) -> None:
    """Serve every candidate of the issue of DATE, best first, at http://127.0.0.1:PORT/.

    DATE defaults to the newest issue in issues/ that `digest new` drafted.
    `digest new` writes only the top max_candidates into the issue; this page
    shows the whole week it ranked. Keeping a paper (x) appends its section to
    issues/DATE.md, as `digest new` writes it, after whatever the file holds
    (a paper already in the file is not added again); dismissing (d) only
    records the decision; undo (u) takes a keep back, removing the section
    only while it is exactly as appended with nothing of yours under it.
    Decisions are kept in the store and shown again next time. Ctrl-C stops.
    """
    from digest.errors import UsageError
    from digest.triage import Triage, TriageServer

    triage = Triage.open(state.settings(), issue_date)
    try:
        server = TriageServer(triage, port)
    except OSError as exc:
        triage.close()
        raise UsageError(f"--port {port}: cannot listen on 127.0.0.1 ({exc.strerror}); try --port 0") from None
    banner = f"triage of {triage.shown_path}: {len(triage.ranked)} candidates at {server.url} (Ctrl-C stops)"
    serve_until_interrupted(server, banner, open_browser)
