"""Helpers shared by the benchmarks: medians of several runs, ratios to a baseline, and the
history: `record` appends one line per run to ``bench/results.jsonl`` (see bench/README.md)."""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# One JSON line per run; BENCH_RESULTS points it elsewhere (a trial run that should not enter the history).
RESULTS = Path(os.environ.get("BENCH_RESULTS") or REPO / "bench" / "results.jsonl")

# Measure what a user gets: Python may cache compiled modules (some shells and
# CI runners set PYTHONDONTWRITEBYTECODE, which makes every run recompile).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def time_process(argv: Sequence[str], runs: int, cwd: Path = REPO) -> float:
    """Median wall time of running ``argv`` as a fresh process, after one warm-up run."""
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True, env=ENV)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, check=True, capture_output=True, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_interleaved(argvs: dict[str, Sequence[str]], runs: int, cwd: Path = REPO) -> dict[str, list[float]]:
    """Wall times of fresh processes: one warm-up each, then ``runs`` rounds running each once,
    so a slow spell of this shared machine hits every figure alike."""
    for argv in argvs.values():
        _timed_run(argv, cwd)
    times: dict[str, list[float]] = {name: [] for name in argvs}
    for _ in range(runs):
        for name, argv in argvs.items():
            times[name].append(_timed_run(argv, cwd))
    return times


def _timed_run(argv: Sequence[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, check=False, capture_output=True, env=ENV)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {tail}")
    return seconds


def time_call(fn: Callable[[], object], runs: int, warm_up: bool = True) -> float:
    """Median wall time of ``fn()`` over ``runs`` calls, after one warm-up call unless told not to."""
    if warm_up:
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def digest_argv(*args: str) -> list[str]:
    exe = Path(sys.executable).parent / "digest"
    return [str(exe), *args] if exe.exists() else [sys.executable, "-m", "digest", *args]


def verdict(value: float, goal: float) -> str:
    return "meets goal" if value < goal else "MISSES goal"


# --- the history --------------------------------------------------------------------------


def commit() -> str | None:
    """The checkout's short commit, read from ``.git`` (no git process: a benchmark must not
    depend on git being installed, and reading two files costs nothing)."""
    git = REPO / ".git"
    try:
        if git.is_file():  # a worktree or submodule: "gitdir: <path>"
            git = (REPO / git.read_text().split(":", 1)[1].strip()).resolve()
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head[:7]  # detached
        ref = head[4:].strip()
        common = git / "commondir"  # a worktree keeps its refs in the main .git
        roots = [git, (git / common.read_text().strip()).resolve()] if common.is_file() else [git]
        for root in roots:
            if (root / ref).is_file():
                return (root / ref).read_text().strip()[:7]
            packed = root / "packed-refs"
            if packed.is_file():
                for line in packed.read_text().splitlines():
                    if line.endswith(" " + ref):
                        return line[:7]
    except (OSError, IndexError):
        return None
    return None


def add_record_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-record", action="store_true", help=f"do not append this run to {_shown(RESULTS)}")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def _plain(value: object) -> object:
    """``value`` with NaN and infinities as null (JSON has neither) and tuples as lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def record(bench: str, figures: dict) -> None:  # type: ignore[type-arg]
    """Append one run to the history: ``{"date", "commit", "bench", "figures"}`` on one line.

    ``figures``' top-level numbers, booleans and strings are the run's headline (what
    `history.py` tabulates: medians, baselines, ratios, goals met); nested dicts and
    lists hold the detail."""
    line = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": commit(),
        "bench": bench,
        "figures": _plain(figures),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with open(RESULTS, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, allow_nan=False) + "\n")
    print(f"(appended to {_shown(RESULTS)})")
