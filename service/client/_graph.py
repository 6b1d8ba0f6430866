"""GraphService calls of the client."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from service._generated.conceptkg.v1 import graph_pb2 as pb
from service.client._base import CallsBase, batched

_DIRECTIONS = {
    "both": pb.DIRECTION_BOTH,
    "out": pb.DIRECTION_OUT,
    "in": pb.DIRECTION_IN,
}


class GraphCalls(CallsBase):
    """GraphService calls of the client."""

    def get_concept(self, uri: str) -> pb.Concept:
        """The concept stored under ``uri``."""
        request = pb.GetConceptRequest(uri=uri)
        return self._graph.GetConcept(request, timeout=self._timeout).concept

    def query_edges(
        self,
        *,
        start: str = "",
        end: str = "",
        relation: str = "",
        node: str = "",
        dataset: str = "",
        limit: int = 0,
        page_token: str = "",
    ) -> pb.QueryEdgesResponse:
        """One page of edges, strongest first."""
        request = pb.QueryEdgesRequest(
            start=start,
            end=end,
            relation=relation,
            node=node,
            dataset=dataset,
            limit=limit,
            page_token=page_token,
        )
        return self._graph.QueryEdges(request, timeout=self._timeout)

    def iter_edges(self, *, page_size: int = 0, **filters: str) -> Iterator[pb.Edge]:
        """Every matching edge, following page tokens to the end."""
        token = ""
        while True:
            page = self.query_edges(limit=page_size, page_token=token, **filters)
            yield from page.edges
            token = page.next_page_token
            if not token:
                return

    def neighbors(
        self, uri: str, *, relation: str = "", direction: str = "both", limit: int = 0
    ) -> list[pb.Neighbor]:
        """Concepts linked to ``uri``; direction is out, in or both."""
        request = pb.NeighborsRequest(
            uri=uri, relation=relation, direction=_DIRECTIONS[direction], limit=limit
        )
        return list(self._graph.Neighbors(request, timeout=self._timeout).neighbors)

    def subgraph(
        self, uri: str, *, hops: int = 1, max_nodes: int = 0, relation: str = ""
    ) -> pb.SubgraphResponse:
        """The neighborhood of ``uri`` within ``hops`` edges."""
        request = pb.SubgraphRequest(
            uri=uri, hops=hops, max_nodes=max_nodes, relation=relation
        )
        return self._graph.Subgraph(request, timeout=self._timeout)

    def shortest_paths(
        self, start: str, end: str, *, max_hops: int = 4, max_paths: int = 1
    ) -> list[pb.Path]:
        """The cheapest paths between two concepts (cost = sum of 1/weight)."""
        request = pb.ShortestPathRequest(
            start=start, end=end, max_hops=max_hops, max_paths=max_paths
        )
        return list(self._graph.ShortestPath(request, timeout=self._timeout).paths)

    def upsert_edges(
        self, edges: Iterable[pb.EdgeInput], *, batch_size: int = 5000
    ) -> pb.UpsertResponse:
        """Stream edges in messages of ``batch_size``; one transaction in all."""
        return self._graph.UpsertEdges(
            batched(edges, batch_size, lambda b: pb.UpsertEdgesRequest(edges=b)),
            timeout=self._timeout,
        )

    def upsert_concepts(
        self, concepts: Iterable[pb.ConceptInput], *, batch_size: int = 5000
    ) -> pb.UpsertResponse:
        """Stream concepts in messages of ``batch_size``; one transaction in all."""
        return self._graph.UpsertConcepts(
            batched(
                concepts, batch_size, lambda b: pb.UpsertConceptsRequest(concepts=b)
            ),
            timeout=self._timeout,
        )

    def delete_edges(self, uris: Iterable[str]) -> pb.DeleteEdgesResponse:
        """Delete edges by URI."""
        request = pb.DeleteEdgesRequest(uris=list(uris))
        return self._graph.DeleteEdges(request, timeout=self._timeout)

    def stats(self, *, top: int = 0) -> pb.StatsResponse:
        """Sizes of the graph."""
        return self._graph.Stats(pb.StatsRequest(top=top), timeout=self._timeout)
