"""The errors a user can cause, and the exit code each one means.

Core modules raise these and never print or exit; `digest.cli` turns them
into one line on stderr and the exit code below (0 ok, 1 fixable input,
2 usage or bad settings, 3 arXiv or a feed unavailable, so cron may retry).

May import: nothing (the foundation every other part stands on).
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    UNAVAILABLE = 3


class DigestError(Exception):
    """Base of every error meant for the user: its text is one complete line."""

    exit_code = ExitCode.ERROR


class InputError(DigestError):
    """A file the user wrote is wrong: `FILE:LINE: what is wrong`."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type, tuple[str, int | None, str]]:
        # Crosses a process pool intact (a build worker returns it as it is), as arxiv.py's errors do.
        return (type(self), (self.path, self.line, self.message))


class ConfigError(DigestError):
    """Settings that cannot be used; every problem is listed, one per line,
    each starting with where it is (``digest.toml: key: problem``)."""

    exit_code = ExitCode.USAGE

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:
        return (type(self), (self.problems,))


class UsageError(DigestError):
    """A command asked for something that cannot be done as asked (bad option value)."""

    exit_code = ExitCode.USAGE


class UnavailableError(DigestError):
    """arXiv or a feed could not be reached after retries; trying later may work."""

    exit_code = ExitCode.UNAVAILABLE
