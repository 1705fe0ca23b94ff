"""Selection for `digest new`: the window, covered papers left out, new versions listed apart."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from digest.errors import ConfigError
from digest.issue.history import coverage, load_issues
from digest.paper import Author, Paper
from digest.draft.selection import issue_window, select
from digest.query import compile_query
from digest.store import Store


def paper(pid: str, day: int, version: int = 1, updated: int | None = None, cats: tuple[str, ...] = ("cs.LG",),
          title: str = "", abstract: str = "") -> Paper:  # fmt: skip
    return Paper(
        id=pid, version=version, title=title or f"Title {pid}", abstract=abstract or f"Abstract of {pid}.",
        authors=(Author("Ada Lovelace"),), categories=cats, primary_category=cats[0],
        published=datetime(2022, 10, day, 12, tzinfo=timezone.utc),
        updated=datetime(2022, 10, updated or day, 12, tzinfo=timezone.utc), source="api",
    )  # fmt: skip


def write_issue(folder: Path, day: str, sections: str, extra: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{day}.md").write_text(f"---\ndate: {day}\n{extra}---\n\n{sections}", encoding="utf-8")


NOW = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)


def window(store: Store | None, issues: Path, day: date, override: int | None = None, now: datetime = NOW):
    return issue_window(store, issues, day, zone="UTC", window_days=7, max_window_days=28, now=now, override=override)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_window_follows_the_previous_draft_or_issue_or_window_days(tmp_path: Path) -> None:
    issues = tmp_path / "issues"
    w = window(None, issues, date(2022, 10, 23))
    # an issue of the past closes when its date ends (in `timezone`); the first reaches back window_days
    assert (w.cutoff, w.until, w.floor, w.after, w.previous) == (utc("2022-10-24"), utc("2022-10-24"),
                                                                 utc("2022-10-17"), None, None)  # fmt: skip
    assert w.reason == "in the last 7 days (window_days: no earlier issue)"
    write_issue(issues, "2022-10-09", "")
    write_issue(issues, "2022-10-16", "")
    write_issue(issues, "2022-10-30", "")  # a later issue does not count
    w = window(None, issues, date(2022, 10, 23))
    assert (w.after, w.stored_after, w.previous, w.reason) == (utc("2022-10-17"), None, date(2022, 10, 16),
                                                             "since the issue of 2022-10-16")  # fmt: skip
    w = window(None, issues, date(2022, 10, 23), override=3)
    assert (w.floor, w.after, w.reason) == (utc("2022-10-21"), None, "in the last 3 days (--window 3)")
    with Store.open(tmp_path / "store.sqlite") as store:
        store.record_draft(date(2022, 10, 16), utc("2022-10-16T11:00"), utc("2022-10-16T11:00"), [], [], seen=41)
        w = window(store, issues, date(2022, 10, 23))
        assert (w.after, w.stored_after, w.reason) == (utc("2022-10-16T11:00"), 41, "since the draft of 2022-10-16")
        # today's issue, drafted in the morning: it closes now, not at midnight
        w = window(store, issues, date(2022, 10, 23), now=utc("2022-10-23T11:00"))
        assert (w.cutoff, w.until, w.gap) == (utc("2022-10-23T11:00"), None, None)
        # after a pause longer than max_window_days: the last 28 days, and what was left out
        w = window(store, issues, date(2022, 12, 4), now=utc("2022-12-04T11:00"))
        # (the issue file of 2022-10-30, made by hand after the draft, does not move the window: the gap
        # starts at the draft's cut-off, and only the papers that file has are left out as covered)
        assert w.floor == utc("2022-11-06T11:00") and w.gap is not None and w.gap.since == utc("2022-10-16T11:00")
        assert (w.gap.days, w.reason, w.previous) == (21, "since the draft of 2022-10-16", date(2022, 10, 30))


def test_an_issue_file_dated_after_the_last_draft_does_not_move_the_window(tmp_path: Path) -> None:
    issues = tmp_path / "issues"
    write_issue(issues, "2022-10-20", "A special issue, written by hand.\n")
    write_issue(issues, "2022-10-17", "")  # the draft of 2022-10-16, renamed to its sending day
    with Store.open(tmp_path / "store.sqlite") as store:
        store.record_draft(date(2022, 10, 16), utc("2022-10-16T11:00"), utc("2022-10-16T11:00"), [], [], seen=41)
        w = window(store, issues, date(2022, 10, 23), now=utc("2022-10-23T11:00"))
        # what was announced since the draft, or stored after it ran: nothing between is skipped
        assert (w.after, w.stored_after, w.previous) == (utc("2022-10-16T11:00"), 41, date(2022, 10, 20))
        assert (w.reason, w.gap) == ("since the draft of 2022-10-16", None)


def test_papers_of_earlier_issues_are_not_proposed_again_and_a_new_version_is_a_replacement(tmp_path: Path) -> None:
    issues = tmp_path / "issues"
    write_issue(issues, "2022-10-09", "## arXiv:2210.00001v1\n\nGreat paper.\n\n## arXiv:2210.00002\n\nAlso good.\n")
    write_issue(
        issues, "2022-10-16",
        "## [Three](https://arxiv.org/abs/2210.00003)\n<!-- digest:paper\nid: 2210.00003v2\n-->\n\nNotes.\n\n"
        "## arXiv:2210.00004\n<!-- digest:paper\nid: 2210.00004v1\n-->\n\n"  # drafted, never annotated: proposed once
        "## arXiv:2210.00005v1\n\nCovered; its v2 came out before the window.\n",
    )  # fmt: skip
    with Store.open(tmp_path / "store.sqlite") as store:
        store.upsert([
            paper("2210.00001", 7, version=2, updated=20),   # covered (v1), v2 in the window -> replacement
            paper("2210.00002", 8),                          # covered, unchanged
            paper("2210.00003", 14, version=2, updated=15),  # covered as v2: not newer
            paper("2210.00004", 18),                         # in an earlier draft: never proposed again
            paper("2210.00005", 9, version=2, updated=12),   # newer, but updated before the window
            paper("2210.00006", 19), paper("2210.00007", 21, cats=("math.GT",)),
            paper("2210.00008", 20, version=3, updated=20),
            paper("2210.00009", 22),                         # Saturday: announced Monday, after the issue
        ])  # fmt: skip
        earlier = load_issues(issues, before=date(2022, 10, 23))
        covered = coverage(earlier)
        chosen = select(store, window(store, issues, date(2022, 10, 23)), ["cs.LG"], "", covered)
        # a paper another draft had as a candidate (its pool) is not proposed twice
        pooled = select(store, window(store, issues, date(2022, 10, 23)), ["cs.LG"], "", covered, {"2210.00008"})
        # an issue published a paper from inside the window: it is covered, not a candidate
        write_issue(issues, "2022-10-20", "## arXiv:2210.00006\n\nEarly.\n")
        again = select(store, window(store, issues, date(2022, 10, 23), override=7), ["cs.LG"], "",
                       coverage(load_issues(issues, before=date(2022, 10, 23))))  # fmt: skip
    assert sorted(p.id for p in chosen.candidates) == ["2210.00006", "2210.00008"]
    assert [p.id for p in chosen.covered] == ["2210.00004"]
    assert [(p.id, p.version, c.issue_date) for p, c in chosen.replacements] == [("2210.00001", 2, date(2022, 10, 9))]
    assert chosen.in_window == 3
    assert "2210.00006" in [p.id for p in again.covered] and "2210.00006" not in [p.id for p in again.candidates]
    assert [p.id for p in pooled.candidates] == ["2210.00006"]


def test_unannotated_abstract_issues_count_as_covering_their_papers(tmp_path: Path) -> None:
    issues = tmp_path / "issues"
    write_issue(issues, "2022-10-16", "## arXiv:2210.00004\n", extra="unannotated: abstract\n")
    with Store.open(tmp_path / "store.sqlite") as store:
        store.upsert([paper("2210.00004", 18)])
        w = window(store, issues, date(2022, 10, 23), override=7)
        assert select(store, w, [], "", coverage(load_issues(issues))).candidates == []
        assert len(select(store, w, [], "", coverage(load_issues(issues), "skip")).covered) == 1
        assert select(store, w, [], "", coverage(load_issues(issues), "skip")).replacements == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"a", "b", "c"}),
        ("abs:transformer", {"a", "b"}),
        ("ti:sparse", {"b"}),
        ('abs:"language model"', {"a"}),
        ("abs:transformer ANDNOT ti:sparse", {"a"}),
        ("ti:sparse OR au:Hopper", {"b", "c"}),
        ("(ti:sparse OR ti:graph) AND cat:cs.*", {"b", "c"}),
        ("cat:stat.ML", {"c"}),
        ("diffusion", {"c"}),
        ("abs:transform*", {"a", "b"}),
    ],
)
def test_the_query_is_applied_to_stored_papers(query: str, expected: set[str]) -> None:
    papers = {
        "a": Paper("a", title="Dense nets", abstract="A transformer language model.", categories=("cs.CL",)),
        "b": Paper("b", title="Sparse transformers", abstract="A transformer.", categories=("cs.LG",)),
        "c": Paper("c", title="Graph diffusion", abstract="Diffusion.", authors=(Author("Grace Hopper"),),
                   categories=("cs.LG", "stat.ML")),
    }  # fmt: skip
    match = compile_query(query)
    assert {k for k, p in papers.items() if match(p)} == expected


@pytest.mark.parametrize("query", ["ti:(", "foo:bar", "ti:a AND", "(ti:a"])
def test_a_query_that_cannot_be_applied_is_a_settings_error(query: str) -> None:
    with pytest.raises(ConfigError, match="arxiv.query"):
        compile_query(query)
