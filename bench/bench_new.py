"""Benchmark `digest new`: ranking alone, and the whole command on a 5,000-paper week.

    python bench/bench_new.py [--candidates 5000] [--profile 1000] [--runs 5] [--no-record]
    python bench/bench_new.py --candidates 500 --profile 100 --runs 1     # a quick look

Abstracts are synthesised from the real ones in ``tests/fixtures/arxiv`` and
``seeds/`` (sentences recombined), so the vocabulary is arXiv's. Figures,
each a median of ``--runs`` runs after one warm-up:

* ranking N candidates against a profile of M abstracts (`digest.draft.ranking.rank`),
  goal under 2 s; baseline measured in the same run: scikit-learn's bare
  ``TfidfVectorizer().fit_transform`` on the same texts;
* the whole `digest new --offline` as a fresh process on a store holding an
  N-paper week and a seed folder of M abstracts, goal under 5 s; baseline:
  a fresh process that only imports scikit-learn's TF-IDF.

Each run appends its figures to bench/results.jsonl (bench "new").
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from common import add_record_option, digest_argv, record, time_call, time_process, verdict  # noqa: E402


def sentences() -> list[str]:
    """Sentences of real arXiv abstracts (recorded API responses and the seed files)."""
    from arxiv_server import FIXTURES, fixture

    text = []
    for path in sorted(FIXTURES.glob("arxiv-api-*.xml")):
        text += re.findall(r"<summary>(.*?)</summary>", fixture(path.name).decode("utf-8"), re.S)
    for path in sorted((ROOT / "seeds").iterdir()):
        text.append(path.read_text(encoding="utf-8", errors="replace"))
    out = [s.strip() for t in text for s in re.split(r"(?<=[.!?])\s+", " ".join(t.split())) if len(s.split()) > 5]
    return sorted(set(out))


def abstracts(n: int, pool: list[str], rng: random.Random) -> list[str]:
    return [" ".join(rng.sample(pool, 7)) for _ in range(n)]


def papers(n: int, pool: list[str], rng: random.Random) -> list:  # type: ignore[type-arg]
    from digest.paper import Author, Paper

    out = []
    for i, text in enumerate(abstracts(n, pool, rng)):
        when = datetime(2022, 10, 17 + i % 5, 12, tzinfo=timezone.utc)  # Monday..Friday: all announced by Sunday 20:00 ET
        title = " ".join(rng.choice(pool).split()[:9]).rstrip(".")
        out.append(Paper(f"2210.{i + 1:05d}", 1, title, (Author("A. Author"), Author("B. Author")), text,
                         categories=("cs.LG",), primary_category="cs.LG", published=when, updated=when,
                         source="api"))  # fmt: skip
    return out


def newsletter(folder: Path, n: int, m: int, pool: list[str], rng: random.Random) -> Path:
    from digest.store import Store

    (folder / "issues").mkdir(parents=True)
    (folder / "seeds").mkdir()
    (folder / "digest.toml").write_text('[arxiv]\ncategories = ["cs.LG"]\n')
    with open(folder / "seeds" / "profile.jsonl", "w", encoding="utf-8") as fh:
        for i, text in enumerate(abstracts(m, pool, rng)):
            fh.write(json.dumps({"arxiv_id": f"2001.{i + 1:05d}", "abstract": text}) + "\n")
    with Store.open(folder / ".digest" / "store.sqlite") as store:
        store.upsert(papers(n, pool, rng))
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--profile", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    add_record_option(parser)
    args = parser.parse_args()
    from sklearn.feature_extraction.text import TfidfVectorizer

    from digest.draft.ranking import document, rank

    rng = random.Random(5)
    pool = sentences()
    cands = papers(args.candidates, pool, rng)
    profile = abstracts(args.profile, pool, rng)
    texts = [*profile, *(document(p.title, p.abstract) for p in cands)]
    base = time_call(lambda: TfidfVectorizer().fit_transform(texts), args.runs)
    ranked_s = time_call(lambda: rank(cands, profile), args.runs)

    tmp = Path(tempfile.mkdtemp(prefix="digest-bench-new-"))
    try:
        root = newsletter(tmp / "letter", args.candidates, args.profile, pool, rng)
        issue = root / "issues" / "2022-10-23.md"
        argv = digest_argv("new", "--date", "2022-10-23", "--offline")
        # each run drafts from scratch: remove the issue and the record of its draft (its candidates)
        wrapper = [sys.executable, "-c", (
            "import sys, sqlite3, pathlib, subprocess; r = pathlib.Path(sys.argv[1]);"
            " (r / 'issues' / '2022-10-23.md').unlink(missing_ok=True);"
            " c = sqlite3.connect(r / '.digest' / 'store.sqlite'); c.execute('DELETE FROM candidates'); c.execute('DELETE FROM drafts');"
            " c.commit(); c.close(); sys.exit(subprocess.call(sys.argv[2:], cwd=r))"), str(root), *argv]  # fmt: skip
        prune = [sys.executable, "-c", (
            "import sys, sqlite3, pathlib, subprocess; r = pathlib.Path(sys.argv[1]);"
            " (r / 'issues' / '2022-10-23.md').unlink(missing_ok=True);"
            " c = sqlite3.connect(r / '.digest' / 'store.sqlite'); c.execute('DELETE FROM candidates'); c.execute('DELETE FROM drafts');"
            " c.commit(); c.close()"), str(root)]  # fmt: skip
        pruning = time_process(prune, args.runs, cwd=root)
        whole = time_process(wrapper, args.runs, cwd=root) - pruning  # the last run's issue stays
        floor = time_process([sys.executable, "-c", "import sklearn.feature_extraction.text"], args.runs, cwd=root)
        drafted = issue.read_text().count("<!-- digest:paper")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    n, m = args.candidates, args.profile
    print(f"runs per figure: {args.runs} (median, after one warm-up run)")
    print(f"TfidfVectorizer().fit_transform, {n + m} texts (baseline)   {base * 1000:7.0f} ms")
    print(f"rank {n} candidates against {m} profile abstracts     {ranked_s * 1000:7.0f} ms  = {ranked_s / base:.2f}x baseline"
          f" (goal < 2 s: {verdict(ranked_s, 2)})")  # fmt: skip
    print(f"python -c 'import sklearn...text' process (baseline)    {floor * 1000:7.0f} ms")
    print(f"digest new --offline, {n}-paper week, {m} seeds      {whole * 1000:7.0f} ms  = {whole / floor:.2f}x baseline"
          f" (goal < 5 s: {verdict(whole, 5)}; drafted {drafted} candidates)")  # fmt: skip
    if not args.no_record:
        record("new", {
            "candidates": n, "profile": m, "runs": args.runs,
            "rank_s": round(ranked_s, 3), "rank_baseline_s": round(base, 3), "rank_ratio": round(ranked_s / base, 2),
            "rank_goal_s": 2.0, "rank_met": ranked_s < 2,
            "new_s": round(whole, 3), "baseline_s": round(floor, 3), "ratio": round(whole / floor, 2),
            "goal_s": 5.0, "met": whole < 5, "drafted": drafted,
        })  # fmt: skip


if __name__ == "__main__":
    main()
