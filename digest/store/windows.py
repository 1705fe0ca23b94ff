"""Query windows: which ``via`` + ``key`` day ranges were fetched, and how far, so a
repeated fetch costs nothing and one cut short resumes where it stopped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from digest.store.db import Database
from digest.store.rows import _now


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

    @property
    def status(self) -> str:
        """What `digest fetch` calls the window (docs/fetch.md): complete, open (read to the end,
        its days not settled yet) or incomplete (cut short: resumed at its offset next time)."""
        if self.complete:
            return "complete"
        return "open" if self.total is not None and self.next_start >= self.total else "incomplete"


class Windows(Database):
    """The store's windows (`digest.store.Store` is one)."""

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

    def open_span(self, via: str, key: str, since: date, until: date) -> tuple[date, date] | None:
        """[since, until] less the days complete windows cover at either end (None: every day is covered).
        Covered days in the middle stay: cutting them out would split one query into several."""
        spans = [(w.since, w.until) for w in self.windows(via, key, complete=True) if w.until >= since and w.since <= until]
        changed = True
        while changed and since <= until:
            changed = False
            for s, u in spans:
                if s <= since <= u:
                    since, changed = date.fromordinal(u.toordinal() + 1), True
                if since <= until and s <= until <= u:
                    until, changed = date.fromordinal(s.toordinal() - 1), True
        return (since, until) if since <= until else None

    def covered(self, via: str, key: str, since: date, until: date) -> bool:
        """True if complete windows together cover every day of [since, until]."""
        return self.open_span(via, key, since, until) is None
