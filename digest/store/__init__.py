"""The local store: one SQLite file (``.digest/store.sqlite``) of `Paper` records.

One row per paper, keyed by the id without version. A newer version replaces
an older one and every version seen is kept in ``versions``. The store also
remembers which query windows were fetched completely (so a repeated fetch
costs nothing), each run of `digest new` and the editor's triage decisions, a
small key/value table (RSS ETags, seed-resolution caches) and an FTS5 index
over title and abstract for text lookups.

Every write runs in a transaction: a crash never leaves half a page stored.
The schema is versioned with ``PRAGMA user_version`` and migrated in place.

The package owns the store file and everything in it. `Store` is assembled here
from one module per part: `db` (connection, transactions, key/value), `papers`,
`windows`, `drafts` (announcements, drafts, candidates); `rows` holds the schema
and the row <-> `Paper` mapping, `problems` turns SQLite errors into one line.

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock.
"""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path
from typing import Any

from digest.store.drafts import Draft, Drafts
from digest.store.papers import Papers, UpsertCounts
from digest.store.problems import StoreError, store_problem, translated
from digest.store.rows import MIGRATIONS, SCHEMA_VERSION, merge, sql_functions, utc_iso
from digest.store.windows import Window, Windows

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Draft", "Store", "StoreError", "UpsertCounts", "Window", "merge",
           "suggested_headline_key",
           "store_problem", "utc_iso"]  # fmt: skip


class Store(Papers, Windows, Drafts):
    """The SQLite store. Open with `Store.open` (creates) or `Store.open_existing`."""

    # -- opening -----------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open the store at ``path``, creating the file and its folder if needed."""
        path = Path(path)
        _refuse_what_is_not_a_file(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the store ({exc}); check paths.store in digest.toml") from None
        return cls._ready(conn, path)

    @classmethod
    def open_existing(cls, path: str | Path) -> Store | None:
        """Open the store at ``path`` if the file exists, else None (nothing is created). Something
        else there (a folder) is a `StoreError`, never "no store yet"."""
        path = Path(path)
        if not path.is_file():
            _refuse_what_is_not_a_file(path)
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
        except StoreError:
            conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            conn.close()
            # Busy, full, an I/O error: not broken, and moving it away would lose it. Only a
            # file SQLite cannot read as a database, or one that fails its integrity check, is.
            raise StoreError(store_problem(path, exc)) from None
        return store

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        names = [r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            " ORDER BY name")]  # fmt: skip
        # digest's own: none yet (version 0, no table), or its papers table; a newer digest's with no table is
        # said to be newer below
        if version < 0 or (names and "papers" not in names) or (names and version == 0) or (
                0 < version <= SCHEMA_VERSION and not names):  # fmt: skip
            # another program's database (paths.store pointing at the wrong file), whatever schema
            # version it keeps: never write digest's tables into it
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            held = f"it holds the table{'s' if len(names) > 1 else ''} {shown}" if names else "it holds no table"
            raise StoreError(f"{self.path}: not a digest store ({held}); set paths.store in digest.toml to another file")
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
                 "status": w.status, "fetched": w.fetched, "total": w.total}
                for w in self.windows()
            ],  # fmt: skip
        }


# SQLite errors after opening (a locked, read-only or damaged file) reach the user as one line.
for _name in ("upsert", "get_many", "versions", "papers", "index", "search", "count", "window", "save_window",
              "windows", "covered", "get_value", "set_value", "values", "stats", "announced", "count_announced", "draft",
              "previous_draft", "pooled_before", "proposed", "pool", "last_row", "record_draft", "decide", "decisions",
              "earlier_candidates"):  # fmt: skip
    setattr(Store, _name, translated(getattr(Store, _name)))


def _refuse_what_is_not_a_file(path: Path) -> None:
    """Raise `StoreError` when something that is not a file (or a link to one) is at ``path``:
    SQLite would fail on it with an unhelpful "unable to open database file", and reading
    it as "no store yet" would say what is not true."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # nothing there (or a link to nothing, which SQLite creates through): not a store yet
    if stat.S_ISDIR(mode):
        raise StoreError(f"{path}: is a folder, not a digest store; move it aside (or set paths.store in digest.toml)")
    if not stat.S_ISREG(mode):
        raise StoreError(f"{path}: is not a regular file, not a digest store; move it aside (or set paths.store in digest.toml)")


def suggested_headline_key(day: str) -> str:
    """Where `digest new` keeps the headline it suggested for the issue of ``day``."""
    return f"suggested-headline:{day}"
