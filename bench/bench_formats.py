"""Benchmark: the sample issue in all five formats as one process; the email size of a 40-paper issue.

Goals (issue 6): `digest render` of the sample in md,html,email,text,substack,
median under 0.5 s (baseline: md,html in the same run); the decoded HTML part of
a 40-paper issue's email under the 90 KB budget (Gmail clips at about 102 KB).

    python bench/bench_formats.py [--runs N] [--no-record]

Each run appends its figures to bench/results.jsonl (bench "formats").
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from common import REPO, add_record_option, digest_argv, record, time_call, time_process, verdict

BUDGET = 90_000


def forty_paper_issue(folder: Path) -> Path:
    """The sample issue's ten paper sections four times over, each copy with its own ids."""
    text = (REPO / "issues" / "2022-10-23.md").read_text(encoding="utf-8")
    head, _, body = text.partition("\n## ")
    sections = ("## " + body).split("\n## ")
    papers = [s if s.startswith("## ") else "## " + s for s in sections]
    out = [head]
    for copy in range(4):
        for n, section in enumerate(papers):
            out.append(re.sub(r"arxiv\.org/abs/\d{4}\.\d{5}", f"arxiv.org/abs/2210.{90000 + copy * 100 + n:05d}", section))
    path = folder / "issues" / "2022-10-23.md"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(out), encoding="utf-8")
    (folder / "digest.toml").write_text((REPO / "digest.toml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    add_record_option(parser)
    args = parser.parse_args()
    runs = args.runs
    os.environ.setdefault("DIGEST_EMAIL_FROM", "Davis Blalock <davis@example.org>")
    out = str(REPO / "build" / "bench")

    base = time_process(digest_argv("render", "issues/2022-10-23.md", "--format", "md,html", "--out", out), runs)
    every = time_process(
        digest_argv("render", "issues/2022-10-23.md", "--format", "md,html,email,text,substack", "--out", out), runs
    )

    sys.path.insert(0, str(REPO))
    from digest.config import load_settings
    from digest.issue import load_issue
    from digest.render import build_view
    from digest.render.email_message import build_message, email_html
    from digest.render.papers import issue_papers

    with tempfile.TemporaryDirectory() as tmp:
        path = forty_paper_issue(Path(tmp))
        settings = load_settings(Path(tmp) / "digest.toml")
        issue = load_issue(path)
        papers = issue_papers(issue, None, None)
        view = build_view(issue, settings, papers)
        html = email_html(view, settings)
        raw = build_message(view, settings)
        build = time_call(lambda: build_message(build_view(issue, settings, papers), settings), runs)
    size = len(html.encode("utf-8"))
    html_qp = raw.split(b'Content-Type: text/html; charset="utf-8"', 1)[1]

    print(f"runs per figure: {runs} (median, after one warm-up run)")
    print(f"digest render sample md,html (baseline)   {base * 1000:7.1f} ms")
    print(f"digest render sample, all five formats    {every * 1000:7.1f} ms  = {every / base:.2f}x baseline "
          f"(goal < 500 ms: {verdict(every, 0.5)})")
    print(f"40-paper issue: {len(view.papers)} papers, view + .eml built in process  {build * 1000:7.1f} ms")
    print(f"40-paper issue: email HTML part {size / 1000:6.1f} KB decoded, {len(html_qp) / 1000:6.1f} KB "
          f"quoted-printable, {size / len(view.papers) / 1000:.2f} KB per paper "
          f"(budget {BUDGET // 1000} KB: {verdict(size, BUDGET)})")
    if not args.no_record:
        record("formats", {
            "runs": runs, "baseline_s": round(base, 4), "all_formats_s": round(every, 4),
            "ratio": round(every / base, 2), "goal_s": 0.5, "met": every < 0.5,
            "email_papers": len(view.papers), "email_build_s": round(build, 4),
            "email_html_kb": round(size / 1000, 1), "email_qp_kb": round(len(html_qp) / 1000, 1),
            "email_kb_per_paper": round(size / len(view.papers) / 1000, 2), "email_budget_kb": BUDGET // 1000,
            "email_met": size < BUDGET,
        })  # fmt: skip


if __name__ == "__main__":
    main()
