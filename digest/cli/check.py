"""`digest check`: lint an issue before it goes out."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli.common import State, command, echo, pass_state


@command(
    "check",
    short_help="Lint an issue: missing notes, unknown ids, bad links, email size.",
    epilog="""\b
Examples:
  digest check issues/2022-10-23.md            # warnings as FILE:LINE: message
  digest check issues/2022-10-23.md --strict   # exit 1 if there is any warning (CI, cron)
""",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Exit 1 when anything was found.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@pass_state
def check_command(state: State, file: Path, strict: bool, as_json: bool) -> None:
    """Check the issue FILE for what an editor wants to fix before sending.

    Papers without notes (left out of the issue), ids that neither the issue
    file, the store nor seeds/ know, papers covered twice or in an earlier
    issue, an empty headline, images without alt text or with relative
    addresses, links that are not http(s) or mailto, and an HTML email part
    over 90 KB (Gmail clips at about 102 KB). Each warning names its line.
    Exit 0, or 1 with --strict when anything was found.
    """
    import json

    from digest.check import check_issue

    report = check_issue(file, state.settings())
    if as_json:
        echo(json.dumps({"file": report.path, "html_bytes": report.html_bytes,
                         "findings": [f.as_dict() for f in report.findings]}, indent=2))
    else:
        for line in report.lines():
            echo(line)
    if not state.quiet:
        n = len(report.findings)
        size = f"HTML email part {report.html_bytes / 1000:.1f} KB"
        echo(f"{n} warning{'' if n == 1 else 's'}; {size}" if n else f"no warnings; {size}", err=True)
    if strict and report.findings:
        raise SystemExit(1)
