"""The network seam: `ArxivClient`, the only code that talks to arXiv.

It uses `requests` (transport, through `digest.fetch.http`), `digest.fetch.atom` (the
API's Atom pages, with lxml), `arxiv` (its sort orders and version) and `feedparser`
(RSS), and hands out `Paper` records. requests, arxiv and feedparser are imported
when a client is made or a page read, not with this module.
Everything else in digest receives Papers and never touches the network,
so tests point ``arxiv.api_url`` / ``arxiv.rss_url`` at a local server.

Politeness, per arXiv's terms of use: one request at a time, at least
``arxiv.delay`` seconds apart (default 3), pages of up to 2000 entries and a
descriptive User-Agent. Failures that may pass (HTTP 429 and 5xx, timeouts,
dropped connections, truncated or unparsable pages, an unexpectedly empty
page, an answer shorter than what the store already holds) are retried with
exponential backoff, honouring ``Retry-After``. An arXiv error feed (HTTP 400
with an entry titled ``Error``) is not retried.

``arxiv.timeout`` bounds each attempt as a whole (connecting, headers and
body), not each socket read, so a server trickling bytes cannot hold a run.
Every body is cleaned of characters XML forbids (`digest.fetch.sanitise`) before it
is parsed: lxml's recovering parser otherwise loses ``&`` and ``<`` in every
later entry of the page. How a request fails is `digest.fetch.failures`.
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from digest.errors import UsageError
from digest.fetch import atom
from digest.fetch.ahead import Ahead
from digest.fetch.convert import papers_from_rss
from digest.fetch.failures import ArxivQueryError, ArxivUnavailable, ShortAnswer, _Retry, _Short, status_error, tls_mismatch
from digest.fetch.http import DEADLINE, retry_after, session, user_agent
from digest.fetch.sanitise import sanitise_xml
from digest.ids import parse_id
from digest.paper import Paper

if TYPE_CHECKING:
    import requests

    from digest.config import Settings

__all__ = ["ApiPage", "ArxivClient", "ArxivQueryError", "ArxivUnavailable", "Counters", "RssResult", "ShortAnswer",
           "_Retry", "sanitise_xml", "user_agent"]  # fmt: skip

log = logging.getLogger(__name__)

MAX_PAGE = 2000
"""arXiv's largest page (``max_results`` per request)."""
IDS_PER_REQUEST = 400
"""Ids per ``id_list`` request: keeps the URL under ~6 KB, which every proxy accepts."""
MAX_RETRY_AFTER = 600.0
"""A ``Retry-After`` longer than this (seconds) ends the run instead of blocking cron."""
READ_SIZE = 64 * 1024
"""Most bytes asked for by one read of a response body."""


@dataclass
class ApiPage:
    """One page of API results: where it starts, arXiv's total, the papers on it."""

    url: str
    start: int
    total: int
    papers: list[Paper]
    received: int = 0
    """Entries on the page as served (error entries are not papers, but count for the offset)."""
    unread: atom.AtomPage | None = field(default=None, repr=False)
    """Set while ``papers`` waits for `atom.read` (`ArxivClient.search_pages` reads it)."""


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
        self.session = session(user_agent())

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
        """GET with delay, retries and backoff; ``check`` validates the body (raise `_Retry`).

        Each attempt, headers and body, ends within ``timeout`` seconds (monotonic
        clock) of its start, or counts as a timeout and is retried.
        """
        import requests

        attempt = 0
        while True:
            if self._last is not None:
                self._pause(self.delay - (time.monotonic() - self._last))
            self.counters.requests += 1
            full = url
            try:
                full = requests.Request("GET", url, params=params).prepare().url or url
                deadline = time.monotonic() + self.timeout
                token = DEADLINE.set(deadline)
                try:
                    resp = self.session.get(url, params=params, headers=headers, timeout=self.timeout, stream=True)
                    body = self._read_body(resp, deadline)
                finally:
                    DEADLINE.reset(token)
                    self._last = time.monotonic()
                self.counters.bytes += len(body)
                return resp, self._judge(resp, check)
            except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                    requests.exceptions.InvalidURL) as exc:  # fmt: skip
                raise UsageError(f"{url}: not a usable URL ({exc}); check arxiv.api_url / arxiv.rss_url") from None
            except requests.exceptions.Timeout:
                failure = _Retry(f"no complete answer within {self.timeout:g} s")
            except requests.exceptions.SSLError as exc:
                mismatch = tls_mismatch(url, exc)
                if mismatch is not None:  # a retry meets the same server: say so at once
                    raise mismatch from None
                failure = _Retry(f"connection failed ({type(exc).__name__})")
            except requests.exceptions.RequestException as exc:
                failure = _Retry(f"connection failed ({type(exc).__name__})")
            except _Retry as exc:
                failure = exc
            if attempt >= self.retries:
                raise failure.exhausted(full, attempt + 1, failure.what)
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

    def _read_body(self, resp: requests.Response, deadline: float) -> bytes:
        """The whole (decoded) body of a streamed ``resp``, read before ``deadline``.

        ``read1`` returns as soon as some bytes have arrived (``read(n)`` waits
        for all ``n``), so the deadline is checked between reads even where
        the connection is not ours (a SOCKS proxy); ours also give each socket
        read only the time left. The body is kept as ``resp.content``.
        """
        import urllib3

        raw = resp.raw
        read = getattr(raw, "read1", None) or raw.read  # urllib3 < 2.3 has no read1 (ours still bound each read)
        chunks: list[bytes] = []
        try:
            while True:
                if time.monotonic() >= deadline:
                    raise _Retry(f"no complete answer within {self.timeout:g} s")
                data = read(READ_SIZE, decode_content=True)
                if not data:
                    break
                chunks.append(data)
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
            resp.close()
            raise _Retry(f"no complete answer within {self.timeout:g} s") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            resp.close()
            if time.monotonic() >= deadline:
                raise _Retry(f"no complete answer within {self.timeout:g} s") from None
            raise _Retry(f"connection failed ({type(exc).__name__})") from None
        except BaseException:
            resp.close()
            raise
        resp._content = b"".join(chunks)
        resp._content_consumed = True
        resp.close()  # the body is read: hands the connection back to the pool
        return resp._content

    @staticmethod
    def _judge(resp: requests.Response, check: Callable[[requests.Response], Any] | None) -> Any:
        code = resp.status_code
        if code == 429 or code >= 500:
            raise _Retry(f"HTTP {code}", retry_after(resp.headers.get("Retry-After")))
        if code == 304 or check is None:
            return None
        return check(resp)

    def get_page(self, url: str, params: dict[str, str] | None = None, *,
                 complete: bytes | None = None) -> requests.Response:  # fmt: skip
        """One GET under the client's rules (delay, retries with backoff, deadline, User-Agent).

        Every final status comes back to the caller (429 and 5xx are retried
        first). ``complete``: a 200 body that looks like the expected page
        (LaTeXML HTML, an OAI-PMH answer) but lacks this closing tag near its
        end was cut short, and is retried.
        """

        def check(resp: requests.Response) -> None:
            body = resp.content
            if resp.status_code == 200 and complete and (b"ltx_" in body or b"OAI-PMH" in body[:2000]):
                if complete.lower() not in body[-1024:].lower():
                    raise _Retry("truncated page")

        resp, _ = self._get(url, params, check=check)
        return resp

    # -- API -----------------------------------------------------------------------
    def _api_check(self, resp: requests.Response, defer: bool = False) -> atom.AtomPage:
        """The parsed page of an API answer; an error feed is `ArxivQueryError` (not retried),
        another status `UsageError`, a page cut short or not Atom a `_Retry`."""
        body = resp.content
        error_feed = atom.may_be_error_feed(body)
        if resp.status_code != 200 and not error_feed:  # 429 and 5xx were retried already: not arXiv's API
            raise UsageError(status_error(resp.url, resp.status_code))
        try:
            page = atom.parse(sanitise_xml(body), defer=defer)
        except atom.AtomError as exc:
            if error_feed:  # an error feed we cannot read whole: its message by pattern
                raise ArxivQueryError(resp.url, _error_message(body)) from None
            raise _Retry(str(exc)) from None
        if page.errors:
            raise ArxivQueryError(resp.url, page.errors[0])
        if resp.status_code != 200:
            raise UsageError(status_error(resp.url, resp.status_code))
        return page

    def api_page(self, query: str, start: int = 0, size: int | None = None, *, id_list: Iterable[str] = (),
                 expect: int | None = None, minimum: int = 0, defer: bool = False) -> ApiPage:  # fmt: skip
        """One API page; ``expect`` (arXiv's known total) makes an empty page a retryable failure.

        ``minimum`` is how many entries of the query the caller already knows
        of: a smaller ``totalResults`` is a spurious answer, retried, and
        `ShortAnswer` when retries run out. ``defer``: the papers may be left
        for `atom.read` (``unread``), in the caller's thread.
        """
        import arxiv

        params = {
            "search_query": query,
            "id_list": ",".join(id_list),
            "sortBy": arxiv.SortCriterion.SubmittedDate.value,
            "sortOrder": arxiv.SortOrder.Ascending.value,
            "start": str(start),
            "max_results": str(size or self.page_size),
        }

        def check(resp: requests.Response) -> atom.AtomPage:
            parsed = self._api_check(resp, defer)
            if parsed.total < minimum:
                raise _Short(parsed.total, minimum)
            known = max(expect or 0, parsed.total)
            if not parsed.entries and start < known:
                raise _Retry(f"empty page at {start} of {known}")
            return parsed

        resp, parsed = self._get(self.api_url, params, check=check)
        return ApiPage(resp.url, start, parsed.total, parsed.papers, parsed.entries,
                       parsed if parsed.unread is not None else None)

    def search_pages(self, query: str, start: int = 0, total: int | None = None, limit: int = 30000,
                     minimum: int = 0) -> Iterator[ApiPage]:  # fmt: skip
        """Every page of ``query`` from ``start`` (sorted by submission, oldest first).

        Stops at arXiv's total or at ``limit`` results (arXiv serves at most
        30,000 per query); the caller compares the total with what it got.
        ``minimum`` (see `api_page`) applies to the first page requested.

        Without a delay between requests (a local mirror, the tests) the next page is
        requested and parsed by lxml in a background thread while the caller stores this one
        (`Ahead`; a delay of seconds hides that work anyway), and its entries are read here.
        Its failure is raised where it would have been, when the caller asks for that page.
        """
        ahead: Ahead[ApiPage] | None = None
        while True:
            size = min(self.page_size, limit - start)
            if size <= 0:
                return
            page = ahead.result() if ahead else self.api_page(query, start, size, expect=total, minimum=minimum)
            minimum, ahead = 0, None
            if page.unread is not None:
                page.papers, page.unread = atom.read(page.unread).papers, None
            total = page.total
            start += page.received
            if not page.received or start >= total:
                yield page
                return
            size = min(self.page_size, limit - start)
            if self.delay <= 0 and size > 0:
                ahead = Ahead(lambda at=start, n=size, known=total:
                              self.api_page(query, at, n, expect=known, defer=True))  # fmt: skip
            yield page

    def fetch_ids(self, ids: Iterable[str]) -> tuple[dict[str, Paper], list[str]]:
        """Look up papers by id: ``({base_id: Paper}, [ids arXiv did not return])``.

        Up to `IDS_PER_REQUEST` ids per request. arXiv silently drops ids it
        does not know; they come back in the second list, as do strings that
        are not valid arXiv ids (those are never sent).
        """

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
        import feedparser

        url = self.rss_url + "+".join(categories)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified

        def check(resp: requests.Response) -> Any:
            if resp.status_code != 200:
                # not retried, a setting to correct (exit 2): a wrong address, or a category arXiv has no feed for
                raise UsageError(f"{resp.url}: HTTP {resp.status_code}; check arxiv.rss_url and arxiv.categories")
            body = resp.content.rstrip()
            if not (body.endswith(b"</rss>") or body.endswith(b"</rdf:RDF>") or body.endswith(b"</feed>")):
                raise _Retry("truncated feed")
            parsed = feedparser.parse(sanitise_xml(resp.content))
            if parsed.bozo and not parsed.entries and not parsed.feed:
                raise _Retry(f"unparsable feed ({parsed.bozo_exception})")
            return parsed

        resp, parsed = self._get(url, headers=headers, check=check)
        if resp.status_code == 304:
            return RssResult(resp.url, True, etag=etag, last_modified=last_modified)
        papers, announced = papers_from_rss(parsed)
        return RssResult(resp.url, False, papers, resp.headers.get("ETag"), resp.headers.get("Last-Modified"), announced)




def _error_message(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    m = re.search(r"<summary[^>]*>(.*?)</summary>", text, re.S)
    if m:

        return html.unescape(" ".join(m[1].split()))
    m = re.search(r"/api/errors#([^<\"]+)", text)
    return m[1].replace("_", " ") if m else "error feed"
