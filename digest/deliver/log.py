"""The send log: one line per reader a message was delivered to, so a run can be resumed.

``.digest/sent/<issue stem>.log`` holds, per delivered reader, the time, the address,
the Message-ID and the issue's ``content`` hash. `SendLog` keeps it under an exclusive
lock for a run and writes each line to disk before the next reader is tried.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from digest.errors import DigestError

if TYPE_CHECKING:
    from digest.config import Settings

SENT_DIR = Path(".digest") / "sent"
"""Send logs, one per issue, under the newsletter folder."""


@dataclass(frozen=True)
class Logged:
    """One line of a send log: a reader the server accepted a message for."""

    time: str
    address: str
    message_id: str
    content: str

    def line(self) -> str:
        return f"{self.time}  {self.address}  {self.message_id}  content={self.content}\n"

    @classmethod
    def parse(cls, line: str) -> Logged | None:
        parts = line.split()
        if len(parts) < 4 or not parts[3].startswith("content="):
            return None
        return cls(parts[0], parts[1], parts[2], parts[3].removeprefix("content="))


def log_path(settings: Settings, file: str | Path) -> Path:
    """The send log of the issue ``file``: ``.digest/sent/<stem>.log`` in the newsletter folder."""
    return settings.root / SENT_DIR / f"{Path(file).stem}.log"


def read_log(path: Path) -> dict[str, Logged]:
    """The latest logged send per reader (by `Reader.key`); empty when nothing was sent yet."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise DigestError(
            f"{path}: cannot read the send log ({exc.strerror}); without it readers could get a second copy:"
            " fix its permissions"
        ) from None
    return _parse_log(text)


def _parse_log(text: str) -> dict[str, Logged]:
    out: dict[str, Logged] = {}
    for line in text.splitlines():
        entry = Logged.parse(line)
        if entry is not None:
            out[entry.address.lower()] = entry
    return out


class SendLog:
    """The issue's send log, held under an exclusive lock for the run: one `digest send`
    of an issue at a time, so two runs cannot both send to the same reader."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self.fd = -1

    def __enter__(self) -> SendLog:
        created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise DigestError(
                f"{self.name}: another `digest send` of this issue is running; wait for it to finish"
            ) from None
        if created:  # the new file's name is on disk too, not only its lines
            for folder in (self.path.parent, self.path.parent.parent):
                dir_fd = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
        return self

    def read(self) -> dict[str, Logged]:
        chunks = []
        offset = 0
        while chunk := os.pread(self.fd, 1 << 16, offset):
            chunks.append(chunk)
            offset += len(chunk)
        data = b"".join(chunks)
        if data and not data.endswith(b"\n"):  # a line cut short by a crash: the next one starts afresh
            os.write(self.fd, b"\n")
        return _parse_log(data.decode("utf-8", errors="replace"))

    def append(self, entry: Logged) -> None:
        """One line, on disk before this returns."""
        os.write(self.fd, entry.line().encode("utf-8"))
        os.fsync(self.fd)

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)  # releases the lock

