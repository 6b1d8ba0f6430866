"""Tests of int8 wordpiece vectors and idf-weighted MaxSim."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.token_vectors import (
    TokenVectors,
    maxsim_scores,
    query_weights,
    wordpiece_idf,
)


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_int8_codes_keep_each_cosine_within_a_percent() -> None:
    vectors = np.random.default_rng(0).normal(size=(50, 384)).astype(np.float32)

    coded = TokenVectors.quantize(np.arange(50), vectors)
    again = TokenVectors.from_bytes(*coded.to_bytes(), dim=384)

    assert again.codes.dtype == np.int8 and again.codes.shape == (50, 384)
    cosines = np.sum(again.vectors() * _unit(vectors), axis=1)
    assert cosines.min() > 0.99
    np.testing.assert_array_equal(again.ids, np.arange(50))


@pytest.mark.parametrize(
    ("ids", "vectors", "named"),
    [
        (np.arange(2), np.ones((3, 4)), "2 token ids"),
        (np.arange(1), np.array([[np.nan, 1, 0, 0]]), "finite"),
        (np.arange(1), np.zeros((1, 4)), "non-zero"),
    ],
)
def test_bad_token_vectors_are_refused(
    ids: np.ndarray, vectors: np.ndarray, named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        TokenVectors.quantize(ids, vectors)


def test_maxsim_sums_the_weighted_best_match_of_each_query_piece() -> None:
    basis = np.eye(4, dtype=np.float32)
    both = TokenVectors.quantize(np.array([1, 2]), basis[[0, 1]])
    first = TokenVectors.quantize(np.array([1, 3]), basis[[0, 2]])
    query = basis[[0, 1]]

    scores = maxsim_scores(query, np.array([2.0, 0.5]), [both, first, None])

    np.testing.assert_allclose(scores[:2], [2.5, 2.0], atol=1e-6)
    assert np.isnan(scores[2])


def test_rare_pieces_weigh_more_and_unseen_ones_most() -> None:
    idf = wordpiece_idf({5: 9, 6: 1}, documents=10)

    weights = query_weights(np.array([5, 6, 99]), idf, documents=10)

    assert weights[0] < weights[1] < weights[2]
    assert weights[0] == pytest.approx(np.log1p(1.5 / 9.5))
