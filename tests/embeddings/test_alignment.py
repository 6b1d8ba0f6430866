"""Tests of fitting linear alignments on synthetic pairs with a known map."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.alignment import fit_alignment, fit_procrustes, fit_ridge, score_map
from embeddings.errors import DimensionMismatch, InvalidVectors
from embeddings.vectors import normalize_rows


def _pairs(
    count: int, dim_in: int, dim_out: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    true_map = rng.normal(size=(dim_in, dim_out)).astype(np.float32)
    sources = rng.normal(size=(count, dim_in)).astype(np.float32)
    return sources, sources @ true_map, true_map


def test_fit_ridge_recovers_a_known_linear_map() -> None:
    sources, targets, true_map = _pairs(400, 24, 16)

    fitted = fit_ridge(sources, targets, alpha=1e-6)

    np.testing.assert_allclose(fitted.matrix, true_map, atol=1e-3)
    np.testing.assert_allclose(fitted.bias, 0.0, atol=1e-3)


def test_fit_ridge_recovers_the_bias() -> None:
    sources, targets, _ = _pairs(300, 8, 8)
    shift = np.arange(8, dtype=np.float32)

    fitted = fit_ridge(sources, targets + shift, alpha=1e-6)

    np.testing.assert_allclose(fitted.bias, shift, atol=1e-3)


def test_fit_procrustes_recovers_a_rotation() -> None:
    rng = np.random.default_rng(3)
    rotation, _ = np.linalg.qr(rng.normal(size=(16, 16)))
    sources = normalize_rows(rng.normal(size=(200, 16)).astype(np.float32))

    fitted = fit_procrustes(sources, sources @ rotation.astype(np.float32))

    np.testing.assert_allclose(fitted.matrix, rotation, atol=1e-4)


def test_fit_procrustes_unequal_dims_is_rejected() -> None:
    sources, targets, _ = _pairs(50, 8, 4)

    with pytest.raises(InvalidVectors, match="equal dims, got 8 and 4"):
        fit_procrustes(sources, targets)


@pytest.mark.parametrize("method", ["ridge", "procrustes"])
def test_fit_alignment_exact_map_scores_perfectly_on_heldout(method: str) -> None:
    rng = np.random.default_rng(5)
    rotation, _ = np.linalg.qr(rng.normal(size=(32, 32)))
    sources = rng.normal(size=(500, 32)).astype(np.float32)

    fitted = fit_alignment(
        sources,
        sources @ rotation.astype(np.float32),
        method=method,  # type: ignore[arg-type]
        alpha=1e-6,
    )

    assert fitted.heldout_cosine > 0.999
    assert fitted.heldout_accuracy_at_1 == 1.0
    assert (fitted.train_pairs, fitted.heldout_pairs) == (400, 100)


def test_fit_alignment_noise_targets_score_near_chance() -> None:
    rng = np.random.default_rng(7)
    sources = rng.normal(size=(300, 16)).astype(np.float32)
    targets = rng.normal(size=(300, 16)).astype(np.float32)

    fitted = fit_alignment(sources, targets, alpha=1.0)

    assert fitted.heldout_accuracy_at_1 < 0.2
    assert fitted.heldout_cosine < 0.3


def test_score_map_counts_retrieval_hits() -> None:
    sources, targets, true_map = _pairs(50, 6, 6)
    exact = fit_ridge(sources, targets, alpha=1e-8)

    cosine, accuracy = score_map(exact, sources, targets)

    assert cosine == pytest.approx(1.0, abs=1e-4)
    assert accuracy == 1.0


@pytest.mark.parametrize(
    ("sources", "targets", "named"),
    [
        (np.ones((20, 4)), np.ones((19, 4)), "20 space vectors for 19 texts"),
        (np.ones((5, 4)), np.ones((5, 4)), "need >= 8 pairs"),
    ],
)
def test_fit_alignment_bad_pairs_are_rejected(
    sources: np.ndarray, targets: np.ndarray, named: str
) -> None:
    with pytest.raises(InvalidVectors, match=named):
        fit_alignment(sources, targets)


def test_apply_wrong_dim_raises_dimension_mismatch() -> None:
    sources, targets, _ = _pairs(50, 6, 4)
    fitted = fit_ridge(sources, targets, alpha=1.0)

    with pytest.raises(DimensionMismatch):
        fitted.apply(np.ones((2, 5), dtype=np.float32))
