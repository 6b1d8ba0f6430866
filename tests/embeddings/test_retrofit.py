"""Tests of retrofitting vectors to a graph."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.errors import InvalidVectors
from embeddings.retrofit import relation_edge_weights, retrofit


def _edges(*triples: tuple[int, int, float]) -> tuple[np.ndarray, ...]:
    sources, targets, weights = zip(*triples, strict=True)
    return (
        np.asarray(sources, dtype=np.int64),
        np.asarray(targets, dtype=np.int64),
        np.asarray(weights, dtype=np.float32),
    )


def test_retrofit_directed_single_neighbour_reaches_weighted_mean() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    sources, targets, weights = _edges((0, 1, 3.0))

    fitted = retrofit(
        vectors,
        sources,
        targets,
        weights,
        alpha=2.0,
        symmetric=False,
        normalize_weights=False,
    )

    # q0 = (alpha * v0 + w * v1) / (alpha + w); node 1 has no out-edge.
    np.testing.assert_allclose(fitted[0], [2.0 / 5.0, 3.0 / 5.0], rtol=1e-6)
    np.testing.assert_array_equal(fitted[1], vectors[1])


def test_retrofit_symmetric_pair_converges_to_closed_form_fixed_point() -> None:
    vectors = np.array([[2.0, 0.0, 1.0], [0.0, 4.0, -1.0]], dtype=np.float32)
    sources, targets, weights = _edges((0, 1, 1.5))
    alpha, w = 1.0, 1.5

    fitted = retrofit(
        vectors,
        sources,
        targets,
        weights,
        iterations=200,
        alpha=alpha,
        normalize_weights=False,
    )

    # Fixed point of q0 = (a v0 + w q1)/(a + w), q1 = (a v1 + w q0)/(a + w).
    system = np.array([[alpha + w, -w], [-w, alpha + w]])
    expected = np.linalg.solve(system, alpha * vectors.astype(np.float64))
    np.testing.assert_allclose(fitted, expected, rtol=1e-5, atol=1e-6)


def test_retrofit_normalized_weights_make_degree_irrelevant() -> None:
    vectors = np.array([[0.0], [1.0], [1.0], [1.0]], dtype=np.float32)
    sources, targets, weights = _edges((0, 1, 5.0), (0, 2, 5.0), (0, 3, 10.0))

    fitted = retrofit(
        vectors,
        sources,
        targets,
        weights,
        iterations=1,
        alpha=1.0,
        symmetric=False,
    )

    # Neighbour weights sum to 1 after normalization: (1 * 0 + 1 * 1) / 2.
    assert fitted[0, 0] == pytest.approx(0.5)


def test_retrofit_isolated_nodes_are_unchanged() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(5, 4)).astype(np.float32)
    sources, targets, weights = _edges((0, 1, 1.0))

    fitted = retrofit(vectors, sources, targets, weights, iterations=10)

    np.testing.assert_array_equal(fitted[2:], vectors[2:])
    assert not np.allclose(fitted[0], vectors[0])


def test_retrofit_zero_alpha_isolated_node_keeps_its_vector() -> None:
    vectors = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=np.float32)
    sources, targets, weights = _edges((0, 1, 1.0))
    alpha = np.array([0.0, 1.0, 0.0], dtype=np.float32)

    fitted = retrofit(vectors, sources, targets, weights, alpha=alpha, symmetric=False)

    np.testing.assert_array_equal(fitted[0], vectors[1])
    np.testing.assert_array_equal(fitted[2], vectors[2])


def test_retrofit_zero_weight_relation_has_no_effect() -> None:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(4, 3)).astype(np.float32)
    relations = ["IsA", "AtLocation", "IsA"]
    sources, targets, _ = _edges((0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0))
    weights = relation_edge_weights(relations, {"IsA": 1.0, "AtLocation": 0.0})

    with_noise = retrofit(vectors, sources, targets, weights)
    without = retrofit(vectors, sources[[0, 2]], targets[[0, 2]], weights[[0, 2]])

    np.testing.assert_array_equal(with_noise, without)


def test_retrofit_zero_iterations_returns_original() -> None:
    vectors = np.arange(6, dtype=np.float64).reshape(3, 2)
    sources, targets, weights = _edges((0, 1, 1.0), (1, 2, 1.0))

    fitted = retrofit(vectors, sources, targets, weights, iterations=0)

    assert fitted.dtype == np.float32
    np.testing.assert_array_equal(fitted, vectors)


def test_relation_edge_weights_unknown_relation_gets_zero() -> None:
    weights = relation_edge_weights(
        ["IsA", "Synonym", "NotIsA", "IsA"], {"IsA": 1.0, "Synonym": 0.5}
    )

    assert weights.dtype == np.float32
    np.testing.assert_array_equal(weights, [1.0, 0.5, 0.0, 1.0])


def test_relation_edge_weights_negative_weight_is_rejected() -> None:
    with pytest.raises(InvalidVectors, match="'AtLocation' has weight -0.5"):
        relation_edge_weights(["IsA"], {"IsA": 1.0, "AtLocation": -0.5})


def test_retrofit_nan_vector_is_rejected_with_its_row() -> None:
    vectors = np.ones((3, 2), dtype=np.float32)
    vectors[1, 0] = np.nan
    sources, targets, weights = _edges((0, 1, 1.0))

    with pytest.raises(InvalidVectors, match="row 1 holds NaN or Inf"):
        retrofit(vectors, sources, targets, weights)


def test_retrofit_one_dimensional_vectors_are_rejected() -> None:
    sources, targets, weights = _edges((0, 1, 1.0))

    with pytest.raises(InvalidVectors, match=r"shape \(4,\); expected \(n, d\)"):
        retrofit(np.ones(4), sources, targets, weights)


def test_retrofit_negative_weight_is_rejected_with_its_edge() -> None:
    sources, targets, weights = _edges((0, 1, 1.0), (1, 0, -2.0))

    with pytest.raises(InvalidVectors, match="edge 1 has weight -2.0"):
        retrofit(np.ones((2, 2)), sources, targets, weights)


def test_retrofit_node_out_of_range_is_rejected() -> None:
    sources, targets, weights = _edges((0, 7, 1.0))

    with pytest.raises(
        InvalidVectors, match=r"edge 0 has node 7; expected 0 <= node < 3"
    ):
        retrofit(np.ones((3, 2)), sources, targets, weights)


def test_retrofit_edge_arrays_of_different_length_are_rejected() -> None:
    sources, targets, weights = _edges((0, 1, 1.0), (1, 2, 1.0))

    with pytest.raises(InvalidVectors, match="invalid edges"):
        retrofit(np.ones((3, 2)), sources, targets[:1], weights)


def test_retrofit_alpha_of_wrong_shape_is_rejected() -> None:
    sources, targets, weights = _edges((0, 1, 1.0))

    with pytest.raises(
        InvalidVectors, match=r"alpha: shape \(2,\); expected \(\) or \(3,\)"
    ):
        retrofit(np.ones((3, 2)), sources, targets, weights, alpha=np.ones(2))


def test_retrofit_negative_alpha_is_rejected() -> None:
    sources, targets, weights = _edges((0, 1, 1.0))

    with pytest.raises(InvalidVectors, match="node 0 has alpha -1.0"):
        retrofit(np.ones((3, 2)), sources, targets, weights, alpha=-1.0)


def test_retrofit_negative_iterations_are_rejected() -> None:
    sources, targets, weights = _edges((0, 1, 1.0))

    with pytest.raises(InvalidVectors, match="iterations: got -1"):
        retrofit(np.ones((3, 2)), sources, targets, weights, iterations=-1)
