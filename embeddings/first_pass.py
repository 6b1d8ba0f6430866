"""Faster routes for searches of a flat index: a reduced prefilter, a bfloat16 pass.

A flat index answers exactly by scoring every stored vector in float32. Two
first passes find candidates more cheaply and score only those exactly:
:mod:`embeddings.prefilter` (principal components; can miss a hit) and
:mod:`embeddings.bf16_pass` (bfloat16; proven exact per query). This module
holds the passes enabled on one index, keeps them in step with its rows, and
picks the one that serves a search, or none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import faiss as _faiss
import numpy as np

from embeddings.prefilter import ReducedPrefilter

if TYPE_CHECKING:
    # Imported where enabled: it loads torch, which the index itself needs not.
    from embeddings.bf16_pass import BFloat16Pass

logger = logging.getLogger(__name__)

faiss: Any = _faiss

# Batches smaller than this search exactly even with a prefilter: the first
# pass saves nothing on a handful of queries.
PREFILTER_MIN_QUERIES = 32
# Filtered searches of fewer queries skip the bfloat16 pass: FAISS scores only
# the allowed ids, which for one query costs less than finding their rows and
# masking or gathering the bfloat16 table; from 4 queries on the pass is faster
# at every share of allowed ids measured (benchmarks/RESULTS.md).
BF16_FILTERED_MIN_QUERIES = 4


@dataclass(frozen=True)
class _Search:
    """One search handed to a pass (see :meth:`FirstPasses.search`)."""

    index: Any
    stored: np.ndarray
    queries: np.ndarray
    k: int
    allowed_ids: np.ndarray | None
    exact_params: Callable[[], Any]


class FirstPasses:
    """The first passes enabled on one flat index (none at first).

    The index holds its lock around every call and passes its FAISS index
    (an ``IndexIDMap2``) and a view of its stored vectors in row order.
    """

    def __init__(self) -> None:
        self.prefilter: ReducedPrefilter | None = None
        self.bf16: BFloat16Pass | None = None
        self._id_rows: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def enabled(self) -> bool:
        """True when some pass is enabled."""
        return self.prefilter is not None or self.bf16 is not None

    def add(self, vectors: np.ndarray) -> None:
        """Follow rows appended to the index."""
        if self.prefilter is not None:
            self.prefilter.add(vectors)
        if self.bf16 is not None:
            self.bf16.add(vectors)

    def replace(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        """Follow rows of the index whose vectors changed."""
        if self.prefilter is not None:
            self.prefilter.replace(rows, vectors)
        if self.bf16 is not None:
            self.bf16.replace(rows, vectors)

    def search(
        self,
        index: Any,
        stored: np.ndarray,
        queries: np.ndarray,
        k: int,
        *,
        allowed_ids: np.ndarray | None,
        exact_params: Callable[[], Any],
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Scores and ids (n, k) through a pass, or None when none serves
        this search and the caller should ask FAISS.

        Args:
            index: the FAISS index of the rows.
            stored: float32 (rows, dim), its vectors in row order.
            queries: float32 (n, dim), checked.
            k: hits per query.
            allowed_ids: restrict hits to these ids, or None.
            exact_params: builds the FAISS search parameters carrying the
                same restriction, called only for queries the bfloat16 pass
                hands back to exact search (an id selector takes ms to build).
        """
        if (
            self.prefilter is not None
            and allowed_ids is None
            and len(queries) >= PREFILTER_MIN_QUERIES
            and k <= index.ntotal
        ):
            scores, rows = self.prefilter.search(queries, stored, k)
            return scores, self._ids_by_row(index)[0][rows]
        if self.bf16 is not None and (
            allowed_ids is None or len(queries) >= BF16_FILTERED_MIN_QUERIES
        ):
            return self._bf16_search(
                _Search(index, stored, queries, k, allowed_ids, exact_params)
            )
        return None

    def _bf16_search(self, search: _Search) -> tuple[np.ndarray, np.ndarray] | None:
        """Search through the bfloat16 pass; None when fewer than k rows are
        searched (FAISS then pads the hits)."""
        assert self.bf16 is not None
        k = search.k
        stored_ids, order = self._ids_by_row(search.index)
        rows = None
        if search.allowed_ids is not None:
            rows = rows_holding(stored_ids, order, search.allowed_ids)
        if k > (len(stored_ids) if rows is None else len(rows)):
            return None
        first = self.bf16.search(search.queries, search.stored, k, allowed_rows=rows)
        scores = first.scores
        ids = stored_ids[first.rows]
        unproven = np.flatnonzero(~first.certain)
        if len(unproven):
            exact_scores, exact_ids = search.index.search(
                search.queries[unproven], k, params=search.exact_params()
            )
            scores[unproven] = exact_scores
            ids[unproven] = exact_ids
        logger.debug(
            "bf16_pass_search queries=%d k=%d searched_again=%d",
            len(search.queries),
            k,
            len(unproven),
        )
        return scores, ids

    def _ids_by_row(self, index: Any) -> tuple[np.ndarray, np.ndarray]:
        """The id of each row, and the rows in id order. Cached by row count:
        a flat index only appends rows."""
        cached = self._id_rows
        if cached is None or len(cached[0]) != index.ntotal:
            stored_ids = faiss.vector_to_array(index.id_map)
            cached = (stored_ids, np.argsort(stored_ids, kind="stable"))
            self._id_rows = cached
        return cached


def rows_holding(
    stored_ids: np.ndarray, order: np.ndarray, wanted: np.ndarray
) -> np.ndarray:
    """Distinct rows of ``stored_ids`` (row -> id, sorted by ``order``) that
    hold an id of ``wanted``, ascending; ids that are not stored are left out,
    as FAISS's selectors do."""
    wanted = np.asarray(wanted, dtype=np.int64)
    slots = np.minimum(
        np.searchsorted(stored_ids, wanted, sorter=order), len(order) - 1
    )
    rows = order[slots]
    held = np.zeros(len(stored_ids), dtype=bool)
    held[rows[stored_ids[rows] == wanted]] = True
    return np.flatnonzero(held)
