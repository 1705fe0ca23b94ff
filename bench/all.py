"""Run every benchmark in turn with its default (full) size and print its figures.

    python bench/all.py            # about 20 minutes on the 2-core project machine
    python bench/all.py render new # only some: the names in ORDER below

Each benchmark prints medians of several runs and ratios against a baseline
measured in the same run, and appends its figures to bench/results.jsonl
(`python bench/history.py NAME` shows one benchmark's runs); the README's
"Benchmarks" section holds only the latest figures.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["render", "formats", "fetch", "seeds", "new", "ranking", "triage", "parsers", "build", "startup", "offline"]


def main() -> int:
    chosen = sys.argv[1:] or ORDER
    unknown = [c for c in chosen if c not in ORDER]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; choose from {' '.join(ORDER)}", file=sys.stderr)
        return 2
    failed = 0
    for name in chosen:
        print(f"\n=== bench/bench_{name}.py", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / f"bench_{name}.py")], cwd=HERE.parent)
        failed += done.returncode != 0
        print(f"(took {time.perf_counter() - start:.0f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
