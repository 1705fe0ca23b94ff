"""The archive: the public site of the newsletter, built incrementally.

`build_archive` renders each published ``issues/YYYY-MM-DD.md`` into
``build/`` (every format in `digest.render.FORMATS`; the page without the
editor's tools), then writes ``build/index.html`` and ``build/feed.xml``
(the latest ``feed_entries`` issues). An issue whose front matter says
``status: draft`` is not published: not rendered, not in the index or the
feed, and files an earlier build made for it are removed.

A manifest (``build/.digest/manifest.json``) remembers, per issue, a key
hashed from everything its output depends on: the issue source, the
template files, the settings, digest's own code, the paper data the store
and the seeds hold for its papers, and its previous/next issue. An issue
whose key is unchanged (and whose outputs exist) is not rendered again, and
not even parsed: its title, headline and status come from the manifest. A
broken issue is reported and left out; the rest still builds.

Cost follows the work: changed issues are parsed and rendered a window at a
time and released once rendered, the feed holds a bounded number of
entries, and nothing is written when nothing changed, the manifest included.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest import seeds as seedfiles
from digest.archive import jobs as archive_jobs
from digest.archive.feed import FEED_NAME, feed_document
from digest.archive.index import INDEX_FIELDS, index_context, render_index
from digest.archive.manifest import ENTRIES, LOCK, MANIFEST, MANIFEST_VERSION, RACY_NS, SAVED, STATE_DIR, IssueRecord
from digest.config import Settings
from digest.errors import DigestError, InputError, UsageError
from digest.files import sync_all, write_atomic
from digest.issue import Issue
from digest.lock import exclusive_lock, holder_pid
from digest.paper import Paper
from digest.render import FORMATS, PACKAGE_TEMPLATES
from digest.render.papers import PaperSources, from_issue, to_fill
from digest.render.view import issue_title
from digest.store import Store

log = logging.getLogger(__name__)

INDEX_NAME = "index.html"
WINDOW = 200
"""Changed issues parsed at a time: parsed issues are held only until rendered, so a full
build's memory does not grow with the archive."""
LOCK_WAIT = 10.0
"""Seconds a build waits for another build of the same folder before giving up."""
STRAY_TMP = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")
"""`digest.files.write_atomic`'s temporary files (``.<name>.<12 hex>.tmp``): only these are cleaned up."""
TMP_GRACE_S = 2.0
"""A temporary file in the output folder younger than this may be a `digest render` writing now."""


@dataclass
class BuildResult:
    out_dir: Path
    issues: list[IssueRecord] = field(default_factory=list)
    """Every published issue that built, oldest first."""
    rendered: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[DigestError] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    skipped_formats: dict[str, str] = field(default_factory=dict)
    """Formats the settings do not allow (email without ``email.from``), with the reason."""
    unpublished: dict[str, str] = field(default_factory=dict)
    """Issues left out of the public archive, with their status (``draft``)."""
    left_out: dict[str, int] = field(default_factory=dict)
    """Per issue rendered in this build: paper sections left out for want of notes."""


def _sha(*parts: str | bytes) -> str:
    """sha256 of the parts, each followed by a NUL byte."""
    if all(isinstance(part, str) for part in parts):  # one buffer: a key per issue, thousands of issues
        return hashlib.sha256(("\0".join(parts) + "\0").encode("utf-8")).hexdigest()  # type: ignore[arg-type]
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def _tree_digest(folder: Path | None, h: Any) -> None:
    if folder is None or not folder.is_dir():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")


def global_key(settings: Settings, formats: tuple[str, ...]) -> str:
    """Hash of what every issue's output depends on: code, templates, settings, formats."""
    import digest

    # digest's own code is hashed below, which covers its version without the ~40 ms
    # importlib.metadata takes to look the version up.
    h = hashlib.sha256(f"manifest {MANIFEST_VERSION} {','.join(formats)}\0".encode())
    code = Path(digest.__file__).parent
    for path in sorted(code.rglob("*.py")):  # every subpackage: a change anywhere re-renders
        h.update(path.relative_to(code).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    _tree_digest(PACKAGE_TEMPLATES, h)
    _tree_digest(settings.path("templates"), h)
    # Only the settings rendering reads: fetching, ranking and SMTP settings (or cron's
    # DIGEST_ARXIV_* variables) must not re-render the whole archive.
    values = {k: getattr(settings, k) for k in RENDER_SETTINGS}
    values["email"] = dataclasses.asdict(settings.email)
    h.update(json.dumps(values, sort_keys=True, default=str).encode())
    return h.hexdigest()


RENDER_SETTINGS = ("name", "author", "url", "title_format", "sponsor", "timezone", "unannotated")
"""Top-level settings that change rendered output (with every `email.*` key and the templates)."""


def fingerprint(sources: PaperSources, ids: list[str]) -> str:
    """Hash of what the store and the seeds say about ``ids`` (the fields `metadata.fill` reads)."""
    parts = []
    for pid in ids:
        known = [sources.store.get(pid), sources.seeds.get(pid)]
        fields = [
            {f.name: getattr(p, f.name) for f in dataclasses.fields(Paper) if f.name not in ("extra", "source", "announced")}
            if p
            else None
            for p in known
        ]
        parts.append([pid, *fields])
    return _sha(json.dumps(parts, default=str))


_NO_PAPERS = _sha(json.dumps([]))
"""`fingerprint` of no ids (a `digest new` draft's), without the JSON round."""


def _load_manifest(path: Path) -> dict[str, Any]:
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


def _summary(issue: Issue, source: str, settings: Settings) -> IssueRecord:

    return IssueRecord(
        stem=issue.stem,
        date=issue.date.isoformat(),
        title=issue_title(issue, settings),
        headline=issue.headline,
        source=source,
        fill_ids=to_fill(from_issue(issue)),
        status=getattr(issue, "status", None),  # `Issue.status`: None when the front matter has none
    )


def _nav(prev: IssueRecord | None, nxt: IssueRecord | None) -> dict[str, Any]:
    def link(r: IssueRecord) -> dict[str, str]:
        return {"href": f"{r.stem}.html", "title": r.title, "date": r.date, "stem": r.stem}

    return {"prev": link(prev) if prev else None, "next": link(nxt) if nxt else None, "index": INDEX_NAME}


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
    if out_dir is None and not settings.source:
        raise DigestError(
            f"no digest.toml in {settings.root}, so build/ was not created: run `digest build` in a newsletter"
            " folder (`digest init` makes one), or pass --out DIR to build these issues there"
        )
    out = (out_dir if out_dir is not None else settings.path("build")).resolve()
    if out.exists() and not out.is_dir():

        raise UsageError(f"--out: {out} is a file, not a folder")
    with _build_lock(out):
        existing, strays = _listing(out)
        # The manifest is many objects that live until the end: frozen, out of the collector's
        # way, every later collection (there are many) skips them.
        old = _load_manifest(out / MANIFEST)
        gc.freeze()
        try:
            result = _build(settings, out, old, force, jobs, progress, existing)
        finally:
            gc.unfreeze()
    result.removed[:0] = strays
    return result


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


def _listing(out: Path) -> tuple[set[str], list[Path]]:
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
    import stat

    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or (shared and st.st_mtime > young):
            return False
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def _issue_files(folder: Path) -> list[tuple[str, Path, os.stat_result | OSError]]:
    """`digest.issue.history.issue_files` with each file's stat, from one listing: ``(stem, path,
    stat or the error)``, oldest first. Names and a stat each: no object per file until needed."""
    import stat
    from datetime import date

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
            log.warning("%s: the file name is not a real date; it is not treated as an issue", folder / name)
            continue
        found.append((name[:10], st))
    found.sort(key=lambda f: f[0])
    return [(stem, folder / f"{stem}.md", st) for stem, st in found]


_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})\.md$")


class _Sources(PaperSources):
    """`PaperSources` filled as the build learns which papers it needs: the store is asked for
    each new batch of ids, and the seed folder is read at most once per build, only if needed."""

    def __init__(self, settings: Settings) -> None:
        super().__init__({}, {})
        self._store_path = settings.path("store")
        self._seeds_dir = settings.path("seeds")
        self._asked: set[str] = set()
        self._seed_records: dict[str, Any] | None = None

    def need(self, ids: Iterable[str]) -> None:
        new = set(ids) - self._asked
        if not new:
            return
        self._asked |= new
        if self._store_path.is_file():

            store = Store.open_existing(self._store_path)
            if store is not None:
                with store:
                    self.store.update(store.get_many(sorted(new)))
        if self._seeds_dir.is_dir():
            if self._seed_records is None:

                try:
                    self._seed_records = seedfiles.by_id(seedfiles.read_seed_folder(self._seeds_dir, strict=False))
                except DigestError as exc:  # a broken seed file must not stop a build; `digest seeds` reports it
                    log.warning("%s", exc)
                    self._seed_records = {}
            for pid in new & self._seed_records.keys():
                self.seeds[pid] = self._seed_records[pid].to_paper()


class _Run:
    """One build: issues keyed, rendered and released a window at a time (see `_build`)."""

    def __init__(
        self, settings: Settings, out: Path, gkey: str, cached: dict[str, Any], formats: tuple[str, ...],
        jobs: int | None, progress: Callable[[int, int], None] | None, result: BuildResult,
    ) -> None:  # fmt: skip
        self.settings, self.out, self.gkey, self.cached, self.formats = settings, out, gkey, cached, formats
        self.jobs, self.progress, self.result = jobs, progress, result
        self.sources = _Sources(settings)
        self.parsed: dict[str, Issue] = {}
        self.existing: set[str] = set()
        self.prev: IssueRecord | None = None
        """The last published issue settled: the next one's "previous" link."""
        self.records: list[IssueRecord] = []
        """Every issue settled (published or not), in date order."""
        self.failed: set[str] = set()
        self.side: list[Path] = []
        """Per-issue index data written (made durable with the outputs)."""
        self.done = 0
        self.expected = 0

    def parse(self, items: list[IssueRecord | Path | None], at: list[int], fresh: dict[str, tuple[str, list[int]]]) -> None:
        """Parse ``items[i]`` for each i in ``at`` (paths): each becomes its record, or None if
        broken. ``fresh``: each file's hash and stat, as step 1 of `_build` found them."""

        paths = [items[i] for i in at]
        for i, (path, issue, error) in zip(at, archive_jobs.run(archive_jobs.parse_job, paths, {}, self.jobs)):
            if error is not None:
                self.result.errors.append(error)
                items[i] = None
                continue
            source, stat = fresh[path.stem]  # type: ignore[union-attr]
            record = _summary(issue, source, self.settings)
            record.stat = stat
            items[i] = record
            if record.published:
                self.parsed[record.stem] = issue

    def settle(self, items: list[IssueRecord | Path | None], lo: int, frontier: int, final: bool) -> int:
        """Key, and render if needed, the issues from ``lo`` whose neighbours are known (all of
        ``items[:frontier]`` are parsed); returns where the next call starts."""

        known = [(i, r) for i in range(lo, frontier) if isinstance(r := items[i], IssueRecord)]
        published = [(i, r) for i, r in known if r.published]
        if final:
            hi = frontier
        elif published:
            hi = published[-1][0]  # the last one's "next" is still unknown
        else:
            return lo
        self.sources.need(pid for i, r in known if i < hi for pid in r.fill_ids)
        following = {id(r): (published[k + 1][1] if k + 1 < len(published) else None) for k, (_i, r) in enumerate(published)}
        todo: list[tuple[str, dict[str, Any], tuple[str, ...]]] = []
        by_stem: dict[str, IssueRecord] = {}
        for i, record in known:
            if i >= hi:
                break
            self.records.append(record)
            if not record.published:
                self.result.unpublished[record.stem] = str(record.status)
                record.key, record.outputs, record.papers, record.shown = "", [], 0, ""
                continue
            nxt = following[id(record)]
            prev = self.prev
            self.prev = record
            fp = fingerprint(self.sources, record.fill_ids) if record.fill_ids else _NO_PAPERS
            record.key = _sha(self.gkey, record.source, fp, *_nav_parts(prev), *_nav_parts(nxt))
            prior = self.cached.get(record.stem)
            present = record.outputs and self.existing.issuperset(
                [*record.outputs, f"{ENTRIES}/{record.stem}.xml", f"{ENTRIES}/{record.stem}.json"]
            )
            if prior and prior.get("key") == record.key and present:
                self.result.unchanged.append(record.stem)
            else:
                todo.append((record.stem, _nav(prev, nxt), self.formats))
                by_stem[record.stem] = record
                if record.stem not in self.parsed:
                    self.expected += 1  # unchanged source, but a neighbour or its paper data changed
        if todo:
            self._render(todo, by_stem, archive_jobs)
        for _i, record in known:
            self.parsed.pop(record.stem, None)  # rendered (or unchanged): released
        return hi

    def _render(self, todo: list[Any], by_stem: dict[str, IssueRecord], archive_jobs: Any) -> None:

        state = {"settings": self.settings, "out": self.out, "sources": self.sources, "parsed": self.parsed}
        warm = lambda: archive_jobs.warm_render(self.settings)  # noqa: E731
        for (stem, _nav_, _f), done, error in archive_jobs.run(archive_jobs.render_job, todo, state, self.jobs, None, warm):
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, max(self.expected, self.done))
            if error is not None:
                self.result.errors.append(error)
                self.failed.add(stem)
                continue
            for fmt, why in done.skipped.items():
                if fmt not in self.result.skipped_formats:
                    log.warning("%s: not built (%s)", fmt, why)
                self.result.skipped_formats[fmt] = why
            if done.left_out:
                self.result.left_out[stem] = done.left_out
            record = by_stem[stem]
            record.papers, record.outputs = done.papers, done.outputs
            record.ids, record.covered = done.ids, done.covered
            record.shown = _shown(record)
            side = self.out / ENTRIES / f"{stem}.json"
            text = json.dumps({"ids": record.ids, "covered": record.covered})
            if _read_side(self.out, stem) != json.loads(text):  # a notes edit keeps it as it was
                write_atomic(side, text, durable=False)
                self.side.append(side)
            self.result.written += [self.out / name for name in done.outputs]
            self.result.rendered.append(stem)


def _nav_parts(r: IssueRecord | None) -> tuple[str, str]:
    return (r.stem, r.title) if r else ("", "")


def _shown(r: IssueRecord) -> str:
    """What the index shows of ``r``: its row and its papers (titles included), not its notes."""

    row = [getattr(r, k) for k in INDEX_FIELDS]
    return _sha(json.dumps([row, [(c[0], c[2], c[3]) for c in r.covered]]))


def _build(
    settings: Settings, out: Path, old: dict[str, Any], force: bool, jobs: int | None,
    progress: Callable[[int, int], None] | None, existing: set[str],
) -> BuildResult:  # fmt: skip

    formats = tuple(FORMATS)
    result = BuildResult(out_dir=out)
    gkey = global_key(settings, formats)
    old_issues: dict[str, Any] = old.get("issues", {})
    cached: dict[str, dict[str, Any]] = old_issues if old.get("global") == gkey and not force else {}

    # 1. Hash every source; those the manifest knows as they are keep their record.
    items: list[IssueRecord | Path | None] = []
    fresh: dict[str, tuple[str, list[int]]] = {}  # stem -> (hash, stat) of files to parse
    on_disk: set[str] = set()  # every issue file there is, broken or not
    started = time.time_ns()
    for stem, path, st in _issue_files(settings.path("issues")):
        on_disk.add(stem)
        prior = cached.get(stem)
        try:
            if isinstance(st, OSError):
                raise st
            racy = started - max(st.st_mtime_ns, st.st_ctime_ns) < RACY_NS
            stat = [] if racy else [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
            unchanged = prior and prior.get("source") and stat and prior.get("stat") == stat
            source = prior["source"] if unchanged else _sha(path.read_bytes())  # type: ignore[index]
        except OSError as exc:
            result.errors.append(InputError(path, None, f"cannot read the issue ({exc.strerror})"))
            continue
        if prior and prior.get("source") == source:
            items.append(IssueRecord(**{k: prior[k] for k in SAVED if k in prior} | {"stat": stat}))
        else:
            fresh[stem] = (source, stat)
            items.append(path)

    # 2. Parse what changed a window at a time; key each issue once its neighbours are known,
    #    render those whose key or outputs changed, and let the parsed issues go.
    run = _Run(settings, out, gkey, cached, formats, jobs, progress, result)
    run.existing = existing
    run.sources.need(pid for r in items if isinstance(r, IssueRecord) for pid in r.fill_ids)
    pending = [i for i, item in enumerate(items) if isinstance(item, Path)]
    run.expected = len(pending)
    lo = 0
    for start in range(0, len(pending), WINDOW):
        window = pending[start : start + WINDOW]
        run.parse(items, window, fresh)
        frontier = pending[start + WINDOW] if start + WINDOW < len(pending) else len(items)
        lo = run.settle(items, lo, frontier, final=frontier == len(items))
    if lo < len(items) or not pending:
        run.settle(items, lo, len(items), final=True)

    # 3. The index, the feed, the manifest; outputs of deleted and unpublished issues go.
    result.issues = [r for r in run.records if r.published and r.stem not in run.failed]
    _say_unpublished(result.unpublished)
    if result.left_out:  # one line, as render and check say it; each with -v (`digest render -v FILE`)
        n, k = sum(result.left_out.values()), len(result.left_out)
        log.warning("%d candidate%s without notes %s left out of %d issue%s built (`digest -v render FILE` lists them)",
                    n, "s" if n != 1 else "", "are" if n != 1 else "is", k, "s" if k != 1 else "")  # fmt: skip
    gone = {s: rec for s, rec in old_issues.items() if s not in on_disk or s in result.unpublished}
    result.removed = _prune(out, gone)
    feed_key = _write_feed(settings, out, result, gkey, old.get("feed"), force)
    index_key = _write_index(settings, out, result, gkey, old.get("index"), force)
    issues = {r.stem: {k: getattr(r, k) for k in SAVED} for r in run.records if r.stem not in run.failed}
    for stem in on_disk - issues.keys():  # broken now: keep what it built, parse it again next time
        if stem in old_issues:
            issues[stem] = {**old_issues[stem], "source": "", "key": ""}
    manifest = {"version": MANIFEST_VERSION, "global": gkey, "index": index_key, "feed": feed_key, "issues": issues}
    if result.rendered:
        # every output (and feed entry) is on disk before the manifest says it is there
        entries = [out / ENTRIES / f"{stem}.xml" for stem in result.rendered]
        sync_all([*result.written, *entries, *run.side])
    if manifest != old or not (out / MANIFEST).is_file():
        write_atomic(out / MANIFEST, json.dumps(manifest, separators=(",", ":")))
    return result


def _say_unpublished(unpublished: dict[str, str]) -> None:
    """One line per status: ``2 drafts not published (status: draft): 2022-11-13, 2022-11-20``."""
    by_status: dict[str, list[str]] = {}
    for stem, status in sorted(unpublished.items()):
        by_status.setdefault(status, []).append(stem)
    for status, stems in by_status.items():
        noun = "draft" if status == "draft" else "issue"
        shown = ", ".join(stems[:5]) + (f" and {len(stems) - 5} more" if len(stems) > 5 else "")
        log.warning("%d %s%s not published (status: %s): %s", len(stems), noun, "" if len(stems) == 1 else "s", status, shown)


def _write_feed(settings: Settings, out: Path, result: BuildResult, gkey: str, old_key: str | None, force: bool) -> str:
    """``feed.xml``: the latest ``feed_entries`` published issues (0: all), joined from their kept
    entries, and only when one of those changed."""
    from datetime import date


    limit = int(getattr(settings, "feed_entries", 0) or 0)
    newest = sorted(result.issues, key=lambda r: (r.date, r.stem), reverse=True)
    if limit > 0:
        newest = newest[:limit]
    key = _sha(gkey, str(limit), *(f"{r.stem}:{r.key}" for r in newest))
    path = out / FEED_NAME
    if force or key != old_key or not path.is_file():
        if not settings.url.strip() and newest:
            log.warning("feed.xml: set `url` in digest.toml (where build/ is published) for absolute links and ids")
        entries = [(out / ENTRIES / f"{r.stem}.xml").read_text(encoding="utf-8") for r in newest]
        _write_if_changed(path, feed_document(settings, date.fromisoformat(newest[0].date) if newest else None, entries), result)
    return key


def _write_index(settings: Settings, out: Path, result: BuildResult, gkey: str, old_key: str | None, force: bool) -> str:
    """``index.html``, rendered again only when what it shows changed (titles, headlines,
    paper counts, papers, formats): an edit to an issue's notes leaves it as it was."""
    key = _sha(gkey, *(r.shown for r in result.issues))
    path = out / INDEX_NAME
    if force or key != old_key or not path.is_file():

        for r in result.issues:
            if r.stem not in result.rendered:  # its papers are beside its feed entry
                side = _read_side(out, r.stem)
                r.ids, r.covered = side.get("ids", []), side.get("covered", [])
        _write_if_changed(path, render_index(settings, index_context(settings, result.issues)), result)
    return key


def _read_side(out: Path, stem: str) -> dict[str, Any]:
    try:
        data = json.loads((out / ENTRIES / f"{stem}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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


def _prune(out: Path, gone: dict[str, Any]) -> list[Path]:
    """Delete the outputs this archive wrote for issues whose source file is gone, or that are
    no longer published (a ``status: draft`` put back)."""
    removed = []
    for stem, record in gone.items():
        names = [*record.get("outputs", []), *(f"{ENTRIES}/{stem}{ext}" for ext in (".xml", ".json", ".html"))]  # .html: manifest v1
        for name in names:
            path = out / name
            if path.is_file() and path.resolve().parent.is_relative_to(out):
                path.unlink()
                removed.append(path)
    return removed
