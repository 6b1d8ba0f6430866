"""Build the gRPC server: graph service, health checking and reflection."""

from __future__ import annotations

import logging
from concurrent import futures
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from sqlalchemy import Engine

from embeddings.search import ConceptSearcher
from graph.db import create_session_factory
from service._generated.conceptkg.v1 import (
    concepts_pb2,
    concepts_pb2_grpc,
    graph_pb2,
    graph_pb2_grpc,
    sae_pb2,
    sae_pb2_grpc,
)
from service.servicers.concepts import ConceptServicer, IndexState
from service.servicers.graph import GraphServicer
from service.servicers.sae import SAEServicer
from service.settings import Settings

logger = logging.getLogger(__name__)

GRAPH_SERVICE = graph_pb2.DESCRIPTOR.services_by_name["GraphService"].full_name
CONCEPT_SERVICE = concepts_pb2.DESCRIPTOR.services_by_name["ConceptService"].full_name
SAE_SERVICE = sae_pb2.DESCRIPTOR.services_by_name["SAEService"].full_name


@dataclass
class RunningServer:
    """A started server, the port it bound and its health servicer."""

    server: grpc.Server
    port: int
    health: health.HealthServicer

    def stop(self, grace_s: float) -> None:
        """Report NOT_SERVING, then stop, letting requests finish within grace_s."""
        self.health.enter_graceful_shutdown()
        self.server.stop(grace_s).wait()
        logger.info("server_stopped port=%d", self.port)


def create_server(
    settings: Settings, engine: Engine, searcher: ConceptSearcher | None = None
) -> RunningServer:
    """Create and start a server on ``settings.host:settings.port``.

    Port 0 binds a free port; the bound one is returned. Without a searcher
    the concept RPCs answer FAILED_PRECONDITION.

    Raises:
        RuntimeError: when the address cannot be bound.
    """
    options = [
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
    ]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=settings.max_workers),
        options=options,
    )
    sessions = create_session_factory(engine)
    graph_pb2_grpc.add_GraphServiceServicer_to_server(
        GraphServicer(sessions, settings), server
    )
    state = IndexState(searcher, salience_weight=settings.salience_weight)
    concepts_pb2_grpc.add_ConceptServiceServicer_to_server(
        ConceptServicer(sessions, settings, state), server
    )
    sae_pb2_grpc.add_SAEServiceServicer_to_server(
        SAEServicer(sessions, settings, state), server
    )
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (
            GRAPH_SERVICE,
            CONCEPT_SERVICE,
            SAE_SERVICE,
            health.SERVICE_NAME,
            reflection.SERVICE_NAME,
        ),
        server,
    )
    address = f"{settings.host}:{settings.port}"
    try:
        port = server.add_insecure_port(address)
    except RuntimeError as error:
        raise RuntimeError(f"cannot bind gRPC server to {address}") from error
    server.start()
    for service in ("", GRAPH_SERVICE, CONCEPT_SERVICE, SAE_SERVICE):
        health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    logger.info("server_started address=%s:%d", settings.host, port)
    return RunningServer(server=server, port=port, health=health_servicer)
