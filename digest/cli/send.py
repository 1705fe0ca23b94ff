"""`digest send`: deliver an issue's email over SMTP, one message per reader."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from digest.cli.common import State, echo, pass_state


class _Bar:
    """Readers sent so far, on a terminal only."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int, address: str) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="sending", file=sys.stderr, show_pos=True)
            self.bar.render_progress()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()


@click.command(
    "send",
    short_help="Send an issue's email over SMTP, one message per reader.",
    epilog="""\b
Examples:
  digest send issues/2022-10-23.md --to me@example.org --dry-run
  DIGEST_SMTP_PASSWORD=... digest send issues/2022-10-23.md --to alice@example.org --to bob@example.org
  DIGEST_SMTP_PASSWORD=... digest send issues/2022-10-23.md        # email.to; again after a failure: the rest
  DIGEST_SMTP_PASSWORD=... digest send issues/2022-11-06.md --draft   # a proof of a draft, to you (email.from)
""",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--to", "to", multiple=True, metavar="ADDR",
    help="Recipient; repeat for more (default: email.to, which must not be empty; with --draft: you, email.from).",
)
@click.option("--dry-run", is_flag=True, help="Print the envelopes and the first message's headers; send nothing.")
@click.option("--resend", is_flag=True, help="Send also to readers the send log says already have this issue.")
@click.option("--insecure", is_flag=True, help="Allow clear text and certificates that do not verify.")
@click.option(
    "--draft", is_flag=True,
    help="Send a proof: allowed for a status: draft issue; to --to, else to you (email.from); not in the send log.",
)
@pass_state
def send_command(
    state: State, file: Path, to: tuple[str, ...], dry_run: bool, resend: bool, insecure: bool, draft: bool
) -> None:
    """Render the issue FILE as email and send each reader a message of their own.

    Each message's To names only its reader; all travel over one connection to
    smtp.host:smtp.port, secured by smtp.security (starttls or tls) and verified
    against the system's CAs or the private CA in smtp.ca_file. The password
    comes only from DIGEST_SMTP_PASSWORD. Every delivery is logged in
    .digest/sent/<issue>.log, so running the command again after a failure sends
    only to the readers not yet sent to (--resend sends to them all again).

    An issue with status: draft is refused: set status: ready, or pass --draft to
    send a proof, which goes to --to or else to you (email.from), never to
    email.to, and is not logged, so readers still get the issue later.
    """
    from digest.deliver import prepare, send

    delivery = prepare(file, state.settings(), list(to), insecure=insecure, resend=resend, dry_run=dry_run, proof=draft)
    if dry_run:
        echo(delivery.describe())
        echo("dry run: nothing sent", err=True)
        return
    bar = _Bar() if sys.stderr.isatty() and not state.quiet else None
    try:
        report = send(delivery, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    echo(report.summary())
    failure = report.failure()
    if failure is not None:
        raise failure
