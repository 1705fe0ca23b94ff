"""Timing helpers shared by the benchmarks: medians of several runs, ratios to a baseline."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

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


def time_call(fn: Callable[[], object], runs: int) -> float:
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
