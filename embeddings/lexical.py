"""BM25 over paper texts with bm25s: English stopwords and Snowball stemming."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import bm25s
import numpy as np
import Stemmer


class LexicalIndex:
    """BM25 scores of every document for a query.

    Args:
        texts: one text per document, in document order.
        k1: term-frequency saturation.
        b: length normalization.
    """

    def __init__(self, texts: Sequence[str], *, k1: float = 1.5, b: float = 0.75):
        self._stemmer: Any = Stemmer.Stemmer("english")
        self.size = len(texts)
        self._bm25: Any = None
        if texts:
            tokens = bm25s.tokenize(
                list(texts),
                stopwords="en",
                stemmer=self._stemmer,
                return_ids=False,
                show_progress=False,
            )
            self._bm25 = bm25s.BM25(k1=k1, b=b)
            self._bm25.index(tokens, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of each document, float32 shape (size,); zeros when no
        query term occurs in the corpus."""
        if self._bm25 is None:
            return np.zeros(0, dtype=np.float32)
        tokens = bm25s.tokenize(
            [query],
            stopwords="en",
            stemmer=self._stemmer,
            return_ids=False,
            show_progress=False,
        )[0]
        known = [t for t in tokens if t in self._bm25.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        scores: np.ndarray = self._bm25.get_scores(known)
        return scores.astype(np.float32)
