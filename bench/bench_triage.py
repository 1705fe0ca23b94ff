"""Benchmark `digest triage`: the page for a 1,500-paper week in headless Chromium.

    python bench/bench_triage.py [--papers 1500] [--runs 5] [--no-record]
    python bench/bench_triage.py --papers 200 --runs 1     # a quick look

The week is the real one in ../shared/data/arxiv-weeks (topped up to
--papers with renumbered copies), drafted by `digest new` and served by a
`TriageServer` in this process, as tests/test_triage_browser.py does. Figures,
medians of --runs page loads (each in a fresh browser context):

* the page load: navigation start to the whole list painted (goal under 1 s),
  with its parts: the page (the candidates' JSON inside it), parsing, building the list;
* each key, from the key event to the next frame painted (goal under 50 ms):
  j/k, o (an abstract built and shown), x/d/u (marked at once; the write is
  answered later, "saved" below), each character typed into the filter;
* baselines measured in the same run and browser: the same rows as a static
  HTML page with the page's CSS (load to painted; j/k moving a highlight),
  and waiting for the next frame alone;
* the server's start-up (ranking the pool, TeX to Unicode) and the JSON size.

Needs /usr/bin/chromium and the playwright package (no browser download).
Each run appends its figures to bench/results.jsonl (bench "triage").
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from common import add_record_option, record, verdict  # noqa: E402

KEYS = ["j"] * 15 + ["o", "o", "k", "k", "x", "d", "u", "u", "j", "o", "j"] + ["/"] + list("graph") + ["Enter", "j", "j",
        "/", "Escape", "k"]  # fmt: skip
FRAME_JS = "new Promise(r => { const t = performance.now(); requestAnimationFrame(() => setTimeout(() => r(performance.now() - t), 0)); })"
PARTS_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const mark = (n) => performance.getEntriesByName(n)[0].startTime;
  return {page: nav.responseEnd, parsed_html: nav.domInteractive, parsed: mark('triage-data'),
          first_built: mark('triage-first-rows'), first_painted: window.triageTimings.firstRows,
          built: mark('triage-rendered'), painted: window.triageTimings.load};
}"""


BASELINE_JS = """
(function () {
  var rows = document.querySelectorAll('#list li'), cur = 0, t = window.triageTimings = {keys: [], load: null};
  function after(fn) { requestAnimationFrame(function () { setTimeout(fn, 0); }); }
  rows[0].classList.add('cur');
  document.addEventListener('keydown', function (e) {
    var step = e.key === 'j' ? 1 : e.key === 'k' ? -1 : 0;
    if (!step) return;
    rows[cur].classList.remove('cur'); cur = Math.max(0, Math.min(rows.length - 1, cur + step));
    rows[cur].classList.add('cur'); rows[cur].focus({preventScroll: true}); rows[cur].scrollIntoView({block: 'nearest'});
    var t0 = e.timeStamp; after(function () { t.keys.push({key: e.key, ms: performance.now() - t0}); });
  });
  after(function () { t.load = performance.now(); document.body.dataset.ready = '1'; });
})();
"""


def baseline_page(papers: list[dict]) -> str:  # type: ignore[type-arg]
    """The same rows as static HTML with the page's CSS, and a script that only moves a highlight."""
    from html import escape

    rows = []
    for p in papers:
        cats = "".join(f'<span class="cat">{escape(c)}</span>' for c in p["cats"])
        rows.append(f'<li class="paper" tabindex="-1"><div class="side"><span class="rank">{p["rank"]}</span>'
                    f'<span class="score">{p["score"] or ""}</span></div><div class="body"><h3 class="title">'
                    f'<a href="https://arxiv.org/abs/{escape(p["id"])}">{escape(p["title"])}</a></h3>'
                    f'<p class="meta">{cats}<span class="date">{p["date"]}</span></p></div></li>')  # fmt: skip
    return ('<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>baseline</title>'
            '<link rel="stylesheet" href="/triage.css"><body><div id="layout"><main><ol id="list">'
            + "".join(rows) + "</ol></main></div><script>" + BASELINE_JS + "</script></body></html>")  # fmt: skip


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=5)
    add_record_option(parser)
    args = parser.parse_args()
    from conftest import CHROMIUM
    from conftest import launch_chromium as launch
    from playwright.sync_api import sync_playwright
    from test_triage_browser import ISSUE_DATE, WEEK, build_week, open_page, settle

    if not CHROMIUM.exists() or not WEEK.is_file():
        sys.exit(f"needs {CHROMIUM} and {WEEK}")
    tmp = Path(tempfile.mkdtemp(prefix="digest-bench-triage-"))
    old_cwd = os.getcwd()
    try:
        root = tmp / "letter"
        root.mkdir()
        for name in ("digest.toml", "issues", "seeds"):
            src = ROOT / name
            (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
        os.chdir(root)
        build_week(root, args.papers)

        from digest.config import load_settings
        from digest.triage import Triage, TriageServer

        starts = []
        for _ in range(args.runs):
            t = time.perf_counter()
            server = TriageServer(Triage.open(load_settings(), ISSUE_DATE), port=0)
            starts.append(time.perf_counter() - t)
            server.close()
        server = TriageServer(Triage.open(load_settings(), ISSUE_DATE), port=0)
        server.start()
        size = len(server.state_json())
        import json

        static = baseline_page(json.loads(server.state_json())["papers"])
        loads, walls, parts, keys, saves, frames = [], [], [], {}, [], []  # type: ignore[var-annotated]
        base_loads, base_keys = [], []  # type: ignore[var-annotated]
        with sync_playwright() as p:
            browser = launch(p)
            try:
                open_page(browser, server.url).context.close()  # warm-up
                for _ in range(args.runs):
                    t = time.perf_counter()
                    page = open_page(browser, server.url)
                    walls.append(time.perf_counter() - t)
                    parts.append(page.evaluate(PARTS_JS))
                    loads.append(parts[-1]["painted"])
                    frames += [page.evaluate(FRAME_JS) for _ in range(10)]
                    for key in KEYS:  # one key per frame at most, as a person types; each measured alone
                        page.keyboard.press(key)
                        page.evaluate(FRAME_JS)
                    settle(page)
                    page.evaluate(FRAME_JS)
                    timings = page.evaluate("window.triageTimings")
                    for k in timings["keys"]:
                        keys.setdefault(k["key"], []).append(k["ms"])
                    saves += timings["saves"]
                    page.context.close()
                    # the baseline, in the same browser and minute: a static list of the same rows
                    context = browser.new_context(viewport={"width": 1280, "height": 800})
                    page = context.new_page()
                    page.route(server.url + "baseline", lambda route: route.fulfill(
                        status=200, content_type="text/html; charset=utf-8", body=static))  # fmt: skip
                    page.goto(server.url + "baseline")
                    page.wait_for_selector("body[data-ready]", state="attached")
                    base_loads.append(page.evaluate("window.triageTimings.load"))
                    for key in ["j"] * 15 + ["k"] * 5:
                        page.keyboard.press(key)
                        page.evaluate(FRAME_JS)
                    page.evaluate(FRAME_JS)
                    base_keys += [k["ms"] for k in page.evaluate("window.triageTimings.keys")]
                    context.close()
            finally:
                browser.close()
        server.close()
    finally:
        os.chdir(old_cwd)
        shutil.rmtree(tmp, ignore_errors=True)

    n = args.papers
    load = med(loads)
    print(f"runs per figure: {args.runs} page loads (median); {n} candidates, JSON {size / 1e6:.2f} MB")
    print(f"server start-up (rank the pool, TeX to Unicode, JSON)   {med(starts) * 1000:7.0f} ms")
    base = med(base_loads)
    print(f"baseline: the same rows as a static HTML page, painted  {base:7.0f} ms")
    print(f"page load: navigation to the whole list painted        {load:7.0f} ms  = {load / base:.2f}x baseline"
          f" (goal < 1 s: {verdict(load / 1000, 1)}; Python's goto..ready {med(walls) * 1000:.0f} ms)")  # fmt: skip
    for name, key in (("page received", "page"), ("HTML parsed", "parsed_html"), ("JSON parsed", "parsed"),
                      ("first 40 rows", "first_built"), ("... painted", "first_painted"),
                      ("all rows built", "built")):  # fmt: skip
        print(f"  {name:<15} at {med([x[key] for x in parts]):7.0f} ms")
    floor, moved = med(frames), med(base_keys)
    print(f"baseline: waiting for the next frame alone               {floor:7.1f} ms")
    print(f"baseline: j/k on the static page (a highlight moved)     {moved:7.1f} ms  (max {max(base_keys):.1f})")
    worst = 0.0
    for key in ("j", "k", "o", "x", "d", "u", "/", "filter", "Enter", "Escape"):
        values = keys.get(key, [])
        if not values:
            continue
        worst = max(worst, med(values))
        label = "a character typed into the filter" if key == "filter" else f"key {key}"
        print(f"{label:<36} to next frame  {med(values):7.1f} ms  = {med(values) / moved:4.2f}x  (max {max(values):6.1f},"
              f" {len(values)} presses)")  # fmt: skip
    print(f"slowest key's median {worst:.1f} ms (goal < 50 ms: {verdict(worst / 1000, 0.05)})")
    print(f"x/d/u answered by the server (file + store written)  {med(saves):7.1f} ms  (max {max(saves):.1f})")
    if not args.no_record:
        record("triage", {
            "papers": n, "runs": args.runs, "json_mb": round(size / 1e6, 2), "server_start_ms": round(med(starts) * 1000),
            "load_ms": round(load), "baseline_load_ms": round(base), "load_ratio": round(load / base, 2),
            "load_goal_ms": 1000, "load_met": load < 1000,
            "frame_ms": round(floor, 1), "baseline_key_ms": round(moved, 1),
            "slowest_key_ms": round(worst, 1), "key_goal_ms": 50, "key_met": worst < 50,
            "j_ms": round(med(keys.get("j", [])), 1), "save_ms": round(med(saves), 1),
            "keys_ms": {k: round(med(v), 1) for k, v in keys.items()},
        })  # fmt: skip


if __name__ == "__main__":
    main()
