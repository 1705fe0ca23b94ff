"""The draft: canonical sections, metadata that survives any text, and appends that never change a byte."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from digest.config import load_settings
from digest.draft.text import appended, heading, paper_section, short_name, suggested_headline
from digest.draft import run_new
from digest.errors import InputError
from digest.issue import parse_issue
from digest.render.papers import from_section
from digest.paper import Author, Paper
from digest.store import Store

DAY = date(2022, 10, 23)


def paper(n: int, day: int = 20, **kw: object) -> Paper:
    base = dict(
        id=f"2210.{n:05d}", version=1, title=f"Model{n}: a paper about topic {n}",
        authors=(Author("Ada Lovelace"), Author("Alan Turing", "Bletchley Park")),
        abstract=f"We study topic {n}.\n\nA second paragraph with $x^{n}$.", categories=("cs.LG", "stat.ML"),
        primary_category="cs.LG", published=datetime(2022, 10, day, 12, tzinfo=timezone.utc),
        updated=datetime(2022, 10, day, 12, tzinfo=timezone.utc), source="api",
    )  # fmt: skip
    base.update(kw)
    return Paper(**base)  # type: ignore[arg-type]


def make_newsletter(root: Path, papers: list[Paper]) -> Path:
    (root / "issues").mkdir(parents=True)
    (root / "digest.toml").write_text('sponsor = "Sponsored by *Acme*."\n[arxiv]\ncategories = ["cs.LG"]\n')
    with Store.open(root / ".digest" / "store.sqlite") as store:
        store.upsert(papers)
    return root


def add_papers(root: Path, papers: list[Paper]) -> None:
    with Store.open(root / ".digest" / "store.sqlite") as store:
        store.upsert(papers)


def new(root: Path, **kw: object):  # type: ignore[no-untyped-def]
    return run_new(load_settings(root / "digest.toml"), DAY, offline=True, **kw)  # type: ignore[arg-type]


HOSTILE = [
    "Ends with --> and <!-- opens",
    "Brackets [a] and ]b[ and \\ backslash",
    "Colon: quote ' \" # hash & * ! | > % @ `tick`",
    "Trailing spaces   ",
    "   leading spaces\nand\ttabs\n\n\nthree newlines",
    "Unicode: αβγ — “quotes” 中文 \u2028 sep",
    "yes",
    "null",
    "0",
    "- a list?",
    "-- >",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_any_title_or_abstract_round_trips_through_the_metadata_comment(text: str) -> None:
    p = paper(1, title=text.replace("\n", " "), abstract=text, comment=text, journal_ref=text,
              authors=(Author(text.replace("\n", " ")), Author("B", text.replace("\n", " "))))  # fmt: skip
    source = "---\ndate: 2022-10-23\n---\n\n" + paper_section(p, 0.5) + "Notes.\n"
    issue = parse_issue(source)
    (section,) = issue.papers
    assert section.notes == "Notes."
    back = from_section(section)
    safe = text.replace("-->", "-- >")
    assert back.abstract == safe and back.comment == safe and back.journal_ref == safe
    assert back.id == "2210.00001" and back.version == 1 and section.meta["score"] == 0.5
    assert back.categories == ("cs.LG", "stat.ML") and back.published is not None
    one_line = safe.replace("\n", " ")
    assert back.title in (" ".join(safe.split()), one_line)
    assert [a.name for a in back.authors] == [one_line.strip(), "B"]


def test_the_heading_links_the_title_or_falls_back_to_the_id() -> None:
    assert heading(paper(7)) == "## [Model7: a paper about topic 7](https://arxiv.org/abs/2210.00007)"
    assert heading(paper(7, title="A <!-- trap")) == "## [arXiv:2210.00007](https://arxiv.org/abs/2210.00007)"
    assert heading(paper(7, title="Ends in \\")) == "## [arXiv:2210.00007](https://arxiv.org/abs/2210.00007)"
    assert heading(paper(7, title="Nested [[x]] brackets")) == "## [arXiv:2210.00007](https://arxiv.org/abs/2210.00007)"
    assert heading(paper(7, title="One [x] bracket")).startswith("## [One [x] bracket](")


def test_the_metadata_comment_is_the_documented_format() -> None:
    text = paper_section(paper(3, comment=None), 0.4312)
    assert text.splitlines()[:9] == [
        "## [Model3: a paper about topic 3](https://arxiv.org/abs/2210.00003)",
        "<!-- digest:paper",
        "id: 2210.00003v1",
        "title: 'Model3: a paper about topic 3'",
        "authors: [Ada Lovelace, {name: Alan Turing, affiliation: Bletchley Park}]",
        "categories: [cs.LG, stat.ML]",
        "primary_category: cs.LG",
        "published: 2022-10-20",
        "comment: null",
    ]
    assert "score: 0.4312\nabstract: |-\n  We study topic 3.\n\n  A second paragraph with $x^3$.\n-->\n\n" in text


def test_headline_uses_short_names() -> None:
    assert short_name("SetFit: Efficient Few-Shot Learning Without Prompts") == "SetFit"
    assert short_name("Transcending Scaling Laws with 0.1% Extra Compute") == "Transcending Scaling Laws with 0.1% Extra Compute"
    assert short_name("Scaling Instruction-Finetuned Language Models for Everyone Who Wants (FLAN)") == "FLAN"
    assert short_name("A very long title that has no colon and goes on and on") == "A very long title that has..."
    assert suggested_headline([paper(1), paper(2), paper(3), paper(4)]) == "Model1, Model2, Model3"


def test_appending_keeps_every_byte_and_the_line_ends() -> None:
    assert appended(b"a\n", "x\n") == b"a\n\nx\n"
    assert appended(b"a", "x\n") == b"a\n\nx\n"
    assert appended(b"a\n\n", "x\n") == b"a\n\nx\n"
    assert appended(b"a\r\n", "x\ny\n") == b"a\r\n\r\nx\r\ny\r\n"
    assert appended(b"a", "") == b"a"


def test_hand_edits_survive_a_rerun_byte_for_byte(tmp_path: Path) -> None:
    root = make_newsletter(tmp_path / "nl", [paper(n, day=17 + n % 5) for n in range(1, 7)])
    first = new(root)
    path = root / "issues" / "2022-10-23.md"
    text = path.read_text()
    assert first.created and len(first.added) == 6
    assert text.startswith("---\ndate: 2022-10-23\nstatus: draft\nheadline: Model")
    assert "sponsor: Sponsored by *Acme*.\n---\n" in text
    issue = parse_issue(text, path)
    sections = text.split("\n## ")
    head, body = sections[0], ["## " + s for s in sections[1:]]
    # the editor: a headline, notes, one section deleted, two swapped
    head = head.replace(next(x for x in head.splitlines() if x.startswith("headline:")), "headline: My own headline")
    body[0] = body[0].rstrip("\n") + "\n\nThis one matters.\n\n"
    del body[1]
    body[2], body[3] = body[3], body[2]
    edited = head + "\n" + "".join(b if b.endswith("\n") else b + "\n" for b in body) + "Trailing words without newline"
    path.write_text(edited)
    assert len(parse_issue(edited, path).papers) == len(issue.papers) - 1
    before = path.read_bytes()
    again = new(root)  # nothing new: identical
    assert path.read_bytes() == before and again.added == [] and again.skipped_deleted == 1 and again.already == 5
    add_papers(root, [paper(n, day=21) for n in (20, 21)])
    more = new(root)
    after = path.read_bytes()
    assert after.startswith(before) and after != before
    assert sorted(r.paper.id for r in more.added) == ["2210.00020", "2210.00021"]
    assert more.skipped_deleted == 1
    parsed = parse_issue(after.decode(), path)
    assert parsed.headline == "My own headline" and len(parsed.papers) == 7
    assert new(root).added == [] and path.read_bytes() == after


def test_a_new_version_of_a_covered_paper_is_drafted_apart_with_covered_in(tmp_path: Path) -> None:
    root = make_newsletter(tmp_path / "nl", [paper(1), paper(9, day=3, version=2, updated=datetime(2022, 10, 19, tzinfo=timezone.utc))])
    (root / "issues" / "2022-10-16.md").write_text("---\ndate: 2022-10-16\n---\n\n## arXiv:2210.00009v1\n\nGood.\n")
    report = new(root)
    text = (root / "issues" / "2022-10-23.md").read_text()
    assert [r.paper.id for r in report.added] == ["2210.00001"]
    assert [(r.paper.id, c.issue_date) for r, c in report.replacements] == [("2210.00009", date(2022, 10, 16))]
    assert text.index("2210.00001") < text.index("new versions of papers covered") < text.index("covered_in: 2022-10-16")
    assert "id: 2210.00009v2" in text


def test_a_broken_existing_issue_is_an_error_and_stays_untouched(tmp_path: Path) -> None:
    root = make_newsletter(tmp_path / "nl", [paper(1)])
    path = root / "issues" / "2022-10-23.md"
    path.write_bytes(b"---\ndate: 2022-10-23\n---\n\n<!-- never closed\n")
    with pytest.raises(InputError, match="never closed"):
        new(root)
    assert path.read_bytes() == b"---\ndate: 2022-10-23\n---\n\n<!-- never closed\n"
    path.write_bytes(b"---\ndate: 2022-10-23\n---\n\n```\nan open fence\n")
    with pytest.raises(InputError, match="code block") as caught:
        new(root)
    assert caught.value.line == 5 and path.read_bytes().endswith(b"an open fence\n")  # the fence's own line
    # a closed fence, then an open ~~~ one: the open one is named; a longer closing fence closes
    path.write_bytes(b"---\ndate: 2022-10-23\n---\n\n````\nx\n`````\n\n~~~ py\ny\n```\n")
    with pytest.raises(InputError, match="code block") as caught:
        new(root)
    assert caught.value.line == 9


def test_limit_caps_the_list_and_reports_what_was_left_out(tmp_path: Path) -> None:
    root = make_newsletter(tmp_path / "nl", [paper(n) for n in range(1, 11)])
    report = new(root, limit=4, dry_run=True)
    assert (report.candidates, report.left_out, len(report.added)) == (10, 6, 4)
    assert not (root / "issues" / "2022-10-23.md").exists()
    assert "kept 4 of 10 candidates; 6 more wait in `digest triage 2022-10-23`" in "\n".join(report.lines())


# -- property: whatever the editor does, a re-run only appends ------------------------------------
_TEMPLATE: dict[str, Path] = {}

_PIECES = list("ab #<!->`~[]()\n:\t\r*") + ["## ", "<!--", "-->", "```", "\n## arXiv:2210.00003\n", "---\n"]
edit_text = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)
edits = st.lists(
    st.tuples(st.sampled_from(["insert", "delete", "replace", "swap"]), st.integers(0, 10**6), st.integers(0, 10**6), edit_text),
    max_size=6,
)  # fmt: skip


def _template() -> Path:
    if "root" not in _TEMPLATE:
        root = make_newsletter(Path(tempfile.mkdtemp(prefix="digest-prop-")) / "nl", [paper(n) for n in range(1, 6)])
        new(root)
        add_papers(root, [paper(n, day=22) for n in range(30, 33)])
        _TEMPLATE["root"] = root
    return _TEMPLATE["root"]


def _apply(text: str, ops: list[tuple[str, int, int, str]]) -> str:
    lines = text.split("\n")
    for op, a, b, new_text in ops:
        i, j = a % (len(lines) + 1), b % (len(lines) + 1)
        if op == "insert":
            lines[i:i] = new_text.split("\n")
        elif op == "delete":
            del lines[min(i, j) : max(i, j)]
        elif op == "replace" and i < len(lines):
            lines[i] = new_text
        elif op == "swap" and i < len(lines) and j < len(lines):
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=edits, strip_newline=st.booleans())
def test_property_random_edits_are_a_prefix_of_the_rerun(ops: list[tuple[str, int, int, str]], strip_newline: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "nl"
        shutil.copytree(_template(), root)
        path = root / "issues" / "2022-10-23.md"
        edited = _apply(path.read_text(), ops)
        if strip_newline:
            edited = edited.rstrip("\n")
        path.write_bytes(edited.encode())
        before = path.read_bytes()
        try:
            report = new(root)
        except InputError:
            assert path.read_bytes() == before  # an unreadable issue is never touched
            return
        after = path.read_bytes()
        assert after.startswith(before)
        assert (after == before) == (not report.added and not report.replacements)
        if after != before:
            ids = {s.paper_id.base for s in parse_issue(after.decode(), path).papers if s.paper_id}
            assert {r.paper.id for r in report.added} <= ids
        assert new(root).added == [] and path.read_bytes() == after  # and a second re-run changes nothing
