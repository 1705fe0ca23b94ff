"""One `digest new` at a time per newsletter: an exclusive `fcntl.flock` on ``.digest/new.lock``.

    with newsletter_lock(settings.root):
        ...   # read the issue, draft, write

A second run waits up to ``WAIT_SECONDS`` for the first, then raises
`LockedError` (exit 1) saying who holds the lock. The lock is released when
the holder exits, however it exits (the kernel drops a process's flocks), so
a crashed run never leaves a stale lock behind.

May import: errors.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from digest.errors import DigestError

WAIT_SECONDS = 10.0
"""How long a second run waits for the first before giving up."""
LOCK_NAME = "new.lock"


class LockedError(DigestError):
    """Another run holds the newsletter's lock."""


@contextmanager
def newsletter_lock(root: Path, wait: float | None = None, name: str = LOCK_NAME) -> Iterator[Path]:
    """Hold the exclusive lock of the newsletter in ``root`` for the ``with`` block."""
    wait = WAIT_SECONDS if wait is None else wait

    def busy(path: Path) -> DigestError:
        return LockedError(f"{path}: another digest run{_holder(path)} is drafting this newsletter;"
                           f" waited {wait:g} s. Try again when it has finished")  # fmt: skip

    with exclusive_lock(Path(root) / ".digest" / name, wait, busy) as path:
        yield path


@contextmanager
def exclusive_lock(path: Path, wait: float, busy: Callable[[Path], DigestError]) -> Iterator[Path]:
    """Hold an exclusive ``flock`` on ``path`` (created with its folder) for the ``with`` block.

    Waits up to ``wait`` seconds for another holder, then raises ``busy(path)``. The file
    holds the holder's pid and since when, for that message; the kernel drops the lock
    when the holder ends, however it ends.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise busy(path) from None
                # waiting for another process to let go: there is no event to wait on
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {stamp}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def holder_pid(path: Path) -> str | None:
    """The pid written in a lock file, if any."""
    try:
        pid = path.read_text(encoding="utf-8").split(maxsplit=1)
    except OSError:
        return None
    return pid[0] if pid and pid[0].isdigit() else None


def _holder(path: Path) -> str:
    try:
        pid, _, since = path.read_text(encoding="utf-8").strip().partition(" ")
    except OSError:
        return ""
    return f" (pid {pid}, since {since})" if pid.isdigit() else ""
