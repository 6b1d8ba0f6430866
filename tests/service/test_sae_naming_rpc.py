"""NameFeatures, GetFeatureNames and SearchFeatures through a real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from sqlalchemy import Engine

from embeddings.encoders import TextEncoder
from service._generated.conceptkg.v1 import sae_pb2 as spb
from tests.service.sae_support import (
    N_FEATURES,
    PLANTED,
    SNIPPETS,
    SPACE,
    SAEServer,
    running_sae_server,
    sae_server,
)

Code = grpc.StatusCode
EXPLANATIONS = {
    0: "named military brigades or units",
    1: "references to fruit and bananas",
    7: "rivers, lakes and other water",
}


@pytest.fixture
def server(engine: Engine, encoder: TextEncoder, tmp_path: Path) -> Iterator[SAEServer]:
    with sae_server(engine, encoder, tmp_path) as running:
        running.client.register_sae(SPACE, "toy-sae", N_FEATURES)
        running.client.upload_features(
            "toy-sae",
            directions=running.planted_directions(),
            snippets=SNIPPETS,
            explanations=EXPLANATIONS,
        )
        yield running


def _status(call: Callable[[], object]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as info:
        call()
    error = info.value
    return error.code(), error.details()  # type: ignore[attr-defined]


def _names(responses: Iterator[spb.NameFeaturesResponse]) -> list[spb.FeatureName]:
    return [name for response in responses for name in response.names]


@pytest.mark.parametrize("method", ["direction", "examples", "combined"])
def test_name_features_puts_each_planted_feature_on_its_concept(
    server: SAEServer, method: str
) -> None:
    names = _names(
        server.client.name_features("toy-sae", list(PLANTED), method=method, k=3)
    )

    assert [n.feature_id for n in names] == list(PLANTED)
    assert [n.concepts[0].uri for n in names] == list(PLANTED.values())
    for name in names:
        assert len(name.concepts) == 3
        scores = [c.score for c in name.concepts]
        assert scores == sorted(scores, reverse=True)
        assert name.margin == pytest.approx(scores[0] - scores[1], abs=1e-6)
        assert 0 < name.confidence <= 1


def test_name_features_direction_of_planted_feature_scores_one(
    server: SAEServer,
) -> None:
    names = _names(server.client.name_features("toy-sae", [4], method="direction"))

    # The planted direction is the concept's own vector, mapped back exactly.
    assert names[0].concepts[0].score == pytest.approx(1.0, abs=1e-4)
    assert names[0].confidence > 0.5


def test_name_features_all_streams_every_feature_and_stores_versions(
    server: SAEServer,
) -> None:
    first = list(server.client.name_features("toy-sae", method="direction", k=2))
    second = list(server.client.name_features("toy-sae", method="direction", k=2))
    examples = list(server.client.name_features("toy-sae", method="examples"))

    assert {r.version for r in first} == {1}
    assert {r.version for r in second} == {2}
    assert [n.feature_id for n in _names(iter(first))] == list(range(N_FEATURES))
    # Only the features with snippets can be named by their examples.
    assert [n.feature_id for n in _names(iter(examples))] == sorted(SNIPPETS)
    info = server.client.get_sae("toy-sae")
    runs = {(r.method, r.version, r.features) for r in info.namings}
    assert runs == {
        (spb.NAMING_METHOD_DIRECTION, 2, N_FEATURES),
        (spb.NAMING_METHOD_EXAMPLES, 1, len(SNIPPETS)),
    }
    stored = server.client.feature_names("toy-sae", [4], method="direction", version=1)
    assert stored.naming.version == 1
    assert stored.names[0].concepts[0].uri == PLANTED[4]


def test_names_are_stored_before_the_stream_is_read(server: SAEServer) -> None:
    stream = server.client.name_features("toy-sae", method="direction", k=2)

    first = next(stream)
    runs = {
        (r.method, r.version, r.features)
        for r in server.client.get_sae("toy-sae").namings
    }
    server.client.register_space("toy/written-meanwhile", 4)
    rest = list(stream)

    assert runs == {(spb.NAMING_METHOD_DIRECTION, 1, N_FEATURES)}
    assert [n.feature_id for n in _names(iter([first, *rest]))] == list(
        range(N_FEATURES)
    )


def test_name_features_explanation_tags_uploaded_explanations(
    server: SAEServer,
) -> None:
    names = _names(server.client.name_features("toy-sae", method="explanation", k=2))

    tops = {n.feature_id: n.concepts[0].uri for n in names}
    assert tops == {0: "/c/en/army", 1: "/c/en/banana", 7: "/c/en/river"}


def test_name_features_bad_requests_get_their_status(server: SAEServer) -> None:
    client = server.client

    def name(*args: object, **kwargs: object) -> Callable[[], object]:
        call = client.name_features
        return lambda: _names(call(*args, **kwargs))  # type: ignore[arg-type]

    got = {
        "unknown_sae": _status(name("nope", [1])),
        "no_snippets": _status(name("toy-sae", [0], method="examples")),
        "out_of_range": _status(name("toy-sae", [8])),
        "twice": _status(name("toy-sae", [2, 2])),
        "k": _status(name("toy-sae", [2], k=21)),
        "no_explanation": _status(name("toy-sae", [2], method="explanation")),
        "never_named": _status(
            lambda: client.feature_names("toy-sae", method="examples")
        ),
    }

    assert got["unknown_sae"] == (Code.NOT_FOUND, "sae 'nope' is not registered")
    assert got["no_snippets"] == (
        Code.FAILED_PRECONDITION,
        "feature 0 of sae 'toy-sae' has no snippets",
    )
    assert got["out_of_range"][0] == Code.INVALID_ARGUMENT
    assert "feature id 8 is outside 0..7" in got["out_of_range"][1]
    assert "feature id 2 appears twice" in got["twice"][1]
    assert got["k"][0] == Code.RESOURCE_EXHAUSTED
    assert got["no_explanation"][0] == Code.FAILED_PRECONDITION
    assert got["never_named"][0] == Code.NOT_FOUND
    assert client.get_sae("toy-sae").namings == []


def test_name_features_space_without_alignment_is_failed_precondition(
    server: SAEServer,
) -> None:
    server.client.register_space("toy/unaligned", 400)
    server.client.register_sae("toy/unaligned", "bare-sae", N_FEATURES)
    server.client.upload_features("bare-sae", directions=server.planted_directions())

    got = _status(
        lambda: _names(server.client.name_features("bare-sae", [2], method="direction"))
    )

    assert got[0] == Code.FAILED_PRECONDITION
    assert "no fitted alignment" in got[1]


def test_search_features_by_text_finds_the_military_feature(
    server: SAEServer,
) -> None:
    _names(server.client.name_features("toy-sae", method="combined"))

    found = server.client.search_features("which features are about army units?")
    by_concept = server.client.search_features(concept="/c/en/guitar", k=1)
    names_only = server.client.search_features("army", names_only=True, k=1)

    top = found[0]
    assert (top.sae, top.feature_id) in {("toy-sae", 4), ("toy-sae", 0)}
    assert {m.feature_id for m in found[:2]} == {0, 4}
    explained = next(m for m in found if m.feature_id == 0)
    assert explained.matched == "explanation"
    assert explained.explanation == EXPLANATIONS[0]
    assert [(m.feature_id, m.matched) for m in by_concept] == [(3, "name")]
    assert by_concept[0].name.concepts[0].uri == PLANTED[3]
    assert [(m.feature_id, m.matched) for m in names_only] == [(4, "name")]


def test_search_features_bad_query_gets_its_status(server: SAEServer) -> None:
    got = {
        "empty": _status(lambda: server.client.search_features("  ")),
        "concept": _status(lambda: server.client.search_features(concept="/c/en/zz")),
        "sae": _status(lambda: server.client.search_features("x", saes=["nope"])),
    }

    assert got["empty"][0] == Code.INVALID_ARGUMENT
    assert got["concept"][0] == Code.NOT_FOUND
    assert got["sae"] == (Code.NOT_FOUND, "sae 'nope' is not registered")


def test_restart_keeps_saes_uploads_and_names(server: SAEServer) -> None:
    named = _names(server.client.name_features("toy-sae", method="combined", k=3))
    before = server.client.get_sae("toy-sae")
    server.running.stop(0)

    with running_sae_server(server.engine, server.searcher) as (_, client):
        after = client.get_sae("toy-sae")
        stored = client.feature_names("toy-sae", method="combined")
        renamed = _names(client.name_features("toy-sae", [2], method="direction"))

    assert after == before
    assert [(n.feature_id, [c.uri for c in n.concepts]) for n in stored.names] == [
        (n.feature_id, [c.uri for c in n.concepts]) for n in named
    ]
    assert renamed[0].concepts[0].uri == PLANTED[2]
