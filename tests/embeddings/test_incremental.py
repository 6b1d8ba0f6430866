"""Tests of giving concepts added after a build their vectors, and of stale indexes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from embeddings.build import build_index, build_text_set, load_or_rebuild_index
from embeddings.encoders import TextEncoder
from embeddings.errors import InvalidVectors
from embeddings.incremental import extend_set
from embeddings.index import ConceptIndex
from embeddings.rwlock import ReadWriteLock
from embeddings.sets import EmbeddingSetNotFound, EmbeddingSetStore
from graph.db import create_session_factory
from graph.records import EdgeInput
from graph.store import GraphStore

FIRST = [("/c/en/dog", "/c/en/animal"), ("/c/en/car", "/c/en/vehicle")]
LATER = [("/c/en/kitten", "/c/en/cat")]


def _write(engine: Engine, pairs: list[tuple[str, str]]) -> None:
    with create_session_factory(engine).begin() as session:
        GraphStore(session).upsert_edges([EdgeInput("/r/IsA", a, b) for a, b in pairs])


def test_extend_set_encodes_only_concepts_added_since_the_build(
    engine: Engine, encoder: TextEncoder
) -> None:
    _write(engine, FIRST)
    sessions = create_session_factory(engine)
    info = build_text_set(sessions, encoder)
    _write(engine, LATER)

    ids, vectors = extend_set(sessions, info, encoder)
    again, _ = extend_set(sessions, info, encoder)

    with sessions() as session:
        known = GraphStore(session).concept_ids(["/c/en/kitten", "/c/en/cat"])
        stored = EmbeddingSetStore(session).count(info.id)
    labels = {cid: uri.rsplit("/", 1)[1] for uri, cid in known.items()}
    assert sorted(ids.tolist()) == sorted(known.values())
    expected = encoder.encode([labels[int(cid)] for cid in ids])
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    assert len(again) == 0
    assert stored == 6


def test_extend_set_of_trained_set_is_rejected_by_name(
    engine: Engine, encoder: TextEncoder
) -> None:
    _write(engine, FIRST)
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        store = EmbeddingSetStore(session)
        info = store.mark_ready(
            store.create("links", kind="rgcn", model="rgcn", dim=encoder.dim).id
        )

    with pytest.raises(InvalidVectors, match="links/1 is a rgcn set"):
        extend_set(sessions, info, encoder)


def test_by_label_finds_version_and_rejects_bad_labels(
    engine: Engine, encoder: TextEncoder
) -> None:
    _write(engine, FIRST)
    sessions = create_session_factory(engine)
    info = build_text_set(sessions, encoder)
    with sessions() as session:
        store = EmbeddingSetStore(session)

        assert store.by_label("text/1").id == info.id
        for label in ("text/2", "text", "text/x"):
            with pytest.raises(EmbeddingSetNotFound, match=repr(label)):
                store.by_label(label)


def test_load_or_rebuild_index_rebuilds_a_stale_file(
    engine: Engine, encoder: TextEncoder, tmp_path: Path
) -> None:
    _write(engine, FIRST)
    sessions = create_session_factory(engine)
    info = build_text_set(sessions, encoder)
    with sessions() as session:
        build_index(session, info, tmp_path)
    _write(engine, LATER)
    extend_set(sessions, info, encoder)

    with sessions() as session:
        index = load_or_rebuild_index(session, info, tmp_path)

    assert index.count == 6
    assert ConceptIndex.load(tmp_path).count == 6


def test_read_write_lock_writer_waits_for_readers_and_excludes_them() -> None:
    lock = ReadWriteLock()
    events: list[str] = []
    reading = threading.Event()

    def reader() -> None:
        with lock.reading():
            reading.set()
            time.sleep(0.05)
            events.append("read done")

    def writer() -> None:
        reading.wait()
        with lock.writing():
            events.append("write")

    threads = [threading.Thread(target=reader), threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    assert events == ["read done", "write"]
