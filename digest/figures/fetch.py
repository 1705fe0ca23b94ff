"""Fetching a paper's figures and licence politely, and caching both in the store.

Requests go through `digest.fetch.client.ArxivClient`, under the same rules as
the API: one at a time, ``arxiv.delay`` seconds apart, retried with backoff,
a deadline for each whole request, a descriptive User-Agent.

The version: an id given with one (``2205.05131v3``) is used as given. Without
one, the store's latest version of the paper is used; else the newest version
whose figures are already cached; else one API request (``id_list``) asks arXiv
for the latest. The answer is not stored as a paper (that is `digest fetch`'s
job: a paper stored here would become a candidate of the next draft).

The cache: ``figures:<id>v<n>`` holds the page's figures as JSON (a version's
page does not change), ``licence:<id>`` the licence and the authors' surnames
from arXiv's OAI-PMH record. A missing HTML rendering (404) is not cached:
arXiv may convert the paper later. Nothing here runs during `digest render`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digest.errors import DigestError, UnavailableError, UsageError
from digest.fetch.client import ArxivClient, ArxivUnavailable
from digest.figures.licence import OaiUnreadable, classify, parse_oai, unknown, with_sponsor
from digest.figures.licence import unknown as unknown_licence
from digest.figures.lines import paper_credit
from digest.figures.model import Figure, Licence, PaperFigures
from digest.figures.parse import NotLatexml, parse_figures
from digest.ids import parse_id
from digest.store import Store

if TYPE_CHECKING:

    from digest.config import Settings
    from digest.paper import Paper

FIGURES_KEY = "figures:"
LICENCE_KEY = "licence:"


class NoHtml(DigestError):
    """arXiv has no usable HTML rendering of the paper (exit 1): the message says what to do instead."""


class FiguresUnavailable(UnavailableError):
    """arXiv did not answer a request for a paper's figures (exit 3): the message names the paper and
    says to run again later; ``reason`` is what the client saw (``HTTP 503 after 6 attempts (url)``)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (type(self), (str(self), self.reason))


def _setting(settings: Settings, name: str) -> str:
    """``arxiv.<name>``, checked to be an http(s) address."""
    value = getattr(settings.arxiv, name)
    env = f"DIGEST_ARXIV_{name.upper()}"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"arxiv.{name}: expected an http(s) address, got {value!r}; fix it in digest.toml or {env}")
    return value


def html_url(settings: Settings) -> str:
    """Where arXiv's HTML renderings are: ``arxiv.html_url`` (``DIGEST_ARXIV_HTML_URL``), ending in ``/``."""
    url = _setting(settings, "html_url")
    return url if url.endswith("/") else url + "/"


def oai_url(settings: Settings) -> str:
    """arXiv's OAI-PMH endpoint: ``arxiv.oai_url`` (``DIGEST_ARXIV_OAI_URL``)."""
    return _setting(settings, "oai_url")


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def paper_figures(settings: Settings, ref: str, *, offline: bool = False, refresh: bool = False,
                  client: ArxivClient | None = None) -> PaperFigures:  # fmt: skip
    """The figures of the paper ``ref`` (``2205.05131``, ``arXiv:2205.05131v3``) and its licence.

    Raises `UsageError` for a malformed id, `NoHtml` (exit 1) when arXiv has
    no HTML rendering with figures, `digest.errors.UnavailableError` (exit 3)
    when arXiv cannot be reached. A licence lookup that fails does not stop
    the listing: the licence is then ``unknown``, and ``notes`` say why.
    """

    parsed = parse_id(ref)
    if parsed is None:
        raise UsageError(f"{ref!r} is not an arXiv id (e.g. 2205.05131, 2205.05131v3 or hep-th/9901001)")
    base = parsed.base
    store = Store.open_existing(settings.path("store")) if offline else Store.open(settings.path("store"))
    own_client = client is None
    session = _Session(settings, client)
    try:
        paper = store.get(base) if store is not None else None
        version = parsed.version or (paper.version if paper is not None else None)
        if version is None and store is not None:
            version = _cached_version(store, base)
        if version is None:
            if offline:
                raise DigestError(f"{base}: no version known offline; give one ({base}v1) or run without --offline")
            paper = session.lookup(base)
            version = paper.version or 1
        vid = f"{base}v{version}"
        result = _figures(store, session, base, vid, offline=offline, refresh=refresh)
        if not result.figures:
            raise NoHtml(f"{vid}: arXiv's HTML rendering ({result.page}) has no figures; if the paper has some, "
                         f"take them from the PDF, {_pdf(vid)}: {_SCREENSHOT}")  # fmt: skip
        lic, surnames, title = _licence(store, session, base, paper, offline=offline, refresh=refresh)
        result.licence = with_sponsor(lic, bool(settings.sponsor))
        result.credit = paper_credit(paper, surnames)
        result.title = (paper.title if paper is not None else "") or title
        result.notes += session.notes
        result.requests = session.requests
        return result
    finally:
        if own_client:
            session.close()
        if store is not None:
            store.close()


_SCREENSHOT = "screenshot the figure and upload it with the issue (a Substack post takes pasted images)"


def _pdf(vid: str) -> str:
    return f"https://arxiv.org/pdf/{vid}"


class _Session:
    """The client, made only when a request is needed, and what the requests said."""

    def __init__(self, settings: Settings, client: ArxivClient | None) -> None:
        self.settings = settings
        self.client = client
        self.start = client.counters.requests if client is not None else 0
        self.notes: list[str] = []

    def get(self) -> ArxivClient:
        if self.client is None:

            self.client = ArxivClient.from_settings(self.settings)
        return self.client

    @property
    def requests(self) -> int:
        return self.client.counters.requests - self.start if self.client is not None else 0

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def lookup(self, base: str) -> Paper:
        try:
            found, _missing = self.get().fetch_ids([base])
        except ArxivUnavailable as exc:
            raise FiguresUnavailable(f"{base}: arXiv's API did not answer when asked for the paper's latest version: "
                                     f"{exc}; run again later, or give the version ({base}v1)", str(exc)) from None  # fmt: skip
        if base not in found:
            raise DigestError(f"{base}: arXiv does not know this paper; check the id")
        return found[base]


def _cached_version(store: Store, base: str) -> int | None:
    versions = [k[len(FIGURES_KEY) + len(base) + 1:] for k in store.values(f"{FIGURES_KEY}{base}v")]
    numbers = [int(v) for v in versions if v.isdigit()]
    return max(numbers) if numbers else None


def _figures(store: Store | None, session: _Session, base: str, vid: str, *, offline: bool,
             refresh: bool) -> PaperFigures:  # fmt: skip

    key = f"{FIGURES_KEY}{vid}"
    cached = _cached_page(store, base, vid) if store is not None and not refresh else None
    if cached is not None:
        return cached
    if offline:
        raise DigestError(f"{vid}: its figures are not in the store yet; run `digest figures {vid}` without --offline")

    url = html_url(session.settings) + vid
    try:
        resp = session.get().get_page(url, complete=b"</html>")
    except ArxivUnavailable as exc:
        raise FiguresUnavailable(f"{vid}: arXiv's HTML rendering did not answer: {exc}; run `digest figures {vid}` "
                                 "again later", str(exc)) from None  # fmt: skip
    if resp.status_code == 404:
        raise NoHtml(f"{vid}: arXiv has no HTML rendering of this paper ({url}: HTTP 404); take figures from the PDF, "
                     f"{_pdf(vid)}: {_SCREENSHOT}")  # fmt: skip
    if resp.status_code != 200:
        raise DigestError(f"{url}: HTTP {resp.status_code}; check arxiv.html_url (or DIGEST_ARXIV_HTML_URL)")
    page = resp.url or url
    try:
        figures = parse_figures(resp.content, page)
    except NotLatexml as exc:
        raise NoHtml(f"{vid}: arXiv shows no HTML rendering of this paper at {page} ({exc}); take figures from the "
                     f"PDF, {_pdf(vid)}: {_SCREENSHOT}") from None  # fmt: skip
    if store is not None:
        store.set_value(key, json.dumps({"page": page, "fetched": _now(), "figures": [f.as_dict() for f in figures]},
                                        ensure_ascii=False))  # fmt: skip
    return PaperFigures(base, int(vid.rsplit("v", 1)[1]), page, figures, unknown("not read"))


def _licence(store: Store | None, session: _Session, base: str, paper: Paper | None, *, offline: bool,
             refresh: bool) -> tuple[Licence, list[str], str]:  # fmt: skip
    """The licence, arXiv's surnames of the authors and the title: cache, RSS, else OAI-PMH."""
    key = f"{LICENCE_KEY}{base}"
    cached = _cached_record(store, base) if store is not None and not refresh else None
    if cached is not None:
        return cached
    rss = (paper.extra.get("license") or paper.extra.get("rights")) if paper is not None else None
    if rss and not refresh:
        return classify(rss, source="rss"), [], ""
    if offline:
        return unknown("not looked up yet; run without --offline"), [], ""

    url = oai_url(session.settings)
    params = {"verb": "GetRecord", "identifier": f"oai:arXiv.org:{base}", "metadataPrefix": "arXiv"}
    try:
        resp = session.get().get_page(url, params, complete=b"</OAI-PMH>")
    except ArxivUnavailable as exc:
        session.notes.append(f"licence: arXiv's OAI-PMH did not answer ({exc}); run again later to read it")
        return unknown("arXiv's OAI-PMH did not answer"), [], ""
    if resp.status_code != 200:
        session.notes.append(f"licence: {resp.url}: HTTP {resp.status_code}; check arxiv.oai_url (or DIGEST_ARXIV_OAI_URL)")
        return unknown(f"OAI-PMH answered HTTP {resp.status_code}"), [], ""
    try:
        record = parse_oai(resp.content)
    except OaiUnreadable as exc:
        session.notes.append(f"licence: {resp.url}: {exc}; check arxiv.oai_url (or DIGEST_ARXIV_OAI_URL)")
        return unknown("OAI-PMH's answer was unreadable"), [], ""
    if not record.found:
        session.notes.append(f"licence: arXiv's OAI-PMH has no record of {base} yet ({record.error}); "
                             "new papers appear there a day after their announcement")  # fmt: skip
        return unknown("no OAI-PMH record yet"), [], ""
    if store is not None:
        store.set_value(key, json.dumps({"licence": record.licence, "surnames": record.surnames, "title": record.title,
                                         "fetched": _now()}, ensure_ascii=False))  # fmt: skip
    return classify(record.licence, source="oai"), record.surnames, record.title


def cached_licence(store: Store | None, base: str) -> Licence | None:
    """The licence the store holds for ``base`` (from an earlier `digest figures`), or None."""
    if store is None:
        return None
    raw = store.get_value(f"{LICENCE_KEY}{base}")
    if raw is None:
        return None
    try:
        return classify(json.loads(raw).get("licence"), source="cache")
    except (ValueError, AttributeError):
        return None


def _cached_page(store: Store, base: str, vid: str) -> PaperFigures | None:
    """The figures ``figures:<vid>`` holds (licence not read yet), or None: not cached, or a damaged entry."""
    raw = store.get_value(f"{FIGURES_KEY}{vid}")
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        figures = [Figure.from_dict(d) for d in data["figures"]]
        return PaperFigures(base, int(vid.rsplit("v", 1)[1]), data["page"], figures, unknown_licence("not read"),
                            cached=True)  # fmt: skip
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # a damaged entry: fetched again by the next request


def _cached_record(store: Store, base: str) -> tuple[Licence, list[str], str] | None:
    """The licence, surnames and title ``licence:<base>`` holds, or None."""
    raw = store.get_value(f"{LICENCE_KEY}{base}")
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return classify(data.get("licence"), source="cache"), list(data.get("surnames") or []), data.get("title") or ""
    except (ValueError, AttributeError, TypeError):
        return None


def cached_figures(store: Store | None, paper: Paper, *, sponsored: bool = False) -> PaperFigures | None:
    """The figures of ``paper`` (its version) and its licence from the store's cache alone, or None.

    No request, ever: `digest triage` calls it on a keypress. None when the
    figures of that version are not cached (`digest figures ID` or `digest new
    --figures` caches them) or the page had none. The licence comes from the
    cache, else the paper's RSS rights, else it is ``unknown``; ``sponsored``
    judges a non-commercial one for a newsletter with a sponsor.
    """
    if store is None or not paper.version:
        return None
    result = _cached_page(store, paper.id, paper.versioned_id)
    if result is None or not result.figures:
        return None
    record = _cached_record(store, paper.id)
    rss = paper.extra.get("license") or paper.extra.get("rights")
    if record is not None:
        lic, surnames, title = record
    elif rss:
        lic, surnames, title = classify(rss, source="rss"), [], ""
    else:
        lic, surnames, title = unknown(f"not looked up yet; run `digest figures {paper.versioned_id}`"), [], ""
    result.licence = with_sponsor(lic, sponsored)
    result.credit = paper_credit(paper, surnames)
    result.title = paper.title or title
    return result
