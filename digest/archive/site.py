"""The archive-wide files of a build: ``feed.xml`` and ``index.html``, each written only when
what it shows changed, and the outputs of issues that are gone or no longer published removed.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from digest.archive.feed import feed_document
from digest.archive.index import index_context, render_index
from digest.archive.keys import sha
from digest.archive.manifest import ENTRIES, FEED_NAME, INDEX_NAME, entry_name, read_side, side_name
from digest.archive.report import BuildResult
from digest.config import Settings
from digest.files import write_atomic
from digest.render import FORMATS

log = logging.getLogger(__name__)


def write_feed(settings: Settings, out: Path, result: BuildResult, gkey: str, old_key: str | None, force: bool) -> str:
    """``feed.xml``: the latest ``feed_entries`` published issues (0: all), joined from their kept
    entries, and only when one of those changed. Returns the feed's key, for the manifest."""
    limit = int(getattr(settings, "feed_entries", 0) or 0)
    newest = sorted(result.issues, key=lambda r: (r.date, r.stem), reverse=True)
    if limit > 0:
        newest = newest[:limit]
    key = sha(gkey, str(limit), *(f"{r.stem}:{r.key}" for r in newest))
    path = out / FEED_NAME
    if force or key != old_key or not path.is_file():
        if not settings.url.strip() and newest:
            log.warning("feed.xml: set `url` in digest.toml (where build/ is published) for absolute links and ids")
        entries = [(out / entry_name(r.stem)).read_text(encoding="utf-8") for r in newest]
        _write_if_changed(path, feed_document(settings, date.fromisoformat(newest[0].date) if newest else None, entries), result)
    return key


def write_index(settings: Settings, out: Path, result: BuildResult, gkey: str, old_key: str | None, force: bool) -> str:
    """``index.html``, rendered again only when what it shows changed (titles, headlines,
    paper counts, papers, formats): an edit to an issue's notes leaves it as it was.
    Returns the index's key, for the manifest."""
    key = sha(gkey, *(r.shown for r in result.issues))
    path = out / INDEX_NAME
    if force or key != old_key or not path.is_file():
        for r in result.issues:
            if r.stem not in result.rendered:  # its papers are beside its feed entry
                side = read_side(out, r.stem)
                r.ids, r.covered = side.get("ids", []), side.get("covered", [])
        _write_if_changed(path, render_index(settings, index_context(settings, result.issues)), result)
    return key


def _write_if_changed(path: Path, text: str, result: BuildResult) -> None:
    """Write ``text`` unless the file holds it already (its time then stays, for rsync and caches)."""
    data = text.encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass
    write_atomic(path, data)
    result.written.append(path)


def prune(out: Path, gone: dict[str, Any]) -> list[Path]:
    """Delete the outputs this archive wrote for issues whose source file is gone, or that are
    no longer published (a ``status: draft`` put back)."""
    removed = []
    for stem, record in gone.items():
        # the issue page of manifest v1 was kept beside its entry
        names = [*record.get("outputs", []), entry_name(stem), side_name(stem), f"{ENTRIES}/{FORMATS['html'].filename(stem)}"]
        for name in names:
            path = out / name
            if path.is_file() and path.resolve().parent.is_relative_to(out):
                path.unlink()
                removed.append(path)
    return removed
