"""The archive: every issue in every format, an index page and an Atom feed, built incrementally.

`build_archive` renders each ``issues/YYYY-MM-DD.md`` into ``build/`` (every
format in `digest.render.FORMATS`), then writes ``build/index.html`` and
``build/feed.xml``. A manifest (``build/.digest/manifest.json``) remembers,
per issue, a key hashed from everything its output depends on: the issue
source, the template files, the settings, digest's own code, the paper data
the store and the seeds hold for its papers, and its previous/next issue.
An issue whose key is unchanged (and whose outputs exist) is not rendered
again, and not even parsed: its title, headline and papers come from the
manifest. A broken issue is reported and left out; the rest still builds.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.config import Settings
from digest.errors import DigestError, InputError
from digest.issue import Issue
from digest.metadata import PaperSources
from digest.paper import Paper

log = logging.getLogger(__name__)

STATE_DIR = ".digest"
MANIFEST = f"{STATE_DIR}/manifest.json"
ENTRIES = f"{STATE_DIR}/entries"
INDEX_NAME = "index.html"
MANIFEST_VERSION = 3
RACY_NS = 2_000_000_000
"""A file changed this recently (2 s: coarse file-system clocks) is hashed, not trusted by its stat."""


@dataclass
class IssueRecord:
    """What the index, the feed and the next build need to know about one built issue."""

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
    ids: list[str] = field(default_factory=list)
    """Base ids of every paper section, rendered or not."""
    fill_ids: list[str] = field(default_factory=list)
    """Those whose metadata the issue file lacks: only these are looked up in the store and
    the seeds, and only their data there is part of the key (a `digest new` draft has none)."""
    covered: list[list[Any]] = field(default_factory=list)
    """``[id, line, title, annotated]`` per paper section, as `digest.history.coverage` sees it."""
    outputs: list[str] = field(default_factory=list)


@dataclass
class BuildResult:
    out_dir: Path
    issues: list[IssueRecord] = field(default_factory=list)
    """Every issue that built, oldest first."""
    rendered: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[DigestError] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    skipped_formats: dict[str, str] = field(default_factory=dict)
    """Formats the settings do not allow (email without ``email.from``), with the reason."""


def _sha(*parts: str | bytes) -> str:
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
    from digest.render import PACKAGE_TEMPLATES

    # digest's own code is hashed below, which covers its version without the ~40 ms
    # importlib.metadata takes to look the version up.
    h = hashlib.sha256(f"manifest {MANIFEST_VERSION} {','.join(formats)}\0".encode())
    code = Path(digest.__file__).parent
    for path in sorted(code.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
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
    from digest.history import coverage
    from digest.metadata import from_issue, to_fill
    from digest.render import issue_title

    covered = [
        [c.paper_id, c.line, c.title, c.annotated]
        for cs in coverage([issue], settings.unannotated).values()
        for c in cs
    ]
    return IssueRecord(
        stem=issue.stem,
        date=issue.date.isoformat(),
        title=issue_title(issue, settings),
        headline=issue.headline,
        source=source,
        ids=[s.paper_id.base for s in issue.papers if s.paper_id],
        fill_ids=to_fill(from_issue(issue)),
        covered=covered,
    )


def _nav(records: list[IssueRecord], i: int) -> dict[str, Any]:
    def link(r: IssueRecord) -> dict[str, str]:
        return {"href": f"{r.stem}.html", "title": r.title, "date": r.date, "stem": r.stem}

    return {
        "prev": link(records[i - 1]) if i > 0 else None,
        "next": link(records[i + 1]) if i + 1 < len(records) else None,
        "index": INDEX_NAME,
    }


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
    """
    out = (out_dir if out_dir is not None else settings.path("build")).resolve()
    if out.exists() and not out.is_dir():
        from digest.errors import UsageError

        raise UsageError(f"--out: {out} is a file, not a folder")
    # The manifest is a few hundred thousand objects that live until the end: frozen, out of
    # the collector's way, every later collection (there are many) skips them.
    old = _load_manifest(out / MANIFEST)
    gc.freeze()
    try:
        return _build(settings, out, old, force, jobs, progress)
    finally:
        gc.unfreeze()


def _build(
    settings: Settings, out: Path, old: dict[str, Any], force: bool, jobs: int | None,
    progress: Callable[[int, int], None] | None,
) -> BuildResult:  # fmt: skip
    from digest import archive_jobs
    from digest.files import sync_all, write_atomic
    from digest.history import issue_files
    from digest.render import FORMATS

    formats = tuple(FORMATS)
    result = BuildResult(out_dir=out)
    gkey = global_key(settings, formats)
    cached: dict[str, dict[str, Any]] = old.get("issues", {}) if old.get("global") == gkey and not force else {}

    # 1. Hash every source; parse only those the manifest does not know as they are.
    found: list[tuple[str, IssueRecord | Path]] = []
    on_disk: set[str] = set()  # every issue file there is, broken or not
    stats: dict[str, list[int]] = {}
    started = time.time_ns()
    for _day, path in issue_files(settings.path("issues")):
        on_disk.add(path.stem)
        prior = cached.get(path.stem)
        try:
            st = path.stat()
            racy = started - max(st.st_mtime_ns, st.st_ctime_ns) < RACY_NS
            stats[path.stem] = [] if racy else [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
            unchanged = prior and prior.get("source") and stats[path.stem] and prior.get("stat") == stats[path.stem]
            source = prior["source"] if unchanged else _sha(path.read_bytes())  # type: ignore[index]
        except OSError as exc:
            result.errors.append(InputError(path, None, f"cannot read the issue ({exc.strerror})"))
            continue
        if prior and prior.get("source") == source:
            found.append((source, IssueRecord(**{**prior, "stat": stats[path.stem]})))
        else:
            found.append((source, path))
    to_parse = [item for _s, item in found if isinstance(item, Path)]
    parsed: dict[str, Issue] = {}
    for path, issue, error in archive_jobs.run(archive_jobs.parse_job, to_parse, {}, jobs):
        if error is not None:
            result.errors.append(error)
        else:
            parsed[path.stem] = issue
    records: list[IssueRecord] = []
    for source, item in found:
        if isinstance(item, IssueRecord):
            records.append(item)
        elif item.stem in parsed:
            records.append(_summary(parsed[item.stem], source, settings))
            records[-1].stat = stats[item.stem]

    # 2. Key each issue on its inputs; render those whose key or outputs changed.
    sources = PaperSources.load(settings.path("store"), settings.path("seeds"), {pid for r in records for pid in r.fill_ids})
    todo: list[tuple[str, dict[str, Any], tuple[str, ...]]] = []
    by_stem = {r.stem: r for r in records}
    existing = _files_in(out) | _files_in(out / ENTRIES, f"{ENTRIES}/")  # two listings, not a stat per file
    for i, record in enumerate(records):
        nav = _nav(records, i)
        record.key = _sha(gkey, record.source, fingerprint(sources, record.fill_ids), json.dumps(nav, sort_keys=True))
        prior = cached.get(record.stem)
        present = record.outputs and existing.issuperset([*record.outputs, f"{ENTRIES}/{record.stem}.xml"])
        if prior and prior.get("key") == record.key and present:
            result.unchanged.append(record.stem)
        else:
            todo.append((record.stem, nav, formats))
    state = {"settings": settings, "out": out, "sources": sources, "parsed": parsed}
    failed: set[str] = set()
    warm = lambda: archive_jobs.warm_render(settings)  # noqa: E731
    for (stem, _nav_, _f), done, error in archive_jobs.run(archive_jobs.render_job, todo, state, jobs, progress, warm):
        if error is not None:
            result.errors.append(error)
            failed.add(stem)
            continue
        for fmt, why in done.skipped.items():
            if fmt not in result.skipped_formats:
                log.warning("%s: not built (%s)", fmt, why)
            result.skipped_formats[fmt] = why
        record = by_stem[stem]
        record.papers, record.outputs = done.papers, done.outputs
        result.written += [out / name for name in done.outputs]
        result.rendered.append(stem)

    # 3. The index, the feed, the manifest; outputs of deleted issues go. When no
    #    issue's key or outputs changed, the index and the feed cannot have either.
    result.issues = [r for r in records if r.stem not in failed]
    old_issues: dict[str, Any] = old.get("issues", {})
    result.removed = _prune(out, old_issues, on_disk)
    feed_key = _sha(gkey, *(f"{r.stem}:{r.key}:{','.join(r.outputs)}" for r in result.issues))
    changed = force or feed_key != old.get("feed")
    if changed or not (out / "feed.xml").is_file():
        _write_if_changed(out / "feed.xml", _feed(settings, out, result.issues), result)
    # The index shows titles, headlines, counts and papers, not the notes: an edit to
    # the notes alone leaves it as it was.
    index_key = old.get("index")
    if changed or not index_key or not (out / INDEX_NAME).is_file():
        from digest.archive_index import INDEX_FIELDS

        shown = [[getattr(r, k) for k in INDEX_FIELDS] + [[(c[0], c[2], c[3]) for c in r.covered]] for r in result.issues]
        index_key = _sha(gkey, json.dumps(shown))
        if force or index_key != old.get("index") or not (out / INDEX_NAME).is_file():
            from digest.archive_index import index_context, render_index

            _write_if_changed(out / INDEX_NAME, render_index(settings, index_context(settings, result.issues)), result)
    issues = {r.stem: vars(r) for r in result.issues}
    for stem in on_disk - issues.keys():  # broken now: keep what it built, parse it again next time
        if stem in old_issues:
            issues[stem] = {**old_issues[stem], "source": "", "key": ""}
    manifest = {"version": MANIFEST_VERSION, "global": gkey, "index": index_key, "feed": feed_key, "issues": issues}
    if result.rendered:
        # every output (and feed entry) is on disk before the manifest says it is there
        sync_all([*result.written, *(out / ENTRIES / f"{stem}.xml" for stem in result.rendered)])
    write_atomic(out / MANIFEST, json.dumps(manifest, separators=(",", ":"), sort_keys=True))
    return result


def _feed(settings: Settings, out: Path, records: list[IssueRecord]) -> str:
    from datetime import date

    from digest.feed import feed_document

    if not settings.url.strip() and records:
        log.warning("feed.xml: set `url` in digest.toml (where build/ is published) for absolute links and ids")
    ordered = sorted(records, key=lambda r: (r.date, r.stem), reverse=True)
    entries = [(out / ENTRIES / f"{r.stem}.xml").read_text(encoding="utf-8") for r in ordered]
    return feed_document(settings, date.fromisoformat(ordered[0].date) if ordered else None, entries)


def _files_in(folder: Path, prefix: str = "") -> set[str]:
    """Names (with ``prefix``) of the regular files directly in ``folder``; none if it is missing."""
    import os

    try:
        with os.scandir(folder) as it:
            return {prefix + e.name for e in it if e.is_file()}
    except OSError:
        return set()


def _write_if_changed(path: Path, text: str, result: BuildResult) -> None:
    """Write ``text`` unless the file holds it already (its time then stays, for rsync and caches)."""
    from digest.files import write_atomic

    data = text.encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass
    write_atomic(path, data)
    result.written.append(path)


def _prune(out: Path, before: dict[str, Any], present: set[str]) -> list[Path]:
    """Delete the outputs this archive wrote for issues whose source file is gone."""
    removed = []
    for stem, record in before.items():
        if stem in present:
            continue
        for name in [*record.get("outputs", []), f"{ENTRIES}/{stem}.xml", f"{ENTRIES}/{stem}.html"]:  # .html: manifest v1
            path = out / name
            if path.is_file() and path.resolve().parent.is_relative_to(out):
                path.unlink()
                removed.append(path)
    return removed
