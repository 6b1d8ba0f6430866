"""Explain -> simulate -> score (Bills et al. 2023) with an embedding simulator.

A feature's name is its explanation. The simulator predicts the feature's
activation on a token context as the cosine between the context's embedding
and the name's embedding; the score is the Pearson correlation of those
predictions with the real activations over the feature's scoring contexts.
"""

from __future__ import annotations

import numpy as np

from embeddings.errors import InvalidVectors


def simulate(contexts: np.ndarray, name: np.ndarray) -> np.ndarray:
    """Predicted activations: cosine of each context with the name.

    Args:
        contexts: unit float32 embeddings of token contexts, shape (m, dim).
        name: unit float32 embedding of the name, shape (dim,).

    Returns:
        float32, shape (m,).
    """
    if contexts.ndim != 2 or contexts.shape[1] != name.shape[-1]:
        raise InvalidVectors(
            "contexts", f"shape {contexts.shape} does not fit a name of {name.shape}"
        )
    predicted: np.ndarray = (contexts @ name).astype(np.float32)
    return predicted


def correlation_score(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Pearson correlation of predicted and real activations, shape (m,) each.

    A constant side has no correlation and scores 0, as a simulation that
    predicts nothing should.

    Raises:
        InvalidVectors: the shapes differ or fewer than 2 contexts.
    """
    if predicted.shape != actual.shape or predicted.ndim != 1:
        raise InvalidVectors(
            "activations", f"shapes {predicted.shape} and {actual.shape} differ"
        )
    if len(actual) < 2:
        raise InvalidVectors("activations", f"{len(actual)} contexts, need >= 2")
    p = predicted.astype(np.float64) - predicted.mean()
    a = actual.astype(np.float64) - actual.mean()
    denominator = float(np.sqrt((p * p).sum() * (a * a).sum()))
    if denominator == 0.0:
        return 0.0
    return float((p * a).sum() / denominator)
