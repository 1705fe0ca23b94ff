"""Benchmark: `digest render` of the sample issue and `digest --help`, as whole processes.

Goals (issue 2): render, both formats, median under 0.3 s; `digest --help`
under twice `python -c "import click"`, measured in the same run.

    python bench/bench_render.py [--runs N] [--no-record]

Each run appends its figures to bench/results.jsonl (bench "render").
"""

from __future__ import annotations

import argparse
import statistics
import sys

from common import REPO, add_record_option, digest_argv, record, time_interleaved, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    add_record_option(parser)
    args = parser.parse_args()
    runs = args.runs

    times = time_interleaved({
        "python": [sys.executable, "-c", "pass"],
        "click": [sys.executable, "-c", "import click"],
        "help": digest_argv("--help"),
        "render": digest_argv("render", "issues/2022-10-23.md", "--format", "md,html", "--out", str(REPO / "build" / "bench")),
    }, runs)  # fmt: skip
    python, click, helped, rendered = (statistics.median(times[k]) for k in ("python", "click", "help", "render"))

    print(f"runs per figure: {runs} (median, after one warm-up run; interleaved rounds)")
    print(f"python -c pass                         {python * 1000:7.1f} ms")
    print(f"python -c 'import click' (baseline)    {click * 1000:7.1f} ms")
    print(f"digest --help                          {helped * 1000:7.1f} ms  = {helped / click:.2f}x baseline "
          f"(goal < 2x: {verdict(helped / click, 2)})")
    print(f"digest render sample --format md,html  {rendered * 1000:7.1f} ms  = {rendered / click:.2f}x baseline "
          f"(goal < 300 ms: {verdict(rendered, 0.3)})")
    if not args.no_record:
        record("render", {
            "runs": runs, "python_s": round(python, 4), "baseline_s": round(click, 4),
            "help_s": round(helped, 4), "help_ratio": round(helped / click, 2), "help_goal_ratio": 2.0,
            "help_met": helped / click < 2,
            "render_s": round(rendered, 4), "render_ratio": round(rendered / click, 2), "render_goal_s": 0.3,
            "render_met": rendered < 0.3,
        })  # fmt: skip


if __name__ == "__main__":
    main()
