"""Writing files: a reader sees the old file or the new one, never a part."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from digest import files
from digest.files import write_atomic


def test_writes_into_folders_that_do_not_exist_yet(tmp_path: Path) -> None:
    target = tmp_path / "build" / ".digest" / "entries" / "2022-10-23.html"
    write_atomic(target, "<p>Émile</p>\n", durable=False)
    assert target.read_text(encoding="utf-8") == "<p>Émile</p>\n"
    assert [p.name for p in target.parent.iterdir()] == ["2022-10-23.html"]  # no temporary file left


def test_replacing_a_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "issue.md"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o600)
    write_atomic(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_file_whole_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "issue.md"
    target.write_text("the editor's notes\n", encoding="utf-8")

    def disk_full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "write", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "x" * 100_000)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "the editor's notes\n"
    assert [p.name for p in tmp_path.iterdir()] == ["issue.md"]


def test_large_payloads_are_written_whole(tmp_path: Path) -> None:
    payload = os.urandom(3_000_000)
    write_atomic(tmp_path / "big.bin", payload, durable=False)
    assert (tmp_path / "big.bin").read_bytes() == payload


def test_sync_all_flushes_a_few_files_one_by_one_and_many_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(files.os, "fsync", lambda fd: calls.append("fsync"))
    monkeypatch.setattr(files.os, "sync", lambda: calls.append("sync"))
    few = [tmp_path / "a" / f"{n}.html" for n in range(3)]
    for path in few:
        write_atomic(path, "x", durable=False)
    files.sync_all(few)
    assert calls == ["fsync"] * 5  # three files, their folder and its parent
    calls.clear()
    files.sync_all(few * 30)
    assert calls == ["sync"]
