"""listmonk: the issue as a draft campaign through listmonk's campaigns API.

Documented at https://listmonk.app/docs/apis/campaigns/: ``POST /api/campaigns``
creates (always a draft), ``GET``/``PUT /api/campaigns/{id}`` read and change one
campaign, ``PUT /api/campaigns/{id}/status`` moves it between ``draft`` and
``scheduled`` (only a draft with a ``send_at`` can be scheduled; only a scheduled
one can go back to draft). Authentication is HTTP basic with an API user's name and
token. listmonk answers a missing campaign with 400 "Campaign not found" (older
versions) or 404.

Fields sent: ``name`` and ``subject`` (the issue title), ``lists`` (the ids in
``publish.listmonk_lists``), ``type`` ``regular``, ``content_type`` ``html``, ``body``
(the email's HTML column, CSS inlined; listmonk wraps it in the campaign template,
which adds the unsubscribe footer), ``altbody`` (the plain-text part) and, when
scheduled, ``send_at``. listmonk runs the subject, body and altbody as Go templates,
so a ``{{`` in the issue is sent as ``{{ "{{" }}`` and arrives as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from digest.errors import ConfigError, DigestError
from digest.publish.content import Content
from digest.publish.http import Http
from digest.publish.platform import Platform, Remote, base_url, secret, utc_text

if TYPE_CHECKING:
    import requests

    from digest.config import Settings

USER = "DIGEST_LISTMONK_USER"
TOKEN = "DIGEST_LISTMONK_TOKEN"

_ACTION_OPEN = re.compile(r"\{\{")


def go_literal(text: str) -> str:
    """``text`` that listmonk's Go templates print as written: each ``{{`` becomes an action
    printing ``{{``."""
    return _ACTION_OPEN.sub('{{ "{{" }}', text)


def connect(settings: Settings, environ: Mapping[str, str], where: str, insecure: bool,
            http_class: type[Http]) -> Listmonk:
    site = base_url(settings, "publish.listmonk_url", "https://lists.example.org", insecure, strip=("/api",))
    lists: list[int] = []
    for value in settings.publish.listmonk_lists:
        text = str(value).strip()
        if not text.isdigit() or int(text) < 1:
            raise settings.problem("publish.listmonk_lists", f"{value!r} is not a list id; listmonk's Lists page shows each list's number, e.g. [\"3\"]")
        lists.append(int(text))
    if not lists:
        raise settings.problem("publish.listmonk_lists",
            'not set; add `[publish]` `listmonk_lists = ["3"]` with the ids of the lists the campaign goes to',
        )
    user, token = secret(environ, USER), secret(environ, TOKEN)
    missing = [name for name, value in ((USER, user), (TOKEN, token)) if not value]
    if missing:
        raise ConfigError([
            f"{' and '.join(missing)}: not set; in listmonk (Admin, Users) create an API user and export its "
            f"name as {USER} and its token as {TOKEN}"
        ])

    def auth_hint(code: int, message: str) -> str:
        said = f": {message}" if message else ""
        extra = ", and that the API user's role may manage campaigns and those lists" if code == 403 else ""
        return (
            f"{USER}, {TOKEN}: listmonk refused the API user (HTTP {code}{said}); check that the variables hold "
            f"an API user's name and token{extra}"
        )

    http = http_class("listmonk", (user, token), [token], auth_hint, where, "publish.listmonk_url")
    def no_list(message: str) -> ConfigError:
        return settings.problem("publish.listmonk_lists", f"listmonk: {message.rstrip('.')}; listmonk's Lists page shows each list's "
                                "number and its subscribers")

    return Listmonk(site, lists, http, no_list)


_NO_LIST = re.compile(r"\blists?\b.{0,40}\bnot found\b|\bno subscribers\b", re.IGNORECASE)
"""listmonk's 400 for lists that name nobody: its core answers a create whose lists match no row
with ``campaigns.noSubs`` ("There are no subscribers in the selected lists ..."); older and
other builds say "List N not found"."""


class Listmonk(Platform):
    name = "listmonk"
    label = "listmonk"
    noun = "campaign"

    def __init__(self, site: str, lists: list[int], http: Http, no_list: Callable[[str], ConfigError] | None = None) -> None:
        super().__init__(site, http)
        self.lists = lists
        self.no_list = no_list
        """The error for listmonk's "List N not found": a setting to fix, named with its line."""

    def _url(self, post_id: str = "", tail: str = "") -> str:
        return f"{self.site}/api/campaigns" + (f"/{quote(post_id, safe='')}" if post_id else "") + tail

    def _remote(self, resp: requests.Response, what: str) -> Remote:
        body = self.http.json(resp, what)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            raise ConfigError([f"publish.listmonk_url: listmonk's answer to {what} holds no campaign; is it listmonk's address?"])
        post_id = str(data["id"])
        return Remote(post_id, str(data.get("status") or ""), f"{self.site}/admin/campaigns/{post_id}", data)

    def remember(self, remote: Remote) -> dict[str, Any]:
        return {"uuid": remote.data.get("uuid")} if remote.data.get("uuid") else {}

    def get(self, post_id: str, remembered: Mapping[str, Any]) -> Remote | None:
        what = "read the campaign made before"
        resp = self.http.request("GET", self._url(post_id), what=what, passthrough=(400, 404))
        if resp.status_code == 404:
            return None
        if resp.status_code == 400:

            message = self.http.message(resp)
            if "not found" in message.lower():
                return None
            raise DigestError(f"{self.http.where}: listmonk refused to {what} (HTTP 400): {message}")
        remote = self._remote(resp, what)
        uuid = remembered.get("uuid")
        if uuid and remote.data.get("uuid") and remote.data["uuid"] != uuid:
            return None  # the id was reused by another campaign (a database restored or reset)
        return remote

    def _fields(self, content: Content, when: datetime | None) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "name": content.title,
            "subject": go_literal(content.title),
            "lists": self.lists,
            "type": "regular",
            "content_type": "html",
            "body": go_literal(content.email_html),
            "altbody": go_literal(content.text),
        }
        if when is not None:
            fields["send_at"] = utc_text(when)
        return fields

    def create(self, content: Content, when: datetime | None) -> Remote:
        what = "create the campaign"
        resp = self.http.request("POST", self._url(), json_body=self._fields(content, when), what=what, passthrough=(400,))
        return self._remote(self._refused(resp, what), what)

    def update(self, remote: Remote, content: Content, when: datetime | None) -> Remote:
        fields = self._fields(content, when)  # rendered before anything changes on listmonk
        if when is None:
            fields["send_at"] = None
            if remote.status == "scheduled":
                remote = self._status(remote, "draft", "unschedule the campaign")
        what = "update the campaign"
        resp = self.http.request("PUT", self._url(remote.id), json_body=fields, what=what, passthrough=(400,))
        return self._remote(self._refused(resp, what), what)

    def _refused(self, resp: requests.Response, what: str) -> requests.Response:
        """``resp`` unless it is listmonk's 400: an unknown list names `publish.listmonk_lists`."""
        if resp.status_code != 400:
            return resp
        message = self.http.message(resp)
        if self.no_list is not None and _NO_LIST.search(message):
            raise self.no_list(message)
        raise DigestError(f"{self.http.where}: listmonk refused to {what} (HTTP 400): {message}")

    def finish(self, remote: Remote, when: datetime | None) -> Remote:
        if when is not None and remote.status != "scheduled":
            return self._status(remote, "scheduled", "schedule the campaign")
        return remote

    def _status(self, remote: Remote, status: str, what: str) -> Remote:
        resp = self.http.request("PUT", self._url(remote.id, "/status"), json_body={"status": status}, what=what)
        return self._remote(resp, what)
