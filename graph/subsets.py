"""Concept subsets for filtered search: a neighbourhood, or everything under an IsA."""

from __future__ import annotations

import networkx as nx

from graph.store import GraphStore

ISA = "/r/IsA"


def neighborhood_uris(
    store: GraphStore, uri: str, *, hops: int, max_nodes: int
) -> set[str]:
    """Concepts within ``hops`` edges of ``uri`` (itself included)."""
    graph = store.subgraph(uri, hops=hops, max_nodes=max_nodes, max_edges=max_nodes * 4)
    return set(graph.nodes)


def isa_descendant_uris(
    store: GraphStore, uri: str, *, max_hops: int, max_nodes: int
) -> set[str]:
    """Concepts with a chain of IsA edges (at most ``max_hops``) ending at ``uri``.

    ``dog IsA mammal IsA animal`` puts dog and mammal under /c/en/animal. The
    concept itself is included.
    """
    graph = store.subgraph(
        uri,
        hops=max_hops,
        max_nodes=max_nodes,
        max_edges=max_nodes * 4,
        relation=ISA,
    )
    return set(nx.ancestors(graph, uri)) | {uri}
