"""PaperService through a real server: ingest streams, search, errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest
from sqlalchemy import Engine

from embeddings.concept_linker import ConceptLinker
from embeddings.encoders import TextEncoder
from embeddings.paper_ingest import store_papers
from embeddings.paper_records import PaperInput
from graph.db import create_session_factory
from service._generated.conceptkg.v1 import papers_pb2 as pb
from service.client import ConceptKGClient
from service.server import PAPER_SERVICE, RunningServer, create_server
from tests.paper_helpers import TINY_PAPERS, MemoEncoder, tiny_searcher
from tests.service.conftest import make_settings

Served = tuple[RunningServer, ConceptKGClient]


def _message(paper: PaperInput) -> pb.Paper:
    return pb.Paper(
        id=paper.id,
        title=paper.title,
        abstract=paper.abstract,
        year=paper.year or 0,
        authors=list(paper.authors),
        venue=paper.venue or "",
    )


PAPERS = [_message(p) for p in TINY_PAPERS]


@pytest.fixture
def served(engine: Engine, encoder: TextEncoder, tmp_path: Path) -> Iterator[Served]:
    searcher = tiny_searcher(engine, MemoEncoder(encoder), tmp_path / "index")
    settings = make_settings(max_text_chars=200, max_k=20, max_batch_size=10)
    running = create_server(settings, engine, searcher)
    client = ConceptKGClient(f"127.0.0.1:{running.port}", timeout_s=60)
    yield running, client
    client.close()
    running.stop(0)


@pytest.fixture
def loaded(served: Served) -> Served:
    served[1].ingest_papers(PAPERS, batch_size=3)
    return served


def _code(call: object) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as raised:
        call()  # type: ignore[operator]
    return raised.value.code(), raised.value.details()


def test_ingest_stream_of_two_messages_reports_counts(served: Served) -> None:
    _, client = served

    first = client.ingest_papers(PAPERS, batch_size=3)
    second = client.ingest_papers(PAPERS, batch_size=2)

    assert (first.inserted, first.unchanged, first.papers) == (4, 0, 4)
    assert first.links > 4 and first.concepts_created == 1
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 4)
    assert (second.links, second.papers) == (0, 4)


def test_ingest_bad_paper_names_its_position_and_writes_nothing(
    served: Served,
) -> None:
    _, client = served
    bad = PAPERS[:3] + [pb.Paper(id="t9", title="", abstract="")]

    code, detail = _code(lambda: client.ingest_papers(bad, batch_size=3))

    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert "message 2 paper 1" in detail and "'t9'" in detail
    assert client.search_papers("cat").hits == []


def test_ingest_repeated_id_in_stream_is_invalid(served: Served) -> None:
    _, client = served

    code, detail = _code(lambda: client.ingest_papers(PAPERS[:2] + PAPERS[:1]))

    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert "id 't1' repeats the paper at message 1 paper 1" in detail


def test_ingest_over_the_batch_limit_is_resource_exhausted(served: Served) -> None:
    _, client = served
    many = [pb.Paper(id=f"x{i}", title=f"Paper {i}") for i in range(11)]

    code, detail = _code(lambda: client.ingest_papers(many))

    assert code is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "papers in the stream 11 exceeds the limit of 10" in detail


def test_search_names_the_edge_that_reached_the_paper(loaded: Served) -> None:
    _, client = loaded

    found = client.search_papers("cat", k=2)

    top = found.hits[0]
    assert top.paper.id == "t1" and top.paper.venue == "Pets Journal"
    assert [(m.uri, m.via, m.source) for m in top.matches] == [
        ("/c/en/kitten", "/r/IsA", "/c/en/cat")
    ]
    assert [m.uri for m in found.query_concepts] == ["/c/en/cat"]
    assert top.score > found.hits[1].score


def test_search_filters_apply(loaded: Served) -> None:
    _, client = loaded

    found = client.search_papers("cat", k=5, filters={"year_max": "2019"})

    assert [hit.paper.id for hit in found.hits] == ["t2"]


@pytest.mark.parametrize(
    ("query", "filters", "code", "named"),
    [
        ("", {}, grpc.StatusCode.INVALID_ARGUMENT, "invalid query ''"),
        ("   ", {}, grpc.StatusCode.INVALID_ARGUMENT, "non-empty text"),
        ("x" * 201, {}, grpc.StatusCode.RESOURCE_EXHAUSTED, "query length 201"),
        ("cat", {"colour": "red"}, grpc.StatusCode.INVALID_ARGUMENT, "'colour'"),
        ("cat", {"year_min": "soon"}, grpc.StatusCode.INVALID_ARGUMENT, "'soon'"),
    ],
)
def test_search_bad_request_gets_a_clear_error(
    loaded: Served,
    query: str,
    filters: dict[str, str],
    code: grpc.StatusCode,
    named: str,
) -> None:
    _, client = loaded

    got, detail = _code(lambda: client.search_papers(query, filters=filters))

    assert got is code
    assert named in detail


def test_search_k_above_max_is_resource_exhausted(loaded: Served) -> None:
    code, detail = _code(lambda: loaded[1].search_papers("cat", k=21))

    assert code is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "k 21 exceeds the limit of 20" in detail


def test_paper_concepts_and_papers_for_concept(loaded: Served) -> None:
    _, client = loaded

    concepts = client.paper_concepts("t1")
    papers = client.papers_for_concept("/c/en/kitten")

    assert concepts.paper.title == "Kitten behaviour in shelters"
    kitten = {c.uri: c for c in concepts.concepts}["/c/en/kitten"]
    assert (kitten.link, kitten.count, kitten.phrase) == ("uri", 3, "kitten")
    assert [p.paper.id for p in papers] == ["t1"]
    assert papers[0].weight == pytest.approx(kitten.weight)


@pytest.mark.parametrize(
    ("call", "code", "named"),
    [
        (lambda c: c.paper_concepts("nope"), grpc.StatusCode.NOT_FOUND, "'nope'"),
        (
            lambda c: c.papers_for_concept("/c/en/unicorn"),
            grpc.StatusCode.NOT_FOUND,
            "unicorn",
        ),
        (
            lambda c: c.papers_for_concept("c/en/kitten"),
            grpc.StatusCode.INVALID_ARGUMENT,
            "c/en/kitten",
        ),
        (
            lambda c: c.similar_papers(paper_id="nope"),
            grpc.StatusCode.NOT_FOUND,
            "'nope'",
        ),
        (lambda c: c.similar_papers(), grpc.StatusCode.INVALID_ARGUMENT, "input"),
    ],
)
def test_lookups_of_unknown_or_bad_values_name_them(
    loaded: Served, call: object, code: grpc.StatusCode, named: str
) -> None:
    got, detail = _code(lambda: call(loaded[1]))  # type: ignore[operator]

    assert got is code
    assert named in detail


def test_similar_papers_by_id_shares_a_concept(loaded: Served) -> None:
    hits = loaded[1].similar_papers(paper_id="t3", k=2)

    assert hits[0].paper.id == "t4"
    assert hits[0].matches[0].uri == "/c/en/sparse_autoencoder"
    assert "t3" not in [h.paper.id for h in hits]


def test_ingested_concepts_become_searchable_concepts(loaded: Served) -> None:
    running, client = loaded
    assert running.index_updater is not None

    assert running.index_updater.wait_idle(60)
    found = client.search_concepts("sparse autoencoder", k=1, plain=True)

    assert found.concepts[0].uri == "/c/en/sparse_autoencoder"


class _GatedEncoder(MemoEncoder):
    """The memo encoder, holding back paper texts until ``gate`` is set
    (queries pass at once)."""

    def __init__(self, encoder: TextEncoder) -> None:
        super().__init__(encoder)
        self.gate = threading.Event()
        self._papers = {paper.text for paper in TINY_PAPERS}

    def encode_tokens(  # type: ignore[override]
        self, texts: list[str]
    ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        if self._papers.intersection(texts):
            assert self.gate.wait(60), "the test never opened the gate"
        return super().encode_tokens(texts)


def test_papers_left_without_vectors_are_encoded_at_start(
    engine: Engine, encoder: TextEncoder, tmp_path: Path
) -> None:
    gated = _GatedEncoder(encoder)
    searcher = tiny_searcher(engine, gated, tmp_path / "index")
    # As an ingest that stopped after its papers committed, before encoding.
    with create_session_factory(engine).begin() as session:
        store_papers(session, TINY_PAPERS, ConceptLinker(searcher))
    running = create_server(make_settings(), engine, searcher)
    try:
        assert running.paper_resume is not None
        with ConceptKGClient(f"127.0.0.1:{running.port}", timeout_s=60) as client:
            before = client.search_papers("kitten", k=4).hits
            gated.gate.set()
            assert running.paper_resume.wait_idle(60)
            after = client.search_papers("kitten", k=4).hits
    finally:
        running.stop(0)

    assert before == []
    assert after[0].paper.id == "t1"
    assert {hit.paper.id for hit in after} == {"t1", "t2", "t3", "t4"}


def test_search_hits_carry_their_late_interaction_score(loaded: Served) -> None:
    hits = loaded[1].search_papers("crash frames", k=2).hits

    assert hits[0].paper.id == "t2"
    assert hits[0].late_interaction > hits[1].late_interaction > 0


def test_paper_service_reports_serving(served: Served) -> None:
    assert served[1].health(PAPER_SERVICE) == "SERVING"


def test_without_concept_index_papers_fail_precondition(engine: Engine) -> None:
    running = create_server(make_settings(), engine)
    try:
        with ConceptKGClient(f"127.0.0.1:{running.port}") as client:
            ingest = _code(lambda: client.ingest_papers(PAPERS))
            search = _code(lambda: client.search_papers("cat"))
    finally:
        running.stop(0)

    assert ingest[0] is grpc.StatusCode.FAILED_PRECONDITION
    assert search[0] is grpc.StatusCode.FAILED_PRECONDITION
