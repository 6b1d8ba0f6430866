"""Tests of graph.algorithms: cheapest paths on hand-built multigraphs."""

from __future__ import annotations

import networkx as nx
import pytest

from graph.algorithms import cheapest_edge_graph, edge_cost, shortest_paths
from graph.errors import InvalidQuery


def _graph(*edges: tuple[str, str, float]) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for start, end, weight in edges:
        graph.add_edge(
            start,
            end,
            key=f"/a/[{start}>{end}]",
            relation="/r/RelatedTo",
            weight=weight,
        )
    return graph


def _two_routes() -> nx.MultiDiGraph:
    """a-b-d costs 1 + 1 = 2 in two hops; a-c-e-d costs 3 * 0.25 in three."""
    return _graph(
        ("a", "b", 1.0),
        ("b", "d", 1.0),
        ("a", "c", 4.0),
        ("c", "e", 4.0),
        ("d", "e", 4.0),
    )


def test_edge_cost_is_inverse_weight() -> None:
    assert edge_cost(4.0) == 0.25


def test_shortest_paths_picks_cheapest_by_inverse_weight() -> None:
    paths = shortest_paths(_two_routes(), "a", "d", max_hops=3)

    assert len(paths) == 1
    assert paths[0].nodes == ["a", "c", "e", "d"]
    assert paths[0].cost == pytest.approx(0.75)


def test_shortest_paths_hop_cap_skips_longer_cheaper_path() -> None:
    paths = shortest_paths(_two_routes(), "a", "d", max_hops=2)

    assert [p.nodes for p in paths] == [["a", "b", "d"]]
    assert paths[0].cost == pytest.approx(2.0)


def test_shortest_paths_walks_edges_backwards_with_forward_flag() -> None:
    path = shortest_paths(_two_routes(), "a", "d", max_hops=3)[0]

    assert [(s.source, s.target, s.forward) for s in path.steps] == [
        ("a", "c", True),
        ("c", "e", True),
        ("e", "d", False),
    ]
    assert path.steps[2].edge_uri == "/a/[d>e]"
    assert path.steps[2].weight == 4.0


def test_shortest_paths_several_paths_come_in_cost_order() -> None:
    paths = shortest_paths(_two_routes(), "a", "d", max_hops=3, max_paths=5)

    assert [p.nodes for p in paths] == [["a", "c", "e", "d"], ["a", "b", "d"]]
    assert paths[0].cost < paths[1].cost


def test_shortest_paths_parallel_edges_use_strongest() -> None:
    graph = _graph(("a", "b", 0.5))
    graph.add_edge("b", "a", key="/a/[strong]", relation="/r/Synonym", weight=2.0)

    path = shortest_paths(graph, "a", "b", max_hops=1)[0]

    assert path.cost == pytest.approx(0.5)
    assert (path.steps[0].edge_uri, path.steps[0].relation) == (
        "/a/[strong]",
        "/r/Synonym",
    )
    assert path.steps[0].forward is False


def test_shortest_paths_disconnected_returns_empty() -> None:
    graph = _graph(("a", "b", 1.0), ("c", "d", 1.0))

    assert shortest_paths(graph, "a", "d", max_hops=4) == []


def test_shortest_paths_only_path_too_long_returns_empty() -> None:
    graph = _graph(("a", "b", 1.0), ("b", "c", 1.0), ("c", "d", 1.0))

    assert shortest_paths(graph, "a", "d", max_hops=2) == []
    assert len(shortest_paths(graph, "a", "d", max_hops=3)) == 1


def test_shortest_paths_negative_weight_edges_are_not_walked() -> None:
    graph = _graph(("a", "b", -1.0), ("a", "c", 0.0))

    assert shortest_paths(graph, "a", "b", max_hops=3) == []
    assert cheapest_edge_graph(graph).number_of_edges() == 0


def test_shortest_paths_unknown_or_same_node_returns_empty() -> None:
    assert shortest_paths(_two_routes(), "a", "zzz", max_hops=3) == []
    assert shortest_paths(_two_routes(), "a", "a", max_hops=3) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"max_hops": 0}, "max_hops"), ({"max_hops": 2, "max_paths": 0}, "max_paths")],
)
def test_shortest_paths_bad_bounds_raise_invalid_query(
    kwargs: dict[str, int], field: str
) -> None:
    with pytest.raises(InvalidQuery, match=f"invalid {field} 0"):
        shortest_paths(_two_routes(), "a", "d", **kwargs)
