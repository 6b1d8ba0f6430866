"""Paths between two concepts: neighborhoods from the store, search in networkx."""

from __future__ import annotations

import logging
import math

import networkx as nx

from graph.algorithms import WeightedPath, shortest_paths
from graph.errors import InvalidQuery, LimitExceeded
from graph.store import GraphStore

logger = logging.getLogger(__name__)


def find_paths(
    store: GraphStore,
    source: str,
    target: str,
    *,
    max_hops: int = 4,
    max_paths: int = 1,
    hop_limit: int = 6,
    max_nodes: int = 5000,
) -> list[WeightedPath]:
    """Return the cheapest paths (cost = sum of 1/weight) from source to target.

    The search space is the union of the neighborhood of ``source`` within
    ceil(max_hops / 2) edges and that of ``target`` within the rest, which
    holds every path of at most ``max_hops`` edges unless a node cap cut a
    neighborhood short (then a path may be missed, and it is logged).

    Raises:
        InvalidURI, ConceptNotFound: a bad or unknown concept.
        InvalidQuery: max_hops below 1, or source and target are the same.
        LimitExceeded: max_hops above ``hop_limit``.
    """
    if max_hops < 1:
        raise InvalidQuery("max_hops", max_hops, "an integer >= 1")
    if max_hops > hop_limit:
        raise LimitExceeded("max_hops", max_hops, hop_limit)
    if source == target:
        raise InvalidQuery("end", target, "a concept other than the start")
    source_hops = math.ceil(max_hops / 2)
    target_hops = max_hops - source_hops
    search_space = store.subgraph(
        source, hops=source_hops, max_nodes=max_nodes, max_edges=max_nodes * 4
    )
    if target_hops > 0:
        around_target = store.subgraph(
            target, hops=target_hops, max_nodes=max_nodes, max_edges=max_nodes * 4
        )
        truncated = search_space.graph["truncated"] or around_target.graph["truncated"]
        search_space = nx.compose(search_space, around_target)
        search_space.graph["truncated"] = truncated
    else:
        store.get_concept(target)
    if search_space.graph["truncated"]:
        logger.warning(
            "path_search_truncated source=%s target=%s max_nodes=%d",
            source,
            target,
            max_nodes,
        )
    return shortest_paths(
        search_space, source, target, max_hops=max_hops, max_paths=max_paths
    )
