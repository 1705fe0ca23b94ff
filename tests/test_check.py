"""`digest check`: each warning with its line; exit 1 only with --strict."""

from __future__ import annotations

import json
from pathlib import Path


from conftest import run
from digest.check import check_issue
from digest.config import load_settings

PROBLEMS = """---
date: 2024-05-08
headline: ""
---

Intro with a [relative link](notes.html) and [mail](mailto:me@example.org).

## [Known paper](https://arxiv.org/abs/2405.00001)
<!-- digest:paper
title: Known paper
abstract: An abstract.
-->

Notes with ![](https://img.example.org/a.png) and ![A plot](plots/b.png).
And a [bad link](javascript:alert(1)) and [ftp](ftp://files.example.org/x).

## arXiv:2405.00002

## [Known paper again](https://arxiv.org/abs/2405.00001v2)

Second time.

## [Old news](https://arxiv.org/abs/2405.00003)
<!-- digest:paper
title: Old news
-->

Covered last week.
"""

EARLIER = """---
date: 2024-05-01
headline: Last week
---

## [Old news](https://arxiv.org/abs/2405.00003)

First time.
"""


def test_every_problem_is_reported_with_its_line(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "2024-05-01.md").write_text(EARLIER, encoding="utf-8")
    (tmp_path / "issues" / "2024-05-08.md").write_text(PROBLEMS, encoding="utf-8")
    report = check_issue("issues/2024-05-08.md", load_settings())
    found = [(f.line, f.code) for f in report.findings]
    assert found == [
        (3, "headline"),
        (6, "link"),
        (14, "image-alt"),
        (14, "image-url"),
        (15, "link"),
        (15, "link"),
        (17, "unknown-id"),
        (19, "duplicate"),
        (23, "covered-before"),
    ]
    # a paper without notes is not a finding: one summary line, each listed with -v
    assert [(f.line, f.code) for f in report.left_out] == [(17, "no-notes")]
    lines = report.lines()
    assert lines[0] == "issues/2024-05-08.md:3: the headline is empty: the subject line and the inbox preview need it"
    assert "issues/2024-05-08.md:19: 2405.00001 is covered twice (first at line 8)" in lines[7]
    assert lines[8] == "issues/2024-05-08.md:23: 2405.00003 was already covered in 2024-05-01.md:6"
    assert lines[9] == "issues/2024-05-08.md: 1 candidate without notes is left out (`digest -v check issues/2024-05-08.md` lists them)"
    assert "issues/2024-05-08.md:17: 2405.00002 has no notes: it is left out of the issue" in report.lines(verbose=True)
    assert "image plots/b.png not found (no file issues/plots/b.png); put the image there or fix the path" in lines[3]
    assert "javascript:alert(1) is not http(s) or mailto" in lines[4]
    # what a reader would notice, for --strict: not the alt text, not last week's coverage
    assert [f.code for f in report.reader_findings] == ["headline", "link", "image-url", "link", "link", "unknown-id",
                                                        "duplicate"]


def test_cli_exit_codes_and_json(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "2024-05-08.md").write_text(PROBLEMS, encoding="utf-8")
    code, out, err = run("check", "issues/2024-05-08.md")
    assert code == 0 and out.startswith("issues/2024-05-08.md:3: the headline is empty") and "8 warnings (7 a reader would notice)" in err
    assert "1 candidate without notes is left out (`digest -v check issues/2024-05-08.md` lists them)" in out
    code, out, _ = run("check", "issues/2024-05-08.md", "--strict")
    assert code == 1
    code, out, _ = run("check", "issues/2024-05-08.md", "--json")
    data = json.loads(out)
    first = data["findings"][0]
    assert (first["line"], first["code"]) == (3, "headline") and first["message"].startswith("the headline is empty")
    assert data["html_bytes"] > 1000
    clean = "---\ndate: 2024-05-15\nheadline: Fine\n---\n\n## [P](https://arxiv.org/abs/2405.00009)\n<!-- digest:paper\ntitle: P\n-->\n\nGood notes.\n"
    (tmp_path / "issues" / "2024-05-15.md").write_text(clean, encoding="utf-8")
    code, out, err = run("check", "issues/2024-05-15.md", "--strict")
    assert (code, out) == (0, "") and "no warnings" in err


def test_an_issue_over_the_gmail_budget_is_reported(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    note = "A long paragraph of commentary that goes on and on about the paper and its results. " * 30
    sections = "".join(
        f"## [Paper {i}](https://arxiv.org/abs/2405.{i:05d})\n<!-- digest:paper\ntitle: Paper {i}\n-->\n\n{note}\n\n"
        for i in range(1, 41)
    )
    path = tmp_path / "2024-05-22.md"
    path.write_text(f"---\ndate: 2024-05-22\nheadline: Big\n---\n\n{sections}", encoding="utf-8")
    report = check_issue(path, load_settings())
    assert [f.code for f in report.findings] == ["size"] and report.html_bytes > 90_000
    assert "over the 90 KB budget (Gmail clips messages at about 102 KB)" in report.findings[0].message


def test_the_sample_issue_lists_only_ids_no_source_knows(newsletter: Path) -> None:
    code, out, err = run("check", "issues/2022-10-23.md")
    assert code == 0
    assert out and all("is not in the store, seeds/ or a digest:paper comment" in line for line in out.splitlines())
    assert "2205.05131" not in out  # seeds/ know UL2


def test_after_triage_check_is_signal_and_strict_fails_only_on_what_readers_notice(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """3 papers annotated and 27 left without notes (the normal state after triage), one broken image."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "issues").mkdir()
    notes = "".join(f"## [P{i}](https://arxiv.org/abs/2405.{i:05d})\n<!-- digest:paper\ntitle: P{i}\n-->\n\n"
                    + (f"Notes on P{i}.\n\n" if i <= 3 else "") for i in range(1, 31))  # fmt: skip
    text = ("---\ndate: 2024-05-08\nheadline: Real\n---\n\nIntro ![A figure](http://localhost:8000/fig.png)\n\n"
            + notes)
    (tmp_path / "issues" / "2024-05-08.md").write_text(text, encoding="utf-8")
    code, out, err = run("check", "issues/2024-05-08.md", "--strict")
    assert code == 1
    assert out.splitlines() == [
        "issues/2024-05-08.md:6: image http://localhost:8000/fig.png is on localhost: only this machine can load it;"
        " host it where readers can",
        "issues/2024-05-08.md: 27 candidates without notes are left out (`digest -v check issues/2024-05-08.md` lists them)",
    ]
    # the command the hint names works as written (`digest check FILE -v` is refused: -v is digest's option)
    hint = out.splitlines()[-1].split("(`")[1].split("`")[0].split()
    code, out, err = run(*hint[1:])
    assert out.count("has no notes") == 27
    # fixed image: editor-only findings do not fail --strict
    (tmp_path / "issues" / "2024-05-08.md").write_text(text.replace("http://localhost:8000", "https://img.example.org"))
    code, out, err = run("check", "issues/2024-05-08.md", "--strict")
    assert code == 0, out
    # no paper annotated at all: a finding for the editor
    bare = "".join(f"## [P{i}](https://arxiv.org/abs/2405.{i:05d})\n<!-- digest:paper\ntitle: P{i}\n-->\n\n"
                   for i in range(1, 31))  # fmt: skip
    (tmp_path / "issues" / "2024-05-08.md").write_text("---\ndate: 2024-05-08\nheadline: Real\n---\n\n" + bare)
    code, out, err = run("check", "issues/2024-05-08.md")
    assert "issues/2024-05-08.md:1: no paper has notes yet: the issue would go out without papers" in out


MISMATCH = """---
date: 2024-05-08
headline: Two papers
---

## [Known paper](https://arxiv.org/abs/2405.00001)
<!-- digest:paper
title: Another paper
id: 2405.00009v1
authors: [Ada Other]
abstract: Not this paper's abstract.
-->

Notes.

## [Same paper, older version in the comment](https://arxiv.org/abs/2405.00002v2)
<!-- digest:paper
id: 2405.00002v1
authors: [Right Author]
-->

More notes.

## [Hand-written id](https://arxiv.org/abs/2405.10100)
<!-- digest:paper
id: 2405.10100
authors: [Right Author]
-->

Notes: YAML reads that id as the number 2405.101, which is still the same paper.

## [Copied from another section](https://arxiv.org/abs/2405.00003)
<!-- digest:paper id: 2405.00001 -->

Last notes.
"""


def test_a_paper_comment_about_another_paper_is_named_at_its_id_line(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    # The heading's id wins, but the comment's authors still show under it: a reader would see
    # Ada Other as the author of 2405.00001, so --strict fails on it.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "2024-05-08.md").write_text(MISMATCH, encoding="utf-8")
    code, out, err = run("render", "issues/2024-05-08.md", "--format", "md", "--out", "-")
    assert code == 0 and "*Ada Other*" in out  # what the finding is about
    code, out, err = run("check", "--strict", "issues/2024-05-08.md")
    assert code == 1
    assert out.splitlines() == [
        "issues/2024-05-08.md:9: the digest:paper comment is about 2405.00009v1, but its heading links 2405.00001: "
        "the comment's authors (and abstract, title) show under 2405.00001; make the heading and the comment's id "
        "the same paper, or delete the comment to take the paper's data from the store",
        "issues/2024-05-08.md:33: the digest:paper comment is about 2405.00001, but its heading links 2405.00003: "
        "the comment's authors (and abstract, title) show under 2405.00003; make the heading and the comment's id "
        "the same paper, or delete the comment to take the paper's data from the store",
    ]
    assert "2 warnings (2 a reader would notice)" in err
    code, out, _ = run("check", "--json", "issues/2024-05-08.md")
    assert [(f["line"], f["code"], f["reader"]) for f in json.loads(out)["findings"]] == [(9, "meta-id", True), (33, "meta-id", True)]
