"""The front matter's fast path (plain ``key: value`` lines, no PyYAML) reads exactly what PyYAML reads.

`digest.issue.frontmatter._plain_front_matter` answers only for lines YAML would read as
the same plain strings; everywhere it answers, these tests hold it to PyYAML: line by line,
block by block, and through `parse_issue` (the same `Issue`, or the same error, with the
fast path switched off).
"""

from __future__ import annotations

from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.errors import InputError
from digest.issue import _plain_front_matter, _yaml, parse_issue
from digest.issue import frontmatter as fm

# Text that looks like what editors write, with YAML's trouble makers mixed in.
VALUE = st.lists(
    st.sampled_from(
        list("abcXYZ019 .,:;-+#'\"[]{}|>&*!%@`?~=\\$\t") + ["é", "∑", "yes", "no", "null", "0.5", "1e3", "12:30",
                                                          "0o17", ".inf", "2022-10-23", "  ", "\u00a0", " #"]
    ),
    max_size=30,
).map("".join)  # fmt: skip
KEY = st.sampled_from([*fm.FRONT_KEYS, "on", "null", "x_1", "Title"])
LINE = st.one_of(st.tuples(KEY, st.sampled_from([":", ": ", ":\t", ":  "]), VALUE).map("".join), st.sampled_from(["", " "]))


def _slow(lines: list[str]) -> object:
    return _yaml("\n".join(lines))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=6))
def test_the_fast_path_reads_a_block_as_pyyaml_does(lines: list[str]) -> None:
    fast = _plain_front_matter(lines)
    if fast is None:
        return
    try:
        slow = _slow(lines)
    except yaml.YAMLError:
        raise AssertionError(f"the fast path accepted what YAML rejects: {lines!r}") from None
    assert {k: (v or None) for k, v in fast.items()} == (slow or {}), lines


def _outcome(text: str) -> object:
    try:
        issue = parse_issue(text, "2022-10-23.md")
    except InputError as exc:
        return ("error", str(exc))
    return (issue.date, issue.headline, issue.title, issue.sponsor, issue.unannotated, issue.status)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=5), st.booleans())
def test_an_issue_reads_the_same_with_and_without_the_fast_path(lines: list[str], dated: bool) -> None:
    head = ["date: 2022-10-23"] if dated else []
    text = "---\n" + "\n".join(head + lines) + "\n---\n\nIntro.\n"
    fast = _outcome(text)
    with mock.patch.object(fm, "_plain_front_matter", lambda lines: None):
        slow = _outcome(text)
    assert fast == slow, text


@pytest.mark.parametrize(
    "line",
    [
        "headline: CNNs dominating sequence modeling, SetFit, Google finetuning trifecta",
        "sponsor: This newsletter made possible by MosaicML.",
        "date: 2022-10-23",
        "headline:",
        "headline: -dash first",
        "headline: C#",
        "headline: a #comment",
        "headline: yes",
        "headline: 12:30",
        "headline: 0.5",
        "headline: a: b",
        "headline: ends with colon:",
        "headline: 'quoted'",
        "headline: [a, b]",
        "headline: - a",
        "headline:x",
        "headline: =",
        "null: x",
    ],
)
def test_the_fast_path_agrees_with_pyyaml_or_leaves_it_to_pyyaml(line: str) -> None:
    fast = _plain_front_matter([line])
    if fast is None:
        return
    slow = _slow([line])
    assert {k: (v or None) for k, v in fast.items()} == slow


def test_the_sample_issue_takes_the_fast_path() -> None:
    """The hand-written front matter the README renders is what the fast path is for."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "issues" / "2022-10-23.md").read_text(encoding="utf-8")
    lines = text.split("\n")
    end = lines.index("---", 1)
    assert _plain_front_matter(lines[1:end]) is not None
