"""Concepts written through the graph API become searchable without a rebuild."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from embeddings.build import build_index, build_text_set
from embeddings.encoders import TextEncoder
from embeddings.index import ConceptIndex, IndexKind
from embeddings.search import ConceptSearcher
from embeddings.sets import EmbeddingSetStore
from graph.db import create_session_factory
from graph.records import EdgeInput
from graph.store import GraphStore
from service._generated.conceptkg.v1 import graph_pb2 as pb
from service.client import ConceptKGClient
from service.server import RunningServer, create_server
from service.settings import Settings

Served = tuple[RunningServer, ConceptKGClient, Path]


def _car_graph_server(
    engine: Engine, encoder: TextEncoder, folder: Path, kind: IndexKind = "flat"
) -> RunningServer:
    """A server over car IsA vehicle, its text set and an index of ``kind``."""
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        GraphStore(session).upsert_edges(
            [EdgeInput("/r/IsA", "/c/en/car", "/c/en/vehicle")]
        )
    info = build_text_set(sessions, encoder)
    with sessions() as session:
        index = build_index(session, info, folder, kind=kind)
    settings = Settings(host="127.0.0.1", port=0)
    return create_server(settings, engine, ConceptSearcher(index, encoder))


@pytest.fixture
def served(engine: Engine, encoder: TextEncoder, tmp_path: Path) -> Iterator[Served]:
    folder = tmp_path / "index"
    running = _car_graph_server(engine, encoder, folder)
    client = ConceptKGClient(f"127.0.0.1:{running.port}")
    yield running, client, folder
    client.close()
    running.stop(0)


def test_upserted_edge_concepts_become_searchable_and_saved(served: Served) -> None:
    running, client, folder = served
    assert running.index_updater is not None
    edge = pb.EdgeInput(relation="/r/IsA", start="/c/en/kitten", end="/c/en/cat")

    client.upsert_edges([edge])
    assert running.index_updater.wait_idle(30)
    found = client.search_concepts("kitten", k=1, plain=True)

    assert found.concepts[0].uri == "/c/en/kitten"
    assert client.index_status().vectors == 4
    assert ConceptIndex.load(folder).count == 4


def test_upserted_concept_becomes_searchable(served: Served) -> None:
    running, client, _ = served
    assert running.index_updater is not None

    client.upsert_concepts([pb.ConceptInput(uri="/c/en/grand_piano")])
    assert running.index_updater.wait_idle(30)
    found = client.search_concepts("grand piano", k=1, plain=True)

    assert found.concepts[0].uri == "/c/en/grand_piano"


def test_language_filter_sees_concepts_added_after_its_first_use(
    served: Served,
) -> None:
    running, client, _ = served
    assert running.index_updater is not None
    before = client.search_concepts("grand piano", k=3, lang="en", plain=True)

    client.upsert_concepts([pb.ConceptInput(uri="/c/en/grand_piano")])
    assert running.index_updater.wait_idle(30)
    after = client.search_concepts("grand piano", k=1, lang="en", plain=True)

    assert "/c/en/grand_piano" not in [c.uri for c in before.concepts]
    assert after.concepts[0].uri == "/c/en/grand_piano"


def test_relabelled_concept_is_answered_with_its_new_label(served: Served) -> None:
    running, client, _ = served
    assert running.index_updater is not None
    first = client.search_concepts("car", k=1, plain=True)

    counts = client.upsert_concepts(
        [pb.ConceptInput(uri="/c/en/car", label="motor car")]
    )
    # The relabel also re-encodes the concept's vector (from "motor car"):
    # wait for that pass, so the search below does not race it.
    assert running.index_updater.wait_idle(30)
    again = client.search_concepts("motor car", k=1, plain=True)

    assert counts.updated == 1
    assert (first.concepts[0].uri, first.concepts[0].label) == ("/c/en/car", "car")
    assert (again.concepts[0].uri, again.concepts[0].label) == (
        "/c/en/car",
        "motor car",
    )


def test_failed_upsert_adds_nothing_to_the_index(served: Served) -> None:
    running, client, _ = served
    assert running.index_updater is not None
    bad = [
        pb.EdgeInput(relation="/r/IsA", start="/c/en/kitten", end="/c/en/cat"),
        pb.EdgeInput(relation="/r/IsA", start="c/en/broken", end="/c/en/cat"),
    ]

    with pytest.raises(Exception, match="broken"):
        client.upsert_edges(bad)
    assert running.index_updater.wait_idle(30)

    assert client.index_status().vectors == 2


def test_index_outside_the_database_is_left_alone(
    engine: Engine, encoder: TextEncoder, caplog: pytest.LogCaptureFixture
) -> None:
    vectors = encoder.encode(["piano", "violin"])
    index = ConceptIndex.build(
        np.array([1, 2], dtype=np.int64), vectors, embedding_set="scratch/1"
    )
    settings = Settings(host="127.0.0.1", port=0)
    running = create_server(settings, engine, ConceptSearcher(index, encoder))
    try:
        assert running.index_updater is not None
        with ConceptKGClient(f"127.0.0.1:{running.port}") as client:
            client.upsert_concepts([pb.ConceptInput(uri="/c/en/cello")])
            assert running.index_updater.wait_idle(30)
            status = client.index_status()
    finally:
        running.stop(0)

    assert status.vectors == 2
    assert "set=scratch/1 reason=set_not_in_database" in caplog.text
    assert "index_update_failed" not in caplog.text


def test_relabelled_concept_is_found_by_its_new_label_and_saved(
    served: Served, engine: Engine, encoder: TextEncoder
) -> None:
    running, client, folder = served
    assert running.index_updater is not None

    client.upsert_concepts([pb.ConceptInput(uri="/c/en/vehicle", label="bicycle")])
    assert running.index_updater.wait_idle(30)
    found = client.search_concepts("bicycle", k=1, plain=True)

    assert found.concepts[0].uri == "/c/en/vehicle"
    assert found.concepts[0].score == pytest.approx(1.0, abs=1e-4)
    assert client.index_status().vectors == 2
    with create_session_factory(engine)() as session:
        concept_id = GraphStore(session).concept_ids(["/c/en/vehicle"])["/c/en/vehicle"]
        info = EmbeddingSetStore(session).latest("text")
        ids, vectors = EmbeddingSetStore(session).load_vectors(info.id)
    new_vector = encoder.encode(["bicycle"])[0]
    stored = vectors[list(ids).index(concept_id)]
    np.testing.assert_allclose(stored, new_vector, atol=1e-5)
    np.testing.assert_allclose(
        ConceptIndex.load(folder).reconstruct(concept_id), new_vector, atol=1e-5
    )


def test_relabel_under_hnsw_is_found_by_its_new_label_and_saved(
    engine: Engine,
    encoder: TextEncoder,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = tmp_path / "index"
    running = _car_graph_server(engine, encoder, folder, kind="hnsw")
    try:
        assert running.index_updater is not None
        with ConceptKGClient(f"127.0.0.1:{running.port}") as client:
            client.upsert_concepts(
                [pb.ConceptInput(uri="/c/en/vehicle", label="bicycle")]
            )
            assert running.index_updater.wait_idle(30)
            found = client.search_concepts("bicycle", k=1, plain=True)
    finally:
        running.stop(0)

    assert "index_update_failed" not in caplog.text
    assert (found.concepts[0].uri, found.concepts[0].label) == (
        "/c/en/vehicle",
        "bicycle",
    )
    assert found.concepts[0].score == pytest.approx(1.0, abs=1e-4)
    with create_session_factory(engine)() as session:
        concept_id = GraphStore(session).concept_ids(["/c/en/vehicle"])["/c/en/vehicle"]
    saved = ConceptIndex.load(folder)
    assert saved.kind == "hnsw"
    np.testing.assert_allclose(
        saved.reconstruct(concept_id), encoder.encode(["bicycle"])[0], atol=1e-5
    )
