"""The HTTP client the platform modules share (`Http`): timeouts, retries with backoff, and
every failure as one line with the secrets redacted.

How long to wait and how often to retry is `Retries`, asked of `Http.retries` at each
attempt: `digest.publish.Http` answers with the package's ``TIMEOUT``, ``ATTEMPTS``,
``BACKOFF``, ``MAX_RETRY_AFTER`` and ``sleep``, so tests that replace those take effect.
requests and urllib3 are imported when a client is made or a request fails.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from digest import __version__
from digest.errors import ConfigError, DigestError, UnavailableError
from digest.fetch.http import retry_after

if TYPE_CHECKING:
    import requests

log = logging.getLogger("digest.publish")  # the package's logger, as before the split: filters keep working


class Retries(NamedTuple):
    """``timeout``: seconds to connect and between bytes of an answer; ``attempts``: tries per
    request; ``backoff``: seconds before the first retry, doubled for each further one;
    ``max_retry_after``: a longer ``Retry-After`` ends the run; ``sleep`` waits between tries."""

    timeout: float
    attempts: int
    backoff: float
    max_retry_after: float
    sleep: Callable[[float], None]


def user_agent() -> str:
    """What the platforms see of digest: its name and version."""
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

    def retries(self) -> Retries:
        """How requests time out and retry (see `Retries`); asked at each attempt."""
        raise NotImplementedError

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
            policy = self.retries()
            attempts += 1
            failure: str
            wait: float | None = None
            try:
                resp = self.session.request(
                    method, url, json=json_body, params=params, auth=self.auth, timeout=policy.timeout, allow_redirects=False
                )
            except requests.exceptions.RequestException as exc:
                sent = _maybe_sent(exc)
                failure = _failure_text(exc, policy.timeout)
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
                wait = retry_after(resp.headers.get("Retry-After"))
                if wait is not None and wait > policy.max_retry_after:
                    raise UnavailableError(
                        f"{self.where}: {self.label}: {method} {url}: {failure}, asking to wait {wait:.0f} s; try again later"
                    )
            if attempts >= policy.attempts:
                raise UnavailableError(
                    f"{self.where}: {self.label}: {method} {url}: {failure} after {attempts} attempts; try again later"
                )
            delay = wait if wait is not None else policy.backoff * 2 ** (attempts - 1)
            log.info("%s: %s %s: %s; retrying in %.0f s", self.label, method, url, failure, delay)
            policy.sleep(delay)

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


def _failure_text(exc: Exception, timeout: float) -> str:
    import requests

    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "the connection failed" if not _maybe_sent(exc) else "the connection dropped"
    return type(exc).__name__


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
