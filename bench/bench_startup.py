"""Benchmark the start-up of `digest render`: the whole process against importing its two libraries.

    python bench/bench_startup.py            # 15 runs per figure, 5 -X importtime runs (~20 s)
    python bench/bench_startup.py --quick    # 5 runs per figure, 2 importtime runs (~8 s)

Goal (hardening issue): `digest render issue.md` within 1.5x of
``python -c "import jinja2, mistune"``, the baseline, measured in the same run.

The sample issue (``issues/2022-10-23.md``) is rendered in a temporary
newsletter folder made the way a user makes one: ``digest init`` (through the
CLI), then the repository's ``digest.toml`` (the sample's settings) and the
issue copied in; nothing else (no store, no seeds). Figures, each the median
of ``--runs`` fresh processes after one warm-up of each (the processes are run
in interleaved rounds, so a slow spell of the host hits them all alike):

* ``python -c pass`` (the interpreter alone, for reference);
* ``python -c "import jinja2, mistune"`` (the baseline);
* ``digest render issues/2022-10-23.md`` (every format, as the README's first
  command), goal under 1.5x the baseline;
* ``digest render issues/2022-10-23.md --format md`` (the least rendering
  work: what is left is mostly start-up);
* the libraries' floor: one process that imports what the render cannot do
  without (click, which DESIGN.md fixes for the command line; jinja2;
  mistune; tomllib for the settings; css_inline and ``email.policy`` for the
  email) and lets each do its part once on the sample, with no digest code:
  mistune turns the issue's text to HTML with the render's plugins, jinja2
  compiles and renders a one-loop template, css_inline inlines a rule and the
  SMTP policy folds a header. No render can start faster than this, so the
  goal is reachable only while the floor is under it.

Then ``python -X importtime`` of the default render, ``--importtime-runs``
times; each module's median self and cumulative microseconds. Printed: the top
10 modules by cumulative time, the time per top-level package (its top-level
imports' cumulative time), and what the render imports beyond the baseline's
imports. ``-X importtime`` itself slows imports, so compare its numbers with
each other, not with the wall times.

Each run appends one JSON line to ``bench/results.jsonl`` (date, commit,
bench, figures).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from common import ENV, REPO, add_record_option, digest_argv, record, time_interleaved, verdict

ISSUE = "issues/2022-10-23.md"
GOAL_RATIO = 1.5
FLOOR = f"""\
import click, jinja2, mistune, tomllib, css_inline
from email import policy
text = open({ISSUE!r}, encoding="utf-8").read()
html = mistune.create_markdown(escape=True, plugins=["strikethrough", "table", "url", "footnotes", "math"])(text)
page = jinja2.Environment(autoescape=True).from_string("{{% for p in ps %}}<p>{{{{ p }}}}</p>{{% endfor %}}").render(ps=[html])
css_inline.CSSInliner(load_remote_stylesheets=False).inline("<style>p {{ color: red }}</style>" + page)
policy.SMTP.fold_binary("Subject", "2022-10-23 arXiv roundup")
"""
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)\s*$")


def newsletter(folder: Path) -> Path:
    """A newsletter folder made by `digest init`, holding the sample's settings and issue."""
    done = subprocess.run(digest_argv("init", str(folder)), capture_output=True, text=True, env=ENV)
    if done.returncode != 0:
        raise SystemExit(f"digest init failed ({done.returncode}): {done.stderr.strip()}")
    shutil.copyfile(REPO / "digest.toml", folder / "digest.toml")
    shutil.copyfile(REPO / ISSUE, folder / ISSUE)
    return folder


def importtime(argv: Sequence[str], runs: int, cwd: Path) -> dict[str, dict[str, float]]:
    """Per module: median ``self`` and ``cumulative`` microseconds and nesting ``depth``, over ``runs`` runs."""
    seen: dict[str, dict[str, list[float]]] = {}
    depth: dict[str, int] = {}
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-X", "importtime", *argv], cwd=cwd, capture_output=True, text=True, env=ENV)
        if done.returncode != 0:
            raise SystemExit(f"-X importtime {' '.join(argv)} failed ({done.returncode})")
        for line in done.stderr.splitlines():
            m = _LINE.match(line)
            if m:
                rec = seen.setdefault(m.group(4), {"self": [], "cumulative": []})
                rec["self"].append(int(m.group(1)))
                rec["cumulative"].append(int(m.group(2)))
                depth.setdefault(m.group(4), len(m.group(3)) // 2)
    return {name: {"self": statistics.median(r["self"]), "cumulative": statistics.median(r["cumulative"]),
                   "depth": depth[name]} for name, r in seen.items()}  # fmt: skip


def by_package(mods: dict[str, dict[str, float]], only: set[str] | None = None) -> dict[str, float]:
    """Cumulative microseconds per top-level package: the sum of its depth-0 imports (no double counting)."""
    out: dict[str, float] = {}
    for name, m in mods.items():
        if m["depth"] == 0 and (only is None or name in only):
            root = name.split(".")[0]
            out[root] = out.get(root, 0) + m["cumulative"]
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="processes per figure (default 15; --quick: 5)")
    parser.add_argument("--importtime-runs", type=int, default=None, help="-X importtime runs (default 5; --quick: 2)")
    parser.add_argument("--quick", action="store_true", help="fewer runs: a look in about 8 s")
    add_record_option(parser)
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 15)
    it_runs = args.importtime_runs or (2 if args.quick else 5)

    tmp = Path(tempfile.mkdtemp(prefix="digest-bench-startup-"))
    try:
        root = newsletter(tmp / "letter")
        argvs = {
            "python": [sys.executable, "-c", "pass"],
            "baseline": [sys.executable, "-c", "import jinja2, mistune"],
            "render": digest_argv("render", ISSUE),
            "render_md": digest_argv("render", ISSUE, "--format", "md"),
            "floor": [sys.executable, "-c", FLOOR],
        }
        times = time_interleaved(argvs, runs, root)
        written = sorted(p.name for p in (root / "build").iterdir())
        render_argv = argvs["render"]
        if Path(render_argv[0]) == Path(sys.executable):
            render_argv = render_argv[1:]  # `python -m digest ...`: importtime() adds the interpreter
        mods = importtime(render_argv, it_runs, root)
        base_mods = importtime(["-c", "import jinja2, mistune"], it_runs, root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    med = {name: statistics.median(ts) for name, ts in times.items()}
    ratio = med["render"] / med["baseline"]
    ratio_md = med["render_md"] / med["baseline"]
    ratio_floor = med["floor"] / med["baseline"]
    spread = {name: (min(ts), max(ts)) for name, ts in times.items()}

    print(f"runs per figure: {runs} (median, after one warm-up run; interleaved rounds); min-max in brackets")
    print(f"python -c pass                              {med['python'] * 1000:7.1f} ms"
          f"  [{spread['python'][0] * 1000:.0f}-{spread['python'][1] * 1000:.0f}]")  # fmt: skip
    print(f"python -c 'import jinja2, mistune' (baseline) {med['baseline'] * 1000:5.1f} ms"
          f"  [{spread['baseline'][0] * 1000:.0f}-{spread['baseline'][1] * 1000:.0f}]")  # fmt: skip
    print(f"digest render {ISSUE} (5 formats)  {med['render'] * 1000:7.1f} ms"
          f"  [{spread['render'][0] * 1000:.0f}-{spread['render'][1] * 1000:.0f}]  = {ratio:.2f}x baseline"
          f" (goal < {GOAL_RATIO}x: {verdict(ratio, GOAL_RATIO)}; wrote {len(written)} files)")  # fmt: skip
    print(f"digest render {ISSUE} --format md  {med['render_md'] * 1000:7.1f} ms"
          f"  [{spread['render_md'][0] * 1000:.0f}-{spread['render_md'][1] * 1000:.0f}]  = {ratio_md:.2f}x baseline")  # fmt: skip
    print(f"the libraries' floor (no digest code)  {med['floor'] * 1000:7.1f} ms"
          f"  [{spread['floor'][0] * 1000:.0f}-{spread['floor'][1] * 1000:.0f}]  = {ratio_floor:.2f}x baseline;"
          f" the render is {med['render'] / med['floor']:.2f}x the floor")  # fmt: skip
    print(f"  over the baseline: {1000 * (med['render'] - med['baseline']):.0f} ms; interpreter alone: "
          f"{1000 * med['python']:.0f} ms, jinja2 + mistune: {1000 * (med['baseline'] - med['python']):.0f} ms")  # fmt: skip

    top = sorted(mods.items(), key=lambda kv: -kv[1]["cumulative"])[:10]
    print(f"\n-X importtime of `digest render {ISSUE}`, median of {it_runs} runs (importtime slows imports;"
          " compare these with each other)")
    print(f"  top 10 by cumulative time:  {'cumulative':>10s} {'self':>8s}  depth")
    for name, m in top:
        print(f"    {name:32s} {m['cumulative'] / 1000:8.1f} ms {m['self'] / 1000:6.1f} ms  {m['depth']:g}")
    by_self = sorted(mods.items(), key=lambda kv: -kv[1]["self"])[:10]
    print("  top 10 by self time (the module's own code, without its imports):")
    for name, m in by_self:
        print(f"    {name:32s} {m['self'] / 1000:8.1f} ms")
    total = sum(m["cumulative"] for m in mods.values() if m["depth"] == 0)
    base_total = sum(m["cumulative"] for m in base_mods.values() if m["depth"] == 0)
    extra = set(mods) - set(base_mods)
    extra_total = sum(mods[n]["cumulative"] for n in extra if mods[n]["depth"] == 0)
    packages = by_package(mods)
    print(f"  all imports: {total / 1000:.1f} ms (the baseline's: {base_total / 1000:.1f} ms);"
          f" {len(mods)} modules, {len(extra)} of them not imported by the baseline")
    print("  per top-level package (cumulative of its top-level imports):")
    for root_name, us in list(packages.items())[:12]:
        mark = "" if any(n.split(".")[0] == root_name for n in base_mods) else "  (not in the baseline)"
        print(f"    {root_name:20s} {us / 1000:7.1f} ms{mark}")
    beyond = sorted(((n, mods[n]) for n in extra if mods[n]["depth"] == 0), key=lambda kv: -kv[1]["cumulative"])[:12]
    print("  imported at top level beyond the baseline (largest first):")
    for name, m in beyond:
        print(f"    {name:32s} {m['cumulative'] / 1000:7.1f} ms")

    print(f"\nresult: render start-up {med['render'] * 1000:.0f} ms = {ratio:.2f}x `import jinja2, mistune`"
          f" ({med['baseline'] * 1000:.0f} ms): goal < {GOAL_RATIO}x {'met' if ratio < GOAL_RATIO else 'MISSED'}")  # fmt: skip
    if not args.no_record:
        record("startup", {
            "runs": runs, "python_s": round(med["python"], 4), "baseline_s": round(med["baseline"], 4),
            "render_s": round(med["render"], 4), "ratio": round(ratio, 2),
            "render_md_s": round(med["render_md"], 4), "render_md_ratio": round(ratio_md, 2),
            "floor_s": round(med["floor"], 4), "floor_ratio": round(ratio_floor, 2),
            "render_floor_ratio": round(med["render"] / med["floor"], 2),
            "goal_ratio": GOAL_RATIO, "met": ratio < GOAL_RATIO,
            "importtime": {"runs": it_runs, "total_ms": round(total / 1000, 1), "baseline_total_ms": round(base_total / 1000, 1),
                           "beyond_baseline_ms": round(extra_total / 1000, 1),
                           "top10": {n: round(m["cumulative"] / 1000, 1) for n, m in top},
                           "top10_self": {n: round(m["self"] / 1000, 1) for n, m in by_self},
                           "packages": {n: round(us / 1000, 1) for n, us in list(packages.items())[:12]}},
        })  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
