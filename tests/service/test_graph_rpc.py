"""Happy paths of every GraphService RPC, called through the generated stub."""

from __future__ import annotations

import math
from collections.abc import Iterator

from service._generated.conceptkg.v1 import graph_pb2 as pb
from service._generated.conceptkg.v1 import graph_pb2_grpc
from tests.service.conftest import GRAPH_EDGES

Stub = graph_pb2_grpc.GraphServiceStub


def _edge_key(edge: pb.Edge) -> tuple[str, str, str]:
    return (edge.relation, edge.start, edge.end)


def _all_pages(stub: Stub, request: pb.QueryEdgesRequest) -> Iterator[pb.Edge]:
    while True:
        page = stub.QueryEdges(request)
        yield from page.edges
        if not page.next_page_token:
            return
        request.page_token = page.next_page_token


def _edge_inputs(*triples: tuple[str, str, str, float]) -> list[pb.EdgeInput]:
    return [
        pb.EdgeInput(relation=rel, start=start, end=end, weight=weight)
        for rel, start, end, weight in triples
    ]


# GetConcept -------------------------------------------------------------------


def test_get_concept_known_uri_returns_parts_and_degree(stub: Stub) -> None:
    concept = stub.GetConcept(pb.GetConceptRequest(uri="/c/en/dog")).concept

    assert concept.uri == "/c/en/dog"
    assert concept.lang == "en"
    assert concept.label == "dog"
    assert concept.pos == ""
    assert concept.sense == ""
    dog_edges = [e for e in GRAPH_EDGES if "/c/en/dog" in (e.start, e.end)]
    assert concept.degree == len(dog_edges)


def test_get_concept_with_pos_returns_pos(stub: Stub) -> None:
    concept = stub.GetConcept(pb.GetConceptRequest(uri="/c/en/puppy/n")).concept

    assert (concept.label, concept.pos, concept.degree) == ("puppy", "n", 1)


def test_get_concept_upserted_label_returns_label_and_no_edges(stub: Stub) -> None:
    uri = "/c/en/lonely_island"
    concept = stub.GetConcept(pb.GetConceptRequest(uri=uri)).concept

    assert (concept.label, concept.degree) == ("Lonely Island", 0)


# QueryEdges -------------------------------------------------------------------


def test_query_edges_by_start_returns_strongest_first(stub: Stub) -> None:
    page = stub.QueryEdges(pb.QueryEdgesRequest(start="/c/en/dog", limit=10))

    weights = [edge.weight for edge in page.edges]
    assert weights == sorted(weights, reverse=True)
    assert {e.end for e in page.edges} == {
        "/c/en/animal",
        "/c/en/bark",
        "/c/en/house",
        "/c/en/puppy/n",
    }
    assert page.next_page_token == ""


def test_query_edges_edge_fields_round_trip(stub: Stub) -> None:
    request = pb.QueryEdgesRequest(start="/c/en/dog", relation="/r/RelatedTo")
    (edge,) = stub.QueryEdges(request).edges

    assert edge.uri == "/a/[/r/RelatedTo/,/c/en/dog/,/c/en/puppy/n/]"
    assert edge.weight == 3.0
    assert edge.dataset == "/d/wiktionary/en"
    assert edge.license == "cc:by-sa/4.0"
    assert [dict(s.fields) for s in edge.sources] == [
        {"contributor": "/s/resource/wiktionary/en"}
    ]
    assert edge.surface_text == "[[dog]] is related to [[puppy]]"


def test_query_edges_filters_combine(stub: Stub) -> None:
    by_relation = stub.QueryEdges(pb.QueryEdgesRequest(relation="/r/IsA")).edges
    by_end = stub.QueryEdges(pb.QueryEdgesRequest(end="/c/en/house")).edges
    by_node = stub.QueryEdges(pb.QueryEdgesRequest(node="/c/en/animal")).edges
    by_dataset = stub.QueryEdges(pb.QueryEdgesRequest(dataset="/d/wiktionary/en")).edges

    assert {_edge_key(e) for e in by_relation} == {
        ("/r/IsA", "/c/en/dog", "/c/en/animal"),
        ("/r/IsA", "/c/en/cat", "/c/en/animal"),
        ("/r/IsA", "/c/en/animal", "/c/en/organism"),
    }
    assert {e.start for e in by_end} == {"/c/en/dog", "/c/en/cat"}
    assert len(by_node) == 3
    assert [e.end for e in by_dataset] == ["/c/en/puppy/n"]


def test_query_edges_following_tokens_returns_each_edge_once(stub: Stub) -> None:
    request = pb.QueryEdgesRequest(limit=4)
    first = stub.QueryEdges(request)

    edges = list(_all_pages(stub, pb.QueryEdgesRequest(limit=4)))

    assert len(first.edges) == 4
    assert first.next_page_token
    keys = [_edge_key(e) for e in edges]
    assert len(keys) == len(set(keys))
    assert set(keys) == {(e.relation, e.start, e.end) for e in GRAPH_EDGES}
    weights = [e.weight for e in edges]
    assert weights == sorted(weights, reverse=True)


def test_query_edges_pages_between_ties_return_each_edge_once(stub: Stub) -> None:
    request = pb.QueryEdgesRequest(start="/c/en/zoo", limit=7)

    edges = list(_all_pages(stub, request))

    ends = [e.end for e in edges]
    assert len(ends) == 25
    assert sorted(ends) == [f"/c/en/exhibit_{i:02d}" for i in range(25)]


def test_query_edges_no_limit_uses_default_page_size(stub: Stub) -> None:
    page = stub.QueryEdges(pb.QueryEdgesRequest(start="/c/en/zoo"))

    assert len(page.edges) == 10
    assert page.next_page_token


# Neighbors --------------------------------------------------------------------


def test_neighbors_both_directions_returns_in_and_out(stub: Stub) -> None:
    request = pb.NeighborsRequest(uri="/c/en/dog")
    found = stub.Neighbors(request).neighbors

    by_uri = {n.uri: n for n in found}
    assert set(by_uri) == {
        "/c/en/animal",
        "/c/en/bark",
        "/c/en/house",
        "/c/en/puppy/n",
        "/c/fr/chien",
    }
    assert by_uri["/c/en/animal"].direction == pb.DIRECTION_OUT
    assert by_uri["/c/fr/chien"].direction == pb.DIRECTION_IN
    assert by_uri["/c/fr/chien"].edge.relation == "/r/Synonym"
    assert by_uri["/c/en/puppy/n"].label == "puppy"
    assert found[0].uri == "/c/en/puppy/n"


def test_neighbors_direction_in_returns_only_starts(stub: Stub) -> None:
    request = pb.NeighborsRequest(uri="/c/en/animal", direction=pb.DIRECTION_IN)
    found = stub.Neighbors(request).neighbors

    assert [n.uri for n in found] == ["/c/en/dog", "/c/en/cat"]
    assert {n.direction for n in found} == {pb.DIRECTION_IN}


def test_neighbors_direction_out_returns_only_ends(stub: Stub) -> None:
    request = pb.NeighborsRequest(uri="/c/en/animal", direction=pb.DIRECTION_OUT)
    found = stub.Neighbors(request).neighbors

    assert [(n.uri, n.direction) for n in found] == [
        ("/c/en/organism", pb.DIRECTION_OUT)
    ]


def test_neighbors_relation_filter_keeps_that_relation(stub: Stub) -> None:
    request = pb.NeighborsRequest(uri="/c/en/dog", relation="/r/AtLocation")
    found = stub.Neighbors(request).neighbors

    assert [(n.uri, n.edge.relation) for n in found] == [
        ("/c/en/house", "/r/AtLocation")
    ]


def test_neighbors_limit_keeps_strongest(stub: Stub) -> None:
    request = pb.NeighborsRequest(uri="/c/en/dog", limit=2)
    found = stub.Neighbors(request).neighbors

    assert [n.uri for n in found] == ["/c/en/puppy/n", "/c/en/animal"]


# Subgraph ---------------------------------------------------------------------


def test_subgraph_one_hop_returns_neighbors_at_hop_one(stub: Stub) -> None:
    response = stub.Subgraph(pb.SubgraphRequest(uri="/c/en/cat"))

    hops = {node.uri: node.hop for node in response.nodes}
    assert hops == {"/c/en/cat": 0, "/c/en/animal": 1, "/c/en/house": 1}
    assert {_edge_key(e) for e in response.edges} == {
        ("/r/IsA", "/c/en/cat", "/c/en/animal"),
        ("/r/AtLocation", "/c/en/cat", "/c/en/house"),
    }
    assert not response.truncated


def test_subgraph_two_hops_reaches_second_ring(stub: Stub) -> None:
    response = stub.Subgraph(pb.SubgraphRequest(uri="/c/en/cat", hops=2))

    hops = {node.uri: node.hop for node in response.nodes}
    assert hops["/c/en/dog"] == 2
    assert hops["/c/en/organism"] == 2
    assert "/c/fr/chien" not in hops


def test_subgraph_node_cap_reports_truncated(stub: Stub) -> None:
    response = stub.Subgraph(pb.SubgraphRequest(uri="/c/en/zoo", max_nodes=5))

    assert len(response.nodes) == 5
    assert response.truncated


def test_subgraph_relation_filter_follows_that_relation(stub: Stub) -> None:
    request = pb.SubgraphRequest(uri="/c/en/dog", hops=2, relation="/r/IsA")
    response = stub.Subgraph(request)

    assert {n.uri for n in response.nodes} == {
        "/c/en/dog",
        "/c/en/animal",
        "/c/en/cat",
        "/c/en/organism",
    }
    assert {e.relation for e in response.edges} == {"/r/IsA"}


# ShortestPath -----------------------------------------------------------------


def test_shortest_path_two_hops_walks_edge_backwards(stub: Stub) -> None:
    request = pb.ShortestPathRequest(start="/c/en/dog", end="/c/en/cat")
    (path,) = stub.ShortestPath(request).paths

    assert list(path.concepts) == ["/c/en/dog", "/c/en/animal", "/c/en/cat"]
    assert [s.forward for s in path.steps] == [True, False]
    assert path.steps[1].edge.start == "/c/en/cat"
    assert path.steps[1].edge.relation == "/r/IsA"
    assert math.isclose(path.cost, 1 / 2.0 + 1 / 1.5)


def test_shortest_path_several_paths_come_cheapest_first(stub: Stub) -> None:
    request = pb.ShortestPathRequest(start="/c/en/dog", end="/c/en/cat", max_paths=3)
    paths = stub.ShortestPath(request).paths

    assert [list(p.concepts) for p in paths] == [
        ["/c/en/dog", "/c/en/animal", "/c/en/cat"],
        ["/c/en/dog", "/c/en/house", "/c/en/cat"],
    ]
    assert paths[0].cost < paths[1].cost


def test_shortest_path_out_of_reach_returns_no_paths(stub: Stub) -> None:
    near = pb.ShortestPathRequest(start="/c/en/dog", end="/c/en/zoo")
    short = pb.ShortestPathRequest(
        start="/c/fr/chien", end="/c/en/organism", max_hops=2
    )

    assert list(stub.ShortestPath(near).paths) == []
    assert list(stub.ShortestPath(short).paths) == []


# UpsertConcepts ---------------------------------------------------------------


def test_upsert_concepts_stream_counts_and_second_stream_unchanged(stub: Stub) -> None:
    def stream() -> Iterator[pb.UpsertConceptsRequest]:
        yield pb.UpsertConceptsRequest(
            concepts=[
                pb.ConceptInput(uri="/c/en/wolf"),
                pb.ConceptInput(uri="/c/en/dog", label="Dog"),
            ]
        )
        yield pb.UpsertConceptsRequest(
            concepts=[pb.ConceptInput(uri="/c/de/hund", label="Hund")]
        )

    first = stub.UpsertConcepts(stream())
    second = stub.UpsertConcepts(stream())

    assert (first.inserted, first.updated, first.unchanged) == (2, 1, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 3)
    hund = stub.GetConcept(pb.GetConceptRequest(uri="/c/de/hund")).concept
    assert (hund.lang, hund.label) == ("de", "Hund")
    dog = stub.GetConcept(pb.GetConceptRequest(uri="/c/en/dog")).concept
    assert dog.label == "Dog"


# UpsertEdges ------------------------------------------------------------------


def test_upsert_edges_stream_counts_and_second_stream_unchanged(stub: Stub) -> None:
    def stream() -> Iterator[pb.UpsertEdgesRequest]:
        yield pb.UpsertEdgesRequest(
            edges=_edge_inputs(
                ("/r/IsA", "/c/en/wolf", "/c/en/animal", 2.0),
                ("/r/IsA", "/c/en/dog", "/c/en/animal", 4.0),
            )
        )
        yield pb.UpsertEdgesRequest(
            edges=_edge_inputs(("/r/IsA", "/c/en/cat", "/c/en/animal", 1.5))
        )
        yield pb.UpsertEdgesRequest(
            edges=_edge_inputs(("/r/RelatedTo", "/c/en/wolf", "/c/en/dog", 1.0))
        )

    before = stub.Stats(pb.StatsRequest()).edges
    first = stub.UpsertEdges(stream())
    second = stub.UpsertEdges(stream())
    after = stub.Stats(pb.StatsRequest()).edges

    assert (first.inserted, first.updated, first.unchanged) == (2, 1, 1)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 4)
    assert after == before + 2
    request = pb.QueryEdgesRequest(start="/c/en/dog", relation="/r/IsA")
    assert [e.weight for e in stub.QueryEdges(request).edges] == [4.0]


def test_upsert_edges_defaults_fill_empty_fields(stub: Stub) -> None:
    edge = pb.EdgeInput(relation="/r/PartOf", start="/c/en/tail", end="/c/en/dog")

    stub.UpsertEdges(iter([pb.UpsertEdgesRequest(edges=[edge])]))

    request = pb.QueryEdgesRequest(start="/c/en/tail")
    (stored,) = stub.QueryEdges(request).edges
    assert (stored.weight, stored.dataset, stored.license) == (
        1.0,
        "/d/conceptkg",
        "cc:by-sa/4.0",
    )
    assert stored.uri == "/a/[/r/PartOf/,/c/en/tail/,/c/en/dog/]"


def test_upsert_edges_repeated_edge_counts_duplicate(stub: Stub) -> None:
    edges = _edge_inputs(
        ("/r/IsA", "/c/en/fox", "/c/en/animal", 1.0),
        ("/r/IsA", "/c/en/fox", "/c/en/animal", 2.5),
    )

    counts = stub.UpsertEdges(iter([pb.UpsertEdgesRequest(edges=edges)]))

    assert (counts.inserted, counts.duplicates) == (1, 1)
    request = pb.QueryEdgesRequest(start="/c/en/fox")
    assert [e.weight for e in stub.QueryEdges(request).edges] == [2.5]


# DeleteEdges ------------------------------------------------------------------


def test_delete_edges_counts_deleted_and_not_found(stub: Stub) -> None:
    present = "/a/[/r/IsA/,/c/en/cat/,/c/en/animal/]"
    absent = "/a/[/r/IsA/,/c/en/cat/,/c/en/plant/]"

    response = stub.DeleteEdges(pb.DeleteEdgesRequest(uris=[present, absent]))
    again = stub.DeleteEdges(pb.DeleteEdgesRequest(uris=[present]))

    assert (response.deleted, response.not_found) == (1, 1)
    assert (again.deleted, again.not_found) == (0, 1)
    remaining = stub.QueryEdges(pb.QueryEdgesRequest(start="/c/en/cat")).edges
    assert [e.relation for e in remaining] == ["/r/AtLocation"]


# Stats ------------------------------------------------------------------------


def test_stats_counts_the_test_graph(stub: Stub) -> None:
    stats = stub.Stats(pb.StatsRequest())

    concepts = {uri for e in GRAPH_EDGES for uri in (e.start, e.end)}
    assert stats.edges == len(GRAPH_EDGES)
    assert stats.concepts == len(concepts) + 1
    assert stats.relations == len({e.relation for e in GRAPH_EDGES})
    assert stats.external_links == 0
    assert stats.edges_by_relation["/r/HasA"] == 25
    assert stats.edges_by_relation["/r/IsA"] == 3
    assert stats.edges_by_dataset["/d/wiktionary/en"] == 1
    assert dict(stats.concepts_by_lang) == {"en": len(concepts), "fr": 1}


def test_stats_top_keeps_largest_groups(stub: Stub) -> None:
    stats = stub.Stats(pb.StatsRequest(top=1))

    assert dict(stats.edges_by_relation) == {"/r/HasA": 25}
    assert dict(stats.concepts_by_lang) == {"en": stats.concepts - 1}
