"""Ranking: a model learnt from the editor's profile orders the week; newest first without one.

The papers are real: the 100 recorded answers to an arXiv search for "testing",
which mix software testing (flaky tests, metamorphic testing, GUI testing)
with group testing, hypothesis testing and more. Every one of them says
"test", so only the topic words tell them apart.
"""

from __future__ import annotations

import html
import random
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_server import entries, entry_id

from digest.paper import Paper
from digest.draft.ranking import Ranked, document, newest_first, rank


def _papers(name: str) -> dict[str, Paper]:
    out = {}
    for entry in entries(name):
        text = entry.decode()

        def field(tag: str, text: str = text) -> str:
            m = re.search(rf"<{tag}[^>]*>(.*?)</{tag}>", text, re.S)
            assert m, tag
            return " ".join(html.unescape(m.group(1)).split())

        when = datetime.fromisoformat(field("published").replace("Z", "+00:00"))
        out[entry_id(entry)] = Paper(entry_id(entry), 1, field("title"), abstract=field("summary"), published=when)
    return out


TESTING = _papers("arxiv-api-2026-100-entries-all_testing.xml")
GROUP_TESTING = ["2008.01944", "1306.4664"]  # pooled tests for screening (DNA, infections)
FLAKY_TESTS = ["2101.09077", "2005.06826"]  # tests that fail intermittently
NEAR_GROUP = ["1106.3680", "1009.3186"]
NEAR_FLAKY = ["1906.00673", "2302.09330"]


def text(pid: str) -> str:
    return document(TESTING[pid].title, TESTING[pid].abstract)


def week(*leave_out: str) -> list[Paper]:
    return [p for pid, p in TESTING.items() if pid not in leave_out]


def positions(ranked: list[Ranked]) -> dict[str, int]:
    return {r.paper.id: n for n, r in enumerate(ranked, 1)}


def test_a_profile_of_two_topics_ranks_papers_near_either_above_the_rest() -> None:
    profile = GROUP_TESTING + FLAKY_TESTS
    ranked = rank(week(*profile), [text(pid) for pid in profile])
    at = positions(ranked)
    assert len(ranked) == 96
    assert all(at[pid] <= 10 for pid in NEAR_GROUP + NEAR_FLAKY), {pid: at[pid] for pid in NEAR_GROUP + NEAR_FLAKY}
    assert {r.paper.id for r in ranked[:3]} == {NEAR_GROUP[0], *NEAR_FLAKY}


def test_a_url_glued_to_the_word_before_it_ranks_as_if_spaced() -> None:
    """Text copied out of a PDF or a dataset viewer loses the space before a URL ("available
    athttps://..."): a seed and a paper with that seam are compared as if it were there."""
    seam = "Code is available {}https://github.com/lab/tool."
    profile = [f"{text(pid)} {seam.format('at')}" for pid in GROUP_TESTING]
    glued_profile = [f"{text(pid)} {seam.format('at').replace('at https', 'athttps')}" for pid in GROUP_TESTING]
    assert "athttps" in glued_profile[0]
    off_topic = next(pid for pid in TESTING if pid not in GROUP_TESTING + NEAR_GROUP)

    def ranking(profile: list[str], glued: bool) -> list[str]:
        papers = [Paper(p.id, 1, p.title, abstract=p.abstract + (" Code is available athttps://x.org/y." if glued and p.id
                  == off_topic else " Code is available at https://x.org/y." if p.id == off_topic else ""),
                  published=p.published) for p in week(*GROUP_TESTING)]  # fmt: skip
        return [r.paper.id for r in rank(papers, profile)]

    assert ranking(glued_profile, glued=True) == ranking(profile, glued=False)


def test_scores_lie_in_0_1_and_fall_with_the_rank() -> None:
    ranked = rank(week(*GROUP_TESTING), [text(pid) for pid in GROUP_TESTING])
    scores = [r.score for r in ranked]
    assert all(s is not None and 0.0 <= s <= 1.0 and s == round(s, 4) for s in scores)
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    assert scores[0] > 0.5 > scores[-1]  # the near twin of a profile paper is on the profile's side


def test_why_names_shared_words_and_the_closest_profile_paper() -> None:
    profile = GROUP_TESTING + FLAKY_TESTS
    ranked = rank(week(*profile), [text(pid) for pid in profile])
    flaky = next(r for r in ranked if r.paper.id == NEAR_FLAKY[0])
    terms, closest = flaky.why
    assert terms.startswith("terms: ") and "flaky" in terms.removeprefix("terms: ").split(", ")
    assert closest == "closest to: An Empirical Study of Flaky Tests in Python"
    for r in ranked[:10]:
        words = r.why[0].removeprefix("terms: ").split(", ")
        assert 1 <= len(words) <= 3
        assert all(w in document(r.paper.title, r.paper.abstract).lower() for w in words)
        assert all(any(w in text(pid).lower() for pid in profile) for w in words)
    assert ranked[0].why[1].startswith("closest to: Efficient Two-Stage Group Testing Algorithms for Genetic ...")
    assert all(r.why == () for r in rank(week(*profile), [text(pid) for pid in profile], explain=False))


def test_a_paper_covered_with_notes_moves_similar_candidates_up() -> None:
    covered = FLAKY_TESTS[0]
    before = rank(week(*GROUP_TESTING, covered), [text(pid) for pid in GROUP_TESTING])
    after = rank(week(*GROUP_TESTING, covered), [text(pid) for pid in [*GROUP_TESTING, covered]])
    for pid in NEAR_FLAKY:
        assert positions(after)[pid] < positions(before)[pid]
        assert positions(after)[pid] <= 5
    assert positions(after)[NEAR_GROUP[0]] == 1  # the first topic keeps its place


def test_papers_passed_over_move_similar_candidates_down() -> None:
    profile = [text(pid) for pid in GROUP_TESTING + FLAKY_TESTS[1:]]
    dismissed = NEAR_FLAKY[1]
    candidates = week(*GROUP_TESTING, *FLAKY_TESTS, dismissed)
    before, after = rank(candidates, profile), rank(candidates, profile, [text(dismissed)])
    score = {r.paper.id: r.score for r in before}
    moved = {r.paper.id: r.score for r in after}
    assert positions(after)[NEAR_FLAKY[0]] > positions(before)[NEAR_FLAKY[0]]
    assert moved[NEAR_FLAKY[0]] < score[NEAR_FLAKY[0]]  # type: ignore[operator]
    assert positions(after)[NEAR_GROUP[0]] == 1


def test_the_same_input_gives_the_same_ranking_in_any_order() -> None:
    profile = [text(pid) for pid in GROUP_TESTING + FLAKY_TESTS]
    papers = week(*GROUP_TESTING, *FLAKY_TESTS)
    first = rank(papers, profile)
    assert rank(papers, profile) == first
    shuffled = papers[:]
    random.Random(3).shuffle(shuffled)
    assert rank(shuffled, list(reversed(profile))) == first


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


def test_a_handful_of_papers_is_ranked_too() -> None:
    ranked = rank(CANDIDATES, PROFILE)
    assert [r.paper.id for r in ranked][:2] == ["2", "4"]
    assert ranked[0].why[0] == "terms: attention, transformer, language"
    assert ranked[-1].why == ()  # nothing in common with the profile: nothing to say


def test_without_a_profile_the_newest_come_first_without_scores() -> None:
    for ranked in (rank(CANDIDATES, []), rank(CANDIDATES, ["", "   "]), newest_first(CANDIDATES)):
        assert [r.paper.id for r in ranked] == ["1", "3", "2", "4"]
        assert all(r.score is None and r.why == () for r in ranked)
    assert Ranked(CANDIDATES[0], 0.5).why == ()


def test_texts_without_usable_words_fall_back_to_newest_first() -> None:
    ranked = rank([p("1", "the", "and of", 1), p("2", "a", "the", 2)], ["the and"])
    assert [r.paper.id for r in ranked] == ["2", "1"] and ranked[0].score is None


def test_ties_are_broken_by_date_then_id_so_the_order_is_stable() -> None:
    same = [p("b", "Graphs", "graph nets", 1), p("a", "Graphs", "graph nets", 1), p("c", "Graphs", "graph nets", 2)]
    assert [r.paper.id for r in rank(same, ["graph nets"])] == ["c", "a", "b"]
    assert rank([], PROFILE) == []


# --- digest.draft.tfidf: the vectorizer's matrix, bit for bit ------------------------------------------

def _same_as_vectorizer(texts: list[str], max_df: float = 0.5) -> None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from digest.draft.tfidf import TOKEN_PATTERN, tfidf

    vectorizer = TfidfVectorizer(sublinear_tf=True, max_df=max_df, token_pattern=TOKEN_PATTERN)
    try:
        slow = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # no word survives: the fast path says so the same way
        with pytest.raises(ValueError):
            tfidf(iter(texts), max_df)
        return
    fast, names = tfidf(iter(texts), max_df)
    fast = fast.tocsr()
    assert list(names) == list(vectorizer.get_feature_names_out())
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(fast, part), getattr(slow, part)), part


def test_tfidf_is_the_vectorizers_matrix_on_the_seed_abstracts() -> None:
    from digest.seeds import read_seed_folder

    texts = [document(r.title or "", r.abstract) for r in read_seed_folder(Path(__file__).parents[1] / "seeds")]
    texts += ["Ünïcödé İstanbul STRASSE straße naïve ﬁne α-β x_y 3D 2 a", "", "A b", "ß ẞ ǅ ΣΑΣ ς"]
    assert len(texts) > 50
    _same_as_vectorizer(texts)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("abAB _-.,1Zzé ßİıΣς\u0130\u212a\n"), max_size=40), min_size=1, max_size=30))
def test_tfidf_is_the_vectorizers_matrix_on_any_text(texts: list[str]) -> None:
    _same_as_vectorizer(texts)


def test_the_profile_counts_read_as_english_for_one(newsletter: Path) -> None:
    """One seed and one covered paper are counted in the singular in `new`'s ranking line."""
    from digest.config import load_settings
    from digest.draft.ranking import profile_texts
    from digest.issue.history import load_issues

    seeds = newsletter / "seeds"
    for f in seeds.iterdir():
        f.unlink()
    (seeds / "one.jsonl").write_text('{"arxiv_id": "2205.05131", "abstract": "Unifying language learning paradigms."}\n')
    issue = newsletter / "issues" / "2022-10-23.md"
    head, _, _ = issue.read_text().partition("\n## ")
    issue.write_text(head + "\n## arXiv:2210.11399\n\nOne note.\n")
    conf = load_settings(newsletter / "digest.toml")
    texts, counts = profile_texts(conf, load_issues(conf.path("issues")), None)
    assert len(texts) == 2
    assert counts == {"seed abstract": 1, "paper in earlier issues": 1}
