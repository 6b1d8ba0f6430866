"""Tests of reading stored vectors back from every kind of concept index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.errors import VectorNotFound
from embeddings.index import ConceptIndex, IndexKind
from embeddings.vectors import normalize_rows


def _corpus() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    vectors = normalize_rows(rng.normal(size=(1200, 16)).astype(np.float32))
    return np.arange(1200, dtype=np.int64) * 3 + 7, vectors


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_reconstruct_batch_returns_the_stored_vectors(kind: IndexKind) -> None:
    ids, vectors = _corpus()
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1", kind=kind)

    got = index.reconstruct_batch(ids[[5, 0, 999]])

    np.testing.assert_allclose(got, vectors[[5, 0, 999]], atol=1e-6)
    np.testing.assert_allclose(index.reconstruct(int(ids[7])), vectors[7], atol=1e-6)


def test_reconstruct_ivf_after_save_and_load_still_works(tmp_path: Path) -> None:
    ids, vectors = _corpus()
    ConceptIndex.build(ids, vectors, embedding_set="test/1", kind="ivf").save(tmp_path)

    loaded = ConceptIndex.load(tmp_path)

    np.testing.assert_allclose(
        loaded.reconstruct_batch(ids[:3]), vectors[:3], atol=1e-6
    )


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_reconstruct_batch_unknown_id_names_it(kind: IndexKind) -> None:
    ids, vectors = _corpus()
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1", kind=kind)

    with pytest.raises(VectorNotFound, match="'8'"):
        index.reconstruct_batch(np.array([ids[0], 8]))


def test_reconstruct_batch_empty_gives_no_rows() -> None:
    ids, vectors = _corpus()
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1")

    assert index.reconstruct_batch(np.empty(0, np.int64)).shape == (0, 16)
