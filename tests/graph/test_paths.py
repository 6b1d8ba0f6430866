"""Tests of graph.paths.find_paths through a store on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from graph.errors import ConceptNotFound, InvalidQuery, LimitExceeded
from graph.paths import find_paths
from graph.records import EdgeInput
from graph.store import GraphStore


@pytest.fixture
def path_store(store: GraphStore, session: Session) -> GraphStore:
    """dog -IsA-> pet <-IsA- cat is cheap; dog-animal-mammal-cat is dearer."""
    store.upsert_edges(
        [
            EdgeInput("/r/IsA", "/c/en/dog", "/c/en/pet", weight=2.0),
            EdgeInput("/r/IsA", "/c/en/cat", "/c/en/pet", weight=2.0),
            EdgeInput("/r/IsA", "/c/en/dog", "/c/en/animal", weight=1.0),
            EdgeInput("/r/RelatedTo", "/c/en/animal", "/c/en/mammal", weight=1.0),
            EdgeInput("/r/IsA", "/c/en/cat", "/c/en/mammal", weight=1.0),
            EdgeInput("/r/IsA", "/c/en/rock", "/c/en/mineral", weight=1.0),
            EdgeInput("/r/RelatedTo", "/c/en/a", "/c/en/b", weight=1.0),
            EdgeInput("/r/RelatedTo", "/c/en/b", "/c/en/c", weight=1.0),
            EdgeInput("/r/RelatedTo", "/c/en/c", "/c/en/d", weight=1.0),
            EdgeInput("/r/RelatedTo", "/c/en/d", "/c/en/e", weight=1.0),
            EdgeInput("/r/RelatedTo", "/c/en/e", "/c/en/f", weight=1.0),
        ]
    )
    session.commit()
    return store


def test_find_paths_returns_cheapest_path_first(path_store: GraphStore) -> None:
    paths = find_paths(path_store, "/c/en/dog", "/c/en/cat", max_paths=2)

    assert [p.nodes for p in paths] == [
        ["/c/en/dog", "/c/en/pet", "/c/en/cat"],
        ["/c/en/dog", "/c/en/animal", "/c/en/mammal", "/c/en/cat"],
    ]
    assert [p.cost for p in paths] == pytest.approx([1.0, 3.0])
    assert [(s.relation, s.forward) for s in paths[0].steps] == [
        ("/r/IsA", True),
        ("/r/IsA", False),
    ]
    assert paths[0].steps[0].edge_uri == "/a/[/r/IsA/,/c/en/dog/,/c/en/pet/]"


def test_find_paths_respects_hop_cap(path_store: GraphStore) -> None:
    assert find_paths(path_store, "/c/en/a", "/c/en/f", max_hops=4) == []
    found = find_paths(path_store, "/c/en/a", "/c/en/f", max_hops=5)
    assert found[0].nodes == [f"/c/en/{n}" for n in "abcdef"]
    one_hop = find_paths(path_store, "/c/en/a", "/c/en/b", max_hops=1)
    assert [p.nodes for p in one_hop] == [["/c/en/a", "/c/en/b"]]


def test_find_paths_disconnected_returns_empty(path_store: GraphStore) -> None:
    assert find_paths(path_store, "/c/en/dog", "/c/en/rock") == []


def test_find_paths_unknown_target_raises_not_found(path_store: GraphStore) -> None:
    with pytest.raises(ConceptNotFound, match="'/c/en/unicorn'"):
        find_paths(path_store, "/c/en/dog", "/c/en/unicorn")
    with pytest.raises(ConceptNotFound, match="'/c/en/unicorn'"):
        find_paths(path_store, "/c/en/dog", "/c/en/unicorn", max_hops=1)


def test_find_paths_bad_hops_raise(path_store: GraphStore) -> None:
    with pytest.raises(InvalidQuery, match="invalid max_hops 0"):
        find_paths(path_store, "/c/en/dog", "/c/en/cat", max_hops=0)
    with pytest.raises(LimitExceeded, match="max_hops 7 exceeds the limit of 6"):
        find_paths(path_store, "/c/en/dog", "/c/en/cat", max_hops=7)


def test_find_paths_same_start_and_end_is_rejected(path_store: GraphStore) -> None:
    with pytest.raises(InvalidQuery, match="a concept other than the start"):
        find_paths(path_store, "/c/en/a", "/c/en/a")
