"""Hardening and scale: a killed build leaves nothing behind; a build's cost follows its work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from test_archive import add_issues, build, make_issue

from conftest import run

DIGEST = [sys.executable, "-m", "digest"]


def _group(pgid: int) -> dict[int, str]:
    """pid -> state of every process in the process group ``pgid`` (from /proc)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state ppid pgrp ...
        if int(fields[2]) == pgid:
            found[int(entry)] = fields[0]
    return found


def _children(pid: int) -> list[int]:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        return [int(c) for t in tasks for c in Path(f"/proc/{pid}/task/{t}/children").read_text().split()]
    except OSError:
        return []


def _wait_for(condition, seconds: float):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
    """Poll ``condition`` until it is true or ``seconds`` pass: waiting for an event in
    another process (there is no notification to wait on), never a fixed sleep."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP], ids=["KILL", "TERM", "HUP"])
def test_a_killed_build_leaves_no_process_and_the_next_build_no_tmp_file(newsletter: Path, sig: int) -> None:
    add_issues(newsletter, 80, papers=8)
    build_proc = subprocess.Popen(
        [*DIGEST, "build", "-j", "2"], cwd=newsletter, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    workers: list[int] = []
    try:
        # mid-build: its two workers are running and pages are being written
        started = _wait_for(lambda: len(_children(build_proc.pid)) >= 2 and any((newsletter / "build").glob("*.html")), 60)
        assert started and build_proc.poll() is None, "the build ended before it could be killed; make the archive bigger"
        workers = _children(build_proc.pid)
        os.kill(build_proc.pid, sig)
        build_proc.wait(10)
        # every worker goes with it (a zombie waiting for init to reap it is gone), so nothing
        # holds the caller's pipes open: reading them reaches the end
        gone = _wait_for(lambda: all(state == "Z" for state in _group(build_proc.pid).values()), 10)
        assert gone, f"left behind: {_group(build_proc.pid)}"
        assert build_proc.stdout is not None and build_proc.stderr is not None
        build_proc.stdout.read(), build_proc.stderr.read()
    finally:  # on failure, end what this test started: the build, and its workers still in its group
        if build_proc.poll() is None:
            build_proc.kill()
        left = _group(build_proc.pid)
        for pid in workers:
            if left.get(pid, "Z") != "Z":
                os.kill(pid, signal.SIGKILL)
        build_proc.communicate()
    if sig != signal.SIGKILL:
        return  # the rest is the same whatever the signal
    # The next build removes what the killed one left half-written (a tmp file in the output
    # folder only once it is older than a `digest render` could still be writing it).
    for path in (newsletter / "build").rglob("*.tmp"):
        os.utime(path, (time.time() - 60, time.time() - 60))
    code, _out, err = run("build", "-j", "2")
    assert code == 0, err
    assert list((newsletter / "build").rglob("*.tmp")) == []


def test_stray_tmp_files_of_digest_and_only_those_are_removed(newsletter: Path) -> None:
    build()
    site = newsletter / "build"
    old = time.time() - 60
    strays = [site / ".2022-10-23.html.0123456789ab.tmp", site / ".digest" / ".manifest.json.a1b2c3d4e5f6.tmp",
              site / ".digest" / "entries" / ".2022-10-23.xml.00aa11bb22cc.tmp"]  # fmt: skip
    kept = [site / "notes.tmp", site / ".mine.tmp", site / ".2022-10-23.html.NOTHEX012345.tmp"]
    for path in [*strays, *kept]:
        path.write_bytes(b"")
        os.utime(path, (old, old))
    young = site / ".2022-10-23.md.fedcba987654.tmp"  # a `digest render` may be writing it right now
    young.write_bytes(b"")
    entries_young = site / ".digest" / "entries" / ".2022-10-23.json.ffffffffffff.tmp"  # only builds write there
    entries_young.write_bytes(b"")
    result = build()
    assert not any(p.exists() for p in [*strays, entries_young])
    assert all(p.exists() for p in [*kept, young])
    assert set(strays) <= set(result.removed)


def test_a_second_build_of_the_same_folder_waits_then_says_who_holds_it(
    newsletter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    from digest import archive

    build()
    monkeypatch.setattr(archive, "LOCK_WAIT", 0.0)
    lock = newsletter / "build" / ".digest" / "build.lock"
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.pwrite(fd, b"4242\n", 0)
        code, _out, err = run("build")
    finally:
        os.close(fd)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1, err
    assert lines[0].startswith("build/.digest/build.lock: another digest build (pid 4242) is writing build;"), err
    assert lines[0].endswith("try again when it has finished")
    assert run("build")[0] == 0  # released: the next one builds


# --- cost follows the work --------------------------------------------------------------


def _mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file() and p.name != "build.lock"}


def test_nothing_changed_writes_nothing_not_even_the_manifest(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from digest import archive

    monkeypatch.setattr(archive, "RACY_NS", 0)  # trust the stats at once (a build right after an edit re-hashes)
    add_issues(newsletter, 3)
    build()
    site = newsletter / "build"
    before = _mtimes(site)
    again = build()
    assert again.written == [] and again.rendered == []
    assert _mtimes(site) == before


def test_the_feed_holds_the_latest_feed_entries_issues(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import feedparser

    paths = add_issues(newsletter, 5)
    monkeypatch.setenv("DIGEST_FEED_ENTRIES", "3")
    build()
    feed = newsletter / "build" / "feed.xml"
    links = [e.link.rsplit("/", 1)[1] for e in feedparser.parse(feed.read_text(encoding="utf-8")).entries]
    assert links == ["2022-11-27.html", "2022-11-20.html", "2022-11-13.html"]
    # an edit to an issue the feed no longer holds leaves the feed alone
    stamp = feed.stat().st_mtime_ns
    paths[0].write_text(make_issue(date(2022, 10, 30), note=" Edited."), encoding="utf-8")
    edited = build()
    assert edited.rendered == ["2022-10-30"] and feed not in edited.written and feed.stat().st_mtime_ns == stamp
    # ... an edit to one it holds rewrites it
    paths[-1].write_text(make_issue(date(2022, 11, 27), note=" Edited."), encoding="utf-8")
    assert feed in build().written and "Edited." in feed.read_text(encoding="utf-8")
    # 0: every issue
    monkeypatch.setenv("DIGEST_FEED_ENTRIES", "0")
    build()
    assert len(feedparser.parse(feed.read_text(encoding="utf-8")).entries) == 6


def test_a_build_a_window_at_a_time_is_the_build_all_at_once(
    newsletter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Changed issues are parsed, rendered and released a few at a time; previous/next links,
    drafts and the index across the windows' edges are as one pass makes them."""
    from digest import archive
    from digest.archive import build_archive
    from digest.config import load_settings

    add_issues(newsletter, 9)
    for day in (date(2022, 11, 13), date(2022, 11, 20)):  # two drafts in a row, across an edge
        path = newsletter / "issues" / f"{day}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("---\n\n", "status: draft\n---\n\n", 1), encoding="utf-8")
    whole = build_archive(load_settings(), newsletter / "one", jobs=1)
    monkeypatch.setattr(archive, "WINDOW", 2)
    windowed = build_archive(load_settings(), newsletter / "two", jobs=1)
    assert sorted(whole.rendered) == sorted(windowed.rendered) and len(whole.rendered) == 8
    assert windowed.unpublished == {"2022-11-13": "draft", "2022-11-20": "draft"}
    for path in sorted(p for p in (newsletter / "one").rglob("*") if p.is_file() and p.name != "build.lock"):
        twin = newsletter / "two" / path.relative_to(newsletter / "one")
        if path.name == "manifest.json":  # each output's size and time as written differ by the time
            assert _without_times(path) == _without_times(twin)
            continue
        assert path.read_bytes() == twin.read_bytes(), path.name
    page = (newsletter / "two" / "2022-11-06.html").read_text(encoding="utf-8")
    assert 'rel="next" href="2022-11-27.html"' in page  # over the drafts


def _without_times(manifest: Path) -> dict:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    for record in data["issues"].values():
        record.pop("written", None)
    return data


def test_the_manifest_keeps_no_per_paper_lists(newsletter: Path) -> None:
    """What only the index needs (every paper's id and title) is kept beside each feed entry,
    so an edit does not re-read and re-write it for the whole archive."""
    add_issues(newsletter, 2)
    build()
    manifest = json.loads((newsletter / "build" / ".digest" / "manifest.json").read_text(encoding="utf-8"))
    assert all("covered" not in r and "ids" not in r for r in manifest["issues"].values())
    side = json.loads((newsletter / "build" / ".digest" / "entries" / "2022-10-23.json").read_text(encoding="utf-8"))
    assert ["2210.11399", 33, "Transcending Scaling Laws with 0.1% Extra Compute", True] in side["covered"]


def test_issues_added_over_time_render_only_the_new_one_and_its_neighbour(newsletter: Path) -> None:
    start = date(2022, 10, 30)
    for week in range(6):
        add_issues(newsletter, 1, start=start + timedelta(days=7 * week))
        result = build()
        expected = [str(start + timedelta(days=7 * week))] + ([str(start + timedelta(days=7 * (week - 1)))] if week else ["2022-10-23"])
        assert sorted(result.rendered) == sorted(expected)
