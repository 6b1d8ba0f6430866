"""ConceptKGClient against the real test server."""

from __future__ import annotations

import socket

import grpc
import pytest

from service._generated.conceptkg.v1 import graph_pb2 as pb
from service.client import ConceptKGClient
from tests.service.conftest import GRAPH_EDGES, MAX_BATCH_SIZE


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _edges(count: int, start: str = "/c/en/batch") -> list[pb.EdgeInput]:
    return [
        pb.EdgeInput(relation="/r/HasA", start=start, end=f"/c/en/part_{i}", weight=1.0)
        for i in range(count)
    ]


def test_client_wait_ready_running_server_returns(client: ConceptKGClient) -> None:
    client.wait_ready(timeout_s=5)

    assert client.get_concept("/c/en/cat").uri == "/c/en/cat"


def test_client_wait_ready_closed_port_times_out() -> None:
    with ConceptKGClient(f"127.0.0.1:{_free_port()}") as client:
        with pytest.raises(grpc.FutureTimeoutError):
            client.wait_ready(timeout_s=0.3)


def test_client_health_running_server_is_serving(client: ConceptKGClient) -> None:
    assert client.health() == "SERVING"
    assert client.health("conceptkg.v1.GraphService") == "SERVING"


def test_client_get_concept_returns_concept(client: ConceptKGClient) -> None:
    concept = client.get_concept("/c/fr/chien")

    assert (concept.lang, concept.label, concept.degree) == ("fr", "chien", 1)


def test_client_get_concept_unknown_raises_not_found(client: ConceptKGClient) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        client.get_concept("/c/en/unicorn")

    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert "/c/en/unicorn" in raised.value.details()


def test_client_query_edges_filters_by_relation(client: ConceptKGClient) -> None:
    page = client.query_edges(relation="/r/AtLocation", limit=5)

    assert {(e.start, e.end) for e in page.edges} == {
        ("/c/en/dog", "/c/en/house"),
        ("/c/en/cat", "/c/en/house"),
    }
    assert page.next_page_token == ""


def test_client_iter_edges_small_pages_yields_each_edge_once(
    client: ConceptKGClient,
) -> None:
    edges = list(client.iter_edges(page_size=3))
    zoo = list(client.iter_edges(page_size=4, start="/c/en/zoo"))

    assert len({e.uri for e in edges}) == len(edges) == len(GRAPH_EDGES)
    assert len({e.end for e in zoo}) == len(zoo) == 25


def test_client_neighbors_direction_names_map_to_enum(client: ConceptKGClient) -> None:
    out = client.neighbors("/c/en/house", direction="out")
    incoming = client.neighbors("/c/en/house", direction="in")
    both = client.neighbors("/c/en/dog", relation="/r/Synonym")

    assert out == []
    assert [n.uri for n in incoming] == ["/c/en/cat", "/c/en/dog"]
    assert [(n.uri, n.direction) for n in both] == [("/c/fr/chien", pb.DIRECTION_IN)]


def test_client_subgraph_returns_nodes_and_edges(client: ConceptKGClient) -> None:
    graph = client.subgraph("/c/en/animal", hops=1)

    assert {n.uri for n in graph.nodes} == {
        "/c/en/animal",
        "/c/en/dog",
        "/c/en/cat",
        "/c/en/organism",
    }
    assert len(graph.edges) == 3


def test_client_shortest_paths_returns_cheapest(client: ConceptKGClient) -> None:
    (path,) = client.shortest_paths("/c/fr/chien", "/c/en/organism")

    assert list(path.concepts) == [
        "/c/fr/chien",
        "/c/en/dog",
        "/c/en/animal",
        "/c/en/organism",
    ]
    assert [s.edge.relation for s in path.steps] == ["/r/Synonym", "/r/IsA", "/r/IsA"]


def test_client_upsert_edges_batches_stream_in_one_transaction(
    client: ConceptKGClient,
) -> None:
    edges = _edges(MAX_BATCH_SIZE + 50)

    first = client.upsert_edges(edges, batch_size=MAX_BATCH_SIZE)
    second = client.upsert_edges(edges, batch_size=200)

    assert (first.inserted, first.updated, first.unchanged) == (
        MAX_BATCH_SIZE + 50,
        0,
        0,
    )
    assert (second.inserted, second.unchanged) == (0, MAX_BATCH_SIZE + 50)
    assert client.get_concept("/c/en/batch").degree == MAX_BATCH_SIZE + 50


def test_client_upsert_edges_bad_last_batch_writes_nothing(
    client: ConceptKGClient,
) -> None:
    edges = _edges(30) + [pb.EdgeInput(relation="/r/HasA", start="/c/en/x", end="y")]
    before = client.stats().edges

    with pytest.raises(grpc.RpcError) as raised:
        client.upsert_edges(edges, batch_size=10)

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'y'" in raised.value.details()
    assert client.stats().edges == before


def test_client_upsert_concepts_updates_label(client: ConceptKGClient) -> None:
    concepts = [
        pb.ConceptInput(uri="/c/en/cat", label="Cat"),
        pb.ConceptInput(uri="/c/en/kitten"),
    ]

    counts = client.upsert_concepts(concepts, batch_size=1)

    assert (counts.inserted, counts.updated, counts.unchanged) == (1, 1, 0)
    assert client.get_concept("/c/en/cat").label == "Cat"
    assert client.get_concept("/c/en/kitten").label == "kitten"


def test_client_delete_edges_removes_edge(client: ConceptKGClient) -> None:
    uri = "/a/[/r/Synonym/,/c/fr/chien/,/c/en/dog/]"

    response = client.delete_edges([uri, uri])

    assert (response.deleted, response.not_found) == (1, 0)
    assert client.get_concept("/c/fr/chien").degree == 0


def test_client_stats_top_limits_groups(client: ConceptKGClient) -> None:
    stats = client.stats(top=2)

    assert stats.edges == len(GRAPH_EDGES)
    assert dict(stats.edges_by_relation) == {"/r/HasA": 25, "/r/IsA": 3}


def test_client_closed_server_raises_unavailable() -> None:
    with ConceptKGClient(f"127.0.0.1:{_free_port()}", timeout_s=5) as client:
        with pytest.raises(grpc.RpcError) as raised:
            client.stats()

    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
