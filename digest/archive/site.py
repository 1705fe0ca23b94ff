"""The archive-wide files of a build: ``feed.xml`` and ``index.html``, each written only when
what it shows changed, and the outputs of issues that are gone or not published removed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
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
from digest.render.images import IMAGE_TYPES

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


def prune(
    out: Path, gone: dict[str, Any], drafts: Iterable[str] = (), existing: set[str] | frozenset[str] = frozenset()
) -> list[Path]:
    """Delete the outputs this archive wrote for issues whose source file is gone, or that are
    no longer published (a ``status: draft`` put back): the files the manifest lists.

    And for every unpublished issue (``drafts``), every build, whatever the manifest says: its
    files of every format, and the images in its folder (``out/<stem>/``), which `digest
    render` writes into ``build/`` too. ``existing`` (the output folder's names) spares a
    stat per draft with nothing there."""
    removed = []
    for stem, record in gone.items():
        # the issue page of manifest v1 was kept beside its entry
        names = [*record.get("outputs", []), entry_name(stem), side_name(stem), f"{ENTRIES}/{FORMATS['html'].filename(stem)}"]
        names += sorted(_copies(record.get("images", [])))
        removed += _unlink(out, names)
        _remove_empty(out / stem)
    for stem in drafts:
        names = [spec.filename(stem) for spec in FORMATS.values()]
        removed += _unlink(out, [name for name in names if name in existing])
        if stem in existing:
            removed += _remove_images(out, out / stem)
    return removed


def prune_images(out: Path, old_issues: dict[str, Any], rendered: Iterable[Any]) -> list[Path]:
    """Delete the image copies the last build made for an issue rendered again (``rendered``:
    its `IssueRecord`) that its notes no longer show (the image was taken out of the notes,
    renamed, or its file is gone), then the folders left empty. Only copies the manifest
    lists (``old_issues``) are touched: nothing digest did not put there."""
    removed = []
    for record in rendered:
        before = _copies(old_issues.get(record.stem, {}).get("images", []))
        stale = sorted(before - _copies(record.images))
        prefix = f"{record.stem}/"
        names = [n for n in stale if n.startswith(prefix) and Path(n).suffix.lower() in IMAGE_TYPES]
        if names:
            removed += _unlink(out, names)
            _remove_empty(out / record.stem)
    return removed


def _copies(images: Any) -> set[str]:
    """The copies' names (under the output folder) in `IssueRecord.images`."""
    if not isinstance(images, list):
        return set()
    return {i[3] for i in images if isinstance(i, list) and len(i) > 3 and isinstance(i[3], str) and i[3]}


def _unlink(out: Path, names: list[str]) -> list[Path]:
    removed = []
    for name in names:
        path = out / name
        if path.is_file() and path.resolve().parent.is_relative_to(out):
            path.unlink()
            removed.append(path)
    return removed


def _remove_images(out: Path, folder: Path) -> list[Path]:
    """The image files under ``folder`` (an issue's, in the output folder), then the folders
    left empty; anything else there is not digest's and stays."""
    if folder.is_symlink() or not folder.is_dir():
        return []
    removed = []
    for root, _dirs, files in os.walk(folder):  # links to folders are not followed
        for name in files:
            path = Path(root) / name
            if path.suffix.lower() in IMAGE_TYPES and (path.is_symlink() or path.is_file()):
                path.unlink()
                removed.append(path)
    _remove_empty(folder)
    return removed


def _remove_empty(folder: Path) -> None:
    """``folder`` and the folders in it, if nothing is left in them."""
    if folder.is_symlink() or not folder.is_dir():
        return
    for root, _dirs, _files in sorted(os.walk(folder), key=lambda w: -len(w[0])):
        try:
            os.rmdir(root)
        except OSError:  # not empty
            pass
