"""Build embedding sets of the graph's concepts and the FAISS index over a set."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

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
    batch_size: int = 4096,
    show_progress: bool = False,
) -> SetInfo:
    """Encode every concept's label into a new version of a ``text`` set.

    Each batch is committed on its own; when an unfinished version with the
    same model exists, the build resumes it instead of starting over.

    Args:
        sessions: factory of sessions on the graph database.
        encoder: the text encoder.
        name: name of the set.
        batch_size: concepts encoded and committed at a time.
        show_progress: draw a progress bar.

    Returns:
        The finished, ready set.
    """
    # Limitation: the text of a concept is its label only; the gloss built
    # from its strongest edges that issue 3 asks to compare is not built yet.
    model = str(encoder.model_path)
    with sessions.begin() as session:
        store = EmbeddingSetStore(session)
        try:
            info = store.latest(name, ready=False)
            resumable = not info.ready and info.model == model
        except EmbeddingSetNotFound:
            resumable = False
        if not resumable:
            info = store.create(
                name,
                kind="text",
                model=model,
                dim=encoder.dim,
                params={"text": "label"},
            )
        done = store.written_concept_ids(info.id)
        total = session.query(Concept).count()
    logger.info(
        "text_set_build set=%s resumed=%s done=%d total=%d",
        info.label,
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
            vectors = encoder.encode([label for _, label in todo])
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
    is missing or fails its checksum (a corrupted file is never served)."""
    try:
        return ConceptIndex.load(folder, embedding_set=info.label)
    except FileNotFoundError:
        logger.info("index_missing set=%s path=%s action=rebuild", info.label, folder)
    except IndexCorrupted as error:
        logger.warning(
            "index_corrupted set=%s reason=%s action=rebuild", info.label, error
        )
    return build_index(session, info, folder, kind=kind)
