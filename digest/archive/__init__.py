"""The archive: the public site of the newsletter, built incrementally.

`build_archive` renders each published ``issues/YYYY-MM-DD.md`` into
``build/`` (every format in `digest.render.FORMATS`; the page without the
editor's tools), then writes ``build/index.html`` and ``build/feed.xml``
(the latest ``feed_entries`` issues). An issue whose front matter says
``status: draft`` is not published: not rendered, not in the index or the
feed, and every build removes its files from the output folder (`digest
render` writes there too), the images copied for it included. An issue
rendered again loses the image copies the last build made for it that its
notes no longer show.

A manifest (``build/.digest/manifest.json``) remembers, per issue, a key
hashed from everything its output depends on: the issue source, the
template files, the settings, digest's own code, the paper data the store
and the seeds hold for its papers, and its previous/next issue; beside it,
the size and time of its local images and of each file written for it. An
issue whose key is unchanged, whose images are as they were and whose
outputs are as the build wrote them (one stat each) is not rendered again,
and not even parsed: its title, headline and status come from the manifest.
A broken issue is reported and left out; the rest still builds.

Cost follows the work: changed issues are parsed and rendered a window at a
time and released once rendered, the feed holds a bounded number of
entries, and nothing is written when nothing changed, the manifest included.

The package owns the build and the site's files, from the bottom up:
`manifest` (what a build remembers: `IssueRecord`, the manifest, the kept
per-issue files), `feed` (the Atom document), `index` (the front page's
template variables), `keys` (the cache keys), `report` (`BuildResult` and
the build's warnings), `scan` (what is on disk, what changed), `papers`
(store and seed data, read as needed), `jobs` (parse and render one issue,
in worker processes), `windows` (changed issues settled a window at a time),
`site` (``index.html``, ``feed.xml``, pruning), and here the build's steps.

May import: errors, clock, ids, paper, files, tex, schedule, config, query, lock, store, issue, fetch, seeds, render.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from digest.archive.keys import global_key
from digest.archive.manifest import LOCK, MANIFEST, RACY_NS, entry_name, load_manifest, next_manifest, save_manifest
from digest.archive.report import BuildResult, say_what_was_left_out
from digest.archive.scan import hash_sources, listing
from digest.archive.site import prune, prune_images, write_feed, write_index
from digest.archive.windows import Windows
from digest.config import Settings
from digest.errors import DigestError, UsageError
from digest.files import sync_all
from digest.lock import exclusive_lock, holder_pid
from digest.render import FORMATS

__all__ = ["LOCK_WAIT", "RACY_NS", "WINDOW", "BuildResult", "build_archive"]

WINDOW = 200
"""Changed issues parsed at a time: parsed issues are held only until rendered, so a full
build's memory does not grow with the archive."""
LOCK_WAIT = 10.0
"""Seconds a build waits for another build of the same folder before giving up."""
# `RACY_NS` (from `manifest`) is read here too, at each build: a test may set it on this package.


def build_archive(
    settings: Settings,
    out_dir: Path | None = None,
    *,
    force: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Render what changed, then the index and the feed; broken issues land in ``errors``.

    ``jobs``: processes for parsing and rendering (default: one per CPU; 1 = this process).
    Without a settings file the folder is not a newsletter: nothing is created unless
    ``out_dir`` names where to build.
    """
    out = _out_folder(settings, out_dir)
    with _build_lock(out):
        existing, strays = listing(out)
        old = load_manifest(out / MANIFEST)
        result = _build(settings, out, old, existing, force=force, jobs=jobs, progress=progress)
    result.removed[:0] = strays
    return result


def _build(
    settings: Settings, out: Path, old: dict[str, Any], existing: set[str], *,
    force: bool, jobs: int | None, progress: Callable[[int, int], None] | None,
) -> BuildResult:  # fmt: skip
    """One build, step by step, under the lock: ``old`` is the last manifest, ``existing`` the
    names in the output folder."""
    result = BuildResult(out_dir=out)
    gkey = global_key(settings, tuple(FORMATS))
    old_issues: dict[str, Any] = old.get("issues", {})
    cached = old_issues if old.get("global") == gkey and not force else {}
    found = hash_sources(settings.path("issues"), cached, result, RACY_NS)
    run = Windows(settings, out, gkey, cached, existing, jobs, progress, result)
    run.run(found, WINDOW)
    result.issues = [r for r in run.records if r.published and r.stem not in run.failed]
    say_what_was_left_out(result)
    gone = {s: rec for s, rec in old_issues.items() if s not in found.on_disk or s in result.unpublished}
    result.removed = prune(out, gone, result.unpublished, existing)
    rendered = set(result.rendered)  # their image copies the notes no longer show go too
    result.removed += prune_images(out, old_issues, (r for r in result.issues if r.stem in rendered))
    feed_key = write_feed(settings, out, result, gkey, old.get("feed"), force)
    index_key = write_index(settings, out, result, gkey, old.get("index"), force)
    settled = [r for r in run.records if r.stem not in run.failed]
    manifest = next_manifest(gkey, index_key, feed_key, settled, found.on_disk, old_issues)
    if result.rendered:  # every output (and feed entry) is on disk before the manifest says it is there
        sync_all([*result.written, *(out / entry_name(stem) for stem in result.rendered), *run.side])
    save_manifest(out, manifest, old)
    return result


def _out_folder(settings: Settings, out_dir: Path | None) -> Path:
    """Where to build: ``out_dir``, else the newsletter's ``build/``. Outside a newsletter
    folder (no settings file) nothing is created unless ``out_dir`` says where."""
    if out_dir is None and not settings.source:
        raise DigestError(
            f"no digest.toml in {settings.root}, so build/ was not created: run `digest build` in a newsletter"
            " folder (`digest init` makes one), or pass --out DIR to build these issues there"
        )
    out = (out_dir if out_dir is not None else settings.path("build")).resolve()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} is a file, not a folder")
    return out


@contextmanager
def _build_lock(out: Path) -> Iterator[None]:
    """One build of ``out`` at a time (`digest.lock.exclusive_lock`): a second waits `LOCK_WAIT`
    seconds, then stops with one line."""

    def busy(path: Path) -> DigestError:
        pid = holder_pid(path)
        who = f" (pid {pid})" if pid else ""
        return DigestError(f"{path}: another digest build{who} is writing {out}; waited {LOCK_WAIT:g} s,"
                           " try again when it has finished")  # fmt: skip

    with exclusive_lock(out / LOCK, LOCK_WAIT, busy):
        yield
