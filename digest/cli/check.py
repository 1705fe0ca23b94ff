"""`digest check`: lint an issue before it goes out."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli.common import State, echo, pass_state


@click.command(
    "check",
    short_help="Lint an issue: unknown ids, broken images and links, email size.",
    epilog="""\b
Examples:
  digest check issues/2022-10-23.md            # warnings as FILE:LINE: message
  digest check issues/2022-10-23.md --strict   # exit 1 if a reader would notice something (CI, cron)
  digest -v check issues/2022-10-23.md         # also list each paper left without notes
""",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Exit 1 when a reader would notice a problem (see above).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@pass_state
def check_command(state: State, file: Path, strict: bool, as_json: bool) -> None:
    """Check the issue FILE for what an editor wants to fix before sending.

    What a reader would notice: ids that neither the issue file, the store
    nor seeds/ know, papers covered twice, a digest:paper comment whose id
    is not its heading's paper (its authors and abstract would show under the
    wrong paper), an empty headline, a code fence never closed (the rest of
    the issue would show as code), images readers
    cannot load (a missing file, an address that is not http(s), one on this
    machine: localhost, 127.x, ::1, 0.0.0.0), links that are not http(s) or mailto,
    an HTML email part over 90 KB (Gmail clips at about 102 KB).
    What the editor may want to fix: the suggested headline left as it was,
    no paper annotated yet, images without alt text, papers covered in an
    earlier issue, arXiv figures whose licence does not allow the reuse (or
    is not known yet), images beside the issue while `url` is unset (the page
    and the email show them; the Substack HTML, Markdown, text, feed and
    `digest publish` cannot). Papers left without notes are one summary line
    (each with `digest -v check FILE`). Each warning names its line. Exit 0,
    or 1 with --strict when a reader would notice something.
    """
    import json

    from digest.check import check_issue

    report = check_issue(file, state.settings())
    if as_json:
        echo(json.dumps({"file": report.path, "html_bytes": report.html_bytes,
                         "findings": [f.as_dict() for f in report.findings],
                         "left_out": [f.as_dict() for f in report.left_out]}, indent=2))
    else:
        for line in report.lines(verbose=state.verbose > 0):
            echo(line)
    if not state.quiet:
        n, r = len(report.findings), len(report.reader_findings)
        size = f"HTML email part {report.html_bytes / 1000:.1f} KB"
        echo(f"{n} warning{'' if n == 1 else 's'} ({r} a reader would notice); {size}" if n else f"no warnings; {size}",
             err=True)  # fmt: skip
    if strict and report.reader_findings:
        raise SystemExit(1)
