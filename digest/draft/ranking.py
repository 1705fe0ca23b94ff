"""Rank the week's candidates by what the editor actually writes about.

A linear model learns the editor's taste afresh on every run, the way
arxiv-sanity does: TF-IDF features, a linear SVM (`LinearSVC`), the
``profile`` texts (seed abstracts and the papers covered in earlier issues)
as positives, and as negatives the week's candidates themselves (most of a
week is not what the editor writes about) plus the ``negatives`` texts
(papers proposed in earlier drafts that were dismissed or left without
notes). Candidates are then ordered by the model's decision value, their
margin. A candidate that is also a profile text is a negative too, as in
arxiv-sanity: it ranks high because nothing separates it from its twin, not
because of a special case.

Features and model, chosen by ``bench/bench_ranking.py`` (leave-one-out over
the seed abstracts hidden in real arXiv weeks; figures in ``bench/results.jsonl``):
words, sublinear TF, ``C=0.5`` with balanced class weights, and no stop-word
list: in a corpus of `MIN_DOCS` texts or more the words in over half of them
are dropped instead (``max_df=0.5``), which learns the corpus's own stop
words. Against it, on each 2025 week: scikit-learn's English list (which also
drops "system", "first", ...) lost 3-4 of the 66 hidden seeds from the top 60,
``min_df=2`` 1-2, bigrams 2-7 (and took three times as long); logistic
regression ranked alike, SGD worse. A corpus under `MIN_DOCS` texts cannot
learn its stop words and uses that list.
Every text is counted `unglued`: a URL stuck to the word before it is split off.

Score: ``1 / (1 + exp(-2 * margin))``, rounded to 4 places. It is monotone in
the margin and does not depend on the week's size or the other candidates'
scores: 0.5 is the model's boundary between "like the profile" and "like the
week", a typical week paper (margin -1) scores about 0.12 and a typical
profile text (margin +1) about 0.88. It is not a calibrated probability.

``why``, for each ranked candidate: ``"terms: a, b, c"``, up to `TERMS` words it
shares with the profile that add most to its margin (the model's positive
weights times the candidate's TF-IDF; stop words and numbers are not named),
and ``"closest to: <the first ~60 characters of a profile text>"`` (its title,
for a paper from an earlier issue), the profile text sharing most of those
weighted words. Only the best candidates are compared with every profile text,
at least `EXPLAINED` and as many as fit in `SIMILARITIES` (a whole real week),
in chunks: no candidates x profile array is ever built.

Without a profile (or with no usable words in it) candidates come newest
first and have no score. Equal margins fall back to newest first, then id;
the model is fitted on the inputs in a canonical order, so the same papers
and texts give the same ranking in whatever order they come.

Only this module and `digest.draft.tfidf` (the features: scikit-learn's
``TfidfVectorizer``'s matrix, bit for bit, in under half its time) import
scikit-learn (and numpy), inside the functions, so commands that do not rank
never pay for the import. A week is counted as its texts are made, never all
held at once (issue #16: 20,000 candidates under 300 MB).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import chain
from typing import TYPE_CHECKING, Any

from digest.draft.tfidf import TOKEN_PATTERN, tfidf
from digest.issue.history import covered_sections
from digest.seeds import read_seed_folder

if TYPE_CHECKING:
    from digest.config import Settings
    from digest.issue import Issue
    from digest.paper import Paper
    from digest.store import Store

SVM_C = 0.5
"""The SVM's regularisation (``LinearSVC(C=...)``); recall is flat from 0.3 to 1."""
MAX_DF = 0.5
"""Words in more than this share of the texts are dropped (the corpus's own stop words)."""
MIN_DOCS = 20
"""Below this many texts, `MAX_DF` is off and scikit-learn's English stop words apply."""
SLOPE = 2.0
"""Score = 1 / (1 + exp(-SLOPE * margin))."""
TERMS = 3
"""Shared words ``why`` names."""
EXPLAINED = 200
"""At least this many of the best candidates get a ``why`` naming the closest profile text ..."""
SIMILARITIES = 2_000_000
"""... and more while candidates x profile texts stays under this (a whole real week)."""
CHUNK = 256
"""Candidates whose similarities to the profile are computed at once."""
ROWS = 2000
"""Candidates whose words ``why`` names are sorted at once (at most 65,536: rows are numbered in 16 bits)."""
LABEL_WIDTH = 60
"""Characters of a profile text ``why`` quotes."""
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Ranked:
    paper: Paper
    score: float | None
    """Likeness to the profile in [0, 1], rounded to 4 places (see the module); None when ranked by date."""
    why: tuple[str, ...] = ()
    """The reasons, e.g. ``("terms: diffusion, guidance", "closest to: Classifier-free ...")``; may be empty."""


def document(title: str, abstract: str) -> str:
    """The text a paper is compared by: its title (twice, it is dense) and abstract."""
    return f"{title}\n{title}\n{abstract}"


_GLUED_URL = re.compile(r"(?<=\w)(?=https?://)")


def unglued(text: str) -> str:
    """``text`` with a space put back before a URL glued to the word before it (``available
    athttps://github.com/...``): the seam that text copied out of a PDF or a dataset viewer
    leaves. Glued, the pair is a word no paper's own text has (13 of the 66 benchmark seeds
    carry one), which the model learnt as the profile's mark: it lifted a hidden seed, and
    never a real candidate."""
    return _GLUED_URL.sub(" ", text) if "http" in text else text


def _newest_key(p: Paper) -> tuple[float, str]:
    return (-(p.published or _EPOCH).timestamp(), p.id)


def newest_first(papers: Sequence[Paper]) -> list[Ranked]:
    """Newest publication first, then id, with no scores."""
    return [Ranked(p, None) for p in sorted(papers, key=_newest_key)]


def rank(papers: Sequence[Paper], profile: Sequence[str], negatives: Sequence[str] = (), *,
         explain: bool = True) -> list[Ranked]:  # fmt: skip
    """``papers`` best first by a linear SVM that tells the ``profile`` texts from the week.

    ``negatives``: texts the editor passed over (`document` of title and
    abstract), learnt as unlike the profile, as the candidates are. With
    ``explain=False`` every ``why`` is empty (and ranking is a little faster).
    """
    profile = sorted(t for t in profile if t and t.strip())
    if not papers or not profile:
        return newest_first(papers)
    import numpy as np

    papers = sorted(papers, key=_newest_key)  # canonical order: the fit does not depend on the caller's
    extra = sorted(t for t in negatives if t and t.strip())
    texts = map(unglued, chain(profile, (document(p.title, p.abstract) for p in papers), extra))  # one at a time
    fitted = _fit(texts, len(profile) + len(papers) + len(extra), len(profile))
    if fitted is None:
        return newest_first(papers)
    matrix, weights, intercept, names = fitted
    cand, prof = matrix[len(profile) : len(profile) + len(papers)], matrix[: len(profile)]
    del matrix, fitted  # a week's TF-IDF: only the candidates' and the profile's rows are used from here on
    margin = np.asarray(cand @ weights).ravel() + intercept
    scores = np.round(1.0 / (1.0 + np.exp(-SLOPE * margin)), 4)
    order = np.argsort(-margin, kind="stable").tolist()  # stable: equal margins stay newest first
    whys: dict[int, tuple[str, ...]] = {}
    if explain:
        whys = _explain(cand, prof, weights, names, profile, order)
    return [Ranked(papers[i], float(scores[i]), whys.get(i, ())) for i in order]


def _fit(texts: Iterable[str], count: int, positives: int) -> tuple[Any, Any, float, Any] | None:
    """TF-IDF of the ``count`` ``texts`` and the SVM's weights and intercept; None when the profile
    has no usable word. A large corpus is counted as it comes: a week's texts (~30 MB) never all exist."""

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    try:
        if count >= MIN_DOCS:  # `tfidf`: the vectorizer's matrix, bit for bit, without its Python loop
            matrix, names = tfidf(texts, MAX_DF)
            matrix = matrix.tocsr()
        else:
            vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", token_pattern=TOKEN_PATTERN)
            matrix, names = vectorizer.fit_transform(list(texts)).tocsr(), vectorizer.get_feature_names_out()
    except ValueError:  # no word survives (all stop words / empty): nothing to learn from
        return None
    if matrix[:positives].nnz == 0:
        return None
    labels = np.zeros(matrix.shape[0], dtype=np.int8)
    labels[:positives] = 1
    model = LinearSVC(C=SVM_C, class_weight="balanced", random_state=0, max_iter=2000)
    with warnings.catch_warnings():  # a model short of full convergence still ranks well
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(matrix, labels)
    return matrix, model.coef_.ravel(), float(model.intercept_[0]), names


def _explain(cand: Any, prof: Any, weights: Any, names: Any, profile: list[str],
             order: list[int]) -> dict[int, tuple[str, ...]]:  # fmt: skip
    """``why`` by candidate row: the shared words that add most, and the closest profile text."""
    import numpy as np
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    # words worth naming: in a profile text, weighted up, not a stop word or a bare number
    shown = np.array([w not in ENGLISH_STOP_WORDS and any(c.isalpha() for c in w) for w in names.tolist()], dtype=bool)
    in_profile = np.bincount(prof.indices, minlength=prof.shape[1]) > 0
    gain = np.where(shown & in_profile & (weights > 0), weights, 0.0)
    contrib = _weighted(cand, gain)  # each candidate's words times their weights, zeros left out
    terms: dict[int, list[str]] = {}
    for start in range(0, contrib.shape[0], ROWS):  # the same in blocks of rows: a week's at once takes ~100 MB
        indptr = contrib.indptr[start : start + ROWS + 1]
        lo, hi = int(indptr[0]), int(indptr[-1])
        rows = np.repeat(np.arange(len(indptr) - 1, dtype=np.uint16), np.diff(indptr))  # 16 bits: a radix sort
        by_value = np.argsort(-contrib.data[lo:hi], kind="stable")  # largest contribution first (ties: vocabulary order)
        ranked = by_value[np.argsort(rows[by_value], kind="stable")]  # ... within each row
        keep = ranked[np.arange(len(ranked)) + lo - indptr[rows[ranked]] < TERMS]
        for r, c in zip((rows[keep].astype(np.int64) + start).tolist(), contrib.indices[lo:hi][keep].tolist()):
            terms.setdefault(r, []).append(str(names[c]))
    # the profile text sharing most of that weighted evidence, for the best candidates: a bounded
    # amount of work, and at most CHUNK x profile similarities in memory at once
    top = order[: max(EXPLAINED, SIMILARITIES // len(profile))]
    closest: dict[int, str] = {}
    labels: dict[int, str] = {}
    for start in range(0, len(top), CHUNK):
        chunk = top[start : start + CHUNK]
        sims = (contrib[chunk] @ prof.T).toarray()
        best = sims.argmax(axis=1)
        for i, j, s in zip(chunk, best.tolist(), sims[np.arange(len(chunk)), best].tolist()):
            if s > 0:
                if j not in labels:
                    labels[j] = f"closest to: {_label(profile[j])}"
                closest[i] = labels[j]
    whys: dict[int, tuple[str, ...]] = {}
    for i, words in terms.items():
        whys[i] = (f"terms: {', '.join(words)}",)
    for i, line in closest.items():
        whys[i] = whys.get(i, ()) + (line,)
    return whys


def _weighted(cand: Any, gain: Any) -> Any:
    """``cand.multiply(gain)`` with its zeros eliminated (the same CSR matrix, sorted), at half the cost."""
    import numpy as np
    from scipy import sparse

    data = cand.data * gain[cand.indices]
    nonzero = data != 0
    before = np.zeros(len(nonzero) + 1, dtype=np.int64)  # nonzero entries before each one
    np.cumsum(nonzero, out=before[1:])
    out = sparse.csr_matrix((data[nonzero], cand.indices[nonzero], before[cand.indptr].astype(cand.indptr.dtype)),
                            shape=cand.shape)  # fmt: skip
    out.sort_indices()
    return out


def _label(text: str) -> str:
    """A profile text's first line (a paper's title, by `document`) cut to about `LABEL_WIDTH` characters."""
    line = " ".join(next((s for s in text.splitlines() if s.strip()), "").split())
    if len(line) <= LABEL_WIDTH:
        return line
    return (line[:LABEL_WIDTH].rsplit(" ", 1)[0] or line[:LABEL_WIDTH]) + " ..."


def profile_texts(settings: Settings, earlier: list[Issue], store: Store | None) -> tuple[list[str], dict[str, int]]:
    """The editor's profile: seed abstracts and the papers covered in earlier issues."""

    seeds = [r.abstract for r in read_seed_folder(settings.path("seeds"), strict=False) if r.abstract.strip()]
    sections = covered_sections(earlier, settings.unannotated)
    stored = store.get_many([s.paper_id.base for _, s in sections if s.paper_id]) if store else {}
    issues = []
    for _, s in sections:
        paper = stored.get(s.paper_id.base) if s.paper_id else None
        title = s.title or str(s.meta.get("title") or "") or (paper.title if paper else "")
        abstract = str(s.meta.get("abstract") or "") or (paper.abstract if paper else "") or s.notes
        issues.append(document(title, abstract))
    counts = {k if n > 1 else k.replace("abstracts", "abstract").replace("papers", "paper"): n
              for k, n in (("seed abstracts", len(seeds)), ("papers in earlier issues", len(issues))) if n}  # fmt: skip
    return seeds + issues, counts
