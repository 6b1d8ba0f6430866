"""Fixtures of the gRPC tests: a real server on a free loopback port per test."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from sqlalchemy import Engine

from graph.db import create_session_factory
from graph.records import ConceptInput, EdgeInput
from graph.store import GraphStore
from service._generated.conceptkg.v1 import graph_pb2_grpc
from service.client import ConceptKGClient
from service.server import RunningServer, create_server
from service.settings import Settings

# Small limits, so that every limit error is cheap to provoke.
MAX_PAGE_SIZE = 100
MAX_BATCH_SIZE = 500
MAX_MESSAGE_BYTES = 256 * 1024
MAX_SUBGRAPH_NODES = 200
MAX_SUBGRAPH_HOPS = 3
MAX_PATH_HOPS = 5

# The test graph: a few animals, a hub with many equally weighted edges (so
# that page boundaries fall between ties), and one concept without edges.
GRAPH_EDGES = [
    EdgeInput("/r/IsA", "/c/en/dog", "/c/en/animal", weight=2.0),
    EdgeInput("/r/IsA", "/c/en/cat", "/c/en/animal", weight=1.5),
    EdgeInput("/r/CapableOf", "/c/en/dog", "/c/en/bark", weight=1.0),
    EdgeInput("/r/AtLocation", "/c/en/dog", "/c/en/house", weight=0.5),
    EdgeInput("/r/AtLocation", "/c/en/cat", "/c/en/house", weight=1.0),
    EdgeInput("/r/IsA", "/c/en/animal", "/c/en/organism", weight=1.0),
    EdgeInput(
        "/r/RelatedTo",
        "/c/en/dog",
        "/c/en/puppy/n",
        weight=3.0,
        dataset="/d/wiktionary/en",
        sources=[{"contributor": "/s/resource/wiktionary/en"}],
        surface_text="[[dog]] is related to [[puppy]]",
    ),
    EdgeInput("/r/Synonym", "/c/fr/chien", "/c/en/dog", weight=1.0),
] + [
    EdgeInput("/r/HasA", "/c/en/zoo", f"/c/en/exhibit_{i:02d}", weight=1.0)
    for i in range(25)
]
LONELY_CONCEPT = ConceptInput("/c/en/lonely_island", label="Lonely Island")


def make_settings(**overrides: object) -> Settings:
    """Settings of a test server on a free loopback port with small limits."""
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 0,
        "max_workers": 4,
        "default_page_size": 10,
        "max_page_size": MAX_PAGE_SIZE,
        "max_batch_size": MAX_BATCH_SIZE,
        "max_message_bytes": MAX_MESSAGE_BYTES,
        "max_subgraph_nodes": MAX_SUBGRAPH_NODES,
        "max_subgraph_edges": 1000,
        "max_subgraph_hops": MAX_SUBGRAPH_HOPS,
        "max_path_hops": MAX_PATH_HOPS,
        "max_paths": 5,
        "shutdown_grace_s": 0.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def load_graph(engine: Engine) -> None:
    """Write the test graph through the store and commit it."""
    with create_session_factory(engine).begin() as session:
        store = GraphStore(session)
        store.upsert_edges(GRAPH_EDGES)
        store.upsert_concepts([LONELY_CONCEPT])


@pytest.fixture
def settings() -> Settings:
    """The settings the test server runs with."""
    return make_settings()


@pytest.fixture
def server(engine: Engine, settings: Settings) -> Iterator[RunningServer]:
    """A started server on the test graph, on SQLite and on PostgreSQL."""
    load_graph(engine)
    running = create_server(settings, engine)
    yield running
    running.stop(0)


@pytest.fixture
def address(server: RunningServer) -> str:
    """``host:port`` of the test server."""
    return f"127.0.0.1:{server.port}"


@pytest.fixture
def channel(address: str) -> Iterator[grpc.Channel]:
    """A channel to the test server."""
    with grpc.insecure_channel(address) as channel:
        yield channel


@pytest.fixture
def stub(channel: grpc.Channel) -> graph_pb2_grpc.GraphServiceStub:
    """The generated GraphService stub on the test server."""
    return graph_pb2_grpc.GraphServiceStub(channel)


@pytest.fixture
def client(address: str) -> Iterator[ConceptKGClient]:
    """The Python client on the test server."""
    with ConceptKGClient(address, timeout_s=10.0) as client:
        yield client
