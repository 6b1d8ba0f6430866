"""Tests of the graph store's writes: upserts, deletes, stats (SQLite, PostgreSQL)."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from graph.errors import (
    InvalidQuery,
    InvalidURI,
    LimitExceeded,
)
from graph.models import Concept, Edge, ExternalLink, Relation
from graph.records import ConceptInput, EdgeFilter, EdgeInput
from graph.store import GraphStore
from graph.uri import edge_uri
from graph.writer import write_edges
from tests.graph.store_support import (
    ANIMAL,
    BARK,
    CAT,
    DOG,
    PET,
    dog_link,
    row_count,
    small_graph,
)

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
    assert row_count(session, Concept) == 4


def test_upsert_concepts_one_bad_uri_writes_nothing(
    store: GraphStore, session: Session
) -> None:
    with pytest.raises(InvalidURI, match="'/c/en/bad uri'"):
        store.upsert_concepts([ConceptInput(DOG), ConceptInput("/c/en/bad uri")])
    session.rollback()

    assert row_count(session, Concept) == 0


def test_upsert_edges_counts_inserted_updated_unchanged(
    store: GraphStore, session: Session
) -> None:
    first = store.upsert_edges(small_graph())
    changed = [*small_graph()[:5], EdgeInput("/r/RelatedTo", CAT, DOG, weight=0.75)]
    second = store.upsert_edges([*changed, EdgeInput("/r/IsA", CAT, PET)])
    third = store.upsert_edges(changed)
    session.commit()

    assert (first.inserted, first.updated, first.unchanged) == (6, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (1, 1, 5)
    assert (third.inserted, third.updated, third.unchanged) == (0, 0, 6)
    assert row_count(session, Edge) == 7
    assert row_count(session, Relation) == 4
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
    batch = [*small_graph(), bad]

    with pytest.raises(InvalidURI, match=message):
        store.upsert_edges(batch)
    session.rollback()

    assert (row_count(session, Edge), row_count(session, Concept)) == (0, 0)
    assert row_count(session, Relation) == 0


@pytest.mark.parametrize("weight", [math.nan, math.inf, -math.inf])
def test_upsert_edges_non_finite_weight_raises_invalid_query(
    store: GraphStore, session: Session, weight: float
) -> None:
    with pytest.raises(InvalidQuery, match="invalid weight"):
        store.upsert_edges([*small_graph(), EdgeInput("/r/IsA", DOG, CAT, weight)])
    session.rollback()

    assert row_count(session, Edge) == 0


def test_upsert_edges_batch_above_limit_raises_limit_exceeded(
    store: GraphStore, session: Session
) -> None:
    edges = [EdgeInput("/r/IsA", f"/c/en/n{i}", ANIMAL) for i in range(501)]

    with pytest.raises(LimitExceeded, match="batch size 501 exceeds the limit of 500"):
        store.upsert_edges(edges)

    assert row_count(session, Edge) == 0


def test_delete_edges_returns_existing_count(
    small_store: GraphStore, session: Session
) -> None:
    gone = edge_uri("/r/IsA", DOG, PET)
    missing = edge_uri("/r/IsA", DOG, "/c/en/unicorn")

    deleted = small_store.delete_edges([gone, gone, missing])
    session.commit()

    assert deleted == 1
    assert row_count(session, Edge) == 5
    assert PET not in [e.end for e in small_store.query_edges(EdgeFilter()).edges]
    assert small_store.delete_edges([gone]) == 0


def test_delete_edges_malformed_uri_deletes_nothing(
    small_store: GraphStore, session: Session
) -> None:
    with pytest.raises(InvalidURI, match="'/a/oops'"):
        small_store.delete_edges([edge_uri("/r/IsA", DOG, PET), "/a/oops"])
    session.rollback()

    assert row_count(session, Edge) == 6


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
    store.upsert_edges(small_graph()[:1])
    session.commit()
    assert not store.is_empty()


def test_external_links_are_not_edges(store: GraphStore, session: Session) -> None:
    row = dog_link("http://dbpedia.org/resource/Dog")

    counts = write_edges(session.connection(), [row, row])
    session.commit()

    assert (counts.inserted, counts.duplicates) == (1, 1)
    assert (row_count(session, ExternalLink), row_count(session, Edge)) == (1, 0)
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
