"""The text a concept is encoded from: its label, its label and a gloss, or
its label through prompt templates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import regex
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from embeddings.encoders import TextEncoder
from embeddings.term_prompts import (
    DEFAULT_TERM_TEMPLATES,
    check_templates,
    encode_terms,
)
from graph.models import Concept, Edge, Relation
from graph.writer import chunks

TextMode = Literal["label", "gloss", "prompted"]
TEXT_MODES: tuple[str, ...] = ("label", "gloss", "prompted")
DEFAULT_TEXT_MODE: TextMode = "label"
# Edges per gloss: the strongest ones, either direction.
GLOSS_EDGES = 3
_IN_CHUNK = 500

# How an assertion "start REL end" reads; relations not listed are spelled
# out from their URI ("/r/MadeOf" -> "made of").
_PHRASES = {
    "/r/RelatedTo": "is related to",
    "/r/IsA": "is a",
    "/r/PartOf": "is part of",
    "/r/HasA": "has",
    "/r/UsedFor": "is used for",
    "/r/CapableOf": "can",
    "/r/AtLocation": "is found at",
    "/r/Causes": "causes",
    "/r/HasSubevent": "involves",
    "/r/HasPrerequisite": "requires",
    "/r/HasProperty": "is",
    "/r/MotivatedByGoal": "is done for",
    "/r/Desires": "wants",
    "/r/CreatedBy": "is created by",
    "/r/Synonym": "means",
    "/r/Antonym": "is the opposite of",
    "/r/DefinedAs": "is defined as",
    "/r/ReceivesAction": "can be",
    "/r/NotDesires": "does not want",
    "/r/NotCapableOf": "cannot",
    "/r/NotHasProperty": "is not",
}


def relation_phrase(relation_uri: str) -> str:
    """The words that join the two ends of an assertion of this relation."""
    if relation_uri in _PHRASES:
        return _PHRASES[relation_uri]
    name = relation_uri.rsplit("/", 1)[-1]
    return " ".join(regex.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", name)).lower()


def set_params(mode: TextMode) -> dict[str, object]:
    """The params a text set of this mode stores: the mode, and for
    ``prompted`` the templates its labels were encoded through."""
    if mode not in TEXT_MODES:
        raise ValueError(f"text mode must be one of {TEXT_MODES}, got {mode!r}")
    if mode == "prompted":
        return {"text": mode, "templates": list(DEFAULT_TERM_TEMPLATES)}
    return {"text": mode}


def templates_in(params: Mapping[str, object]) -> tuple[str, ...] | None:
    """The prompt templates of a text set's params; None unless ``prompted``."""
    if params.get("text") != "prompted":
        return None
    stored = params.get("templates", DEFAULT_TERM_TEMPLATES)
    if not isinstance(stored, list | tuple):
        raise ValueError(f"set templates must be a list, got {stored!r}")
    return check_templates([str(template) for template in stored])


def encode_concept_texts(
    encoder: TextEncoder, texts: list[str], templates: tuple[str, ...] | None
) -> np.ndarray:
    """Unit vectors of concept texts, float32 (n, dim): bare, or each text
    through the templates (see :mod:`embeddings.term_prompts`)."""
    if templates is None:
        return encoder.encode(texts)
    return encode_terms(encoder.encode, texts, templates)


def concept_texts(
    session: Session, concepts: Sequence[tuple[int, str]], mode: TextMode
) -> list[str]:
    """The texts to encode for concepts, in the order given.

    Args:
        session: a session on the graph database (read for glosses).
        concepts: (concept id, label) pairs.
        mode: ``label`` (the label alone), ``gloss`` (the label, then its
            GLOSS_EDGES strongest assertions written out, e.g.
            ``"dog: dog is a pet; puppy is a dog; dog can bark"``) or
            ``prompted`` (the label; :func:`encode_concept_texts` puts it
            through the set's templates).

    Raises:
        ValueError: an unknown mode.
    """
    if mode in ("label", "prompted"):
        return [label for _, label in concepts]
    if mode != "gloss":
        raise ValueError(f"text mode must be one of {TEXT_MODES}, got {mode!r}")
    edges = strongest_assertions(session, [cid for cid, _ in concepts])
    texts = []
    for cid, label in concepts:
        sentences = [
            f"{start} {relation_phrase(relation)} {end}"
            for relation, start, end in edges.get(cid, [])
        ]
        texts.append(f"{label}: {'; '.join(sentences)}" if sentences else label)
    return texts


def strongest_assertions(
    session: Session, concept_ids: Sequence[int], *, per_concept: int = GLOSS_EDGES
) -> dict[int, list[tuple[str, str, str]]]:
    """The strongest edges at each concept, as (relation URI, start label, end label).

    Edges in either direction count; ties in weight go to the older edge.
    """
    start, end = aliased(Concept), aliased(Concept)
    found: dict[int, list[tuple[float, int, tuple[str, str, str]]]] = {}
    for chunk in chunks(sorted(set(concept_ids)), _IN_CHUNK):
        for column in (Edge.start_id, Edge.end_id):
            rows = session.execute(
                select(
                    column, Edge.weight, Edge.id, Relation.uri, start.label, end.label
                )
                .join(Relation, Relation.id == Edge.relation_id)
                .join(start, start.id == Edge.start_id)
                .join(end, end.id == Edge.end_id)
                .where(column.in_(chunk))
            )
            for cid, weight, edge_id, relation, start_label, end_label in rows:
                found.setdefault(cid, []).append(
                    (-float(weight), int(edge_id), (relation, start_label, end_label))
                )
    return {
        cid: [assertion for *_, assertion in sorted(edges)[:per_concept]]
        for cid, edges in found.items()
    }
