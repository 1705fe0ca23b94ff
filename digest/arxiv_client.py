"""The network seam: the only module that talks to arXiv.

It imports `requests` (transport), `arxiv` (the API's Atom parser and
`arxiv.Result`) and `feedparser` (RSS), and hands out `Paper` records.
Everything else in digest receives Papers and never touches the network,
so tests point ``arxiv.api_url`` / ``arxiv.rss_url`` at a local server.

Politeness, per arXiv's terms of use: one request at a time, at least
``arxiv.delay`` seconds apart (default 3), pages of up to 2000 entries and a
descriptive User-Agent. Failures that may pass (HTTP 429 and 5xx, timeouts,
dropped connections, truncated or unparsable pages, an unexpectedly empty
page) are retried with exponential backoff, honouring ``Retry-After``. An
arXiv error feed (HTTP 400 with an entry titled ``Error``) is not retried.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import arxiv
import feedparser
import requests
from arxiv import _feed as arxiv_feed  # arxiv 4.x's lxml parser; pinned arxiv>=4,<5

from digest.arxiv_convert import paper_from_result, papers_from_rss
from digest.errors import DigestError, UnavailableError, UsageError
from digest.paper import Paper

if TYPE_CHECKING:
    from digest.config import Settings

log = logging.getLogger(__name__)

MAX_PAGE = 2000
"""arXiv's largest page (``max_results`` per request)."""
IDS_PER_REQUEST = 400
"""Ids per ``id_list`` request: keeps the URL under ~6 KB, which every proxy accepts."""
MAX_RETRY_AFTER = 600.0
"""A ``Retry-After`` longer than this (seconds) ends the run instead of blocking cron."""


def user_agent() -> str:
    """A descriptive User-Agent, as arXiv asks: tool, version, where to read about it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("arxiv-digest")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout
        ours = "0"
    return f"digest/{ours} (arXiv roundup newsletter tool; arxiv.py/{arxiv.__version__}; python-requests/{requests.__version__})"


class ArxivQueryError(DigestError):
    """arXiv answered with an error feed: the query or an id is malformed (not retried)."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        self.message = message
        super().__init__(f"arXiv rejected the request: {message} ({url}); check arxiv.query / the ids given")


class ArxivUnavailable(UnavailableError):
    """Retries ran out: ``what`` failed at ``url`` after ``attempts`` tries."""

    def __init__(self, url: str, attempts: int, what: str) -> None:
        self.url = url
        self.attempts = attempts
        self.what = what
        super().__init__(f"{what} after {attempts} attempts ({url})")


class _Retry(Exception):
    """A failure worth another try; ``wait`` is the server's Retry-After, if any."""

    def __init__(self, what: str, wait: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.wait = wait


@dataclass
class ApiPage:
    """One page of API results: where it starts, arXiv's total, the papers on it."""

    url: str
    start: int
    total: int
    papers: list[Paper]
    received: int = 0
    """Entries on the page as served (error entries are not papers, but count for the offset)."""


@dataclass
class RssResult:
    """One RSS fetch: ``not_modified`` is a 304; validators are for the next conditional GET."""

    url: str
    not_modified: bool
    papers: list[Paper] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    announced: str | None = None


@dataclass
class Counters:
    """Requests made and retries spent, for the run report."""

    requests: int = 0
    retries: int = 0
    bytes: int = 0


class ArxivClient:
    """A polite arXiv client. Build it with `ArxivClient.from_settings`."""

    def __init__(
        self,
        api_url: str = "https://export.arxiv.org/api/query",
        rss_url: str = "https://rss.arxiv.org/rss/",
        *,
        delay: float = 3.0,
        page_size: int = MAX_PAGE,
        timeout: float = 30.0,
        retries: int = 5,
        backoff: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        self.api_url = api_url
        self.rss_url = rss_url if rss_url.endswith("/") else rss_url + "/"
        self.delay = delay
        self.page_size = max(1, min(page_size, MAX_PAGE))
        self.timeout = timeout
        self.retries = retries
        self.backoff = delay if backoff is None else backoff
        """First retry's wait in seconds, doubled on each further retry (default: ``delay``)."""
        self.sleep = sleep
        self.on_wait = on_wait
        self.counters = Counters()
        self._last: float | None = None
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> ArxivClient:
        """A client from ``arxiv.*`` settings; retries back off from ``arxiv.delay``, doubling."""
        a = settings.arxiv
        return cls(a.api_url, a.rss_url, delay=a.delay, page_size=a.page_size, timeout=a.timeout,
                   retries=a.retries, **kwargs)  # fmt: skip

    def close(self) -> None:
        self.session.close()

    # -- transport -----------------------------------------------------------------
    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            if self.on_wait:
                self.on_wait(seconds)
            self.sleep(seconds)

    def _get(self, url: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None,
             check: Callable[[requests.Response], Any] | None = None) -> tuple[requests.Response, Any]:  # fmt: skip
        """GET with delay, retries and backoff; ``check`` validates the body (raise `_Retry`)."""
        attempt = 0
        while True:
            if self._last is not None:
                self._pause(self.delay - (time.monotonic() - self._last))
            self.counters.requests += 1
            full = url
            try:
                full = requests.Request("GET", url, params=params).prepare().url or url
                try:
                    resp = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
                    resp.content  # noqa: B018 - read the whole body inside the try
                finally:
                    self._last = time.monotonic()
                self.counters.bytes += len(resp.content or b"")
                return resp, self._judge(resp, check)
            except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                    requests.exceptions.InvalidURL) as exc:  # fmt: skip
                raise DigestError(f"{url}: not a usable URL ({exc}); check arxiv.api_url / arxiv.rss_url") from None
            except requests.exceptions.Timeout:
                failure = _Retry(f"timed out after {self.timeout:g} s")
            except requests.exceptions.RequestException as exc:
                failure = _Retry(f"connection failed ({type(exc).__name__})")
            except _Retry as exc:
                failure = exc
            if attempt >= self.retries:
                raise ArxivUnavailable(full, attempt + 1, failure.what)
            wait = self.backoff * (2**attempt)
            if failure.wait is not None:
                if failure.wait > MAX_RETRY_AFTER:
                    raise ArxivUnavailable(full, attempt + 1, f"{failure.what}; asked to wait {failure.wait:g} s")
                wait = max(wait, failure.wait)
            attempt += 1
            self.counters.retries += 1
            log.info("retry %d/%d in %.1f s: %s (%s)", attempt, self.retries, wait, failure.what, full)
            # The delay since the last request is part of the wait.
            self._pause(wait - self.delay)

    @staticmethod
    def _judge(resp: requests.Response, check: Callable[[requests.Response], Any] | None) -> Any:
        code = resp.status_code
        if code == 429 or code >= 500:
            raise _Retry(f"HTTP {code}", _retry_after(resp.headers.get("Retry-After")))
        if code == 304 or check is None:
            return None
        return check(resp)

    # -- API -----------------------------------------------------------------------
    def _api_check(self, resp: requests.Response) -> arxiv_feed.ParsedFeed:
        body = resp.content
        if b"/api/errors#" in body:
            raise ArxivQueryError(resp.url, _error_message(body))
        if resp.status_code != 200:  # 429 and 5xx were retried already: this is not arXiv's API
            raise UsageError(f"{resp.url}: HTTP {resp.status_code}; check arxiv.api_url (or DIGEST_ARXIV_API_URL)")
        if not body.rstrip().endswith(b"</feed>"):
            raise _Retry("truncated page")
        parsed = arxiv_feed.parse(body)
        if parsed.malformed:
            raise _Retry(f"unparsable page ({parsed.error})")
        return parsed

    def api_page(self, query: str, start: int = 0, size: int | None = None, *, id_list: Iterable[str] = (),
                 expect: int | None = None) -> ApiPage:  # fmt: skip
        """One API page; ``expect`` (arXiv's known total) makes an empty page a retryable failure."""
        params = {
            "search_query": query,
            "id_list": ",".join(id_list),
            "sortBy": arxiv.SortCriterion.SubmittedDate.value,
            "sortOrder": arxiv.SortOrder.Ascending.value,
            "start": str(start),
            "max_results": str(size or self.page_size),
        }

        def check(resp: requests.Response) -> arxiv_feed.ParsedFeed:
            parsed = self._api_check(resp)
            known = max(expect or 0, parsed.header.total_results)
            if not parsed.results and start < known:
                raise _Retry(f"empty page at {start} of {known}")
            return parsed

        resp, parsed = self._get(self.api_url, params, check=check)
        papers = [p for p in (paper_from_result(r) for r in parsed.results) if p is not None]
        return ApiPage(resp.url, start, parsed.header.total_results, papers, len(parsed.results))

    def search_pages(self, query: str, start: int = 0, total: int | None = None, limit: int = 30000
                     ) -> Iterator[ApiPage]:  # fmt: skip
        """Every page of ``query`` from ``start`` (sorted by submission, oldest first).

        Stops at arXiv's total or at ``limit`` results (arXiv serves at most
        30,000 per query); the caller compares the total with what it got.
        """
        while True:
            size = min(self.page_size, limit - start)
            if size <= 0:
                return
            page = self.api_page(query, start, size, expect=total)
            yield page
            total = page.total
            start += page.received
            if not page.received or start >= total:
                return

    def fetch_ids(self, ids: Iterable[str]) -> tuple[dict[str, Paper], list[str]]:
        """Look up papers by id: ``({base_id: Paper}, [ids arXiv did not return])``.

        Up to `IDS_PER_REQUEST` ids per request. arXiv silently drops ids it
        does not know; they come back in the second list, as do strings that
        are not valid arXiv ids (those are never sent).
        """
        from digest.ids import parse_id

        wanted: dict[str, str] = {}
        invalid: list[str] = []
        for raw in ids:
            parsed = parse_id(raw)
            if parsed is None:  # never issued by arXiv (asking would turn the batch into an error feed)
                invalid.append(raw)
            else:
                wanted.setdefault(parsed.base, str(parsed))
        found: dict[str, Paper] = {}
        keys = list(wanted.values())
        for i in range(0, len(keys), IDS_PER_REQUEST):
            chunk = keys[i : i + IDS_PER_REQUEST]
            page = self.api_page("", 0, len(chunk), id_list=chunk)
            found.update((p.id, p) for p in page.papers)
        return found, invalid + [v for k, v in wanted.items() if k not in found]

    # -- RSS -----------------------------------------------------------------------
    def rss(self, categories: Iterable[str], etag: str | None = None, last_modified: str | None = None) -> RssResult:
        """The combined feed for ``categories``; a 304 when the validators still match."""
        url = self.rss_url + "+".join(categories)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified

        def check(resp: requests.Response) -> Any:
            if resp.status_code != 200:
                raise DigestError(f"{resp.url}: HTTP {resp.status_code}; check arxiv.rss_url and arxiv.categories")
            body = resp.content.rstrip()
            if not (body.endswith(b"</rss>") or body.endswith(b"</rdf:RDF>") or body.endswith(b"</feed>")):
                raise _Retry("truncated feed")
            parsed = feedparser.parse(resp.content)
            if parsed.bozo and not parsed.entries and not parsed.feed:
                raise _Retry(f"unparsable feed ({parsed.bozo_exception})")
            return parsed

        resp, parsed = self._get(url, headers=headers, check=check)
        if resp.status_code == 304:
            return RssResult(resp.url, True, etag=etag, last_modified=last_modified)
        papers, announced = papers_from_rss(parsed)
        return RssResult(resp.url, False, papers, resp.headers.get("ETag"), resp.headers.get("Last-Modified"), announced)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_message(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    m = re.search(r"<summary[^>]*>(.*?)</summary>", text, re.S)
    if m:
        import html

        return html.unescape(" ".join(m[1].split()))
    m = re.search(r"/api/errors#([^<\"]+)", text)
    return m[1].replace("_", " ") if m else "error feed"
