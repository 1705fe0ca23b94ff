"""Print the history of one benchmark from bench/results.jsonl: one row per run.

    python bench/history.py render                 # date, commit, the headline figures
    python bench/history.py ranking --keys recall60_2025-06-02,rank_s,time.rank_cpu_s
    python bench/history.py                        # which benchmarks have runs, and how many

The headline is each run's top-level numbers, booleans and strings (nested
figures are detail; name them with ``--keys`` as dotted paths). Lines carried
over from the README (``"source"``) are marked with ``*`` after the date.
A table wider than the terminal is printed turned: one column per run (the
latest ``--last`` runs), one row per figure.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.jsonl"


def load(path: Path) -> list[dict]:  # type: ignore[type-arg]
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def pick(figures: dict, key: str) -> object:  # type: ignore[type-arg]
    value: object = figures
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
        return f"{value[0]:g}-{value[1]:g}"  # a range, as the README gave some figures
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def headline(runs: list[dict]) -> list[str]:  # type: ignore[type-arg]
    keys: dict[str, None] = {}
    for run in runs:
        for k, v in run["figures"].items():
            if not isinstance(v, dict) and not (isinstance(v, list) and len(v) != 2):
                keys.setdefault(k)
    return list(keys)


def width(rows: list[list[str]]) -> int:
    return sum(max(len(row[i]) for row in rows) + 2 for i in range(len(rows[0])))


def table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", nargs="?", help="the benchmark's name (render, fetch, ...)")
    parser.add_argument("--keys", help="comma-separated figures to show, dotted for nested ones")
    parser.add_argument("--file", type=Path, default=RESULTS)
    parser.add_argument("--last", type=int, default=6, help="runs shown when the table is turned (default 6)")
    parser.add_argument("--turn", choices=["auto", "yes", "no"], default="auto", help="one column per run")
    args = parser.parse_args()
    runs = load(args.file)
    if not args.bench:
        counts: dict[str, int] = {}
        for run in runs:
            counts[run["bench"]] = counts.get(run["bench"], 0) + 1
        for name, n in counts.items():
            print(f"{name:10s} {n} run{'s' * (n != 1)}")
        return 0
    runs = [r for r in runs if r["bench"] == args.bench]
    if not runs:
        print(f"no runs of {args.bench!r} in {args.file}", file=sys.stderr)
        return 1
    keys = args.keys.split(",") if args.keys else headline(runs)
    rows = [["date", "commit", *keys]]
    for run in runs:
        date = run["date"][:16].replace("T", " ") + (" *" if run.get("source") else "")
        rows.append([date, run.get("commit") or "-", *(cell(pick(run["figures"], k)) for k in keys)])
    if args.turn == "yes" or (args.turn == "auto" and width(rows) > shutil.get_terminal_size((120, 40)).columns):
        header, body = rows[0], rows[1:][-args.last :]
        rows = [[name, *(r[i] for r in body)] for i, name in enumerate(header)]
    for line in table(rows):
        print(line)
    if any(r.get("source") for r in runs):
        print("* " + "; ".join(sorted({r["source"] for r in runs if r.get("source")})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
