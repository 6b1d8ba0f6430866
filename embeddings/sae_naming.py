"""Names of sparse-autoencoder features: their nearest concepts, four ways.

Each method turns a feature into one query vector of the concept space; the
name is the query's nearest concepts:

- ``direction``: the decoder direction mapped by the space's alignment. Only
  the linear part of the map applies: a direction is a displacement in the
  space, and the bias belongs to points, not displacements.
- ``examples``: the activation-weighted mean of the embeddings of the
  feature's top-activating snippets, less the mean of all the SAE's snippet
  embeddings (what every snippet shares, e.g. "scientific text"), once
  ``MIN_BACKGROUND_FEATURES`` features have snippets.
- ``combined``: the weighted sum of the two unit queries above.
- ``explanation``: the embedding of an uploaded explanation text.

A name carries the cosine scores, the margin of the best concept over the
runner-up and a confidence: the softmax weight of the best concept among the
``CONFIDENCE_HITS`` nearest at temperature ``CONFIDENCE_TEMPERATURE``.
"""

# Limitation: the confidence is a softmax of cosines, not a calibrated
# probability that the name is right; benchmarks/sae_naming.py reports how
# well it ranks features by their held-out score.

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from embeddings.alignment import LinearMap
from embeddings.errors import InvalidVectors
from embeddings.search import ConceptSearcher, Hit, margin

NamingMethod = Literal["direction", "examples", "combined", "explanation"]
NAMING_METHODS: tuple[NamingMethod, ...] = (
    "direction",
    "examples",
    "combined",
    "explanation",
)
# The method with the best held-out score in benchmarks/sae_naming.py.
DEFAULT_METHOD: NamingMethod = "combined"
DEFAULT_EXAMPLES_WEIGHT = 0.5
MIN_BACKGROUND_FEATURES = 16
CONFIDENCE_HITS = 10
CONFIDENCE_TEMPERATURE = 0.05


@dataclass(frozen=True)
class FeatureName:
    """The name of one feature.

    ``hits`` are the top-k concepts, best first; ``vector`` (unit, shape
    (dim,)) is the confidence-weighted mean of the nearest concepts' vectors,
    the name's meaning for feature search.
    """

    feature_id: int
    hits: list[Hit]
    margin: float
    confidence: float
    vector: np.ndarray


def direction_queries(directions: np.ndarray, linear_map: LinearMap) -> np.ndarray:
    """Decoder directions in the concept space.

    Args:
        directions: float32, shape (n, dim_in of the map).
        linear_map: the space's alignment; its bias is not applied.

    Returns:
        float32, shape (n, dim_out), unnormalized.
    """
    if directions.ndim != 2 or directions.shape[1] != linear_map.dim_in:
        raise InvalidVectors(
            "directions",
            f"shape {directions.shape} does not match the map's "
            f"dim_in {linear_map.dim_in}",
        )
    mapped: np.ndarray = (directions @ linear_map.matrix).astype(np.float32)
    return mapped


def example_queries(
    snippet_sets: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    background: np.ndarray | None = None,
) -> np.ndarray:
    """Activation-weighted means of snippet embeddings, one per feature.

    Args:
        snippet_sets: per feature, (activations shape (m,) all > 0, unit
            snippet embeddings shape (m, dim)).
        background: shape (dim,), subtracted from every mean.

    Returns:
        float32, shape (n features, dim).
    """
    if not snippet_sets:
        raise InvalidVectors("snippets", "no features were given")
    means = np.asarray(
        [
            (activations[:, None] * vectors).sum(axis=0) / activations.sum()
            for activations, vectors in snippet_sets
        ],
        dtype=np.float32,
    )
    if background is not None:
        means -= background.astype(np.float32)
    return means


def combined_queries(
    directions: np.ndarray,
    examples: np.ndarray,
    *,
    examples_weight: float = DEFAULT_EXAMPLES_WEIGHT,
) -> np.ndarray:
    """``(1 - w) * unit(direction) + w * unit(examples)``, rows of shape (n, dim).

    Raises:
        InvalidVectors: the weight is outside [0, 1] or the shapes differ.
    """
    if not 0.0 <= examples_weight <= 1.0:
        raise InvalidVectors("examples_weight", f"{examples_weight} is outside [0, 1]")
    if directions.shape != examples.shape:
        raise InvalidVectors(
            "queries", f"shapes {directions.shape} and {examples.shape} differ"
        )
    mixed = (1.0 - examples_weight) * _unit(directions) + examples_weight * _unit(
        examples
    )
    return mixed.astype(np.float32)


def name_queries(
    searcher: ConceptSearcher,
    feature_ids: np.ndarray,
    queries: np.ndarray,
    *,
    k: int,
    allowed_ids: np.ndarray | None = None,
) -> list[FeatureName]:
    """The nearest concepts of each feature's query, with margin and confidence.

    Args:
        searcher: the concept index the names come from.
        feature_ids: int64, shape (n,).
        queries: float32, shape (n, dim of the index); a zero row is named
            by its feature in the error.
        k: concepts per name, >= 1.
        allowed_ids: restrict names to these concept ids.

    Raises:
        InvalidVectors: a zero query, NaN/Inf, or k below 1.
    """
    if k < 1:
        raise InvalidVectors("k", f"k={k} is below 1")
    norms = np.linalg.norm(queries, axis=1)
    if len(norms) and not np.all(norms > 0):
        bad = int(feature_ids[np.flatnonzero(~(norms > 0))[0]])
        raise InvalidVectors("queries", f"feature {bad} has a zero query vector")
    fetched = searcher.search(queries, max(k, CONFIDENCE_HITS), allowed_ids=allowed_ids)
    weights = [_softmax([hit.score for hit in hits]) for hits in fetched]
    concept_ids = np.array(
        [hit.concept_id for hits in fetched for hit in hits], dtype=np.int64
    )
    concept_vectors = searcher.index.reconstruct_batch(concept_ids)
    names = []
    start = 0
    for feature_id, hits, weight in zip(
        feature_ids.tolist(), fetched, weights, strict=True
    ):
        block = concept_vectors[start : start + len(hits)]
        start += len(hits)
        vector = weight @ block if len(hits) else np.zeros(searcher.index.dim)
        norm = float(np.linalg.norm(vector))
        names.append(
            FeatureName(
                feature_id=feature_id,
                hits=hits[:k],
                margin=margin(hits),
                confidence=float(weight[0]) if len(hits) else 0.0,
                vector=(vector / norm if norm > 0 else vector).astype(np.float32),
            )
        )
    return names


def _softmax(scores: list[float]) -> np.ndarray:
    if not scores:
        return np.empty(0, dtype=np.float64)
    logits = np.array(scores, dtype=np.float64) / CONFIDENCE_TEMPERATURE
    logits -= logits.max()
    weights = np.exp(logits)
    normalized: np.ndarray = weights / weights.sum()
    return normalized


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: np.ndarray = rows / np.where(norms > 0, norms, 1.0)
    return unit
