"""A tiny concept graph, papers about it, and a memoizing encoder for paper tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from embeddings.build import build_index, build_text_set
from embeddings.concept_linker import ConceptLinker, LinkConfig
from embeddings.encoders import TextEncoder
from embeddings.paper_records import PaperInput
from embeddings.search import ConceptSearcher
from graph.db import create_session_factory
from graph.records import EdgeInput
from graph.store import GraphStore

DEMO_PAPERS = Path(__file__).resolve().parents[2] / "shared/data/concept-papers-demo"

TINY_EDGES = [
    EdgeInput("/r/IsA", "/c/en/kitten", "/c/en/cat"),
    EdgeInput("/r/IsA", "/c/en/cat", "/c/en/animal"),
    EdgeInput("/r/Synonym", "/c/en/automobile", "/c/en/car"),
    EdgeInput("/r/IsA", "/c/en/neural_network", "/c/en/model"),
    EdgeInput("/r/RelatedTo", "/c/en/knowledge_graph", "/c/en/graph"),
    EdgeInput("/r/IsA", "/c/en/shelter", "/c/en/building"),
    EdgeInput("/r/UsedFor", "/c/en/embedding", "/c/en/representation"),
    EdgeInput("/r/IsA", "/c/en/convolutional_neural_network", "/c/en/model"),
]

TINY_PAPERS = [
    PaperInput(
        "t1",
        "Kitten behaviour in shelters",
        "We observe kitten play in shelters. Each kitten sleeps most of the day.",
        year=2020,
        authors=("Ada Lovelace",),
        venue="Pets Journal",
    ),
    PaperInput(
        "t2",
        "Automobile crash safety",
        "Crash tests of automobile frames. Automobile design decides survival.",
        year=2018,
        venue="Road Safety",
    ),
    PaperInput(
        "t3",
        "Knowledge graph embeddings",
        "Knowledge graph embeddings learn a vector for every node of a knowledge "
        "graph. We compare them with a sparse autoencoder.",
        year=2022,
    ),
    PaperInput(
        "t4",
        "Sparse autoencoder features",
        "We train a sparse autoencoder on neural network activations. "
        "Convolutional neural nets are probed too.",
        year=2023,
        authors=("Alan Turing", "Ada Lovelace"),
    ),
]


# Vectors of every text the tests encoded, shared by all MemoEncoders.
_MEMO: dict[str, np.ndarray] = {}
_TOKEN_MEMO: dict[str, tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]] = {}


class MemoEncoder(TextEncoder):
    """The real encoder, remembering every text it encoded (for the whole
    test session), so tests that ingest the same papers on SQLite and
    PostgreSQL, or in several tests, encode them once."""

    def __init__(self, encoder: TextEncoder) -> None:
        self._inner = encoder
        self.model_path = encoder.model_path
        self.dim = encoder.dim
        self._memo = _MEMO

    def encode(self, texts: list[str]) -> np.ndarray:  # type: ignore[override]
        missing = sorted({t for t in texts if t not in self._memo})
        if missing:
            for text, vector in zip(missing, self._inner.encode(missing), strict=True):
                self._memo[text] = vector
        return np.stack([self._memo[t] for t in texts])

    def encode_tokens(  # type: ignore[override]
        self, texts: list[str]
    ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        missing = sorted({t for t in texts if t not in _TOKEN_MEMO})
        if missing:
            vectors, tokens = self._inner.encode_tokens(missing)
            for text, vector, pieces in zip(missing, vectors, tokens, strict=True):
                _TOKEN_MEMO[text] = (vector, pieces)
        found = [_TOKEN_MEMO[t] for t in texts]
        return np.stack([vector for vector, _ in found]), [p for _, p in found]


def tiny_searcher(
    engine: Engine, encoder: TextEncoder, folder: Path
) -> ConceptSearcher:
    """Write the tiny graph, encode its concepts and index them."""
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        GraphStore(session).upsert_edges(TINY_EDGES)
    info = build_text_set(sessions, encoder)
    with sessions() as session:
        index = build_index(session, info, folder)
    return ConceptSearcher(index, encoder)


def tiny_linker(searcher: ConceptSearcher) -> ConceptLinker:
    """A linker that also links chunks of a single paper by embedding."""
    return ConceptLinker(searcher, LinkConfig(embedding_min_papers=1))
