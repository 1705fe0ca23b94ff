"""The issue source format: front matter, sections, comments, and errors with their line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from digest.errors import InputError
from digest.ids import ArxivId
from digest.issue import load_issue, parse_issue

HEAD = "---\ndate: 2022-10-23\nheadline: Test\n---\n"


def parse(body: str, name: str = "2022-10-23.md", head: str = HEAD):
    return parse_issue(head + body, Path(name))


def error_of(text: str, name: str = "issues/2022-10-23.md") -> str:
    with pytest.raises(InputError) as info:
        parse_issue(text, Path(name))
    return str(info.value)


def test_sample_issue_has_ten_papers_in_order() -> None:
    issue = load_issue(REPO / "issues" / "2022-10-23.md")
    assert issue.date == date(2022, 10, 23)
    assert issue.headline == "CNNs dominating sequence modeling, SetFit, Google finetuning trifecta"
    assert issue.sponsor == "This newsletter made possible by MosaicML."
    assert issue.intro.startswith("Note: the first three papers")
    assert [s.paper_id.base for s in issue.papers] == [
        "2205.05131", "2210.11399", "2210.11416", "2210.08402", "2210.10620",
        "2210.10606", "2209.11055", "2210.11466", "2210.11452", "2210.09298",
    ]  # fmt: skip
    assert all(s.notes for s in issue.papers)


@pytest.mark.parametrize(
    ("heading", "ident", "title"),
    [
        ("[UL2](https://arxiv.org/abs/2205.05131)", ArxivId("2205.05131"), "UL2"),
        ("[UL2](https://arxiv.org/abs/2205.05131v3)", ArxivId("2205.05131", 3), "UL2"),
        ("[UL2](http://arxiv.org/pdf/2205.05131v1.pdf)", ArxivId("2205.05131", 1), "UL2"),
        ("[UL2](https://arxiv.org/pdf/2205.05131)", ArxivId("2205.05131"), "UL2"),
        ("[Old](https://arxiv.org/abs/hep-th/9901001)", ArxivId("hep-th/9901001"), "Old"),
        ("arXiv:2210.11399", ArxivId("2210.11399"), None),
        ("arXiv:2210.11399v2", ArxivId("2210.11399", 2), None),
        ("2210.11399", ArxivId("2210.11399"), None),
        ("hep-th/9901001v2", ArxivId("hep-th/9901001", 2), None),
        ("[2210.11399](https://arxiv.org/abs/2210.11399)", ArxivId("2210.11399"), None),
    ],
)
def test_every_paper_heading_form(heading: str, ident: ArxivId, title: str | None) -> None:
    issue = parse(f"\n## {heading}\n\nMy notes.\n")
    (section,) = issue.sections
    assert section.paper_id == ident
    assert section.title == title
    assert section.notes == "My notes."


def test_editorial_sections_are_kept_in_order_with_papers() -> None:
    issue = parse("Intro.\n\n## Housekeeping\n\nNo issue next week.\n\n## arXiv:2210.11399\n\nGood.\n\n### Sub\n\nMore.\n")
    assert issue.intro == "Intro."
    assert [(s.is_paper, s.heading) for s in issue.sections] == [(False, "Housekeeping"), (True, "arXiv:2210.11399")]
    assert issue.sections[1].notes == "Good.\n\n### Sub\n\nMore."


def test_html_comments_are_dropped_even_across_lines_and_headings() -> None:
    body = (
        "Intro <!-- secret --> text.\n\n"
        "<!--\n## arXiv:2210.11399\n\nCommented-out section.\n-->\n\n"
        "## arXiv:2210.11416\n\nKeep <!-- todo: check fig 3 --> this.\n<!-- a\nmulti-line note -->\nAnd this.\n"
    )
    issue = parse(body)
    assert issue.intro == "Intro  text."
    assert [s.paper_id.base for s in issue.papers] == ["2210.11416"]
    notes = issue.papers[0].notes
    assert "todo" not in notes and "multi-line" not in notes
    assert notes == "Keep  this.\n\nAnd this."


def test_headings_and_comments_inside_code_fences_are_text() -> None:
    issue = parse("## arXiv:2210.11416\n\n```\n## not a heading <!-- kept -->\n```\n")
    assert len(issue.sections) == 1
    assert "## not a heading <!-- kept -->" in issue.sections[0].notes


def test_metadata_comment_is_read() -> None:
    body = (
        "## [Title](https://arxiv.org/abs/2210.11399)\n"
        "<!-- digest:paper\nid: 2210.11399v2\nauthors: [Yi Tay, Jason Wei]\ncategories: [cs.CL, cs.LG]\n"
        "score: 0.42\nabstract: |\n  We show $1.45\\times$ gains.\n-->\n\nNotes.\n"
    )
    (section,) = parse(body).sections
    assert section.meta["id"] == "2210.11399v2"
    assert section.meta["authors"] == ["Yi Tay", "Jason Wei"]
    assert section.meta["score"] == 0.42
    assert section.notes == "Notes."


def test_crlf_and_bom_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "2022-10-23.md"
    path.write_bytes(("\ufeff" + HEAD + "\n## arXiv:2210.11399\n\nNotes.\n").replace("\n", "\r\n").encode())
    issue = load_issue(path)
    assert issue.papers[0].notes == "Notes."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no front matter\n", "issues/2022-10-23.md:1: no front matter"),
        ("---\ndate: 2022-10-23\n", "issues/2022-10-23.md:1: front matter is never closed"),
        ("---\ndate: 2022-10-23\nheadline: [oops\n---\n", "issues/2022-10-23.md:3: front matter is not valid YAML"),
        ("---\nheadline: x\n---\n", "issues/2022-10-23.md:1: front matter has no date"),
        ("---\ndate: 2022-02-30\n---\n", "issues/2022-10-23.md:2: date '2022-02-30' is not a real date"),
        ("---\ndate: 23/10/2022\n---\n", "issues/2022-10-23.md:2: date '23/10/2022' is not a real date"),
        ("---\ndate: 2022-10-24\n---\n", "issues/2022-10-23.md:2: date 2022-10-24 disagrees with the file name"),
        ("---\ndate: 2022-10-23\nheadlin: x\n---\n", "issues/2022-10-23.md:3: unknown front matter key 'headlin'"),
        (HEAD + "\n## arXiv:2210.1139\n", "issues/2022-10-23.md:6: 'arXiv:2210.1139' is not an arXiv id"),
        (HEAD + "\n## [T](https://arxiv.org/abs/22101.1139)\n", "issues/2022-10-23.md:6: '22101.1139' in the link is not"),
        (
            HEAD + "\n## arXiv:2210.11399\n\nA.\n\n## [B](https://arxiv.org/abs/2210.11399v2)\n",
            "issues/2022-10-23.md:10: paper 2210.11399 is already covered at line 6",
        ),
        (HEAD + "\nIntro <!-- never closed\n\n## arXiv:2210.11399\n", "issues/2022-10-23.md:6: HTML comment '<!--' is never closed"),
        (HEAD + "## arXiv:2210.11399\n<!-- digest:paper\nid: [x\n-->\n", "issues/2022-10-23.md:7: the digest:paper comment"),
        ("---\ndate: 2022-10-23\nstatus: sent\n---\n", "issues/2022-10-23.md:3: status: expected draft or ready, got 'sent'"),
        ("---\ndate: 2022-10-23\nstatus:\n---\n", "issues/2022-10-23.md:3: status: expected draft or ready, got nothing"),
        ("---\ndate: 2022-10-23\nstatus: ~\n---\n", "issues/2022-10-23.md:3: status: expected draft or ready, got nothing"),
        ("---\ndate: 2022-10-23\ndraft: true\n---\n", "issues/2022-10-23.md:3: unknown front matter key 'draft'"),
    ],
)
def test_malformed_files_name_the_line(text: str, expected: str) -> None:
    message = error_of(text)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_a_file_not_named_as_a_date_takes_any_date() -> None:
    issue = parse_issue("---\ndate: 2024-01-07\n---\n", Path("draft.md"))
    assert issue.date == date(2024, 1, 7)


def test_binary_file_is_reported_not_crashed(tmp_path: Path) -> None:
    path = tmp_path / "2022-10-23.md"
    path.write_bytes(b"---\ndate: 2022-10-23\n---\n\xff\xfe\x00bad")
    with pytest.raises(InputError, match=r"2022-10-23.md:4: not UTF-8 text"):
        load_issue(path)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=40))
def test_the_plain_front_matter_fast_path_reads_what_yaml_reads(value: str) -> None:
    """Simple front matter skips the YAML parser; whenever it does, the result must be YAML's."""
    import yaml

    from digest.issue import _plain_front_matter, _yaml

    line = f"headline: {value}"
    fast = _plain_front_matter([line])
    if fast is None:
        return
    try:
        slow = _yaml(line)
    except yaml.YAMLError:
        raise AssertionError(f"fast path accepted what YAML rejects: {line!r}") from None
    expected = slow.get("headline")
    assert (fast["headline"] or None) == (None if expected is None else str(expected)), line


@pytest.mark.parametrize("status", ["draft", "ready"])
def test_the_status_is_read_from_the_front_matter(status: str) -> None:
    assert parse("", head=f"---\ndate: 2022-10-23\nstatus: {status}\n---\n").status == status
    assert parse("", head=f"---\ndate: 2022-10-23\nstatus: '{status}'  # quoted, commented\n---\n").status == status


def test_an_issue_without_a_status_has_none_and_still_renders() -> None:
    assert parse("\n## arXiv:2210.11399\n\nNotes.\n").status is None
    assert load_issue(REPO / "issues" / "2022-10-23.md").status is None
    assert "status" in error_of("---\ndate: 2022-10-23\nstatus: [draft]\n---\n")


@pytest.mark.parametrize("key", ["on", "null", "yes", "off"])
def test_an_unknown_key_yaml_would_read_as_a_boolean_or_null_is_named_as_written(key: str) -> None:
    text = f"---\ndate: 2022-10-23\n{key}: x\n---\n\nIntro\n"
    with pytest.raises(InputError) as caught:
        parse_issue(text, "issues/2022-10-23.md")
    assert str(caught.value).startswith(f"issues/2022-10-23.md:3: unknown front matter key '{key}'")


@pytest.mark.parametrize("value", ["\ufffe", "a\uffffb", "x\x85y", "\u0080"])
def test_the_fast_path_leaves_characters_yaml_does_not_read_to_yaml(value: str) -> None:
    """Hypothesis once drew U+FFFE: the fast path took it, where YAML (and so the issue) refuses it."""
    from digest.issue import _plain_front_matter

    assert _plain_front_matter([f"headline: {value}"]) is None
