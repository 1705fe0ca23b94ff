"""Benchmarks for seed data: resolving id-less abstracts, and reading seed files.

    python bench/bench_seeds.py                      # the full run (goals below)
    python bench/bench_seeds.py --papers 20000 --seeds 1000 --records 10000 --runs 3   # a quick look
    python bench/bench_seeds.py --papers 2000 --seeds 100 --records 2000 --runs 1     # a smoke test (~30 s)

1. resolve: ``--seeds`` id-less abstracts (half planted copies of stored papers,
   perturbed the ways seed files differ from arXiv: case and spacing, a
   sentence missing, words run together; half decoys that are in no store)
   against a store of ``--papers`` papers. Goal: under 30 s for 10,000 against
   200,000, every planted match found, no false match. Baseline, in the same
   run: the store's generic `Store.search` (the abstract's words OR-ed, BM25)
   on a sample, extrapolated to all seeds.
2. read: ``--records`` seed records in five files, one per shape (trailer,
   labelled, viewer, JSON Lines, CSV), 10% repeated across files. Goal: under
   5 s for 100,000. Baseline: reading and splitting the same files into lines.
   Then the same with three times the records (``--scale 3``), each reading in
   a fresh process (so its peak memory is its own). Goal: linear, i.e. 300,000
   records within 3.3x the CPU time of 100,000, and within 3.3x the memory.

The papers are synthesised from real entries: the recorded arXiv responses in
tests/fixtures/arxiv and the seed files. Each paper is 4-8 sentences drawn
from real abstracts with one word in six replaced by a word from the real
vocabulary, and the words that only one real abstract uses (names, acronyms)
renamed per paper, so that rare words stay rare as in arXiv while every
abstract is different. Times are medians of ``--runs`` runs, wall clock and
CPU (the CPU figure is the one to compare on a busy machine).

Each run appends its figures to bench/results.jsonl (bench "seeds"; ``--no-record``: not).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import add_record_option, record  # noqa: E402

from digest.paper import Paper  # noqa: E402
from digest.seeds import SeedRecord, read_seed_folder, text_key  # noqa: E402


def real_abstracts() -> list[str]:
    """Every distinct abstract in the recorded responses and the seed files."""
    import feedparser
    from arxiv import _feed

    from digest.fetch.convert import paper_from_result, papers_from_rss

    texts: list[str] = []
    for path in sorted((ROOT / "tests" / "fixtures" / "arxiv").glob("*.xml")):
        data = path.read_bytes()
        if path.name.startswith("arxiv-api"):
            parsed = _feed.parse(data)
            texts += [p.abstract for p in map(paper_from_result, parsed.results) if p]
        elif path.name.startswith("rss"):
            texts += [p.abstract for p in papers_from_rss(feedparser.parse(data))[0]]
    texts += [r.abstract for r in read_seed_folder(ROOT / "seeds")]
    seen: dict[str, str] = {}
    for t in texts:
        if len(t) > 300:
            seen.setdefault(text_key(t), " ".join(t.split()))
    return list(seen.values())


_WORD = re.compile(r"\b[A-Za-z][A-Za-z0-9]{3,}\b")


class Synth:
    """Synthetic abstracts from real sentences and the real vocabulary.

    Recombining a few thousand real sentences 200,000 times would make every
    word common. In arXiv, a paper's rarest words (its method's name, a
    dataset, an acronym) stay rare; so the words found in only one real
    abstract are renamed per synthetic paper (``UL2R`` -> ``UL2Rqkz``).
    """

    def __init__(self, abstracts: list[str], seed: int) -> None:
        self.rng = random.Random(seed)
        self.sentences = [s for a in abstracts for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", a) if len(s.split()) >= 6]
        df: dict[str, int] = {}
        for a in abstracts:
            for w in {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9]{3,}", a)}:
                df[w] = df.get(w, 0) + 1
        # Replacement words come from those in several real abstracts, so they add no rare word.
        self.vocab = sorted({w for a in abstracts for w in re.findall(r"[A-Za-z][a-z]{3,}", a) if df.get(w.lower(), 0) > 1})
        self.rare = {w for w, n in df.items() if n == 1}

    def abstract(self) -> str:
        out = []
        for s in self.rng.sample(self.sentences, self.rng.randint(4, 8)):
            words = s.split()
            for _ in range(max(1, len(words) // 6)):
                words[self.rng.randrange(len(words))] = self.rng.choice(self.vocab)
            out.append(" ".join(words))
        tag = "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4))
        renamed: set[str] = set()

        def rename(m: re.Match[str]) -> str:  # at most 4 distinct rare words per paper
            word = m.group(0)
            low = word.lower()
            if low in self.rare and (low in renamed or len(renamed) < 4):
                renamed.add(low)
                return word + tag
            return word

        return _WORD.sub(rename, " ".join(out))

    def title(self) -> str:
        return " ".join(self.rng.sample(self.vocab, self.rng.randint(5, 10))).capitalize()


def perturb(text: str, kind: int, rng: random.Random) -> str:
    """How a seed copy differs from arXiv's text."""
    if kind == 0:
        return text
    if kind == 1:
        return "  ".join(text.lower().split())
    if kind == 2:  # one sentence missing (an older or newer version)
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
        if len(sentences) > 3:
            del sentences[rng.randrange(len(sentences))]
        return " ".join(sentences)
    words = text.split()  # dataset-viewer glitch: words run together
    return "".join(w + ("" if i % 10 == 7 else " ") for i, w in enumerate(words)).strip()


def timed(fn, runs: int) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """Median wall-clock and CPU seconds of ``runs`` calls, and the last result."""
    wall, cpu, result = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), result


# --- 1. resolution -------------------------------------------------------------------------


def bench_resolve(n_papers: int, n_seeds: int, runs: int, sample: int, workdir: Path, figures: dict) -> bool:  # type: ignore[type-arg]
    from digest.seeds.resolve import CACHE_PREFIX, pick, resolve
    from digest.store import Store

    synth = Synth(real_abstracts(), seed=1)
    print(f"real entries: {len(synth.sentences)} sentences, {len(synth.vocab)} words")
    start = time.perf_counter()
    store = Store.open(workdir / "bench.sqlite")
    papers = []
    for i in range(n_papers):
        papers.append(Paper(id=f"{2001 + i // 99999:04d}.{i % 99999 + 1:05d}", version=1, title=synth.title(),
                            abstract=synth.abstract(), source="api"))  # fmt: skip
    for i in range(0, n_papers, 20000):
        store.upsert(papers[i : i + 20000])
    store.index()
    print(f"store: {n_papers:,} papers built and indexed in {time.perf_counter() - start:.1f} s")

    rng = random.Random(2)
    planted = rng.sample(papers, n_seeds // 2)
    records, truth = [], {}
    for i, p in enumerate(planted):
        records.append(SeedRecord(sources=(("planted", i + 1),), arxiv_id=None, version=None,
                                  abstract=perturb(p.abstract, i % 4, rng)))  # fmt: skip
        truth[i + 1] = p.id
    decoys = Synth(real_abstracts(), seed=3)
    for i in range(n_seeds - len(planted)):
        records.append(SeedRecord(sources=(("decoy", i + 1),), arxiv_id=None, version=None, abstract=decoys.abstract()))

    def run() -> object:
        with store.transaction():
            store.conn.execute("DELETE FROM kv WHERE substr(key, 1, ?) = ?", (len(CACHE_PREFIX), CACHE_PREFIX))
        return resolve(records, store)

    median, cpu, report = timed(run, runs)
    found = {r.record.line: r.arxiv_id for r in report.resolutions if r.record.file == "planted" and r.arxiv_id}  # type: ignore[attr-defined]
    false = [r for r in report.resolutions if r.arxiv_id and (r.record.file == "decoy" or truth[r.record.line] != r.arxiv_id)]  # type: ignore[attr-defined]
    hits = sum(1 for k, v in found.items() if truth[k] == v)
    for r in report.resolutions:  # type: ignore[attr-defined]
        if r.record.file == "planted" and found.get(r.record.line) != truth[r.record.line]:
            kind = ("exact", "case+spacing", "sentence dropped", "words run together")[(r.record.line - 1) % 4]
            print(f"  missed planted #{r.record.line} ({kind}): {r.note or r.arxiv_id}")

    def baseline() -> None:
        for rec in records[:: max(1, len(records) // sample)][:sample]:
            pick(rec.abstract, ((p.id, p.abstract) for p, _ in store.search(rec.abstract, limit=5)))

    _, base, _ = timed(baseline, 1)
    base_all = base / sample * n_seeds
    ok = hits == len(truth) and not false and min(median, cpu) < 30
    print(f"resolve {n_seeds:,} id-less abstracts against {n_papers:,} papers: median {median:.2f} s wall,"
          f" {cpu:.2f} s CPU of {runs} runs ({cpu / n_seeds * 1000:.2f} ms CPU each)")  # fmt: skip
    print(f"  planted matches found: {hits}/{len(truth)} ({100 * hits / len(truth):.0f}%), false matches: {len(false)}")
    print(f"  baseline Store.search on {sample} seeds: {base / sample * 1000:.1f} ms CPU each, {base_all:.1f} s for all"
          f" -> ours is {base_all / cpu:.1f}x faster")  # fmt: skip
    print(f"  goal: under 30 s, 100% found, no false match: {'met' if ok else 'NOT MET'}")
    figures.update({
        "papers": n_papers, "seeds": n_seeds, "runs": runs, "resolve_s": round(median, 2), "resolve_cpu_s": round(cpu, 2),
        "planted": len(truth), "found": hits, "false_matches": len(false), "baseline_all_s": round(base_all, 1),
        "speedup": round(base_all / cpu, 1), "resolve_goal_s": 30, "resolve_met": ok,
    })  # fmt: skip
    store.close()
    return ok


# --- 2. reading ----------------------------------------------------------------------------


def write_seed_files(n: int, folder: Path) -> int:
    """``n`` records over five files, one per shape; returns the distinct count."""
    synth = Synth(real_abstracts(), seed=4)
    rng = random.Random(5)
    per = n // 5
    distinct = [synth.abstract() for _ in range(n - n // 10)]
    pool = distinct + rng.sample(distinct, n - len(distinct))  # 10% repeated
    rng.shuffle(pool)
    ids = [f"{2101 + i // 90000:04d}.{i % 90000 + 10000:05d}" for i in range(n)]
    chunks = [list(zip(ids[k * per : (k + 1) * per], pool[k * per : (k + 1) * per])) for k in range(5)]
    with open(folder / "a_trailer.txt", "w") as f:
        for ident, text in chunks[0]:
            f.write(f"{text}\n{'12 pages' if ident.endswith('7') else ''}\narXiv:{ident}")
    with open(folder / "b_labelled.txt", "w") as f:
        f.write("Curator\n" + "".join(f"Abstract:{text}\n" for _, text in chunks[1]))
    with open(folder / "c_viewer.txt", "w") as f:
        f.write("arxiv_id\nstringlengths\n9\n12\nabstract\nstringlengths\n431\n13.8k\n")
        f.write("".join(f"{ident}v2\n{text}\n" for ident, text in chunks[2]))
    with open(folder / "d_list.jsonl", "w") as f:
        f.write("".join(json.dumps({"arxiv_id": i, "abstract": t}) + "\n" for i, t in chunks[3]))
    with open(folder / "e_list.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["arxiv_id", "abstract"])
        w.writerows(chunks[4])
    return len(distinct)


_PEAK = """
def peak_mb():
    # VmHWM: this process's own peak (ru_maxrss would include the parent's size at fork)
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""
_READ_ONE = _PEAK + """
import json, logging, sys, time
logging.disable(logging.WARNING)
sys.path.insert(0, sys.argv[2])
from digest.seeds import read_seed_folder
start, start_cpu = time.perf_counter(), time.process_time()
records = read_seed_folder(sys.argv[1])
print(json.dumps({"wall": time.perf_counter() - start, "cpu": time.process_time() - start_cpu, "rss_mb": peak_mb(),
                  "records": sum(len(r.sources) for r in records), "distinct": len(records)}))
"""
_IDLE = _PEAK + """
import logging, sys
logging.disable(logging.WARNING)
sys.path.insert(0, sys.argv[2])
from digest.seeds import read_seed_folder
print(peak_mb())
"""


def _read_in_process(folder: Path, runs: int) -> dict[str, float]:
    """Medians over ``runs`` fresh processes reading ``folder``: wall, CPU, peak RSS, counts."""
    import subprocess

    results = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", _READ_ONE, str(folder), str(ROOT)], capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout))
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def bench_read(n: int, runs: int, workdir: Path, figures: dict, scale: int = 3) -> bool:  # type: ignore[type-arg]
    import subprocess

    folder = workdir / "seeds"
    folder.mkdir()
    write_seed_files(n, folder)
    files = sorted(folder.iterdir())

    def baseline() -> int:
        return sum(len(p.read_bytes().decode("utf-8").splitlines()) for p in files)

    base_wall, base, _ = timed(baseline, runs)
    small = _read_in_process(folder, runs)
    median, cpu, total = small["wall"], small["cpu"], int(small["records"])
    ok = min(median, cpu) < 5 and total == n
    print(f"read {total:,} seed records in 5 files ({int(small['distinct']):,} distinct after dedup): "
          f"median {median:.2f} s wall, {cpu:.2f} s CPU of {runs} runs ({cpu / n * 1e6:.1f} us CPU per record),"
          f" peak {small['rss_mb']:.0f} MB")  # fmt: skip
    print(f"  baseline read+split lines: {base:.3f} s CPU -> ours is {cpu / base:.1f}x the floor")
    print(f"  goal: under 5 s: {'met' if ok else 'NOT MET'}")
    figures.update({
        "records": total, "read_runs": runs, "read_s": round(median, 2), "read_cpu_s": round(cpu, 2),
        "read_rss_mb": round(small["rss_mb"], 1), "read_baseline_cpu_s": round(base, 3),
        "read_ratio": round(cpu / base, 1), "read_goal_s": 5, "read_met": ok,
    })  # fmt: skip
    if scale > 1:
        big_folder = workdir / "seeds-big"
        big_folder.mkdir()
        write_seed_files(n * scale, big_folder)
        big = _read_in_process(big_folder, runs)
        idle = float(subprocess.run([sys.executable, "-c", _IDLE, "", str(ROOT)], capture_output=True, text=True,
                                    check=True).stdout)  # fmt: skip
        time_ratio = big["cpu"] / small["cpu"]
        memory_ratio = (big["rss_mb"] - idle) / (small["rss_mb"] - idle)
        linear = time_ratio <= 1.1 * scale and memory_ratio <= 1.1 * scale and int(big["records"]) == n * scale
        print(f"read {int(big['records']):,} seed records: median {big['wall']:.2f} s wall, {big['cpu']:.2f} s CPU, "
              f"peak {big['rss_mb']:.0f} MB ({idle:.0f} MB of it the interpreter and imports)")  # fmt: skip
        print(f"  {scale}x the records: {time_ratio:.2f}x the CPU time, {memory_ratio:.2f}x the memory"
              f" (goal: linear, within {1.1 * scale:.1f}x: {'met' if linear else 'NOT MET'})")  # fmt: skip
        ok &= linear
        figures.update({
            "scale_records": int(big["records"]), "scale_cpu_s": round(big["cpu"], 2), "scale_rss_mb": round(big["rss_mb"], 1),
            "scale_time_ratio": round(time_ratio, 2), "scale_memory_ratio": round(memory_ratio, 2),
            "scale_goal_ratio": round(1.1 * scale, 1), "scale_met": linear,
        })  # fmt: skip
    return ok


def main() -> int:
    import logging

    logging.disable(logging.WARNING)  # the recorded error feeds are skipped with a warning
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=200_000)
    ap.add_argument("--seeds", type=int, default=10_000)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--scale", type=int, default=3, help="read also SCALE times the records, for linearity (1: skip)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sample", type=int, default=20, help="seeds timed with the baseline search")
    ap.add_argument("--only", choices=["resolve", "read"])
    add_record_option(ap)
    args = ap.parse_args()
    ok = True
    figures: dict = {}  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "read":
            ok &= bench_resolve(args.papers, args.seeds, args.runs, args.sample, Path(tmp), figures)
        if args.only != "resolve":
            ok &= bench_read(args.records, max(args.runs, 5), Path(tmp), figures, args.scale)
    if not args.no_record:
        record("seeds", {**figures, "met": bool(ok)})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
