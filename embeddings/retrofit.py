"""Retrofitting: pull each vector toward its graph neighbours (Faruqui et al. 2015)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np

# scipy ships no type stubs and pyproject has no override for it yet.
import scipy.sparse as sp

from embeddings.errors import InvalidVectors

logger = logging.getLogger(__name__)


def relation_edge_weights(
    relations: Sequence[str] | np.ndarray, weights: Mapping[str, float]
) -> np.ndarray:
    """Turn each edge's relation name into its retrofitting weight.

    Args:
        relations: relation name of each edge, length m.
        weights: weight per relation name; a relation missing from it gets
            weight 0, so its edges are dropped.

    Returns:
        float32 array, shape (m,).

    Raises:
        InvalidVectors: a weight in ``weights`` is negative, NaN or infinite.
    """
    for name, weight in weights.items():
        if not np.isfinite(weight) or weight < 0:
            raise InvalidVectors(
                "relation weights",
                f"relation {name!r} has weight {weight!r}; "
                "expected a finite value >= 0",
            )
    names, inverse = np.unique(np.asarray(relations, dtype=object), return_inverse=True)
    table = np.array([weights.get(str(name), 0.0) for name in names], dtype=np.float32)
    return table[inverse.reshape(-1)]


def retrofit(
    vectors: np.ndarray,
    sources: np.ndarray,
    targets: np.ndarray,
    weights: np.ndarray,
    *,
    iterations: int = 10,
    alpha: float | np.ndarray = 1.0,
    symmetric: bool = True,
    normalize_weights: bool = True,
) -> np.ndarray:
    """Retrofit vectors to a graph with the Faruqui et al. (2015) update.

    Each iteration sets, for every node i at once (Jacobi order),
    ``q_i = (alpha_i * v_i + sum_j w_ij * q_j) / (alpha_i + sum_j w_ij)``, where
    ``v`` are the original vectors. A node with no edge of positive weight
    keeps its original vector. Parallel edges add their weights.

    Args:
        vectors: float array, shape (n, d): the original vectors ``v``.
        sources: int array, shape (m,): the node each edge pulls.
        targets: int array, shape (m,): the node it is pulled toward.
        weights: float array, shape (m,): edge weights, >= 0; relation
            weights are applied by the caller (see ``relation_edge_weights``).
        iterations: number of updates, >= 0.
        alpha: weight of a node's own original vector, a scalar or a float
            array of shape (n,); values >= 0.
        symmetric: also pull each target toward its source (undirected use).
        normalize_weights: scale each node's outgoing weights to sum to 1
            (Faruqui's ``beta = 1 / degree``), so ``alpha`` is the self weight
            relative to all neighbours together.

    Returns:
        float32 array, shape (n, d): the retrofitted vectors.

    Raises:
        InvalidVectors: wrong shapes, NaN or Inf values, indices out of range,
            negative weights or alpha, or a negative number of iterations.
    """
    original = _check_vectors(vectors)
    n = original.shape[0]
    rows, cols, values = _check_edges(sources, targets, weights, n)
    self_weight = _check_alpha(alpha, n)
    if isinstance(iterations, bool) or not isinstance(iterations, int | np.integer):
        raise InvalidVectors("iterations", f"got {iterations!r}; expected an int")
    if iterations < 0:
        raise InvalidVectors("iterations", f"got {iterations}; expected >= 0")

    if symmetric:
        rows, cols = np.concatenate([rows, cols]), np.concatenate([cols, rows])
        values = np.concatenate([values, values])
    keep = values > 0
    matrix = sp.csr_matrix(
        (values[keep], (rows[keep], cols[keep])), shape=(n, n), dtype=np.float32
    )
    matrix.sum_duplicates()
    degree = np.asarray(matrix.sum(axis=1), dtype=np.float32).reshape(-1)
    if normalize_weights:
        scale = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
        matrix = sp.csr_matrix(sp.diags(scale) @ matrix, dtype=np.float32)
        degree = (degree > 0).astype(np.float32)

    denominator = self_weight + degree
    active = (degree > 0) & (denominator > 0)
    inverse = np.zeros(n, dtype=np.float32)
    inverse[active] = 1.0 / denominator[active]
    anchored = original * (self_weight * inverse)[:, None]
    current = original.copy()
    for _ in range(iterations):
        pulled = matrix @ current
        pulled *= inverse[:, None]
        pulled += anchored
        pulled[~active] = original[~active]
        current = pulled
    logger.info(
        "retrofit_done nodes=%d edges=%d moved=%d iterations=%d",
        n,
        matrix.nnz,
        int(active.sum()),
        iterations,
    )
    return np.ascontiguousarray(current, dtype=np.float32)


def _check_vectors(vectors: np.ndarray) -> np.ndarray:
    array = np.asarray(vectors)
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise InvalidVectors(
            "vectors", f"shape {array.shape}; expected (n, d) with n, d >= 1"
        )
    if not np.issubdtype(array.dtype, np.number):
        raise InvalidVectors("vectors", f"dtype {array.dtype}; expected a float type")
    array = np.asarray(array, dtype=np.float32)
    bad = ~np.isfinite(array).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InvalidVectors("vectors", f"row {row} holds NaN or Inf")
    return array


def _check_edges(
    sources: np.ndarray, targets: np.ndarray, weights: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrays = [np.asarray(a) for a in (sources, targets, weights)]
    for name, array in zip(("sources", "targets", "weights"), arrays, strict=True):
        if array.ndim != 1:
            raise InvalidVectors(name, f"shape {array.shape}; expected (m,)")
    if not arrays[0].shape == arrays[1].shape == arrays[2].shape:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise InvalidVectors("edges", f"sources, targets, weights have shapes {shapes}")
    ends = []
    for name, array in zip(("sources", "targets"), arrays[:2], strict=True):
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise InvalidVectors(name, f"dtype {array.dtype}; expected integers")
        outside = (array < 0) | (array >= n)
        if outside.any():
            position = int(np.flatnonzero(outside)[0])
            raise InvalidVectors(
                name,
                f"edge {position} has node {int(array[position])}; "
                f"expected 0 <= node < {n}",
            )
        ends.append(array.astype(np.int64))
    values = np.asarray(arrays[2], dtype=np.float32)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise InvalidVectors(
            "weights",
            f"edge {position} has weight {float(values[position])!r}; "
            "expected a finite value >= 0",
        )
    return ends[0], ends[1], values


def _check_alpha(alpha: float | np.ndarray, n: int) -> np.ndarray:
    array = np.asarray(alpha, dtype=np.float32)
    if array.ndim == 0:
        array = np.full(n, float(array), dtype=np.float32)
    if array.shape != (n,):
        raise InvalidVectors("alpha", f"shape {array.shape}; expected () or ({n},)")
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        node = int(np.flatnonzero(bad)[0])
        raise InvalidVectors(
            "alpha", f"node {node} has alpha {float(array[node])!r}; expected >= 0"
        )
    return array
