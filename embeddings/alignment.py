"""Linear maps from another model's latent space into the concept space.

Fitted from paired samples (a vector in the space, the embedding of the text
it came from), as in Text-To-Concept (Moayeri et al. 2023): ridge least
squares, or orthogonal Procrustes when both spaces have the same dimension.
Scored on held-out pairs by mean cosine and retrieval accuracy@1.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np

from embeddings.errors import InvalidVectors
from embeddings.vectors import check_vectors, normalize_rows

logger = logging.getLogger(__name__)

AlignmentMethod = Literal["ridge", "procrustes"]
MIN_PAIRS = 8


@dataclass(frozen=True)
class LinearMap:
    """``y = x @ matrix + bias``, mapping space vectors into the concept space.

    ``matrix`` has shape (dim_in, dim_out) and ``bias`` shape (dim_out,).
    """

    matrix: np.ndarray
    bias: np.ndarray

    @property
    def dim_in(self) -> int:
        """Dimension of the source space."""
        return int(self.matrix.shape[0])

    @property
    def dim_out(self) -> int:
        """Dimension of the concept space."""
        return int(self.matrix.shape[1])

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """Map vectors of shape (n, dim_in) to float32 (n, dim_out)."""
        vectors = check_vectors(vectors, dim=self.dim_in, name="space vectors")
        mapped: np.ndarray = (vectors @ self.matrix + self.bias).astype(np.float32)
        return mapped


@dataclass(frozen=True)
class FittedAlignment:
    """A fitted map with its held-out scores."""

    method: AlignmentMethod
    linear_map: LinearMap
    heldout_cosine: float
    heldout_accuracy_at_1: float
    train_pairs: int
    heldout_pairs: int
    alpha: float


def fit_ridge(sources: np.ndarray, targets: np.ndarray, *, alpha: float) -> LinearMap:
    """Ridge least squares with an unpenalized bias.

    Args:
        sources: float32 (n, dim_in).
        targets: float32 (n, dim_out).
        alpha: L2 penalty, >= 0.
    """
    if alpha < 0:
        raise InvalidVectors("alpha", f"alpha must be >= 0, got {alpha}")
    source_mean = sources.mean(axis=0)
    target_mean = targets.mean(axis=0)
    centered = (sources - source_mean).astype(np.float64)
    gram = centered.T @ centered + alpha * np.eye(sources.shape[1])
    matrix = np.linalg.solve(gram, centered.T @ (targets - target_mean))
    bias = target_mean - source_mean @ matrix
    return LinearMap(matrix.astype(np.float32), bias.astype(np.float32))


def fit_procrustes(sources: np.ndarray, targets: np.ndarray) -> LinearMap:
    """The orthogonal map that best rotates unit sources onto unit targets.

    Raises:
        InvalidVectors: the two spaces differ in dimension.
    """
    if sources.shape[1] != targets.shape[1]:
        raise InvalidVectors(
            "method",
            f"procrustes needs equal dims, got {sources.shape[1]} and "
            f"{targets.shape[1]}",
        )
    left, _, right = np.linalg.svd(
        normalize_rows(sources).T.astype(np.float64) @ normalize_rows(targets)
    )
    matrix = (left @ right).astype(np.float32)
    return LinearMap(matrix, np.zeros(targets.shape[1], dtype=np.float32))


def score_map(
    linear_map: LinearMap, sources: np.ndarray, targets: np.ndarray
) -> tuple[float, float]:
    """Mean cosine of mapped sources to their targets, and accuracy@1 of
    retrieving each pair's target among all the given targets."""
    mapped = normalize_rows(linear_map.apply(sources), name="mapped vectors")
    goal = normalize_rows(targets, name="target vectors")
    cosine = float(np.mean(np.sum(mapped * goal, axis=1)))
    best = np.argmax(mapped @ goal.T, axis=1)
    accuracy = float(np.mean(best == np.arange(len(goal))))
    return cosine, accuracy


def fit_alignment(
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    method: AlignmentMethod = "ridge",
    alpha: float = 1.0,
    heldout_fraction: float = 0.2,
    seed: int = 0,
) -> FittedAlignment:
    """Fit a map on a random split of the pairs and score it on the rest.

    The returned map is refitted on all pairs; the scores are those of the
    map fitted without the held-out pairs.

    Args:
        sources: space vectors, shape (n, dim_in).
        targets: concept-space vectors of the paired texts, shape (n, dim_out).
        method: ``ridge`` or ``procrustes``.
        alpha: ridge penalty.
        heldout_fraction: share of pairs held out for scoring, in (0, 0.5].
        seed: seed of the split.
    """
    sources = check_vectors(sources, name="space vectors")
    targets = check_vectors(targets, name="target vectors")
    if len(sources) != len(targets):
        raise InvalidVectors(
            "pairs", f"{len(sources)} space vectors for {len(targets)} texts"
        )
    if len(sources) < MIN_PAIRS:
        raise InvalidVectors("pairs", f"need >= {MIN_PAIRS} pairs, got {len(sources)}")
    if not 0 < heldout_fraction <= 0.5:
        raise InvalidVectors(
            "heldout_fraction", f"{heldout_fraction} is outside (0, 0.5]"
        )
    if method not in ("ridge", "procrustes"):
        raise InvalidVectors("method", f"{method!r} is not ridge or procrustes")
    order = np.random.default_rng(seed).permutation(len(sources))
    cut = max(1, int(round(len(sources) * heldout_fraction)))
    heldout, train = order[:cut], order[cut:]

    def fit(rows: np.ndarray) -> LinearMap:
        if method == "procrustes":
            return fit_procrustes(sources[rows], targets[rows])
        return fit_ridge(sources[rows], targets[rows], alpha=alpha)

    cosine, accuracy = score_map(fit(train), sources[heldout], targets[heldout])
    final = fit(np.arange(len(sources)))
    logger.info(
        "alignment_fitted method=%s pairs=%d heldout_cosine=%.3f heldout_acc1=%.3f",
        method,
        len(sources),
        cosine,
        accuracy,
    )
    return FittedAlignment(
        method=method,
        linear_map=final,
        heldout_cosine=cosine,
        heldout_accuracy_at_1=accuracy,
        train_pairs=len(train),
        heldout_pairs=len(heldout),
        alpha=alpha,
    )
