"""Benchmark `digest.draft.ranking.rank`: does it find what the editor writes about, and how fast?

    python bench/bench_ranking.py                    # the full run (a few minutes on the 2-core project machine)
    python bench/bench_ranking.py --runs 1 --candidates 1000 --profile 200   # a quick look

1. recall, on each real arXiv week in ``../shared/data/arxiv-weeks/*.jsonl``
   (outside the repository): leave-one-out over the seed abstracts (the
   repository's ``seeds/`` and ``../shared/seeds/`` when present,
   deduplicated). Each seed in turn is hidden among the week's papers as a
   candidate (titled by its first sentence when it has no title), the other
   seeds are the profile, and the hidden seed's rank is recorded. Week papers
   that are seeds themselves are left out, so each hidden seed has no twin.
   Three methods, in the same run: `rank` (a linear SVM on TF-IDF), the
   ranking it replaced (mean TF-IDF cosine to the K=3 nearest profile texts,
   copied below so it stays measurable) and the cosine to the profile's
   TF-IDF centroid. Figures: recall@10/20/60 (60 is how many candidates
   `digest new` drafts by default), MRR and median rank, and for `rank` the
   90% interval of recall@60 and the median rank over resampled seed sets
   (a bootstrap: how much of a difference is the sample of seeds). Goal: recall@60 >=
   0.85 and median rank <= 5 on each full (not partial) week.
2. time: ``--candidates`` x ``--profile`` texts synthesised from the weeks'
   real titles and abstracts (sampled with replacement, sentences shuffled),
   median of ``--runs`` runs after a warm-up, wall clock and CPU; baseline in
   the same run: one ``TfidfVectorizer().fit_transform`` of the same texts.
   Goal: under 2 s for 5,000 x 1,000.
3. memory: the peak of Python allocations during one `rank` call
   (tracemalloc, which sees numpy and scipy arrays but not liblinear's own C
   copy of the matrix), and the peak RSS of a fresh process around the call.

Each run appends one JSON line to ``bench/results.jsonl`` (date, commit,
bench, figures; ``--no-record``: not): the benchmark history lives there. The
headline: per full week the SVM's recall@60 and median rank, whether the goals
are met, and the timing; the whole recall table, timing and memory are nested.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from common import add_record_option, record

ROOT = Path(__file__).resolve().parents[1]
WEEKS = ROOT.parent / "shared" / "data" / "arxiv-weeks"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"
sys.path.insert(0, str(ROOT))

from digest.draft.ranking import document, rank  # noqa: E402
from digest.paper import Paper  # noqa: E402

CUTS = (10, 20, 60)
GOAL_RECALL60, GOAL_MEDIAN, GOAL_SECONDS = 0.85, 5, 2.0
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9$\\(])")


# --- the baselines: the ranking `rank` replaced, and the centroid -------------------------------


def _newest(p: Paper) -> tuple[float, str]:
    return (-(p.published or _EPOCH).timestamp(), p.id)


def _baseline_matrix(papers: Sequence[Paper], profile: Sequence[str]) -> tuple:  # type: ignore[type-arg]
    """The TF-IDF both baselines use: digest's settings before the SVM."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [document(p.title, p.abstract) for p in papers]
    vectorizer = TfidfVectorizer(
        sublinear_tf=True, stop_words="english", min_df=1, max_df=0.95 if len(texts) + len(profile) > 20 else 1.0,
        dtype=np.float32,
    )  # fmt: skip
    matrix = vectorizer.fit_transform([*profile, *texts])
    return matrix[: len(profile)], matrix[len(profile) :]


def _order(papers: Sequence[Paper], scores: Sequence[float]) -> list[Paper]:
    order = sorted(range(len(papers)), key=lambda i: (-scores[i], *_newest(papers[i])))
    return [papers[i] for i in order]


def old_knn(papers: Sequence[Paper], profile: Sequence[str], k: int = 3, matrices: tuple | None = None) -> list[Paper]:  # type: ignore[type-arg]
    """The ranking before the SVM: mean cosine to the ``k`` nearest profile texts (a dense candidates x profile array)."""
    import numpy as np

    prof, cand = matrices or _baseline_matrix(papers, profile)
    sims = (cand @ prof.T).toarray()
    k = min(k, sims.shape[1])
    top = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:] if k < sims.shape[1] else sims
    return _order(papers, np.round(top.mean(axis=1).astype(float), 4).tolist())


def centroid(papers: Sequence[Paper], profile: Sequence[str], matrices: tuple | None = None) -> list[Paper]:  # type: ignore[type-arg]
    """Cosine to the mean of the profile's TF-IDF vectors."""
    import numpy as np

    prof, cand = matrices or _baseline_matrix(papers, profile)
    mean = np.asarray(prof.mean(axis=0)).ravel()
    mean /= np.linalg.norm(mean) or 1.0
    return _order(papers, np.round(np.asarray(cand @ mean).ravel().astype(float), 4).tolist())


def svm(papers: Sequence[Paper], profile: Sequence[str]) -> list[Paper]:
    return [r.paper for r in rank(papers, profile, explain=False)]


# --- data ---------------------------------------------------------------------------------


def seed_abstracts() -> list[tuple[str, str, str | None]]:
    """``(title, abstract, arxiv id)`` of every distinct seed, read the way digest reads them."""
    from digest.seeds import read_seed_folder

    out: dict[str, tuple[str, str, str | None]] = {}
    for folder in (ROOT / "seeds", SHARED_SEEDS):
        for rec in read_seed_folder(folder, strict=False):
            text = " ".join(rec.abstract.split())
            if text:
                out.setdefault(_key(text), (rec.title or first_sentence(text), text, rec.arxiv_id))
    return list(out.values())


def _key(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def first_sentence(text: str) -> str:
    return _SENTENCE.split(text, maxsplit=1)[0][:200]


def week_papers(path: Path) -> list[Paper]:
    papers = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            published = datetime.fromisoformat(r["published"]).replace(tzinfo=timezone.utc) if r.get("published") else None
            papers.append(Paper(r["id"], r.get("version"), r.get("title", ""), abstract=r.get("abstract", ""),
                                categories=tuple(r.get("categories", ())), primary_category=r.get("primary_category"),
                                published=published, source="api"))  # fmt: skip
    return papers


# --- 1. recall ------------------------------------------------------------------------------

Method = Callable[[Sequence[Paper], Sequence[str]], list[Paper]]


def leave_one_out(week: list[Paper], seeds: list[tuple[str, str, str | None]]) -> dict[str, list[int]]:
    """The hidden seed's rank (1 = first), per method, for each seed."""
    ranks: dict[str, list[int]] = {"svm (rank)": [], "old: K=3 cosine": [], "centroid cosine": []}
    for i, (title, abstract, _) in enumerate(seeds):
        hidden = Paper(f"seed-{i:03d}", None, title, abstract=abstract, source="seed")  # no date: it loses every tie
        papers = [*week, hidden]
        profile = [a for j, (_, a, _) in enumerate(seeds) if j != i]
        matrices = _baseline_matrix(papers, profile)
        for name, method in (("svm (rank)", svm), ("old: K=3 cosine", lambda p, q: old_knn(p, q, matrices=matrices)),
                             ("centroid cosine", lambda p, q: centroid(p, q, matrices=matrices))):  # fmt: skip
            ordered = method(papers, profile)
            ranks[name].append(next(n for n, p in enumerate(ordered, 1) if p.id == hidden.id))
    return ranks


def figures(ranks: list[int]) -> dict[str, float]:
    out: dict[str, float] = {f"recall@{c}": round(sum(r <= c for r in ranks) / len(ranks), 3) for c in CUTS}
    out["found@60"] = sum(r <= 60 for r in ranks)
    out["mrr"] = round(statistics.fmean(1 / r for r in ranks), 3)
    out["median_rank"] = statistics.median(ranks)
    return out


def interval(ranks: list[int], resamples: int = 2000, level: float = 0.9) -> dict[str, tuple[float, float]]:
    """How far recall@60 and the median rank move with the sample of seeds: the central ``level``
    of their values over ``resamples`` resamples of the seeds with replacement (a bootstrap; a
    fixed random seed, so a run repeats). With 66 seeds one seed is 0.015 of recall@60."""
    pick = random.Random(0)
    recall, median = [], []
    for _ in range(resamples):
        sample = pick.choices(ranks, k=len(ranks))
        recall.append(sum(r <= 60 for r in sample) / len(sample))
        median.append(statistics.median(sample))
    lo, hi = int(resamples * (1 - level) / 2), int(resamples * (1 + level) / 2) - 1
    recall.sort()
    median.sort()
    return {"recall@60": (round(recall[lo], 3), round(recall[hi], 3)), "median_rank": (median[lo], median[hi])}


# --- 2. time and 3. memory -------------------------------------------------------------------


def synthesise(pool: list[Paper], n: int, m: int, seed: int = 7) -> tuple[list[Paper], list[str]]:
    """``n`` candidates and ``m`` profile texts: real titles and abstracts, sentences shuffled."""
    rng = random.Random(seed)

    def shuffled(p: Paper) -> str:
        parts = _SENTENCE.split(" ".join(p.abstract.split()))
        rng.shuffle(parts)
        return " ".join(parts)

    start = datetime(2025, 6, 2, tzinfo=timezone.utc).timestamp()
    cands = []
    for i in range(n):
        p = rng.choice(pool)
        when = datetime.fromtimestamp(start + rng.randrange(7 * 86400), tz=timezone.utc)
        cands.append(Paper(f"2506.{i:05d}", 1, p.title, abstract=shuffled(p), published=when, source="api"))
    profile = [document(p.title, shuffled(p)) if k % 2 else shuffled(p) for k, p in enumerate(rng.choices(pool, k=m))]
    return cands, profile


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``runs`` calls, after one warm-up call."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def traced_peak(fn: Callable[[], object]) -> float:
    """Peak MB of Python (and numpy/scipy) allocations during ``fn()``."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_probe(n: int, m: int) -> None:
    """(In a fresh process) print the RSS before one `rank` call and the peak RSS after it, as JSON."""
    pool = [p for path in sorted(WEEKS.glob("*.jsonl")) for p in week_papers(path)]
    cands, profile = synthesise(pool, n, m)
    import sklearn.feature_extraction.text  # noqa: F401
    import sklearn.svm  # noqa: F401

    del pool
    before = _status_mb("VmRSS")
    hwm_before = _status_mb("VmHWM")
    rank(cands, profile)
    peak = _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"before_mb": before, "hwm_before_mb": hwm_before, "peak_mb": peak}))


# --- report ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--profile", type=int, default=1000)
    parser.add_argument("--rss-probe", action="store_true", help=argparse.SUPPRESS)
    add_record_option(parser)
    args = parser.parse_args()
    paths = sorted(WEEKS.glob("*.jsonl")) if WEEKS.is_dir() else []
    if not paths:
        print(f"bench_ranking: no arXiv weeks in {WEEKS} (the shared data folder is missing); nothing to measure")
        return 0
    if args.rss_probe:
        rss_probe(args.candidates, args.profile)
        return 0

    seeds = seed_abstracts()
    seed_ids = {i for _, _, i in seeds if i}
    seed_keys = {_key(a) for _, a, _ in seeds}
    print(f"recall: leave-one-out over {len(seeds)} seed abstracts hidden in each week (ranks: 1 = first)")
    recall: dict[str, dict[str, dict[str, float]]] = {}
    spread: dict[str, dict[str, tuple[float, float]]] = {}
    goals: list[tuple[str, bool]] = []
    pool: list[Paper] = []
    started = time.perf_counter()
    for path in paths:
        week = [p for p in week_papers(path) if p.id not in seed_ids and _key(p.abstract) not in seed_keys]
        pool += week
        name = path.stem.removeprefix("week_")
        ranks = leave_one_out(week, seeds)
        recall[name] = {method: figures(r) for method, r in ranks.items()}
        print(f"\n  {name}: {len(week)} papers")
        print(f"    {'method':18s} {'recall@10':>9s} {'recall@20':>9s} {'recall@60':>9s} {'MRR':>6s} {'median rank':>11s}")
        for method, f in recall[name].items():
            print(f"    {method:18s} {f['recall@10']:9.3f} {f['recall@20']:9.3f} {f['recall@60']:9.3f} {f['mrr']:6.3f}"
                  f" {f['median_rank']:11g}")  # fmt: skip
        spread[name] = interval(ranks["svm (rank)"])
        (r_lo, r_hi), (m_lo, m_hi) = spread[name]["recall@60"], spread[name]["median_rank"]
        print(f"    svm, 90% of resampled seed sets: recall@60 {r_lo:.3f}-{r_hi:.3f}, median rank {m_lo:g}-{m_hi:g}")
        if "partial" not in name:
            f = recall[name]["svm (rank)"]
            goals.append((name, f["recall@60"] >= GOAL_RECALL60 and f["median_rank"] <= GOAL_MEDIAN))
    print(f"\n  (recall took {time.perf_counter() - started:.0f} s)")

    from sklearn.feature_extraction.text import TfidfVectorizer

    n, m = args.candidates, args.profile
    cands, profile = synthesise(pool, n, m)
    texts = [*profile, *(document(p.title, p.abstract) for p in cands)]
    base_wall, base_cpu = timed(lambda: TfidfVectorizer().fit_transform(texts), args.runs)
    rank_wall, rank_cpu = timed(lambda: rank(cands, profile), args.runs)
    old_wall, _ = timed(lambda: old_knn(cands, profile), args.runs)
    peak_rank = traced_peak(lambda: rank(cands, profile))
    peak_old = traced_peak(lambda: old_knn(cands, profile))
    probe = subprocess.run([sys.executable, __file__, "--rss-probe", "--candidates", str(n), "--profile", str(m)],
                           capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    rss = json.loads(probe.stdout) if probe.returncode == 0 and probe.stdout.strip() else {}

    print(f"\ntime: {n} candidates x {m} profile texts, median of {args.runs} runs after a warm-up (wall / CPU)")
    print(f"  TfidfVectorizer().fit_transform, {n + m} texts (baseline)  {base_wall:6.2f} s / {base_cpu:5.2f} s")
    print(f"  rank (SVM, with why)                                  {rank_wall:6.2f} s / {rank_cpu:5.2f} s"
          f"  = {rank_wall / base_wall:.2f}x baseline (goal < {GOAL_SECONDS:g} s)")  # fmt: skip
    print(f"  old K=3 cosine (for reference)                        {old_wall:6.2f} s")
    print("memory: one call")
    print(f"  rank: tracemalloc peak {peak_rank:6.1f} MB (old K=3 cosine: {peak_old:.1f} MB)")
    if rss:
        grew = rss["peak_mb"] - max(rss["before_mb"], rss["hwm_before_mb"] or 0)
        print(f"  rank in a fresh process: RSS {rss['before_mb']:.0f} MB before the call, peak {rss['peak_mb']:.0f} MB"
              f" (+{max(grew, 0):.0f} MB over any earlier peak)")  # fmt: skip
    else:
        print(f"  (the RSS probe failed: {probe.stderr.strip().splitlines()[-1:] or probe.returncode})")

    print("\nresults")
    for name, f in recall.items():
        s, o = f["svm (rank)"], f["old: K=3 cosine"]
        print(f"  {name}: recall@60 {o['recall@60']:.3f} -> {s['recall@60']:.3f} ({s['found@60']:g}/{len(seeds)}),"
              f" median rank {o['median_rank']:g} -> {s['median_rank']:g}, MRR {o['mrr']:.3f} -> {s['mrr']:.3f}"
              " (old K=3 cosine -> svm)")  # fmt: skip
    for name, ok in goals:
        print(f"  goal recall@60 >= {GOAL_RECALL60} and median rank <= {GOAL_MEDIAN} on {name}: {'met' if ok else 'MISSED'}")
    print(f"  goal rank {n} x {m} under {GOAL_SECONDS:g} s: {'met' if rank_wall < GOAL_SECONDS else 'MISSED'}"
          f" ({rank_wall:.2f} s wall, {rank_cpu:.2f} s CPU)")  # fmt: skip

    if not args.no_record:
        headline: dict[str, object] = {"seeds": len(seeds)}
        for name, f in recall.items():
            if "partial" not in name:
                week = name.split("_")[0]
                headline[f"recall60_{week}"] = f["svm (rank)"]["recall@60"]
                headline[f"median_rank_{week}"] = f["svm (rank)"]["median_rank"]
                headline[f"recall60_90pc_{week}"] = list(spread[name]["recall@60"])
                headline[f"median_rank_90pc_{week}"] = list(spread[name]["median_rank"])
                headline[f"old_recall60_{week}"] = f["old: K=3 cosine"]["recall@60"]
        headline.update({
            "goal_recall60": GOAL_RECALL60, "goal_median_rank": GOAL_MEDIAN, "recall_met": all(ok for _, ok in goals),
            "candidates": n, "profile": m, "runs": args.runs, "rank_s": round(rank_wall, 3),
            "baseline_s": round(base_wall, 3), "ratio": round(rank_wall / base_wall, 2),
            "goal_s": GOAL_SECONDS, "time_met": rank_wall < GOAL_SECONDS,
            "peak_mb": round(peak_rank, 1),
        })  # fmt: skip
        record("ranking", {
            **headline, "recall": recall,
            "time": {"candidates": n, "profile": m, "runs": args.runs, "rank_s": round(rank_wall, 3),
                     "rank_cpu_s": round(rank_cpu, 3), "baseline_s": round(base_wall, 3),
                     "ratio": round(rank_wall / base_wall, 2), "old_knn_s": round(old_wall, 3)},
            "memory": {"tracemalloc_peak_mb": round(peak_rank, 1), "old_knn_tracemalloc_peak_mb": round(peak_old, 1),
                       "rss_before_mb": rss.get("before_mb"), "rss_peak_mb": rss.get("peak_mb")},
        })  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
