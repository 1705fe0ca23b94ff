"""The papers table: storing a batch (newer versions replace older ones), reading papers
back by id or date, and full-text search over titles and abstracts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from digest.paper import Paper
from digest.store.db import Database
from digest.store.problems import StoreError
from digest.store.rows import _COLUMNS, _base, _bound, _fts_query, _now, _paper, _row, announcement, merge


@dataclass
class UpsertCounts:
    """What `Store.upsert` did with a batch of papers."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


class Papers(Database):
    """The store's papers (`digest.store.Store` is one)."""

    def upsert(self, papers: Iterable[Paper], *, via: str | None = None, fetched_at: str | None = None) -> UpsertCounts:
        """Store ``papers`` in one transaction; a newer version replaces an older one.

        ``via`` records how the batch was fetched (defaults to each paper's source).
        Duplicates inside the batch are merged, never stored twice.
        """
        batch: dict[str, Paper] = {}
        for p in papers:
            batch[p.id] = merge(batch[p.id], p) if p.id in batch else p
        counts = UpsertCounts()
        if not batch:
            return counts
        stamp = fetched_at or _now()
        existing: dict[str, tuple[Any, ...]] = {}
        ids = list(batch)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(f"SELECT {_COLUMNS} FROM papers WHERE id IN ({marks})", chunk):
                existing[r[0]] = r
        inserts, updates = [], []
        categories: list[tuple[str, str]] = []  # (category, id) of every row inserted or rewritten
        for pid, p in batch.items():
            how = via or p.source
            old_row = existing.get(pid)
            if old_row is None:
                counts.new += 1
                inserts.append(_row(p, [p.version] if p.version else [], stamp, stamp, how, announcement(p, None)))
                categories.extend([(cat, pid) for cat in p.categories])
                continue
            old = _paper(old_row)
            versions = set(json.loads(old_row[2]))
            if p.version:
                versions.add(p.version)
            merged = merge(old, p)
            vias = sorted(set(old_row[17].split(",")) | {how})
            row = _row(merged, sorted(versions), old_row[15], stamp, ",".join(vias), announcement(p, old_row))
            if row[1:15] == tuple(old_row[1:15]) and row[18:20] == tuple(old_row[18:20]):
                counts.unchanged += 1
                updates.append(("last", stamp, row[17], pid))
            else:
                counts.updated += 1
                updates.append(("full", row))
                categories.extend([(cat, pid) for cat in merged.categories])
        with self.transaction() as c:
            c.executemany(f"INSERT INTO papers ({_COLUMNS}) VALUES ({','.join('?' * 20)})", inserts)
            full = [u[1] for u in updates if u[0] == "full"]
            c.executemany(
                "DELETE FROM papers_fts WHERE rowid IN (SELECT rowid FROM papers WHERE id = ? AND indexed = 1)",
                [(r[0],) for r in full],
            )
            c.executemany(
                "UPDATE papers SET indexed=0, version=?, versions=?, title=?, authors=?, abstract=?, comment=?, journal_ref=?,"
                " doi=?, primary_category=?, categories=?, published=?, updated=?, source=?, extra=?,"
                " first_fetched=?, last_fetched=?, fetched_via=?, announced=?, announced_via=? WHERE id=?",
                [(*r[1:], r[0]) for r in full],
            )
            c.executemany("UPDATE papers SET last_fetched=?, fetched_via=? WHERE id=?", [u[1:] for u in updates if u[0] == "last"])
            c.executemany("DELETE FROM paper_categories WHERE paper_id = ?", [(r[0],) for r in full])
            c.executemany("INSERT OR IGNORE INTO paper_categories (category, paper_id) VALUES (?, ?)", categories)
        return counts

    def get(self, paper_id: str) -> Paper | None:
        """One paper by id (a version suffix is ignored), or None."""
        return self.get_many([paper_id]).get(_base(paper_id))

    def get_many(self, ids: Iterable[str]) -> dict[str, Paper]:
        """The stored papers among ``ids``, keyed by base id; missing ids are absent."""
        wanted = list(dict.fromkeys(_base(i) for i in ids))
        out: dict[str, Paper] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(f"SELECT {_COLUMNS} FROM papers WHERE id IN ({marks})", chunk):
                out[r[0]] = _paper(r)
        return out

    def versions(self, paper_id: str) -> list[int]:
        """Every version of ``paper_id`` seen so far, ascending."""
        r = self.conn.execute("SELECT versions FROM papers WHERE id = ?", (_base(paper_id),)).fetchone()
        return json.loads(r[0]) if r else []

    def papers(
        self,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        categories: Iterable[str] | None = None,
        *,
        by: str = "published",
        limit: int | None = None,
    ) -> list[Paper]:
        """Papers whose ``by`` date (published, updated, last_fetched or announced) is in [since, until].

        Dates are inclusive whole days (UTC). ``categories`` keeps papers listed
        in any of them (cross-lists included). Newest first.
        """
        if by not in ("published", "updated", "last_fetched", "announced"):
            raise ValueError(f"cannot select papers by {by!r}")
        where, args = [], []  # type: ignore[var-annotated]
        if since is not None:
            where.append(f"p.{by} >= ?")
            args.append(_bound(since, end=False))
        if until is not None:
            where.append(f"p.{by} {'<=' if isinstance(until, datetime) else '<'} ?")
            args.append(_bound(until, end=True))
        cats = list(categories or [])
        if cats:
            marks = ",".join("?" * len(cats))
            where.append(f"p.id IN (SELECT paper_id FROM paper_categories WHERE category IN ({marks}))")
            args.extend(cats)
        sql = f"SELECT {', '.join('p.' + c.strip() for c in _COLUMNS.split(','))} FROM papers p"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY p.{by} DESC, p.id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_paper(r) for r in self.conn.execute(sql, args)]

    def index(self) -> int:
        """Add papers stored since the last call to the full-text index; returns how many."""
        with self.transaction() as c:
            c.execute("INSERT INTO papers_fts (rowid, title, abstract) SELECT rowid, title, abstract FROM papers"
                      " WHERE indexed = 0")  # fmt: skip
            return c.execute("UPDATE papers SET indexed = 1 WHERE indexed = 0").rowcount

    def search(self, text: str, limit: int = 10) -> list[tuple[Paper, float]]:
        """Full-text search over title and abstract; best first, with a score (higher is better).

        ``text`` is free text (e.g. a whole abstract): its distinct words are
        OR-ed and ranked by BM25, titles weighing double.
        """
        query = _fts_query(text)
        if not query:
            return []
        try:
            self.index()
        except StoreError:  # a read-only or busy store: search what is indexed
            pass
        cols = ", ".join("p." + c.strip() for c in _COLUMNS.split(","))
        sql = (
            f"SELECT {cols}, bm25(papers_fts, 2.0, 1.0) AS score FROM papers_fts"
            " JOIN papers p ON p.rowid = papers_fts.rowid WHERE papers_fts MATCH ? ORDER BY score LIMIT ?"
        )
        return [(_paper(r), -float(r[-1])) for r in self.conn.execute(sql, (query, limit))]

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM papers").fetchone()[0])
