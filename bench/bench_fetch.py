"""Benchmark `digest fetch` end to end against the local test server (delay 0).

    /work/venv/bin/python bench/bench_fetch.py [--entries 10000] [--runs 5] [--memory-entries 30000]

The window is synthesised by repeating the 100 real entries of
``tests/fixtures/arxiv/arxiv-api-2026-100-entries-all_testing.xml`` and
renumbering their ids. Figures, each a median of ``--runs`` runs:

* requests for the window (goal: ceil(N/2000)), and what arxiv.py's default
  ``Client()`` (page_size 100) makes for the same window on the same server;
* entries stored per second, end to end (HTTP + parse + Paper + SQLite; the
  FTS5 index is built lazily by the first search and timed separately),
  and the same for the baseline measured in the same run: the bare ``arxiv``
  parser on the same pages (no network, no store);
* peak memory (max RSS) of a fresh process fetching ``--memory-entries``;
* requests of a repeated identical run (goal: 0).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
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

SINCE, UNTIL = date(2026, 9, 1), date(2026, 9, 7)


def _settings(api_url: str, store: Path):  # type: ignore[no-untyped-def]
    from digest.config import load_settings

    return load_settings(None, {"arxiv.api_url": api_url, "arxiv.delay": 0.0, "paths.store": str(store)})


def fetch_once(api_url: str, store: Path) -> tuple[float, dict]:  # type: ignore[type-arg]
    from digest.fetch import run_fetch

    t = time.perf_counter()
    report = run_fetch(_settings(api_url, store), since=SINCE, until=UNTIL)
    return time.perf_counter() - t, report.to_dict()


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--memory-entries", type=int, default=30000)
    ap.add_argument("--child", nargs=2, metavar=("API_URL", "STORE"), help=argparse.SUPPRESS)
    ap.add_argument("--serve", type=int, metavar="N", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(*args.child)
    if args.serve:
        return serve(args.serve)

    from arxiv import _feed

    base = entries("arxiv-api-2026-100-entries-all_testing.xml")
    n = args.entries
    items = synthesize(n, base)
    pages = [page(items, s, 2000) for s in range(0, n, 2000)]
    ours, baseline, reqs, repeat_reqs, indexed = [], [], [], [], []  # type: ignore[var-annotated]
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            server = RemoteServer(n)
            store = Path(tmp) / f"run{run}.sqlite"
            seconds, report = fetch_once(server.api_url, store)
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

    med, base_med = statistics.median(ours), statistics.median(baseline)
    print(f"digest fetch benchmark: window of {n} entries, local server, delay 0, {args.runs} runs (medians)")
    print(f"  requests:               {statistics.median(reqs):.0f}  (ceil(N/2000) = {math.ceil(n / 2000)};"
          f" arxiv.py default Client: {arxiv_py})")  # fmt: skip
    print(f"  entries stored/s:       {med:,.0f}  (end to end: HTTP + parse + Paper + SQLite)")
    print(f"  baseline parser only/s: {base_med:,.0f}  (arxiv._feed.parse on the same pages, no I/O)")
    print(f"  ratio ours/baseline:    {med / base_med:.2f}")
    print(f"  FTS5 index, later/s:    {statistics.median(indexed):,.0f}  (Store.index(), run lazily by the first search)")
    print(f"  peak memory, {mem['fetched']} entries: {mem['rss_mb']:.0f} MB max RSS"
          f" ({mem['requests']} requests, {mem['fetched'] / mem['seconds']:,.0f} entries/s)")  # fmt: skip
    print(f"  repeated run requests:  {statistics.median(repeat_reqs):.0f}")


if __name__ == "__main__":
    main()
