"""Tests of the FAISS concept index: exact search, filters, files, corruption."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.errors import DimensionMismatch, IndexCorrupted, InvalidVectors
from embeddings.index import ConceptIndex, IndexKind
from embeddings.index_files import INDEX_FILE, METADATA_FILE
from embeddings.vectors import normalize_rows

DIM = 32


def _unit_vectors(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return normalize_rows(rng.normal(size=(count, DIM)).astype(np.float32))


def _brute_force(
    vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int
) -> np.ndarray:
    scores = queries @ vectors.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return ids[order]


@pytest.fixture
def corpus() -> tuple[np.ndarray, np.ndarray]:
    vectors = _unit_vectors(2000)
    ids = np.arange(2000, dtype=np.int64) * 5 + 11
    return ids, vectors


def test_flat_search_matches_brute_force(corpus: tuple[np.ndarray, np.ndarray]) -> None:
    ids, vectors = corpus
    queries = _unit_vectors(20, seed=1)
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1")

    found = index.search(queries, 10)

    np.testing.assert_array_equal(found.ids, _brute_force(vectors, ids, queries, 10))
    expected_top = np.max(queries @ vectors.T, axis=1)
    np.testing.assert_allclose(found.scores[:, 0], expected_top, atol=1e-5)


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_kinds_find_an_indexed_vector_first(
    corpus: tuple[np.ndarray, np.ndarray], kind: IndexKind
) -> None:
    ids, vectors = corpus
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1", kind=kind)
    index.nprobe = 64

    found = index.search(vectors[:50], 1)

    assert (found.ids[:, 0] == ids[:50]).mean() >= 0.95


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_search_allowed_ids_restricts_hits_to_the_subset(
    corpus: tuple[np.ndarray, np.ndarray], kind: IndexKind
) -> None:
    ids, vectors = corpus
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1", kind=kind)
    index.nprobe = 64
    allowed = ids[500:600]

    found = index.search(vectors[:5], 5, allowed_ids=allowed)

    hits = found.ids[found.ids >= 0]
    assert hits.size > 0
    assert np.isin(hits, allowed).all()


def test_search_allowed_subset_smaller_than_k_pads_with_missing(
    corpus: tuple[np.ndarray, np.ndarray],
) -> None:
    ids, vectors = corpus
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1")

    found = index.search(vectors[:1], 5, allowed_ids=ids[:2])

    assert sorted(found.ids[0, :2]) == sorted(ids[:2])
    assert list(found.ids[0, 2:]) == [-1, -1, -1]
    assert np.isneginf(found.scores[0, 2:]).all()


def test_add_makes_new_concepts_searchable(
    corpus: tuple[np.ndarray, np.ndarray],
) -> None:
    ids, vectors = corpus
    index = ConceptIndex.build(ids[:1000], vectors[:1000], embedding_set="test/1")

    index.add(ids[1000:], vectors[1000:])

    assert index.count == 2000
    assert index.search(vectors[1500:1501], 1).ids[0, 0] == ids[1500]


def test_search_wrong_dim_raises_dimension_mismatch(
    corpus: tuple[np.ndarray, np.ndarray],
) -> None:
    ids, vectors = corpus
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1")

    with pytest.raises(DimensionMismatch, match=f"index expects {DIM}"):
        index.search(np.ones((1, DIM + 1), dtype=np.float32), 3)


def test_search_nan_query_raises_invalid_vectors(
    corpus: tuple[np.ndarray, np.ndarray],
) -> None:
    ids, vectors = corpus
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1")
    query = np.ones((1, DIM), dtype=np.float32)
    query[0, 3] = np.nan

    with pytest.raises(InvalidVectors, match="NaN"):
        index.search(query, 3)


@pytest.mark.parametrize("k", [0, 1001])
def test_search_k_out_of_range_is_rejected(
    corpus: tuple[np.ndarray, np.ndarray], k: int
) -> None:
    ids, vectors = corpus
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1")

    with pytest.raises(InvalidVectors, match=f"k={k}"):
        index.search(vectors[:1], k)


def test_build_duplicate_ids_are_rejected() -> None:
    with pytest.raises(InvalidVectors, match="distinct"):
        ConceptIndex.build(np.array([1, 1]), _unit_vectors(2), embedding_set="t")


def test_save_load_round_trip_answers_the_same(
    corpus: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    ids, vectors = corpus
    index = ConceptIndex.build(ids, vectors, embedding_set="text/3", kind="hnsw")
    metadata = index.save(tmp_path)

    loaded = ConceptIndex.load(tmp_path, embedding_set="text/3")

    assert (metadata.count, metadata.dim, metadata.kind) == (2000, DIM, "hnsw")
    before = index.search(vectors[:5], 3)
    after = loaded.search(vectors[:5], 3)
    np.testing.assert_array_equal(before.ids, after.ids)
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_load_flipped_byte_raises_index_corrupted(
    corpus: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    ids, vectors = corpus
    ConceptIndex.build(ids, vectors, embedding_set="text/3").save(tmp_path)
    data = bytearray((tmp_path / INDEX_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / INDEX_FILE).write_bytes(bytes(data))

    with pytest.raises(IndexCorrupted, match="checksum"):
        ConceptIndex.load(tmp_path)


def test_load_other_embedding_set_raises_index_corrupted(
    corpus: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    ids, vectors = corpus
    ConceptIndex.build(ids, vectors, embedding_set="text/3").save(tmp_path)

    with pytest.raises(IndexCorrupted, match="expected 'text/4'"):
        ConceptIndex.load(tmp_path, embedding_set="text/4")


def test_load_garbled_metadata_raises_index_corrupted(
    corpus: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    ids, vectors = corpus
    ConceptIndex.build(ids, vectors, embedding_set="text/3").save(tmp_path)
    (tmp_path / METADATA_FILE).write_text("{not json")

    with pytest.raises(IndexCorrupted, match="metadata"):
        ConceptIndex.load(tmp_path)


def _faiss_has_gpu() -> bool:
    import faiss

    return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0


@pytest.mark.gpu
@pytest.mark.skipif(not _faiss_has_gpu(), reason="faiss without GPU support or GPU")
def test_flat_index_on_gpu_answers_like_brute_force(
    corpus: tuple[np.ndarray, np.ndarray],
) -> None:
    ids, vectors = corpus
    queries = _unit_vectors(20, seed=1)
    index = ConceptIndex.build(ids[:1000], vectors[:1000], embedding_set="test/1")
    index.add(ids[1000:], vectors[1000:])

    found = index.search(queries, 5)
    filtered = index.search(queries, 5, allowed_ids=ids[::2])

    np.testing.assert_array_equal(found.ids, _brute_force(vectors, ids, queries, 5))
    assert np.isin(filtered.ids, ids[::2]).all()
