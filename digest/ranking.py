"""Rank candidates by how close they are to what the editor reads and writes about.

The profile is the seed abstracts and the papers covered in earlier issues.
Each candidate's score is the mean cosine similarity, in TF-IDF space, to its
``K`` nearest profile documents: an editor's interests are several clusters,
not one centroid, and a candidate close to one cluster should rank high.
Scores lie in [0, 1]. Without a profile (or with no usable words) candidates
come newest first and have no score.

This is the only module that imports scikit-learn (and numpy), inside `rank`,
so commands that do not rank never pay for the import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.issue import Issue
    from digest.paper import Paper
    from digest.store import Store

K = 3
"""Profile documents a candidate's score averages over."""
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Ranked:
    paper: Paper
    score: float | None
    """Similarity to the profile in [0, 1], rounded to 4 places; None when ranked by date."""


def document(title: str, abstract: str) -> str:
    """The text a paper is compared by: its title (twice, it is dense) and abstract."""
    return f"{title}\n{title}\n{abstract}"


def newest_first(papers: Sequence[Paper]) -> list[Ranked]:
    """Newest publication first, then id, with no scores."""
    ordered = sorted(papers, key=lambda p: ((p.published or _EPOCH).timestamp(), p.id), reverse=True)
    return [Ranked(p, None) for p in ordered]


def rank(papers: Sequence[Paper], profile: Sequence[str]) -> list[Ranked]:
    """``papers`` best first by TF-IDF similarity to the ``profile`` texts.

    Ties (and an empty profile) fall back to newest first, so the order is
    deterministic.
    """
    profile = [t for t in profile if t and t.strip()]
    if not papers or not profile:
        return newest_first(papers)
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [document(p.title, p.abstract) for p in papers]
    vectorizer = TfidfVectorizer(
        sublinear_tf=True, stop_words="english", min_df=1, max_df=0.95 if len(texts) + len(profile) > 20 else 1.0,
        dtype=np.float32,
    )  # fmt: skip
    try:
        matrix = vectorizer.fit_transform([*profile, *texts])
    except ValueError:  # no word survives (all stop words / empty): nothing to compare
        return newest_first(papers)
    prof, cand = matrix[: len(profile)], matrix[len(profile) :]
    sims = (cand @ prof.T).toarray()  # rows are L2-normalised: dot product = cosine
    k = min(K, sims.shape[1])
    if k < sims.shape[1]:
        top = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    else:
        top = sims
    scores = np.round(top.mean(axis=1).astype(float), 4)
    order = sorted(
        range(len(papers)),
        key=lambda i: (-scores[i], -(papers[i].published or _EPOCH).timestamp(), papers[i].id),
    )
    return [Ranked(papers[i], float(scores[i])) for i in order]


def profile_texts(settings: Settings, earlier: list[Issue], store: Store | None) -> tuple[list[str], dict[str, int]]:
    """The editor's profile: seed abstracts and the papers covered in earlier issues."""
    from digest.history import covered_sections
    from digest.seedfiles import read_seed_folder

    seeds = [r.abstract for r in read_seed_folder(settings.path("seeds"), strict=False) if r.abstract.strip()]
    sections = covered_sections(earlier, settings.unannotated)
    stored = store.get_many([s.paper_id.base for _, s in sections if s.paper_id]) if store else {}
    issues = []
    for _, s in sections:
        paper = stored.get(s.paper_id.base) if s.paper_id else None
        title = s.title or str(s.meta.get("title") or "") or (paper.title if paper else "")
        abstract = str(s.meta.get("abstract") or "") or (paper.abstract if paper else "") or s.notes
        issues.append(document(title, abstract))
    counts = {k: n for k, n in (("seed abstracts", len(seeds)), ("papers in earlier issues", len(issues))) if n}
    return seeds + issues, counts
