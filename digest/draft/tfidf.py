"""TF-IDF features of a whole week, the same matrix as scikit-learn's ``TfidfVectorizer``, faster.

    matrix, names = tfidf(texts, max_df=0.5)

``TfidfVectorizer(sublinear_tf=True, max_df=..., token_pattern=r"(?u)\\w\\w+")`` counts
words in a Python loop over every token (about 2.5 s for a 20,000-paper week, the
largest part of `digest new --offline`, issue #16). This module finds the same
tokens (lower-cased runs of two or more word characters) with C-level loops: an
ASCII text (nearly all of arXiv) is lower-cased and split by one
``bytes.translate``, any other text by the vectorizer's own pattern, and each
token is numbered by a dictionary in order of first occurrence, as the vectorizer
does. Counting, pruning (``max_df``) and sorting the vocabulary are numpy, and
scikit-learn's public ``TfidfTransformer`` weighs and normalises the counts. The
count matrix is built entry for entry (and in the same order within each row) as
the vectorizer's, so the result is bit-identical: the same features and the same
floats, hence the same SVM and the same ranking (`bench/bench_offline.py` checks it
against the vectorizer).

This module imports numpy, scipy and scikit-learn inside `tfidf`, like `ranking`.
"""

from __future__ import annotations

import re
from array import array
from collections import defaultdict
from collections.abc import Iterable
from itertools import islice
from typing import Any

TOKEN_PATTERN = r"(?u)\w\w+"
"""scikit-learn's default tokens (runs of 2+ word characters); `_ASCII` finds the same in ASCII text."""
_WORD = re.compile(TOKEN_PATTERN)
_ASCII = bytes(
    c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 or c == 95 else 32 for c in range(256)
)
"""Per byte: A-Z lower-cased, the other ASCII word characters (a-z, 0-9, _) kept, everything else a space."""
CHUNK = 500
"""Texts counted at once."""


def tokens(text: str) -> list[bytes]:
    """``text``'s words, lower-cased, UTF-8 encoded; single characters included when ASCII (dropped later)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII).split()
    return [t.encode("utf-8") for t in _WORD.findall(text.lower())]


def tfidf(texts: Iterable[str], max_df: float) -> tuple[Any, Any]:
    """``(matrix, names)``: what ``TfidfVectorizer(sublinear_tf=True, max_df=max_df,
    token_pattern=TOKEN_PATTERN)``'s ``fit_transform`` and ``get_feature_names_out`` give.

    ``texts`` are read once, in order, a chunk at a time: a generator of them need never hold
    them all. Raises ``ValueError`` when no word survives, as the vectorizer does.
    """
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfTransformer

    vocabulary: defaultdict[bytes, int] = defaultdict()
    vocabulary.default_factory = vocabulary.__len__  # a new word gets the next number: first occurrence order
    number = vocabulary.__getitem__
    n = 0
    cols, counts, sizes = [], [], []
    remaining = iter(texts)
    while True:  # a chunk's tokens at a time: a week's would take ~200 MB more
        ids: list[int] = []
        lengths = array("q")
        for text in islice(remaining, CHUNK):
            words = tokens(text)
            ids += map(number, words)  # (a list, then numpy: faster than array.extend)
            lengths.append(len(words))
        if not lengths:
            break
        n += len(lengths)
        # one entry per (text, word), sorted by text then word number: the vectorizer's rows after sort_indices
        row = np.repeat(np.arange(len(lengths), dtype=np.int64), np.frombuffer(lengths, dtype=np.int64))
        keys, count = np.unique((row << 32) | np.array(ids, dtype=np.int64), return_counts=True)
        del row, ids
        sizes.append(np.bincount(keys >> 32, minlength=len(lengths)))
        cols.append((keys & 0xFFFFFFFF).astype(np.int32))
        counts.append(count.astype(np.int32))
        del keys, count
    if not n:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    col, count, size = np.concatenate(cols), np.concatenate(counts), np.concatenate(sizes)
    del cols, counts, sizes
    words = list(vocabulary)
    del vocabulary, number
    valid = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) > 1  # the pattern needs 2 characters
    if not valid.any():
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    df = np.bincount(col, minlength=len(words))
    kept = np.flatnonzero(valid & (df <= max_df * n) & (df >= 1))
    if not len(kept):
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    names = [words[i].decode("utf-8") for i in kept]
    del words
    order = sorted(range(len(names)), key=names.__getitem__)  # the features sorted by name, as the vectorizer's
    column = np.full(len(df), -1, dtype=np.int32)
    column[kept[np.asarray(order, dtype=np.int64)]] = np.arange(len(order), dtype=np.int32)
    col = column[col]  # the entries of pruned words become -1
    keep = col >= 0
    left = np.zeros(len(keep) + 1, dtype=np.int64)  # entries kept before each one
    np.cumsum(keep, out=left[1:])
    bounds = np.zeros(n + 1, dtype=np.int64)  # where each text's entries start
    np.cumsum(size, out=bounds[1:])
    indptr = left[bounds].astype(np.int32)
    del left, bounds
    matrix = sparse.csr_array((count[keep].astype(np.float64), col[keep], indptr), shape=(n, len(order)))
    del count, col, keep
    transformer = TfidfTransformer(sublinear_tf=True)
    transformer.fit(matrix)
    return transformer.transform(matrix, copy=False), np.asarray([names[i] for i in order], dtype=object)
