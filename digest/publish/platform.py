"""What every platform module builds on: `Platform` (one post's read, create and update),
`Remote` (a post as the platform describes it), and the checks of a platform's address and
credentials.

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock (like the package).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from digest.publish.content import Content
from digest.publish.http import Http

if TYPE_CHECKING:
    from digest.config import Settings


@dataclass
class Remote:
    """One post as the platform describes it."""

    id: str
    status: str
    url: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    """The platform's whole answer for the post (Ghost's ``updated_at``, listmonk's ``uuid`` ...)."""


def utc_text(when: datetime, millis: bool = False) -> str:
    """``2026-12-06T07:00:00Z`` (with ``.000`` before the Z when ``millis``)."""
    utc = when.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (".000Z" if millis else "Z")


def base_url(settings: Settings, key: str, example: str, insecure: bool, strip: Iterable[str] = ()) -> str:
    """The address in setting ``key``, without a trailing slash (nor a trailing part in ``strip``
    that people paste along, like ``/ghost``); refused when missing, not http(s), or clear text to
    another machine without ``--insecure``."""
    section, _, name = key.partition(".")
    value = str(getattr(getattr(settings, section), name)).strip()
    if not value:
        raise settings.problem(key, f'not set; add `[{section}]` `{name} = "{example}"`')
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise settings.problem(key, f"{value!r} is not an http(s) address like {example}")
    if parts.scheme == "http" and not insecure and not _loopback(parts.hostname):
        raise settings.problem(key, f"{value} would send your credentials in clear text; use https://, or pass --insecure"
        )
    value = value.rstrip("/")
    for tail in strip:
        if value.endswith(tail):
            value = value[: -len(tail)].rstrip("/")
    return value


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secret(environ: Mapping[str, str], name: str) -> str:
    """The value of the variable ``name``, stripped ('' when unset)."""
    return environ.get(name, "").strip()


class Platform:
    """What the flow needs of a platform module's client (subclasses fill it in)."""

    name = ""
    label = ""
    noun = "post"
    editable: frozenset[str] = frozenset({"draft", "scheduled"})
    site = ""
    """The address the posts live at: a remembered id from another site is not reused."""

    http: Http

    def __init__(self, site: str, http: Http) -> None:
        self.site = site
        self.http = http

    def get(self, post_id: str, remembered: Mapping[str, Any]) -> Remote | None:
        """The post, or None when the platform no longer has it."""
        raise NotImplementedError

    def create(self, content: Content, when: datetime | None) -> Remote:
        raise NotImplementedError

    def update(self, remote: Remote, content: Content, when: datetime | None) -> Remote:
        raise NotImplementedError

    def finish(self, remote: Remote, when: datetime | None) -> Remote:
        """A second step after create or update (listmonk schedules with its own request)."""
        return remote

    def remember(self, remote: Remote) -> dict[str, Any]:
        """What the store keeps for the post besides its id and the site."""
        return {}

    def close(self) -> None:
        self.http.close()
