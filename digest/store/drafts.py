"""Announcements and drafts: papers by announcement time, each run of `digest new` for an
issue (its cut-off and candidates) and the editor's triage decisions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from digest.paper import Paper
from digest.store.db import CACHE_KIB, Database
from digest.store.rows import _COLUMNS, _base, _dt, _now, _paper, utc_iso


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


SCAN_CACHE_KIB = 2000
"""SQLite's page cache while `Drafts.announced` reads a window, in KiB (SQLite's default)."""
_LEAN = "p.id, p.version, p.title, p.abstract, p.published, p.updated, p.announced"
"""The columns of a lean `Drafts.announced` read: what selecting and ranking a week need."""


def _lean_paper(r: tuple[Any, ...]) -> Paper:
    return Paper(id=r[0], version=r[1], title=r[2], abstract=r[3], published=_dt(r[4]), updated=_dt(r[5]),
                 announced=_dt(r[6]))  # fmt: skip


def _draft(r: tuple[Any, ...]) -> Draft:
    return Draft(date.fromisoformat(r[0]), datetime.fromisoformat(r[1]), datetime.fromisoformat(r[2]),
                 datetime.fromisoformat(r[3]), int(r[4]))  # fmt: skip


class Drafts(Database):
    """The store's announcements, drafts and candidates (`digest.store.Store` is one)."""

    def announced(
        self,
        *,
        after: datetime | None,
        stored_after: int | None,
        floor: datetime | None,
        until: datetime | None,
        categories: Iterable[str] | None = None,
        lean: bool = False,
    ) -> list[Paper]:
        """Papers announced after ``after`` or stored after row ``stored_after`` (`last_row`; either
        suffices, None leaves that test out), announced after ``floor`` and at/before
        ``until`` (None: no bound), in any of ``categories``. Newest announcement first.

        ``lean``: only id, version, title, abstract, published, updated and announced are read
        (the rest stay empty): what ranking a week needs, at a third of the time and memory
        for 20,000 papers (issue #16); `get_many` reads the full record of the few drafted."""
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
        cols = _LEAN if lean else ", ".join("p." + c.strip() for c in _COLUMNS.split(","))
        sql = f"SELECT {cols} FROM papers p WHERE {' AND '.join(where)} ORDER BY p.announced DESC, p.id DESC"
        row = _lean_paper if lean else _paper
        # a scan of the window through SQLite's default page cache: the store's (for writing batches)
        # would keep ~30 MB of a 20,000-paper week's pages for the rest of the run (issue #16)
        self.conn.execute(f"PRAGMA cache_size = -{SCAN_CACHE_KIB}")
        try:
            return [row(r) for r in self.conn.execute(sql, args)]
        finally:
            self.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")

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

    def drafted_after(self, issue: date) -> list[date]:
        """The dates of the issues `digest new` drafted after ``issue``, oldest first."""
        rows = self.conn.execute("SELECT issue FROM drafts WHERE issue > ? ORDER BY issue", (issue.isoformat(),))
        return [date.fromisoformat(r[0]) for r in rows]

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
