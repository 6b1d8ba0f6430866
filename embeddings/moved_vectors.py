"""Concepts whose vectors were replaced in an HNSW index, scored exactly.

FAISS cannot drop or relink a node of an HNSW graph. ``ConceptIndex.replace``
therefore overwrites a node's stored vector in place: every score the graph
search computes for it is then the new cosine, but its links were chosen
for the old vector, so a search may no longer reach it. Until the index is
rebuilt, the moved concepts are also scored exactly beside each graph
search and merged into its hits.
"""

from __future__ import annotations

import numpy as np


class MovedVectors:
    """The replaced concepts of one HNSW index and their current vectors.

    Args:
        dim: vector dimension.
    """

    def __init__(self, dim: int) -> None:
        self.ids = np.empty(0, dtype=np.int64)
        self._vectors = np.empty((0, dim), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.ids)

    def update(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Record new vectors of concepts (ids distinct); later calls win."""
        kept = ~np.isin(self.ids, ids)
        merged_ids = np.concatenate([self.ids[kept], ids.astype(np.int64)])
        merged = np.concatenate([self._vectors[kept], vectors.astype(np.float32)])
        order = np.argsort(merged_ids, kind="stable")
        self.ids = merged_ids[order]
        self._vectors = np.ascontiguousarray(merged[order])

    def merge(
        self,
        queries: np.ndarray,
        scores: np.ndarray,
        ids: np.ndarray,
        *,
        allowed_ids: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The graph search's top-k hits merged with exact scores of the moved
        concepts (restricted to ``allowed_ids`` when given).

        Args:
            queries: float32 (n, dim), the searched queries.
            scores: float32 (n, k) graph hits, -inf where missing.
            ids: int64 (n, k) graph hits, -1 where missing.

        Returns:
            (scores, ids), each (n, k), best first.
        """
        candidates = np.arange(len(self.ids))
        if allowed_ids is not None:
            candidates = np.flatnonzero(np.isin(self.ids, allowed_ids))
        if len(candidates) == 0:
            return scores, ids
        k = ids.shape[1]
        exact = queries @ self._vectors[candidates].T
        take = min(k, len(candidates))
        best = np.argpartition(-exact, take - 1, axis=1)[:, :take]
        moved_scores = np.take_along_axis(exact, best, axis=1)
        moved_ids = self.ids[candidates][best]
        # A moved concept the graph did reach has the same (exact) score
        # there; drop that copy so no concept is listed twice.
        reached = np.isin(ids, self.ids)
        graph_scores = np.where(reached, -np.inf, scores)
        graph_ids = np.where(reached, -1, ids)
        all_scores = np.concatenate([graph_scores, moved_scores], axis=1)
        all_ids = np.concatenate([graph_ids, moved_ids], axis=1)
        order = np.argsort(-all_scores, axis=1, kind="stable")[:, :k]
        merged_scores = np.take_along_axis(all_scores, order, axis=1)
        merged_ids = np.take_along_axis(all_ids, order, axis=1)
        merged_ids = np.where(np.isfinite(merged_scores), merged_ids, -1)
        return merged_scores.astype(np.float32), merged_ids
