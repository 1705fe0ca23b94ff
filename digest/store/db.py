"""The store's connection: transactions, closing, and the small key/value table.

`Database` is the base the store's tables build on (`digest.store.papers`,
`digest.store.windows`, `digest.store.drafts`); `digest.store.Store` opens it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from digest.store.problems import StoreError, store_problem
from digest.store.rows import _now

CACHE_KIB = 32768
"""SQLite's page cache for one connection, in KiB (its default is 2000)."""


class Database:
    """One open SQLite connection to the store file at ``path``."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._depth = 0
        # Memory only (durability is untouched): a page of 2000 papers dirties ~8 MB of table and
        # index pages; with SQLite's default 2 MB cache they spill to the WAL mid-transaction,
        # which made storing a page take twice as long (bench_fetch).
        try:
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        except sqlite3.DatabaseError:
            pass  # not a database: `Store.open` says so in one line, from its first real statement

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
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
