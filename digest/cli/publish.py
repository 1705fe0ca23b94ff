"""`digest publish`: see docs/publish.md."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from digest.cli.common import State, echo, pass_state


@click.command(
    "publish",
    short_help="Create or update the issue as a draft on Buttondown, listmonk or Ghost.",
    epilog="""\b
Examples:
  DIGEST_BUTTONDOWN_TOKEN=... digest publish issues/2022-10-23.md --to buttondown
  digest publish issues/2022-10-23.md --to ghost --schedule 2022-10-23T08:00
  digest publish issues/2022-10-23.md --to listmonk --schedule 2022-10-23T08:00+02:00
""",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--to", "platform", required=True, metavar="PLATFORM",
    help="The platform: buttondown, listmonk or ghost. (Substack has no API: `digest render FILE`, "
    "then the page's Copy for Substack button.)",
)
@click.option(
    "--schedule", metavar="DATETIME",
    help="Schedule it for this time instead of leaving a draft: ISO 8601, e.g. 2022-10-23T08:00 "
    "(in the timezone setting) or 2022-10-23T08:00+02:00.",
)
@click.option("--insecure", is_flag=True, help="Allow an http:// address on another machine (credentials in clear text).")
@click.option("--draft", is_flag=True, help="With --schedule: schedule an issue with status: draft anyway.")
@pass_state
def publish_command(state: State, file: Path, platform: str, schedule: str | None, insecure: bool, draft: bool) -> None:
    """Create the issue FILE as a draft on a newsletter platform, or update it.

    The draft gets the issue's title, headline and content as `digest render`
    makes them. Running it again updates the same draft (the platform's id is
    kept in the store), never making a second one; with --schedule the post is
    scheduled instead. Addresses come from digest.toml (publish.buttondown_url,
    publish.listmonk_url and publish.listmonk_lists, publish.ghost_url);
    credentials only from DIGEST_BUTTONDOWN_TOKEN, DIGEST_LISTMONK_USER and
    DIGEST_LISTMONK_TOKEN, or DIGEST_GHOST_ADMIN_KEY.

    An issue with status: draft can be put there as a draft (nobody receives
    it), but --schedule refuses it, since a scheduled post goes out: set
    status: ready first, or pass --draft to schedule it anyway.
    """
    from digest.publish import PLATFORMS, publish

    platform = platform.strip().lower()
    if platform not in PLATFORMS:
        raise click.BadParameter(_no_api(platform, file, state), ctx=click.get_current_context(), param_hint="'--to'")
    result = publish(file, state.settings(), platform, schedule, insecure, draft)
    echo(result.line())


def _no_api(platform: str, file: Path, state: State) -> str:
    """Why ``platform`` cannot be published to, and what works instead: Substack has no API for
    posts, so the page's Copy for Substack button (or the .substack.html) is the way there."""
    from digest.cli.common import relative
    from digest.errors import DigestError

    try:
        build = Path(relative(state.settings(say_no_folder=False).path("build")))
    except DigestError:
        build = Path("build")
    render = f"`digest render {shlex.quote(str(file))}`"
    if platform == "substack":
        return (f"Substack has no API to post through; run {render}, open {build / file.stem}.html and press Copy for "
                f"Substack (or copy {build / file.stem}.substack.html), then paste into a new Substack post")
    return (f"{platform!r} is not a platform digest publishes to; use buttondown, listmonk or ghost "
            f"(for Substack, {render} and the page's Copy for Substack button)")
