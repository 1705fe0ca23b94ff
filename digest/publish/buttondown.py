"""Buttondown: the issue as an email draft through the emails API (``/v1/emails``).

Documented at https://docs.buttondown.com/api-emails-create and ``-update``: ``POST
/v1/emails`` creates, ``GET``/``PATCH /v1/emails/{id}`` read and change one email;
``Authorization: Token <key>``. Fields sent: ``subject`` (the issue title), ``body``
(the issue's Markdown, which Buttondown detects and renders), ``description`` (the
headline: Buttondown's archive and SEO summary), ``status`` and, when scheduled,
``publish_date``. ``status`` is always sent: on API versions before 2026-04-01 an email
created without one is sent at once (``about_to_send``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from digest.errors import ConfigError
from digest.publish.content import Content
from digest.publish.http import Http
from digest.publish.platform import Platform, Remote, base_url, secret, utc_text

if TYPE_CHECKING:
    import requests

    from digest.config import Settings

TOKEN = "DIGEST_BUTTONDOWN_TOKEN"


class _TokenAuth:
    """``Authorization: Token <key>`` (a `requests` auth callable)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Token {self.token}"
        return r


def connect(settings: Settings, environ: Mapping[str, str], where: str, insecure: bool,
            http_class: type[Http]) -> Buttondown:
    site = base_url(settings, "publish.buttondown_url", "https://api.buttondown.com/v1", insecure)
    token = secret(environ, TOKEN)
    if not token:
        raise ConfigError(
            [f"{TOKEN}: not set; export your Buttondown API key (Buttondown: Settings, API) as {TOKEN}"]
        )

    def auth_hint(code: int, message: str) -> str:
        said = f": {message}" if message else ""
        return (
            f"{TOKEN}: Buttondown refused the API key (HTTP {code}{said}); check that {TOKEN} holds "
            "the API key of this newsletter (Buttondown: Settings, API)"
        )

    http = http_class("Buttondown", _TokenAuth(token), [token], auth_hint, where, "publish.buttondown_url")
    return Buttondown(site, http)


class Buttondown(Platform):
    name = "buttondown"
    label = "Buttondown"
    noun = "email"

    def _url(self, post_id: str = "") -> str:
        return f"{self.site}/emails" + (f"/{quote(post_id, safe='')}" if post_id else "")

    def _remote(self, resp: requests.Response, what: str) -> Remote:
        data = self.http.json(resp, what)
        if not isinstance(data, dict) or not data.get("id"):
            raise ConfigError([f"publish.buttondown_url: Buttondown's answer to {what} holds no email id; is it the API address?"])
        return Remote(str(data["id"]), str(data.get("status") or ""), str(data.get("absolute_url") or ""), data)

    def get(self, post_id: str, remembered: Mapping[str, Any]) -> Remote | None:
        resp = self.http.request("GET", self._url(post_id), what="read the email made before", passthrough=(404,))
        if resp.status_code == 404:
            return None
        return self._remote(resp, "read the email made before")

    @staticmethod
    def _fields(content: Content, when: datetime | None) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "subject": content.title,
            "body": content.markdown,
            "description": content.headline,
            "status": "draft" if when is None else "scheduled",
        }
        if when is not None:
            fields["publish_date"] = utc_text(when)
        return fields

    def create(self, content: Content, when: datetime | None) -> Remote:
        what = "create the draft" if when is None else "schedule the email"
        resp = self.http.request("POST", self._url(), json_body=self._fields(content, when), what=what)
        return self._remote(resp, what)

    def update(self, remote: Remote, content: Content, when: datetime | None) -> Remote:
        fields = self._fields(content, when)
        if when is None and remote.data.get("publish_date"):
            fields["publish_date"] = "none"  # Buttondown's documented way to clear a scheduled date
        what = "update the draft" if when is None else "schedule the email"
        resp = self.http.request("PATCH", self._url(remote.id), json_body=fields, what=what)
        return self._remote(resp, what)
