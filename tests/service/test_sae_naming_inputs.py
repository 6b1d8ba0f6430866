"""Naming inputs kept in memory: the same queries as read from the store, and
a new upload read afresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from embeddings.encoders import TextEncoder
from embeddings.linear_map_cache import LinearMapCache
from embeddings.sae_naming_run import FeatureNamer
from embeddings.sae_search import VectorCache
from graph.db import create_session_factory
from tests.service.sae_support import (
    N_FEATURES,
    PLANTED,
    SNIPPETS,
    SPACE,
    SAEServer,
    sae_server,
)


@pytest.fixture
def server(engine: Engine, encoder: TextEncoder, tmp_path: Path) -> Iterator[SAEServer]:
    with sae_server(engine, encoder, tmp_path) as running:
        running.client.register_sae(SPACE, "toy-sae", N_FEATURES)
        running.client.upload_features(
            "toy-sae", directions=running.planted_directions(), snippets=SNIPPETS
        )
        yield running


@pytest.mark.parametrize("method", ["direction", "examples", "combined"])
def test_cached_queries_equal_those_read_from_the_store(
    server: SAEServer, method: str
) -> None:
    inputs = VectorCache(max_entries=4)
    wanted = [np.array(sorted(SNIPPETS)), np.array([6, 3])]
    with create_session_factory(server.engine)() as session:
        plain = FeatureNamer(session, server.searcher, "toy-sae")
        cached = FeatureNamer(
            session,
            server.searcher,
            "toy-sae",
            inputs=inputs,
            linear_maps=LinearMapCache(),
        )
        for ids in wanted:
            np.testing.assert_array_equal(
                cached.queries(method, ids), plain.queries(method, ids)
            )

    info = cached.info
    part = "snippets" if method == "examples" else "direction"
    assert inputs.holds((part, info.id, info.revision))


def test_a_new_upload_is_named_from_its_own_snippets(server: SAEServer) -> None:
    def examples_name(feature_ids: list[int]) -> dict[int, str]:
        responses = server.client.name_features(
            "toy-sae", feature_ids, method="examples", k=1
        )
        return {n.feature_id: n.concepts[0].uri for r in responses for n in r.names}

    before = examples_name(sorted(SNIPPETS))
    server.client.upload_features(
        "toy-sae", snippets={3: [("a ripe banana", 2.0), ("banana bread", 1.0)]}
    )
    after = examples_name([3, 4])

    assert before[3] == PLANTED[3]
    assert after == {3: PLANTED[6], 4: PLANTED[4]}
