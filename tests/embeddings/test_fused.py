"""Tests of the fused set: text vectors retrofitted over the stored graph."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine

from embeddings.build import build_text_set
from embeddings.encoders import TextEncoder
from embeddings.fused import build_fused_set
from embeddings.sets import EmbeddingSetStore
from graph.db import create_session_factory
from graph.records import EdgeInput
from graph.store import GraphStore


def _vectors(engine: Engine, set_id: int) -> dict[str, np.ndarray]:
    sessions = create_session_factory(engine)
    with sessions() as session:
        ids, vectors = EmbeddingSetStore(session).load_vectors(set_id)
        names = GraphStore(session).concepts_by_ids(ids.tolist())
    return {
        names[int(cid)][0]: vector for cid, vector in zip(ids, vectors, strict=True)
    }


def test_fused_set_pulls_linked_concepts_together(
    engine: Engine, encoder: TextEncoder
) -> None:
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        GraphStore(session).upsert_edges(
            [
                EdgeInput("/r/IsA", "/c/en/violin", "/c/en/instrument", weight=2.0),
                EdgeInput("/r/AtLocation", "/c/en/violin", "/c/en/attic"),
                EdgeInput("/r/IsA", "/c/en/granite", "/c/en/rock"),
                EdgeInput("/r/RelatedTo", "/c/en/volcano", "/c/en/volcano_island"),
            ]
        )
    text = build_text_set(sessions, encoder)

    fused = build_fused_set(sessions, text)

    before = _vectors(engine, text.id)
    after = _vectors(engine, fused.id)
    assert fused.kind == "fused" and fused.ready
    assert fused.params["source"] == text.label
    assert fused.params["edges_used"] == 3
    assert set(after) == set(before)
    np.testing.assert_allclose(
        np.linalg.norm(list(after.values()), axis=1), 1.0, atol=1e-5
    )
    violin, instrument = "/c/en/violin", "/c/en/instrument"
    assert after[violin] @ after[instrument] > before[violin] @ before[instrument]
    # AtLocation has no weight: the attic has no neighbour and keeps its vector.
    np.testing.assert_allclose(after["/c/en/attic"], before["/c/en/attic"], atol=1e-6)


def test_fused_set_unweighted_relations_change_nothing(
    engine: Engine, encoder: TextEncoder
) -> None:
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        GraphStore(session).upsert_edges(
            [EdgeInput("/r/AtLocation", "/c/en/fork", "/c/en/drawer")]
        )
    text = build_text_set(sessions, encoder)

    fused = build_fused_set(sessions, text, relation_weights={"/r/IsA": 1.0})

    before, after = _vectors(engine, text.id), _vectors(engine, fused.id)
    for uri, vector in before.items():
        np.testing.assert_allclose(after[uri], vector, atol=1e-6)
