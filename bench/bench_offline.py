"""Benchmark `digest new --offline` on a store holding 20,000 candidate papers of one week.

    python bench/bench_offline.py            # 20,000 papers, median of 3 runs after a warm-up (~60 s)
    python bench/bench_offline.py --quick    # one run, no warm-up (~30 s)
    python bench/bench_offline.py --papers 5000 --runs 5

Goal (hardening issue): `digest new --offline` with 20,000 candidates in the
store finishes under 5 s and under 300 MB peak RSS.

The store is filled through the CLI, as a user's is: ``digest fetch --since
2025-06-02 --until 2025-06-06`` against a loopback stand-in for arXiv
(``tests/arxiv_server.py``, delay 0) serving ``--papers`` Atom entries made
from the real titles and abstracts of ``../shared/data/arxiv-weeks/*.jsonl``
(read at run time, never copied into the repository). The 3,228 real records
that carry one of the editor's categories are repeated to reach the count; each repeat gets a fresh id (``2506.NNNNN``)
and its abstract's sentences shuffled. Every paper keeps its real categories
(at least one of the editor's cs.LG, cs.CL, cs.CV, cs.AI, stat.ML),
is submitted Monday to Friday of that week before 13:00 UTC (its real time of
day, folded), so all are announced by Sunday night, and has three synthetic
authors (the records have none). The folder is made by ``digest init`` and
holds the repository's ``digest.toml`` (the editor's categories) and
``seeds/`` (the editor's reading list: the ranking profile).

Timed: ``digest new --offline --date 2025-06-08 --json`` as a fresh process,
from scratch each run (the store is restored from a copy taken after the
fetch and the issue file removed, outside the timing), wall time and peak RSS
(``os.wait4``'s ``ru_maxrss`` of that process, taken by a small launcher
process so that the figure does not start from this process's RSS). Baselines in the same run,
the same way (interleaved rounds, same number of runs):

* reading the same rows: a fresh ``python -c`` that opens the store with
  ``sqlite3`` and fetches ``SELECT * FROM papers`` (every column of the
  20,000 rows); the ratio is against this;
* ``digest --help`` (the CLI's start-up);
* ``python -c "import sklearn.feature_extraction.text"`` (what ranking needs
  before it starts; `bench_new.py`'s baseline).

Checked in the same run (untimed): `digest.draft.tfidf` gives the same matrix,
bit for bit, as scikit-learn's ``TfidfVectorizer`` on the store's 20,000 texts
(and a few non-ASCII ones), so the faster counting cannot change the ranking.

Each run appends one JSON line to ``bench/results.jsonl`` (date, commit,
bench, figures).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from common import ENV, REPO, add_record_option, digest_argv, record

sys.path[:0] = [str(REPO), str(REPO / "tests")]

from arxiv_server import ArxivServer  # noqa: E402  (tests/: the loopback stand-in for arXiv)

WEEKS = REPO.parent / "shared" / "data" / "arxiv-weeks"
MONDAY, ISSUE_DATE = datetime(2025, 6, 2, tzinfo=timezone.utc), "2025-06-08"
GOAL_SECONDS, GOAL_MB = 5.0, 300.0
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9$\\(])")
_NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Claude Shannon", "John McCarthy", "Barbara Liskov",
          "Donald Knuth", "Frances Allen", "Edsger Dijkstra", "Leslie Lamport", "Judea Pearl", "Yoshua Bengio"]  # fmt: skip


def records() -> list[dict]:  # type: ignore[type-arg]
    """The real records carrying one of the editor's categories (``arxiv.categories`` of the repository's digest.toml)."""
    with open(REPO / "digest.toml", "rb") as fh:
        editors = set(tomllib.load(fh)["arxiv"]["categories"])
    out = []
    for path in sorted(WEEKS.glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            out += [r for r in map(json.loads, filter(str.strip, fh)) if editors & set(r["categories"])]
    return out


def entry(i: int, rec: dict, rng: random.Random, repeat: bool) -> bytes:  # type: ignore[type-arg]
    """Atom ``<entry>`` number ``i`` (0-based) made from a real record (a ``repeat``: its sentences shuffled)."""
    pid = f"2506.{i + 1:05d}"
    abstract = " ".join(rec["abstract"].split())
    if repeat:
        parts = _SENTENCE.split(abstract)
        rng.shuffle(parts)
        abstract = " ".join(parts)
    real = datetime.fromisoformat(rec["published"])
    seconds = (real.hour * 3600 + real.minute * 60 + real.second) % (13 * 3600)
    when = (MONDAY + timedelta(days=i % 5, seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cats = rec["categories"] or [rec["primary_category"]]
    primary = rec["primary_category"] or cats[0]
    authors = "".join(f"    <author>\n      <name>{escape(n)}</name>\n    </author>\n" for n in rng.sample(_NAMES, 3))
    categories = "".join(f'    <category term="{escape(c)}" scheme="http://arxiv.org/schemas/atom"/>\n' for c in cats)
    return (
        f"<entry>\n    <id>http://arxiv.org/abs/{pid}v1</id>\n    <title>{escape(' '.join(rec['title'].split()))}</title>\n"
        f"    <updated>{when}</updated>\n"
        f'    <link href="https://arxiv.org/abs/{pid}v1" rel="alternate" type="text/html"/>\n'
        f'    <link href="https://arxiv.org/pdf/{pid}v1" rel="related" type="application/pdf" title="pdf"/>\n'
        f"    <summary>{escape(abstract)}</summary>\n{categories}    <published>{when}</published>\n"
        f'    <arxiv:primary_category term="{escape(primary)}"/>\n{authors}  </entry>'
    ).encode("utf-8")


def same_as_vectorizer(store: Path) -> bool:
    """`digest.draft.tfidf` on the store's texts (as `digest new` makes them) is scikit-learn's
    ``TfidfVectorizer``'s matrix, bit for bit, with the same feature names."""
    import sqlite3
    from contextlib import closing

    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from digest.draft.ranking import MAX_DF, document
    from digest.draft.tfidf import TOKEN_PATTERN, tfidf

    with closing(sqlite3.connect(store)) as conn:
        texts = [document(t, a) for t, a in conn.execute("SELECT title, abstract FROM papers ORDER BY id")]
    texts += ["Ünïcödé İstanbul STRASSE straße naïve ﬁne α-β x_y 3D 2 a", "", "A b"]  # beyond ASCII, and no words
    fast, names = tfidf(iter(texts), MAX_DF)
    vectorizer = TfidfVectorizer(sublinear_tf=True, max_df=MAX_DF, token_pattern=TOKEN_PATTERN)
    slow = vectorizer.fit_transform(texts)
    fast, slow = fast.tocsr(), slow.tocsr()
    return list(names) == list(vectorizer.get_feature_names_out()) and all(
        np.array_equal(getattr(fast, k), getattr(slow, k)) for k in ("data", "indices", "indptr"))


# Measured by a small launcher process: on Linux a child's ru_maxrss starts at its parent's RSS at fork
# time (kept across exec), and this process holds the whole window of entries.
_LAUNCHER = (
    "import json, os, subprocess, sys, tempfile, time\n"
    "with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:\n"
    "    start = time.perf_counter()\n"
    "    proc = subprocess.Popen(sys.argv[1:], stdout=out, stderr=err)\n"
    "    _, status, usage = os.wait4(proc.pid, 0)\n"
    "    seconds = time.perf_counter() - start\n"
    "    out.seek(0); err.seek(0)\n"
    "    print(json.dumps({'seconds': seconds, 'rss_mb': usage.ru_maxrss / 1024, 'rc': os.waitstatus_to_exitcode(status),\n"
    "                      'stdout': out.read().decode('utf-8', 'replace'), 'stderr': err.read().decode('utf-8', 'replace')}))\n"
)


def run_measured(argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """``(wall seconds, peak RSS in MB, stdout)`` of one fresh process; exits on failure."""
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, *argv], cwd=cwd, env=env or ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the launcher failed ({done.returncode}): {done.stderr.strip()[-600:]}")
    got = json.loads(done.stdout)
    if got["rc"] != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({got['rc']}): {got['stderr'].strip()[-600:]}")
    return got["seconds"], got["rss_mb"], got["stdout"]


def newsletter(folder: Path, n: int) -> tuple[Path, dict]:  # type: ignore[type-arg]
    """A folder made by `digest init` with the editor's settings and seeds, and ``n`` papers fetched into its store."""
    run_measured(digest_argv("init", str(folder)), REPO)
    shutil.copyfile(REPO / "digest.toml", folder / "digest.toml")
    shutil.copytree(REPO / "seeds", folder / "seeds", dirs_exist_ok=True)
    rng = random.Random(20000)
    recs = records()
    items = [entry(i, recs[i % len(recs)], rng, i >= len(recs)) for i in range(n)]
    with ArxivServer() as server:
        server.serve_window(items)
        env = {**ENV, "DIGEST_ARXIV_API_URL": server.api_url, "DIGEST_ARXIV_DELAY": "0"}
        until = (MONDAY + timedelta(days=4)).date().isoformat()
        seconds, rss, out = run_measured(
            digest_argv("fetch", "--since", MONDAY.date().isoformat(), "--until", until, "--json"), folder, env
        )
    report = json.loads(out)
    report["_seconds"], report["_rss_mb"], report["_records"] = seconds, rss, len(recs)
    return folder, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 3; --quick: 1)")
    parser.add_argument("--quick", action="store_true", help="one run of each, no warm-up")
    add_record_option(parser)
    args = parser.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    if not WEEKS.is_dir() or not any(WEEKS.glob("*.jsonl")):
        print(f"bench_offline: no arXiv weeks in {WEEKS} (the shared data folder is missing); nothing to measure")
        return 0
    if args.papers > 99999:
        parser.error("--papers: at most 99,999 (ids are 2506.NNNNN)")

    tmp = Path(tempfile.mkdtemp(prefix="digest-bench-offline-"))
    try:
        started = time.perf_counter()
        root, fetched = newsletter(tmp / "letter", args.papers)
        built = time.perf_counter() - started
        store_dir = root / ".digest"
        pristine = tmp / "pristine"
        shutil.copytree(store_dir, pristine)
        store = store_dir / "store.sqlite"
        issue = root / "issues" / f"{ISSUE_DATE}.md"

        def reset() -> None:
            issue.unlink(missing_ok=True)
            shutil.rmtree(store_dir)
            shutil.copytree(pristine, store_dir)

        argvs = {
            "read": [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
                     " print(len(c.execute('SELECT * FROM papers').fetchall()))", str(store)],
            "help": digest_argv("--help"),
            "sklearn": [sys.executable, "-c", "import sklearn.feature_extraction.text"],
            "new": digest_argv("new", "--offline", "--date", ISSUE_DATE, "--json"),
        }  # fmt: skip
        got: dict[str, list[tuple[float, float]]] = {k: [] for k in argvs}
        last: dict[str, str] = {}
        for round_ in range(runs + (0 if args.quick else 1)):  # round 0 is the warm-up, unless --quick
            for name, argv in argvs.items():
                if name == "new":
                    reset()
                seconds, rss, out = run_measured(argv, root)
                last[name] = out
                if args.quick or round_ > 0:
                    got[name].append((seconds, rss))
        rows = int(last["read"].strip())
        report = json.loads(last["new"])
        drafted = issue.read_text(encoding="utf-8").count("<!-- digest:paper") if issue.exists() else 0
        identical = same_as_vectorizer(store)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    med = {k: statistics.median(s for s, _ in v) for k, v in got.items()}
    rss = {k: statistics.median(r for _, r in v) for k, v in got.items()}
    peak = max(r for _, r in got["new"])
    ratio, rss_ratio = med["new"] / med["read"], rss["new"] / rss["read"]
    ok_time, ok_mem = med["new"] < GOAL_SECONDS, peak < GOAL_MB
    spread = [s for s, _ in got["new"]]
    candidates, in_window = report.get("candidates"), report.get("in_window")

    print(f"store: {rows} papers from {fetched['_records']} real records, fetched through the CLI from a loopback server"
          f" in {fetched['_seconds']:.1f} s ({fetched.get('requests')} requests, peak {fetched['_rss_mb']:.0f} MB);"
          f" setup {built:.1f} s")  # fmt: skip
    print(f"runs per figure: {runs} (median{'' if args.quick else ', after one warm-up run'}; interleaved rounds)")
    print(f"  python: sqlite3 SELECT * FROM papers, {rows} rows (baseline)  {med['read'] * 1000:7.0f} ms  {rss['read']:5.0f} MB")
    print(f"  digest --help                                         {med['help'] * 1000:7.0f} ms  {rss['help']:5.0f} MB")
    print(f"  python -c 'import sklearn.feature_extraction.text'    {med['sklearn'] * 1000:7.0f} ms  {rss['sklearn']:5.0f} MB")
    print(f"  digest new --offline --date {ISSUE_DATE}               {med['new'] * 1000:7.0f} ms  {rss['new']:5.0f} MB"
          f"  = {ratio:.1f}x the baseline's time, {rss_ratio:.1f}x its RSS"
          f" (runs {', '.join(f'{s:.2f}' for s in spread)} s; peak RSS of all runs {peak:.0f} MB)")  # fmt: skip
    print(f"  drafted: {in_window} papers in the window, {candidates} candidates, {drafted} written into the issue"
          f" (ranked by {report.get('ranked_by')})")  # fmt: skip
    print(f"  digest.draft.tfidf vs TfidfVectorizer on the store's texts: {'identical' if identical else 'DIFFERENT'}")
    if in_window != args.papers:
        print(f"  WARNING: {in_window} of the {args.papers} papers in the window, not all of them")
    print(f"\nresult: {med['new']:.2f} s (goal < {GOAL_SECONDS:g} s: {'met' if ok_time else 'MISSED'}),"
          f" peak RSS {peak:.0f} MB (goal < {GOAL_MB:g} MB: {'met' if ok_mem else 'MISSED'})")  # fmt: skip

    if not args.no_record:
        record("offline", {
            "papers": rows, "in_window": in_window, "candidates": candidates, "written": drafted, "runs": runs,
            "new_s": round(med["new"], 3), "new_runs_s": [round(s, 3) for s in spread],
            "new_rss_mb": round(rss["new"], 1), "new_peak_rss_mb": round(peak, 1),
            "baseline_read_s": round(med["read"], 3), "baseline_read_rss_mb": round(rss["read"], 1),
            "ratio": round(ratio, 2), "rss_ratio": round(rss_ratio, 2),
            "help_s": round(med["help"], 3), "sklearn_import_s": round(med["sklearn"], 3),
            "fetch_s": round(fetched["_seconds"], 2), "fetch_rss_mb": round(fetched["_rss_mb"], 1),
            "goal_s": GOAL_SECONDS, "goal_mb": GOAL_MB, "met_time": ok_time, "met_memory": ok_mem,
            "tfidf_identical": identical,
        })  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
