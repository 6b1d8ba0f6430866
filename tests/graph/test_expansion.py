"""Tests of one-hop expansion over chosen relations."""

from __future__ import annotations

from graph.expansion import one_hop
from graph.records import EdgeInput
from graph.store import GraphStore


def test_one_hop_follows_both_directions_of_chosen_relations(
    store: GraphStore,
) -> None:
    store.upsert_edges(
        [
            EdgeInput("/r/IsA", "/c/en/kitten", "/c/en/cat", weight=2.0),
            EdgeInput("/r/IsA", "/c/en/cat", "/c/en/animal"),
            EdgeInput("/r/AtLocation", "/c/en/cat", "/c/en/house"),
        ]
    )
    ids = store.concept_ids(["/c/en/kitten", "/c/en/cat", "/c/en/animal"])

    hops = one_hop(store._session, [ids["/c/en/cat"]], ["/r/IsA"])

    found = {(h.target, h.relation, h.direction, h.weight) for h in hops}
    assert found == {
        (ids["/c/en/kitten"], "/r/IsA", "in", 2.0),
        (ids["/c/en/animal"], "/r/IsA", "out", 1.0),
    }
    assert hops[0].target == ids["/c/en/kitten"]


def test_one_hop_no_sources_or_relations_returns_nothing(store: GraphStore) -> None:
    store.upsert_edges([EdgeInput("/r/IsA", "/c/en/kitten", "/c/en/cat")])
    cat = store.concept_id("/c/en/cat")

    assert one_hop(store._session, [], ["/r/IsA"]) == []
    assert one_hop(store._session, [cat], []) == []
    assert one_hop(store._session, [cat], ["/r/Synonym"]) == []
