"""The store's schema and its rows: SQL migrations, `Paper` <-> row, and merging records.

Split from `digest.store` to keep each module readable in one sitting; only
`digest.store` imports it.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from datetime import date, datetime, timezone
from typing import Any

from digest.ids import parse_id
from digest.paper import Author, Paper, fill

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
]
"""Schema steps: ``MIGRATIONS[n]`` takes ``user_version`` n to n+1. Append, never edit."""
SCHEMA_VERSION = len(MIGRATIONS)
_SOURCE_RANK = {"api": 2, "rss": 1}
_COLUMNS = (
    "id, version, versions, title, authors, abstract, comment, journal_ref, doi, primary_category,"
    " categories, published, updated, source, extra, first_fetched, last_fetched, fetched_via"
)


def utc_iso(value: datetime | None) -> str | None:
    """``value`` as a sortable UTC ISO string (naive datetimes are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is timezone.utc:
        return value.isoformat(timespec="seconds")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _base(text: str) -> str:
    parsed = parse_id(text)
    return parsed.base if parsed else text.strip()


_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _row(p: Paper, versions: list[int], first: str, last: str, via: str) -> tuple[Any, ...]:
    return (
        p.id, p.version, _encode(versions), p.title,
        _encode([[a.name, a.affiliation] for a in p.authors]),
        p.abstract, p.comment, p.journal_ref, p.doi, p.primary_category,
        _encode(p.categories), utc_iso(p.published), utc_iso(p.updated), p.source,
        _encode(p.extra) if p.extra else "{}", first, last, via,
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
