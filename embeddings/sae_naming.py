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
from embeddings.vectors import check_vectors, normalize_rows

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
    unit = normalize_rows(
        check_vectors(queries, dim=searcher.index.dim, name="queries"), name="queries"
    )
    # One index search and array arithmetic for the whole batch: building
    # the confidences from per-feature hit lists took a tenth to a fifth of
    # the time of the search itself at 4,096 features.
    found = searcher.index.search(
        unit, max(k, CONFIDENCE_HITS), allowed_ids=allowed_ids
    )
    valid = found.ids >= 0
    weights = _softmax_rows(found.scores, valid)
    safe_ids = np.where(valid, found.ids, found.ids.max(initial=0))
    if valid.any():
        hit_vectors = searcher.index.reconstruct_batch(safe_ids.ravel()).reshape(
            *safe_ids.shape, -1
        )
        mixed = np.einsum("nh,nhd->nd", weights, hit_vectors)
    else:
        mixed = np.zeros((len(unit), searcher.index.dim))
    name_vectors = _unit(mixed).astype(np.float32)
    names = []
    for row, (feature_id, ids, scores, valid_row) in enumerate(
        zip(
            feature_ids.tolist(),
            found.ids.tolist(),
            found.scores.tolist(),
            valid.tolist(),
            strict=True,
        )
    ):
        hits = [
            Hit(cid, score)
            for cid, score, ok in zip(ids, scores, valid_row, strict=True)
            if ok
        ]
        names.append(
            FeatureName(
                feature_id=feature_id,
                hits=hits[:k],
                margin=margin(hits),
                confidence=float(weights[row, 0]) if hits else 0.0,
                vector=name_vectors[row],
            )
        )
    return names


def _softmax_rows(scores: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Row-wise softmax of cosines at ``CONFIDENCE_TEMPERATURE``; entries that
    are not ``valid`` (missing hits) get weight 0, as do rows with none."""
    logits = np.where(valid, scores.astype(np.float64), -np.inf)
    logits /= CONFIDENCE_TEMPERATURE
    top = np.max(logits, axis=1, keepdims=True, initial=-np.inf)
    exps = np.where(valid, np.exp(logits - np.where(np.isfinite(top), top, 0.0)), 0.0)
    totals = exps.sum(axis=1, keepdims=True)
    weights: np.ndarray = exps / np.where(totals > 0, totals, 1.0)
    return weights


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    unit: np.ndarray = rows / np.where(norms > 0, norms, 1.0)
    return unit
