"""The newsletter's past: issue files, the previous issue, and which papers earlier issues covered."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from digest.errors import InputError, UsageError
from digest.issue.history import coverage, covered_sections, issue_files, load_issues, previous_issue_date, where


def write(folder: Path, name: str, body: str, front: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"---\ndate: {name[:10]}\n{front}---\n\n{body}", encoding="utf-8")


@pytest.fixture()
def issues(tmp_path: Path) -> Path:
    folder = tmp_path / "issues"
    write(folder, "2022-10-09.md", "## arXiv:2210.00001v2\n\nNotes.\n\n## arXiv:2210.00002\n")
    write(folder, "2022-10-16.md", "## [T](https://arxiv.org/abs/2210.00001)\n<!-- digest:paper\nid: 2210.00001v3\ntitle: Meta\n-->\n\nAgain.\n",
          front="unannotated: abstract\n")  # fmt: skip
    write(folder, "2022-10-30.md", "## arXiv:2210.00003\n\nLater.\n")
    (folder / "notes.md").write_text("not an issue")
    (folder / "2022-13-01.md").write_text("bad date name")
    return folder


def test_issue_files_are_dated_and_sorted(issues: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="digest"):
        found = issue_files(issues)
    assert [d for d, _ in found] == [date(2022, 10, 9), date(2022, 10, 16), date(2022, 10, 30)]
    assert "2022-13-01.md: the file name is not a real date" in caplog.text
    assert issue_files(issues / "missing") == []


def test_previous_issue_is_strictly_before(issues: Path) -> None:
    assert previous_issue_date(issues, date(2022, 10, 23)) == date(2022, 10, 16)
    assert previous_issue_date(issues, date(2022, 10, 16)) == date(2022, 10, 9)
    assert previous_issue_date(issues, date(2022, 10, 9)) is None


def test_coverage_keeps_versions_and_whether_the_paper_was_annotated(issues: Path) -> None:
    cov = coverage(load_issues(issues, before=date(2022, 10, 23)))
    assert sorted(cov) == ["2210.00001", "2210.00002"]
    one = cov["2210.00001"]
    assert [(c.issue_date, c.version, c.annotated, c.title) for c in one] == [
        (date(2022, 10, 9), 2, True, ""), (date(2022, 10, 16), 3, True, "T")]  # fmt: skip
    assert [c.annotated for c in cov["2210.00002"]] == [False]
    assert [c.annotated for c in coverage(load_issues(issues), "abstract")["2210.00002"]] == [True]
    sections = covered_sections(load_issues(issues, before=date(2022, 10, 23)))
    assert [(i.date, str(s.paper_id)) for i, s in sections] == [(date(2022, 10, 9), "2210.00001v2"),
                                                               (date(2022, 10, 16), "2210.00001")]  # fmt: skip


def test_a_broken_issue_is_skipped_with_a_warning(issues: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(issues, "2022-10-02.md", "<!-- open\n")
    errors: list[InputError] = []
    with caplog.at_level(logging.WARNING, logger="digest"):
        loaded = load_issues(issues, errors=errors)
    assert [i.date for i in loaded] == [date(2022, 10, 9), date(2022, 10, 16), date(2022, 10, 30)]
    assert len(errors) == 1 and "2022-10-02.md:5" in str(errors[0]) and "(skipped)" in caplog.text


def test_where(issues: Path) -> None:
    assert [c.issue_date for c in where(issues, "arXiv:2210.00001v1")] == [date(2022, 10, 9), date(2022, 10, 16)]
    assert where(issues, "2210.99999") == []
    with pytest.raises(UsageError):
        where(issues, "nonsense")
