"""Shared state of benchmarks/sae_naming.py and its timed namings through servers."""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine

from benchmarks.sae_naming_data import Corpus, Tokens
from embeddings.encoders import TextEncoder
from embeddings.index import ConceptIndex
from embeddings.layer_activations import LayerReader
from embeddings.sae_naming import DEFAULT_METHOD
from embeddings.sae_training import TrainedSAE
from embeddings.search import ConceptSearcher
from embeddings.sets import EmbeddingSetStore
from graph.db import create_session_factory
from service.client import ConceptKGClient
from service.server import create_server
from service.settings import Settings

logger = logging.getLogger("benchmarks.sae_naming")

SAE_NAME = "minilm-l6/topk"


@dataclass
class Run:
    """What the steps share."""

    args: argparse.Namespace
    rng: np.random.Generator
    corpus: Corpus
    reader: LayerReader
    train: Tokens
    held: Tokens
    trained: TrainedSAE
    tops: dict[int, list[tuple[int, float]]]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def live(self) -> list[int]:
        """Features that fire on at least one training token."""
        return sorted(self.tops)


def timed_naming(
    run: Run, client: ConceptKGClient, method: str
) -> tuple[dict[int, Any], float, float]:
    """Name every live feature ``--naming-repeats`` times (each run is stored as
    the method's next version); the names, the median rate and its seconds."""
    seconds = []
    found: dict[int, Any] = {}
    for _ in range(max(1, run.args.naming_repeats)):
        clock = time.perf_counter()
        found = {
            name.feature_id: name
            for response in client.name_features(
                SAE_NAME, run.live, method=method, k=run.args.name_k
            )
            for name in response.names
        }
        seconds.append(time.perf_counter() - clock)
    median = float(np.median(seconds))
    logger.info(
        "naming_timed method=%s seconds=%s", method, [round(s, 2) for s in seconds]
    )
    return found, round(len(found) / median, 1), median


def name_with_other_indexes(
    run: Run,
    engine: Engine,
    index: ConceptIndex,
    encoder: TextEncoder,
    names: dict[str, dict[int, Any]],
) -> dict[str, dict[str, Any]]:
    """The default method once more through a second server for each other
    index kind (of flat, HNSW and IVF), through a flat index with a
    ``--prefilter-dim`` first pass, and, when the first server had the
    bfloat16 first pass, through a flat index without it: the rate and the
    share of features whose top concept agrees with the first server's.
    Their names are stored as the method's next versions."""
    with create_session_factory(engine)() as session:
        sets = EmbeddingSetStore(session)
        info = sets.latest("text")
        ids, vectors = sets.load_vectors(info.id)
    others = {
        kind: name_with_index(
            run,
            engine,
            ConceptIndex.build(ids, vectors, embedding_set=info.label, kind=kind),
            encoder,
            names,
        )
        for kind in ("flat", "hnsw", "ivf")
        if kind != index.kind
    }
    if index.bf16_pass is not None:
        exact = ConceptIndex.build(ids, vectors, embedding_set=info.label)
        others["flat_exact"] = name_with_index(run, engine, exact, encoder, names)
    if run.args.prefilter_dim:
        flat = ConceptIndex.build(ids, vectors, embedding_set=info.label)
        flat.enable_prefilter(run.args.prefilter_dim)
        others["flat_prefilter"] = name_with_index(run, engine, flat, encoder, names)
    return others


def name_with_index(
    run: Run,
    engine: Engine,
    other: ConceptIndex,
    encoder: TextEncoder,
    names: dict[str, dict[int, Any]],
) -> dict[str, Any]:
    """Name every live feature by the default method through a server on
    ``other``; its rate and top-1 agreement with ``names``."""
    other.nprobe = run.args.nprobe
    other.ef_search = run.args.ef_search
    settings = Settings(host="127.0.0.1", port=0, max_message_bytes=64 * 1024 * 1024)
    running = create_server(settings, engine, ConceptSearcher(other, encoder))
    try:
        with ConceptKGClient(f"127.0.0.1:{running.port}", timeout_s=3600.0) as client:
            found, rate, _ = timed_naming(run, client, DEFAULT_METHOD)
    finally:
        running.stop(0)
    first = names[DEFAULT_METHOD]
    same = [found[f].concepts[0].uri == first[f].concepts[0].uri for f in found]
    return {
        "kind": other.kind,
        "nprobe": run.args.nprobe if other.kind == "ivf" else None,
        "ef_search": run.args.ef_search if other.kind == "hnsw" else None,
        "prefilter_dim": other.prefilter_dim or None,
        "bf16_pass": other.bf16_pass is not None,
        "features_per_s": rate,
        "top1_agreement": round(float(np.mean(same)), 4),
    }
