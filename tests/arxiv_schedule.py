"""A stand-in for arXiv that announces papers on arXiv's real schedule, on a fake clock.

The oracle for replay tests: written from arXiv's documented behaviour, never from
digest's code (nothing here imports ``digest``)::

    from arxiv_schedule import FakeClock, ScheduledArxiv, generate  # tests/ is on sys.path

    clock = FakeClock()
    clock.at_et(date(2026, 9, 21), 6)                      # Monday 06:00 ET
    papers = generate(date(2026, 9, 1), date(2026, 9, 30), per_day=20, seed=1)
    with ScheduledArxiv(clock, papers, holidays={date(2026, 11, 26)}) as server:
        ...point DIGEST_ARXIV_API_URL / _RSS_URL at server.api_url / server.rss_url...
        clock.advance(days=1)                               # what is served follows clock.now()
        assert stored_ids == server.announced(clock.now(), ("cs.LG", "cs.CL"))

The schedule (all times US Eastern, DST-aware): submissions made in
Mon 14:00-Tue 14:00 are announced Tue 20:00, Tue-Wed -> Wed 20:00, Wed-Thu ->
Thu 20:00, Thu 14:00-Fri 14:00 -> Sun 20:00 and Fri 14:00-Mon 14:00 -> Mon 20:00.
A holiday has no announcement; its batch rolls to the next announcement that is
not a holiday. The RSS mailing of an announcement at D 20:00 is dated D+1 and is
served from D+1 00:00 ET until the next midnight. A replacement or a later
cross-list is announced at the announcement following its time.

API (``/api/query``): ``search_query`` is split into top-level ``AND`` terms:
``cat:X`` / ``(cat:X OR cat:Y ...)`` select categories, ``submittedDate:[YYYYMMDDHHMM
TO YYYYMMDDHHMM]`` bounds v1's submission time (UTC, whole minutes, inclusive);
any other term (digest's extra parenthesised query) matches every paper. An
``id_list`` answers those ids (versioned or not) in the order asked, filtered by
``search_query`` when there is one; an id that is not an arXiv id gets arXiv's
HTTP 400 error feed, an unknown or not yet announced id (or version) is left out,
as arXiv does. Sorting: ``sortBy`` submittedDate (v1) / lastUpdatedDate (the
served version) / relevance (id order), ``sortOrder`` as arXiv (descending by
default). Only what is announced at ``clock.now()`` is served: the paper, its
latest announced version, its categories so far.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from arxiv_server import ArxivServer, Response

ET = ZoneInfo("America/New_York")
UTC = timezone.utc
CUTOFF = time(14, 0)
"""The daily submission deadline (ET), Monday to Friday."""
ANNOUNCE = time(20, 0)
"""When a batch is announced (ET), Sunday to Thursday."""
ANNOUNCE_WEEKDAYS = frozenset({6, 0, 1, 2, 3})
"""Sunday, Monday, Tuesday, Wednesday, Thursday (``date.weekday()``)."""


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError(f"{when!r}: an aware datetime is needed")
    return when.astimezone(UTC)


def et(day: date, hour: int, minute: int = 0) -> datetime:
    """The aware UTC instant of an ET wall time on ``day``."""
    return datetime.combine(day, time(hour, minute), tzinfo=ET).astimezone(UTC)


class FakeClock:
    """The clock both the stand-in and the test read; it moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = _utc(start) if start is not None else et(date(2026, 9, 21), 12)

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        return self._now

    def set(self, when: datetime) -> datetime:
        self._now = _utc(when)
        return self._now

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)`` (e.g. ``hours=6``); returns the new now."""
        self._now = self._now + timedelta(**delta)
        return self._now

    def at_et(self, day: date, hour: int, minute: int = 0) -> datetime:
        """Set the clock to an ET wall time; returns it (UTC)."""
        return self.set(et(day, hour, minute))

    def today_et(self) -> date:
        return self._now.astimezone(ET).date()


def announcement_of(when: datetime, holidays: Iterable[date] = frozenset()) -> datetime:
    """The aware UTC instant of the 20:00 ET announcement that publishes something
    (a submission, a replacement, a late cross-list) made at ``when``."""
    when = _utc(when)
    day = when.astimezone(ET).date()
    while day.weekday() >= 5 or when >= et(day, CUTOFF.hour):  # first weekday 14:00 strictly after
        day += timedelta(days=1)
    if day.weekday() == 4:  # Thursday 14:00 - Friday 14:00: Sunday evening
        day += timedelta(days=2)
    holidays = frozenset(holidays)
    while day in holidays or day.weekday() not in ANNOUNCE_WEEKDAYS:
        day += timedelta(days=1)
    return et(day, ANNOUNCE.hour)


def mailing_day(announcement: datetime) -> date:
    """The RSS date of an announcement at D 20:00 ET: D+1."""
    return announcement.astimezone(ET).date() + timedelta(days=1)


def mailing_announcement(day: date, holidays: Iterable[date] = frozenset()) -> datetime | None:
    """The announcement whose mailing is dated ``day`` (``None``: no mailing that day)."""
    before = day - timedelta(days=1)
    if before.weekday() not in ANNOUNCE_WEEKDAYS or before in frozenset(holidays):
        return None
    return et(before, ANNOUNCE.hour)


@dataclass
class Submission:
    """One paper as arXiv knows it. Times are aware UTC."""

    id: str
    """New-style base id, e.g. ``2610.00123``."""
    submitted: datetime
    """v1's submission time."""
    title: str
    abstract: str
    authors: list[str]
    primary: str
    categories: tuple[str, ...]
    """At submission, primary included (first)."""
    cross_listed_at: dict[str, datetime] = field(default_factory=dict)
    """Categories added later: category -> when the cross-list was made."""
    versions: list[datetime] = field(default_factory=list)
    """Submission times of v2, v3, ..."""
    comment: str | None = None
    license: str = "http://creativecommons.org/licenses/by/4.0/"

    def __post_init__(self) -> None:
        if self.primary not in self.categories:
            raise ValueError(f"{self.id}: primary {self.primary} not in {self.categories}")
        times = [self.submitted, *self.versions]
        if any(t.tzinfo is None for t in [*times, *self.cross_listed_at.values()]):
            raise ValueError(f"{self.id}: times must be aware")
        if any(b <= a for a, b in zip(times, times[1:])):
            raise ValueError(f"{self.id}: versions must follow one another")

    @property
    def version_times(self) -> list[datetime]:
        """v1, v2, ... submission times."""
        return [self.submitted, *self.versions]


# -- the schedule applied to a set of submissions ---------------------------------------------


@dataclass
class _Sched:
    sub: Submission
    versions: list[datetime]
    """Announcement instant of each version (v1 first)."""
    joined: dict[str, datetime]
    """Category -> the announcement at which the paper entered it."""

    def version_at(self, now: datetime) -> int:
        return sum(1 for a in self.versions if a <= now)

    def categories_at(self, now: datetime) -> list[str]:
        cats = [c for c in self.sub.categories if self.joined[c] <= now]
        late = sorted((t, c) for c, t in self.joined.items() if c not in self.sub.categories and t <= now)
        return cats + [c for _, c in late]

    def entered(self, categories: Iterable[str]) -> datetime | None:
        times = [self.joined[c] for c in categories if c in self.joined]
        return min(times) if times else None


def _schedule(sub: Submission, holidays: frozenset[date]) -> _Sched:
    first = announcement_of(sub.submitted, holidays)
    versions = [first] + [max(first, announcement_of(t, holidays)) for t in sub.versions]
    joined = {c: first for c in sub.categories}
    for c, t in sub.cross_listed_at.items():
        joined.setdefault(c, max(first, announcement_of(t, holidays)))
    return _Sched(sub, versions, joined)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _x(text: str) -> str:
    return escape(text)


_NEW_ID = re.compile(r"(\d{4}\.\d{4,5})(v(\d+))?")
_OLD_ID = re.compile(r"([a-z\-]+(\.[A-Z]{2})?/\d{7})(v(\d+))?")
_DATE_TERM = re.compile(r"submittedDate:\[(\d{12}) TO (\d{12})\]")
_CAT_TERM = re.compile(r"cat:(\S+?)(\s+OR\s+cat:\S+?)*")
_NS = (
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom"'
    ' xmlns="http://www.w3.org/2005/Atom"'
)


def _split_and(query: str) -> list[str]:
    """Top-level ``AND`` terms of a search query (parentheses, brackets and quotes respected)."""
    terms, depth, start, i, quoted = [], 0, 0, 0, False
    while i < len(query):
        ch = query[i]
        if ch == '"':
            quoted = not quoted
        elif quoted:
            pass
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0:
            m = re.match(r"\s+AND\s+", query[i:])
            if m and i > start:
                terms.append(query[start:i])
                i += m.end()
                start = i
                continue
        i += 1
    terms.append(query[start:])
    return [t.strip() for t in terms if t.strip()]


def _unwrap(term: str) -> str:
    while term.startswith("(") and term.endswith(")") and _balanced(term[1:-1]):
        term = term[1:-1].strip()
    return term


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


class QueryError(ValueError):
    pass


@dataclass
class _Query:
    category_sets: list[frozenset[str]] = field(default_factory=list)
    """Each set must meet the paper's categories (``AND`` of ``OR`` groups)."""
    since: datetime | None = None
    until: datetime | None = None
    """Exclusive: the minute after the upper bound."""

    @classmethod
    def parse(cls, text: str) -> _Query:
        q = cls()
        for term in _split_and(text):
            inner = _unwrap(term)
            if m := _DATE_TERM.fullmatch(inner):
                lo, hi = (datetime.strptime(g, "%Y%m%d%H%M").replace(tzinfo=UTC) for g in m.groups())
                q.since, q.until = lo, hi + timedelta(minutes=1)
            elif inner.startswith("submittedDate:"):
                raise QueryError(f"malformed date range {inner}")
            elif _CAT_TERM.fullmatch(inner):
                q.category_sets.append(frozenset(re.findall(r"cat:(\S+)", inner)))
            # anything else (digest's extra query): matches every paper
        return q

    def matches(self, s: _Sched, now: datetime) -> bool:
        if self.since is not None and not (self.since <= s.sub.submitted < self.until):  # type: ignore[operator]
            return False
        cats = set(s.categories_at(now))
        return all(group & cats for group in self.category_sets)


class ScheduledArxiv(ArxivServer):
    """`ArxivServer` whose API and RSS answers follow arXiv's schedule at ``clock.now()``.

    Faults (`fail`), the request log and `hold_next_api` are the base server's.
    """

    def __init__(self, clock: FakeClock, submissions: Iterable[Submission],
                 holidays: Iterable[date] = frozenset()) -> None:  # fmt: skip
        super().__init__()
        self.clock = clock
        self.holidays = frozenset(holidays)
        self.papers: dict[str, _Sched] = {}
        self._rendered: dict[tuple[str, int, tuple[str, ...]], str] = {}
        self.add(*submissions)
        self.window = self._api
        self.feed_responder = self._rss

    def add(self, *submissions: Submission) -> None:
        """More submissions (e.g. made during the test); ids must be new."""
        for sub in submissions:
            if sub.id in self.papers:
                raise ValueError(f"{sub.id}: duplicate id")
            self.papers[sub.id] = _schedule(sub, self.holidays)

    # -- the oracle ----------------------------------------------------------------------
    def announcement(self, id: str, categories: Iterable[str]) -> datetime | None:  # noqa: A002
        """When paper ``id`` first appeared in any of ``categories`` (``None``: never)."""
        s = self.papers.get(id)
        return s.entered(categories) if s else None

    def announced(self, at: datetime, categories: Iterable[str]) -> set[str]:
        """Base ids announced in any of ``categories`` by ``at`` (cross-lists included)."""
        cats = tuple(categories)
        return {s.sub.id for s in self.papers.values() if (t := s.entered(cats)) is not None and t <= at}

    def version(self, id: str, at: datetime) -> int:  # noqa: A002
        """The latest version of ``id`` announced by ``at`` (0: not announced)."""
        return self.papers[id].version_at(at)

    def mailing(self, at: datetime, categories: Iterable[str]) -> list[tuple[str, int, str]]:
        """The RSS items served at ``at``: ``(id, version, announce_type)`` in feed order."""
        when = mailing_announcement(at.astimezone(ET).date(), self.holidays)
        if when is None:
            return []
        cats = frozenset(categories)
        order = {"new": 0, "cross": 1, "replace": 2, "replace-cross": 3}
        items = []
        for s in self.papers.values():
            kind = self._announce_type(s, when, cats)
            if kind:
                items.append((order[kind], s.sub.id, s.version_at(when), kind))
        return [(i, v, k) for _, i, v, k in sorted(items)]

    @staticmethod
    def _announce_type(s: _Sched, when: datetime, cats: frozenset[str]) -> str | None:
        entered = s.entered(cats)
        if entered is None or entered > when:
            return None
        primary_in = s.sub.primary in cats
        if s.versions[0] == when:
            return "new" if primary_in else "cross"
        if entered == when:  # cross-listed into the feed later
            return "cross"
        if when in s.versions[1:]:
            return "replace" if primary_in else "replace-cross"
        return None

    # -- API -------------------------------------------------------------------------------
    def _api(self, params: dict[str, str]) -> Response:
        now = self.clock.now()
        try:
            start = int(params.get("start", "0") or 0)
            size = int(params.get("max_results", "10") or 10)
            if start < 0 or size < 0:
                raise QueryError("start and max_results must be non-negative")
            query = params.get("search_query", "")
            q = _Query.parse(query) if query.strip() else None
            id_list = [i.strip() for i in params.get("id_list", "").split(",") if i.strip()]
            for raw in id_list:
                if not (_NEW_ID.fullmatch(raw) or _OLD_ID.fullmatch(raw)):
                    raise QueryError(f"incorrect id format for {raw}")
        except (QueryError, ValueError) as exc:
            return Response(400, self._error_feed(str(exc), now))
        hits: list[tuple[_Sched, int]] = []
        if id_list:
            for raw in id_list:
                m = _NEW_ID.fullmatch(raw) or _OLD_ID.fullmatch(raw)
                assert m
                base = m.group(1)
                v_text = m.group(3) if m.re is _NEW_ID else m.group(4)
                s = self.papers.get(base)
                if s is None or s.version_at(now) == 0 or (q is not None and not q.matches(s, now)):
                    continue
                v = int(v_text) if v_text else s.version_at(now)
                if v <= s.version_at(now):
                    hits.append((s, v))
        elif q is not None:
            hits = [(s, s.version_at(now)) for s in self.papers.values() if s.version_at(now) and q.matches(s, now)]
        sort_by = params.get("sortBy", "relevance")
        if not id_list or sort_by in ("submittedDate", "lastUpdatedDate"):
            if sort_by == "lastUpdatedDate":
                hits.sort(key=lambda h: (h[0].sub.version_times[h[1] - 1], h[0].sub.id))
            elif sort_by == "submittedDate":
                hits.sort(key=lambda h: (h[0].sub.submitted, h[0].sub.id))
            else:
                hits.sort(key=lambda h: h[0].sub.id)
            if params.get("sortOrder", "descending") == "descending":
                hits.reverse()
        body = [self._head(params, now, size, len(hits), start)]
        body += [self._entry(s, v, now) for s, v in hits[start : start + size]]
        body.append("</feed>\n")
        return Response(200, "".join(body).encode())

    @staticmethod
    def _head(params: dict[str, str], now: datetime, size: int, total: int, start: int) -> str:
        query, ids = params.get("search_query", ""), params.get("id_list", "")
        asked = f"search_query={query}&id_list={ids}&start={start}&max_results={size}"
        digest = base64.b64encode(hashlib.sha1(asked.encode()).digest()).decode().rstrip("=")
        link = f"https://arxiv.org/api/query?search_query={query}&start={start}&max_results={size}&id_list={ids}"
        return (
            f"<?xml version='1.0' encoding='UTF-8'?>\n<feed {_NS}>\n"
            f"  <id>https://arxiv.org/api/{digest}</id>\n"
            f"  <title>arXiv Query: {_x(asked)}</title>\n"
            f"  <updated>{_iso(now)}</updated>\n"
            f'  <link href={quoteattr(link)} type="application/atom+xml"/>\n'
            f"  <opensearch:itemsPerPage>{size}</opensearch:itemsPerPage>\n"
            f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
            f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
        )

    def _entry(self, s: _Sched, v: int, now: datetime) -> str:
        key = (s.sub.id, v, tuple(s.categories_at(now)))
        if key not in self._rendered:
            self._rendered[key] = self._render_entry(s.sub, v, key[2])
        return self._rendered[key]

    @staticmethod
    def _render_entry(sub: Submission, v: int, categories: tuple[str, ...]) -> str:
        vid = f"{sub.id}v{v}"
        cats = "".join(f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>\n' for c in categories)
        comment = f"    <arxiv:comment>{_x(sub.comment)}</arxiv:comment>\n" if sub.comment else ""
        authors = "".join(f"    <author>\n      <name>{_x(a)}</name>\n    </author>\n" for a in sub.authors)
        return (
            "  <entry>\n"
            f"    <id>http://arxiv.org/abs/{vid}</id>\n"
            f"    <title>{_x(sub.title)}</title>\n"
            f"    <updated>{_iso(sub.version_times[v - 1])}</updated>\n"
            f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>\n'
            f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>\n'
            f"    <summary>{_x(sub.abstract)}</summary>\n"
            f"{cats}"
            f"    <published>{_iso(sub.submitted)}</published>\n"
            f"{comment}"
            f'    <arxiv:primary_category term="{sub.primary}"/>\n'
            f"{authors}"
            "  </entry>\n"
        )

    @staticmethod
    def _error_feed(message: str, now: datetime) -> bytes:
        anchor = "https://arxiv.org/api/errors#" + re.sub(r"\W+", "_", message)
        return (
            f"<?xml version='1.0' encoding='UTF-8'?>\n<feed {_NS}>\n"
            "  <id>https://arxiv.org/</id>\n"
            "  <title>arXiv Search Results</title>\n"
            f"  <updated>{_iso(now)}</updated>\n"
            "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
            "  <opensearch:totalResults>1</opensearch:totalResults>\n"
            "  <opensearch:startIndex>0</opensearch:startIndex>\n"
            "  <entry>\n"
            f"    <id>{_x(anchor)}</id>\n"
            "    <title>Error</title>\n"
            f"    <updated>{_iso(now)}</updated>\n"
            f'    <link href={quoteattr(anchor)} rel="alternate" type="text/html"/>\n'
            f"    <summary>{_x(message)}</summary>\n"
            "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
            "  </entry>\n"
            "</feed>\n"
        ).encode()

    # -- RSS ---------------------------------------------------------------------------------
    def _rss(self, path: str, params: dict[str, str]) -> Response | None:
        names = [c for c in unquote(path).replace(" ", "+").split("+") if c]
        if not names:
            return None
        now = self.clock.now()
        today = now.astimezone(ET).date()
        built = datetime.combine(today, time(0), tzinfo=ET)  # arXiv rebuilds the feed at midnight ET
        items = []
        when = mailing_announcement(today, self.holidays)
        for id_, v, kind in self.mailing(now, names):
            s = self.papers[id_]
            assert when is not None
            items.append(self._item(s, v, kind, s.categories_at(when), built))
        joined = "+".join(names)
        body = (
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"'
            ' xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
            ' version="2.0">\n'
            "  <channel>\n"
            f"    <title>{_x(', '.join(names))} updates on arXiv.org</title>\n"
            f"    <link>http://rss.arxiv.org/rss/{_x(joined)}</link>\n"
            f"    <description>{_x(', '.join(names))} updates on the arXiv.org e-print archive.</description>\n"
            f'    <atom:link href="http://rss.arxiv.org/rss/{_x(joined)}" rel="self" type="application/rss+xml"/>\n'
            "    <docs>http://www.rssboard.org/rss-specification</docs>\n"
            "    <language>en-us</language>\n"
            f"    <lastBuildDate>{format_datetime(built.astimezone(UTC))}</lastBuildDate>\n"
            "    <managingEditor>rss-help@arxiv.org</managingEditor>\n"
            f"    <pubDate>{format_datetime(built)}</pubDate>\n"
            "    <skipDays>\n      <day>Sunday</day>\n      <day>Saturday</day>\n    </skipDays>\n"
            + "".join(items)
            + "  </channel>\n</rss>\n"
        ).encode()
        headers = {
            "Content-Type": "application/rss+xml; charset=utf-8",
            "ETag": '"' + hashlib.sha1(body).hexdigest()[:20] + '"',
            "Last-Modified": format_datetime(built.astimezone(UTC), usegmt=True),
        }
        return Response(200, body, headers)

    @staticmethod
    def _item(s: _Sched, v: int, kind: str, cats: list[str], built: datetime) -> str:
        sub = s.sub
        vid = f"{sub.id}v{v}"
        categories = "".join(f"      <category>{c}</category>\n" for c in cats)
        return (
            "    <item>\n"
            f"      <title>{_x(sub.title)}</title>\n"
            f"      <link>https://arxiv.org/abs/{sub.id}</link>\n"
            f"      <description>{_x(f'arXiv:{vid} Announce Type: {kind} ')}\n"
            f"{_x('Abstract: ' + sub.abstract)}</description>\n"
            f'      <guid isPermaLink="false">oai:arXiv.org:{vid}</guid>\n'
            f"{categories}"
            f"      <pubDate>{format_datetime(built)}</pubDate>\n"
            f"      <arxiv:announce_type>{kind}</arxiv:announce_type>\n"
            f"      <dc:rights>{_x(sub.license)}</dc:rights>\n"
            f"      <dc:creator>{_x(', '.join(sub.authors))}</dc:creator>\n"
            "    </item>\n"
        )


# -- a deterministic population of submissions ----------------------------------------------

_WORDS = """
adaptive agents alignment attention balanced bandits bayesian benchmark calibrated causal
clustering compact contrastive convex curriculum data decoding dense diffusion discrete
distillation efficient embeddings ensemble estimation evaluation faithful federated fine
flows gradient graph grounded hierarchical implicit inference kernel language latent
learning linear local low memory meta mixture modular multilingual networks neural noisy
online optimal parallel planning pretraining private probabilistic pruning quantized
question random ranking reasoning recurrent reinforcement representations retrieval
robust sampling scalable search segmentation semantic sequence sparse spectral speech
stable stochastic streaming structured summarization supervised synthetic temporal
tokens training transfer transformers translation uncertainty unsupervised variational
vision weighted
""".split()
_CLAIMS = [
    "We show that the method improves on strong baselines across several tasks.",
    "Experiments on public benchmarks confirm the analysis.",
    "The approach is simple to implement and cheap to run.",
    "We also release a small library for further study.",
    "Our results hold in both small and large settings.",
]
_FIRST = """Ada Alan Beatriz Chen Dmitri Elena Farah Gustavo Hana Ines Jamal Kenji Lena Mateo
Nadia Olu Priya Quinn Rosa Samir Tariq Uma Viktor Wen Yara Zoltan""".split()
_LAST = """Abara Brandt Castillo Dube Eriksen Fujita Garcia Haddad Ivanova Jensen Kowalski
Lindqvist Moreau Nakamura Okafor Petrov Quispe Rossi Sato Tanaka Umarov Vargas Weber Xu Yilmaz Zhou""".split()
_COMMENTS = ["12 pages, 4 figures", "Accepted at a workshop", "Code and data included", "20 pages"]


def generate(start: date, end: date, *, per_day: int, seed: int,
             categories: tuple[str, ...] = ("cs.LG", "cs.CL"),
             other: tuple[str, ...] = ("stat.ML", "math.OC")) -> list[Submission]:  # fmt: skip
    """``per_day`` submissions on every day from ``start`` to ``end`` (inclusive, ET days),
    spread over all 24 hours, weekends included; sorted by submission time.

    The mix: ~70% primary in ``categories`` (some cross-listed to another of them or to
    ``other[0]``); ~15% primary ``other[0]`` cross-listed at submission to
    ``categories[0]``; ~5% primary ``other[0]`` or ``other[1]`` only, cross-listed to one
    of ``categories`` a few hours to days after its announcement; ~10% ``other[1]`` only,
    never in ``categories``. ~10% get a replacement (v2, a few of them v3) submitted
    1-4 days after the previous version's announcement. Ids ``YYMM.NNNNN`` count up per
    (UTC) month in submission order.
    """
    rng = random.Random(seed)
    stat, outside = other[0], other[-1]
    made: list[tuple[datetime, dict[str, Any]]] = []
    titles: set[str] = set()
    day = start
    while day <= end:
        lo = datetime.combine(day, time(0), tzinfo=ET).astimezone(UTC)
        hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ET).astimezone(UTC)
        slot = (hi - lo) / per_day
        for k in range(per_day):
            when = (lo + slot * (k + rng.random())).replace(microsecond=0)
            made.append((when, _one(rng, when, titles, categories, stat, outside)))
        day += timedelta(days=1)
    made.sort(key=lambda m: m[0])
    counters: dict[str, int] = {}
    out = []
    for when, spec in made:
        yymm = when.strftime("%y%m")
        counters[yymm] = counters.get(yymm, 0) + 1
        out.append(Submission(id=f"{yymm}.{counters[yymm]:05d}", submitted=when, **spec))
    return out


def _one(rng: random.Random, when: datetime, titles: set[str], categories: tuple[str, ...], stat: str,
         outside: str) -> dict[str, Any]:  # fmt: skip
    r = rng.random()
    cross: dict[str, datetime] = {}
    if r < 0.15:
        primary, cats = stat, (stat, categories[0])
    elif r < 0.20:
        primary = rng.choice((stat, outside))
        cats = (primary,)
        cross[rng.choice(categories)] = (
            announcement_of(when) + timedelta(hours=rng.uniform(1, 120))).replace(microsecond=0)  # fmt: skip
    elif r < 0.30:
        primary, cats = outside, (outside,)
    else:
        primary = rng.choice(categories)
        extra = [c for c in categories if c != primary and rng.random() < 0.3]
        if rng.random() < 0.1:
            extra.append(stat)
        cats = (primary, *extra)
    versions: list[datetime] = []
    if rng.random() < 0.10:
        last = when
        for _ in range(2 if rng.random() < 0.2 else 1):
            last = (announcement_of(last) + timedelta(hours=rng.uniform(24, 96))).replace(microsecond=0)
            versions.append(last)
    while True:
        words = rng.sample(_WORDS, 5)
        title = f"{words[0].title()} {words[1].title()} {words[2].title()} for {words[3].title()} {words[4].title()}"
        if title not in titles:
            titles.add(title)
            break
    sentences = [
        f"We study {' '.join(rng.sample(_WORDS, 3))} in the setting of {words[3]} {words[4]}.",
        rng.choice(_CLAIMS),
        f"Our approach to {words[0]} {words[1]} {words[2]} uses {' '.join(rng.sample(_WORDS, 4))}.",
    ]
    if rng.random() < 0.08:
        sentences.append(f"It trades {words[0]} & {words[1]} so that error < {rng.randint(2, 9)} percent.")
    return {
        "title": title,
        "abstract": " ".join(sentences),
        "authors": [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.randint(1, 5))],
        "primary": primary,
        "categories": cats,
        "cross_listed_at": cross,
        "versions": versions,
        "comment": rng.choice(_COMMENTS) if rng.random() < 0.5 else None,
    }


__all__ = [
    "ANNOUNCE",
    "CUTOFF",
    "ET",
    "FakeClock",
    "ScheduledArxiv",
    "Submission",
    "announcement_of",
    "et",
    "generate",
    "mailing_announcement",
    "mailing_day",
]
