"""Vectors for concepts added to the graph after their embedding set was built."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from embeddings.concept_text import (
    TEXT_MODES,
    TextMode,
    concept_texts,
    encode_concept_texts,
    templates_in,
)
from embeddings.encoders import TextEncoder
from embeddings.errors import InvalidVectors
from embeddings.sets import EmbeddingSetStore, SetInfo

logger = logging.getLogger(__name__)

# Sets whose vectors come from text, so a new concept can be encoded alone.
EXTENDABLE_KINDS = ("text", "fused")


def is_extendable(info: SetInfo) -> bool:
    """Whether new concepts can get vectors in the set without a rebuild."""
    return info.kind in EXTENDABLE_KINDS


def text_params_of(session: Session, info: SetInfo) -> dict[str, object]:
    """The text params of a set (``fused``: its source set's)."""
    params = info.params
    if info.kind == "fused":
        params = EmbeddingSetStore(session).by_label(str(params["source"])).params
    return dict(params)


def text_mode_of(session: Session, info: SetInfo) -> TextMode:
    """How the concepts of a set were turned into text (``fused``: its source's)."""
    mode = str(text_params_of(session, info).get("text", "label"))
    if mode not in TEXT_MODES:
        raise InvalidVectors("set", f"{info.label} has unknown text mode {mode!r}")
    return mode  # type: ignore[return-value]


def extend_set(
    sessions: sessionmaker[Session],
    info: SetInfo,
    encoder: TextEncoder,
    *,
    batch_size: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """Encode and store every concept that has no vector in the set yet.

    Each batch is committed on its own, so an interrupted run loses at most
    the batch in progress and the next run continues.

    Args:
        sessions: factory of sessions on the graph database.
        info: a ``text`` or ``fused`` set, encoded with ``encoder``'s model.
        encoder: the text encoder.
        batch_size: concepts encoded and committed at a time.

    Returns:
        (concept ids int64 shape (n,), unit vectors float32 shape (n, dim))
        of the concepts added; n may be 0.

    Raises:
        InvalidVectors: a set of another kind (its vectors come from
            training, not text), or an encoder of another dimension.
    """
    if not is_extendable(info):
        raise InvalidVectors(
            "set", f"{info.label} is a {info.kind} set; new concepts need a retrain"
        )
    if encoder.dim != info.dim:
        raise InvalidVectors(
            "encoder", f"dim {encoder.dim} differs from {info.label}'s {info.dim}"
        )
    # Limitation: in a fused set a new concept gets its plain text vector;
    # it is pulled toward its neighbours only when the set is rebuilt.
    with sessions() as session:
        mode = text_mode_of(session, info)
        templates = templates_in(text_params_of(session, info))
    added_ids: list[np.ndarray] = []
    added_vectors: list[np.ndarray] = []
    while True:
        with sessions() as session:
            todo = EmbeddingSetStore(session).concepts_without_vectors(
                info.id, limit=batch_size
            )
            if not todo:
                break
            texts = concept_texts(session, todo, mode)
        vectors = encode_concept_texts(encoder, texts, templates)
        ids = np.array([cid for cid, _ in todo], dtype=np.int64)
        with sessions.begin() as session:
            EmbeddingSetStore(session).append_vectors(info.id, ids, vectors)
        added_ids.append(ids)
        added_vectors.append(vectors)
        logger.info("set_extended set=%s concepts=%d", info.label, len(ids))
    if not added_ids:
        return np.empty(0, dtype=np.int64), np.empty((0, info.dim), dtype=np.float32)
    return np.concatenate(added_ids), np.concatenate(added_vectors)


def reencode_concepts(
    sessions: sessionmaker[Session],
    info: SetInfo,
    encoder: TextEncoder,
    uris: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Encode the current text of concepts (e.g. after a relabel) and replace
    their stored vectors in the set, in one transaction.

    Concepts that are gone, or that have no vector in the set yet (the next
    :func:`extend_set` gives them one), are left out.

    Returns:
        (concept ids int64 shape (n,), unit vectors float32 shape (n, dim))
        of the vectors replaced.
    """
    concepts: list[tuple[int, str]] = []
    if is_extendable(info) and uris:
        with sessions() as session:
            mode = text_mode_of(session, info)
            templates = templates_in(text_params_of(session, info))
            store = EmbeddingSetStore(session)
            concepts = store.concepts_with_vectors(info.id, list(uris))
            texts = concept_texts(session, concepts, mode)
    if not concepts:
        return np.empty(0, dtype=np.int64), np.empty((0, info.dim), dtype=np.float32)
    vectors = encode_concept_texts(encoder, texts, templates)
    ids = np.array([cid for cid, _ in concepts], dtype=np.int64)
    with sessions.begin() as session:
        EmbeddingSetStore(session).replace_vectors(info.id, ids, vectors)
    logger.info("set_vectors_replaced set=%s concepts=%d", info.label, len(ids))
    return ids, vectors
