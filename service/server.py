"""Build the gRPC server: graph service, health checking and reflection."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent import futures
from dataclasses import dataclass
from functools import partial

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
    papers_pb2,
    papers_pb2_grpc,
    sae_pb2,
    sae_pb2_grpc,
    training_pb2,
    training_pb2_grpc,
)
from service.index_updater import IndexUpdater
from service.paper_resume import PaperEncodingResume
from service.servicers.concepts import ConceptServicer, IndexState
from service.servicers.graph import GraphServicer
from service.servicers.papers import PaperServicer
from service.servicers.sae import SAEServicer
from service.servicers.training import TrainingServicer
from service.settings import Settings
from service.training_launcher import TrainingLauncher

logger = logging.getLogger(__name__)

GRAPH_SERVICE = graph_pb2.DESCRIPTOR.services_by_name["GraphService"].full_name
CONCEPT_SERVICE = concepts_pb2.DESCRIPTOR.services_by_name["ConceptService"].full_name
TRAINING_SERVICE = training_pb2.DESCRIPTOR.services_by_name["TrainingService"].full_name
PAPER_SERVICE = papers_pb2.DESCRIPTOR.services_by_name["PaperService"].full_name
SAE_SERVICE = sae_pb2.DESCRIPTOR.services_by_name["SAEService"].full_name


@dataclass
class RunningServer:
    """A started server, the port it bound and its health servicer."""

    server: grpc.Server
    port: int
    health: health.HealthServicer
    launcher: TrainingLauncher
    index_updater: IndexUpdater | None = None
    paper_resume: PaperEncodingResume | None = None

    def stop(self, grace_s: float) -> None:
        """Report NOT_SERVING, then stop, letting requests finish within grace_s.

        Training workers are asked to checkpoint and stop (their runs end as
        cancelled and can be resumed with ``conceptkg train --resume``).
        """
        self.health.enter_graceful_shutdown()
        self.server.stop(grace_s).wait()
        self.launcher.stop_all(timeout_s=max(grace_s, 10.0))
        if self.paper_resume is not None:
            self.paper_resume.stop()
        if self.index_updater is not None:
            self.index_updater.stop()
        logger.info("server_stopped port=%d", self.port)


def _relabeled(
    state: IndexState, updater: IndexUpdater | None, uris: Sequence[str]
) -> None:
    """After a relabel: drop cached names, re-encode the concepts' vectors."""
    state.names.clear()
    if updater is not None:
        updater.relabeled(uris)


def create_server(
    settings: Settings, engine: Engine, searcher: ConceptSearcher | None = None
) -> RunningServer:
    """Create and start a server on ``settings.host:settings.port``.

    Port 0 binds a free port; the bound one is returned. Without a searcher
    the concept RPCs answer FAILED_PRECONDITION; with one, concepts that
    graph writes add are encoded and indexed in a background thread, and
    papers that an earlier ingest left without vectors are encoded in
    another.

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
    state = IndexState(searcher, salience_weight=settings.salience_weight)
    updater = (
        IndexUpdater(sessions, searcher, on_added=state.forget_cached_ids)
        if searcher is not None
        else None
    )
    graph_pb2_grpc.add_GraphServiceServicer_to_server(
        GraphServicer(
            sessions,
            settings,
            on_write=updater.notify if updater else None,
            on_relabel=partial(_relabeled, state, updater),
        ),
        server,
    )
    concepts_pb2_grpc.add_ConceptServiceServicer_to_server(
        ConceptServicer(sessions, settings, state), server
    )
    papers = PaperServicer(
        sessions, settings, state, on_write=updater.notify if updater else None
    )
    papers_pb2_grpc.add_PaperServiceServicer_to_server(papers, server)
    resume = (
        PaperEncodingResume(
            sessions, searcher.encoder, on_encoded=papers.vectors_written
        )
        if searcher is not None
        else None
    )
    sae_pb2_grpc.add_SAEServiceServicer_to_server(
        SAEServicer(sessions, settings, state), server
    )
    launcher = TrainingLauncher(
        sessions,
        database_url=engine.url.render_as_string(hide_password=False),
        datasets_dir=settings.datasets_dir,
        log_level=settings.log_level,
    )
    launcher.fail_lost_runs()
    training_pb2_grpc.add_TrainingServiceServicer_to_server(
        TrainingServicer(sessions, settings, launcher), server
    )
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (
            GRAPH_SERVICE,
            CONCEPT_SERVICE,
            PAPER_SERVICE,
            TRAINING_SERVICE,
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
    if updater is not None:
        updater.start()
    if resume is not None:
        resume.start()
    services = (
        "",
        GRAPH_SERVICE,
        CONCEPT_SERVICE,
        PAPER_SERVICE,
        SAE_SERVICE,
        TRAINING_SERVICE,
    )
    for service in services:
        health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    logger.info("server_started address=%s:%d", settings.host, port)
    return RunningServer(
        server=server,
        port=port,
        health=health_servicer,
        launcher=launcher,
        index_updater=updater,
        paper_resume=resume,
    )
