"""The archive's work per issue (parse, render, write), serially or across processes.

`digest.archive` decides what to do; this module does it. With more than
one job and a platform that can fork, issues are parsed and rendered in a
pool of worker processes that inherit the build's state (settings, the
store and seed data read once); a worker's warnings are sent back and
logged by the parent, in issue order.

Workers die with the build: a build killed by any signal (``kill -9``
included) must not leave processes behind holding its caller's pipes open.
On Linux each worker asks the kernel for SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``); everywhere, a thread in each worker waits on a
pipe only the parent holds open, and exits the worker when it reads EOF.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from digest import render, tex
from digest.archive.feed import FeedEntry, entry_xml
from digest.archive.manifest import entry_name
from digest.archive.scan import outputs_stamp
from digest.config import Settings
from digest.errors import ConfigError, DigestError, InputError
from digest.files import write_atomic
from digest.issue import Issue, load_issue
from digest.issue.history import coverage
from digest.paper import Paper
from digest.render import FORMATS, email_message, markup, plaintext, substack, templates  # noqa: F401 - all loaded before the workers fork
from digest.render.images import Images, copy_assets

log = logging.getLogger(__name__)

_STATE: dict[str, Any] = {}
"""What workers need, set by `run` before the pool forks (inherited, never pickled)."""
_CAPTURED: list[str] = []


ARCHIVE_PAGE = "archive_issue.html"
"""The template of an issue page in the public archive: `issue.html` without the editor's tools."""


@dataclass
class Rendered:
    stem: str
    outputs: list[str]
    papers: int
    skipped: dict[str, str]
    """Formats the settings do not allow, with why."""
    ids: list[str] = field(default_factory=list)
    """Base ids of every paper section, rendered or not."""
    covered: list[list[Any]] = field(default_factory=list)
    """``[id, line, title, annotated]`` per paper section (`digest.issue.history.coverage`), with the
    title the rendered issue shows (from the store or the seeds when the file has none)."""
    left_out: int = 0
    """Paper sections left out for want of notes (the render's own decision)."""
    written: str = ""
    """``outputs`` as just written (`IssueRecord.written`)."""
    images: list[list[Any]] = field(default_factory=list)
    """The local images the notes show, as `IssueRecord.images` keeps them."""


def render_one(
    issue: Issue, settings: Settings, papers: dict[str, Paper], nav: dict[str, Any] | None, formats: tuple[str, ...]
) -> tuple[dict[str, str], str, Any, dict[str, str]]:
    """``formats`` of ``issue`` (the HTML page is the public archive's: ``nav`` links, no editor
    tools), its feed ``<entry>``, its view (`digest.render.IssueView`), and the formats the
    settings do not allow (e.g. email without ``email.from``) with why."""
    view = render.build_view(issue, settings, papers)
    texts, skipped = {}, {}
    for fmt in formats:
        try:
            if fmt == "html":
                texts[fmt] = render.render_template(view, settings, ARCHIVE_PAGE, fmt, {"nav": nav} if nav else None)
            else:
                texts[fmt] = render.render_view(view, settings, fmt)
        except ConfigError as exc:
            skipped[fmt] = "; ".join(exc.problems)
    # The feed's flavour: local images through `url`, math as Unicode (feed readers drop MathML).
    fragment = render.render_named("entry.html", settings, {"issue": render.feed_view(view), "newsletter": settings})
    entry = entry_xml(settings, FeedEntry(issue.stem, date.fromisoformat(view.date), view.title, view.headline, fragment))
    return texts, entry, view, skipped


def parse_job(path: Path) -> Issue:
    """Parse one issue file (in a worker when there are enough)."""
    return load_issue(path)


def render_job(task: tuple[str, dict[str, Any], tuple[str, ...]]) -> Rendered:
    """Render one issue and write its files; state from `_STATE`."""

    stem, nav, formats = task
    settings: Settings = _STATE["settings"]
    out: Path = _STATE["out"]
    path = settings.path("issues") / f"{stem}.md"
    issue = _STATE["parsed"].get(stem) or load_issue(path)
    # A template error is a `DigestError` (every issue would fail the same way): fatal, not per issue.
    texts, entry, view, skipped = render_one(issue, settings, _STATE["sources"].papers(issue), nav, formats)
    outputs = []
    for fmt, text in texts.items():
        name = FORMATS[fmt].filename(stem)
        write_atomic(out / name, text, durable=False)  # made durable at once before the manifest
        outputs.append(name)
    written = outputs_stamp(out, outputs)  # as this build left them: the next re-renders what differs
    write_atomic(out / entry_name(stem), entry, durable=False)
    images: list[list[Any]] = []
    if view.images is not None:  # the notes' local images, beside the page: out/<stem>/...
        images = image_stats(view.images, path.parent)  # before the copy: a change in between renders again
        copy_assets(list(view.images.assets.values()), out)
        for image in images:
            if image[3]:
                st = os.stat(out / image[3])
                image += [st.st_size, st.st_mtime_ns]

    titles = {p.id: p.title for p in view.papers}
    covered = [
        [c.paper_id, c.line, titles.get(c.paper_id) or c.title, c.annotated]
        for cs in coverage([issue], settings.unannotated).values()
        for c in cs
    ]
    ids = [s.paper_id.base for s in issue.papers if s.paper_id]
    return Rendered(stem, outputs, len(view.papers), skipped, ids, covered, len(view.skipped), written, images)


def image_stats(images: Images, folder: Path) -> list[list[Any]]:
    """`IssueRecord.images` for the local images a render found (stat before they are copied,
    so that a change in between renders the issue again rather than never)."""
    found: list[list[Any]] = []
    for asset in images.assets.values():
        try:
            st = os.stat(asset.path)
            found.append([os.path.relpath(asset.path, folder), st.st_size, st.st_mtime_ns, asset.name])
        except OSError:  # gone since the render found it
            found.append([os.path.relpath(asset.path, folder), -1, -1, ""])
    found += [[os.path.relpath(path, folder), -1, -1, ""] for path in images.missing.values()]
    return found


def _guarded(fn: Callable[[Any], Any], item: Any) -> tuple[Any, Any, list[str]]:
    """``fn(item)`` as (result, error, warnings) so a worker never dies on a broken issue."""
    _CAPTURED.clear()
    try:
        value, error = fn(item), None
    except DigestError as exc:  # returned as it is: digest's errors pickle (`__reduce__`)
        value, error = None, exc
    return value, error, list(_CAPTURED)


class _Capture(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        _CAPTURED.append(record.getMessage())


def _init_worker(parent: int, alive: int, keep_alive: int) -> None:
    logger = logging.getLogger("digest")
    logger.handlers = [_Capture(logging.WARNING)]
    logger.propagate = False
    die_with_parent(parent, alive, keep_alive)


PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int, alive: int, keep_alive: int) -> None:
    """Make this (forked) process end when ``parent`` does, however the parent ends.

    ``alive``/``keep_alive`` are the two ends of a pipe the parent made before forking: this
    process closes its copy of the write end, so only the parent holds one, and a thread here
    reads until EOF, which comes when the parent is gone (killed by any signal included).
    On Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` does the same without the thread's delay.
    """
    try:
        os.close(keep_alive)
    except OSError:
        pass
    if sys.platform.startswith("linux"):
        try:

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no usable libc: the pipe still works
            pass
    if os.getppid() != parent:  # the parent died before any of that was in place
        os._exit(1)
    threading.Thread(target=_exit_at_eof, args=(alive,), name="digest-parent-watch", daemon=True).start()


def _exit_at_eof(fd: int) -> None:
    try:
        while os.read(fd, 1):  # the parent never writes: only EOF (or an error) ends this
            pass
    except OSError:
        pass
    os._exit(1)


def jobs_for(count: int, jobs: int | None) -> int:
    """How many processes to use for ``count`` issues (1 = in this process)."""
    wanted = jobs if jobs is not None else (os.cpu_count() or 1)
    if wanted <= 1 or count < 8:
        return 1
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(wanted, 32, count // 4)


def warm_render(settings: Settings) -> None:
    """Import and compile what every render needs (templates, Markdown and TeX readers) once,
    before the workers fork, so each inherits it instead of doing it again."""
    try:
        import css_inline  # noqa: F401 - the email's inliner, loaded before the workers fork

        env = templates.environment(settings.path("templates"))
        # base.html and _paper.html: what issue.html, email.html and entry.html extend and import
        for name in ("issue.md", "issue.html", "archive_issue.html", "base.html", "_paper.html", "email.html",
                     "entry.html"):
            env.get_template(name)
        markup._ast_markdown(), markup._renderer(), tex._converter()
    except Exception:  # noqa: BLE001 - a broken template is reported by the render itself, with its line
        pass


def run(
    fn: Callable[[Any], Any], items: list[Any], state: dict[str, Any], jobs: int | None,
    progress: Callable[[int, int], None] | None = None, warm: Callable[[], None] | None = None,
) -> Iterator[tuple[Any, Any, Any]]:  # fmt: skip
    """Yield ``(item, result, error)`` in order; ``error`` is an `InputError` or None.

    ``warm`` runs before worker processes fork (not when there is only this one).
    A fatal `DigestError` (a template that cannot render) is raised at once.
    """
    _STATE.clear()
    _STATE.update(state)
    workers = jobs_for(len(items), jobs)
    pool, keep_alive = None, -1
    if workers == 1:
        results: Iterator[tuple[Any, Any, list[str]]] = (_direct(fn, i) for i in items)
    else:
        if warm is not None:
            warm()
        pool, results, keep_alive = _in_workers(fn, items, workers)
    try:
        for n, (item, (value, error, warnings)) in enumerate(zip(items, results, strict=True), 1):
            for line in warnings:
                log.warning("%s", line)
            if error is not None and not isinstance(error, InputError):
                raise error  # not about one issue (e.g. a template or a setting): the build stops
            yield item, value, error
            if progress is not None:
                progress(n, len(items))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
            os.close(keep_alive)
        _STATE.clear()


def _in_workers(fn: Callable[[Any], Any], items: list[Any], workers: int) -> tuple[Any, Iterator[Any], int]:
    """``fn`` over ``items`` in ``workers`` forked processes: the pool, its results in order, and
    the pipe end the workers' lifeline hangs on (see `die_with_parent`; close it after the pool)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    alive, keep_alive = os.pipe()
    try:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_init_worker,
                                   initargs=(os.getpid(), alive, keep_alive))  # fmt: skip
        results = pool.map(_guarded, [fn] * len(items), items, chunksize=max(1, min(8, len(items) // (workers * 4))))
    finally:
        os.close(alive)  # the workers have their copies once forked (`map` forks them)
    return pool, results, keep_alive


def _direct(fn: Callable[[Any], Any], item: Any) -> tuple[Any, Any, list[str]]:
    try:
        return fn(item), None, []
    except InputError as exc:
        return None, exc, []
