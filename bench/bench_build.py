"""Benchmark: `digest build` of a long archive, as whole processes.

Goals (issue 7): 500 issues of 15 papers each, every format, under 10 s
from scratch and under 1 s when one issue changed. The baseline, measured
in the same run, is `digest render` of one of those issues in every format
(one process): the from-scratch ratio says how many single renders the
whole archive costs.

Goals ("Hardening and scale"): the cost of a build follows its work, not
the archive's size. One changed issue in a 2,000-issue archive (``--large``)
builds in under 0.5 s, and within 2x the same build in a 50-issue archive
(``--small``), both measured in the same run, alternately, so that a busy
machine slows both alike. The peak memory of a from-scratch build is
reported for both sizes, and what it grows by per issue.

The issues are generated the way `digest new` writes them: a
``digest:paper`` metadata comment per paper (title, authors, categories,
an abstract, a third of them with TeX), and the editor's notes.

    python bench/bench_build.py [--issues 500] [--papers 15] [--runs 5] [--large 2000] [--small 50]
    python bench/bench_build.py --issues 0          # only the scale goals
    python bench/bench_build.py --large 0           # only the 500-issue goals
    python bench/bench_build.py --issues 20 --papers 3 --runs 1 --large 40 --small 10   # a quick look

Each run appends its figures to bench/results.jsonl (bench "build"; ``--no-record``: not).
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from common import ENV, add_record_option, digest_argv, record, verdict

WORDS = ("model training scaling data attention transformer loss gradient benchmark token layer "
         "representation pretraining finetuning inference memory sparse dense evaluation").split()  # fmt: skip
TOML = """name = "Bench Roundup"
author = "Bench Editor"
url = "https://example.org/roundup"

[email]
from = "Bench Editor <editor@example.org>"
to = ["readers@example.org"]
"""


def sentence(r: random.Random, n: int) -> str:
    return " ".join(r.choice(WORDS) for _ in range(n)).capitalize() + "."


def make_issue(day: date, papers: int, salt: str = "") -> str:
    """An annotated issue of ``papers`` papers, as `digest new` drafts it and an editor fills it."""
    r = random.Random(day.toordinal())
    out = ["---", f"date: {day.isoformat()}", f"headline: {sentence(r, 6)[:-1]}", "---", "", sentence(r, 25), ""]
    for k in range(papers):
        pid = f"{day:%y%m}.{(day.toordinal() * 31 + k * 7) % 89999 + 10000:05d}"
        title = sentence(r, 8)[:-1]
        abstract = " ".join(sentence(r, 18) for _ in range(8))
        if k % 3 == 0:
            abstract += " We reach $O(n \\log n)$ cost and a $1.45\\times$ speed-up."
        out += [
            f"## [{title}](https://arxiv.org/abs/{pid})",
            "<!-- digest:paper",
            f"id: {pid}v1",
            f"title: {title}",
            "authors: [Ada Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra]",
            "categories: [cs.LG, cs.CL]",
            "abstract: |-",
            f"  {abstract}",
            "-->",
            "",
            f"{sentence(r, 30)} {sentence(r, 20)}{salt}",
            "",
            f"- {sentence(r, 10)}",
            f"- **{sentence(r, 6)}** and [a link](https://example.org/{k})",
            "",
        ]
    return "\n".join(out)


def make_newsletter(root: Path, issues: int, papers: int) -> list[Path]:
    (root / "issues").mkdir(parents=True)
    (root / "digest.toml").write_text(TOML, encoding="utf-8")
    first = date(2015, 1, 4)
    paths = []
    for i in range(issues):
        day = first + timedelta(days=7 * i)
        path = root / "issues" / f"{day.isoformat()}.md"
        path.write_text(make_issue(day, papers), encoding="utf-8")
        paths.append(path)
    return paths


def timed(argv: list[str], cwd: Path) -> float:
    return measured(argv, cwd)[0]


def measured(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB, the largest process of the build's tree)."""
    import os

    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err.decode(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024


def edit(path: Path, papers: int, salt: str) -> None:
    path.write_text(make_issue(date.fromisoformat(path.stem), papers, salt=salt), encoding="utf-8")


def bench_scale(root: Path, large: int, small: int, papers: int, runs: int) -> dict[str, object]:
    """One changed issue (and none) in a large and a small archive, alternately, same run."""
    sites: dict[int, tuple[Path, list[Path], float, float]] = {}
    for n in (small, large):
        folder = root / f"scale-{n}"
        paths = make_newsletter(folder, n, papers)
        # from scratch, into a folder that does not exist yet (see the note in `main`)
        wall, peak = measured(digest_argv("build", "--out", "site"), folder)
        sites[n] = (folder, paths, wall, peak)
    build = digest_argv("build", "--out", "site")
    changed: dict[int, list[float]] = {small: [], large: []}
    unchanged: dict[int, list[float]] = {small: [], large: []}
    for run in range(runs + 1):
        for n in (small, large):
            folder, paths, _w, _p = sites[n]
            edit(paths[(run * 37) % len(paths)], papers, f" Scale edit {run}.")
            took = timed(build, folder)
            if run:  # the first round warms caches (compiled templates, the page cache)
                changed[n].append(took)
                unchanged[n].append(timed(build, folder))
    one = {n: statistics.median(v) for n, v in changed.items()}
    none = {n: statistics.median(v) for n, v in unchanged.items()}
    ratio = one[large] / one[small]
    print(f"\nscale: {small} and {large} issues x {papers} papers; one issue changed, median of {runs} runs each, alternating")
    for n in (small, large):
        folder, _paths, wall, peak = sites[n]
        site = folder / "site"
        print(f"  {n:5d} issues: one changed {one[n] * 1000:7.1f} ms, nothing changed {none[n] * 1000:7.1f} ms;"
              f" from scratch {wall:6.1f} s, peak {peak:5.0f} MB; feed.xml {(site / 'feed.xml').stat().st_size / 1e6:.2f} MB,"
              f" manifest {(site / '.digest' / 'manifest.json').stat().st_size / 1e6:.2f} MB")  # fmt: skip
    growth = (sites[large][3] - sites[small][3]) / (large - small)
    print(f"  one changed, {large} vs {small} issues: {ratio:.2f}x (goal within 2x: {'meets goal' if ratio <= 2 else 'MISSES goal'});"
          f" {large} issues under 0.5 s: {verdict(one[large], 0.5)}")  # fmt: skip
    print(f"  from-scratch memory grows {growth * 1000:.1f} KB per issue")
    return {
        "large": large, "small": small, "scale_runs": runs,
        "large_changed_s": round(one[large], 3), "small_changed_s": round(one[small], 3), "scale_ratio": round(ratio, 2),
        "scale_goal_ratio": 2.0, "scale_met": ratio <= 2, "large_goal_s": 0.5, "large_met": one[large] < 0.5,
        "large_unchanged_s": round(none[large], 3), "small_unchanged_s": round(none[small], 3),
        "large_scratch_s": round(sites[large][2], 2), "large_peak_mb": round(sites[large][3], 1),
        "small_peak_mb": round(sites[small][3], 1), "kb_per_issue": round(growth * 1000, 1),
        "large_feed_mb": round((sites[large][0] / "site" / "feed.xml").stat().st_size / 1e6, 2),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=500)
    parser.add_argument("--papers", type=int, default=15)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--large", type=int, default=2000, help="issues of the large archive of the scale goals (0: skip)")
    parser.add_argument("--small", type=int, default=50, help="issues of the small archive of the scale goals")
    add_record_option(parser)
    args = parser.parse_args()
    scale: dict[str, object] = {}
    if args.large:
        with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
            scale = bench_scale(Path(tmp), args.large, args.small, args.papers, args.runs)
    if not args.issues:
        if not args.no_record:
            record("build", {"papers": args.papers, **scale})
        return

    with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
        root = Path(tmp)
        paths = make_newsletter(root, args.issues, args.papers)
        render_one = digest_argv("render", str(paths[0]), "--format", "md,html,email,text,substack", "--out", "one")
        timed(render_one, root)  # warm-up: compiled templates, imports
        baseline = statistics.median(timed(render_one, root) for _ in range(args.runs))

        # From scratch = into a folder that does not exist yet, as in a fresh clone. (Deleting
        # the last build just before costs ext4 extra time per new file, which is the file
        # system's inode bookkeeping, not digest's: about 2 s more here with `rm -rf` first.)
        scratch = []
        for k in range(max(1, args.runs // 2)):
            scratch.append(timed(digest_argv("build", "--out", f"site-{k}"), root))
        (root / f"site-{k}").rename(root / "site")
        build = digest_argv("build", "--out", "site")
        unchanged = statistics.median(timed(build, root) for _ in range(args.runs))
        changed = []
        for run in range(args.runs):
            path = paths[(run * 97) % len(paths)]
            day = date.fromisoformat(path.stem)
            path.write_text(make_issue(day, args.papers, salt=f" Edit {run}."), encoding="utf-8")
            changed.append(timed(build, root))
        one_changed = statistics.median(changed)
        from_scratch = statistics.median(scratch)

    print(f"archive: {args.issues} issues x {args.papers} papers, every format; median of {args.runs} runs "
          f"({max(1, args.runs // 2)} from scratch)")  # fmt: skip
    print(f"digest render, 1 issue, 5 formats (baseline) {baseline * 1000:8.1f} ms")
    print(f"digest build from scratch                    {from_scratch * 1000:8.1f} ms  = {from_scratch / baseline:6.1f}x baseline "
          f"(goal < 10 s: {verdict(from_scratch, 10)})")  # fmt: skip
    print(f"digest build, one issue changed              {one_changed * 1000:8.1f} ms  = {one_changed / baseline:6.1f}x baseline "
          f"(goal < 1 s: {verdict(one_changed, 1)})")  # fmt: skip
    print(f"digest build, nothing changed                {unchanged * 1000:8.1f} ms  = {unchanged / baseline:6.1f}x baseline")
    if not args.no_record:
        record("build", {
            "issues": args.issues, "papers": args.papers, "runs": args.runs, "baseline_s": round(baseline, 3),
            "scratch_s": round(from_scratch, 2), "scratch_ratio": round(from_scratch / baseline, 1),
            "scratch_goal_s": 10.0, "scratch_met": from_scratch < 10,
            "changed_s": round(one_changed, 3), "changed_ratio": round(one_changed / baseline, 2),
            "changed_goal_s": 1.0, "changed_met": one_changed < 1,
            "unchanged_s": round(unchanged, 3), "unchanged_ratio": round(unchanged / baseline, 2),
            **scale,
        })  # fmt: skip


if __name__ == "__main__":
    main()
