"""A small Python client of the conceptkg gRPC API for other services.

One class, ``ConceptKGClient``, with a method per RPC; its calls are grouped
by service in the private modules of this package.
"""

from __future__ import annotations

from types import TracebackType

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from service._generated.conceptkg.v1 import (
    concepts_pb2_grpc,
    graph_pb2_grpc,
    papers_pb2_grpc,
    sae_pb2_grpc,
    training_pb2_grpc,
)
from service.client._concepts import ConceptCalls
from service.client._graph import GraphCalls
from service.client._papers import PaperCalls
from service.client._sae import NAMING_METHODS, SAECalls
from service.client._training import TrainingCalls

__all__ = ["DEFAULT_ADDRESS", "NAMING_METHODS", "ConceptKGClient"]

DEFAULT_ADDRESS = "127.0.0.1:50051"


class ConceptKGClient(GraphCalls, ConceptCalls, TrainingCalls, PaperCalls, SAECalls):
    """Typed calls to a conceptkg server; errors surface as ``grpc.RpcError``.

    Use as a context manager, or call :meth:`close`.

    Args:
        address: ``host:port`` of the server.
        timeout_s: deadline of each call.
    """

    def __init__(self, address: str = DEFAULT_ADDRESS, *, timeout_s: float = 30.0):
        self._channel = grpc.insecure_channel(address)
        self._graph = graph_pb2_grpc.GraphServiceStub(self._channel)
        self._concepts = concepts_pb2_grpc.ConceptServiceStub(self._channel)
        self._training = training_pb2_grpc.TrainingServiceStub(self._channel)
        self._papers = papers_pb2_grpc.PaperServiceStub(self._channel)
        self._saes = sae_pb2_grpc.SAEServiceStub(self._channel)
        self._timeout = timeout_s

    def __enter__(self) -> ConceptKGClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel."""
        self._channel.close()

    def wait_ready(self, timeout_s: float = 10.0) -> None:
        """Block until the channel is connected, or raise grpc.FutureTimeoutError."""
        grpc.channel_ready_future(self._channel).result(timeout=timeout_s)

    def health(self, service: str = "") -> str:
        """The standard health status of ``service`` ("" = the whole server)."""
        stub = health_pb2_grpc.HealthStub(self._channel)
        request = health_pb2.HealthCheckRequest(service=service)
        response = stub.Check(request, timeout=self._timeout)
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))
