"""Tests of graph.store.GraphStore on SQLite and PostgreSQL."""

from __future__ import annotations

import math

import pytest
from sqlalchemy.orm import Session

from graph.errors import (
    ConceptNotFound,
    InvalidQuery,
    InvalidURI,
    LimitExceeded,
    RelationNotFound,
)
from graph.records import EdgeFilter, EdgeInput
from graph.store import GraphStore
from graph.uri import edge_uri
from graph.writer import write_edges
from tests.graph.store_support import (
    ANIMAL,
    BARK,
    CAT,
    CHIEN,
    DOG,
    PET,
    dog_link,
)

# get_concept -----------------------------------------------------------------


def test_get_concept_known_returns_degree_and_parts(small_store: GraphStore) -> None:
    dog = small_store.get_concept(DOG)

    assert (dog.uri, dog.lang, dog.label, dog.pos, dog.sense) == (
        DOG,
        "en",
        "dog",
        None,
        None,
    )
    assert dog.degree == 5
    assert dog.external_urls == ()
    bark = small_store.get_concept(BARK)
    assert (bark.label, bark.pos, bark.degree) == ("bark", "v", 1)


def test_get_concept_with_links_returns_sorted_external_urls(
    store: GraphStore, session: Session
) -> None:
    links = [
        dog_link(url)
        for url in ("http://dbpedia.org/resource/Dog", "http://b.example/dog")
    ]
    write_edges(session.connection(), links)
    session.commit()

    dog = store.get_concept(DOG)

    assert dog.external_urls == (
        "http://b.example/dog",
        "http://dbpedia.org/resource/Dog",
    )
    assert dog.degree == 0


def test_get_concept_unknown_raises_not_found_naming_uri(
    small_store: GraphStore,
) -> None:
    with pytest.raises(ConceptNotFound, match="'/c/en/unicorn'") as caught:
        small_store.get_concept("/c/en/unicorn")

    assert caught.value.uri == "/c/en/unicorn"


def test_get_concept_malformed_uri_raises_invalid_uri(store: GraphStore) -> None:
    with pytest.raises(InvalidURI, match="'/c/en/dog/'"):
        store.get_concept("/c/en/dog/")


# query_edges -----------------------------------------------------------------


def _uris(page_edges: list) -> list[str]:
    return [edge.uri for edge in page_edges]


def test_query_edges_by_start_returns_strongest_first(small_store: GraphStore) -> None:
    page = small_store.query_edges(EdgeFilter(start=DOG))

    assert [(e.end, e.weight) for e in page.edges] == [
        (ANIMAL, 3.0),
        (PET, 2.0),
        (BARK, 1.5),
    ]
    assert page.next_page_token == ""


def test_query_edges_by_end_returns_only_that_end(small_store: GraphStore) -> None:
    page = small_store.query_edges(EdgeFilter(end=ANIMAL))

    assert [(e.start, e.relation) for e in page.edges] == [
        (DOG, "/r/IsA"),
        (CAT, "/r/IsA"),
    ]


def test_query_edges_by_relation_returns_that_relation(
    small_store: GraphStore,
) -> None:
    page = small_store.query_edges(EdgeFilter(relation="/r/IsA"))

    assert [e.weight for e in page.edges] == [3.0, 2.0, 2.0]
    assert {e.relation for e in page.edges} == {"/r/IsA"}


def test_query_edges_by_node_returns_both_directions(small_store: GraphStore) -> None:
    page = small_store.query_edges(EdgeFilter(node=DOG))

    assert [(e.start, e.end) for e in page.edges] == [
        (DOG, ANIMAL),
        (DOG, PET),
        (DOG, BARK),
        (CHIEN, DOG),
        (CAT, DOG),
    ]


def test_query_edges_by_dataset_and_start_combines_filters(
    small_store: GraphStore,
) -> None:
    page = small_store.query_edges(EdgeFilter(start=DOG, dataset="/d/test/b"))

    assert [e.end for e in page.edges] == [PET, BARK]
    bark = page.edges[1]
    assert bark.uri == "/a/[/r/CapableOf/,/c/en/dog/,/c/en/bark/v/]"
    assert bark.sources == [{"contributor": "/s/contributor/omcs/someone"}]
    assert bark.surface_text == "[[a dog]] can [[bark]]"
    assert bark.license == "cc:by-sa/4.0"


def test_query_edges_unknown_concept_raises_not_found(small_store: GraphStore) -> None:
    with pytest.raises(ConceptNotFound, match="'/c/en/unicorn'"):
        small_store.query_edges(EdgeFilter(start="/c/en/unicorn"))


def test_query_edges_unknown_relation_raises_not_found(
    small_store: GraphStore,
) -> None:
    with pytest.raises(RelationNotFound, match="'/r/PartOf'"):
        small_store.query_edges(EdgeFilter(relation="/r/PartOf"))


@pytest.mark.parametrize("limit", [0, -3])
def test_query_edges_limit_below_one_raises_invalid_query(
    small_store: GraphStore, limit: int
) -> None:
    with pytest.raises(InvalidQuery, match=f"invalid limit {limit}"):
        small_store.query_edges(EdgeFilter(), limit=limit)


def test_query_edges_limit_above_page_size_raises_limit_exceeded(
    small_store: GraphStore,
) -> None:
    with pytest.raises(LimitExceeded, match="limit 101 exceeds the limit of 100"):
        small_store.query_edges(EdgeFilter(), limit=101)
    assert len(small_store.query_edges(EdgeFilter(), limit=100).edges) == 6


def _tied_edges(count: int) -> list[EdgeInput]:
    """Edges from a hub with only three distinct weights, so most weights tie."""
    return [
        EdgeInput(
            "/r/RelatedTo",
            "/c/en/hub",
            f"/c/en/leaf_{i:02d}",
            weight=[1.0, 2.0, 0.5][i % 3],
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("limit", [1, 4, 7])
def test_query_edges_keyset_pages_with_ties_return_each_edge_once(
    store: GraphStore, session: Session, limit: int
) -> None:
    store.upsert_edges(_tied_edges(23))
    store.upsert_edges([EdgeInput("/r/IsA", "/c/en/other", "/c/en/thing")])
    session.commit()
    filters = EdgeFilter(start="/c/en/hub")

    seen = []
    token = ""
    pages = 0
    while True:
        page = store.query_edges(filters, limit=limit, page_token=token)
        assert len(page.edges) <= limit
        seen.extend(page.edges)
        pages += 1
        token = page.next_page_token
        if not token:
            break

    expected = {edge_uri(e.relation, e.start, e.end) for e in _tied_edges(23)}
    assert len(seen) == 23
    assert set(_uris(seen)) == expected
    assert pages == math.ceil(23 / limit)
    weights = [edge.weight for edge in seen]
    assert weights == sorted(weights, reverse=True)
    assert _uris(seen) == _uris(store.query_edges(filters, limit=100).edges)


def test_query_edges_token_from_other_filter_raises_invalid_query(
    store: GraphStore, session: Session
) -> None:
    store.upsert_edges(_tied_edges(5))
    session.commit()
    token = store.query_edges(EdgeFilter(start="/c/en/hub"), limit=2).next_page_token
    assert token

    with pytest.raises(InvalidQuery, match="same filters"):
        store.query_edges(
            EdgeFilter(relation="/r/RelatedTo"), limit=2, page_token=token
        )


@pytest.mark.parametrize("token", ["garbage!!", "e30", "bm90IGpzb24"])
def test_query_edges_garbled_token_raises_invalid_query_naming_it(
    small_store: GraphStore, token: str
) -> None:
    with pytest.raises(InvalidQuery, match=f"invalid page_token '{token}'"):
        small_store.query_edges(EdgeFilter(), page_token=token)


# neighbors -------------------------------------------------------------------


def test_neighbors_both_directions_labels_each_side(small_store: GraphStore) -> None:
    found = small_store.neighbors(DOG)

    assert [(n.concept, n.direction, n.edge.weight) for n in found] == [
        (ANIMAL, "out", 3.0),
        (PET, "out", 2.0),
        (BARK, "out", 1.5),
        (CHIEN, "in", 1.0),
        (CAT, "in", 0.5),
    ]
    assert found[3].label == "chien"


def test_neighbors_out_and_in_split_by_direction(small_store: GraphStore) -> None:
    outgoing = small_store.neighbors(DOG, direction="out")
    incoming = small_store.neighbors(DOG, direction="in")

    assert [n.concept for n in outgoing] == [ANIMAL, PET, BARK]
    assert [n.concept for n in incoming] == [CHIEN, CAT]
    assert {n.direction for n in incoming} == {"in"}


def test_neighbors_by_relation_and_limit_filters(small_store: GraphStore) -> None:
    isa = small_store.neighbors(DOG, relation="/r/IsA")
    first = small_store.neighbors(DOG, limit=2)

    assert [n.concept for n in isa] == [ANIMAL, PET]
    assert [n.concept for n in first] == [ANIMAL, PET]


def test_neighbors_bad_direction_raises_invalid_query(small_store: GraphStore) -> None:
    with pytest.raises(InvalidQuery, match="invalid direction 'sideways'"):
        small_store.neighbors(DOG, direction="sideways")  # type: ignore[arg-type]


def test_neighbors_unknown_concept_raises_not_found(small_store: GraphStore) -> None:
    with pytest.raises(ConceptNotFound):
        small_store.neighbors("/c/en/unicorn")


# subgraph --------------------------------------------------------------------


def _chain_store(store: GraphStore, session: Session) -> GraphStore:
    """A chain a - b - c - d plus a star of five leaves around a."""
    edges = [
        EdgeInput("/r/RelatedTo", "/c/en/a", "/c/en/b", weight=5.0),
        EdgeInput("/r/RelatedTo", "/c/en/b", "/c/en/c", weight=5.0),
        EdgeInput("/r/IsA", "/c/en/d", "/c/en/c", weight=5.0),
    ] + [
        EdgeInput("/r/IsA", "/c/en/a", f"/c/en/leaf_{i}", weight=1.0 + i / 10)
        for i in range(5)
    ]
    store.upsert_edges(edges)
    session.commit()
    return store


def test_subgraph_one_hop_holds_direct_neighbors(
    store: GraphStore, session: Session
) -> None:
    graph = _chain_store(store, session).subgraph("/c/en/a", hops=1)

    assert set(graph.nodes) == {"/c/en/a", "/c/en/b"} | {
        f"/c/en/leaf_{i}" for i in range(5)
    }
    assert graph.number_of_edges() == 6
    assert graph.graph["truncated"] is False
    assert graph.nodes["/c/en/b"] == {"label": "b", "hop": 1}
    data = graph.get_edge_data("/c/en/a", "/c/en/b")
    assert data == {
        "/a/[/r/RelatedTo/,/c/en/a/,/c/en/b/]": {
            "relation": "/r/RelatedTo",
            "weight": 5.0,
        }
    }


def test_subgraph_more_hops_reaches_further(
    store: GraphStore, session: Session
) -> None:
    store = _chain_store(store, session)

    two = store.subgraph("/c/en/a", hops=2)
    three = store.subgraph("/c/en/a", hops=3)

    assert "/c/en/c" in two and "/c/en/d" not in two
    assert three.nodes["/c/en/d"]["hop"] == 3
    assert three.number_of_edges() == 8
    assert three.graph["truncated"] is False


def test_subgraph_exact_edge_cap_is_not_truncated(
    store: GraphStore, session: Session
) -> None:
    graph = _chain_store(store, session).subgraph("/c/en/a", hops=3, max_edges=8)

    assert graph.number_of_edges() == 8
    assert graph.graph["truncated"] is False


def test_subgraph_node_cap_keeps_strongest_and_flags_truncated(
    store: GraphStore, session: Session
) -> None:
    graph = _chain_store(store, session).subgraph("/c/en/a", hops=2, max_nodes=3)

    assert set(graph.nodes) == {"/c/en/a", "/c/en/b", "/c/en/leaf_4"}
    assert graph.number_of_edges() == 2
    assert graph.graph["truncated"] is True


def test_subgraph_edge_cap_flags_truncated(store: GraphStore, session: Session) -> None:
    graph = _chain_store(store, session).subgraph("/c/en/a", hops=3, max_edges=3)

    assert graph.number_of_edges() == 3
    assert graph.graph["truncated"] is True


def test_subgraph_relation_filter_follows_only_that_relation(
    store: GraphStore, session: Session
) -> None:
    graph = _chain_store(store, session).subgraph(
        "/c/en/a", hops=3, relation="/r/RelatedTo"
    )

    assert set(graph.nodes) == {"/c/en/a", "/c/en/b", "/c/en/c"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"hops": 0}, "hops"),
        ({"max_nodes": 0}, "max_nodes"),
        ({"max_edges": -1}, "max_edges"),
    ],
)
def test_subgraph_bad_argument_raises_invalid_query_naming_field(
    small_store: GraphStore, kwargs: dict[str, int], field: str
) -> None:
    with pytest.raises(InvalidQuery, match=f"invalid {field} "):
        small_store.subgraph(DOG, **kwargs)
