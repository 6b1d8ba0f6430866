"""Conversions between protobuf messages and graph records; nothing else."""

from __future__ import annotations

from typing import Any

import networkx as nx

from graph.algorithms import WeightedPath
from graph.errors import InvalidQuery
from graph.records import (
    ConceptInput,
    ConceptRecord,
    Direction,
    EdgeFilter,
    EdgeInput,
    EdgeRecord,
    GraphStats,
    Neighbor,
    WriteCounts,
)
from service._generated.conceptkg.v1 import graph_pb2 as pb

_DIRECTIONS: dict[int, Direction] = {
    pb.DIRECTION_UNSPECIFIED: "both",
    pb.DIRECTION_BOTH: "both",
    pb.DIRECTION_OUT: "out",
    pb.DIRECTION_IN: "in",
}
_DIRECTION_ENUM = {"out": pb.DIRECTION_OUT, "in": pb.DIRECTION_IN}


def concept_message(record: ConceptRecord) -> pb.Concept:
    """A Concept message from a stored concept."""
    return pb.Concept(
        uri=record.uri,
        lang=record.lang,
        label=record.label,
        pos=record.pos or "",
        sense=record.sense or "",
        degree=record.degree,
        external_urls=list(record.external_urls),
    )


def edge_message(record: EdgeRecord) -> pb.Edge:
    """An Edge message from a stored edge; source values become strings."""
    return pb.Edge(
        uri=record.uri,
        relation=record.relation,
        start=record.start,
        end=record.end,
        weight=record.weight,
        dataset=record.dataset,
        license=record.license,
        sources=[_source_message(source) for source in record.sources],
        surface_text=record.surface_text or "",
    )


def edge_filter(request: pb.QueryEdgesRequest) -> EdgeFilter:
    """The store filter of a QueryEdges request; empty fields do not filter."""
    return EdgeFilter(
        start=request.start or None,
        end=request.end or None,
        relation=request.relation or None,
        node=request.node or None,
        dataset=request.dataset or None,
    )


def direction(value: int) -> Direction:
    """The store direction of a Direction enum value.

    Raises:
        InvalidQuery: the value is not a member of the Direction enum.
    """
    if value not in _DIRECTIONS:
        raise InvalidQuery("direction", value, "a Direction enum value (0 to 3)")
    return _DIRECTIONS[value]


def neighbor_message(neighbor: Neighbor) -> pb.Neighbor:
    """A Neighbor message."""
    return pb.Neighbor(
        uri=neighbor.concept,
        label=neighbor.label,
        direction=_DIRECTION_ENUM[neighbor.direction],
        edge=edge_message(neighbor.edge),
    )


def subgraph_response(graph: nx.MultiDiGraph) -> pb.SubgraphResponse:
    """A SubgraphResponse listing the graph's nodes and edges."""
    nodes = [
        pb.SubgraphNode(uri=uri, label=data.get("label", ""), hop=data.get("hop", 0))
        for uri, data in graph.nodes(data=True)
    ]
    edges = [
        pb.Edge(
            uri=key,
            relation=data["relation"],
            start=start,
            end=end,
            weight=data["weight"],
        )
        for start, end, key, data in graph.edges(keys=True, data=True)
    ]
    return pb.SubgraphResponse(
        nodes=nodes, edges=edges, truncated=bool(graph.graph.get("truncated"))
    )


def path_message(path: WeightedPath) -> pb.Path:
    """A Path message; each step's edge carries relation and weight."""
    steps = [
        pb.PathStep(
            from_uri=step.source,
            to_uri=step.target,
            forward=step.forward,
            edge=pb.Edge(
                uri=step.edge_uri,
                relation=step.relation,
                start=step.source if step.forward else step.target,
                end=step.target if step.forward else step.source,
                weight=step.weight,
            ),
        )
        for step in path.steps
    ]
    return pb.Path(concepts=path.nodes, steps=steps, cost=path.cost)


def concept_inputs(request: pb.UpsertConceptsRequest) -> list[ConceptInput]:
    """The concepts of one UpsertConcepts message."""
    return [ConceptInput(uri=c.uri, label=c.label or None) for c in request.concepts]


def edge_inputs(request: pb.UpsertEdgesRequest) -> list[EdgeInput]:
    """The edges of one UpsertEdges message, with defaults for empty fields."""
    defaults = EdgeInput(relation="", start="", end="")
    return [
        EdgeInput(
            relation=e.relation,
            start=e.start,
            end=e.end,
            weight=e.weight if e.HasField("weight") else defaults.weight,
            dataset=e.dataset or defaults.dataset,
            license=e.license or defaults.license,
            sources=[dict(source.fields) for source in e.sources],
            surface_text=e.surface_text or None,
        )
        for e in request.edges
    ]


def upsert_response(counts: WriteCounts) -> pb.UpsertResponse:
    """An UpsertResponse with the totals of a stream."""
    return pb.UpsertResponse(
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
        duplicates=counts.duplicates,
    )


def stats_response(stats: GraphStats) -> pb.StatsResponse:
    """A StatsResponse."""
    return pb.StatsResponse(
        concepts=stats.concepts,
        edges=stats.edges,
        relations=stats.relations,
        external_links=stats.external_links,
        edges_by_relation=stats.edges_by_relation,
        edges_by_dataset=stats.edges_by_dataset,
        concepts_by_lang=stats.concepts_by_lang,
    )


def _source_message(source: dict[str, Any]) -> pb.Source:
    return pb.Source(fields={str(k): str(v) for k, v in source.items()})
