"""A line per run in ``.digest/runs.log``, so a cron job that said nothing still left a trace.

    2022-10-23T06:00:03+00:00  new --date 2022-10-23  exit 0  4.2 s  drafted 40 candidates ...

Each line is written with one ``O_APPEND`` write, so runs never interleave
within a line. Failing to log is never an error for the run itself.
"""

from __future__ import annotations

import logging
import os
import shlex
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger(__name__)

LOG_NAME = "runs.log"


def log_path(root: Path) -> Path:
    return Path(root) / ".digest" / LOG_NAME


def record(root: Path, argv: Sequence[str], code: int, seconds: float, summary: str = "") -> Path | None:
    """Append one line for a finished run; returns the log's path, or None if it could not be written."""
    path = log_path(root)
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    summary = " ".join(summary.split())
    line = f"{stamp}  {shlex.join(argv)}  exit {code}  {seconds:.1f} s  {summary}".rstrip() + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("%s: cannot write the run log (%s)", path, exc.strerror)
        return None
    return path


def read(root: Path) -> list[str]:
    """The logged lines, oldest first (empty when there is no log)."""
    try:
        return log_path(root).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
