"""Replacing the vectors of indexed concepts (after a relabel)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.errors import VectorNotFound
from embeddings.index import ConceptIndex, IndexKind
from embeddings.moved_vectors import MovedVectors
from embeddings.vectors import normalize_rows

DIM = 32


def _unit_vectors(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return normalize_rows(rng.normal(size=(count, DIM)).astype(np.float32))


def _index(kind: IndexKind) -> tuple[ConceptIndex, np.ndarray, np.ndarray]:
    vectors = _unit_vectors(2000, seed=0)
    ids = np.arange(2000, dtype=np.int64) * 3 + 7
    index = ConceptIndex.build(ids, vectors, embedding_set="t/1", kind=kind)
    index.nprobe = index.count  # every IVF list: the search is exact
    return index, ids, vectors


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_replaced_vectors_are_found_and_the_old_ones_gone(kind: IndexKind) -> None:
    index, ids, vectors = _index(kind)
    changed = ids[[5, 600, 1999]]
    fresh = _unit_vectors(3, seed=1)

    index.replace(changed, fresh)
    found = index.search(fresh, 1)
    old = index.search(vectors[[5, 600, 1999]], 1)

    assert index.count == 2000
    assert found.ids[:, 0].tolist() == changed.tolist()
    np.testing.assert_allclose(found.scores[:, 0], 1.0, atol=1e-5)
    assert not np.any(old.ids[:, 0] == changed)
    np.testing.assert_allclose(index.reconstruct_batch(changed), fresh, atol=1e-6)
    np.testing.assert_allclose(index.reconstruct(int(ids[6])), vectors[6], atol=1e-6)


def test_replace_follows_into_the_first_pass() -> None:
    index, ids, vectors = _index("flat")
    index.enable_prefilter(8, factor=50)
    changed = ids[[10, 20]]
    fresh = _unit_vectors(2, seed=2)

    index.replace(changed, fresh)
    queries = np.repeat(fresh, 20, axis=0)  # a batch big enough for the pass
    found = index.search(queries, 1)

    assert found.ids[:, 0].tolist() == np.repeat(changed, 20).tolist()
    np.testing.assert_allclose(found.scores[:, 0], 1.0, atol=1e-5)


def test_replace_unknown_id_changes_nothing() -> None:
    index, ids, vectors = _index("flat")

    with pytest.raises(VectorNotFound, match="8"):
        index.replace(np.array([ids[0], 8]), _unit_vectors(2, seed=3))

    np.testing.assert_allclose(index.reconstruct(int(ids[0])), vectors[0], atol=1e-6)


def test_hnsw_scores_replaced_concepts_exactly_after_a_restart(tmp_path: Path) -> None:
    index, ids, vectors = _index("hnsw")
    changed = ids[[3, 1500]]
    fresh = _unit_vectors(2, seed=4)
    index.replace(changed, fresh)

    index.save(tmp_path)
    loaded = ConceptIndex.load(tmp_path)
    found = loaded.search(fresh, 3)
    only_first = loaded.search(fresh, 1, allowed_ids=changed[:1])

    assert found.ids[:, 0].tolist() == changed.tolist()
    np.testing.assert_allclose(found.scores[:, 0], 1.0, atol=1e-5)
    # Each concept is listed once though the graph and the exact pass both
    # may reach it; the ID filter applies to the moved concepts too.
    assert all(len(set(row)) == 3 for row in found.ids.tolist())
    assert only_first.ids[:, 0].tolist() == [changed[0], changed[0]]
    np.testing.assert_allclose(loaded.reconstruct_batch(changed), fresh, atol=1e-6)


def test_moved_concept_the_graph_missed_is_merged_by_its_exact_score() -> None:
    moved = MovedVectors(DIM)
    fresh = _unit_vectors(2, seed=5)
    moved.update(np.array([40, 41]), fresh)
    moved.update(np.array([41]), fresh[:1])  # a second relabel wins
    graph_scores = np.array([[0.5, 0.2, -np.inf]], dtype=np.float32)
    graph_ids = np.array([[7, 41, -1]])

    scores, ids = moved.merge(fresh[:1], graph_scores, graph_ids)

    # 40 and 41 now hold the same vector: both score 1 and lead; 41 is
    # listed once, at its exact score, not at the graph's stale 0.2.
    assert sorted(ids[0, :2].tolist()) == [40, 41]
    np.testing.assert_allclose(scores[0, :2], 1.0, atol=1e-5)
    assert (ids[0, 2], scores[0, 2]) == (7, pytest.approx(0.5))
