"""The plain-YAML reader for ``digest:paper`` comments reads exactly what PyYAML reads."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from digest.draft.text import _dump, metadata
from digest.issue import _loader
from digest.paper import Author, Paper
from digest.issue.frontmatter import read_mapping

RESOLVERS = _loader()


def both(block: str) -> tuple[object, object]:
    return read_mapping(block, RESOLVERS), yaml.load(block, Loader=_loader())


# Text that looks like what arXiv and editors write, with YAML's trouble makers mixed in.
TEXT = st.lists(
    st.sampled_from(list("abcXYZ019 .,:;-#'\"[]{}|>&*!%@`?~\\$\t\n") + ["é", "∑", " yes", "null", "0.5", "\u2028", "  "]),
    max_size=40,
).map("".join)
WORD = st.text(alphabet=st.sampled_from(list("abcdefXYZ019.-")), min_size=1, max_size=8)
WORDS = st.lists(WORD, min_size=1, max_size=12).map(" ".join)


@st.composite
def papers(draw: st.DrawFn, text: st.SearchStrategy[str]) -> tuple[Paper, float | None]:
    authors = tuple(
        Author(draw(text).strip() or "A", draw(st.sampled_from([None, "MIT", "Google: Brain"])))
        for _ in range(draw(st.integers(0, 4)))
    )
    paper = Paper(
        id=f"2210.{draw(st.integers(10000, 99999))}",
        version=draw(st.integers(1, 9)),
        title=draw(text),
        abstract=draw(st.lists(text, max_size=4).map("\n".join)),
        authors=authors,
        categories=tuple(draw(st.lists(st.sampled_from(["cs.LG", "cs.CL", "stat.ML", "hep-th"]), max_size=3))),
        primary_category="cs.LG",
        published=datetime(2022, 10, draw(st.integers(1, 28)), tzinfo=timezone.utc),
        comment=draw(st.one_of(st.none(), text)),
        source="api",
    )
    return paper, draw(st.one_of(st.none(), st.floats(0, 1), st.integers(0, 5).map(float)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(papers(TEXT))
def test_agrees_with_pyyaml_on_whatever_the_draft_writes(drawn: tuple[Paper, float | None]) -> None:
    fast, slow = both(_dump(metadata(*drawn)))
    assert fast is None or fast == slow


@settings(max_examples=200, deadline=None)
@given(papers(WORDS))
def test_reads_typical_comments_without_pyyaml(drawn: tuple[Paper, float | None]) -> None:
    paper, score = drawn
    if any(a.affiliation for a in paper.authors):
        return  # affiliations are written as flow mappings, which PyYAML reads
    fast, slow = both(_dump(metadata(paper, score)))
    assert fast is not None and fast == slow


@pytest.mark.parametrize(
    "block",
    [
        "id: 2210.11399v1\ntitle: Plain title\nscore: 0.83\ncomment: null\nabstract: |-\n  One.\n\n  Two.\n",
        "abstract: |\n  kept newline\n\n\nscore: 1\n",
        "id: 2210.11399\n",  # a float to YAML, and so to the reader
        "title: yes\n",  # a boolean
        "on: x\n",  # a boolean key
        "null: x\n",
        "score: 1e3\nid: 0o17\n",
        "title: a: b\n",
        "title: first line\n  continued\n",
        "abstract: |-\n    deeper\n  shallower\n",
        "abstract: |-\n  text  \n    more indented\n  \n",
        "abstract: |-\n  x\n     \n  y\n",
        "authors: [A, {name: B, affiliation: C}]\n",
        "authors: [A B, C D, ]\n",
        "title: 'it''s quoted'\n",
        "title: 'broken\n",
        "title: \"double\"\n",
        "id: x\nid: y\n",
        "title: C# and F#\n",
        "title: ends with colon:\n",
        "- a list\n",
        "comment: |\n  Accepted at\n  ICML ",  # a block on the comment's last line: no final line break
        "title: a\ufffe\n",  # outside YAML's printable set: PyYAML refuses it
        "title: a\n \t\nscore: 1\n",  # a blank line holding a tab
        "b: [\xa01]\n",  # a no-break space is text, not YAML whitespace
        "title: a\x85b\n",
        "title: a\x07b\n",  # an ASCII control character: PyYAML refuses it
        "title: a\rb\n",
        "",
    ],
)
def test_agrees_with_pyyaml_or_leaves_it_to_pyyaml(block: str) -> None:
    try:
        slow = yaml.load(block, Loader=_loader())
    except yaml.YAMLError:
        assert read_mapping(block, RESOLVERS) is None
        return
    fast = read_mapping(block, RESOLVERS)
    assert fast is None or fast == (slow or {})
