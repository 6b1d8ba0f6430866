"""ConceptService through a real server, with the real encoder, on both databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest
from sqlalchemy import Engine

from embeddings.build import build_index, build_text_set
from embeddings.encoders import TextEncoder
from embeddings.search import ConceptSearcher
from graph.db import create_session_factory
from graph.records import EdgeInput
from graph.store import GraphStore
from service._generated.conceptkg.v1 import concepts_pb2 as cpb
from service.client import ConceptKGClient
from service.server import create_server
from service.settings import Settings
from tests.conftest import CN100K

ConceptServer = tuple[ConceptKGClient, TextEncoder]
INVALID = grpc.StatusCode.INVALID_ARGUMENT
EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED
NOT_FOUND = grpc.StatusCode.NOT_FOUND
PAIRS = [
    ("/c/en/dog", "/c/en/animal"),
    ("/c/en/puppy", "/c/en/dog"),
    ("/c/en/cat", "/c/en/animal"),
    ("/c/en/kitten", "/c/en/cat"),
    ("/c/en/car", "/c/en/vehicle"),
    ("/c/en/truck", "/c/en/vehicle"),
    ("/c/en/apple", "/c/en/fruit"),
    ("/c/en/banana", "/c/en/fruit"),
    ("/c/fr/chien", "/c/fr/animal"),
]


@pytest.fixture
def concept_server(
    engine: Engine, encoder: TextEncoder, tmp_path: Path
) -> Iterator[ConceptServer]:
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        edges = [EdgeInput("/r/IsA", a, b) for a, b in PAIRS]
        GraphStore(session).upsert_edges(edges)
    info = build_text_set(sessions, encoder)
    with sessions() as session:
        index = build_index(session, info, tmp_path / "index")
    settings = Settings(
        host="127.0.0.1",
        port=0,
        max_k=20,
        max_name_batch=8,
        coarse_min_isa_children=2,
    )
    running = create_server(settings, engine, ConceptSearcher(index, encoder))
    client = ConceptKGClient(f"127.0.0.1:{running.port}")
    yield client, encoder
    client.close()
    running.stop(0)


def _code(info: pytest.ExceptionInfo[grpc.RpcError]) -> grpc.StatusCode:
    return info.value.code()  # type: ignore[attr-defined, no-any-return]


def _details(info: pytest.ExceptionInfo[grpc.RpcError]) -> str:
    return str(info.value.details())  # type: ignore[attr-defined]


def test_search_concept_label_finds_itself_first(concept_server: ConceptServer) -> None:
    client, _ = concept_server

    found = client.search_concepts("kitten", k=3)

    assert found.concepts[0].uri == "/c/en/kitten"
    assert found.concepts[0].score == pytest.approx(1.0, abs=1e-4)
    assert found.embedding_set == "text/1"


def test_search_puppy_lists_dog_in_top_three(concept_server: ConceptServer) -> None:
    client, _ = concept_server

    found = client.search_concepts("young dog", k=3)

    assert "/c/en/dog" in [c.uri for c in found.concepts]


def test_search_lang_filter_keeps_only_that_language(
    concept_server: ConceptServer,
) -> None:
    client, _ = concept_server

    found = client.search_concepts("dog", k=5, lang="fr")

    assert {c.uri for c in found.concepts} == {"/c/fr/chien", "/c/fr/animal"}


def test_related_concepts_excludes_the_concept_itself(
    concept_server: ConceptServer,
) -> None:
    client, _ = concept_server

    related = client.related_concepts("/c/en/truck", k=3)

    uris = [c.uri for c in related]
    assert "/c/en/truck" not in uris
    assert uris[0] in {"/c/en/car", "/c/en/vehicle"}


def test_relatedness_orders_related_above_unrelated(
    concept_server: ConceptServer,
) -> None:
    client, _ = concept_server

    close = client.relatedness("/c/en/cat", "/c/en/kitten")
    far = client.relatedness("/c/en/cat", "a yellow banana")

    assert close > far


def test_name_directions_names_encoded_words_with_margin(
    concept_server: ConceptServer,
) -> None:
    client, encoder = concept_server
    directions = encoder.encode(["apple", "truck"])

    names = client.name_directions(directions.tolist(), k=2)

    assert [n.concepts[0].uri for n in names] == ["/c/en/apple", "/c/en/truck"]
    for name in names:
        gap = name.concepts[0].score - name.concepts[1].score
        assert name.margin == pytest.approx(gap, abs=1e-5)


def test_name_directions_sign_ambiguous_finds_negated_direction(
    concept_server: ConceptServer,
) -> None:
    client, encoder = concept_server
    flipped = -encoder.encode(["banana"])

    names = client.name_directions(flipped.tolist(), k=1, sign_ambiguous=True)

    assert names[0].concepts[0].uri == "/c/en/banana"
    assert names[0].concepts[0].negated


@pytest.mark.parametrize(
    ("vectors", "code", "named"),
    [
        ([[0.5] * 10], INVALID, "dim 10"),
        ([[float("nan")] * 384], INVALID, "NaN"),
        ([[0.0] * 384], INVALID, "all zeros"),
        ([], INVALID, "empty"),
        ([[1.0] * 384] * 9, EXHAUSTED, "9 exceeds"),
    ],
)
def test_name_directions_bad_vectors_are_rejected_by_name(
    concept_server: ConceptServer,
    vectors: list[list[float]],
    code: grpc.StatusCode,
    named: str,
) -> None:
    client, _ = concept_server

    with pytest.raises(grpc.RpcError) as info:
        client.name_directions(vectors)

    assert _code(info) == code
    assert named in _details(info)


@pytest.mark.parametrize(
    ("call", "code", "named"),
    [
        (lambda c: c.search_concepts("  "), INVALID, "text"),
        (lambda c: c.search_concepts("dog", k=21), EXHAUSTED, "21"),
        (lambda c: c.search_concepts("dog", k=-1), INVALID, "-1"),
        (lambda c: c.related_concepts("/c/en/zebra"), NOT_FOUND, "zebra"),
        (lambda c: c.related_concepts("dog"), INVALID, "'dog'"),
        (lambda c: c.relatedness("/c/en/nope", "x"), NOT_FOUND, "nope"),
    ],
)
def test_concept_rpc_bad_input_gets_its_status(
    concept_server: ConceptServer,
    call: Callable[[ConceptKGClient], object],
    code: grpc.StatusCode,
    named: str,
) -> None:
    client, _ = concept_server

    with pytest.raises(grpc.RpcError) as info:
        call(client)

    assert _code(info) == code
    assert named in _details(info)


def test_index_status_reports_the_loaded_set(concept_server: ConceptServer) -> None:
    client, _ = concept_server

    status = client.index_status()

    assert status.ready and status.embedding_set == "text/1"
    assert status.vectors == len({uri for pair in PAIRS for uri in pair})
    assert status.dim == 384


def test_concept_rpc_without_index_is_failed_precondition(engine: Engine) -> None:
    running = create_server(Settings(host="127.0.0.1", port=0), engine, None)
    try:
        with ConceptKGClient(f"127.0.0.1:{running.port}") as client:
            assert not client.index_status().ready
            with pytest.raises(grpc.RpcError) as info:
                client.search_concepts("dog")
    finally:
        running.stop(0)

    assert _code(info) == grpc.StatusCode.FAILED_PRECONDITION
    assert "not built" in _details(info)


def test_searcher_vectors_match_encoder(concept_server: ConceptServer) -> None:
    client, encoder = concept_server

    score = client.relatedness("/c/en/apple", "apple")

    vectors = encoder.encode(["apple", "apple"])
    assert score == pytest.approx(float(np.dot(vectors[0], vectors[1])), abs=1e-4)


def _node_names(count: int) -> list[str]:
    lines = (CN100K / "node_names.txt").read_text().splitlines()
    return [line for line in lines if line.strip()][:count]


def test_fit_alignment_then_name_directions_of_the_space(
    concept_server: ConceptServer,
) -> None:
    client, encoder = concept_server
    permutation = np.random.default_rng(0).permutation(384)
    texts = _node_names(600)
    space_vectors = 2.0 * encoder.encode(texts)[:, permutation]
    client.register_space("toy/permuted", 384, description="scaled, permuted MiniLM")

    fitted = client.fit_alignment(
        "toy/permuted", space_vectors.tolist(), texts, alpha=1e-3, batch_size=128
    )
    queries = 2.0 * encoder.encode(["kitten", "truck", "banana"])[:, permutation]
    names = client.name_directions(queries.tolist(), space="toy/permuted", k=1)
    streamed = list(
        client.stream_name_directions(
            queries.tolist(), space="toy/permuted", k=1, batch_size=1
        )
    )

    assert fitted.pairs == 600
    assert fitted.space.alignment_version == 1
    assert fitted.space.heldout_cosine > 0.9
    assert fitted.space.heldout_accuracy_at_1 > 0.9
    expected = ["/c/en/kitten", "/c/en/truck", "/c/en/banana"]
    assert [n.concepts[0].uri for n in names] == expected
    assert [n.concepts[0].uri for n in streamed] == expected
    listed = client.list_spaces()
    assert [(s.name, s.alignment_method) for s in listed] == [("toy/permuted", "ridge")]


def test_refitted_space_is_named_through_its_new_alignment(
    concept_server: ConceptServer,
) -> None:
    client, encoder = concept_server
    rng = np.random.default_rng(1)
    old_order, new_order = rng.permutation(384), rng.permutation(384)
    texts = _node_names(600)
    encoded = encoder.encode(texts)
    queries = encoder.encode(["kitten", "truck", "banana"])
    client.register_space("toy/refit", 384)
    client.fit_alignment("toy/refit", encoded[:, old_order].tolist(), texts, alpha=1e-3)
    before = client.name_directions(
        queries[:, old_order].tolist(), space="toy/refit", k=1
    )

    refit = client.fit_alignment(
        "toy/refit", encoded[:, new_order].tolist(), texts, alpha=1e-3
    )
    after = client.name_directions(
        queries[:, new_order].tolist(), space="toy/refit", k=1
    )

    expected = ["/c/en/kitten", "/c/en/truck", "/c/en/banana"]
    assert refit.space.alignment_version == 2
    assert [n.concepts[0].uri for n in before] == expected
    assert [n.concepts[0].uri for n in after] == expected


def test_space_errors_get_their_status(concept_server: ConceptServer) -> None:
    client, _ = concept_server
    client.register_space("toy/unfitted", 8)

    with pytest.raises(grpc.RpcError) as unknown:
        client.name_directions([[1.0] * 8], space="toy/nope")
    with pytest.raises(grpc.RpcError) as unfitted:
        client.name_directions([[1.0] * 8], space="toy/unfitted")
    with pytest.raises(grpc.RpcError) as wrong_dim:
        client.fit_alignment("toy/unfitted", [[1.0] * 7] * 10, ["word"] * 10)
    with pytest.raises(grpc.RpcError) as malformed:
        client.register_space("bad name", 8)
    with pytest.raises(grpc.RpcError) as method:
        client.fit_alignment(
            "toy/unfitted", [[1.0] * 8] * 10, ["word"] * 10, method="lasso"
        )

    assert _code(unknown) == NOT_FOUND
    assert "toy/nope" in _details(unknown)
    assert _code(unfitted) == grpc.StatusCode.FAILED_PRECONDITION
    assert "no fitted alignment" in _details(unfitted)
    assert _code(wrong_dim) == INVALID and "dim 7, expected 8" in _details(wrong_dim)
    assert _code(malformed) == INVALID and "'bad name'" in _details(malformed)
    assert _code(method) == INVALID and "'lasso'" in _details(method)


def test_search_isa_subset_keeps_only_kinds_of_the_concept(
    concept_server: ConceptServer,
) -> None:
    client, _ = concept_server

    found = client.search_concepts("truck", k=10, isa="/c/en/animal", plain=True)

    animals = {"/c/en/animal", "/c/en/dog", "/c/en/puppy", "/c/en/cat", "/c/en/kitten"}
    assert {c.uri for c in found.concepts} == animals


@pytest.mark.parametrize(
    ("hops", "expected"),
    [
        (1, {"/c/en/car", "/c/en/vehicle"}),
        (2, {"/c/en/car", "/c/en/vehicle", "/c/en/truck"}),
    ],
)
def test_search_near_subset_follows_the_hop_count(
    concept_server: ConceptServer, hops: int, expected: set[str]
) -> None:
    client, _ = concept_server

    found = client.search_concepts("truck", k=10, near="/c/en/car", near_hops=hops)

    assert {c.uri for c in found.concepts} == expected


def test_search_subsets_intersect(concept_server: ConceptServer) -> None:
    client, _ = concept_server

    found = client.search_concepts(
        "pet", k=10, isa="/c/en/animal", near="/c/en/cat", near_hops=1
    )

    assert {c.uri for c in found.concepts} == {
        "/c/en/cat",
        "/c/en/kitten",
        "/c/en/animal",
    }


def test_search_subset_unknown_concept_is_not_found(
    concept_server: ConceptServer,
) -> None:
    client, _ = concept_server

    with pytest.raises(grpc.RpcError) as info:
        client.search_concepts("dog", isa="/c/en/unicorn")

    assert _code(info) == NOT_FOUND
    assert "/c/en/unicorn" in _details(info)


def test_name_directions_subset_restricts_names(
    concept_server: ConceptServer,
) -> None:
    client, encoder = concept_server

    names = client.name_directions(
        encoder.encode(["truck"]).tolist(),
        k=3,
        subset=cpb.ConceptSubset(isa="/c/en/fruit"),
    )

    uris = {c.uri for c in names[0].concepts}
    assert uris <= {"/c/en/fruit", "/c/en/apple", "/c/en/banana"}
    assert len(uris) == 3


COARSE = {"/c/en/animal", "/c/en/vehicle", "/c/en/fruit"}
LEAVES = {
    "/c/en/puppy", "/c/en/kitten", "/c/en/car", "/c/en/truck",
    "/c/en/apple", "/c/en/banana", "/c/fr/chien",
}  # fmt: skip


def test_conceptualize_coarse_uses_isa_hubs(concept_server: ConceptServer) -> None:
    client, _ = concept_server

    concepts = client.conceptualize("a red sports car", k=3)

    assert concepts[0].uri == "/c/en/vehicle"
    assert {c.uri for c in concepts} <= COARSE
    assert all(c.score > 0 for c in concepts)


def test_conceptualize_fine_uses_leaf_concepts(concept_server: ConceptServer) -> None:
    client, _ = concept_server

    concepts = client.conceptualize("banana bread", fine=True, k=4)

    assert concepts[0].uri == "/c/en/banana"
    assert {c.uri for c in concepts} <= LEAVES


def test_conceptualize_expand_ranks_isa_children(
    concept_server: ConceptServer,
) -> None:
    client, _ = concept_server

    concepts = client.conceptualize("a small cat", expand=["/c/en/animal"], k=5)

    assert [c.uri for c in concepts][:1] == ["/c/en/cat"]
    assert {c.uri for c in concepts} <= {"/c/en/dog", "/c/en/cat"}


def test_conceptualize_vector_input(concept_server: ConceptServer) -> None:
    client, encoder = concept_server

    concepts = client.conceptualize(vector=encoder.encode(["apple"])[0].tolist(), k=1)

    assert [c.uri for c in concepts] == ["/c/en/fruit"]


def test_conceptualize_bad_input_gets_its_status(
    concept_server: ConceptServer,
) -> None:
    client, _ = concept_server

    with pytest.raises(grpc.RpcError) as empty:
        client._concepts.Conceptualize(cpb.ConceptualizeRequest())
    with pytest.raises(grpc.RpcError) as unknown:
        client.conceptualize("dog", expand=["/c/en/unicorn"])
    with pytest.raises(grpc.RpcError) as wrong_dim:
        client.conceptualize(vector=[1.0, 2.0])

    assert _code(empty) == INVALID and "input" in _details(empty)
    assert _code(unknown) == NOT_FOUND and "unicorn" in _details(unknown)
    assert _code(wrong_dim) == INVALID and "dim 2" in _details(wrong_dim)
