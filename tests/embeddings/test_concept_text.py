"""Tests of the texts concepts are encoded from (label, gloss, prompted)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from embeddings.concept_text import (
    concept_texts,
    relation_phrase,
    set_params,
    templates_in,
)
from embeddings.term_prompts import DEFAULT_TERM_TEMPLATES
from graph.db import create_session_factory
from graph.records import ConceptInput, EdgeInput
from graph.store import GraphStore

EDGES = [
    EdgeInput("/r/IsA", "/c/en/dog", "/c/en/animal", weight=2.0),
    EdgeInput("/r/CapableOf", "/c/en/dog", "/c/en/bark", weight=1.0),
    EdgeInput("/r/AtLocation", "/c/en/dog", "/c/en/house", weight=0.5),
    EdgeInput("/r/RelatedTo", "/c/en/puppy", "/c/en/dog", weight=3.0),
    EdgeInput("/r/MadeOf", "/c/en/house", "/c/en/brick", weight=1.0),
]


@pytest.mark.parametrize(
    ("relation", "phrase"),
    [
        ("/r/IsA", "is a"),
        ("/r/CapableOf", "can"),
        ("/r/MadeOf", "made of"),
        ("/r/dbpedia/genre", "genre"),
        ("/r/HasFirstSubevent", "has first subevent"),
    ],
)
def test_relation_phrase_reads_relation_as_words(relation: str, phrase: str) -> None:
    assert relation_phrase(relation) == phrase


def test_concept_texts_gloss_lists_strongest_edges_both_ways(engine: Engine) -> None:
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        GraphStore(session).upsert_edges(EDGES)
    with sessions() as session:
        ids = GraphStore(session).concept_ids(["/c/en/dog", "/c/en/bark", "/c/en/cat"])
        rows = [(ids["/c/en/dog"], "dog"), (ids["/c/en/bark"], "bark")]

        glosses = concept_texts(session, rows, "gloss")
        labels = concept_texts(session, rows, "label")

    assert glosses == [
        "dog: puppy is related to dog; dog is a animal; dog can bark",
        "bark: dog can bark",
    ]
    assert labels == ["dog", "bark"]


def test_concept_texts_gloss_of_concept_without_edges_is_its_label(
    engine: Engine,
) -> None:
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        GraphStore(session).upsert_edges(EDGES[:1])
        GraphStore(session).upsert_concepts([ConceptInput("/c/en/lonely")])
    with sessions() as session:
        lonely = GraphStore(session).concept_id("/c/en/lonely")

        assert concept_texts(session, [(lonely, "lonely")], "gloss") == ["lonely"]


def test_concept_texts_unknown_mode_is_rejected_by_name(engine: Engine) -> None:
    with create_session_factory(engine)() as session:
        with pytest.raises(ValueError, match="'summary'"):
            concept_texts(session, [(1, "dog")], "summary")  # type: ignore[arg-type]


def test_set_params_and_templates_in_round_trip_the_prompted_mode() -> None:
    params = set_params("prompted")

    assert templates_in(params) == DEFAULT_TERM_TEMPLATES
    assert templates_in(set_params("label")) is None
    assert templates_in(set_params("gloss")) is None
    # A set stored before prompted sets existed has no templates key.
    assert templates_in({"text": "prompted"}) == DEFAULT_TERM_TEMPLATES


def test_bad_text_modes_and_stored_templates_are_rejected_by_name() -> None:
    with pytest.raises(ValueError, match="'sentence'"):
        set_params("sentence")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'no slot'"):
        templates_in({"text": "prompted", "templates": ["no slot"]})
    with pytest.raises(ValueError, match="must be a list"):
        templates_in({"text": "prompted", "templates": "the term {}"})
