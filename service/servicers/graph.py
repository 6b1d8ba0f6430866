"""GraphService RPCs: proto in, graph store call, proto out."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence

import grpc
from sqlalchemy.orm import Session, sessionmaker

from graph.paths import find_paths
from graph.records import WriteCounts
from graph.store import GraphStore
from service import convert
from service._generated.conceptkg.v1 import graph_pb2 as pb
from service._generated.conceptkg.v1 import graph_pb2_grpc
from service.request_checks import checked_count
from service.settings import Settings
from service.status import StreamGuard, status_from_domain_errors

logger = logging.getLogger(__name__)


class GraphServicer(graph_pb2_grpc.GraphServiceServicer):
    """Serves the graph through one short session per request.

    Args:
        sessions: factory of database sessions.
        settings: limits and defaults of the service.
        on_write: called after a write that may have added concepts has
            committed (the concept index then encodes them).
        on_relabel: called with the relabeled URIs after a write that changed
            concept labels has committed (cached names are then dropped and
            the concepts' text vectors re-encoded).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        on_write: Callable[[], None] | None = None,
        on_relabel: Callable[[Sequence[str]], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._on_write = on_write
        self._on_relabel = on_relabel

    def _store(self, session: Session) -> GraphStore:
        return GraphStore(
            session,
            max_page_size=self._settings.max_page_size,
            max_batch_size=self._settings.max_batch_size,
        )

    def GetConcept(
        self, request: pb.GetConceptRequest, context: grpc.ServicerContext
    ) -> pb.GetConceptResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            record = self._store(session).get_concept(request.uri)
        return pb.GetConceptResponse(concept=convert.concept_message(record))

    def QueryEdges(
        self, request: pb.QueryEdgesRequest, context: grpc.ServicerContext
    ) -> pb.QueryEdgesResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            page = self._store(session).query_edges(
                convert.edge_filter(request),
                limit=request.limit or self._settings.default_page_size,
                page_token=request.page_token,
            )
        return pb.QueryEdgesResponse(
            edges=[convert.edge_message(edge) for edge in page.edges],
            next_page_token=page.next_page_token,
        )

    def Neighbors(
        self, request: pb.NeighborsRequest, context: grpc.ServicerContext
    ) -> pb.NeighborsResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            found = self._store(session).neighbors(
                request.uri,
                relation=request.relation or None,
                direction=convert.direction(request.direction),
                limit=request.limit or self._settings.default_page_size,
            )
        return pb.NeighborsResponse(
            neighbors=[convert.neighbor_message(n) for n in found]
        )

    def Subgraph(
        self, request: pb.SubgraphRequest, context: grpc.ServicerContext
    ) -> pb.SubgraphResponse:
        settings = self._settings
        with status_from_domain_errors(context), self._sessions() as session:
            hops = checked_count("hops", request.hops or 1, settings.max_subgraph_hops)
            max_nodes = checked_count(
                "max_nodes",
                request.max_nodes or settings.max_subgraph_nodes,
                settings.max_subgraph_nodes,
            )
            max_edges = checked_count(
                "max_edges",
                request.max_edges or settings.max_subgraph_edges,
                settings.max_subgraph_edges,
            )
            graph = self._store(session).subgraph(
                request.uri,
                hops=hops,
                max_nodes=max_nodes,
                max_edges=max_edges,
                relation=request.relation or None,
            )
        return convert.subgraph_response(graph)

    def ShortestPath(
        self, request: pb.ShortestPathRequest, context: grpc.ServicerContext
    ) -> pb.ShortestPathResponse:
        settings = self._settings
        with status_from_domain_errors(context), self._sessions() as session:
            max_paths = checked_count(
                "max_paths", request.max_paths or 1, settings.max_paths
            )
            paths = find_paths(
                self._store(session),
                request.start,
                request.end,
                max_hops=request.max_hops or 4,
                max_paths=max_paths,
                hop_limit=settings.max_path_hops,
                max_nodes=settings.max_subgraph_nodes,
            )
        return pb.ShortestPathResponse(paths=[convert.path_message(p) for p in paths])

    def UpsertConcepts(
        self,
        request_iterator: Iterator[pb.UpsertConceptsRequest],
        context: grpc.ServicerContext,
    ) -> pb.UpsertResponse:
        totals = WriteCounts()
        guard = StreamGuard(context)
        with status_from_domain_errors(context), self._sessions.begin() as session:
            store = self._store(session)
            for request in request_iterator:
                totals.add(store.upsert_concepts(convert.concept_inputs(request)))
            guard.require_complete()
        logger.info(
            "concepts_upserted inserted=%d updated=%d", totals.inserted, totals.updated
        )
        self._written(totals)
        return convert.upsert_response(totals)

    def UpsertEdges(
        self,
        request_iterator: Iterator[pb.UpsertEdgesRequest],
        context: grpc.ServicerContext,
    ) -> pb.UpsertResponse:
        totals = WriteCounts()
        guard = StreamGuard(context)
        with status_from_domain_errors(context), self._sessions.begin() as session:
            store = self._store(session)
            for request in request_iterator:
                totals.add(store.upsert_edges(convert.edge_inputs(request)))
            guard.require_complete()
        logger.info(
            "edges_upserted inserted=%d updated=%d", totals.inserted, totals.updated
        )
        self._written(totals)
        return convert.upsert_response(totals)

    def _written(self, totals: WriteCounts) -> None:
        # Edge writes create missing concepts, which the counts do not show.
        if self._on_write is not None and totals.inserted:
            self._on_write()
        if self._on_relabel is not None and totals.relabeled:
            self._on_relabel(totals.relabeled)

    def DeleteEdges(
        self, request: pb.DeleteEdgesRequest, context: grpc.ServicerContext
    ) -> pb.DeleteEdgesResponse:
        with status_from_domain_errors(context), self._sessions.begin() as session:
            deleted = self._store(session).delete_edges(list(request.uris))
        requested = len(set(request.uris))
        logger.info("edges_deleted deleted=%d requested=%d", deleted, requested)
        return pb.DeleteEdgesResponse(deleted=deleted, not_found=requested - deleted)

    def Stats(
        self, request: pb.StatsRequest, context: grpc.ServicerContext
    ) -> pb.StatsResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            top = checked_count("top", request.top or 20, self._settings.max_page_size)
            stats = self._store(session).stats(top=top)
        return convert.stats_response(stats)
