"""Tests of paper ingest: linking, new concepts, idempotence, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from embeddings.concept_linker import ConceptLinker
from embeddings.encoders import TextEncoder
from embeddings.incremental import extend_set
from embeddings.paper_ingest import (
    PAPERS_DATASET,
    IngestReport,
    encode_missing,
    ingest_papers,
    model_name,
    store_papers,
)
from embeddings.paper_models import PaperConcept, PaperTokenVectors, PaperVector
from embeddings.paper_records import PaperInput, read_jsonl
from embeddings.papers_store import PaperStore
from embeddings.sets import EmbeddingSetStore
from graph.db import create_session_factory
from graph.models import Concept, Edge
from graph.records import EdgeFilter
from graph.store import GraphStore
from tests.paper_helpers import (
    DEMO_PAPERS,
    TINY_PAPERS,
    MemoEncoder,
    tiny_linker,
    tiny_searcher,
)

Tiny = tuple[sessionmaker[Session], ConceptLinker]


@pytest.fixture
def tiny(engine: Engine, encoder: TextEncoder, tmp_path: Path) -> Tiny:
    searcher = tiny_searcher(engine, MemoEncoder(encoder), tmp_path / "index")
    return create_session_factory(engine), tiny_linker(searcher)


def _ingest(tiny: Tiny, papers: list[PaperInput]) -> IngestReport:
    sessions, linker = tiny
    return ingest_papers(sessions, papers, linker, linker.searcher.encoder)


def _links(sessions: sessionmaker[Session], paper_id: str) -> dict[str, str]:
    with sessions() as session:
        store = PaperStore(session)
        concepts = store.concepts_of(store.get(paper_id).key, limit=100)
    return {c.uri: c.link for c in concepts}


def _counts(sessions: sessionmaker[Session]) -> tuple[int, ...]:
    with sessions() as session:
        tables = (Concept.id, Edge.id, PaperConcept.paper_id, PaperVector.paper_id)
        return (PaperStore(session).count(),) + tuple(
            int(session.scalar(select(func.count(column))) or 0) for column in tables
        )


def test_ingest_links_by_uri_singular_and_embedding(tiny: Tiny) -> None:
    report = _ingest(tiny, TINY_PAPERS)

    assert (report.inserted, report.updated, report.unchanged) == (4, 0, 0)
    sessions, _ = tiny
    assert _links(sessions, "t1") == {"/c/en/kitten": "uri", "/c/en/shelter": "uri"}
    t4 = _links(sessions, "t4")
    # "neural network" by URI; "convolutional neural nets" by similarity.
    assert t4["/c/en/neural_network"] == "uri"
    assert t4["/c/en/convolutional_neural_network"] == "embedding"
    assert report.vectors == 4 + sum(2 for _ in TINY_PAPERS)


def test_ingest_recurring_unlinked_phrase_becomes_related_concept(tiny: Tiny) -> None:
    report = _ingest(tiny, TINY_PAPERS)

    sessions, _ = tiny
    assert report.concepts_created == 1
    assert _links(sessions, "t3")["/c/en/sparse_autoencoder"] == "new"
    with sessions() as session:
        store = GraphStore(session)
        assert (
            store.get_concept("/c/en/sparse_autoencoder").label == "sparse autoencoder"
        )
        edges = store.query_edges(EdgeFilter(dataset=PAPERS_DATASET)).edges
    assert report.edges_written == len(edges) >= 1
    assert all(e.relation == "/r/RelatedTo" for e in edges)
    assert all(e.start == "/c/en/sparse_autoencoder" for e in edges)
    assert all(0 < e.weight <= 1 for e in edges)


def test_ingest_new_concepts_get_vectors_in_the_text_set(tiny: Tiny) -> None:
    _ingest(tiny, TINY_PAPERS)
    sessions, linker = tiny
    with sessions() as session:
        info = EmbeddingSetStore(session).latest("text")

    ids, vectors = extend_set(sessions, info, linker.searcher.encoder)
    linker.searcher.index.add(ids, vectors)

    hit = linker.searcher.search(linker.searcher.encode(["sparse autoencoder"]), 1)
    with sessions() as session:
        found = GraphStore(session).concepts_by_ids([hit[0][0].concept_id])
    assert list(found.values())[0][0] == "/c/en/sparse_autoencoder"


def test_ingest_same_papers_twice_writes_nothing_new(tiny: Tiny) -> None:
    _ingest(tiny, TINY_PAPERS)
    sessions, _ = tiny
    before = _counts(sessions)

    again = _ingest(tiny, TINY_PAPERS)

    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert (again.links, again.concepts_created, again.vectors) == (0, 0, 0)
    assert _counts(sessions) == before


def test_ingest_leaves_planner_statistics_of_the_papers(tiny: Tiny) -> None:
    sessions, _ = tiny

    _ingest(tiny, TINY_PAPERS)

    with sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            analyzed = set(session.scalars(text("SELECT tbl FROM sqlite_stat1")))
            assert {"papers", "paper_concepts", "edges"} <= analyzed
        else:
            estimate = "SELECT reltuples FROM pg_class WHERE relname = 'papers'"
            assert session.scalar(text(estimate)) == len(TINY_PAPERS)


def test_ingest_changed_paper_is_relinked_and_reencoded(tiny: Tiny) -> None:
    _ingest(tiny, TINY_PAPERS)
    changed = PaperInput("t1", "Automobile shelters", "A car in a shelter.")

    report = _ingest(tiny, [changed])

    assert (report.inserted, report.updated, report.papers) == (0, 1, 4)
    sessions, _ = tiny
    assert _links(sessions, "t1") == {
        "/c/en/automobile": "uri",
        "/c/en/shelter": "uri",
        "/c/en/car": "uri",
    }
    assert report.vectors == 1


def test_ingest_demo_corpus_twice_gives_the_same_counts(tiny: Tiny) -> None:
    papers = read_jsonl(DEMO_PAPERS / "papers.jsonl")
    sessions, linker = tiny
    # The default thresholds, as `conceptkg papers import` uses them.
    demo = (sessions, ConceptLinker(linker.searcher))

    first = _ingest(demo, papers)
    counts = _counts(sessions)
    second = _ingest(demo, papers)

    assert first.inserted == 119
    assert first.links > 119 and first.concepts_created > 0
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 119)
    assert _counts(sessions) == counts
    assert counts[0] == 119


class _FailingEncoder(MemoEncoder):
    """The memo encoder, raising on its n-th call to encode paper texts."""

    def __init__(self, encoder: TextEncoder, fail_on_call: int) -> None:
        super().__init__(encoder)
        self.calls = 0
        self._fail_on_call = fail_on_call

    def encode(self, texts: list[str]) -> np.ndarray:  # type: ignore[override]
        self.calls += 1
        if self.calls == self._fail_on_call:
            raise RuntimeError("encoder stopped")
        return super().encode(texts)


def _papers_with_vectors(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(
            session.scalar(select(func.count(func.distinct(PaperVector.paper_id)))) or 0
        )


def test_ingest_keeps_papers_when_encoding_fails_and_resumes(tiny: Tiny) -> None:
    sessions, linker = tiny
    failing = _FailingEncoder(linker.searcher.encoder, fail_on_call=2)

    with pytest.raises(RuntimeError, match="encoder stopped"):
        ingest_papers(sessions, TINY_PAPERS, linker, failing, encode_batch=2)

    # The papers and links committed; the first batch of two papers kept
    # its vectors, the failed batch wrote none.
    assert _counts(sessions)[0] == 4
    assert _links(sessions, "t1") == {"/c/en/kitten": "uri", "/c/en/shelter": "uri"}
    assert _papers_with_vectors(sessions) == 2

    again = ingest_papers(sessions, TINY_PAPERS, linker, failing, encode_batch=2)

    assert (again.inserted, again.unchanged, again.links) == (0, 4, 0)
    assert again.vectors == 2 * 3
    assert _papers_with_vectors(sessions) == 4


def test_encoding_pass_stops_between_batches_and_keeps_what_it_wrote(
    tiny: Tiny,
) -> None:
    sessions, linker = tiny
    with sessions.begin() as session:
        store_papers(session, TINY_PAPERS, linker)
    asked: list[int] = []

    def stop_after_one_batch() -> bool:
        asked.append(_papers_with_vectors(sessions))
        return len(asked) > 1

    written = encode_missing(
        sessions,
        linker.searcher.encoder,
        batch=2,
        should_stop=stop_after_one_batch,
    )

    assert asked == [0, 2]
    assert written == 2 * 3 and _papers_with_vectors(sessions) == 2
    assert encode_missing(sessions, linker.searcher.encoder, batch=2) == 2 * 3
    assert _papers_with_vectors(sessions) == 4


class _RecordingEncoder(MemoEncoder):
    """The memo encoder, recording the texts given to :meth:`encode`."""

    def __init__(self, encoder: TextEncoder) -> None:
        super().__init__(encoder)
        self.texts: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:  # type: ignore[override]
        self.texts.extend(texts)
        return super().encode(texts)


def test_papers_encoded_before_wordpieces_get_them_without_new_sentences(
    tiny: Tiny,
) -> None:
    sessions, linker = tiny
    _ingest(tiny, TINY_PAPERS)
    with sessions.begin() as session:
        session.execute(PaperTokenVectors.__table__.delete())
    with sessions() as session:
        before = PaperStore(session).load_vectors(
            model_name(linker.searcher.encoder), 384
        )
    recording = _RecordingEncoder(linker.searcher.encoder)

    encode_missing(sessions, recording)

    # Only the whole texts went through the encoder again (for their
    # wordpieces); the stored sentence parts were not re-encoded.
    assert recording.texts == []
    with sessions() as session:
        store = PaperStore(session)
        model = model_name(recording)
        assert store.keys_without_vectors(model) == []
        after = store.load_vectors(model, 384)
    for old, new in zip(before, after, strict=True):
        np.testing.assert_array_equal(old, new)


class _InterleavingEncoder(MemoEncoder):
    """The memo encoder, running a second ingest in the middle of its first
    encoding of paper texts: the interleaving of two concurrent ingests."""

    def __init__(
        self, encoder: TextEncoder, second_ingest: Callable[[], object]
    ) -> None:
        super().__init__(encoder)
        self._second_ingest: Callable[[], object] | None = second_ingest

    def encode(self, texts: list[str]) -> np.ndarray:  # type: ignore[override]
        vectors = super().encode(texts)
        if self._second_ingest is not None and any("." in text for text in texts):
            run, self._second_ingest = self._second_ingest, None
            run()
        return vectors


def test_concurrent_ingest_keeps_the_newer_text_and_no_key_collides(tiny: Tiny) -> None:
    sessions, linker = tiny
    plain = MemoEncoder(linker.searcher.encoder)
    changed = PaperInput("t1", "Automobile shelters", "A car in a shelter.")

    def second_ingest() -> object:
        return ingest_papers(sessions, [changed], linker, plain)

    first = _InterleavingEncoder(linker.searcher.encoder, second_ingest)
    report = ingest_papers(sessions, TINY_PAPERS, linker, first)

    # The second ingest changed t1 and encoded every paper while the first
    # was encoding; the first then wrote nothing, and t1 keeps the vectors
    # of its new text.
    assert report.vectors == 0
    assert _papers_with_vectors(sessions) == 4
    with sessions() as session:
        store = PaperStore(session)
        key = store.get("t1").key
        owners, parts, vectors = store.load_vectors(model_name(plain), plain.dim)
    whole = vectors[(owners == key) & (parts == 0)]
    np.testing.assert_allclose(whole[0], plain.encode([changed.text])[0], atol=1e-6)


def test_ingest_rejects_an_encode_batch_below_one_before_writing(tiny: Tiny) -> None:
    sessions, linker = tiny

    with pytest.raises(ValueError, match="encode batch 0"):
        ingest_papers(
            sessions,
            TINY_PAPERS,
            linker,
            MemoEncoder(linker.searcher.encoder),
            encode_batch=0,
        )

    assert _counts(sessions)[0] == 0
