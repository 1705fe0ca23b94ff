"""Ghost: the issue as a draft post through the Ghost Admin API.

Documented at https://docs.ghost.org/admin-api/: ``POST /ghost/api/admin/posts/?source=html``
creates a post from HTML (Ghost converts it to its editor's format; without
``source=html`` the HTML is ignored), ``GET``/``PUT /ghost/api/admin/posts/{id}/`` read
and change one. A PUT must carry the post's current ``updated_at``: Ghost refuses a
stale one with 409 (someone changed the post meanwhile), so each update reads the post
first. Requests carry ``Accept-Version: v5.0``.

Authentication is a token made for each request from the Admin API key ``ID:SECRET``
of a custom integration: a JWT signed with HS256 using the hex-decoded SECRET, header
``kid`` = ID, payload ``iat``, ``exp`` (5 minutes later, Ghost's maximum) and ``aud``
``/admin/``; sent as ``Authorization: Ghost <token>``. It is written here with the
standard library (hmac, hashlib, base64).

Fields sent: ``title`` (the issue title), ``html`` (clean semantic HTML: headings,
paragraphs, lists, links, quotes, code and figures, which Ghost turns into cards),
``custom_excerpt`` (the headline, Ghost's subtitle), ``status`` and, when scheduled,
``published_at``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from digest import clock
from digest.errors import ConfigError, DigestError
from digest.publish.content import Content
from digest.publish.http import Http
from digest.publish.platform import Platform, Remote, base_url, secret, utc_text

if TYPE_CHECKING:
    import requests

    from digest.config import Settings

KEY = "DIGEST_GHOST_ADMIN_KEY"
TOKEN_LIFETIME = 300
"""Seconds a token is valid: Ghost accepts at most five minutes."""
API_VERSION = "v5.0"

_KEY_FORMAT = re.compile(r"([0-9a-fA-F]+):((?:[0-9a-fA-F]{2})+)")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def admin_token(key_id: str, secret_hex: str, now: datetime) -> str:
    """The JWT Ghost's Admin API takes, valid from ``now`` for five minutes."""
    iat = int(now.timestamp())
    header = {"alg": "HS256", "typ": "JWT", "kid": key_id}
    payload = {"iat": iat, "exp": iat + TOKEN_LIFETIME, "aud": "/admin/"}
    signing_input = ".".join(_b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload))
    signature = hmac.new(bytes.fromhex(secret_hex), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


class _GhostAuth:
    """``Authorization: Ghost <token>``, a fresh token for every request (retries included)."""

    def __init__(self, key_id: str, secret_hex: str) -> None:
        self.key_id = key_id
        self.secret_hex = secret_hex

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:

        r.headers["Authorization"] = f"Ghost {admin_token(self.key_id, self.secret_hex, clock.now())}"
        return r


def connect(settings: Settings, environ: Mapping[str, str], where: str, insecure: bool,
            http_class: type[Http]) -> Ghost:
    site = base_url(settings, "publish.ghost_url", "https://blog.example.org", insecure, strip=("/ghost",))
    key = secret(environ, KEY)
    how = "in Ghost Admin, Settings, Integrations, add a custom integration and copy its Admin API key"
    if not key:
        raise ConfigError([f"{KEY}: not set; {how}, then export it as {KEY}"])
    match = _KEY_FORMAT.fullmatch(key)
    if not match:
        # Never echo the value: it is a secret, however mangled.
        raise ConfigError([f"{KEY}: not an Admin API key (expected ID:SECRET, both hexadecimal); {how}"])
    key_id, secret_hex = match.groups()

    def auth_hint(code: int, message: str) -> str:
        said = f": {message}" if message else ""
        return (
            f"{KEY}: Ghost refused the Admin API key (HTTP {code}{said}); check that {KEY} holds the Admin API key "
            f"(not the Content API key) of a custom integration on {site}, and that this machine's clock is right"
        )

    http = http_class("Ghost", _GhostAuth(key_id, secret_hex), [key, secret_hex], auth_hint, where, "publish.ghost_url",
                headers={"Accept-Version": API_VERSION})
    return Ghost(site, http)


class Ghost(Platform):
    name = "ghost"
    label = "Ghost"
    noun = "post"

    def _url(self, post_id: str = "") -> str:
        return f"{self.site}/ghost/api/admin/posts/" + (f"{quote(post_id, safe='')}/" if post_id else "")

    def _remote(self, resp: requests.Response, what: str) -> Remote:
        body = self.http.json(resp, what)
        posts = body.get("posts") if isinstance(body, dict) else None
        post = posts[0] if isinstance(posts, list) and posts and isinstance(posts[0], dict) else None
        if post is None or not post.get("id"):
            raise ConfigError([f"publish.ghost_url: Ghost's answer to {what} holds no post; is it the site's address?"])
        return Remote(str(post["id"]), str(post.get("status") or ""), str(post.get("url") or ""), post)

    def get(self, post_id: str, remembered: Mapping[str, Any]) -> Remote | None:
        what = "read the post made before"
        resp = self.http.request("GET", self._url(post_id), what=what, passthrough=(404,))
        if resp.status_code == 404:
            return None
        return self._remote(resp, what)

    @staticmethod
    def _fields(content: Content, when: datetime | None) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "title": content.title,
            "html": content.clean_html,
            "custom_excerpt": content.headline or None,
            "status": "draft" if when is None else "scheduled",
        }
        if when is not None:
            fields["published_at"] = utc_text(when, millis=True)
        return fields

    def create(self, content: Content, when: datetime | None) -> Remote:
        what = "create the draft" if when is None else "schedule the post"
        resp = self.http.request(
            "POST", self._url(), params={"source": "html"}, json_body={"posts": [self._fields(content, when)]}, what=what
        )
        return self._remote(resp, what)

    def update(self, remote: Remote, content: Content, when: datetime | None) -> Remote:
        fields = self._fields(content, when)
        fields["updated_at"] = remote.data.get("updated_at")
        if when is None:
            fields["published_at"] = None
        what = "update the draft" if when is None else "schedule the post"
        resp = self.http.request(
            "PUT", self._url(remote.id), params={"source": "html"}, json_body={"posts": [fields]}, what=what,
            passthrough=(409,),
        )
        if resp.status_code == 409:

            raise DigestError(
                f"{self.http.where}: Ghost refused to update post {remote.id} (HTTP 409: "
                f"{self.http.message(resp)}): it changed on Ghost while digest was updating it; "
                "close it in Ghost's editor and run again"
            )
        return self._remote(resp, what)
