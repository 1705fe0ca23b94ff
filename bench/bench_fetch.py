"""Benchmark `digest fetch` end to end against the local test server (delay 0).

    python bench/bench_fetch.py [--entries 10000] [--runs 5] [--memory-entries 30000] [--no-record]
    python bench/bench_fetch.py --entries 2000 --runs 1 --memory-entries 2000   # a quick look

The window is synthesised by repeating the 100 real entries of
``tests/fixtures/arxiv/arxiv-api-2026-100-entries-all_testing.xml`` and
renumbering their ids. Figures, each a median of ``--runs`` runs:

* requests for the window (goal: ceil(N/2000)), and what arxiv.py's default
  ``Client()`` (page_size 100) makes for the same window on the same server;
* entries stored per second, end to end (HTTP + parse + Paper + SQLite; the
  FTS5 index is built lazily by the first search and timed separately);
* the floor, measured in the same run: the same pages parsed once with lxml
  (`etree.fromstring` and a walk over each entry's children) and their
  columns written with one ``executemany`` INSERT per page into a bare SQLite
  table (the store's columns, no index, WAL as the store), no digest code.
  Goal: the fetch takes at most 1.5x the floor's time (the ratio is the median
  of the runs' ratios; each run times the floor just before and just after
  the fetch and takes the mean of the two). The ratio of
  CPU times (this process's: the server's is its own) is printed too: on a
  busy machine it moves far less than the wall-clock one;
* for reference, the old parser alone: ``arxiv._feed.parse`` on the same
  pages (no network, no store);
* peak memory (max RSS) of a fresh process fetching ``--memory-entries``;
* requests of a repeated identical run (goal: 0).

Each run appends its figures to bench/results.jsonl (bench "fetch").
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from arxiv_server import ArxivServer, entries, page, synthesize  # noqa: E402
from common import add_record_option, record, verdict  # noqa: E402

SINCE, UNTIL = date(2026, 9, 1), date(2026, 9, 7)


def _settings(api_url: str, store: Path):  # type: ignore[no-untyped-def]
    from digest.config import load_settings

    return load_settings(None, {"arxiv.api_url": api_url, "arxiv.delay": 0.0, "paths.store": str(store)})


def fetch_once(api_url: str, store: Path) -> tuple[float, dict]:  # type: ignore[type-arg]
    seconds, _, report = fetch_timed(api_url, store)
    return seconds, report


def fetch_timed(api_url: str, store: Path) -> tuple[float, float, dict]:  # type: ignore[type-arg]
    """``(wall seconds, CPU seconds of this process, report)`` of one `run_fetch` (the server's CPU is its own)."""
    from digest.fetch import run_fetch

    t, cpu = time.perf_counter(), time.process_time()
    report = run_fetch(_settings(api_url, store), since=SINCE, until=UNTIL)
    return time.perf_counter() - t, time.process_time() - cpu, report.to_dict()


def child(api_url: str, store: str) -> None:
    """Run in a fresh process: fetch, then print the report and max RSS (MB)."""
    seconds, report = fetch_once(api_url, Path(store))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "fetched": report["fetched"], "requests": report["requests"], "rss_mb": rss_mb}))


def serve(n: int) -> None:
    """Run in its own process (as arXiv would be): serve a window of ``n`` entries until stdin closes."""
    with ArxivServer() as server:
        server.serve_window(synthesize(n, entries("arxiv-api-2026-100-entries-all_testing.xml")))
        print(server.api_url, flush=True)
        sys.stdin.read()
        print(len(server.api_requests), flush=True)


class RemoteServer:
    """The local server in a separate process, so its CPU is not counted as ours."""

    def __init__(self, n: int) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", str(n)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert self.proc.stdout is not None
        self.api_url = self.proc.stdout.readline().strip()

    def close(self) -> int:
        """Stop the server; returns the API requests it answered."""
        out, _ = self.proc.communicate("")
        return int(out.strip().splitlines()[-1])


def arxiv_py_requests(api_url: str, n: int) -> int:
    """Requests arxiv.py's default client makes for the same window (its page size is 100)."""
    import arxiv

    client = arxiv.Client(delay_seconds=0)
    client.query_url_format = api_url + "?{}"
    got = sum(1 for _ in client.results(arxiv.Search(query="cat:cs.LG", max_results=None)))
    assert got == n, got
    return math.ceil(n / client.page_size)


# -- the floor: one lxml pass and a bare INSERT, no digest code ------------------------------
_A, _X = "{http://www.w3.org/2005/Atom}", "{http://arxiv.org/schemas/atom}"
_FLOOR_TABLE = (
    "CREATE TABLE papers (id TEXT PRIMARY KEY, version INTEGER, versions TEXT, title TEXT, authors TEXT,"
    " abstract TEXT, comment TEXT, journal_ref TEXT, doi TEXT, primary_category TEXT, categories TEXT,"
    " published TEXT, updated TEXT, source TEXT, extra TEXT, first_fetched TEXT, last_fetched TEXT,"
    " fetched_via TEXT, announced TEXT, announced_via TEXT)"
)


def _floor_row(entry, stamp: str) -> tuple:  # type: ignore[no-untyped-def, type-arg]
    """One entry's columns: texts as served, lists as JSON, the id split off its URL."""
    text: dict[str, str | None] = {}
    authors, categories, primary = [], [], None
    for child in entry:
        tag = child.tag
        if tag == _A + "author":
            name, aff = None, []
            for sub in child:
                if sub.tag == _A + "name":
                    name = sub.text
                elif sub.tag == _X + "affiliation":
                    aff.append(sub.text)
            authors.append([name, "; ".join(aff) if aff else None])
        elif tag == _A + "category":
            categories.append(child.get("term"))
        elif tag == _X + "primary_category":
            primary = child.get("term")
        elif tag not in text:
            text[tag] = child.text
    base, _, version = (text[_A + "id"] or "").partition("/abs/")[2].rpartition("v")  # every bench entry has one
    return (base, int(version), f"[{version}]", text.get(_A + "title"), json.dumps(authors),
            text.get(_A + "summary"), text.get(_X + "comment"), text.get(_X + "journal_ref"), text.get(_X + "doi"),
            primary, json.dumps(categories), text.get(_A + "published"), text.get(_A + "updated"), "api", "{}",
            stamp, stamp, "api", None, None)  # fmt: skip


def floor(pages: list[bytes], path: Path) -> int:
    """Parse ``pages`` with lxml and INSERT their rows into a bare table at ``path``, one
    transaction per page (as the store); returns the rows written."""
    from lxml import etree

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(_FLOOR_TABLE)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    rows = 0
    for body in pages:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True, recover=True))
        batch = [_floor_row(e, stamp) for e in root.iterchildren(_A + "entry")]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f"INSERT INTO papers VALUES ({','.join('?' * 20)})", batch)
        conn.execute("COMMIT")
        rows += len(batch)
    conn.close()
    return rows


def timed_floor(pages: list[bytes], path: Path, n: int) -> tuple[float, float]:
    """``(wall seconds, CPU seconds)`` of `floor`."""
    t, cpu = time.perf_counter(), time.process_time()
    rows = floor(pages, path)
    assert rows == n, rows
    return time.perf_counter() - t, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--memory-entries", type=int, default=30000)
    ap.add_argument("--child", nargs=2, metavar=("API_URL", "STORE"), help=argparse.SUPPRESS)
    ap.add_argument("--serve", type=int, metavar="N", help=argparse.SUPPRESS)
    add_record_option(ap)
    args = ap.parse_args()
    if args.child:
        return child(*args.child)
    if args.serve:
        return serve(args.serve)

    from arxiv import _feed

    import digest.fetch  # noqa: F401
    import digest.fetch.client  # noqa: F401 - imported before the timed runs: imports are not throughput

    base = entries("arxiv-api-2026-100-entries-all_testing.xml")
    n = args.entries
    items = synthesize(n, base)
    pages = [page(items, s, 2000) for s in range(0, n, 2000)]
    ours, floors, ratios, cpu_ratios, baseline, reqs, repeat_reqs, indexed = [], [], [], [], [], [], [], []  # type: ignore[var-annotated]
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            server = RemoteServer(n)
            # the floor just before and just after the fetch: a load that drifts during the run cancels out
            before = timed_floor(pages, Path(tmp) / f"floor{run}a.sqlite", n)
            store = Path(tmp) / f"run{run}.sqlite"
            seconds, cpu, report = fetch_timed(server.api_url, store)
            after = timed_floor(pages, Path(tmp) / f"floor{run}b.sqlite", n)
            floor_seconds, floor_cpu = (before[0] + after[0]) / 2, (before[1] + after[1]) / 2
            assert report["fetched"] == n and report["new"] == n and not report["error"], report
            reqs.append(report["requests"])
            ours.append(n / seconds)
            _, again = fetch_once(server.api_url, store)
            repeat_reqs.append(again["requests"])
            from digest.store import Store

            with Store.open(store) as st:
                t = time.perf_counter()
                indexed.append(st.index() / (time.perf_counter() - t))
            served = server.close()
            assert served == report["requests"] + again["requests"], (served, report, again)
            floors.append(n / floor_seconds)
            ratios.append(seconds / floor_seconds)
            cpu_ratios.append(cpu / floor_cpu)
            t = time.perf_counter()
            parsed = sum(len(_feed.parse(p).results) for p in pages)
            baseline.append(parsed / (time.perf_counter() - t))
        server = RemoteServer(n)
        arxiv_py = arxiv_py_requests(server.api_url, n)
        server.close()

        server = RemoteServer(args.memory_entries)
        out = subprocess.run([sys.executable, __file__, "--child", server.api_url, str(Path(tmp) / "mem.sqlite")],
                             check=True, capture_output=True, text=True)  # fmt: skip
        server.close()
        mem = json.loads(out.stdout.strip().splitlines()[-1])

    med, floor_med = statistics.median(ours), statistics.median(floors)
    ratio, cpu_ratio = statistics.median(ratios), statistics.median(cpu_ratios)
    print(f"digest fetch benchmark: window of {n} entries, local server, delay 0, {args.runs} runs (medians)")
    print(f"  requests:               {statistics.median(reqs):.0f}  (ceil(N/2000) = {math.ceil(n / 2000)};"
          f" arxiv.py default Client: {arxiv_py})")  # fmt: skip
    print(f"  entries stored/s:       {med:,.0f}  (end to end: HTTP + parse + Paper + SQLite)")
    print(f"  floor/s:                {floor_med:,.0f}  (lxml parse + executemany INSERT into a bare table, same pages)")
    print(f"  time ratio fetch/floor: {ratio:.2f}  (wall; runs: {', '.join(f'{r:.2f}' for r in ratios)};"
          f" goal at most 1.5: {verdict(ratio, 1.5 + 1e-9)})")  # fmt: skip
    print(f"  CPU ratio fetch/floor:  {cpu_ratio:.2f}  (this process's CPU time, steadier on a busy machine;"
          f" runs: {', '.join(f'{r:.2f}' for r in cpu_ratios)})")  # fmt: skip
    print(f"  old parser alone/s:     {statistics.median(baseline):,.0f}  (arxiv._feed.parse on the same pages, no I/O)")
    print(f"  FTS5 index, later/s:    {statistics.median(indexed):,.0f}  (Store.index(), run lazily by the first search)")
    print(f"  peak memory, {mem['fetched']} entries: {mem['rss_mb']:.0f} MB max RSS"
          f" ({mem['requests']} requests, {mem['fetched'] / mem['seconds']:,.0f} entries/s)")  # fmt: skip
    print(f"  repeated run requests:  {statistics.median(repeat_reqs):.0f}")
    if not args.no_record:
        requests, repeated = statistics.median(reqs), statistics.median(repeat_reqs)
        record("fetch", {
            "entries": n, "runs": args.runs, "requests": requests, "requests_goal": math.ceil(n / 2000),
            "arxiv_py_requests": arxiv_py, "entries_per_s": round(med), "floor_per_s": round(floor_med),
            "ratio": round(ratio, 2), "cpu_ratio": round(cpu_ratio, 2), "goal_ratio": 1.5,
            "met": ratio <= 1.5 + 1e-9, "old_parser_per_s": round(statistics.median(baseline)),
            "index_per_s": round(statistics.median(indexed)), "memory_entries": mem["fetched"],
            "memory_rss_mb": round(mem["rss_mb"], 1), "memory_goal_mb": 300, "memory_met": mem["rss_mb"] < 300,
            "repeat_requests": repeated, "repeat_met": repeated == 0,
            "ratios": [round(r, 2) for r in ratios], "cpu_ratios": [round(r, 2) for r in cpu_ratios],
        })  # fmt: skip


if __name__ == "__main__":
    main()
