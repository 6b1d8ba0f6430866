"""A bfloat16 first pass for search of a flat index, certified exact.

Exact search is a float32 matrix product of the queries with every stored
vector. CPUs with bfloat16 dot-product instructions (AVX512-BF16, AMX)
multiply bfloat16 matrices two to three times faster. This pass keeps a
bfloat16 copy of the stored vectors, takes the best ``k + extra`` rows of each
query from the bfloat16 product, scores those rows with the float32 vectors,
and proves per query that no other row can reach the exact top k.

The proof: rounding a float32 to bfloat16 changes it by at most ``u = 2**-8``
of itself, so each product of a query and a row moves by at most
``(2u + u**2) |q_j| |v_j|``; float32 accumulation of ``d`` terms adds at most
``d * 2**-24`` of the sum of their sizes, and the bfloat16 result is rounded
once more (``u``). By Cauchy-Schwarz the bfloat16 score of any row is within
``eps = |q| * max|v| * (3u + 5u**2 + d * 2**-23)`` of its exact score. A row
left out scored at most the smallest bfloat16 score taken, ``t``; if the k-th
exact score among those taken is at least ``t + eps``, no row left out can
beat it. A query that fails this test first takes more candidates from the
same bfloat16 scores (up to 2,048); one that still fails is reported, and the
caller searches it exactly, so results are always the exact top k. The bound
assumes float32 accumulation of the bfloat16 products, which is what oneDNN's
and torch's own CPU kernels do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

# Unit roundoff of bfloat16 (8 significant bits, round to nearest).
_BF16_ROUNDOFF = 2.0**-8
# bfloat16 scores held at once (64 Mi of them, 128 MB): 512 queries at 100k
# rows, 67 at 1M.
_SCORE_BUDGET = 1 << 26
_MOST_QUERIES_AT_ONCE = 512
# Candidate vectors gathered at once for re-scoring (8 Mi floats, 32 MB): 256
# queries at 42 candidates of width 384, 10 at 2,048.
_RESCORE_BUDGET = 1 << 23
_MOST_RESCORED_AT_ONCE = 256
# Candidates of a query whose proof failed grow by this factor, up to the
# most; past that the query is left to an exact search.
_WIDEN = 8
_MOST_CANDIDATES = 2048
# A filter that keeps less than 1/this of the rows is gathered into a table of
# its own; a larger one masks the whole table.
_GATHER_SHARE = 4


def bf16_is_native() -> bool:
    """True when torch multiplies bfloat16 matrices with the CPU's own bfloat16
    instructions, so that this pass is faster than float32 search."""
    try:
        # Private but stable since torch 1.12; there is no public query.
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def score_error_bound(
    query_norms: np.ndarray, max_row_norm: float, dim: int
) -> np.ndarray:
    """Largest difference between a bfloat16 and an exact inner product.

    Args:
        query_norms: float (n,) Euclidean norms of the queries.
        max_row_norm: largest norm of a stored row.
        dim: vector width.
    """
    u = _BF16_ROUNDOFF
    relative = 3 * u + 5 * u * u + dim * 2.0**-23
    bound: np.ndarray = query_norms.astype(np.float64) * max_row_norm * relative
    return bound


@dataclass(frozen=True)
class FirstPassResult:
    """Exact top-k among the candidates, and which queries are proven complete.

    ``scores`` float32 and ``rows`` int64 have shape (n, k), best first;
    ``certain`` is bool (n,): False where a row left out might belong in the
    top k, so that query must be searched exactly.
    """

    scores: np.ndarray
    rows: np.ndarray
    certain: np.ndarray


class BFloat16Pass:
    """A bfloat16 copy of an index's vectors, in the index's row order.

    Args:
        vectors: float32 (rows, dim), the index's vectors in row order.
        extra: candidates taken beyond k per query.
    """

    def __init__(self, vectors: np.ndarray, *, extra: int = 32) -> None:
        if extra < 0:
            raise ValueError(f"extra must be >= 0, got {extra}")
        self.extra = extra
        self.dim = int(vectors.shape[1])
        self._table = torch.empty((0, self.dim), dtype=torch.bfloat16)
        self._count = 0
        self._max_norm = 0.0
        self.searched = 0
        self.rechecked = 0
        self.add(vectors)

    @property
    def count(self) -> int:
        """Rows held; equal to the index's row count."""
        return self._count

    def add(self, vectors: np.ndarray) -> None:
        """Append rows appended to the index (the table grows by doubling)."""
        if not len(vectors):
            return
        needed = self._count + len(vectors)
        if needed > len(self._table):
            grown = torch.empty(
                (max(needed, 2 * len(self._table)), self.dim), dtype=torch.bfloat16
            )
            grown[: self._count] = self._table[: self._count]
            self._table = grown
        block = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
        self._table[self._count : needed] = block.to(torch.bfloat16)
        self._count = needed
        self._note_norms(vectors)

    def replace(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        """Overwrite rows whose vectors changed."""
        block = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
        self._table[torch.from_numpy(np.asarray(rows, dtype=np.int64))] = block.to(
            torch.bfloat16
        )
        # The old norms stay in the maximum: an upper bound keeps the proof valid.
        self._note_norms(vectors)

    def _searched_rows(
        self, allowed_rows: np.ndarray | None
    ) -> tuple[torch.Tensor, np.ndarray | None, torch.Tensor | None]:
        """The table to multiply, the index rows of its rows (None: the same),
        and a (1, rows) mask of rows to leave out (None: none).

        A small subset is gathered into a table of its own; a large one is
        searched in the whole table with the other rows masked, which costs
        less than copying most of the table.
        """
        table = self._table[: self._count]
        if allowed_rows is None:
            return table, None, None
        rows = np.asarray(allowed_rows, dtype=np.int64)
        if len(rows) * _GATHER_SHARE < self._count:
            return table[torch.from_numpy(rows)], rows, None
        blocked = torch.ones((1, self._count), dtype=torch.bool)
        blocked[0, torch.from_numpy(rows)] = False
        return table, rows, blocked

    def _note_norms(self, vectors: np.ndarray) -> None:
        largest = float(np.linalg.norm(vectors, axis=1).max())
        self._max_norm = max(self._max_norm, largest)

    def search(
        self,
        queries: np.ndarray,
        stored: np.ndarray,
        k: int,
        *,
        allowed_rows: np.ndarray | None = None,
    ) -> FirstPassResult:
        """Exact top-k among each query's bfloat16 candidates, with the proof.

        Args:
            queries: float32 (n, dim).
            stored: float32 (rows, dim), the index's vectors in row order.
            k: hits per query, 1 <= k <= the rows searched.
            allowed_rows: search only these rows (distinct, int64); None = all.
        """
        n = len(queries)
        table, positions, blocked = self._searched_rows(allowed_rows)
        searched_rows = self._count if allowed_rows is None else len(allowed_rows)
        if not 1 <= k <= searched_rows:
            raise ValueError(f"k={k} is outside 1..{searched_rows} searched rows")
        bounds = score_error_bound(
            np.linalg.norm(queries, axis=1), self._max_norm, self.dim
        )
        scores = np.empty((n, k), dtype=np.float32)
        rows = np.empty((n, k), dtype=np.int64)
        certain = np.zeros(n, dtype=bool)
        rescorer = _Rescorer(
            queries,
            stored,
            k,
            positions if blocked is None else None,
            bounds,
            scores,
            rows,
            certain,
        )
        at_once = max(1, min(_MOST_QUERIES_AT_ONCE, _SCORE_BUDGET // len(table)))
        most_taken = min(searched_rows, _MOST_CANDIDATES)
        for start in range(0, n, at_once):
            end = min(n, start + at_once)
            chunk = torch.from_numpy(np.ascontiguousarray(queries[start:end]))
            approximate = chunk.to(torch.bfloat16) @ table.T
            if blocked is not None:
                approximate.masked_fill_(blocked, float("-inf"))
            # Unproven queries take _WIDEN times more candidates from the
            # same bfloat16 scores, up to _MOST_CANDIDATES, before the caller
            # searches them exactly.
            pending = np.arange(start, end)
            rescored = approximate
            taken = min(searched_rows, k + self.extra)
            while True:
                proven = rescorer.rescore(rescored, pending, taken, searched_rows)
                pending = pending[~proven]
                if not len(pending) or taken >= most_taken:
                    break
                rescored = approximate[torch.from_numpy(pending - start)]
                taken = min(most_taken, taken * _WIDEN)
        self.searched += n
        self.rechecked += int(n - certain.sum())
        return FirstPassResult(scores=scores, rows=rows, certain=certain)


@dataclass(frozen=True)
class _Rescorer:
    """Re-scores queries' bfloat16 candidates exactly and proves them.

    ``queries``, ``stored``, ``k`` and ``bounds`` are the search's;
    ``positions`` maps a column of the bfloat16 scores to its index row (None:
    the same); ``scores``, ``rows`` and ``certain`` are the outputs, written
    in place.
    """

    queries: np.ndarray
    stored: np.ndarray
    k: int
    positions: np.ndarray | None
    bounds: np.ndarray
    scores: np.ndarray
    rows: np.ndarray
    certain: np.ndarray

    def rescore(
        self, approximate: torch.Tensor, where: np.ndarray, taken: int, searched: int
    ) -> np.ndarray:
        """Exact top-k of the queries at ``where`` (one row of ``approximate``
        each) among their ``taken`` best bfloat16 columns; returns which of
        them are proven complete."""
        top_scores, top_rows = approximate.topk(taken, dim=1, sorted=False)
        candidates = top_rows.numpy()
        if self.positions is not None:
            candidates = self.positions[candidates]
        at_once = max(
            1,
            min(
                _MOST_RESCORED_AT_ONCE,
                _RESCORE_BUDGET // (taken * self.queries.shape[1]),
            ),
        )
        for sub in range(0, len(where), at_once):
            part = where[sub : sub + at_once]
            found = candidates[sub : sub + at_once]
            exact = np.einsum("nd,ncd->nc", self.queries[part], self.stored[found])
            best = np.argsort(-exact, axis=1, kind="stable")[:, : self.k]
            self.scores[part] = np.take_along_axis(exact, best, axis=1)
            self.rows[part] = np.take_along_axis(found, best, axis=1)
        if taken == searched:
            proven = np.ones(len(where), dtype=bool)
        else:
            lowest_taken = top_scores.float().min(dim=1).values.numpy()
            kth_exact = self.scores[where, self.k - 1].astype(np.float64)
            proven = kth_exact >= lowest_taken + self.bounds[where]
        self.certain[where] = proven
        return proven
