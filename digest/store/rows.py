"""The store's schema and its rows: SQL migrations, `Paper` <-> row, and merging records.

Only modules of the `digest.store` package import it; everyone else goes through `Store`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from datetime import date, datetime, timezone
from typing import Any

from digest import clock
from digest.ids import parse_id
from digest.paper import Author, Paper, fill
from digest.schedule import announcement_of, rss_announcement

MIGRATIONS: list[list[str]] = [
    [  # v1
        "CREATE TABLE papers (id TEXT PRIMARY KEY, version INTEGER, versions TEXT NOT NULL, title TEXT NOT NULL,"
        " authors TEXT NOT NULL, abstract TEXT NOT NULL, comment TEXT, journal_ref TEXT, doi TEXT,"
        " primary_category TEXT, categories TEXT NOT NULL, published TEXT, updated TEXT, source TEXT NOT NULL,"
        " extra TEXT NOT NULL, first_fetched TEXT NOT NULL, last_fetched TEXT NOT NULL, fetched_via TEXT NOT NULL,"
        " indexed INTEGER NOT NULL DEFAULT 0)",
        "CREATE INDEX papers_published ON papers (published)",
        "CREATE INDEX papers_updated ON papers (updated)",
        "CREATE TABLE paper_categories (category TEXT NOT NULL, paper_id TEXT NOT NULL REFERENCES papers (id)"
        " ON DELETE CASCADE, PRIMARY KEY (category, paper_id)) WITHOUT ROWID",
        "CREATE TABLE windows (via TEXT NOT NULL, key TEXT NOT NULL, since TEXT NOT NULL, until TEXT NOT NULL,"
        " complete INTEGER NOT NULL DEFAULT 0, next_start INTEGER NOT NULL DEFAULT 0, total INTEGER,"
        " fetched INTEGER NOT NULL DEFAULT 0, started_at TEXT, finished_at TEXT, PRIMARY KEY (via, key, since, until))",
        "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL)",
        # The full-text index is filled lazily by `Store.index` (first `search`), so fetching stays fast.
        "CREATE VIRTUAL TABLE papers_fts USING fts5 (title, abstract, tokenize='unicode61 remove_diacritics 2')",
        "CREATE INDEX papers_unindexed ON papers (indexed) WHERE indexed = 0",
    ],
    [  # v2: coverage by announcement (see docs/new.md)
        "ALTER TABLE papers ADD COLUMN announced TEXT",
        "ALTER TABLE papers ADD COLUMN announced_via TEXT",
        # RSS said when (its listing's announcement); otherwise estimated from the v1 date.
        "UPDATE papers SET announced = digest_rss_announced(json_extract(extra, '$.announced')), announced_via = 'rss'"
        " WHERE json_extract(extra, '$.announced') IS NOT NULL",
        "UPDATE papers SET announced = digest_announcement(published), announced_via = 'schedule'"
        " WHERE announced IS NULL AND published IS NOT NULL",
        "CREATE INDEX papers_announced ON papers (announced)",
        "CREATE INDEX papers_first_fetched ON papers (first_fetched)",
        # One row per run of `digest new` for an issue: when it ran, and the announcements it closed at.
        # ``seen``: the highest papers.rowid when it selected (rowids only grow: later rows are later papers).
        "CREATE TABLE drafts (issue TEXT PRIMARY KEY, first_run TEXT NOT NULL, last_run TEXT NOT NULL,"
        " cutoff TEXT NOT NULL, seen INTEGER NOT NULL DEFAULT 0)",
        # Every candidate an issue had (its triage pool); ``written`` once `digest new` put it in the file;
        # ``decision`` the editor's in triage (kept, dismissed), ``decided_at`` when.
        "CREATE TABLE candidates (issue TEXT NOT NULL, paper_id TEXT NOT NULL, written INTEGER NOT NULL DEFAULT 0,"
        " decision TEXT, decided_at TEXT, PRIMARY KEY (issue, paper_id)) WITHOUT ROWID",
        "CREATE INDEX candidates_paper ON candidates (paper_id)",
        "INSERT OR IGNORE INTO candidates (issue, paper_id, written) SELECT substr(kv.key, 10), j.value, 1"
        " FROM kv, json_each(kv.value) AS j WHERE kv.key LIKE 'proposed:%' AND json_valid(kv.value)",
        "DELETE FROM kv WHERE key LIKE 'proposed:%'",
    ],
    [  # v3: indexes no query reads, dropped: each cost every stored paper a B-tree insert
        # (`Papers.papers(by="updated")` scans instead; nothing selects by first_fetched)
        "DROP INDEX IF EXISTS papers_updated",
        "DROP INDEX IF EXISTS papers_first_fetched",
    ],
]
"""Schema steps: ``MIGRATIONS[n]`` takes ``user_version`` n to n+1. Append, never edit."""
SCHEMA_VERSION = len(MIGRATIONS)
_SOURCE_RANK = {"api": 2, "rss": 1}
_COLUMNS = (
    "id, version, versions, title, authors, abstract, comment, journal_ref, doi, primary_category,"
    " categories, published, updated, source, extra, first_fetched, last_fetched, fetched_via, announced, announced_via"
)
_REPLACED = ("replace", "replace-cross")


def utc_iso(value: datetime | None) -> str | None:
    """``value`` as a sortable UTC ISO string (naive datetimes are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is timezone.utc:  # (without ``timespec`` where it changes nothing: 1.6 -> 1.2 us)
        return value.isoformat(timespec="seconds") if value.microsecond else value.isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")


def _now() -> str:
    return clock.stamp()


def sql_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions the migrations use (schedule estimates need Python)."""
    conn.create_function("digest_announcement", 1, lambda v: utc_iso(announcement_of(_dt(v))) if v else None,
                         deterministic=True)  # fmt: skip
    conn.create_function("digest_rss_announced", 1, lambda v: utc_iso(rss_announcement(date.fromisoformat(v)))
                         if v else None, deterministic=True)  # fmt: skip


def announcement(p: Paper, old: tuple[Any, ...] | None) -> tuple[str | None, str | None]:
    """``(announced, announced_via)`` to store for ``p`` arriving over the stored row ``old``.

    An RSS listing is the truth and the earliest one wins (a later `replace` never moves
    it); an estimate from the v1 date (`digest.schedule`) fills only what no feed said,
    so an API fetch never erases what RSS said.
    """
    known = (old[18], old[19]) if old is not None and old[18] else None
    if p.source == "rss" and p.announced is not None:
        said = (utc_iso(p.announced), "rss")
        if known is None:
            return said
        if p.extra.get("announce_type") in _REPLACED:  # a new version, not the paper's announcement
            return known
        if known[1] != "rss" or (said[0] or "") < (known[0] or ""):
            return said
        return known
    if known is not None:
        return known
    if p.announced is not None:
        return utc_iso(p.announced), "given"
    if p.published is not None:
        return _estimate(p.published), "schedule"
    return None, None


_ESTIMATES: dict[int, str] = {}
"""`_estimate`'s answers by UTC hour (hours since year 1): a page of 2000 entries spans a few hundred."""


def _estimate(published: datetime) -> str | None:
    """``utc_iso(announcement_of(published))``, the same for every instant of a UTC hour: New
    York's offset is whole hours and changes on the hour (since 1967), and the 14:00 ET cut-off
    is on the hour, so the batch an instant falls in is its hour's. ~10 us saved per paper."""
    if published.tzinfo is not timezone.utc or published.year < 1970:
        return utc_iso(announcement_of(published))
    hour = published.toordinal() * 24 + published.hour
    found = _ESTIMATES.get(hour)
    if found is None:
        if len(_ESTIMATES) >= 100_000:
            _ESTIMATES.clear()
        found = _ESTIMATES[hour] = utc_iso(announcement_of(published.replace(minute=0, second=0, microsecond=0))) or ""
    return found


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _base(text: str) -> str:
    parsed = parse_id(text)
    return parsed.base if parsed else text.strip()


if json.encoder.c_make_encoder is not None:  # CPython: one C encoder for every row (JSONEncoder.encode builds one per call)
    _c_encode = json.encoder.c_make_encoder(None, json.JSONEncoder().default, json.encoder.encode_basestring, None,
                                            ": ", ", ", True, False, True)  # fmt: skip

    def _encode(value: Any) -> str:
        """``JSONEncoder(ensure_ascii=False, sort_keys=True).encode``, the same text ~3x faster (bench_fetch)."""
        return "".join(_c_encode(value, 0))
else:  # pragma: no cover - another Python
    _encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_string = json.encoder.encode_basestring


def _authors(authors: tuple[Author, ...]) -> str:
    """``_encode([[a.name, a.affiliation] for a in authors])``, the same text without the
    lists (1.9 -> 1.2 us a paper); a name or affiliation that is not text goes to `_encode`."""
    try:
        return "[" + ", ".join([f"[{_string(a.name)}, {'null' if a.affiliation is None else _string(a.affiliation)}]"
                                for a in authors]) + "]"  # fmt: skip
    except TypeError:
        return _encode([[a.name, a.affiliation] for a in authors])


def _row(p: Paper, versions: list[int], first: str, last: str, via: str,
         announced: tuple[str | None, str | None] = (None, None)) -> tuple[Any, ...]:  # fmt: skip
    # One version (most rows) is written as JSON directly: the encoder's call costs more than the text.
    return (
        p.id, p.version, f"[{versions[0]}]" if len(versions) == 1 and type(versions[0]) is int else _encode(versions),
        p.title,
        _authors(p.authors),
        p.abstract, p.comment, p.journal_ref, p.doi, p.primary_category,
        _encode(p.categories), utc_iso(p.published), utc_iso(p.updated), p.source,
        _encode(p.extra) if p.extra else "{}", first, last, via, *announced,
    )  # fmt: skip



def _paper(r: sqlite3.Row | tuple[Any, ...]) -> Paper:
    return Paper(
        id=r[0],
        version=r[1],
        title=r[3],
        authors=tuple(Author(n, a) for n, a in json.loads(r[4])),
        abstract=r[5],
        comment=r[6],
        journal_ref=r[7],
        doi=r[8],
        primary_category=r[9],
        categories=tuple(json.loads(r[10])),
        published=_dt(r[11]),
        updated=_dt(r[12]),
        source=r[13],
        extra=json.loads(r[14]),
        announced=_dt(r[18]),
    )


def merge(old: Paper, new: Paper) -> Paper:
    """The record to keep when ``new`` arrives for a paper stored as ``old``.

    A higher version wins; for the same version the richer source (api > rss
    > others) wins. Either way the winner's empty fields are filled from the
    other record (an RSS `replace` entry has no published date or comment,
    and must not erase the API's), and ``extra`` facts are merged.
    """
    ov, nv = old.version or 0, new.version or 0
    if nv != ov:
        new_wins = nv > ov
    else:
        new_wins = _SOURCE_RANK.get(new.source, 0) >= _SOURCE_RANK.get(old.source, 0)
    winner, loser = (new, old) if new_wins else (old, new)
    return replace(fill(winner, loser), extra={**loser.extra, **winner.extra})


def _fts_query(text: str, max_terms: int = 48) -> str:
    """Free text as a safe FTS5 query: distinct words, quoted, OR-ed."""
    seen: dict[str, None] = {}
    for word in re.findall(r"\w{3,}", text.lower()):
        seen.setdefault(word, None)
        if len(seen) >= max_terms:
            break
    return " OR ".join(f'"{w}"' for w in seen)


def _bound(value: date | datetime, *, end: bool) -> str:
    if isinstance(value, datetime):
        return utc_iso(value) or ""
    day = date.fromordinal(value.toordinal() + 1) if end else value
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).isoformat(timespec="seconds")
