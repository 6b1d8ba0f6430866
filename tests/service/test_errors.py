"""Error paths of the GraphService: each bad value gets its status code and name."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from sqlalchemy import Engine

from graph.db import create_db_engine
from service._generated.conceptkg.v1 import graph_pb2 as pb
from service._generated.conceptkg.v1 import graph_pb2_grpc
from service.server import create_server
from tests.service.conftest import (
    MAX_BATCH_SIZE,
    MAX_MESSAGE_BYTES,
    MAX_PAGE_SIZE,
    MAX_PATH_HOPS,
    MAX_SUBGRAPH_HOPS,
    make_settings,
)

Stub = graph_pb2_grpc.GraphServiceStub
Code = grpc.StatusCode


def _rpc_error(call: Callable[[], object]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


def _assert_status(call: Callable[[], object], code: Code, *named: str) -> str:
    """Check the status code, and that the detail names every given value."""
    error = _rpc_error(call)
    detail: str = error.details()  # type: ignore[attr-defined]
    assert error.code() == code, detail  # type: ignore[attr-defined]
    for value in named:
        assert value in detail
    return detail


def _one_edge(start: str = "/c/en/ok", weight: float = 1.0) -> pb.EdgeInput:
    return pb.EdgeInput(
        relation="/r/IsA", start=start, end="/c/en/thing", weight=weight
    )


# Malformed URIs -> INVALID_ARGUMENT -------------------------------------------


@pytest.mark.parametrize(
    "uri", ["dog", "/c/en", "/c/EN/dog", "/c/en/dog/x", "/c/en/a b"]
)
def test_get_concept_malformed_uri_is_invalid_argument(stub: Stub, uri: str) -> None:
    request = pb.GetConceptRequest(uri=uri)

    _assert_status(lambda: stub.GetConcept(request), Code.INVALID_ARGUMENT, repr(uri))


def test_get_concept_empty_uri_is_invalid_argument(stub: Stub) -> None:
    request = pb.GetConceptRequest(uri="")

    detail = _assert_status(lambda: stub.GetConcept(request), Code.INVALID_ARGUMENT)
    assert "empty" in detail


def test_query_edges_malformed_relation_is_invalid_argument(stub: Stub) -> None:
    request = pb.QueryEdgesRequest(relation="IsA")

    _assert_status(lambda: stub.QueryEdges(request), Code.INVALID_ARGUMENT, "'IsA'")


def test_neighbors_unknown_direction_is_invalid_argument(stub: Stub) -> None:
    request = pb.NeighborsRequest(uri="/c/en/dog", direction=7)  # type: ignore[arg-type]

    _assert_status(
        lambda: stub.Neighbors(request), Code.INVALID_ARGUMENT, "direction 7"
    )


def test_neighbors_malformed_uri_is_invalid_argument(stub: Stub) -> None:
    request = pb.NeighborsRequest(uri="/r/IsA")

    _assert_status(lambda: stub.Neighbors(request), Code.INVALID_ARGUMENT, "/r/IsA")


def test_delete_edges_malformed_uri_is_invalid_argument_and_deletes_nothing(
    stub: Stub,
) -> None:
    good = "/a/[/r/IsA/,/c/en/cat/,/c/en/animal/]"
    request = pb.DeleteEdgesRequest(uris=[good, "/a/nonsense"])

    _assert_status(
        lambda: stub.DeleteEdges(request), Code.INVALID_ARGUMENT, "/a/nonsense"
    )

    assert stub.Stats(pb.StatsRequest()).edges_by_relation["/r/IsA"] == 3


def test_shortest_path_malformed_end_is_invalid_argument(stub: Stub) -> None:
    request = pb.ShortestPathRequest(start="/c/en/dog", end="/c/en/")

    _assert_status(lambda: stub.ShortestPath(request), Code.INVALID_ARGUMENT, "/c/en/")


# Unknown concepts and relations -> NOT_FOUND ----------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.GetConcept(pb.GetConceptRequest(uri="/c/en/unicorn")),
        lambda s: s.QueryEdges(pb.QueryEdgesRequest(node="/c/en/unicorn")),
        lambda s: s.Neighbors(pb.NeighborsRequest(uri="/c/en/unicorn")),
        lambda s: s.Subgraph(pb.SubgraphRequest(uri="/c/en/unicorn")),
        lambda s: s.ShortestPath(
            pb.ShortestPathRequest(start="/c/en/dog", end="/c/en/unicorn")
        ),
    ],
    ids=["GetConcept", "QueryEdges", "Neighbors", "Subgraph", "ShortestPath"],
)
def test_rpc_unknown_concept_is_not_found(
    stub: Stub, call: Callable[[Stub], object]
) -> None:
    _assert_status(lambda: call(stub), Code.NOT_FOUND, "'/c/en/unicorn'")


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.QueryEdges(pb.QueryEdgesRequest(relation="/r/Flies")),
        lambda s: s.Neighbors(
            pb.NeighborsRequest(uri="/c/en/dog", relation="/r/Flies")
        ),
        lambda s: s.Subgraph(pb.SubgraphRequest(uri="/c/en/dog", relation="/r/Flies")),
    ],
    ids=["QueryEdges", "Neighbors", "Subgraph"],
)
def test_rpc_unknown_relation_is_not_found(
    stub: Stub, call: Callable[[Stub], object]
) -> None:
    detail = _assert_status(lambda: call(stub), Code.NOT_FOUND, "'/r/Flies'")
    assert "relation" in detail


# Page tokens and limits -------------------------------------------------------


def test_query_edges_garbled_page_token_is_invalid_argument(stub: Stub) -> None:
    request = pb.QueryEdgesRequest(page_token="not-a-token!")

    _assert_status(
        lambda: stub.QueryEdges(request), Code.INVALID_ARGUMENT, "'not-a-token!'"
    )


def test_query_edges_token_of_other_query_is_invalid_argument(stub: Stub) -> None:
    token = stub.QueryEdges(pb.QueryEdgesRequest(limit=2)).next_page_token
    request = pb.QueryEdgesRequest(start="/c/en/zoo", limit=2, page_token=token)

    detail = _assert_status(
        lambda: stub.QueryEdges(request), Code.INVALID_ARGUMENT, token
    )
    assert "same filters" in detail


def test_query_edges_limit_above_max_is_resource_exhausted(stub: Stub) -> None:
    limit = MAX_PAGE_SIZE + 1
    request = pb.QueryEdgesRequest(limit=limit)

    _assert_status(
        lambda: stub.QueryEdges(request),
        Code.RESOURCE_EXHAUSTED,
        f"limit {limit}",
        str(MAX_PAGE_SIZE),
    )


def test_query_edges_limit_at_max_is_accepted(stub: Stub) -> None:
    page = stub.QueryEdges(pb.QueryEdgesRequest(limit=MAX_PAGE_SIZE))

    assert len(page.edges) == stub.Stats(pb.StatsRequest()).edges
    assert page.next_page_token == ""


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.QueryEdges(pb.QueryEdgesRequest(limit=-3)),
        lambda s: s.Neighbors(pb.NeighborsRequest(uri="/c/en/dog", limit=-3)),
        lambda s: s.Subgraph(pb.SubgraphRequest(uri="/c/en/dog", hops=-3)),
        lambda s: s.Subgraph(pb.SubgraphRequest(uri="/c/en/dog", max_nodes=-3)),
        lambda s: s.ShortestPath(
            pb.ShortestPathRequest(start="/c/en/dog", end="/c/en/cat", max_hops=-3)
        ),
        lambda s: s.ShortestPath(
            pb.ShortestPathRequest(start="/c/en/dog", end="/c/en/cat", max_paths=-3)
        ),
        lambda s: s.Stats(pb.StatsRequest(top=-3)),
    ],
    ids=[
        "QueryEdges.limit",
        "Neighbors.limit",
        "Subgraph.hops",
        "Subgraph.max_nodes",
        "ShortestPath.max_hops",
        "ShortestPath.max_paths",
        "Stats.top",
    ],
)
def test_rpc_negative_size_is_invalid_argument(
    stub: Stub, call: Callable[[Stub], object]
) -> None:
    detail = _assert_status(lambda: call(stub), Code.INVALID_ARGUMENT, "-3")
    assert detail.startswith("invalid ")


def test_neighbors_limit_above_max_is_resource_exhausted(stub: Stub) -> None:
    request = pb.NeighborsRequest(uri="/c/en/dog", limit=MAX_PAGE_SIZE + 1)

    _assert_status(
        lambda: stub.Neighbors(request),
        Code.RESOURCE_EXHAUSTED,
        str(MAX_PAGE_SIZE + 1),
    )


def test_subgraph_hops_above_cap_is_resource_exhausted(stub: Stub) -> None:
    hops = MAX_SUBGRAPH_HOPS + 1
    request = pb.SubgraphRequest(uri="/c/en/dog", hops=hops)

    _assert_status(
        lambda: stub.Subgraph(request),
        Code.RESOURCE_EXHAUSTED,
        f"hops {hops}",
        str(MAX_SUBGRAPH_HOPS),
    )


def test_subgraph_max_nodes_above_cap_is_resource_exhausted(stub: Stub) -> None:
    request = pb.SubgraphRequest(uri="/c/en/dog", max_nodes=10_000)

    _assert_status(
        lambda: stub.Subgraph(request), Code.RESOURCE_EXHAUSTED, "max_nodes 10000"
    )


def test_shortest_path_hops_above_cap_is_resource_exhausted(stub: Stub) -> None:
    hops = MAX_PATH_HOPS + 1
    request = pb.ShortestPathRequest(start="/c/en/dog", end="/c/en/cat", max_hops=hops)

    _assert_status(
        lambda: stub.ShortestPath(request),
        Code.RESOURCE_EXHAUSTED,
        f"max_hops {hops}",
        str(MAX_PATH_HOPS),
    )


# Writes: every bad message rolls the whole stream back ------------------------


def test_upsert_edges_too_many_edges_is_resource_exhausted(stub: Stub) -> None:
    size = MAX_BATCH_SIZE + 1
    edges = [_one_edge(f"/c/en/item_{i}") for i in range(size)]
    stream = [pb.UpsertEdgesRequest(edges=edges)]

    _assert_status(
        lambda: stub.UpsertEdges(iter(stream)),
        Code.RESOURCE_EXHAUSTED,
        f"batch size {size}",
        str(MAX_BATCH_SIZE),
    )


def test_upsert_concepts_too_many_concepts_is_resource_exhausted(stub: Stub) -> None:
    size = MAX_BATCH_SIZE + 1
    concepts = [pb.ConceptInput(uri=f"/c/en/item_{i}") for i in range(size)]
    stream = [pb.UpsertConceptsRequest(concepts=concepts)]

    _assert_status(
        lambda: stub.UpsertConcepts(iter(stream)),
        Code.RESOURCE_EXHAUSTED,
        f"batch size {size}",
    )


def test_upsert_edges_message_above_max_bytes_is_resource_exhausted(
    stub: Stub, caplog: pytest.LogCaptureFixture
) -> None:
    big = _one_edge("/c/en/big")
    big.surface_text = "x" * (MAX_MESSAGE_BYTES + 1)
    stream = [
        pb.UpsertEdgesRequest(edges=[_one_edge("/c/en/first_message")]),
        pb.UpsertEdgesRequest(edges=[big]),
    ]
    before = stub.Stats(pb.StatsRequest()).edges

    _assert_status(
        lambda: stub.UpsertEdges(iter(stream)),
        Code.RESOURCE_EXHAUSTED,
        str(MAX_MESSAGE_BYTES),
    )

    assert stub.Stats(pb.StatsRequest()).edges == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_query_edges_request_above_max_bytes_is_resource_exhausted(
    stub: Stub,
) -> None:
    request = pb.QueryEdgesRequest(dataset="d" * (MAX_MESSAGE_BYTES + 1))

    _assert_status(
        lambda: stub.QueryEdges(request),
        Code.RESOURCE_EXHAUSTED,
        str(MAX_MESSAGE_BYTES),
    )


@pytest.mark.parametrize("weight", [float("nan"), float("inf"), float("-inf")])
def test_upsert_edges_non_finite_weight_is_invalid_argument(
    stub: Stub, weight: float
) -> None:
    stream = [pb.UpsertEdgesRequest(edges=[_one_edge(weight=weight)])]

    _assert_status(
        lambda: stub.UpsertEdges(iter(stream)),
        Code.INVALID_ARGUMENT,
        f"invalid weight {weight!r}",
    )


def test_upsert_edges_bad_uri_in_second_message_writes_nothing(stub: Stub) -> None:
    def stream() -> Iterator[pb.UpsertEdgesRequest]:
        yield pb.UpsertEdgesRequest(edges=[_one_edge("/c/en/first_message")])
        yield pb.UpsertEdgesRequest(edges=[_one_edge("/c/en/second"), _one_edge("cat")])

    before = stub.Stats(pb.StatsRequest())

    _assert_status(lambda: stub.UpsertEdges(stream()), Code.INVALID_ARGUMENT, "'cat'")

    after = stub.Stats(pb.StatsRequest())
    assert (after.edges, after.concepts) == (before.edges, before.concepts)
    request = pb.GetConceptRequest(uri="/c/en/first_message")
    _assert_status(lambda: stub.GetConcept(request), Code.NOT_FOUND, request.uri)


def test_upsert_concepts_bad_uri_in_second_message_writes_nothing(stub: Stub) -> None:
    stream = [
        pb.UpsertConceptsRequest(concepts=[pb.ConceptInput(uri="/c/en/first_message")]),
        pb.UpsertConceptsRequest(concepts=[pb.ConceptInput(uri="/c/en/dog/zz")]),
    ]
    before = stub.Stats(pb.StatsRequest()).concepts

    _assert_status(
        lambda: stub.UpsertConcepts(iter(stream)), Code.INVALID_ARGUMENT, "/c/en/dog/zz"
    )

    assert stub.Stats(pb.StatsRequest()).concepts == before


def test_upsert_edges_too_many_edges_in_later_message_writes_nothing(
    stub: Stub,
) -> None:
    stream = [
        pb.UpsertEdgesRequest(edges=[_one_edge("/c/en/first_message")]),
        pb.UpsertEdgesRequest(
            edges=[_one_edge(f"/c/en/item_{i}") for i in range(MAX_BATCH_SIZE + 1)]
        ),
    ]
    before = stub.Stats(pb.StatsRequest()).edges

    _assert_status(lambda: stub.UpsertEdges(iter(stream)), Code.RESOURCE_EXHAUSTED)

    assert stub.Stats(pb.StatsRequest()).edges == before


def test_delete_edges_too_many_uris_is_resource_exhausted(stub: Stub) -> None:
    uris = [f"/a/[/r/IsA/,/c/en/x{i}/,/c/en/y/]" for i in range(MAX_BATCH_SIZE + 1)]

    _assert_status(
        lambda: stub.DeleteEdges(pb.DeleteEdgesRequest(uris=uris)),
        Code.RESOURCE_EXHAUSTED,
        str(MAX_BATCH_SIZE + 1),
    )


# The database is down -> UNAVAILABLE ------------------------------------------


def _sqlite_in_removed_folder(tmp_path: Path) -> Engine:
    folder = tmp_path / "gone"
    engine = create_db_engine(f"sqlite:///{folder / 'graph.db'}")
    os.rmdir(folder)
    return engine


def _postgres_on_closed_port(tmp_path: Path) -> Engine:
    return create_db_engine(
        "postgresql+psycopg://postgres@127.0.0.1:1/conceptkg?connect_timeout=2"
    )


@pytest.fixture(
    params=[
        _sqlite_in_removed_folder,
        pytest.param(_postgres_on_closed_port, marks=pytest.mark.postgres),
    ],
    ids=["sqlite", "postgres"],
)
def down_stub(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[graph_pb2_grpc.GraphServiceStub]:
    """A stub on a server whose database cannot be reached."""
    engine = request.param(tmp_path)
    running = create_server(make_settings(), engine)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            yield graph_pb2_grpc.GraphServiceStub(channel)
    finally:
        running.stop(0)
        engine.dispose()


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.GetConcept(pb.GetConceptRequest(uri="/c/en/dog")),
        lambda s: s.Stats(pb.StatsRequest()),
        lambda s: s.UpsertEdges(iter([pb.UpsertEdgesRequest(edges=[_one_edge()])])),
    ],
    ids=["GetConcept", "Stats", "UpsertEdges"],
)
def test_rpc_database_down_is_unavailable(
    down_stub: Stub, call: Callable[[Stub], object]
) -> None:
    detail = _assert_status(lambda: call(down_stub), Code.UNAVAILABLE, "database")

    assert "127.0.0.1:1" not in detail
    assert "sqlite" not in detail.lower()
