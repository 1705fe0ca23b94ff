"""`digest fetch`: new arXiv entries into the store, politely and observably.

Orchestration only: which window to ask for, resuming a window that was cut
short, storing each page in one transaction together with the window's
progress, and the run report. The network is `digest.fetch.client`; this
module receives `Paper` records from it.

API windows are whole days, inclusive: ``submittedDate:[SINCE0000 TO UNTIL2359]``
with results sorted by submission date, oldest first, so entries submitted
during a run append at the end and a stored offset stays valid for resuming.

The package owns everything that comes from arXiv: this module (what to fetch,
the run report), `client` (`ArxivClient`: politeness, retries), `http` (requests
sessions with a deadline per request), `failures` (how a request fails),
`sanitise` (characters XML forbids), `atom` (the API's pages) and `convert`
(arXiv's records as `Paper`s). requests, urllib3, arxiv, feedparser and lxml are
imported only when a client is made or a page parsed.

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock, store, issue.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from digest import clock
from digest.errors import DigestError, ExitCode, UnavailableError
from digest.fetch.client import ArxivClient, ArxivQueryError, ShortAnswer
from digest.query import compile_query
from digest.schedule import SETTLE_DAYS, settled
from digest.store import Store, UpsertCounts, Window

if TYPE_CHECKING:
    from digest.config import Settings

log = logging.getLogger(__name__)

API_LIMIT = 30000
"""arXiv serves at most this many results for one query, whatever the page size."""


@dataclass
class Progress:
    """What the core tells a progress bar: ``kind`` is ``page``, ``wait`` or ``done``."""

    kind: str
    entries: int = 0
    total: int | None = None
    pages: int = 0
    wait: float = 0.0


ProgressFn = Callable[[Progress], None]


@dataclass
class WindowReport:
    """One window of the run: ``status`` is complete, skipped, incomplete or failed."""

    via: str
    since: str
    until: str
    status: str
    total: int | None = None
    fetched: int = 0
    resumed_at: int = 0


@dataclass
class FetchReport:
    """The run report; `to_dict` is what ``--json`` prints."""

    via: str
    requests: int = 0
    retries: int = 0
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    not_modified: bool = False
    windows: list[WindowReport] = field(default_factory=list)
    missing: int = 0
    """Entries arXiv reported but did not serve (its total minus what was fetched)."""
    short: str | None = None
    """arXiv kept answering with fewer entries than the store already holds for a window."""
    error: str | None = None
    rejected: bool = False
    """``error`` is arXiv's error feed (the query is wrong: exit 1), not a failure to answer (exit 3)."""
    store: str = ""

    def count(self, c: UpsertCounts) -> None:
        self.new += c.new
        self.updated += c.updated
        self.unchanged += c.unchanged

    @property
    def exit_code(self) -> int:
        if self.error:
            return int(ExitCode.ERROR if self.rejected else ExitCode.UNAVAILABLE)
        return int(ExitCode.ERROR) if self.missing or self.short else int(ExitCode.OK)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ok"] = self.exit_code == 0
        return d

    def lines(self) -> list[str]:
        """The human report, a few lines."""
        out = []
        for w in self.windows:
            span = w.since if w.since == w.until else f"{w.since}..{w.until}"
            total = "" if w.total is None else f" of {w.total}"
            resumed = f", resumed at {w.resumed_at}" if w.resumed_at else ""
            out.append(f"{w.via} {span}: {w.status}, {w.fetched}{total} entries{resumed}")
        if self.not_modified:
            out.append("rss: feed unchanged since the last fetch (HTTP 304)")
        out.append(
            f"fetched {self.fetched}: {self.new} new, {self.updated} updated, {self.unchanged} unchanged"
            f" ({self.requests} requests, {self.retries} retries) -> {self.store}"
        )
        if self.short:
            out.append(f"incomplete: {self.short}")
        if self.missing:
            out.append(
                f"incomplete: arXiv reported {self.missing} more entries than it served;"
                " fetch a shorter window with --since/--until"
            )
        return out


def query_key(categories: list[str], query: str) -> str:
    """A short stable key for what is asked, so a changed query starts new windows."""
    text = "|".join(sorted(categories)) + "||" + query.strip()
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def build_query(categories: list[str], query: str, since: date, until: date) -> str:
    """The API ``search_query`` for the categories, the extra query and the window."""
    parts = []
    if categories:
        cats = " OR ".join(f"cat:{c}" for c in categories)
        parts.append(f"({cats})" if len(categories) > 1 else cats)
    if query.strip():
        parts.append(f"({query.strip()})")
    parts.append(f"submittedDate:[{since:%Y%m%d}0000 TO {until:%Y%m%d}2359]")
    return " AND ".join(parts)


ANNOUNCE_LAG = 5
"""Days between a submission and its announcement, at most, outside holiday seasons: Thursday
14:00 ET is announced on Sunday 20:00 (and a holiday adds a day or two). `digest new` fetches
the submission days from this long before the earliest announcement its issue may hold."""


def first_open_day(store: Store, key: str, since: date, until: date) -> date:
    """``since``, moved past the days complete windows already hold (a settled day is never re-read)."""
    if since > until:
        return since
    span = store.open_span("api", key, since, until)
    return span[0] if span is not None else until + timedelta(days=1)


REREAD_DAYS = SETTLE_DAYS + ANNOUNCE_LAG
"""How far back a default fetch looks for days arXiv may still add to (`digest.schedule.settled`)."""


def default_window(store: Store, key: str, today: date, window_days: int) -> tuple[date, date]:
    """``--until``: today. ``--since``: ``window_days`` ago (`REREAD_DAYS` if longer), moved
    past the days that are settled and fetched completely: the days arXiv may still add to
    (late announcements, late cross-lists) are read again, the others never."""
    since = first_open_day(store, key, today - timedelta(days=max(window_days, REREAD_DAYS)), today)
    return min(since, today), today


def draft_days(store: Store, settings: Settings, lower: datetime, cutoff: datetime) -> tuple[date, date, date]:
    """The submission days behind announcements in (``lower``, ``cutoff``], late cross-lists
    included (`REREAD_DAYS`): ``(first, since, until)``,
    where ``since`` is ``first`` moved past the days fetched completely (no fetch if past ``until``)."""
    key = query_key(list(settings.arxiv.categories), settings.arxiv.query)
    until = (min(cutoff, clock.now()) - timedelta(hours=6)).date()  # nothing is announced within 6 h of submission
    # a paper cross-listed into the categories up to SETTLE_DAYS after its own announcement
    # carries the v1 date of that announcement: read those days too (settled ones are skipped)
    first = (min(lower, clock.now()) - timedelta(days=REREAD_DAYS)).date()
    return first, first_open_day(store, key, first, until), until


def known_count(store: Store, since: date, until: date, categories: list[str], query: str) -> int:
    """Papers of the window the store already holds from the API: arXiv's total cannot be lower."""

    matches = compile_query(query)
    return sum(1 for p in store.papers(since, until, categories or None, by="published")
               if p.source == "api" and matches(p))  # fmt: skip


def fetch_api_window(
    store: Store,
    client: ArxivClient,
    since: date,
    until: date,
    *,
    categories: list[str],
    query: str = "",
    report: FetchReport | None = None,
    progress: ProgressFn | None = None,
    holidays: frozenset[date] = frozenset(),
    again: str | None = None,
) -> FetchReport:
    """Fetch one API window into ``store`` (skipped if already complete; resumed if cut short).

    A window is complete only when every page was read and arXiv can no longer
    add to its days (`digest.schedule.settled`); otherwise its days are read
    again next time, from where this read stopped. An answer with fewer
    entries than the store already holds for the window is retried and, if
    it persists, reported ``incomplete`` (exit 1), never stored as complete.

    A window arXiv's cap (`API_LIMIT`) cut short stays ``incomplete`` on every
    later call, its missing entries counted again from the saved total
    (no request: arXiv serves nothing past the cap).

    Raises `UnavailableError` when retries run out; every page before that
    is stored and the window's offset saved, so the next call resumes there.
    ``again`` is the command the messages name to resume (default: ``digest
    fetch`` with this window's ``--since/--until``). `ArxivQueryError` (an
    error feed) is raised with ``report.error`` set and ``report.rejected``.
    """

    report = report or FetchReport(via="api", store=str(store.path))
    key = query_key(categories, query)
    span = store.open_span("api", key, since, until)
    if span is None:
        report.windows.append(WindowReport("api", since.isoformat(), until.isoformat(), "skipped"))
        return report
    if span[0] > since:  # days at either end that complete windows hold are never read again
        report.windows.append(WindowReport("api", since.isoformat(), (span[0] - timedelta(days=1)).isoformat(), "skipped"))
    if span[1] < until:
        report.windows.append(WindowReport("api", (span[1] + timedelta(days=1)).isoformat(), until.isoformat(), "skipped"))
    since, until = span
    prior = store.window("api", key, since, until)
    start = prior.next_start if prior and not prior.complete else 0
    fetched = prior.fetched if prior and not prior.complete else 0
    minimum = known_count(store, since, until, categories, query) if start == 0 else 0
    again = again or f"digest fetch --since {since} --until {until}"
    wr = WindowReport("api", since.isoformat(), until.isoformat(), "incomplete", None, 0, start)
    report.windows.append(wr)
    q = build_query(categories, query, since, until)
    total: int | None = prior.total if prior and not prior.complete and start else None
    pages = 0
    settled_until = _settled_until(since, until, holidays)
    try:
        for page in client.search_pages(q, start=start, limit=API_LIMIT, minimum=minimum):
            pages += 1
            start += page.received
            fetched += len(page.papers)
            total = page.total
            done = start >= total or not page.received or start >= API_LIMIT
            with store.transaction():
                report.count(store.upsert(page.papers, via="api"))
                stamp = clock.stamp()
                read_all = done and start >= total
                complete = read_all and settled_until == until
                store.save_window(Window("api", key, since, until, complete, start, total, fetched,
                                         stamp if complete else None))  # fmt: skip
                if read_all and settled_until is not None and settled_until < until:
                    # every entry of the settled days is stored: those days are never read again
                    store.save_window(Window("api", key, since, settled_until, True, 0, None, 0, stamp))
            wr.fetched += len(page.papers)
            wr.total = total
            report.fetched += len(page.papers)
            if progress:
                progress(Progress("page", entries=start, total=total, pages=pages))
    except ShortAnswer as exc:
        wr.status = "incomplete"
        wr.total = exc.total
        report.short = f"arXiv reported {exc.total} entries for {since}..{until} where the store already holds" \
                       f" {exc.minimum} ({exc.attempts} attempts); nothing marked complete, run `{again}` again later"
        return report
    except ArxivQueryError as exc:
        wr.status = "failed"
        report.error, report.rejected = str(exc), True
        raise
    except UnavailableError as exc:
        wr.status = "failed"
        kept = f"kept {wr.fetched} entries of {since}..{until} (at {start} of {total if total is not None else '?'})"
        report.error = f"arXiv API unavailable: {exc}; {kept}; run `{again}` again to resume"
        raise UnavailableError(report.error) from None
    finally:
        _counters(report, client)
    wr.total = total
    if total is None or start >= total:
        wr.status = "complete" if settled_until == until else "open"
    else:
        wr.status = "incomplete"
        report.missing += total - start
    return report


def _settled_until(since: date, until: date, holidays: frozenset[date]) -> date | None:
    """The last day of [since, until] arXiv can no longer add to (None: not even ``since``)."""
    now = clock.now()
    day = until
    while day >= since:
        if settled(day, now, holidays):
            return day
        day -= timedelta(days=1)
    return None


def fetch_rss(store: Store, client: ArxivClient, categories: list[str], report: FetchReport | None = None) -> FetchReport:
    """Fetch the combined RSS feed into ``store`` with a conditional GET."""
    report = report or FetchReport(via="rss", store=str(store.path))
    url = client.rss_url + "+".join(categories)
    etag = store.get_value(f"rss:etag:{url}")
    modified = store.get_value(f"rss:last-modified:{url}")
    try:
        result = client.rss(categories, etag, modified)
    except UnavailableError as exc:
        report.error = f"arXiv RSS unavailable: {exc}; nothing changed in the store; run `digest fetch --via rss` again"
        raise UnavailableError(report.error) from None
    finally:
        _counters(report, client)
    if result.not_modified:
        report.not_modified = True
        return report
    day = result.announced or clock.now().date().isoformat()
    with store.transaction():
        report.count(store.upsert(result.papers, via="rss"))
        store.set_value(f"rss:etag:{url}", result.etag)
        store.set_value(f"rss:last-modified:{url}", result.last_modified)
        d = date.fromisoformat(day)
        store.save_window(Window("rss", query_key(categories, ""), d, d, True, len(result.papers), len(result.papers),
                                 len(result.papers), clock.stamp()))  # fmt: skip
    report.fetched += len(result.papers)
    report.windows.append(WindowReport("rss", day, day, "complete", len(result.papers), len(result.papers)))
    return report


def _counters(report: FetchReport, client: ArxivClient) -> None:
    report.requests = client.counters.requests
    report.retries = client.counters.retries


def run_fetch(
    settings: Settings,
    *,
    since: date | None = None,
    until: date | None = None,
    via: str = "api",
    progress: ProgressFn | None = None,
    client: ArxivClient | None = None,
    today: date | None = None,
) -> FetchReport:
    """What `digest fetch` does: open the store, fetch, return the report.

    The report's ``error`` is set (and `UnavailableError` is not raised) when
    retries ran out, so the caller can print what was kept before failing.
    """

    if via not in ("api", "rss"):
        raise DigestError(f"--via: unknown source {via!r}; use api or rss")
    categories = list(settings.arxiv.categories)
    if not categories and via == "rss":
        raise DigestError("arxiv.categories is empty; the RSS feed needs at least one category in digest.toml")
    today = today or clock.now().date()
    own_client = client is None
    on_wait = (lambda s: progress(Progress("wait", wait=s))) if progress else None
    client = client or ArxivClient.from_settings(settings, on_wait=on_wait)
    path = settings.path("store")
    store = Store.open(path)
    report = FetchReport(via=via, store=str(path))
    try:
        if via == "rss":
            if since or until:
                log.warning("--since/--until are ignored with --via rss: the feed holds the latest announcement only")
            fetch_rss(store, client, categories, report)
        else:
            key = query_key(categories, settings.arxiv.query)
            d_since, d_until = default_window(store, key, today, settings.window_days)
            again = "digest fetch" if since is None and until is None else None  # else: name the window
            since, until = since or d_since, until or d_until
            if since > until:
                raise DigestError(f"--since {since} is after --until {until}; swap them")
            fetch_api_window(store, client, since, until, categories=categories, query=settings.arxiv.query,
                             report=report, progress=progress, holidays=settings.arxiv.holiday_dates,
                             again=again)  # fmt: skip
    except (UnavailableError, ArxivQueryError):
        pass  # report.error says what failed and what was kept
    finally:
        store.close()
        if own_client:
            client.close()
        if progress:
            progress(Progress("done", entries=report.fetched))
    return report
