"""The server around the graph service: health, reflection and graceful stop."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from sqlalchemy import Engine

from service._generated.conceptkg.v1 import graph_pb2 as pb
from service._generated.conceptkg.v1 import graph_pb2_grpc
from service.server import GRAPH_SERVICE, RunningServer, create_server
from tests.service.conftest import load_graph, make_settings

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture
def own_server(engine: Engine) -> Iterator[RunningServer]:
    """A server that the test stops itself; stopped again in teardown."""
    load_graph(engine)
    running = create_server(make_settings(), engine)
    yield running
    running.stop(0)


def _port_refuses(port: int) -> bool:
    """Whether a TCP connect to the port is refused (a reset counts as not yet)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:
        return False


def _wait_until_refused(port: int, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _port_refuses(port):
            return True
        time.sleep(0.02)
    return False


# Health and reflection --------------------------------------------------------


@pytest.mark.parametrize("service", ["", "conceptkg.v1.GraphService"])
def test_health_check_running_server_is_serving(
    channel: grpc.Channel, service: str
) -> None:
    health = health_pb2_grpc.HealthStub(channel)

    response = health.Check(health_pb2.HealthCheckRequest(service=service))

    assert response.status == SERVING


def test_health_check_unknown_service_is_not_found(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)

    with pytest.raises(grpc.RpcError) as raised:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))

    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_list_services_names_graph_and_health(
    channel: grpc.Channel,
) -> None:
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")

    (response,) = reflection.ServerReflectionInfo(iter([request]))

    names = {s.name for s in response.list_services_response.service}
    assert GRAPH_SERVICE == "conceptkg.v1.GraphService"
    assert {"conceptkg.v1.GraphService", "grpc.health.v1.Health"} <= names


def test_reflection_file_of_graph_service_describes_its_methods(
    channel: grpc.Channel,
) -> None:
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(
        file_containing_symbol="conceptkg.v1.GraphService"
    )

    (response,) = reflection.ServerReflectionInfo(iter([request]))

    (raw,) = response.file_descriptor_response.file_descriptor_proto
    proto = descriptor_pb2.FileDescriptorProto.FromString(raw)
    (service,) = proto.service
    assert proto.package == "conceptkg.v1"
    assert {m.name for m in service.method} == {
        "GetConcept",
        "QueryEdges",
        "Neighbors",
        "Subgraph",
        "ShortestPath",
        "UpsertConcepts",
        "UpsertEdges",
        "DeleteEdges",
        "Stats",
    }


# Graceful stop ----------------------------------------------------------------


def test_stop_lets_in_flight_stream_finish_then_refuses(
    own_server: RunningServer,
) -> None:
    address = f"127.0.0.1:{own_server.port}"
    release = threading.Event()

    def stream() -> Iterator[pb.UpsertEdgesRequest]:
        edge = pb.EdgeInput(relation="/r/IsA", start="/c/en/late", end="/c/en/thing")
        yield pb.UpsertEdgesRequest(edges=[edge])
        release.wait(timeout=10)
        edge = pb.EdgeInput(relation="/r/IsA", start="/c/en/later", end="/c/en/thing")
        yield pb.UpsertEdgesRequest(edges=[edge])

    with grpc.insecure_channel(address) as channel:
        stub = graph_pb2_grpc.GraphServiceStub(channel)
        in_flight = stub.UpsertEdges.future(stream(), timeout=20)
        # A later call on the same connection completing means the server
        # has taken the stream before stop() begins.
        stub.Stats(pb.StatsRequest(), timeout=5)
        stopper = threading.Thread(target=own_server.stop, args=(10.0,))
        stopper.start()
        refused_while_in_flight = _wait_until_refused(own_server.port)
        still_stopping = stopper.is_alive() and not in_flight.done()
        release.set()
        counts = in_flight.result(timeout=10)
        stopper.join(timeout=10)

    assert refused_while_in_flight
    assert still_stopping
    assert not stopper.is_alive()
    assert counts.inserted == 2
    with grpc.insecure_channel(address) as fresh:
        late = graph_pb2_grpc.GraphServiceStub(fresh)
        with pytest.raises(grpc.RpcError) as rejected:
            late.Stats(pb.StatsRequest(), timeout=5)
    assert rejected.value.code() == grpc.StatusCode.UNAVAILABLE


def test_stop_reports_not_serving_to_health_watchers(
    own_server: RunningServer,
) -> None:
    address = f"127.0.0.1:{own_server.port}"

    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest(service=GRAPH_SERVICE)
        watch = health.Watch(request, timeout=10)
        first = next(watch)
        stopper = threading.Thread(target=own_server.stop, args=(0.5,))
        stopper.start()
        during = next(watch)
        stopper.join(timeout=10)

    assert first.status == SERVING
    assert during.status == NOT_SERVING
    assert _port_refuses(own_server.port)
