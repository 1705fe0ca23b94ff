"""What is on disk before a build: the output folder's names, the issue files, and which of
those changed since the manifest was written.

Cheap by design: names from a few directory listings (not a stat per output), and an issue
file whose size, times and inode match the manifest is not read again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from digest.archive.keys import sha
from digest.archive.manifest import ENTRIES, SAVED, STATE_DIR, IssueRecord
from digest.archive.report import BuildResult
from digest.errors import InputError

log = logging.getLogger(__name__)

STRAY_TMP = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")
"""`digest.files.write_atomic`'s temporary files (``.<name>.<12 hex>.tmp``): only these are cleaned up."""
TMP_GRACE_S = 2.0
"""A temporary file in the output folder younger than this may be a `digest render` writing now."""
_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})\.md$")


def listing(out: Path) -> tuple[set[str], list[Path]]:
    """The names in ``out``, ``out/.digest`` and ``out/.digest/entries`` (three listings, not
    a stat per output), after removing the temporary files a killed build left there (see
    `_remove_stray`)."""
    existing: set[str] = set()
    removed: list[Path] = []
    young = time.time() - TMP_GRACE_S
    for folder, prefix in ((out, ""), (out / STATE_DIR, f"{STATE_DIR}/"), (out / ENTRIES, f"{ENTRIES}/")):
        try:
            names = os.listdir(folder)  # names only: thousands of outputs, no object per entry
        except OSError:
            continue
        for name in names:
            if name[0] == "." and name.endswith(".tmp") and STRAY_TMP.match(name):
                if _remove_stray(folder / name, shared=folder == out, young=young):
                    removed.append(folder / name)
                    continue
            existing.add(prefix + name)
    return existing, removed


def _remove_stray(path: Path, shared: bool, young: float) -> bool:
    """Remove a temporary file (``.<name>.<hex>.tmp``, the pattern of `digest.files.write_atomic`
    and nothing else) a killed build left. Under the build lock, those in ``.digest/`` are a
    dead build's; in the output folder, where `digest render` writes too, only those older
    than `TMP_GRACE_S`."""
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or (shared and st.st_mtime > young):
            return False
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def issue_files(folder: Path) -> list[tuple[str, Path, os.stat_result | OSError]]:
    """`digest.issue.history.issue_files` with each file's stat, from one listing: ``(stem, path,
    stat or the error)``, oldest first. Names and a stat each: no object per file until needed."""
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    base = str(folder)
    for name in names:
        if len(name) != 13 or not name.endswith(".md") or not _DATED.match(name):
            continue
        try:
            st: os.stat_result | OSError = os.stat(f"{base}/{name}")
            if not stat.S_ISREG(st.st_mode):  # type: ignore[union-attr]
                continue
        except FileNotFoundError:  # gone since the listing, or a dangling link: not an issue
            continue
        except OSError as exc:
            st = exc
        try:
            date.fromisoformat(name[:10])
        except ValueError:
            log.warning("%s: the file name is not a real date; it is not treated as an issue:"
                        " rename it to the issue's date (YYYY-MM-DD.md)", folder / name)
            continue
        found.append((name[:10], st))
    found.sort(key=lambda f: f[0])
    return [(stem, folder / f"{stem}.md", st) for stem, st in found]


@dataclass
class Sources:
    """The issue files as `hash_sources` found them."""

    items: list[IssueRecord | Path | None] = field(default_factory=list)
    """Per issue file in date order: its record when the manifest knows it as it is, else its
    path (to parse; `digest.archive.windows` puts the record, or None if broken, in its place)."""
    fresh: dict[str, tuple[str, list[int]]] = field(default_factory=dict)
    """stem -> (hash, stat) of the files to parse."""
    on_disk: set[str] = field(default_factory=set)
    """Every issue file there is, broken or not."""


def hash_sources(folder: Path, cached: dict[str, Any], result: BuildResult, racy_ns: int) -> Sources:
    """Hash every issue file in ``folder``; those ``cached`` (the manifest) knows as they are keep
    their record. A file whose stat matches the manifest's is not read; one changed less than
    ``racy_ns`` ago gets no stat (hashed again next time). Unreadable files go to ``result.errors``."""
    found = Sources()
    started = time.time_ns()
    for stem, path, st in issue_files(folder):
        found.on_disk.add(stem)
        prior = cached.get(stem)
        try:
            if isinstance(st, OSError):
                raise st
            racy = started - max(st.st_mtime_ns, st.st_ctime_ns) < racy_ns
            stat_ = [] if racy else [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
            unchanged = prior and prior.get("source") and stat_ and prior.get("stat") == stat_
            source = prior["source"] if unchanged else sha(path.read_bytes())  # type: ignore[index]
        except OSError as exc:
            result.errors.append(InputError(path, None, f"cannot read the issue ({exc.strerror})"))
            continue
        if prior and prior.get("source") == source:
            found.items.append(IssueRecord(**{k: prior[k] for k in SAVED if k in prior} | {"stat": stat_}))
        else:
            found.fresh[stem] = (source, stat_)
            found.items.append(path)
    return found


def outputs_stamp(out: Path, names: list[str]) -> str:
    """A short hash of each file's name, size and mtime_ns (one stat each, nothing read), or
    ``""`` when one is missing: `IssueRecord.written`."""
    base = str(out)
    parts = []
    for name in names:
        try:
            st = os.stat(f"{base}/{name}")
        except OSError:
            return ""
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.blake2b("/".join(parts).encode(), digest_size=8).hexdigest()


def as_written(out: Path, record: IssueRecord) -> bool:
    """True when ``record``'s outputs are as the build that wrote them left them (same size and
    time): a file `digest render` wrote over, one edited, or one gone makes the issue render again."""
    return bool(record.outputs and record.written) and outputs_stamp(out, record.outputs) == record.written


def images_as_seen(folder: Path, out: Path, record: IssueRecord) -> bool:
    """True when every local image ``record``'s notes show is as the last render saw it: still
    missing, or still there with the same size and time, its copy in ``out`` included."""
    for image in record.images:
        rel, size, mtime_ns, copy = image[:4]
        if _stat(folder / rel) != (size, mtime_ns):
            return False
        if copy and _stat(out / copy) != tuple(image[4:6]):
            return False
    return True


def _stat(path: Path) -> tuple[int, int]:
    """(size, mtime_ns) of a file, (-1, -1) when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return -1, -1
    return (st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else (-1, -1)
