"""The reduced first pass of batch search: exact scores, same hits where it can."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.first_pass import PREFILTER_MIN_QUERIES
from embeddings.index import ConceptIndex
from embeddings.prefilter import ReducedPrefilter
from embeddings.vectors import normalize_rows

DIM = 48
SUBSPACE = 12


def _subspace_vectors(count: int, seed: int) -> np.ndarray:
    """Unit vectors that all lie in one SUBSPACE-dimensional subspace (plus a
    common offset), so a SUBSPACE-component projection loses nothing."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(np.random.default_rng(99).normal(size=(DIM, SUBSPACE)))[0]
    offset = np.random.default_rng(98).normal(size=DIM) * 0.2
    points = rng.normal(size=(count, SUBSPACE)) @ basis.T + offset
    return normalize_rows(points.astype(np.float32))


def _exact(
    index_vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ index_vectors.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return ids[order], np.take_along_axis(scores, order, axis=1)


def test_prefilter_over_the_data_subspace_returns_the_exact_hits() -> None:
    vectors = _subspace_vectors(3000, seed=0)
    ids = np.arange(3000, dtype=np.int64) * 3 + 7
    queries = _subspace_vectors(PREFILTER_MIN_QUERIES * 2, seed=1)
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1")
    index.enable_prefilter(SUBSPACE + 1, factor=3)

    found = index.search(queries, 5)
    expected_ids, expected_scores = _exact(vectors, ids, queries, 5)

    assert index.prefilter_dim == SUBSPACE + 1
    np.testing.assert_array_equal(found.ids, expected_ids)
    np.testing.assert_allclose(found.scores, expected_scores, atol=1e-5)


def test_prefilter_scores_are_exact_even_when_hits_are_missed() -> None:
    rng = np.random.default_rng(2)
    vectors = normalize_rows(rng.normal(size=(2000, DIM)).astype(np.float32))
    ids = np.arange(2000, dtype=np.int64)
    queries = normalize_rows(rng.normal(size=(64, DIM)).astype(np.float32))
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1")
    index.enable_prefilter(4, factor=2)

    found = index.search(queries, 10)
    expected_ids, _ = _exact(vectors, ids, queries, 10)

    recomputed = np.einsum("nd,nkd->nk", queries, vectors[found.ids])
    np.testing.assert_allclose(found.scores, recomputed, atol=1e-5)
    assert np.all(np.diff(found.scores, axis=1) <= 1e-6)
    # Four of 48 random dimensions lose most hits: the pass really is used.
    assert (found.ids[:, 0] == expected_ids[:, 0]).mean() < 0.9


def test_small_batches_and_filtered_searches_stay_exact() -> None:
    rng = np.random.default_rng(3)
    vectors = normalize_rows(rng.normal(size=(1000, DIM)).astype(np.float32))
    ids = np.arange(1000, dtype=np.int64)
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1")
    index.enable_prefilter(2, factor=1)
    single = normalize_rows(rng.normal(size=(1, DIM)).astype(np.float32))
    batch = normalize_rows(rng.normal(size=(64, DIM)).astype(np.float32))
    allowed = np.arange(0, 1000, 7, dtype=np.int64)

    one = index.search(single, 3)
    filtered = index.search(batch, 3, allowed_ids=allowed)

    np.testing.assert_array_equal(one.ids, _exact(vectors, ids, single, 3)[0])
    expected, _ = _exact(vectors[allowed], allowed, batch, 3)
    np.testing.assert_array_equal(filtered.ids, expected)


def test_vectors_added_after_the_prefilter_are_found_through_it() -> None:
    vectors = _subspace_vectors(1500, seed=4)
    ids = np.arange(1500, dtype=np.int64)
    index = ConceptIndex.build(ids[:1000], vectors[:1000], embedding_set="test/1")
    index.enable_prefilter(SUBSPACE + 1, factor=3)

    index.add(ids[1000:], vectors[1000:])
    found = index.search(vectors[1000 : 1000 + PREFILTER_MIN_QUERIES], 1)

    assert found.ids[:, 0].tolist() == ids[1000 : 1000 + PREFILTER_MIN_QUERIES].tolist()


def test_prefilter_needs_a_flat_index_and_a_dim_below_the_width() -> None:
    vectors = _subspace_vectors(600, seed=5)
    ids = np.arange(600, dtype=np.int64)
    hnsw = ConceptIndex.build(ids, vectors, embedding_set="test/1", kind="hnsw")
    flat = ConceptIndex.build(ids, vectors, embedding_set="test/1")

    with pytest.raises(ValueError, match="needs a flat index, this one is hnsw"):
        hnsw.enable_prefilter(8)
    with pytest.raises(ValueError, match=f"1..{DIM - 1}, got {DIM}"):
        flat.enable_prefilter(DIM)
    with pytest.raises(ValueError, match="needs >= 40 vectors, got 30"):
        ReducedPrefilter.fit(vectors[:30], 40, factor=2)
    with pytest.raises(ValueError, match="factor must be >= 1"):
        ReducedPrefilter(np.eye(DIM, 4), np.zeros(DIM), factor=0)
