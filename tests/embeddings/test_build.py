"""Tests of building a text set (label or prompted) with the real encoder and
indexing it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, select

from embeddings.build import build_index, build_text_set
from embeddings.concept_text import TextMode, templates_in
from embeddings.encoders import TextEncoder
from embeddings.incremental import extend_set
from embeddings.index import ConceptIndex
from embeddings.search import ConceptSearcher
from embeddings.sets import EmbeddingSetStore
from embeddings.term_prompts import DEFAULT_TERM_TEMPLATES, encode_terms
from graph.db import create_session_factory
from graph.models import Concept
from graph.records import EdgeInput
from graph.store import GraphStore

WORDS = ["dog", "puppy", "cat", "kitten", "car", "truck", "apple", "banana", "piano"]


def _load_words(engine: Engine) -> None:
    with create_session_factory(engine).begin() as session:
        GraphStore(session).upsert_edges(
            [
                EdgeInput("/r/RelatedTo", f"/c/en/{a}", f"/c/en/{b}")
                for a, b in zip(WORDS, WORDS[1:], strict=False)
            ]
        )


def test_build_text_set_encodes_every_concept_once(
    engine: Engine, encoder: TextEncoder
) -> None:
    _load_words(engine)
    sessions = create_session_factory(engine)

    info = build_text_set(sessions, encoder, batch_size=4)

    with sessions() as session:
        ids, vectors = EmbeddingSetStore(session).load_vectors(info.id)
    assert info.ready and info.dim == encoder.dim
    assert len(ids) == len(WORDS)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_build_text_set_resumes_an_interrupted_build(
    engine: Engine, encoder: TextEncoder
) -> None:
    _load_words(engine)
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        sets = EmbeddingSetStore(session)
        partial = sets.create(
            "text", kind="text", model=str(encoder.model_path), dim=encoder.dim
        )
        first = session.execute(
            select(Concept.id, Concept.label).order_by(Concept.id).limit(3)
        ).all()
        sets.write_vectors(
            partial.id,
            np.array([cid for cid, _ in first]),
            encoder.encode([label for _, label in first]),
        )

    info = build_text_set(sessions, encoder, batch_size=4)

    with sessions() as session:
        assert EmbeddingSetStore(session).count(info.id) == len(WORDS)
    assert info.id == partial.id and info.ready


@pytest.mark.parametrize("text_mode", ["label", "prompted"])
def test_index_of_text_set_finds_each_label_first(
    engine: Engine, encoder: TextEncoder, tmp_path: Path, text_mode: TextMode
) -> None:
    _load_words(engine)
    sessions = create_session_factory(engine)
    info = build_text_set(sessions, encoder, text_mode=text_mode)
    with sessions() as session:
        build_index(session, info, tmp_path)
        uris = dict(session.execute(select(Concept.id, Concept.uri)).all())
    index = ConceptIndex.load(tmp_path, embedding_set=info.label)
    # Queries are encoded as the server encodes them for the set.
    searcher = ConceptSearcher(
        index, encoder, query_templates=templates_in(info.params)
    )

    found = index.search(searcher.encode(WORDS), 2)

    assert [uris[int(cid)] for cid in found.ids[:, 0]] == [f"/c/en/{w}" for w in WORDS]
    assert uris[int(found.ids[WORDS.index("puppy"), 1])] == "/c/en/dog"


def test_prompted_set_stores_templates_and_prompts_each_label(
    engine: Engine, encoder: TextEncoder
) -> None:
    _load_words(engine)
    sessions = create_session_factory(engine)

    info = build_text_set(sessions, encoder, text_mode="prompted", batch_size=4)

    templates = list(DEFAULT_TERM_TEMPLATES)
    assert info.params == {"text": "prompted", "templates": templates}
    with sessions() as session:
        ids, vectors = EmbeddingSetStore(session).load_vectors(info.id)
        labels = dict(session.execute(select(Concept.id, Concept.label)).all())
    expected = encode_terms(encoder.encode, [labels[int(cid)] for cid in ids])
    np.testing.assert_allclose(vectors, expected, atol=1e-5)


def test_extend_set_prompts_new_concepts_of_a_prompted_set(
    engine: Engine, encoder: TextEncoder
) -> None:
    _load_words(engine)
    sessions = create_session_factory(engine)
    info = build_text_set(sessions, encoder, text_mode="prompted")
    with sessions.begin() as session:
        GraphStore(session).upsert_edges(
            [EdgeInput("/r/IsA", "/c/en/violin", "/c/en/piano")]
        )

    ids, vectors = extend_set(sessions, info, encoder)

    assert len(ids) == 1
    np.testing.assert_allclose(
        vectors, encode_terms(encoder.encode, ["violin"]), atol=1e-5
    )
