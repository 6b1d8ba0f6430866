"""Graph algorithms on networkx graphs built by the store; no database access."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx

from graph.errors import InvalidQuery


@dataclass(frozen=True)
class PathStep:
    """One edge of a path, walked from ``source`` to ``target``.

    ``forward`` is False when the edge was stored as target -> source.
    """

    source: str
    target: str
    edge_uri: str
    relation: str
    weight: float
    forward: bool


@dataclass(frozen=True)
class WeightedPath:
    """A path between two concepts; ``cost`` sums 1/weight over its edges."""

    nodes: list[str]
    steps: list[PathStep]
    cost: float


def edge_cost(weight: float) -> float:
    """Cost of walking an edge: strong edges are cheap (1 / weight)."""
    return 1.0 / weight


def cheapest_edge_graph(graph: nx.MultiDiGraph) -> nx.Graph:
    """Collapse a multigraph to an undirected graph of the cheapest edges.

    Edges with a weight of 0 or less (negative assertions) are not walked.
    Each kept edge carries ``cost`` and the ``step`` it came from.
    """
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    for start, end, key, data in graph.edges(keys=True, data=True):
        weight = float(data.get("weight", 1.0))
        if weight <= 0 or start == end:
            continue
        cost = edge_cost(weight)
        current = simple.get_edge_data(start, end)
        if current is None or cost < current["cost"]:
            step = PathStep(start, end, key, data.get("relation", ""), weight, True)
            simple.add_edge(start, end, cost=cost, step=step)
    return simple


def shortest_paths(
    graph: nx.MultiDiGraph,
    source: str,
    target: str,
    *,
    max_hops: int,
    max_paths: int = 1,
    max_candidates: int = 100,
) -> list[WeightedPath]:
    """Return up to ``max_paths`` cheapest paths of at most ``max_hops`` edges.

    Edge direction is ignored (a path may walk an edge backwards, recorded in
    :attr:`PathStep.forward`); cost is the sum of 1/weight. Nodes that lie
    on no path of at most ``max_hops`` edges are pruned first (by hop
    distance from both ends); the remaining paths come in increasing cost
    (Yen's algorithm), those longer than ``max_hops`` are skipped, and the
    search stops after ``max_candidates`` of them.

    Args:
        graph: a graph from :meth:`graph.store.GraphStore.subgraph`.
        source: start concept URI, a node of ``graph``.
        target: end concept URI, a node of ``graph``.
        max_hops: the most edges a path may have, >= 1.
        max_paths: how many paths to return, >= 1.
        max_candidates: bound on the paths examined.
    """
    if max_hops < 1:
        raise InvalidQuery("max_hops", max_hops, "an integer >= 1")
    if max_paths < 1:
        raise InvalidQuery("max_paths", max_paths, "an integer >= 1")
    simple = cheapest_edge_graph(graph)
    if source not in simple or target not in simple or source == target:
        return []
    simple = _within_hops(simple, source, target, max_hops)
    if target not in simple:
        return []
    found: list[WeightedPath] = []
    candidates = nx.shortest_simple_paths(simple, source, target, weight="cost")
    for nodes in itertools.islice(candidates, max_candidates):
        if len(nodes) - 1 > max_hops:
            continue
        found.append(_weighted_path(simple, nodes))
        if len(found) >= max_paths:
            break
    return found


def _within_hops(simple: nx.Graph, source: str, target: str, max_hops: int) -> nx.Graph:
    """The subgraph of nodes on some walk of at most ``max_hops`` edges."""
    from_source = nx.single_source_shortest_path_length(simple, source, max_hops)
    from_target = nx.single_source_shortest_path_length(simple, target, max_hops)
    keep = [
        node
        for node, hops in from_source.items()
        if hops + from_target.get(node, max_hops + 1) <= max_hops
    ]
    return simple.subgraph(keep)


def _weighted_path(simple: nx.Graph, nodes: list[str]) -> WeightedPath:
    steps = []
    cost = 0.0
    for here, there in zip(nodes, nodes[1:], strict=False):
        data = simple.edges[here, there]
        stored: PathStep = data["step"]
        forward = stored.source == here
        steps.append(
            PathStep(
                here, there, stored.edge_uri, stored.relation, stored.weight, forward
            )
        )
        cost += data["cost"]
    return WeightedPath(nodes=list(nodes), steps=steps, cost=cost)
