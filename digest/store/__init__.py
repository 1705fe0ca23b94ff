"""The local store: one SQLite file (``.digest/store.sqlite``) of `Paper` records.

One row per paper, keyed by the id without version. A newer version replaces
an older one and every version seen is kept in ``versions``. The store also
remembers which query windows were fetched completely (so a repeated fetch
costs nothing), a small key/value table (RSS ETags, seed-resolution caches)
and an FTS5 index over title and abstract for text lookups.

Every write runs in a transaction: a crash never leaves half a page stored.
The schema is versioned with ``PRAGMA user_version`` and migrated in place.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from digest.errors import DigestError
from digest.paper import Paper
from digest.store.rows import (
    _COLUMNS,
    MIGRATIONS,
    SCHEMA_VERSION,
    _base,
    _bound,
    _fts_query,
    _now,
    _paper,
    _row,
    announcement,
    merge,
    sql_functions,
    utc_iso,
)

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Draft", "Store", "StoreError", "UpsertCounts", "Window", "merge", "utc_iso"]


class StoreError(DigestError):
    """The store could not do what was asked: busy, read-only, a full disk, an I/O error, a
    broken file or one written by a newer digest (`store_problem` says which)."""


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


@dataclass(frozen=True)
class Window:
    """A query window: ``via`` + ``key`` (categories and query) + inclusive days."""

    via: str
    key: str
    since: date
    until: date
    complete: bool = False
    next_start: int = 0
    total: int | None = None
    fetched: int = 0
    finished_at: str | None = None


@dataclass(frozen=True)
class Draft:
    """A run of `digest new` for one issue: ``cutoff`` is the last announcement its candidates
    could come from; the next issue takes what was announced after it or stored after ``last_run``."""

    issue: date
    first_run: datetime
    last_run: datetime
    cutoff: datetime
    seen: int = 0
    """The store's last paper (`Store.last_row`) when it selected: any later row is a paper stored after it."""


def _draft(r: tuple[Any, ...]) -> Draft:
    return Draft(date.fromisoformat(r[0]), datetime.fromisoformat(r[1]), datetime.fromisoformat(r[2]),
                 datetime.fromisoformat(r[3]), int(r[4]))  # fmt: skip


class Store:
    """The SQLite store. Open with `Store.open` (creates) or `Store.open_existing`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._depth = 0

    # -- opening -----------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open the store at ``path``, creating the file and its folder if needed."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the store ({exc}); check paths.store in digest.toml") from None
        return cls._ready(conn, path)

    @classmethod
    def open_existing(cls, path: str | Path) -> Store | None:
        """Open the store at ``path`` if the file exists, else None (nothing is created)."""
        path = Path(path)
        if not path.is_file():
            return None
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None,
                                   check_same_thread=False)  # fmt: skip
        except sqlite3.Error:
            try:
                conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                       check_same_thread=False)  # fmt: skip
            except sqlite3.Error as exc:
                raise StoreError(f"{path}: cannot open the store ({exc}); check its permissions") from None
        return cls._ready(conn, path)

    @classmethod
    def _ready(cls, conn: sqlite3.Connection, path: Path) -> Store:
        store = cls(conn, path)
        try:
            sql_functions(conn)
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA foreign_keys = ON")
            store._migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            # Busy, full, an I/O error: not broken, and moving it away would lose it. Only a
            # file SQLite cannot read as a database, or one that fails its integrity check, is.
            raise StoreError(store_problem(path, exc)) from None
        return store

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store schema v{version} is newer than this digest (v{SCHEMA_VERSION}); upgrade digest"
            )
        if version == SCHEMA_VERSION:
            return
        if version == 0:
            self.conn.execute("PRAGMA journal_mode = WAL")
        with self.transaction():
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of writes; nested calls join the outer transaction."""
        try:
            if self._depth == 0:
                self.conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                self._depth -= 1
                if self._depth == 0 and self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise StoreError(store_problem(self.path, exc)) from None

    # -- papers ------------------------------------------------------------------
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
        for pid, p in batch.items():
            how = via or p.source
            old_row = existing.get(pid)
            if old_row is None:
                counts.new += 1
                inserts.append(_row(p, [p.version] if p.version else [], stamp, stamp, how, announcement(p, None)))
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
            c.executemany(
                "INSERT OR IGNORE INTO paper_categories (category, paper_id) VALUES (?, ?)",
                [(cat, r[0]) for r in inserts + full for cat in json.loads(r[10])],
            )
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

    # -- windows -----------------------------------------------------------------
    def window(self, via: str, key: str, since: date, until: date) -> Window | None:
        """The recorded state of one window, or None if it was never started."""
        r = self.conn.execute(
            "SELECT complete, next_start, total, fetched, finished_at FROM windows"
            " WHERE via=? AND key=? AND since=? AND until=?",
            (via, key, since.isoformat(), until.isoformat()),
        ).fetchone()
        return Window(via, key, since, until, bool(r[0]), r[1], r[2], r[3], r[4]) if r else None

    def save_window(self, w: Window) -> None:
        """Record a window's progress (call inside the page's transaction)."""
        with self.transaction() as c:
            c.execute(
                "INSERT INTO windows (via, key, since, until, complete, next_start, total, fetched, started_at,"
                " finished_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (via, key, since, until) DO UPDATE SET"
                " complete=excluded.complete, next_start=excluded.next_start, total=excluded.total,"
                " fetched=excluded.fetched, finished_at=excluded.finished_at",
                (w.via, w.key, w.since.isoformat(), w.until.isoformat(), int(w.complete), w.next_start, w.total,
                 w.fetched, _now(), w.finished_at),
            )  # fmt: skip

    def windows(self, via: str | None = None, key: str | None = None, complete: bool | None = None) -> list[Window]:
        """Recorded windows, oldest first."""
        sql = "SELECT via, key, since, until, complete, next_start, total, fetched, finished_at FROM windows WHERE 1"
        args: list[Any] = []
        for col, val in (("via", via), ("key", key), ("complete", None if complete is None else int(complete))):
            if val is not None:
                sql += f" AND {col} = ?"
                args.append(val)
        rows = self.conn.execute(sql + " ORDER BY since, until", args).fetchall()
        return [Window(r[0], r[1], date.fromisoformat(r[2]), date.fromisoformat(r[3]), bool(r[4]), r[5], r[6], r[7], r[8])
                for r in rows]  # fmt: skip

    def covered(self, via: str, key: str, since: date, until: date) -> bool:
        """True if complete windows together cover every day of [since, until]."""
        reach = since
        for w in self.windows(via, key, complete=True):
            if w.since > reach:
                break
            if w.until >= reach:
                if w.until >= until:
                    return True
                reach = date.fromordinal(w.until.toordinal() + 1)
        return False

    # -- announcements and drafts ---------------------------------------------------
    def announced(
        self,
        *,
        after: datetime | None,
        stored_after: int | None,
        floor: datetime | None,
        until: datetime | None,
        categories: Iterable[str] | None = None,
    ) -> list[Paper]:
        """Papers announced after ``after`` or stored after row ``stored_after`` (`last_row`; either
        suffices, None leaves that test out), announced after ``floor`` and at/before
        ``until`` (None: no bound), in any of ``categories``. Newest announcement first."""
        where, args = ["p.announced IS NOT NULL"], []  # type: ignore[var-annotated]
        either = []
        if after is not None:
            either.append("p.announced > ?")
            args.append(utc_iso(after))
        if stored_after is not None:
            either.append("p.rowid > ?")
            args.append(stored_after)
        if either:
            where.append("(" + " OR ".join(either) + ")")
        if floor is not None:
            where.append("p.announced > ?")
            args.append(utc_iso(floor))
        if until is not None:
            where.append("p.announced <= ?")
            args.append(utc_iso(until))
        cats = list(categories or [])
        if cats:
            where.append(f"p.id IN (SELECT paper_id FROM paper_categories WHERE category IN ({','.join('?' * len(cats))}))")
            args.extend(cats)
        cols = ", ".join("p." + c.strip() for c in _COLUMNS.split(","))
        sql = f"SELECT {cols} FROM papers p WHERE {' AND '.join(where)} ORDER BY p.announced DESC, p.id DESC"
        return [_paper(r) for r in self.conn.execute(sql, args)]

    def count_announced(self, after: datetime, until: datetime, categories: Iterable[str] | None = None) -> int:
        """How many stored papers were announced in (after, until], in ``categories``."""
        cats = list(categories or [])
        sql = "SELECT count(*) FROM papers p WHERE p.announced > ? AND p.announced <= ?"
        if cats:
            sql += f" AND p.id IN (SELECT paper_id FROM paper_categories WHERE category IN ({','.join('?' * len(cats))}))"
        return int(self.conn.execute(sql, (utc_iso(after), utc_iso(until), *cats)).fetchone()[0])

    def draft(self, issue: date) -> Draft | None:
        """The record of `digest new` for the issue dated ``issue``, if it ever ran."""
        r = self.conn.execute("SELECT issue, first_run, last_run, cutoff, seen FROM drafts WHERE issue = ?",
                              (issue.isoformat(),)).fetchone()  # fmt: skip
        return _draft(r) if r else None

    def previous_draft(self, issue: date) -> Draft | None:
        """The latest draft of an issue dated before ``issue``."""
        r = self.conn.execute("SELECT issue, first_run, last_run, cutoff, seen FROM drafts WHERE issue < ?"
                              " ORDER BY issue DESC LIMIT 1", (issue.isoformat(),)).fetchone()  # fmt: skip
        return _draft(r) if r else None

    def pooled_before(self, issue: date) -> set[str]:
        """Every paper any issue dated before ``issue`` had as a candidate."""
        rows = self.conn.execute("SELECT DISTINCT paper_id FROM candidates WHERE issue < ?", (issue.isoformat(),))
        return {r[0] for r in rows}

    def proposed(self, issue: date) -> set[str]:
        """The papers `digest new` wrote into the issue's file (a deleted section is not added back)."""
        rows = self.conn.execute("SELECT paper_id FROM candidates WHERE issue = ? AND written = 1", (issue.isoformat(),))
        return {r[0] for r in rows}

    def pool(self, issue: date) -> set[str]:
        """Every candidate the issue has had, written into the file or not."""
        return {r[0] for r in self.conn.execute("SELECT paper_id FROM candidates WHERE issue = ?", (issue.isoformat(),))}

    def decide(self, issue: date, paper_id: str, decision: str | None) -> None:
        """Record the editor's triage decision (``kept``, ``dismissed``, or None to undo it)."""
        if decision not in (None, "kept", "dismissed"):
            raise ValueError(f"unknown decision {decision!r}")
        with self.transaction() as c:
            c.execute("INSERT INTO candidates (issue, paper_id, decision, decided_at) VALUES (?, ?, ?, ?)"
                      " ON CONFLICT (issue, paper_id) DO UPDATE SET decision = excluded.decision,"
                      " decided_at = excluded.decided_at",
                      (issue.isoformat(), _base(paper_id), decision, _now() if decision else None))  # fmt: skip

    def decisions(self, issue: date) -> dict[str, str]:
        """The editor's triage decisions for the issue, by paper id, in the order they were made."""
        rows = self.conn.execute("SELECT paper_id, decision FROM candidates WHERE issue = ? AND decision IS NOT NULL"
                                 " ORDER BY decided_at, paper_id", (issue.isoformat(),))  # fmt: skip
        return dict(rows.fetchall())

    def earlier_candidates(self, issue: date) -> dict[str, tuple[bool, str | None]]:
        """Papers earlier issues had as candidates: ``{id: (written into the file, decision)}``."""
        rows = self.conn.execute("SELECT paper_id, max(written), max(decision) FROM candidates WHERE issue < ?"
                                 " GROUP BY paper_id", (issue.isoformat(),))  # fmt: skip
        return {r[0]: (bool(r[1]), r[2]) for r in rows}

    def last_row(self) -> int:
        """The newest paper row (rowids only grow): papers stored later have a higher one."""
        return int(self.conn.execute("SELECT coalesce(max(rowid), 0) FROM papers").fetchone()[0])

    def record_draft(self, issue: date, ran_at: datetime, cutoff: datetime, pool: Iterable[str],
                     written: Iterable[str], seen: int = 0) -> None:  # fmt: skip
        """Remember a run of `digest new`: its time, its cut-off, the last row it saw, its candidates,
        what it wrote."""
        day, ran, cut = issue.isoformat(), utc_iso(ran_at), utc_iso(cutoff)
        with self.transaction() as c:
            c.execute("INSERT INTO drafts (issue, first_run, last_run, cutoff, seen) VALUES (?, ?, ?, ?, ?)"
                      " ON CONFLICT (issue) DO UPDATE SET last_run = max(last_run, excluded.last_run),"
                      " cutoff = max(cutoff, excluded.cutoff), seen = max(seen, excluded.seen)",
                      (day, ran, ran, cut, seen))  # fmt: skip
            c.executemany("INSERT OR IGNORE INTO candidates (issue, paper_id) VALUES (?, ?)", [(day, p) for p in pool])
            c.executemany("INSERT INTO candidates (issue, paper_id, written) VALUES (?, ?, 1)"
                          " ON CONFLICT (issue, paper_id) DO UPDATE SET written = 1", [(day, p) for p in written])  # fmt: skip

    # -- key/value ---------------------------------------------------------------
    def get_value(self, key: str) -> str | None:
        """A cached value (RSS validators, seed resolutions: ``namespace:key``)."""
        r = self.conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return r[0] if r else None

    def set_value(self, key: str, value: str | None) -> None:
        """Set (or with None, delete) a cached value."""
        with self.transaction() as c:
            if value is None:
                c.execute("DELETE FROM kv WHERE key = ?", (key,))
            else:
                c.execute("INSERT OR REPLACE INTO kv (key, value, updated_at) VALUES (?, ?, ?)", (key, value, _now()))

    def values(self, prefix: str) -> dict[str, str]:
        """Every cached value whose key starts with ``prefix``."""
        rows = self.conn.execute("SELECT key, value FROM kv WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
        return dict(rows.fetchall())

    # -- stats -------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """What the store holds: papers, versions, categories, date range, windows."""
        c = self.conn
        papers = c.execute("SELECT count(*), min(published), max(published) FROM papers").fetchone()
        versions = c.execute("SELECT coalesce(sum(json_array_length(versions)), 0) FROM papers").fetchone()[0]
        cats = c.execute(
            "SELECT category, count(*) FROM paper_categories GROUP BY category ORDER BY count(*) DESC, category"
        ).fetchall()
        via = c.execute("SELECT source, count(*) FROM papers GROUP BY source ORDER BY source").fetchall()
        return {
            "path": str(self.path),
            "schema_version": self.schema_version,
            "papers": papers[0],
            "versions": versions,
            "published_from": papers[1],
            "published_to": papers[2],
            "sources": dict(via),
            "categories": dict(cats),
            "windows": [
                {"via": w.via, "since": w.since.isoformat(), "until": w.until.isoformat(), "complete": w.complete,
                 "fetched": w.fetched, "total": w.total}
                for w in self.windows()
            ],  # fmt: skip
        }


SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_NOTADB = 5, 6, 8, 10, 11, 13, 26
"""SQLite's primary result codes (an extended code's low byte, e.g. SQLITE_IOERR_WRITE = 778)."""
FULL_BELOW = 1 << 20
"""Less free space than this (1 MiB) beside the store: an I/O error there is a full disk."""


def store_problem(path: Path, exc: BaseException) -> str:
    """One line saying what went wrong with the store at ``path``, and what to do.

    It says what is true, and its advice never loses data a retry would keep: a full disk
    and an I/O error leave the store as it was (free space, or retry and check the disk);
    only a file SQLite cannot read as a database, or one that fails ``PRAGMA
    integrity_check``, is called broken, and then the advice is to move it aside, never
    to delete it.
    """
    text = str(exc)
    code = _primary(exc)
    if code in (SQLITE_BUSY, SQLITE_LOCKED) or "locked" in text:
        return f"{path}: the store failed ({text}); another digest command is using it; try again when it has finished"
    if code == SQLITE_READONLY or "readonly" in text or "read-only" in text:
        return f"{path}: the store failed ({text}); the file or its folder is not writable"
    full = code == SQLITE_FULL or "database or disk is full" in text or getattr(exc, "errno", None) == errno.ENOSPC
    if full or ((code == SQLITE_IOERR or "disk I/O error" in text) and _disk_full(path)):
        return (f"{path}: the disk is full ({text}); the store is intact and kept as it was:"
                f" free some space on the disk that holds {path.parent} and run the command again")  # fmt: skip
    if code == SQLITE_IOERR or "disk I/O error" in text or isinstance(exc, OSError):
        return (f"{path}: a disk I/O error reading or writing the store ({text}); it is kept as it was:"
                " run the command again, and if it keeps failing check the disk (free space, `dmesg`)")  # fmt: skip
    problem = str(exc) if code == SQLITE_NOTADB else _integrity_problem(path)
    if problem:
        detail = text if problem == text else f"{text}; integrity_check: {problem}"
        return (f"{path}: not a usable digest store ({detail}); move it aside (mv {path} {path}.broken)"
                " and run `digest fetch` to build a new one")  # fmt: skip
    return (f"{path}: the store failed ({text}); it passes `PRAGMA integrity_check` and is kept as it was:"
            " run the command again")  # fmt: skip


def _primary(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _disk_full(path: Path) -> bool:
    """Whether the file system holding ``path`` has (almost) no space left for this user."""
    try:
        st = os.statvfs(path.parent if path.parent.exists() else Path.cwd())
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < FULL_BELOW


def _integrity_problem(path: Path) -> str | None:
    """The first problem ``PRAGMA integrity_check`` finds in the store at ``path``; None when it
    finds none, or cannot run (a store that cannot be checked is not called broken)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
        try:
            first = conn.execute("PRAGMA integrity_check(1)").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc) if _primary(exc) in (SQLITE_CORRUPT, SQLITE_NOTADB) else None
    if not first or first[0] == "ok":
        return None
    lines = [line.strip() for line in str(first[0]).splitlines() if line.strip() and not line.startswith("***")]
    return "; ".join(lines) or "fails"


def _translated(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise StoreError(store_problem(self.path, exc)) from None

    return call


# SQLite errors after opening (a locked, read-only or damaged file) reach the user as one line.
for _name in ("upsert", "get_many", "versions", "papers", "index", "search", "count", "window", "save_window",
              "windows", "covered", "get_value", "set_value", "values", "stats", "announced", "count_announced", "draft",
              "previous_draft", "pooled_before", "proposed", "pool", "last_row", "record_draft", "decide", "decisions",
              "earlier_candidates"):  # fmt: skip
    setattr(Store, _name, _translated(getattr(Store, _name)))
