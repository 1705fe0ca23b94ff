"""TF-IDF ranking against the editor's profile; newest first without one."""

from __future__ import annotations

from datetime import datetime, timezone

from digest.paper import Paper
from digest.ranking import newest_first, rank


def p(pid: str, title: str, abstract: str, day: int = 1) -> Paper:
    return Paper(pid, 1, title, abstract=abstract, published=datetime(2022, 10, day, tzinfo=timezone.utc))


CANDIDATES = [
    p("1", "Protein folding with physics", "We simulate protein dynamics with molecular force fields.", 5),
    p("2", "Sparse attention for long documents", "A transformer with sparse attention scales language models to long text.", 3),
    p("3", "Bird migration routes", "Satellite tags reveal migration routes of songbirds.", 4),
    p("4", "Finetuning language models cheaply", "Parameter efficient finetuning of large language models with adapters.", 2),
]
PROFILE = [
    "Scaling transformer language models with mixture of experts and sparse attention.",
    "Instruction finetuning of language models improves zero-shot performance.",
    "Efficient attention mechanisms for long sequence modeling.",
]


def test_candidates_close_to_the_profile_rank_first_with_scores_in_0_1() -> None:
    ranked = rank(CANDIDATES, PROFILE)
    assert [r.paper.id for r in ranked][:2] == ["2", "4"]
    assert {r.paper.id for r in ranked[2:]} == {"1", "3"}
    assert all(r.score is not None and 0.0 <= r.score <= 1.0 for r in ranked)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)  # type: ignore[misc]
    assert ranked[-1].score == 0.0


def test_without_a_profile_the_newest_come_first_without_scores() -> None:
    for ranked in (rank(CANDIDATES, []), rank(CANDIDATES, ["", "   "]), newest_first(CANDIDATES)):
        assert [r.paper.id for r in ranked] == ["1", "3", "2", "4"]
        assert all(r.score is None for r in ranked)


def test_texts_without_usable_words_fall_back_to_newest_first() -> None:
    ranked = rank([p("1", "the", "and of", 1), p("2", "a", "the", 2)], ["the and"])
    assert [r.paper.id for r in ranked] == ["2", "1"] and ranked[0].score is None


def test_ties_are_broken_by_date_then_id_so_the_order_is_stable() -> None:
    same = [p("b", "Graphs", "graph nets", 1), p("a", "Graphs", "graph nets", 1), p("c", "Graphs", "graph nets", 2)]
    assert [r.paper.id for r in rank(same, ["graph nets"])] == ["c", "a", "b"]
    assert rank([], PROFILE) == []
