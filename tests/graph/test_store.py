"""Tests of graph.store.GraphStore on SQLite and PostgreSQL."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graph.errors import (
    ConceptNotFound,
    InvalidQuery,
    InvalidURI,
    LimitExceeded,
    RelationNotFound,
)
from graph.models import Concept, Edge, ExternalLink, Relation
from graph.records import ConceptInput, EdgeFilter, EdgeInput
from graph.store import GraphStore
from graph.uri import edge_uri
from graph.writer import EdgeRow, write_edges

DOG = "/c/en/dog"
CAT = "/c/en/cat"
ANIMAL = "/c/en/animal"
PET = "/c/en/pet"
BARK = "/c/en/bark/v"
CHIEN = "/c/fr/chien"


def _small_graph() -> list[EdgeInput]:
    return [
        EdgeInput("/r/IsA", DOG, ANIMAL, weight=3.0, dataset="/d/test/a"),
        EdgeInput("/r/IsA", CAT, ANIMAL, weight=2.0, dataset="/d/test/a"),
        EdgeInput("/r/IsA", DOG, PET, weight=2.0, dataset="/d/test/b"),
        EdgeInput(
            "/r/CapableOf",
            DOG,
            BARK,
            weight=1.5,
            dataset="/d/test/b",
            sources=[{"contributor": "/s/contributor/omcs/someone"}],
            surface_text="[[a dog]] can [[bark]]",
        ),
        EdgeInput("/r/Synonym", CHIEN, DOG, weight=1.0, dataset="/d/test/a"),
        EdgeInput("/r/RelatedTo", CAT, DOG, weight=0.5, dataset="/d/test/a"),
    ]


@pytest.fixture
def small_store(store: GraphStore, session: Session) -> GraphStore:
    """The store holding the six edges of :func:`_small_graph`, committed."""
    store.upsert_edges(_small_graph())
    session.commit()
    return store


def _count(session: Session, table: type) -> int:
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


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
        EdgeRow(
            uri=edge_uri("/r/ExternalURL", DOG, url),
            relation="/r/ExternalURL",
            start=DOG,
            end=url,
            weight=1.0,
            dataset="/d/dbpedia/en",
            license="cc:by-sa/4.0",
            url=url,
        )
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


# writes ----------------------------------------------------------------------


def test_upsert_concepts_counts_inserted_updated_unchanged(
    store: GraphStore, session: Session
) -> None:
    first = store.upsert_concepts(
        [ConceptInput(DOG), ConceptInput(CAT, "house cat"), ConceptInput(BARK)]
    )
    second = store.upsert_concepts(
        [ConceptInput(DOG), ConceptInput(CAT, "cat"), ConceptInput(PET)]
    )
    session.commit()

    assert (first.inserted, first.updated, first.unchanged) == (3, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (1, 1, 1)
    assert store.get_concept(CAT).label == "cat"
    assert store.get_concept(BARK).pos == "v"
    assert _count(session, Concept) == 4


def test_upsert_concepts_one_bad_uri_writes_nothing(
    store: GraphStore, session: Session
) -> None:
    with pytest.raises(InvalidURI, match="'/c/en/bad uri'"):
        store.upsert_concepts([ConceptInput(DOG), ConceptInput("/c/en/bad uri")])
    session.rollback()

    assert _count(session, Concept) == 0


def test_upsert_edges_counts_inserted_updated_unchanged(
    store: GraphStore, session: Session
) -> None:
    first = store.upsert_edges(_small_graph())
    changed = [*_small_graph()[:5], EdgeInput("/r/RelatedTo", CAT, DOG, weight=0.75)]
    second = store.upsert_edges([*changed, EdgeInput("/r/IsA", CAT, PET)])
    third = store.upsert_edges(changed)
    session.commit()

    assert (first.inserted, first.updated, first.unchanged) == (6, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (1, 1, 5)
    assert (third.inserted, third.updated, third.unchanged) == (0, 0, 6)
    assert _count(session, Edge) == 7
    assert _count(session, Relation) == 4
    cat_dog = store.query_edges(EdgeFilter(start=CAT, end=DOG)).edges
    assert [e.weight for e in cat_dog] == [0.75]


def test_upsert_edges_same_uri_twice_in_batch_last_wins(
    store: GraphStore, session: Session
) -> None:
    counts = store.upsert_edges(
        [
            EdgeInput("/r/IsA", DOG, ANIMAL, weight=1.0),
            EdgeInput("/r/IsA", DOG, ANIMAL, 4.0),
        ]
    )
    session.commit()

    assert (counts.inserted, counts.duplicates) == (1, 1)
    assert [e.weight for e in store.query_edges(EdgeFilter()).edges] == [4.0]


def test_upsert_edges_symmetric_relation_is_marked(
    small_store: GraphStore, session: Session
) -> None:
    symmetric = dict(session.execute(select(Relation.uri, Relation.symmetric)).all())

    assert symmetric == {
        "/r/IsA": False,
        "/r/CapableOf": False,
        "/r/Synonym": True,
        "/r/RelatedTo": True,
    }


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (EdgeInput("/r/IsA", "/c/en/ok", "/c/xx!/bad"), "'/c/xx!/bad'"),
        (EdgeInput("/r/Is A", "/c/en/ok", "/c/en/fine"), "'/r/Is A'"),
        (EdgeInput("/r/IsA", "/c/en/ok", "/c/en/fine/q"), "'/c/en/fine/q'"),
    ],
)
def test_upsert_edges_one_bad_uri_writes_nothing(
    store: GraphStore, session: Session, bad: EdgeInput, message: str
) -> None:
    batch = [*_small_graph(), bad]

    with pytest.raises(InvalidURI, match=message):
        store.upsert_edges(batch)
    session.rollback()

    assert (_count(session, Edge), _count(session, Concept)) == (0, 0)
    assert _count(session, Relation) == 0


@pytest.mark.parametrize("weight", [math.nan, math.inf, -math.inf])
def test_upsert_edges_non_finite_weight_raises_invalid_query(
    store: GraphStore, session: Session, weight: float
) -> None:
    with pytest.raises(InvalidQuery, match="invalid weight"):
        store.upsert_edges([*_small_graph(), EdgeInput("/r/IsA", DOG, CAT, weight)])
    session.rollback()

    assert _count(session, Edge) == 0


def test_upsert_edges_batch_above_limit_raises_limit_exceeded(
    store: GraphStore, session: Session
) -> None:
    edges = [EdgeInput("/r/IsA", f"/c/en/n{i}", ANIMAL) for i in range(501)]

    with pytest.raises(LimitExceeded, match="batch size 501 exceeds the limit of 500"):
        store.upsert_edges(edges)

    assert _count(session, Edge) == 0


def test_delete_edges_returns_existing_count(
    small_store: GraphStore, session: Session
) -> None:
    gone = edge_uri("/r/IsA", DOG, PET)
    missing = edge_uri("/r/IsA", DOG, "/c/en/unicorn")

    deleted = small_store.delete_edges([gone, gone, missing])
    session.commit()

    assert deleted == 1
    assert _count(session, Edge) == 5
    assert PET not in [e.end for e in small_store.query_edges(EdgeFilter()).edges]
    assert small_store.delete_edges([gone]) == 0


def test_delete_edges_malformed_uri_deletes_nothing(
    small_store: GraphStore, session: Session
) -> None:
    with pytest.raises(InvalidURI, match="'/a/oops'"):
        small_store.delete_edges([edge_uri("/r/IsA", DOG, PET), "/a/oops"])
    session.rollback()

    assert _count(session, Edge) == 6


def test_stats_counts_sizes_and_groups(small_store: GraphStore) -> None:
    stats = small_store.stats()

    assert (stats.concepts, stats.edges, stats.relations, stats.external_links) == (
        6,
        6,
        4,
        0,
    )
    assert stats.edges_by_relation == {
        "/r/IsA": 3,
        "/r/CapableOf": 1,
        "/r/Synonym": 1,
        "/r/RelatedTo": 1,
    }
    assert stats.edges_by_dataset == {"/d/test/a": 4, "/d/test/b": 2}
    assert stats.concepts_by_lang == {"en": 5, "fr": 1}
    assert small_store.stats(top=1).edges_by_relation == {"/r/IsA": 3}


def test_is_empty_true_until_edges_written(store: GraphStore, session: Session) -> None:
    assert store.is_empty()
    store.upsert_edges(_small_graph()[:1])
    session.commit()
    assert not store.is_empty()


def test_external_links_are_not_edges(store: GraphStore, session: Session) -> None:
    url = "http://dbpedia.org/resource/Dog"
    row = EdgeRow(
        uri=edge_uri("/r/ExternalURL", DOG, url),
        relation="/r/ExternalURL",
        start=DOG,
        end=url,
        weight=1.0,
        dataset="/d/dbpedia/en",
        license="cc:by-sa/4.0",
        url=url,
    )

    counts = write_edges(session.connection(), [row, row])
    session.commit()

    assert (counts.inserted, counts.duplicates) == (1, 1)
    assert (_count(session, ExternalLink), _count(session, Edge)) == (1, 0)
    assert store.stats().external_links == 1


def test_get_concept_after_label_update_in_same_session_returns_new_label(
    store: GraphStore,
) -> None:
    store.upsert_concepts([ConceptInput(CAT, "house cat")])
    assert store.get_concept(CAT).label == "house cat"

    store.upsert_concepts([ConceptInput(CAT, "cat")])

    assert store.get_concept(CAT).label == "cat"


def test_concept_degrees_count_both_ends(store: GraphStore, session: Session) -> None:
    store.upsert_edges(
        [
            EdgeInput("/r/IsA", "/c/en/dog", "/c/en/animal"),
            EdgeInput("/r/IsA", "/c/en/cat", "/c/en/animal"),
            EdgeInput("/r/RelatedTo", "/c/en/dog", "/c/en/cat"),
        ]
    )
    session.commit()
    ids = store.ensure_concepts(["/c/en/dog", "/c/en/cat", "/c/en/animal"])

    degrees = store.concept_degrees()

    assert degrees == {ids["/c/en/dog"]: 2, ids["/c/en/cat"]: 2, ids["/c/en/animal"]: 2}
