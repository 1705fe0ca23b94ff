"""Benchmark: every parser that reads user or arXiv text, on pathological lines.

Goal (issue "Hardening and scale"): each parser is linear in its input. A 1 MB
line of each pathological shape (``## ##<spaces> x``, ``[a](`` repeated, a
front matter value of ``x<spaces>y``, ``[``, ``(``, ``$``, ``\\``, ``<!--``, ``*``,
``_``, ...) is parsed in about the time an ordinary input of the same size
takes: the figure is the ratio of medians, measured in the same run. Quadratic
code shows as a ratio in the hundreds (the first shape took 176 s before).

    python bench/bench_parsers.py [--size BYTES] [--notes-size BYTES] [--runs N] [--only WORD] [--no-record]
    python bench/bench_parsers.py --size 65536 --notes-size 16384 --runs 1     # a quick look

Parts: the issue parser (``parse_issue``: headings and links, front matter,
comments, the digest:paper comment), arXiv's text (``tex.paragraphs`` for titles
and abstracts, the RSS conversions), ``arxiv.query`` (``compile_query``), and the
editor's Markdown (mistune, through ``notes.to_html``; smaller, as mistune reads
about 10 us a character on bracket-heavy text).

Each run appends its figures to bench/results.jsonl (bench "parsers"): per part the
worst ratio to the baseline, and the median and worst growth (one slow run of a
millisecond case makes the worst growth jump; the median is the steady one).
"met" when every part's worst ratio is under 100x (quadratic code shows in the
hundreds, see above).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import add_record_option, record, time_call  # noqa: E402

from digest import tex
from digest.fetch import convert as arxiv_convert
from digest.issue import notes, parse_issue  # noqa: E402
from digest.query import compile_query, query_problem  # noqa: E402

HEAD = "---\ndate: 2022-10-23\n---\n"
MOTIFS = {
    "[": "[", "(": "(", "$": "$", "\\": "\\", "<!--": "<!--", "<!---->": "<!---->", "*": "*", "_": "_",
    "[a](": "[a](", "](": "](", "\\(": "\\(", "\\a[": "\\a[", "(arXiv:": "(arXiv:", "<a ": "<a ", " #": " #",
    "`": "`", "{": "{", "\\a{": "\\a{", "$\\": "$\\",
}  # fmt: skip
WORDS = ("scaling language models improves performance but comes with significant computational costs "
         "we propose a method that continues training with a mixture of denoisers at a fraction of the cost").split()  # fmt: skip


def repeat(motif: str, size: int) -> str:
    return motif * max(1, size // len(motif))


def prose(size: int, width: int = 0) -> str:
    """Ordinary words, ``size`` characters; broken into lines of ``width`` when given."""
    out, n, line = [], 0, 0
    i = 0
    while n < size:
        word = WORDS[i % len(WORDS)]
        i += 1
        if width and line + len(word) > width:
            out.append("\n")
            line = 0
        out.append(word + " ")
        n += len(word) + 1
        line += len(word) + 1
    return "".join(out)[:size]


def ordinary_issue(size: int) -> str:
    """An issue as `digest new` drafts and an editor annotates it, ``size`` characters long."""
    parts, n, k = [HEAD.replace("---\n", "---\nheadline: CNNs, SetFit and a trifecta\n", 1), "\nIntro.\n"], 0, 0
    while n < size:
        section = (
            f"\n## [Transcending Scaling Laws with {k} Extra Compute](https://arxiv.org/abs/2210.{10000 + k % 90000})\n"
            f"<!-- digest:paper\nid: 2210.{10000 + k % 90000}v2\ntitle: Transcending Scaling Laws\n"
            f"authors: [Yi Tay, Jason Wei]\ncategories: [cs.CL, cs.LG]\nabstract: |-\n  {prose(600, 70).replace(chr(10), chr(10) + '  ')}\n-->\n\n"
            f"{prose(400, 80)}\n"
        )
        parts.append(section)
        n += len(section)
        k += 1
    return "".join(parts)


def _unclosed_runs(size: int) -> str:
    """Runs of 1, 2, 3, ... backticks, none closed (each length once), to ``size``: a scan for each
    run's closer to the line's end would make reading it grow as size ** 1.5."""
    parts, total, k = [], 0, 1
    while total < size:
        parts.append("`" * k + "x" * 50)
        total += k + 50
        k += 1
    return "".join(parts)[:size]


def issue_shapes(size: int) -> dict[str, str]:
    shapes = {
        "heading '## ##<spaces> x'": HEAD + "## ##" + " " * size + " x\nnotes\n",
        "front matter 'headline: x<spaces>y'": "---\ndate: 2022-10-23\nheadline: x" + " " * size + "y\n---\nnotes\n",
        "body '<!---->' repeated": HEAD + repeat("<!---->", size) + "\n",
        "many sections and comments": HEAD + repeat("## a\n<!-- c -->\n", size),
        "code spans, then a comment": HEAD + repeat("`a` ", size) + "<!-- c -->\n",
        "unclosed backtick runs, then a comment": HEAD + _unclosed_runs(size) + "<!-- c -->\n",
    }
    for name, motif in MOTIFS.items():
        shapes[f"heading {name!r}"] = HEAD + "## " + repeat(motif, size) + "\nnotes\n"
    for name in ("[", "(", "[a](", "\\", " #", "{"):
        shapes[f"front matter {name!r}"] = "---\ndate: 2022-10-23\nheadline: x" + repeat(MOTIFS[name], size) + "\n---\n"
    return shapes


def arxiv_shapes(size: int) -> dict[str, str]:
    return {f"{name!r}": repeat(motif, size) for name, motif in MOTIFS.items()}


def notes_shapes(size: int) -> dict[str, str]:
    half = size // 14
    shapes = {f"{name!r}": repeat(motif, size) for name, motif in MOTIFS.items() if name != "<!--"}
    shapes["nested emphasis"] = "*a **a " * (half // 2) + "b" + " a** a*" * (half // 2)
    shapes["'[ (]('"] = repeat("[ (](", size)
    shapes["'*a_ '"] = repeat("*a_ ", size)
    return shapes


Case = Callable[[int], Callable[[], object]]
"""A case: given a size in characters, the call to time."""


def report(
    part: str, baseline_name: str, baseline: Case, cases: dict[str, Case], runs: int, size: int
) -> tuple[float, float, float]:
    """Print each case's median, its ratio to the baseline at the same size, and how its time
    grows from a quarter of the size (4x is linear, 16x quadratic); return the worst ratio and the
    median and worst growth."""
    base = time_call(baseline(size), runs, warm_up=False)
    print(f"\n{part}: {size / 1e6:.2f} MB inputs, medians of {runs} runs; growth = time / time at a quarter of the size")
    print(f"  {'(baseline) ' + baseline_name:46} {base * 1000:9.1f} ms            "
          f"growth {base / time_call(baseline(size // 4), runs, warm_up=False):5.1f}x")  # fmt: skip
    worst = 0.0
    growths = []
    for name, case in cases.items():
        t = time_call(case(size), runs, warm_up=False)
        quarter = time_call(case(size // 4), runs, warm_up=False)
        worst = max(worst, t / base)
        growths.append(t / max(quarter, 1e-6))
        print(f"  {name:46} {t * 1000:9.1f} ms = {t / base:6.2f}x  growth {t / max(quarter, 1e-6):5.1f}x", flush=True)
    return worst, statistics.median(growths), max(growths)


def _tex(text: str) -> Callable[[], object]:
    def run() -> object:
        tex._convert_span.cache_clear()
        return tex.paragraphs(text)

    return run


def _notes(text: str) -> Callable[[], object]:
    def run() -> object:
        notes.parse.cache_clear()
        return notes.to_html(text)

    return run


def _issue(text: str) -> Callable[[], object]:
    def run() -> object:
        try:
            return parse_issue(text, "2022-10-23.md")
        except Exception as exc:  # an InputError is a finished parse too (e.g. a comment never closed)
            return exc

    return run


def _rss(title: str, text: str) -> Callable[[], object]:
    entry = {"title": title, "summary": text, "author": "<a href='x'>" + text + "</a> (" + text, "link": text}
    return lambda: arxiv_convert._rss_entry(entry, None)


def _shaped(shapes: Callable[[int], dict[str, str]], wrap: Callable[[str], Callable[[], object]]) -> dict[str, Case]:
    names = list(shapes(64))
    return {name: (lambda size, name=name: wrap(shapes(size)[name])) for name in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1 << 20, help="bytes of each pathological line (default 1 MB)")
    parser.add_argument("--notes-size", type=int, default=1 << 17, help="bytes for the Markdown renderer (128 KB)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="run the parts whose name holds this word (issue, arxiv, query, notes)")
    add_record_option(parser)
    args = parser.parse_args()
    size, runs = args.size, args.runs
    worst: dict[str, tuple[float, float, float]] = {}

    if not args.only or "issue" in args.only:
        worst["issue"] = report("parse_issue", "an ordinary issue", lambda n: _issue(ordinary_issue(n)),
                                _shaped(issue_shapes, _issue), runs, size)  # fmt: skip
    if not args.only or "arxiv" in args.only:
        cases = _shaped(lambda n: {f"tex {k}": v for k, v in arxiv_shapes(n).items()}, _tex)
        cases.update({f"RSS entry {m!r}": (lambda n, m=m: _rss("x" + repeat(m, n) + " (arXiv:2210.11399v1 [cs.LG])",
                                                              repeat(m, n))) for m in MOTIFS})  # fmt: skip
        cases["RSS entry, RDF title of spaces"] = lambda n: _rss("x" + " " * n + "y (arXiv:2210.11399 [cs.LG])", "x")
        worst["arxiv"] = report("arXiv text (tex.paragraphs, RSS entries)", "tex of an ordinary abstract",
                                lambda n: _tex(prose(n, 75)), cases, runs, size)  # fmt: skip
    if not args.only or "query" in args.only:
        cases = {
            "'(' nested": lambda n: lambda: query_problem("(" * (n // 2) + "a" + ")" * (n // 2)),
            "'a AND ' repeated": lambda n: lambda: compile_query(repeat("a AND ", n) + "a"),
            "unclosed quote": lambda n: lambda: query_problem('ti:"' + "x" * n),
            "'ti:' repeated": lambda n: lambda: query_problem(repeat("ti:", n)),
        }
        ordinary = lambda n: lambda: compile_query(" OR ".join(f"abs:{WORDS[i % len(WORDS)]}" for i in range(n // 16)))  # noqa: E731
        worst["query"] = report("arxiv.query", "an ordinary long query", ordinary, cases, runs, size)
    if not args.only or "notes" in args.only:
        worst["notes"] = report("Markdown notes (mistune)", "ordinary paragraphs", lambda n: _notes(prose(n, 80)),
                                _shaped(notes_shapes, _notes), runs, args.notes_size)  # fmt: skip
    print("\nworst ratio to the baseline per part: " + ", ".join(f"{k} {v[0]:.1f}x" for k, v in worst.items()))
    print("growth per part (size x4), median / worst: " + ", ".join(f"{k} {v[1]:.1f}x / {v[2]:.1f}x" for k, v in worst.items()))
    if not args.no_record:
        figures: dict[str, object] = {"size": size, "notes_size": args.notes_size, "runs": runs}
        for part, (ratio, growth, worst_growth) in worst.items():
            figures[f"{part}_worst_ratio"] = round(ratio, 2)
            figures[f"{part}_growth"] = round(growth, 1)
            figures[f"{part}_worst_growth"] = round(worst_growth, 1)
        figures["goal_ratio"] = 100.0
        figures["met"] = all(ratio < 100 for ratio, _, _ in worst.values())
        record("parsers", figures)


if __name__ == "__main__":
    main()
