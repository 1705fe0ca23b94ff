"""`digest where ID`: which issues covered a paper."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run


def test_where_prints_the_issue_line_and_title(newsletter: Path) -> None:
    code, out, err = run("where", "2210.11399")
    assert code == 0, err
    assert out == "2022-10-23  issues/2022-10-23.md:33  Transcending Scaling Laws with 0.1% Extra Compute\n"
    # any spelling of the id: versions, the arXiv: prefix
    assert run("where", "arXiv:2210.11399v3")[1] == out


def test_where_lists_every_issue_oldest_first_and_marks_drafts(newsletter: Path) -> None:
    (newsletter / "issues" / "2022-11-06.md").write_text(
        "---\ndate: 2022-11-06\n---\n\n## arXiv:2210.11399v2\n\nCovered again.\n\n## 2205.05131\n\n<!-- not yet -->\n",
        encoding="utf-8",
    )
    code, out, _ = run("where", "2210.11399")
    assert code == 0
    assert [line.split("  ")[:2] for line in out.splitlines()] == [
        ["2022-10-23", "issues/2022-10-23.md:33"],
        ["2022-11-06", "issues/2022-11-06.md:5"],
    ]
    code, out, _ = run("where", "2205.05131", "--json")
    rows = json.loads(out)
    assert [(r["date"], r["annotated"]) for r in rows] == [("2022-10-23", True), ("2022-11-06", False)]
    assert rows[0] == {
        "date": "2022-10-23", "file": "issues/2022-10-23.md", "line": 9, "id": "2205.05131", "version": None,
        "title": "UL2: Unifying Language Learning Paradigms", "annotated": True, "published": True,
    }  # fmt: skip
    assert run("where", "2205.05131")[1].splitlines()[1].endswith("(draft: no notes)")


def test_where_not_covered_and_bad_ids(newsletter: Path) -> None:
    code, out, err = run("where", "2301.00001")
    assert (code, out) == (0, "")
    assert "2301.00001: not in any issue in issues/" in err
    assert json.loads(run("where", "2301.00001", "--json")[1]) == []
    code, out, err = run("where", "not-an-id")
    assert code == 2 and out == ""
    assert "'not-an-id' is not an arXiv id" in err


def test_where_skips_a_broken_issue_with_a_warning(newsletter: Path) -> None:
    (newsletter / "issues" / "2022-11-06.md").write_text("---\ndate: 2022-11-06\n---\n\n## 2210.1139\n\nLike 2210.11399.\n", encoding="utf-8")
    code, out, err = run("where", "2210.11399")
    assert code == 0 and out.startswith("2022-10-23")
    assert "issues/2022-11-06.md:5" in err


@pytest.mark.parametrize(
    "written",
    ["https://arxiv.org/abs/2210.11399", "arxiv.org/pdf/2210.11399v2", "http://export.arxiv.org/abs/2210.11399v1/",
     "https://arxiv.org/pdf/2210.11399v2.pdf", "arXiv:2210.11399", "[Flan-U-PaLM](https://arxiv.org/abs/2210.11399)",
     "https://arxiv.org/html/2210.11399v1", "arxiv.org/html/2210.11399v2/", "ARXIV:2210.11399v2", " 2210.11399 "],
)  # fmt: skip
def test_where_takes_every_form_an_issue_heading_takes(newsletter: Path, written: str) -> None:
    code, out, err = run("where", written)
    assert code == 0, err
    assert out.startswith("2022-10-23  issues/2022-10-23.md:33  ")


def test_where_takes_old_style_ids_and_refuses_other_addresses(newsletter: Path) -> None:
    (newsletter / "issues" / "2022-11-06.md").write_text("---\ndate: 2022-11-06\n---\n\n## hep-th/9901001v2\n\nOld.\n")
    for written in ("hep-th/9901001", "https://arxiv.org/abs/hep-th/9901001"):
        assert run("where", written)[1].startswith("2022-11-06  issues/2022-11-06.md:5"), written
    code, out, err = run("where", "https://example.org/abs/2210.11399")
    assert code == 2 and out == "" and "is not an arXiv id" in err and len(err.splitlines()) == 1


def test_where_finds_a_heading_that_links_arxivs_html_page(newsletter: Path) -> None:
    (newsletter / "issues" / "2022-11-06.md").write_text(
        "---\ndate: 2022-11-06\n---\n\n## [Flan again](https://arxiv.org/html/2210.11399v2)\n\nNotes.\n"
    )
    code, out, err = run("where", "2210.11399")
    assert code == 0, err
    assert out.splitlines()[1] == "2022-11-06  issues/2022-11-06.md:5  Flan again"


def test_where_names_a_broken_or_misnamed_issue_as_build_does(newsletter: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative to here, as every other line and `digest build`'s errors: never the absolute path."""
    (newsletter / "issues" / "2022-11-06.md").write_text("---\ndate: 2022-11-06\n---\n\n## 2210.1139\n\nLike 2210.11399.\n", encoding="utf-8")
    (newsletter / "issues" / "2022-02-30.md").write_text("---\ndate: 2022-02-30\n---\n", encoding="utf-8")
    code, out, err = run("where", "2210.11399")
    assert code == 0 and out.startswith("2022-10-23  issues/2022-10-23.md:33")
    lines = err.splitlines()
    assert lines[0].startswith("warning: issues/2022-02-30.md: the file name is not a real date; it is not treated as an issue: rename it to the issue's date (YYYY-MM-DD.md)")
    assert lines[1].startswith("warning: issues/2022-11-06.md:5: ") and lines[1].endswith(" (skipped)")
    assert str(newsletter) not in err
    _, _, built = run("build")
    assert f"error: {lines[1].removeprefix('warning: ').removesuffix(' (skipped)')}" in built.splitlines()
    monkeypatch.chdir(newsletter / "issues")  # from another folder of the newsletter: as build names it there
    code, out, err = run("where", "2210.11399")
    assert out.startswith("2022-10-23  2022-10-23.md:33") and "warning: 2022-11-06.md:5: " in err
    assert str(newsletter) not in err
