"""`digest send`: deliver an issue's email over SMTP."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli.common import State, command, echo, pass_state


@command(
    "send",
    short_help="Send an issue's email over SMTP (STARTTLS or TLS).",
    epilog="""\b
Examples:
  digest send issues/2022-10-23.md --to me@example.org --dry-run
  DIGEST_SMTP_PASSWORD=... digest send issues/2022-10-23.md --to me@example.org
""",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "to", multiple=True, metavar="ADDR", help="Recipient; repeat for more (default: email.to).")
@click.option("--dry-run", is_flag=True, help="Print the envelope and headers; send nothing.")
@click.option("--insecure", is_flag=True, help="Allow clear text and certificates that do not verify.")
@pass_state
def send_command(state: State, file: Path, to: tuple[str, ...], dry_run: bool, insecure: bool) -> None:
    """Render the issue FILE as email and deliver it.

    The message is the one `digest render FILE --format email` writes, with
    To naming the recipients. The server comes from digest.toml: smtp.host,
    smtp.port, smtp.user and smtp.security (starttls or tls); the password only
    from DIGEST_SMTP_PASSWORD. A server without STARTTLS or with a certificate
    that does not verify is refused unless --insecure is given.
    """
    from digest.deliver import prepare, send

    delivery = prepare(file, state.settings(), list(to), insecure)
    if dry_run:
        echo(delivery.describe())
        echo("dry run: nothing sent", err=True)
        return
    send(delivery)
    accepted = [r for r in delivery.recipients if r not in delivery.refused]
    echo(f"sent {file} to {', '.join(accepted)} via {delivery.host}:{delivery.port}")
