"""Tests of the explain -> simulate -> score scoring."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.errors import InvalidVectors
from embeddings.interp_scoring import correlation_score, simulate


def test_simulate_is_the_cosine_with_the_name() -> None:
    contexts = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32)

    predicted = simulate(contexts, np.array([1.0, 0.0], dtype=np.float32))

    np.testing.assert_allclose(predicted, [1.0, 0.6, 0.0])


def test_correlation_score_perfect_inverse_and_constant() -> None:
    actual = np.array([3.0, 1.0, 0.0, 0.0])

    assert correlation_score(actual * 2 + 1, actual) == pytest.approx(1.0)
    assert correlation_score(-actual, actual) == pytest.approx(-1.0)
    assert correlation_score(np.ones(4), actual) == 0.0


def test_correlation_score_bad_shapes_are_rejected() -> None:
    with pytest.raises(InvalidVectors, match="differ"):
        correlation_score(np.ones(3), np.ones(4))
    with pytest.raises(InvalidVectors, match="need >= 2"):
        correlation_score(np.ones(1), np.ones(1))
    with pytest.raises(InvalidVectors, match="does not fit"):
        simulate(np.ones((2, 3), dtype=np.float32), np.ones(2, dtype=np.float32))
