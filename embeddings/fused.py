"""The ``fused`` embedding set: text vectors retrofitted over the graph's edges."""

from __future__ import annotations

import logging

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from embeddings.retrofit import relation_edge_weights, retrofit
from embeddings.sets import EmbeddingSetStore, SetInfo
from embeddings.vectors import normalize_rows
from graph.store import GraphStore

logger = logging.getLogger(__name__)

# Per-relation weights for ConceptNet edges: clean relations count, noisy and
# negated ones (AtLocation, HasProperty, Desires, Not*) are dropped. They are
# the ConceptNet part of the scheme benchmarks/wordsim.py measured best on MEN
# (see benchmarks/RESULTS.md).
DEFAULT_RELATION_WEIGHTS: dict[str, float] = {
    "/r/IsA": 1.0,
    "/r/InstanceOf": 1.0,
    "/r/DefinedAs": 1.0,
    "/r/Synonym": 1.0,
    "/r/FormOf": 1.0,
    "/r/RelatedTo": 0.5,
    "/r/PartOf": 0.5,
    "/r/MadeOf": 0.5,
    "/r/SymbolOf": 0.5,
    "/r/HasA": 0.3,
    "/r/UsedFor": 0.3,
    "/r/CapableOf": 0.3,
    "/r/ReceivesAction": 0.2,
    "/r/CreatedBy": 0.2,
    "/r/Causes": 0.2,
    "/r/HasSubevent": 0.1,
    "/r/HasPrerequisite": 0.1,
}


def build_fused_set(
    sessions: sessionmaker[Session],
    source: SetInfo,
    *,
    name: str = "fused",
    relation_weights: dict[str, float] | None = None,
    alpha: float = 2.0,
    iterations: int = 10,
) -> SetInfo:
    """Retrofit a ready set over the stored graph into a new ``fused`` set.

    Each edge pulls its two concepts together with the weight of its
    relation times the edge's own weight (edges of weight <= 0 are dropped);
    concepts without vectors in the source set are skipped.

    Args:
        sessions: factory of sessions on the graph database.
        source: the ready set to retrofit (usually the newest ``text`` set).
        name: name of the new set.
        relation_weights: weight per relation URI; absent relations are dropped.
        alpha: how strongly each vector holds on to its source value.
        iterations: retrofitting iterations.
    """
    weights_by_relation = relation_weights or DEFAULT_RELATION_WEIGHTS
    with sessions() as session:
        ids, vectors = EmbeddingSetStore(session).load_vectors(source.id)
        starts, ends, relations, edge_weights = GraphStore(session).edge_arrays()
    start_ids = np.asarray(starts, dtype=np.int64)
    end_ids = np.asarray(ends, dtype=np.int64)
    weights = relation_edge_weights(relations, weights_by_relation) * np.maximum(
        np.asarray(edge_weights, dtype=np.float32), 0.0
    )
    start_rows = np.searchsorted(ids, start_ids)
    end_rows = np.searchsorted(ids, end_ids)
    known = (
        (start_rows < len(ids))
        & (end_rows < len(ids))
        & (ids[np.minimum(start_rows, len(ids) - 1)] == start_ids)
        & (ids[np.minimum(end_rows, len(ids) - 1)] == end_ids)
        & (weights > 0)
    )
    fused = normalize_rows(
        retrofit(
            vectors,
            start_rows[known],
            end_rows[known],
            weights[known].astype(np.float32),
            iterations=iterations,
            alpha=alpha,
        ),
        name="fused vectors",
    )
    params = {
        "source": source.label,
        "alpha": alpha,
        "iterations": iterations,
        "relation_weights": weights_by_relation,
        "edges_used": int(known.sum()),
    }
    with sessions.begin() as session:
        store = EmbeddingSetStore(session)
        info = store.create(
            name, kind="fused", model=source.model, dim=source.dim, params=params
        )
        store.write_vectors(info.id, ids, fused)
        info = store.mark_ready(info.id)
    logger.info(
        "fused_set_built set=%s source=%s edges=%d",
        info.label,
        source.label,
        params["edges_used"],
    )
    return info
