"""What a build remembers between runs: the state folder's names, `IssueRecord` (one issue as
the index, the feed and the next build know it) and the manifest file that keeps them.

May import: config, errors, files, paper (nothing else of archive's: `jobs`, `index` and the
build import this).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

STATE_DIR = ".digest"


MANIFEST = f"{STATE_DIR}/manifest.json"


ENTRIES = f"{STATE_DIR}/entries"


LOCK = f"{STATE_DIR}/build.lock"


MANIFEST_VERSION = 4


RACY_NS = 2_000_000_000
"""A file changed this recently (2 s: coarse file-system clocks) is hashed, not trusted by its stat."""


PUBLISHED = (None, "ready")
"""The statuses `digest build` publishes: ``ready``, and none at all (archives from before statuses)."""


@dataclass
class IssueRecord:
    """What the index, the feed and the next build need to know about one issue."""

    stem: str
    date: str
    title: str
    headline: str
    source: str
    """sha256 of the issue file's bytes."""
    stat: list[int] = field(default_factory=list)
    """[size, mtime_ns, ctime_ns, inode] of the file when ``source`` was hashed: the same again,
    it is not re-read. Empty for a file changed less than `RACY_NS` before the build, whose
    next change could keep every one of these (it is hashed again next time, as git does)."""
    key: str = ""
    papers: int = 0
    """Papers in the rendered issue (unannotated ones left out)."""
    fill_ids: list[str] = field(default_factory=list)
    """Base ids of the papers whose metadata the issue file lacks: only these are looked up in
    the store and the seeds, and only their data there is part of the key (a `digest new`
    draft has none)."""
    outputs: list[str] = field(default_factory=list)
    status: str | None = None
    """The front matter's ``status`` (None when absent); see `PUBLISHED`."""
    shown: str = ""
    """Hash of what the index shows of the issue: the index is rendered again when one changes."""
    ids: list[str] = field(default_factory=list)
    """Base ids of every paper section, rendered or not (kept beside the feed entry, not in the manifest)."""
    covered: list[list[Any]] = field(default_factory=list)
    """``[id, line, title, annotated]`` per paper section, the title as the issue shows it
    (kept beside the feed entry, not in the manifest)."""

    @property
    def published(self) -> bool:
        return self.status in PUBLISHED


SAVED = tuple(f.name for f in dataclasses.fields(IssueRecord) if f.name not in ("ids", "covered"))
"""The fields the manifest keeps per issue (``ids`` and ``covered``, most of its size, are in
``.digest/entries/<stem>.json`` and read only when the index is rendered)."""
