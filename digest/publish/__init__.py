"""`digest publish`: the issue as a draft (or a scheduled post) on Buttondown, listmonk or Ghost.

The common flow lives here; each platform is one module (`buttondown`, `listmonk`,
`ghost`) that knows its API: how to read, create and update one post. The flow:

1. settings and credentials are checked before anything is rendered or sent
   (addresses from ``publish.*``, secrets only from ``DIGEST_*`` variables);
2. the issue is rendered with the same functions as `digest render`;
3. the platform's id of the post made for this issue is remembered in the store
   under ``publish:<platform>:<issue date>``; a second run reads the post back
   and updates it (never a second post). A remembered post that is gone from the
   platform (deleted there) is made again, with a warning. A post that was sent
   or published meanwhile is left alone: the run stops and says so.

An issue with ``status: draft`` may be put on the platform as a draft (nobody receives
that; the run says so), but not scheduled, which would send it, unless ``draft`` is given
(`digest publish --draft`).

HTTP: every request has a timeout; 429, 5xx, timeouts and dropped connections are
retried with backoff (`sleep` is looked up at call time, so tests replace it);
401/403 name the variable that holds the credentials; other 4xx carry the
platform's own message. A create (POST) that may have reached the platform is
never repeated blindly, since that could make a second post. Secrets never
appear in a message: anything the platform echoes is redacted.

The package owns putting an issue on a newsletter platform: this module (the flow and
`connect`), `content` (what a platform receives), `http` (the HTTP client the platforms
share), `platform` (`Platform`, `Remote`, address and credential checks) and one module
per platform, built on `platform`. `connect` hands a platform module this module's `Http`
(whose timeouts and retries tests replace here), so no platform module imports the package.

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock, store, issue, fetch, seeds, render.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest import clock
from digest.errors import DigestError, InputError, UsageError
from digest.issue import load_issue
from digest.publish import buttondown, ghost, http, listmonk
from digest.publish.content import Content, email_fragment, strip_title
from digest.publish.http import Retries, platform_message, setting_like, user_agent
from digest.publish.platform import Platform, Remote, base_url, secret, utc_text
from digest.render import issue_view
from digest.store import Store

if TYPE_CHECKING:
    from digest.config import Settings

__all__ = ["ATTEMPTS", "BACKOFF", "MAX_RETRY_AFTER", "PLATFORMS", "TIMEOUT", "Content", "Http", "Platform",
           "Published", "Remote", "base_url", "connect", "email_fragment", "parse_schedule", "platform_message",
           "publish", "secret", "setting_like", "sleep", "store_key", "strip_title", "user_agent", "utc_text"]  # fmt: skip

log = logging.getLogger(__name__)

PLATFORMS = ("buttondown", "listmonk", "ghost")

TIMEOUT = 30.0
"""Seconds to connect, and seconds between bytes of the answer, before a request is given up."""
ATTEMPTS = 3
"""Tries per request on 429, 5xx, timeouts and dropped connections (the first and two retries)."""
BACKOFF = 2.0
"""Seconds before the first retry; doubled for each further one."""
MAX_RETRY_AFTER = 60.0
"""A ``Retry-After`` longer than this ends the run (exit 3) instead of blocking it."""

sleep: Callable[[float], None] = time.sleep
"""Waits between retries; tests replace it (``monkeypatch.setattr(digest.publish, "sleep", ...)``)."""


# --- the result -------------------------------------------------------------------------------


@dataclass
class Published:
    """What a run did, for the one-line report."""

    file: Path
    platform: str
    post_id: str
    action: str  # "created" or "updated"
    status: str  # "draft" or "scheduled"
    when: datetime | None = None
    url: str = ""

    def line(self) -> str:
        """``published issues/2022-10-23.md to ghost as draft 6523... (created) https://...``"""
        what = f"{self.status} {self.post_id}"
        if self.when is not None:
            what += f" for {self.when.isoformat(timespec='minutes')}"
        out = f"published {self.file} to {self.platform} as {what} ({self.action})"
        return f"{out} {self.url}" if self.url else out


class Http(http.Http):
    """`digest.publish.http.Http` under this module's ``TIMEOUT``, ``ATTEMPTS``, ``BACKOFF``,
    ``MAX_RETRY_AFTER`` and ``sleep``, looked up at each attempt (tests replace them)."""

    def retries(self) -> Retries:
        return Retries(TIMEOUT, ATTEMPTS, BACKOFF, MAX_RETRY_AFTER, sleep)


# --- --schedule -------------------------------------------------------------------------------


def parse_schedule(value: str, settings: Settings) -> datetime:
    """``--schedule`` as an aware datetime: ISO 8601 with or without a zone (none = `timezone`);
    it must name a time, and one in the future."""
    from zoneinfo import ZoneInfo

    text = value.strip()
    example = "e.g. 2026-12-06T08:00 (in the `timezone` setting) or 2026-12-06T08:00+01:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--schedule: {value!r} is not a date and time; use ISO 8601, {example}") from None
    if re.fullmatch(r"\d{4}-?\d{2}-?\d{2}", text):
        raise UsageError(f"--schedule: {value!r} has no time of day; give one, {example}")
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(settings.timezone))
    now = clock.now()
    if when <= now:
        shown = now.astimezone(when.tzinfo).isoformat(timespec="minutes")
        raise UsageError(f"--schedule: {when.isoformat(timespec='minutes')} is in the past (it is {shown}); give a later time")
    return when


# --- settings and credentials ---------------------------------------------------------------------


# --- the platforms --------------------------------------------------------------------------------


def connect(platform: str, settings: Settings, where: str, insecure: bool = False,
            environ: Mapping[str, str] | None = None) -> Platform:
    """The platform's client, its address and credentials checked; nothing is sent yet."""
    if platform not in PLATFORMS:
        raise UsageError(f"--to: unknown platform {platform!r}; choose from {', '.join(PLATFORMS)}")
    module = {"buttondown": buttondown, "listmonk": listmonk, "ghost": ghost}[platform]
    client: Platform = module.connect(settings, os.environ if environ is None else environ, where, insecure, Http)
    return client


# --- the flow -------------------------------------------------------------------------------------


def store_key(platform: str, issue_date: str) -> str:
    return f"publish:{platform}:{issue_date}"


def publish(
    file: str | Path,
    settings: Settings,
    platform: str,
    schedule: str | None = None,
    insecure: bool = False,
    draft: bool = False,
) -> Published:
    """Create, or update when this issue was published there before, the issue's draft on
    ``platform``; scheduled for ``schedule`` (ISO 8601) when given, which a ``status: draft``
    issue is only with ``draft``."""

    file = Path(file)
    when = parse_schedule(schedule, settings) if schedule else None
    issue = load_issue(file)
    if issue.status == "draft" and when is not None and not draft:
        raise InputError(
            file, issue.status_line, "status: draft; set status: ready to schedule it, or pass --draft to schedule it anyway"
        )
    client = connect(platform, settings, str(file), insecure)
    try:
        # `issue_view` notes a draft as one `digest build` leaves out; `_note_draft` says what this run did with it.
        content = Content(issue_view(issue, settings, say_draft=False), settings)
        key = store_key(platform, issue.date.isoformat())
        with Store.open(settings.path("store")) as store:
            remote = _remembered_post(client, store.get_value(key), file, issue.date.isoformat())
            if remote is None:
                remote = client.create(content, when)
                action = "created"
            else:
                was = _scheduled_for(remote, settings) if when is None else None
                remote = client.update(remote, content, when)
                action = "updated"
                if was is not None:
                    log.warning("%s: the %s %s %s was scheduled for %s; it is a draft now and will not go out (run"
                                " again with --schedule to schedule it)", file, client.label, client.noun, remote.id, was)
            # Remembered before the second step: a failure there leaves a post the next run updates.
            _remember(store, key, client, remote)
            remote = client.finish(remote, when)
            _remember(store, key, client, remote)
    finally:
        client.close()
    if issue.status == "draft":
        _note_draft(file, client.label, when)
    status = "scheduled" if when is not None else "draft"
    return Published(file, platform, remote.id, action, status, when, remote.url)


def _note_draft(file: Path, label: str, when: datetime | None) -> None:
    if when is None:
        log.warning("%s: a draft (status: draft): it is a draft on %s too, which nobody receives; set status: ready"
                    " before you schedule or send it", file, label)  # fmt: skip
    else:
        log.warning("%s: a draft (status: draft), scheduled anyway (--draft): it goes out on %s at %s",
                    file, label, when.isoformat(timespec="minutes"))  # fmt: skip


def _scheduled_for(remote: Remote, settings: Settings) -> str | None:
    """When a scheduled post was to go out, in `timezone` (the platform's text if it is not a
    time; 'a time set there' if it gives none); None when the post is not scheduled."""
    from zoneinfo import ZoneInfo

    if remote.status != "scheduled":
        return None
    text = next((str(remote.data[k]) for k in ("publish_date", "send_at", "published_at") if remote.data.get(k)), "")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return text or "a time set there"
    if when.tzinfo is None:
        return text
    return when.astimezone(ZoneInfo(settings.timezone)).isoformat(timespec="minutes")


def _remember(store: Any, key: str, client: Platform, remote: Remote) -> None:
    store.set_value(key, json.dumps({"id": remote.id, "site": client.site, **client.remember(remote)}, sort_keys=True))


def _remembered_post(client: Platform, value: str | None, file: Path, day: str) -> Remote | None:
    """The post a previous run made for this issue, read back from the platform; None when
    there is none to update (never made, made on another site, or deleted there)."""
    if not value:
        return None
    try:
        remembered = json.loads(value)
    except ValueError:
        remembered = {"id": value}
    if not isinstance(remembered, dict) or not remembered.get("id"):
        return None
    post_id = str(remembered["id"])
    site = remembered.get("site")
    if site and site != client.site:
        log.warning(
            "%s: the %s %s %s made for %s is on %s, not %s; making a new one",
            file, client.label, client.noun, post_id, day, site, client.site,
        )
        return None
    remote = client.get(post_id, remembered)
    if remote is None:
        log.warning(
            "%s: the %s %s %s made for %s is gone from %s (deleted there?); making a new one",
            file, client.label, client.noun, post_id, day, client.label,
        )
        return None
    if remote.status not in client.editable:
        raise DigestError(
            f"{file}: the {client.label} {client.noun} {post_id} made for {day} is {remote.status} now; digest "
            f"changes only drafts and scheduled ones. Edit it on {client.label}, or delete it there and run "
            "again for a new draft"
        )
    return remote
