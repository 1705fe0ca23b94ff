"""Writing files so that nothing is ever half-written.

May import: nothing (the foundation every other part stands on).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path


def write_atomic(path: str | Path, data: str | bytes, *, durable: bool = True) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    Readers see the old file or the new one, never a part. With ``durable``
    the data is also on disk before the rename (fsync); a caller writing many
    files may pass False and call `sync_all` once before recording them.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(tmp, flags, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o644)
    try:
        try:  # plain os calls: an archive build writes thousands of files
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o777)  # keep the mode of the file replaced
        except FileNotFoundError:
            pass
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if (named := _named(exc, path)) is exc:
            raise
        raise named from None


def _named(exc: BaseException, path: Path, tmp: Path | None = None) -> BaseException:
    """``exc`` naming the file being written: a write to a full disk (or past ``ulimit -f``)
    fails in `os.write`, whose error names no file, and one creating the temp file ``tmp``
    names that hidden file, not the one the user knows."""
    if isinstance(exc, OSError) and exc.errno is not None and (
            exc.filename is None or (tmp is not None and exc.filename == str(tmp))):  # fmt: skip
        return OSError(exc.errno, exc.strerror, str(path))  # the same subclass (FileNotFoundError, ...)
    return exc


def write_if_unchanged(path: str | Path, data: bytes, expected: bytes | None) -> bool:
    """Write ``data`` atomically only if ``path`` still holds ``expected`` (None: does not exist).

    The file is compared just before the rename, after the new bytes are on disk,
    so a save made by an editor in the meantime is never overwritten: the
    caller gets False, nothing is written, and it composes again over the save.
    A ``path`` that is a symlink (the editor's copy in a synced folder) is written
    through: the file it names is replaced, the link stays a link; a link to nothing
    (a folder not mounted) is refused, never written around.

    Not covered: a save that lands in the microseconds between the compare and the
    rename (an editor writing in place into the file just replaced, or renaming its
    own temp file over it) goes to the file digest replaced.
    """
    link = path = Path(path)
    linked = os.path.islink(link)
    if linked:
        path = Path(os.path.realpath(link))
        if not path.exists():
            why = "restore the file or remove the link" if path.parent.is_dir() else "is its folder mounted?"
            raise FileNotFoundError(errno.ENOENT, f"a symlink to {path}, which does not exist ({why});"
                                    " nothing written", str(link))  # fmt: skip
    payload = data
    tmp = path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp"
    try:
        if not linked:  # a link's folder is the editor's: never made here
            path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as exc:  # named by the issue, not by the hidden temp file
        raise _named(exc, link, tmp) from None
    try:
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            current: bytes | None = path.read_bytes()
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        except FileNotFoundError:
            current = None
        if current != expected:
            tmp.unlink(missing_ok=True)
            return False
        if expected is None:
            os.link(tmp, path)  # fails if the editor created the file just now: never replace it
            tmp.unlink()
        else:
            os.replace(tmp, path)
        return True
    except FileExistsError:
        tmp.unlink(missing_ok=True)
        return False
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if (named := _named(exc, link)) is exc:
            raise
        raise named from None


def sync_all(paths: list[Path] | None = None) -> None:
    """Flush files written without ``durable`` to disk, before recording that they exist.

    A few ``paths`` (and their folders) are fsynced one by one; many, or None, are
    flushed with one `os.sync`, which is far cheaper than thousands of fsyncs but
    also waits for whatever else the system has not written yet.
    """
    if paths is None or len(paths) > SYNC_ONE_BY_ONE:
        os.sync()
        return
    folders = {p.parent for p in paths}
    folders |= {f.parent for f in folders}  # a folder made for them is an entry in its parent
    for path in [*paths, *folders]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


SYNC_ONE_BY_ONE = 64
"""Up to this many files are fsynced one by one (an incremental build: one issue's files)."""
