"""ArXiv ids for seed abstracts that came without one. Never a guess.

    report = resolve(records, store)                  # cache, then the store's FTS5 index
    report = resolve(records, store, client=client)   # ... then the arXiv API, batched
    fetch_seed_metadata(report.records(), store, client)  # id_list batches (digest.seeds.report)

Order of lookups for each id-less abstract:

1. the cache (``kv`` rows ``seed-resolve:<hash>`` in the store): every answer
   from the store or arXiv, and every "not on arXiv", is looked up once;
2. the store: an FTS5 query over title and abstract made of the abstract's
   rarest words (document frequencies from ``fts5vocab``), as pairs that must
   both match (``(a AND b) OR (c AND d) ...``, 2 to 4 pairs), so only a
   handful of candidates come back; no pairwise comparison with every paper;
3. online, arXiv: ``abs:"<distinctive phrase>"`` for several abstracts per
   request (OR-ed), the matched papers stored.

A candidate is accepted only when its abstract matches closely (`similarity`
at least `ACCEPT`) and no other paper does too; otherwise the abstract stays
unresolved, with the reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from digest.seeds import SeedRecord, dedup, text_key
from digest.store import StoreError

if TYPE_CHECKING:
    from digest.fetch.client import ArxivClient
    from digest.paper import Paper
    from digest.store import Store

log = logging.getLogger(__name__)

ACCEPT = 0.6
"""Least `similarity` for a match. Versions of one abstract score 0.8-1.0;
different papers, even on one topic, stay under 0.2."""
MIN_PAIRS = 20
CACHE_PREFIX = "seed-resolve:"
MISS_DAYS = 30
"""An abstract arXiv did not find is asked again after this many days."""
API_BATCH = 10
"""Abstracts per API request (``abs:"..." OR abs:"..."``), keeping the URL short."""
QUERY_TERMS = 8
"""Rarest words per store query, OR-ed in pairs that must both match."""
QUERY_BUDGET = 1000
"""Pairs beyond the first two are added only while the papers they touch stay under this."""
LOOKUPS = 24
"""Longest words of an abstract whose document frequency is looked up."""
PAIR_DISTANCE = 25
PHRASE_WORDS = 6

_STOP = frozenset(
    "a about above after again against all also am an and any are as at be because been before being below between "
    "both but by can could did do does doing down during each either few for from further had has have having her "
    "here hers how however i if in into is it its itself just may might more most much must my no nor not now of "
    "off on once one only or other our ours out over own same she should so some such than that the their theirs "
    "them then there these they this those through thus to too two under until up upon us use used using very via "
    "was we well were what when where which while who whom why will with within without would yet you your "
    "paper propose proposed show shows work results approach method methods model models based new".split()
)
_TOKEN = re.compile(r"[^\W_]+")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@dataclass(frozen=True)
class Resolution:
    """What became of one seed record."""

    record: SeedRecord
    arxiv_id: str | None
    how: str
    """``seed`` (the file gave it), ``store``, ``api`` or ``unresolved``."""
    score: float | None = None
    cached: bool = False
    note: str = ""
    """Why it stayed unresolved: ``offline``, ``no close match``, ``ambiguous: ID, ID``."""


@dataclass
class ResolveReport:
    resolutions: list[Resolution] = field(default_factory=list)
    requests: int = 0
    """API requests made for text resolution."""
    online: bool = False

    def counts(self) -> dict[str, int]:
        return dict(Counter(r.how for r in self.resolutions))

    @property
    def unresolved(self) -> list[Resolution]:
        return [r for r in self.resolutions if r.arxiv_id is None]

    def records(self) -> list[SeedRecord]:
        """The records with resolved ids filled in, deduplicated again by id."""
        return dedup(
            replace(r.record, arxiv_id=r.arxiv_id) if r.arxiv_id and not r.record.arxiv_id else r.record
            for r in self.resolutions
        )


# --- text comparison ---------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """Words as FTS5's ``unicode61 remove_diacritics 2`` tokenizer sees them."""
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _TOKEN.findall(text.lower())


def _pairs(words: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:]))


def similarity(a: str, b: str) -> float:
    """How closely two abstracts match, 0..1: the share of adjacent word pairs of
    the shorter text that the other one has too (overlap coefficient).

    Identical text up to case, spacing and punctuation scores 1; so does a
    seed that is part of the abstract (an older version, a truncated copy).
    Texts under `MIN_PAIRS` word pairs are compared by Jaccard instead, so a
    short fragment cannot match by containment alone.
    """
    return _Text(a).similarity(_Text(b))


class _Text:
    """An abstract prepared for repeated comparison."""

    __slots__ = ("key", "pairs")

    def __init__(self, text: str) -> None:
        self.key = text_key(text)
        self.pairs = _pairs(tokens(text))

    def similarity(self, other: _Text) -> float:
        if self.key == other.key:
            return 1.0
        pa, pb = self.pairs, other.pairs
        if not pa or not pb:
            return 0.0
        shared = len(pa & pb)
        if min(len(pa), len(pb)) < MIN_PAIRS:
            return shared / len(pa | pb)
        return shared / min(len(pa), len(pb))


def distinctive_phrase(text: str, words: int = PHRASE_WORDS) -> str | None:
    """A run of plain words from ``text`` for an exact-phrase search.

    Only letters (no TeX, digits or punctuation inside the run, which arXiv's
    search tokenises unpredictably); not starting or ending with a stop word;
    the run with the longest words wins (long words are the rare ones).
    """
    best: tuple[int, str] | None = None
    for chunk in re.split(r"[^A-Za-z\s-]+|\s-|-\s|--", text):
        run = [w for w in re.split(r"[\s-]+", chunk) if w]
        for i in range(len(run) - words + 1):
            window = run[i : i + words]
            if window[0].lower() in _STOP or window[-1].lower() in _STOP:
                continue
            weight = sum(len(w) for w in window if w.lower() not in _STOP)
            if best is None or weight > best[0]:
                best = (weight, " ".join(window))
    return best[1] if best else None


# --- the cache ---------------------------------------------------------------------------


def cache_key(record: SeedRecord) -> str:
    return CACHE_PREFIX + hashlib.sha1(record.key.encode()).hexdigest()[:20]


def cached_ids(records: Iterable[SeedRecord], store: Store) -> dict[str, str]:
    """``{cache key: arxiv id}`` for records an earlier run resolved (no FTS, no network)."""
    cache = store.values(CACHE_PREFIX)
    out = {}
    for rec in records:
        entry = cache.get(cache_key(rec))
        if entry and json.loads(entry).get("id"):
            out[cache_key(rec)] = json.loads(entry)["id"]
    return out


# --- the store ---------------------------------------------------------------------------


class StoreMatcher:
    """Finds a seed abstract among the store's papers through its FTS5 index."""

    def __init__(self, store: Store, candidates: int = 20) -> None:
        self.conn = store.conn
        self.candidates = candidates
        try:
            store.index()  # the store fills its FTS5 index lazily
        except StoreError:  # read-only or busy: match what is indexed
            pass
        self._df: dict[str, int] = {}
        self.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.digest_seed_vocab USING fts5vocab(main, papers_fts, row)")

    def df(self, term: str) -> int:
        """How many stored papers contain ``term`` (cached for the run)."""
        n = self._df.get(term)
        if n is None:
            row = self.conn.execute("SELECT doc FROM temp.digest_seed_vocab WHERE term = ?", (term,)).fetchone()
            n = self._df[term] = row[0] if row else 0
        return n

    def query(self, text: str) -> str | None:
        """The FTS5 query for ``text``: its rarest words, in pairs that must both match.

        The two words of a pair come from different parts of the abstract
        (`PAIR_DISTANCE` words apart when possible): a sentence shared with
        another paper then cannot match a whole pair by itself.
        """
        words = tokens(text)
        first: dict[str, int] = {}
        for i, w in enumerate(words):
            if len(w) > 3 and w not in _STOP:
                first.setdefault(w, i)
        longest = sorted(first, key=lambda t: (-len(t), t))[:LOOKUPS]
        rare = sorted((n, t) for t in longest if (n := self.df(t)) > 0)[:QUERY_TERMS]
        pairs: list[str] = []
        cost = 0
        while len(rare) >= 2:
            na, a = rare.pop(0)
            j = next((k for k, (_, t) in enumerate(rare) if abs(first[t] - first[a]) >= PAIR_DISTANCE), 0)
            nb, b = rare.pop(j)
            if len(pairs) >= 2 and cost + na + nb > QUERY_BUDGET:
                break  # rare enough already; common words would only cost time
            pairs.append(f'("{a}" AND "{b}")')
            cost += na + nb
        return " OR ".join(pairs) or None

    def match(self, record: SeedRecord) -> tuple[str | None, float | None, str]:
        """``(id, score, note)``: the one paper that matches closely, or None and why."""
        query = self.query(record.abstract)
        if query is None:
            return None, None, "no close match"
        rows = self.conn.execute(
            "SELECT rowid, abstract FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rank LIMIT ?",
            (query, self.candidates),
        ).fetchall()
        close = accepted(record.abstract, rows)
        if close:
            marks = ",".join("?" * len(close))
            ids = dict(self.conn.execute(f"SELECT rowid, id FROM papers WHERE rowid IN ({marks})", list(close)))
            close = {ids[r]: score for r, score in close.items() if r in ids}
        return _verdict(close)


def accepted(abstract: str, candidates: Iterable[tuple[Any, str]]) -> dict[Any, float]:
    """The candidates ``(key, abstract)`` that match ``abstract`` closely, with their scores."""
    scored: dict[Any, float] = {}
    seed = _Text(abstract)
    probes = _probes(seed.key)
    for key, text in candidates:
        if probes:
            other = text_key(text)
            if sum(1 for p in probes if p in other) < len(probes) // 2:
                continue  # cheap: most of the seed is not in this text, so it cannot match closely
        score = seed.similarity(_Text(text))
        if score >= ACCEPT:
            scored[key] = max(score, scored.get(key, 0.0))
    return scored


def pick(abstract: str, candidates: Iterable[tuple[str, str]]) -> tuple[str | None, float | None, str]:
    """The single candidate ``(id, abstract)`` that matches ``abstract`` closely: ``(id, score, note)``."""
    return _verdict(accepted(abstract, candidates))


def _verdict(close: dict[str, float]) -> tuple[str | None, float | None, str]:
    if not close:
        return None, None, "no close match"
    if len(close) > 1:
        return None, None, "ambiguous: " + ", ".join(sorted(close))
    ((pid, score),) = close.items()
    return pid, round(score, 3), ""


def _probes(key: str, count: int = 8, size: int = 16) -> list[str]:
    """Pieces of a text key spread over it: a close match contains most of them."""
    if len(key) < count * size:
        return []
    step = (len(key) - size) // (count - 1)
    return [key[i * step : i * step + size] for i in range(count)]


# --- resolution --------------------------------------------------------------------------


def resolve(
    records: Iterable[SeedRecord],
    store: Store,
    client: ArxivClient | None = None,
    *,
    batch: int = API_BATCH,
    today: date | None = None,
) -> ResolveReport:
    """Resolve every id-less record: cache, store, then (with a ``client``) arXiv.

    Answers are written to the store's cache; papers found online are stored.
    Without a client nothing goes to the network and the rest is ``offline``.
    """
    today = today or date.today()
    report = ResolveReport(online=client is not None)
    cache = store.values(CACHE_PREFIX)
    matcher: StoreMatcher | None = None
    pending: list[SeedRecord] = []
    done: dict[int, Resolution] = {}
    records = list(records)
    with store.transaction():
        for i, rec in enumerate(records):
            if rec.arxiv_id:
                done[i] = Resolution(rec, rec.arxiv_id, "seed")
                continue
            entry = json.loads(cache[cache_key(rec)]) if cache_key(rec) in cache else None
            if entry and entry.get("id"):
                done[i] = Resolution(rec, entry["id"], entry["how"], entry.get("score"), cached=True)
                continue
            matcher = matcher or StoreMatcher(store)
            pid, score, note = matcher.match(rec)
            if pid:
                done[i] = Resolution(rec, pid, "store", score)
                _remember(store, rec, pid, "store", score, today)
                continue
            recent_miss = entry and date.fromisoformat(entry["at"]) > today - timedelta(days=MISS_DAYS)
            if recent_miss:
                done[i] = Resolution(rec, None, "unresolved", cached=True, note=entry.get("note", "not found on arXiv"))
            elif client is None:
                done[i] = Resolution(rec, None, "unresolved", note="offline" if note == "no close match" else note)
            else:
                pending.append(rec)
    if pending and client is not None:
        online = _resolve_online(pending, store, client, batch, today)
        report.requests = online.pop("_requests")  # type: ignore[assignment]
        for i, rec in enumerate(records):
            if i not in done:
                done[i] = online[cache_key(rec)]  # type: ignore[assignment]
    report.resolutions = [done[i] for i in range(len(records))]
    return report


def _remember(store: Store, rec: SeedRecord, pid: str | None, how: str, score: float | None, today: date,
              note: str = "") -> None:  # fmt: skip
    value = {"id": pid, "how": how, "score": score, "at": today.isoformat()}
    if note:
        value["note"] = note
    store.set_value(cache_key(rec), json.dumps(value))


def _resolve_online(pending: list[SeedRecord], store: Store, client: ArxivClient, batch: int,
                    today: date) -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {}
    before = client.counters.requests
    phrases = {cache_key(r): distinctive_phrase(r.abstract) for r in pending}
    for rec in pending:
        if phrases[cache_key(rec)] is None:
            out[cache_key(rec)] = Resolution(rec, None, "unresolved", note="no phrase to search for")
    askable = [r for r in pending if phrases[cache_key(r)]]
    for start in range(0, len(askable), batch):
        group = askable[start : start + batch]
        query = " OR ".join(f'abs:"{phrases[cache_key(r)]}"' for r in group)
        page = client.api_page(query, 0, min(100, 5 * len(group)))
        found: list[Paper] = []
        with store.transaction():
            for rec in group:
                pid, score, note = pick(rec.abstract, ((p.id, p.abstract) for p in page.papers))
                if pid:
                    found.extend(p for p in page.papers if p.id == pid)
                    out[cache_key(rec)] = Resolution(rec, pid, "api", score)
                    _remember(store, rec, pid, "api", score, today)
                else:
                    note = note if note.startswith("ambiguous") else "not found on arXiv"
                    out[cache_key(rec)] = Resolution(rec, None, "unresolved", note=note)
                    _remember(store, rec, None, "miss", None, today, note)
            if found:
                store.upsert(found)
    out["_requests"] = client.counters.requests - before
    return out
