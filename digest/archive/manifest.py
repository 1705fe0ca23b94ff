"""What a build remembers between runs: the state folder's names, `IssueRecord` (one issue as
the index, the feed and the next build know it), the manifest file that keeps the records,
and each issue's kept files beside it (its feed entry and the index's data about it).

Imports nothing of archive's: every other module of the package builds on this one.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.files import write_atomic

INDEX_NAME = "index.html"
"""The archive's front page, in the output folder."""
FEED_NAME = "feed.xml"
"""The Atom feed, in the output folder."""
STATE_DIR = ".digest"


MANIFEST = f"{STATE_DIR}/manifest.json"


ENTRIES = f"{STATE_DIR}/entries"


LOCK = f"{STATE_DIR}/build.lock"


MANIFEST_VERSION = 5


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
    written: str = ""
    """A short hash of each of ``outputs``' name, size and mtime_ns as the build left it
    (`digest.archive.scan.outputs_stamp`): when a file differs (a `digest render` wrote over
    it, an edit, or it is gone) the issue is rendered again. One string, not a list per file:
    the manifest is read by every build."""
    images: list[list[Any]] = field(default_factory=list)
    """``[path, size, mtime_ns, copy, copy_size, copy_mtime_ns]`` per local image the notes show
    (`digest.render.images`): the file relative to the issues folder and its size and time when
    rendered, then its copy in the output folder and the copy's (``[path, -1, -1, ""]`` for
    an image that was not there). An image that appears, goes or changes renders the issue
    again, as does a copy that differs."""
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


def entry_name(stem: str) -> str:
    """The issue's kept feed ``<entry>``, relative to the output folder."""
    return f"{ENTRIES}/{stem}.xml"


def side_name(stem: str) -> str:
    """The issue's kept index data (``ids`` and ``covered``), relative to the output folder."""
    return f"{ENTRIES}/{stem}.json"


def read_side(out: Path, stem: str) -> dict[str, Any]:
    """What `side_name` holds, or ``{}`` when it is missing or unreadable."""
    try:
        data = json.loads((out / side_name(stem)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_manifest(path: Path) -> dict[str, Any]:
    """The last build's manifest. One written by another version of digest keeps only each
    issue's outputs: nothing is reused from it, but the files of issues deleted since can
    still be removed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("issues"), dict):
        return {}
    if data.get("version") == MANIFEST_VERSION:
        return data
    return {"issues": {
        stem: {"outputs": [o for o in rec.get("outputs", []) if isinstance(o, str)], "source": "", "key": ""}
        for stem, rec in data["issues"].items() if isinstance(rec, dict)
    }}  # fmt: skip


def save_manifest(out: Path, manifest: dict[str, Any], old: dict[str, Any]) -> None:
    """Write ``manifest`` unless it is the one on disk already (nothing changed: nothing written)."""
    if manifest != old or not (out / MANIFEST).is_file():
        write_atomic(out / MANIFEST, json.dumps(manifest, separators=(",", ":")))


def next_manifest(
    gkey: str, index_key: str, feed_key: str, records: list[IssueRecord], on_disk: set[str], old_issues: dict[str, Any]
) -> dict[str, Any]:
    """The manifest this build leaves: ``records`` (every issue settled but those that failed to
    render), and for an issue file broken now, what it built before, kept so its outputs can
    still be removed, with no key, so that it is parsed again next time."""
    issues = {r.stem: {k: getattr(r, k) for k in SAVED} for r in records}
    for stem in on_disk - issues.keys():
        if stem in old_issues:
            issues[stem] = {**old_issues[stem], "source": "", "key": ""}
    return {"version": MANIFEST_VERSION, "global": gkey, "index": index_key, "feed": feed_key, "issues": issues}
