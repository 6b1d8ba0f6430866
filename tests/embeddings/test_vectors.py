"""Tests of vector batch validation."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.errors import DimensionMismatch, InvalidVectors
from embeddings.vectors import check_vectors, normalize_rows


def test_check_vectors_single_vector_becomes_one_row_float32() -> None:
    checked = check_vectors(np.arange(4, dtype=np.float64))

    assert checked.shape == (1, 4)
    assert checked.dtype == np.float32


def test_check_vectors_nan_row_is_named() -> None:
    vectors = np.ones((3, 4), dtype=np.float32)
    vectors[2, 1] = np.nan

    with pytest.raises(InvalidVectors, match="row 2 holds NaN or Inf"):
        check_vectors(vectors)


def test_check_vectors_inf_is_rejected() -> None:
    vectors = np.ones((2, 4), dtype=np.float32)
    vectors[0, 0] = np.inf

    with pytest.raises(InvalidVectors, match="row 0"):
        check_vectors(vectors)


def test_check_vectors_wrong_dim_raises_dimension_mismatch() -> None:
    with pytest.raises(DimensionMismatch, match="dim 5, the index expects 4") as info:
        check_vectors(np.ones((2, 5)), dim=4)

    assert (info.value.expected, info.value.got) == (4, 5)


def test_check_vectors_empty_batch_is_rejected() -> None:
    with pytest.raises(InvalidVectors, match="empty"):
        check_vectors(np.zeros((0, 4)))


def test_check_vectors_rank_three_is_rejected() -> None:
    with pytest.raises(InvalidVectors, match="shape"):
        check_vectors(np.zeros((2, 2, 2)))


def test_normalize_rows_gives_unit_rows() -> None:
    rows = normalize_rows(np.array([[3.0, 4.0], [0.0, 2.0]], dtype=np.float32))

    np.testing.assert_allclose(rows, [[0.6, 0.8], [0.0, 1.0]], atol=1e-6)


def test_normalize_rows_zero_row_has_no_direction() -> None:
    with pytest.raises(InvalidVectors, match="row 1 is all zeros"):
        normalize_rows(np.array([[1.0, 0.0], [0.0, 0.0]], dtype=np.float32))
