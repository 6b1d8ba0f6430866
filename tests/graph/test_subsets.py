"""Tests of concept subsets for filtered search (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from graph.errors import ConceptNotFound
from graph.records import EdgeInput
from graph.store import GraphStore
from graph.subsets import isa_descendant_uris, neighborhood_uris


@pytest.fixture
def taxonomy(store: GraphStore, session: Session) -> GraphStore:
    """poodle IsA dog IsA mammal IsA animal; dog AtLocation kennel."""
    store.upsert_edges(
        [
            EdgeInput("/r/IsA", "/c/en/poodle", "/c/en/dog"),
            EdgeInput("/r/IsA", "/c/en/dog", "/c/en/mammal"),
            EdgeInput("/r/IsA", "/c/en/mammal", "/c/en/animal"),
            EdgeInput("/r/IsA", "/c/en/trout", "/c/en/animal"),
            EdgeInput("/r/AtLocation", "/c/en/dog", "/c/en/kennel"),
            EdgeInput("/r/IsA", "/c/en/animal", "/c/en/organism"),
        ]
    )
    session.commit()
    return store


def test_isa_descendants_follow_chains_and_skip_other_relations(
    taxonomy: GraphStore,
) -> None:
    found = isa_descendant_uris(taxonomy, "/c/en/mammal", max_hops=3, max_nodes=100)

    assert found == {"/c/en/mammal", "/c/en/dog", "/c/en/poodle"}


def test_isa_descendants_respect_the_hop_cap(taxonomy: GraphStore) -> None:
    found = isa_descendant_uris(taxonomy, "/c/en/animal", max_hops=1, max_nodes=100)

    assert found == {"/c/en/animal", "/c/en/mammal", "/c/en/trout"}


def test_neighborhood_includes_both_directions_and_itself(
    taxonomy: GraphStore,
) -> None:
    found = neighborhood_uris(taxonomy, "/c/en/dog", hops=1, max_nodes=100)

    assert found == {"/c/en/dog", "/c/en/poodle", "/c/en/mammal", "/c/en/kennel"}


def test_subsets_unknown_concept_raise_not_found(taxonomy: GraphStore) -> None:
    with pytest.raises(ConceptNotFound, match="/c/en/cow"):
        isa_descendant_uris(taxonomy, "/c/en/cow", max_hops=2, max_nodes=10)


def test_concept_ids_skip_unknown_uris(taxonomy: GraphStore) -> None:
    ids = taxonomy.concept_ids(["/c/en/dog", "/c/en/cow"])

    assert set(ids) == {"/c/en/dog"}
