"""The build's middle: changed issues parsed, keyed and rendered a window at a time.

`digest.archive.scan` found which issue files changed; here they are parsed (`jobs.parse_job`)
`window` at a time. An issue is keyed (`digest.archive.keys.issue_key`) once its neighbours
are known, since its previous/next links are part of its output; those whose key changed, whose
local images changed, or whose outputs are missing or not as the build wrote them, are rendered
(`jobs.render_job`), and the parsed issues are let go, so a full build's memory does not grow
with the archive.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from digest.archive import jobs as archive_jobs
from digest.archive.keys import issue_key, shown
from digest.archive.manifest import INDEX_NAME, IssueRecord, entry_name, read_side, side_name
from digest.archive.papers import LazySources
from digest.archive.report import BuildResult
from digest.archive.scan import Sources, as_written, images_as_seen
from digest.config import Settings
from digest.files import write_atomic
from digest.issue import Issue
from digest.render import FORMATS
from digest.render.papers import from_issue, to_fill
from digest.render.view import issue_headline, issue_title

log = logging.getLogger(__name__)

Items = list[IssueRecord | Path | None]
"""`Sources.items`: a record per issue settled or known, a path per issue still to parse, None if broken."""


class Windows:
    """One build's issues, settled in date order: `records` (published or not) and `failed`."""

    def __init__(
        self, settings: Settings, out: Path, gkey: str, cached: dict[str, Any], existing: set[str],
        jobs: int | None, progress: Callable[[int, int], None] | None, result: BuildResult,
    ) -> None:  # fmt: skip
        self.settings, self.out, self.gkey, self.cached, self.existing = settings, out, gkey, cached, existing
        self.jobs, self.progress, self.result = jobs, progress, result
        self.formats = tuple(FORMATS)
        self.folder = settings.path("issues")
        self.sources = LazySources(settings)
        self.parsed: dict[str, Issue] = {}
        self.prev: IssueRecord | None = None
        """The last published issue settled: the next one's "previous" link."""
        self.records: list[IssueRecord] = []
        """Every issue settled (published or not), in date order."""
        self.failed: set[str] = set()
        self.side: list[Path] = []
        """Per-issue index data written (made durable with the outputs)."""
        self.done = 0
        self.expected = 0

    def run(self, found: Sources, window: int) -> None:
        """Parse what changed ``window`` issues at a time, settling each window's issues as soon
        as their neighbours are known, then the rest."""
        items = found.items
        self.sources.need(pid for r in items if isinstance(r, IssueRecord) for pid in r.fill_ids)
        pending = [i for i, item in enumerate(items) if isinstance(item, Path)]
        self.expected = len(pending)
        lo = 0
        for start in range(0, len(pending), window):
            self.parse(items, pending[start : start + window], found.fresh)
            frontier = pending[start + window] if start + window < len(pending) else len(items)
            lo = self.settle(items, lo, frontier, final=frontier == len(items))
        if lo < len(items) or not pending:
            self.settle(items, lo, len(items), final=True)

    def parse(self, items: Items, at: list[int], fresh: dict[str, tuple[str, list[int]]]) -> None:
        """Parse ``items[i]`` for each i in ``at`` (paths): each becomes its record, or None if
        broken. ``fresh``: each file's hash and stat, as `digest.archive.scan.hash_sources` found them."""
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

    def settle(self, items: Items, lo: int, frontier: int, final: bool) -> int:
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
        ready = [r for i, r in known if i < hi]
        self.sources.need(pid for r in ready for pid in r.fill_ids)
        following = {id(r): (published[k + 1][1] if k + 1 < len(published) else None) for k, (_i, r) in enumerate(published)}
        todo: list[tuple[str, dict[str, Any], tuple[str, ...]]] = []
        by_stem: dict[str, IssueRecord] = {}
        for record in ready:
            self.records.append(record)
            if not record.published:
                self.result.unpublished[record.stem] = str(record.status)
                record.key, record.outputs, record.papers, record.shown = "", [], 0, ""
                record.written, record.images = "", []
                # build/ is published whole, .digest/ included: keep nothing of what a draft says
                record.title, record.headline, record.fill_ids = "", "", []
                continue
            prev, nxt = self.prev, following[id(record)]
            self.prev = record
            if self._stale(record, prev, nxt):
                todo.append((record.stem, _nav(prev, nxt), self.formats))
                by_stem[record.stem] = record
        if todo:
            self._render(todo, by_stem)
        for _i, record in known:
            self.parsed.pop(record.stem, None)  # rendered (or unchanged): released
        return hi

    def _stale(self, record: IssueRecord, prev: IssueRecord | None, nxt: IssueRecord | None) -> bool:
        """Key ``record``; True when it must be rendered: its key changed, one of its local
        images appeared, went or changed, or an output is missing or not as this build wrote it."""
        record.key = issue_key(self.gkey, record, self.sources, prev, nxt)
        prior = self.cached.get(record.stem)
        if (
            prior
            and prior.get("key") == record.key
            and self.existing.issuperset([entry_name(record.stem), side_name(record.stem)])
            and as_written(self.out, record)
            and images_as_seen(self.folder, self.out, record)
        ):
            self.result.unchanged.append(record.stem)
            return False
        if record.stem not in self.parsed:
            self.expected += 1  # unchanged source, but a neighbour or its paper data changed
        return True

    def _render(self, todo: list[Any], by_stem: dict[str, IssueRecord]) -> None:
        """Render ``todo`` (`jobs.render_job`'s tasks), in worker processes when there are enough."""
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
            self._rendered(by_stem[stem], done)

    def _rendered(self, record: IssueRecord, done: archive_jobs.Rendered) -> None:
        """Take in what `jobs.render_job` did for ``record``; keep its index data beside its entry."""
        for fmt, why in done.skipped.items():
            if fmt not in self.result.skipped_formats:
                log.warning("%s: not built (%s)", fmt, why)
            self.result.skipped_formats[fmt] = why
        stem = record.stem
        if done.left_out:
            self.result.left_out[stem] = done.left_out
        record.papers, record.outputs, record.written = done.papers, done.outputs, done.written
        record.images = done.images
        record.ids, record.covered = done.ids, done.covered
        record.shown = shown(record)
        text = json.dumps({"ids": record.ids, "covered": record.covered})
        if read_side(self.out, stem) != json.loads(text):  # a notes edit keeps it as it was
            write_atomic(self.out / side_name(stem), text, durable=False)
            self.side.append(self.out / side_name(stem))
        self.result.written += [self.out / name for name in done.outputs]
        self.result.rendered.append(stem)


def _summary(issue: Issue, source: str, settings: Settings) -> IssueRecord:
    return IssueRecord(
        stem=issue.stem,
        date=issue.date.isoformat(),
        title=issue_title(issue, settings),
        headline=issue_headline(issue),
        source=source,
        fill_ids=to_fill(from_issue(issue)),
        status=getattr(issue, "status", None),  # `Issue.status`: None when the front matter has none
    )


def _nav(prev: IssueRecord | None, nxt: IssueRecord | None) -> dict[str, Any]:
    """The archive page's previous/next links (``nav`` in ``archive_issue.html``)."""

    def link(r: IssueRecord) -> dict[str, str]:
        return {"href": FORMATS["html"].filename(r.stem), "title": r.title, "date": r.date, "stem": r.stem}

    return {"prev": link(prev) if prev else None, "next": link(nxt) if nxt else None, "index": INDEX_NAME}
