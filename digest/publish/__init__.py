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

HTTP: every request has a timeout; 429, 5xx, timeouts and dropped connections are
retried with backoff (`sleep` is looked up at call time, so tests replace it);
401/403 name the variable that holds the credentials; other 4xx carry the
platform's own message. A create (POST) that may have reached the platform is
never repeated blindly, since that could make a second post. Secrets never
appear in a message: anything the platform echoes is redacted.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from digest import __version__, clock
from digest.errors import ConfigError, DigestError, UnavailableError, UsageError
from digest.issue import load_issue
from digest.render import issue_view, render_view
from digest.render.email_message import email_html
from digest.render.plaintext import render_text
from digest.render.substack import substack_html
from digest.store import Store

if TYPE_CHECKING:
    import requests

    from digest.config import Settings
    from digest.render import IssueView

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
class Remote:
    """One post as the platform describes it."""

    id: str
    status: str
    url: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    """The platform's whole answer for the post (Ghost's ``updated_at``, listmonk's ``uuid`` ...)."""


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


# --- what each platform receives ----------------------------------------------------------------


class Content:
    """The issue in the shapes the platforms take, each rendered only when asked for."""

    def __init__(self, view: IssueView, settings: Settings) -> None:
        self.view = view
        self.settings = settings

    @cached_property
    def title(self) -> str:
        """The issue title (`title_format` or the issue's own), on one line."""
        return " ".join(self.view.title.split())

    @cached_property
    def headline(self) -> str:
        return " ".join(self.view.headline.split())

    @cached_property
    def markdown(self) -> str:
        """`digest render --format md`, less its first line when that is the title as a
        ``# heading``: the platform shows the title from its own field."""

        return strip_title(render_view(self.view, self.settings, "md"), self.title)

    @cached_property
    def email_html(self) -> str:
        """The email's HTML part, inside (CSS inlined, 600 px design), without the document around
        it: for a platform that wraps the content in its own template."""

        return email_fragment(email_html(self.view, self.settings))

    @cached_property
    def clean_html(self) -> str:
        """Semantic HTML without styles or layout tables (the Substack flavour): headings,
        paragraphs, lists, links, quotes, code, figures. Title and headline are not in it."""

        return substack_html(self.view, self.settings)

    @cached_property
    def text(self) -> str:
        """The plain-text part (`digest render --format text`)."""

        return render_text(self.view, self.settings)


def strip_title(markdown: str, title: str) -> str:
    """``markdown`` without a leading ``# <title>`` line (and the blank lines after it)."""
    lines = markdown.lstrip("\n").split("\n")
    if lines and lines[0].startswith("# ") and " ".join(lines[0][2:].split()) == title:
        return "\n".join(lines[1:]).lstrip("\n")
    return markdown


_PREHEADER = re.compile(r"<div\b[^>]*\bclass=\"[^\"]*\bpreheader\b[^\"]*\"[^>]*>.*?</div>", re.S)
_BODY = re.compile(r"<body\b[^>]*>(.*)</body>", re.S | re.I)


def email_fragment(document: str) -> str:
    """The hidden preheader and the inside of the element of class ``content`` (the packaged
    email template's column) of an email HTML ``document``; with a template override that
    has no such element, the inside of ``<body>``."""
    from html.parser import HTMLParser

    class Finder(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=False)
            self.tag = ""
            self.depth = 0
            self.start = self.end = -1

        def at(self) -> int:
            line, col = self.getpos()
            return starts[line - 1] + col

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if self.start < 0 and "content" in (dict(attrs).get("class") or "").split():
                self.tag, self.depth = tag, 1
                self.start = self.at() + len(self.get_starttag_text() or "")
            elif self.start >= 0 and self.end < 0 and tag == self.tag:
                self.depth += 1

        def handle_endtag(self, tag: str) -> None:
            if self.start >= 0 and self.end < 0 and tag == self.tag:
                self.depth -= 1
                if self.depth == 0:
                    self.end = self.at()

    starts = [0]
    for line in document.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    finder = Finder()
    finder.feed(document)
    finder.close()
    if 0 <= finder.start <= finder.end:
        inner = document[finder.start : finder.end]
    else:
        body = _BODY.search(document)
        inner = body.group(1) if body else document
    preheader = _PREHEADER.search(document)
    if preheader and preheader.group(0) not in inner:
        inner = preheader.group(0) + "\n" + inner
    return inner.strip() + "\n"


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


def utc_text(when: datetime, millis: bool = False) -> str:
    """``2026-12-06T07:00:00Z`` (with ``.000`` before the Z when ``millis``)."""
    utc = when.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (".000Z" if millis else "Z")


# --- settings and credentials ---------------------------------------------------------------------


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


# --- HTTP -----------------------------------------------------------------------------------------


def user_agent() -> str:

    return f"digest/{__version__} (arXiv roundup newsletter tool; publish)"


class Http:
    """One platform's HTTP client: timeouts, retries with backoff, and every failure as one line.

    ``auth`` is a `requests` auth object (given per request, so a ``~/.netrc`` entry never
    replaces it); ``secrets`` are redacted from whatever is shown; ``auth_hint(code, message)``
    is the line for a 401/403, naming the variables to check; ``where`` starts other lines
    (the issue file).
    """

    def __init__(
        self,
        label: str,
        auth: Any,
        secrets: Iterable[str],
        auth_hint: Callable[[int, str], str],
        where: str,
        setting: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        import requests

        self.label = label
        self.auth = auth
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self.auth_hint = auth_hint
        self.where = where
        self.setting = setting
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent()
        self.session.headers["Accept"] = "application/json"
        self.session.headers.update(headers or {})

    def close(self) -> None:
        self.session.close()

    def message(self, resp: requests.Response) -> str:
        """The platform's words for an error (`platform_message`), secrets redacted."""
        return self.redact(platform_message(resp))

    def redact(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, "[redacted]")
        return _JWT.sub("[redacted]", text)

    def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        what: str,
        passthrough: Iterable[int] = (),
    ) -> requests.Response:
        """The answer to ``method url``: a 2xx, or a status in ``passthrough`` for the caller to
        judge; anything else raises. ``what`` says what the request does ("create the draft")."""
        import requests

        attempts = 0
        keep = set(passthrough)
        while True:
            attempts += 1
            failure: str
            wait: float | None = None
            try:
                resp = self.session.request(
                    method, url, json=json_body, params=params, auth=self.auth, timeout=TIMEOUT, allow_redirects=False
                )
            except requests.exceptions.RequestException as exc:
                sent = _maybe_sent(exc)
                failure = _failure_text(exc)
                if method == "POST" and sent:
                    raise UnavailableError(
                        f"{self.where}: {self.label}: {failure} waiting for the answer to {what} ({method} {url}); "
                        f"it may have been made: look on {self.label} before running again, since digest could not "
                        "record it and a new run would make another"
                    ) from None
            else:
                code = resp.status_code
                if 200 <= code < 300 or code in keep:
                    return resp
                message = self.message(resp)
                if code in (401, 403):
                    raise ConfigError([self.auth_hint(code, message)])
                if 300 <= code < 400:
                    target = resp.headers.get("Location", "")
                    raise setting_like(
                        f"{self.setting}: {self.label} answered {url} with a redirect (HTTP {code})"
                        + (f" to {self.redact(target)}" if target else "")
                        + f"; set {self.setting} to the address it names"
                    )
                if code != 429 and code < 500:
                    raise DigestError(f"{self.where}: {self.label} refused to {what} (HTTP {code}): {message}")
                failure = f"HTTP {code}" + (f" ({message})" if message else "")
                wait = _retry_after(resp.headers.get("Retry-After"))
                if wait is not None and wait > MAX_RETRY_AFTER:
                    raise UnavailableError(
                        f"{self.where}: {self.label}: {method} {url}: {failure}, asking to wait {wait:.0f} s; try again later"
                    )
            if attempts >= ATTEMPTS:
                raise UnavailableError(
                    f"{self.where}: {self.label}: {method} {url}: {failure} after {attempts} attempts; try again later"
                )
            delay = wait if wait is not None else BACKOFF * 2 ** (attempts - 1)
            log.info("%s: %s %s: %s; retrying in %.0f s", self.label, method, url, failure, delay)
            sleep(delay)

    def json(self, resp: requests.Response, what: str) -> Any:
        """The JSON of a successful answer, or one line saying the address is probably wrong."""
        try:
            return resp.json()
        except ValueError:
            raise setting_like(
                f"{self.setting}: {self.label} answered {resp.request.method} {resp.url} with something other than "
                f"JSON while trying to {what} (HTTP {resp.status_code}, {resp.headers.get('Content-Type', 'no type')}); "
                f"is {self.setting} the right address?"
            ) from None


def setting_like(message: str) -> ConfigError:
    return ConfigError([message])


_JWT = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]+")


def _maybe_sent(exc: Exception) -> bool:
    """Whether the request may have reached the platform before ``exc``: not when connecting failed."""
    import requests
    import urllib3.exceptions

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError):
            return False
        stack += [getattr(e, "reason", None), e.__cause__, e.__context__, *[a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]]
    return True


def _failure_text(exc: Exception) -> str:
    import requests

    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within {TIMEOUT:g} s"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "the connection failed" if not _maybe_sent(exc) else "the connection dropped"
    return type(exc).__name__


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime


    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - clock.now()).total_seconds())


def platform_message(resp: requests.Response) -> str:
    """The platform's own words for an error, on one line: Ghost's ``errors[].message``
    (+ ``context``), Buttondown's ``detail`` (a string, or a list of field errors),
    listmonk's ``message``; else a short plain-text body, else the HTTP reason."""
    try:
        data = resp.json()
    except ValueError:
        data = None
    found: list[str] = []
    if isinstance(data, dict):
        for err in data.get("errors") or []:
            if isinstance(err, dict) and err.get("message"):
                text = str(err["message"])
                context = err.get("context")
                if context and str(context) != text:
                    text += f" ({context})"
                found.append(text)
        detail = data.get("detail")
        if isinstance(detail, str):
            found.append(detail)
        elif isinstance(detail, list):
            for item in detail:
                if isinstance(item, dict):
                    loc = ".".join(str(x) for x in item.get("loc") or [] if x != "body")
                    msg = str(item.get("msg") or item.get("message") or item)
                    found.append(f"{loc}: {msg}" if loc else msg)
        if isinstance(data.get("message"), str):
            found.append(data["message"])
    if not found:
        kind = resp.headers.get("Content-Type", "")
        body = resp.text if "html" not in kind else ""
        found.append(body[:200] if body.strip() else (resp.reason or ""))
    return " ".join("; ".join(found).split())[:400]


# --- the platforms --------------------------------------------------------------------------------


class Platform:
    """What the flow needs of a platform module's client (subclasses fill it in)."""

    name = ""
    label = ""
    noun = "post"
    editable: frozenset[str] = frozenset({"draft", "scheduled"})
    site = ""
    """The address the posts live at: a remembered id from another site is not reused."""

    http: Http

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


def connect(platform: str, settings: Settings, where: str, insecure: bool = False,
            environ: Mapping[str, str] | None = None) -> Platform:
    """The platform's client, its address and credentials checked; nothing is sent yet."""
    from importlib import import_module

    if platform not in PLATFORMS:
        raise UsageError(f"--to: unknown platform {platform!r}; choose from {', '.join(PLATFORMS)}")
    module = import_module(f"digest.publish.{platform}")
    client: Platform = module.connect(settings, os.environ if environ is None else environ, where, insecure)
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
) -> Published:
    """Create, or update when this issue was published there before, the issue's draft on
    ``platform``; scheduled for ``schedule`` (ISO 8601) when given."""

    file = Path(file)
    when = parse_schedule(schedule, settings) if schedule else None
    client = connect(platform, settings, str(file), insecure)
    try:
        issue = load_issue(file)
        content = Content(issue_view(issue, settings), settings)
        key = store_key(platform, issue.date.isoformat())
        with Store.open(settings.path("store")) as store:
            remote = _remembered_post(client, store.get_value(key), file, issue.date.isoformat())
            if remote is None:
                remote = client.create(content, when)
                action = "created"
            else:
                remote = client.update(remote, content, when)
                action = "updated"
            # Remembered before the second step: a failure there leaves a post the next run updates.
            _remember(store, key, client, remote)
            remote = client.finish(remote, when)
            _remember(store, key, client, remote)
    finally:
        client.close()
    status = "scheduled" if when is not None else "draft"
    return Published(file, platform, remote.id, action, status, when, remote.url)


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
