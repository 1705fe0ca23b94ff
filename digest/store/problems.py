"""What went wrong with the store, said in one line: `StoreError` and `store_problem`.

SQLite reports busy, read-only, full, I/O and corruption errors alike as
``DatabaseError``; `store_problem` tells them apart (result codes, free disk
space, ``PRAGMA integrity_check``) so the advice never loses data a retry would
keep. `translated` wraps the store's methods so any such error reaches the user
as that line.
"""

from __future__ import annotations

import errno
import functools
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from digest.errors import DigestError


class StoreError(DigestError):
    """The store could not do what was asked: busy, read-only, a full disk, an I/O error, a
    broken file or one written by a newer digest (`store_problem` says which)."""


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


def translated(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` of the store with SQLite errors raised as `StoreError` (one line, `store_problem`)."""

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise StoreError(store_problem(self.path, exc)) from None

    return call
