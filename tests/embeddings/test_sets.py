"""Tests of embedding sets in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy.orm import Session

from embeddings.errors import DimensionMismatch, InvalidVectors
from embeddings.sets import EmbeddingSetNotFound, EmbeddingSetStore
from graph.store import GraphStore


def _concept_ids(store: GraphStore, count: int) -> np.ndarray:
    ids = store.ensure_concepts(f"/c/en/word_{i}" for i in range(count))
    return np.array(sorted(ids.values()), dtype=np.int64)


def test_create_twice_gives_increasing_versions(session: Session) -> None:
    sets = EmbeddingSetStore(session)

    first = sets.create("text", kind="text", model="m", dim=4)
    second = sets.create("text", kind="text", model="m", dim=4)

    assert (first.version, second.version) == (1, 2)
    assert second.label == "text/2"
    assert not second.ready


def test_write_and_load_vectors_round_trip_exactly(
    session: Session, store: GraphStore
) -> None:
    ids = _concept_ids(store, 30)
    sets = EmbeddingSetStore(session)
    info = sets.create("text", kind="text", model="m", dim=8)
    vectors = np.random.default_rng(0).normal(size=(30, 8)).astype(np.float32)

    sets.write_vectors(info.id, ids[::-1], vectors[::-1])
    sets.mark_ready(info.id)
    session.commit()
    loaded_ids, loaded = sets.load_vectors(info.id)

    np.testing.assert_array_equal(loaded_ids, ids)
    np.testing.assert_array_equal(loaded, vectors)
    assert sets.latest("text").ready


def test_latest_ignores_unfinished_versions(
    session: Session, store: GraphStore
) -> None:
    sets = EmbeddingSetStore(session)
    finished = sets.create("text", kind="text", model="m", dim=4)
    sets.mark_ready(finished.id)
    sets.create("text", kind="text", model="m", dim=4)

    assert sets.latest("text").version == finished.version
    assert sets.latest("text", ready=False).version == finished.version + 1


def test_latest_unknown_name_raises_not_found(session: Session) -> None:
    with pytest.raises(EmbeddingSetNotFound, match="'nope'"):
        EmbeddingSetStore(session).latest("nope")


def test_write_vectors_wrong_dim_is_rejected(
    session: Session, store: GraphStore
) -> None:
    ids = _concept_ids(store, 2)
    sets = EmbeddingSetStore(session)
    info = sets.create("text", kind="text", model="m", dim=4)

    with pytest.raises(DimensionMismatch):
        sets.write_vectors(info.id, ids, np.ones((2, 5), dtype=np.float32))


def test_write_vectors_nan_is_rejected_and_nothing_stored(
    session: Session, store: GraphStore
) -> None:
    ids = _concept_ids(store, 2)
    sets = EmbeddingSetStore(session)
    info = sets.create("text", kind="text", model="m", dim=4)
    vectors = np.ones((2, 4), dtype=np.float32)
    vectors[1, 2] = np.nan

    with pytest.raises(InvalidVectors, match="row 1"):
        sets.write_vectors(info.id, ids, vectors)

    assert sets.count(info.id) == 0


def test_write_vectors_into_ready_set_is_rejected(
    session: Session, store: GraphStore
) -> None:
    ids = _concept_ids(store, 1)
    sets = EmbeddingSetStore(session)
    info = sets.create("text", kind="text", model="m", dim=4)
    sets.mark_ready(info.id)

    with pytest.raises(InvalidVectors, match="read-only"):
        sets.write_vectors(info.id, ids, np.ones((1, 4), dtype=np.float32))


def test_create_unknown_kind_is_rejected(session: Session) -> None:
    with pytest.raises(InvalidVectors, match="'words'"):
        EmbeddingSetStore(session).create(
            "x",
            kind="words",
            model="m",
            dim=4,  # type: ignore[arg-type]
        )
