"""Build embedding sets of the graph's concepts and the FAISS index over a set."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from embeddings.concept_text import (
    DEFAULT_TEXT_MODE,
    TextMode,
    concept_texts,
    encode_concept_texts,
    set_params,
    templates_in,
)
from embeddings.encoders import TextEncoder
from embeddings.errors import IndexCorrupted
from embeddings.index import ConceptIndex, IndexKind
from embeddings.sets import EmbeddingSetNotFound, EmbeddingSetStore, SetInfo
from graph.models import Concept

logger = logging.getLogger(__name__)


def build_text_set(
    sessions: sessionmaker[Session],
    encoder: TextEncoder,
    *,
    name: str = "text",
    text_mode: TextMode = DEFAULT_TEXT_MODE,
    batch_size: int = 4096,
    show_progress: bool = False,
) -> SetInfo:
    """Encode every concept's text into a new version of a ``text`` set.

    Each batch is committed on its own; when an unfinished version with the
    same model and text mode exists, the build resumes it instead of
    starting over.

    Args:
        sessions: factory of sessions on the graph database.
        encoder: the text encoder.
        name: name of the set.
        text_mode: ``label``, ``gloss`` (label plus strongest edges) or
            ``prompted`` (label through prompt templates); see
            :func:`embeddings.concept_text.concept_texts`.
        batch_size: concepts encoded and committed at a time.
        show_progress: draw a progress bar.

    Returns:
        The finished, ready set.
    """
    model = str(encoder.model_path)
    params = set_params(text_mode)
    templates = templates_in(params)
    with sessions.begin() as session:
        store = EmbeddingSetStore(session)
        try:
            info = store.latest(name, ready=False)
            resumable = (
                not info.ready
                and info.model == model
                and info.params.get("text", "label") == text_mode
            )
        except EmbeddingSetNotFound:
            resumable = False
        if not resumable:
            info = store.create(
                name, kind="text", model=model, dim=encoder.dim, params=params
            )
        done = store.written_concept_ids(info.id)
        total = session.query(Concept).count()
    logger.info(
        "text_set_build set=%s text=%s resumed=%s done=%d total=%d",
        info.label,
        text_mode,
        resumable,
        len(done),
        total,
    )
    last_id = -1
    with tqdm(total=total, initial=len(done), disable=not show_progress) as progress:
        while True:
            with sessions() as session:
                rows = session.execute(
                    select(Concept.id, Concept.label)
                    .where(Concept.id > last_id)
                    .order_by(Concept.id)
                    .limit(batch_size)
                ).all()
            if not rows:
                break
            last_id = int(rows[-1][0])
            todo = [(cid, label) for cid, label in rows if cid not in done]
            if not todo:
                continue
            with sessions() as session:
                texts = concept_texts(session, todo, text_mode)
            vectors = encode_concept_texts(encoder, texts, templates)
            ids = np.array([cid for cid, _ in todo], dtype=np.int64)
            with sessions.begin() as session:
                EmbeddingSetStore(session).write_vectors(info.id, ids, vectors)
            progress.update(len(todo))
    with sessions.begin() as session:
        return EmbeddingSetStore(session).mark_ready(info.id)


def build_index(
    session: Session,
    info: SetInfo,
    folder: Path,
    *,
    kind: IndexKind | Literal["auto"] = "flat",
) -> ConceptIndex:
    """Build the FAISS index of a ready set and save it under ``folder``."""
    if not info.ready:
        raise EmbeddingSetNotFound(info.label)
    ids, vectors = EmbeddingSetStore(session).load_vectors(info.id)
    index = ConceptIndex.build(ids, vectors, embedding_set=info.label, kind=kind)
    index.save(folder)
    return index


def load_or_rebuild_index(
    session: Session,
    info: SetInfo,
    folder: Path,
    *,
    kind: IndexKind | Literal["auto"] = "auto",
) -> ConceptIndex:
    """Load the saved index of a set; rebuild it from the stored vectors when it
    is missing, fails its checksum (a corrupted file is never served) or holds
    fewer vectors than the set (concepts added since it was saved)."""
    try:
        index = ConceptIndex.load(folder, embedding_set=info.label)
        stored = EmbeddingSetStore(session).count(info.id)
        if index.count == stored:
            return index
        # Vectors were added to the set after the file was saved (new
        # concepts encoded while no server wrote the index).
        logger.info(
            "index_stale set=%s indexed=%d stored=%d action=rebuild",
            info.label,
            index.count,
            stored,
        )
    except FileNotFoundError:
        logger.info("index_missing set=%s path=%s action=rebuild", info.label, folder)
    except IndexCorrupted as error:
        logger.warning(
            "index_corrupted set=%s reason=%s action=rebuild", info.label, error
        )
    return build_index(session, info, folder, kind=kind)
