"""Tests of paper search: expansion with explanations, filters, similar papers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from embeddings.encoders import TextEncoder
from embeddings.paper_corpus import PaperCorpus, PaperFilters
from embeddings.paper_ingest import ingest_papers, model_name
from embeddings.paper_models import PaperTokenVectors
from embeddings.paper_search import PaperSearcher, RankConfig, fuse, top_rows
from embeddings.search import ConceptSearcher
from embeddings.term_prompts import DEFAULT_TERM_TEMPLATES
from graph.db import create_session_factory
from graph.errors import InvalidQuery
from tests.paper_helpers import TINY_PAPERS, MemoEncoder, tiny_linker, tiny_searcher


@pytest.fixture
def searcher(
    engine: Engine, encoder: TextEncoder, tmp_path: Path
) -> tuple[PaperSearcher, Session]:
    memo = MemoEncoder(encoder)
    linker = tiny_linker(tiny_searcher(engine, memo, tmp_path / "index"))
    sessions = create_session_factory(engine)
    ingest_papers(sessions, TINY_PAPERS, linker, memo)
    session = sessions()
    corpus = PaperCorpus.load(session, model_name(memo), memo.dim)
    yield PaperSearcher(corpus, linker), session
    session.close()


def test_search_concept_reached_through_isa_says_which_edge(
    searcher: tuple[PaperSearcher, Session],
) -> None:
    papers, session = searcher

    results = papers.search(session, "cat", 2)

    top = results.hits[0]
    assert top.paper.id == "t1"
    assert [(m.uri, m.via, m.source, m.direction) for m in top.matches] == [
        ("/c/en/kitten", "/r/IsA", "/c/en/cat", "in")
    ]
    assert top.signals["concept"] > 0
    assert [m.uri for m in results.query_concepts] == ["/c/en/cat"]


def test_search_concept_reached_through_synonym_says_which_edge(
    searcher: tuple[PaperSearcher, Session],
) -> None:
    papers, session = searcher

    top = papers.search(session, "a car", 1).hits[0]

    assert top.paper.id == "t2"
    assert (top.matches[0].uri, top.matches[0].via) == (
        "/c/en/automobile",
        "/r/Synonym",
    )


def test_search_without_expansion_concept_score_is_zero(
    searcher: tuple[PaperSearcher, Session],
) -> None:
    papers, session = searcher
    plain = PaperSearcher(papers.corpus, papers.linker, RankConfig(decay={}))

    hits = plain.search(session, "cat", 4).hits

    assert all(hit.signals["concept"] == 0 for hit in hits)
    assert all(hit.matches == () for hit in hits)


def test_search_direct_concept_match_is_direct(
    searcher: tuple[PaperSearcher, Session],
) -> None:
    papers, session = searcher

    top = papers.search(session, "knowledge graph", 1).hits[0]

    assert top.paper.id == "t3"
    direct = {m.uri for m in top.matches if m.via == "direct"}
    assert "/c/en/knowledge_graph" in direct


def test_search_filters_limit_hits(searcher: tuple[PaperSearcher, Session]) -> None:
    papers, session = searcher

    recent = papers.search(session, "cat", 4, PaperFilters(year_min=2022)).hits
    venue = papers.search(
        session, "cat", 4, PaperFilters.parse({"venue": "road safety"})
    )
    author = papers.search(session, "cat", 4, PaperFilters(author="ada lovelace")).hits

    assert {h.paper.id for h in recent} == {"t3", "t4"}
    assert [h.paper.id for h in venue.hits] == ["t2"]
    assert {h.paper.id for h in author} == {"t1", "t4"}


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"colour": "red"}, "invalid filter 'colour': expected one of year_min"),
        ({"year_min": "recent"}, "invalid filter year_min 'recent'"),
        ({"venue": " "}, "invalid filter venue"),
        ({"year_min": "2022", "year_max": "2020"}, "at most year_max 2020"),
    ],
)
def test_filters_parse_bad_filter_raises_naming_it(
    values: dict[str, str], named: str
) -> None:
    with pytest.raises(InvalidQuery, match=named):
        PaperFilters.parse(values)


def test_similar_paper_shares_concepts_and_leaves_itself_out(
    searcher: tuple[PaperSearcher, Session],
) -> None:
    papers, session = searcher
    t3 = papers.corpus.papers[papers.corpus.row_of_id["t3"]]

    hits = papers.similar(session, t3, 3)
    by_text = papers.similar(session, "sparse autoencoder on activations", 1)

    assert "t3" not in [h.paper.id for h in hits]
    assert hits[0].paper.id == "t4"
    assert [m.uri for m in hits[0].matches] == ["/c/en/sparse_autoencoder"]
    assert hits[0].matches[0].via == "shared"
    assert by_text[0].paper.id == "t4"


def test_fuse_zscores_and_skips_constant_signals() -> None:
    scores = {
        "dense": np.array([0.0, 1.0, 2.0], dtype=np.float32),
        "concept": np.zeros(3, dtype=np.float32),
    }

    fused = fuse(scores, {"dense": 2.0, "concept": 5.0})

    np.testing.assert_allclose(fused, 2.0 * np.array([-1.2247, 0.0, 1.2247]), atol=1e-3)


def test_top_rows_masked_and_tied_rows_keep_order() -> None:
    scores = np.array([1.0, 3.0, 3.0, 2.0])

    assert top_rows(scores, 3) == [1, 2, 3]
    assert top_rows(scores, 3, np.array([True, False, True, False])) == [2, 0]
    assert top_rows(scores, 0) == []


def test_late_interaction_alone_ranks_the_paper_sharing_the_rare_words(
    searcher: tuple[PaperSearcher, Session],
) -> None:
    papers, session = searcher
    only_late = RankConfig(weights={"late_interaction": 1.0})
    late = PaperSearcher(papers.corpus, papers.linker, only_late)

    hits = late.search(session, "crash frames", 4).hits

    assert hits[0].paper.id == "t2"
    assert all("late_interaction" in hit.signals for hit in hits)
    assert hits[0].signals["late_interaction"] > hits[1].signals["late_interaction"]
    assert [hit.score for hit in hits] == sorted((h.score for h in hits), reverse=True)


def test_without_its_weight_late_interaction_is_not_scored(
    searcher: tuple[PaperSearcher, Session],
) -> None:
    papers, session = searcher
    weights = {**RankConfig().weights, "late_interaction": 0.0}
    plain = PaperSearcher(papers.corpus, papers.linker, RankConfig(weights=weights))

    hits = plain.search(session, "crash frames", 2).hits

    assert hits[0].paper.id == "t2"
    assert "late_interaction" not in hits[0].signals


def test_late_interaction_of_a_paper_without_wordpieces_is_nan(
    searcher: tuple[PaperSearcher, Session],
) -> None:
    papers, session = searcher
    corpus = papers.corpus
    rows = [corpus.row_of_id["t1"], corpus.row_of_id["t2"]]
    session.execute(
        PaperTokenVectors.__table__.delete().where(
            PaperTokenVectors.paper_id == corpus.papers[rows[0]].key
        )
    )

    scores = papers.late_interaction(session, "kitten shelters", rows)

    assert np.isnan(scores[0]) and np.isfinite(scores[1])
    assert corpus.wordpiece_papers == 4


class _CountingEncoder(MemoEncoder):
    """Counts how often each text goes through a forward pass."""

    def __init__(self, encoder: TextEncoder) -> None:
        super().__init__(encoder)
        self.passes: Counter[str] = Counter()

    def encode(self, texts: list[str]) -> np.ndarray:  # type: ignore[override]
        self.passes.update(texts)
        return super().encode(texts)

    def encode_tokens(  # type: ignore[override]
        self, texts: list[str]
    ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        self.passes.update(texts)
        return super().encode_tokens(texts)


def test_search_encodes_the_query_once_and_bare_under_a_prompted_set(
    searcher: tuple[PaperSearcher, Session], encoder: TextEncoder
) -> None:
    papers, session = searcher
    counting = _CountingEncoder(encoder)
    index = papers.linker.searcher.index
    prompted = ConceptSearcher(index, counting, query_templates=DEFAULT_TERM_TEMPLATES)
    search = PaperSearcher(papers.corpus, tiny_linker(prompted))
    query = "stray kittens in shelters"

    hits = search.search(session, query, 4).hits

    # One forward pass feeds the pooled signals and the re-rank; the query
    # meets bare paper vectors, so it is not prompted like concept phrases.
    assert counting.passes[query] == 1
    assert "late_interaction" in hits[0].signals
    bare = encoder.encode([query])[0]
    row = papers.corpus.row_of_id[hits[0].paper.id]
    expected = float(papers.corpus.doc_vectors[row] @ bare)
    assert hits[0].signals["dense"] == pytest.approx(expected, abs=1e-5)
