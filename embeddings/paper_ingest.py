"""Ingest papers: store them and link their concepts, then encode them.

Ingest is idempotent by paper id: a paper whose fields are unchanged is
skipped, a changed one is overwritten (its links and vectors are redone).
The papers, their links and the new concepts of one import or one gRPC
stream are written in one transaction, whole or not at all. Encoding comes
after it, in batches that each commit, so a failure while encoding keeps the
papers and what was encoded; the next ingest (of any papers, or none
changed), or the next server start, encodes the rest. Until then a paper
without vectors is left out of search (see :meth:`PaperCorpus.load`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from embeddings.concept_linker import ConceptLinker, LinkResult
from embeddings.encoders import TextEncoder
from embeddings.paper_records import PaperInput, PaperRecord
from embeddings.papers_store import LinkRow, PaperStore
from embeddings.phrases import extract_phrases, sentences
from embeddings.token_vectors import TokenVectors
from graph.planner_stats import refresh_planner_statistics
from graph.records import ConceptInput, EdgeInput
from graph.store import GraphStore

logger = logging.getLogger(__name__)

PAPERS_DATASET = "/d/papers"
_ENCODE_BATCH = 2048


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did.

    ``concepts_created`` counts the new ``/d/papers`` concepts, and
    ``edges_written`` their RelatedTo edges; ``papers`` is the corpus size
    afterwards.
    """

    inserted: int
    updated: int
    unchanged: int
    links: int
    concepts_created: int
    edges_written: int
    vectors: int
    papers: int


def model_name(encoder: TextEncoder) -> str:
    """The key under which paper vectors of this encoder are stored."""
    return encoder.model_path.name


def ingest_papers(
    sessions: sessionmaker[Session],
    papers: Sequence[PaperInput],
    linker: ConceptLinker,
    encoder: TextEncoder,
    *,
    encode_batch: int = _ENCODE_BATCH,
) -> IngestReport:
    """Store new and changed papers with their concept links, then encode.

    Args:
        sessions: the database's session factory; the papers and links are
            written in one transaction, the vectors in one per batch.
        papers: validated papers with distinct ids.
        linker: links phrases to concepts (and proposes new ones).
        encoder: encodes the papers' texts (the concept index's encoder).
        encode_batch: papers encoded and committed together.

    Raises:
        Whatever the encoder raises; the papers and links are then stored
        and the vectors of the batches before the failure kept.
    """
    if encode_batch < 1:
        raise ValueError(f"encode batch {encode_batch} must be at least 1")
    with sessions.begin() as session:
        stored = store_papers(session, papers, linker)
    vectors = encode_missing(sessions, encoder, batch=encode_batch)
    report = IngestReport(**{**stored, "vectors": vectors})
    if report.inserted or report.updated:
        with sessions() as session:
            bind = session.get_bind()
        refresh_planner_statistics(bind if isinstance(bind, Engine) else bind.engine)
    logger.info(
        "papers_ingested inserted=%d updated=%d unchanged=%d links=%d "
        "concepts_created=%d vectors=%d",
        report.inserted,
        report.updated,
        report.unchanged,
        report.links,
        report.concepts_created,
        report.vectors,
    )
    return report


def store_papers(
    session: Session, papers: Sequence[PaperInput], linker: ConceptLinker
) -> dict[str, int]:
    """Write the new and changed papers, their links and new concepts.

    A changed paper's old links and vectors are removed with it.

    Args:
        session: a session in the caller's transaction.
        papers: validated papers with distinct ids.
        linker: links phrases to concepts (and proposes new ones).

    Returns:
        The counts of :class:`IngestReport` except ``vectors``.
    """
    # Limitation: linking encodes the recurring chunks and the candidate
    # concepts inside this transaction (SciFact: about a minute on two
    # cores); the papers' own texts are encoded after it commits.
    store = PaperStore(session)
    known = store.content_hashes(p.id for p in papers)
    todo = [p for p in papers if known.get(p.id) != p.content_hash()]
    updated = sum(1 for p in todo if p.id in known)
    links = created = edges = 0
    if todo:
        linked = linker.link(
            session, [extract_phrases(p.text) for p in todo], propose_new=True
        )
        created, edges = _create_concepts(session, linked)
        keys = store.upsert(todo)
        links = _store_links(session, store, todo, keys, linked)
        store.recompute_weights()
    return {
        "inserted": len(todo) - updated,
        "updated": updated,
        "unchanged": len(papers) - len(todo),
        "links": links,
        "concepts_created": created,
        "edges_written": edges,
        "papers": store.count(),
    }


def encode_missing(
    sessions: sessionmaker[Session],
    encoder: TextEncoder,
    *,
    batch: int = _ENCODE_BATCH,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Encode the papers that have no vectors of this encoder yet.

    Part 0 is title plus abstract, stored with its wordpiece vectors (for
    late interaction); when the abstract has several sentences, parts 1..n
    are its sentences (passages for max-sim scoring). Each batch
    of papers is read, encoded with no transaction open, and written in a
    transaction of its own.

    Args:
        sessions: the database's session factory.
        encoder: the concept index's encoder.
        batch: papers encoded and committed together.
        should_stop: asked before each batch; True ends the pass there (the
            batches written so far are kept).

    Returns:
        The number of vectors written.
    """
    if batch < 1:
        raise ValueError(f"encode batch {batch} must be at least 1")
    model = model_name(encoder)
    with sessions() as session:
        keys = PaperStore(session).keys_without_vectors(model)
    written = 0
    for start in range(0, len(keys), batch):
        if should_stop is not None and should_stop():
            logger.info("papers_encoding_stopped done=%d total=%d", start, len(keys))
            break
        with sessions() as session:
            store = PaperStore(session)
            # A paper removed since the keys were read is left out.
            papers = store.papers_by_keys(keys[start : start + batch])
            with_parts = store.keys_with_parts(model, [p.key for p in papers])
        if not papers:
            continue
        # Encoded outside any transaction; written in one of its own.
        owners, parts, vectors, tokens = _encode(encoder, papers, with_parts)
        # A concurrent ingest may have changed or encoded some of these papers
        # meanwhile; write_vectors leaves those alone.
        hashes = {paper.key: paper.content_hash for paper in papers}
        with sessions.begin() as session:
            written += PaperStore(session).write_vectors(
                model, owners, parts, vectors, tokens=tokens, encoded_hashes=hashes
            )
        logger.info(
            "papers_encoded papers=%d vectors=%d done=%d total=%d",
            len(papers),
            len(vectors),
            min(start + batch, len(keys)),
            len(keys),
        )
    return written


def _parts(papers: list[PaperRecord]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Paper keys, part numbers and texts of the parts after part 0: the
    sentences of each abstract that has several."""
    owners: list[int] = []
    parts: list[int] = []
    texts: list[str] = []
    for paper in papers:
        pieces = sentences(paper.abstract)
        if len(pieces) > 1:
            for number, sentence in enumerate(pieces, start=1):
                owners.append(paper.key)
                parts.append(number)
                texts.append(sentence)
    return np.array(owners, dtype=np.int64), np.array(parts, dtype=np.int64), texts


def _encode(
    encoder: TextEncoder, papers: list[PaperRecord], with_parts: set[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, TokenVectors]]:
    """Every part of the papers encoded: (keys, parts, unit vectors) and the
    wordpiece vectors of each paper's whole text. The sentences of papers in
    ``with_parts`` (stored before wordpiece vectors) are not encoded again;
    their whole text is, for its wordpieces (its part 0 row is kept)."""
    wholes = [PaperInput(p.id, p.title, p.abstract).text for p in papers]
    whole_vectors, pieces = encoder.encode_tokens(wholes)
    tokens = {
        paper.key: TokenVectors.quantize(ids, vectors)
        for paper, (ids, vectors) in zip(papers, pieces, strict=True)
    }
    owners, parts, texts = _parts([p for p in papers if p.key not in with_parts])
    keys = np.array([paper.key for paper in papers], dtype=np.int64)
    if texts:
        sentence_vectors = encoder.encode(texts)
        return (
            np.concatenate([keys, owners]),
            np.concatenate([np.zeros(len(keys), dtype=np.int64), parts]),
            np.concatenate([whole_vectors, sentence_vectors]),
            tokens,
        )
    return keys, np.zeros(len(keys), dtype=np.int64), whole_vectors, tokens


def _create_concepts(session: Session, linked: LinkResult) -> tuple[int, int]:
    """Write the new concepts and their RelatedTo edges; returns both counts."""
    if not linked.new_concepts:
        return 0, 0
    graph = GraphStore(session, max_batch_size=1_000_000)
    concepts = {c.uri: c for c in linked.new_concepts}
    counts = graph.upsert_concepts(
        [ConceptInput(uri, label=c.label) for uri, c in concepts.items()]
    )
    edges = [
        EdgeInput(
            "/r/RelatedTo",
            concept.uri,
            related,
            weight=round(float(score), 4),
            dataset=PAPERS_DATASET,
            sources=[{"process": "/s/process/conceptkg/papers"}],
        )
        for concept in concepts.values()
        for related, score in concept.related
    ]
    if edges:
        graph.upsert_edges(edges)
    return counts.inserted, len(edges)


def _store_links(
    session: Session,
    store: PaperStore,
    papers: list[PaperInput],
    keys: dict[str, int],
    linked: LinkResult,
) -> int:
    graph = GraphStore(session)
    uris = {uri for text in linked.texts for uri in text.counts}
    concept_ids = graph.concept_ids(uris)
    rows = [
        LinkRow(
            paper_key=keys[paper.id],
            concept_id=concept_ids[uri],
            count=count,
            confidence=float(text.best[uri].confidence),
            link=text.best[uri].link,
            phrase=text.phrase(uri),
        )
        for paper, text in zip(papers, linked.texts, strict=True)
        for uri, count in text.counts.items()
        if uri in concept_ids
    ]
    return store.add_links(rows)
