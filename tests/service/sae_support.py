"""A server for the SAE tests: a small graph, its text index, and a synthetic
space whose alignment into the concept space is known exactly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from embeddings.alignment import FittedAlignment, LinearMap
from embeddings.build import build_index, build_text_set
from embeddings.encoders import TextEncoder
from embeddings.index import ConceptIndex
from embeddings.search import ConceptSearcher
from embeddings.spaces import SpaceStore
from graph.db import create_session_factory
from graph.records import EdgeInput
from graph.store import GraphStore
from service.client import ConceptKGClient
from service.server import RunningServer, create_server
from service.settings import Settings

SPACE = "toy/resid/3"
SPACE_DIM = 400
CONCEPT_DIM = 384
# Planted feature -> its concept; feature 0 and 1 are noise.
PLANTED = {
    2: "/c/en/dog",
    3: "/c/en/guitar",
    4: "/c/en/army",
    5: "/c/en/river",
    6: "/c/en/banana",
}
N_FEATURES = 8
EDGES = [
    ("/c/en/dog", "/c/en/animal"),
    ("/c/en/cat", "/c/en/animal"),
    ("/c/en/guitar", "/c/en/instrument"),
    ("/c/en/piano", "/c/en/instrument"),
    ("/c/en/army", "/c/en/organization"),
    ("/c/en/soldier", "/c/en/person"),
    ("/c/en/river", "/c/en/body_of_water"),
    ("/c/en/mountain", "/c/en/landform"),
    ("/c/en/banana", "/c/en/fruit"),
    ("/c/en/car", "/c/en/vehicle"),
]
SNIPPETS = {
    2: [("the dog barked", 3.0), ("a small dog", 2.0), ("dogs", 1.0)],
    3: [("she plays the guitar", 2.5), ("guitar strings", 1.5)],
    4: [("the army marched", 4.0), ("army troops", 2.0)],
    5: [("down the river", 2.0), ("the river bank", 1.0)],
    6: [("a ripe banana", 1.0), ("banana peel", 1.0)],
}


@dataclass
class SAEServer:
    """A running server, its client, and the synthetic space's geometry."""

    client: ConceptKGClient
    running: RunningServer
    engine: Engine
    searcher: ConceptSearcher
    permutation: np.ndarray

    def to_space(self, concept_vectors: np.ndarray) -> np.ndarray:
        """Concept-space vectors (n, 384) as vectors of the space (n, 400)."""
        rows = np.zeros((len(concept_vectors), SPACE_DIM), dtype=np.float32)
        rows[:, :CONCEPT_DIM] = 2.0 * concept_vectors[:, self.permutation]
        return rows

    def planted_directions(self, seed: int = 0) -> np.ndarray:
        """Decoder directions, float32 (N_FEATURES, 400): planted features point
        at their concept (plus noise in the extra dims), the rest at random."""
        rng = np.random.default_rng(seed)
        directions = rng.normal(size=(N_FEATURES, SPACE_DIM)).astype(np.float32)
        uris = list(PLANTED.values())
        with create_session_factory(self.engine)() as session:
            ids = GraphStore(session).concept_ids(uris)
        concept = np.stack([self.searcher.concept_vector(ids[uri]) for uri in uris])
        planted = self.to_space(concept)
        planted[:, CONCEPT_DIM:] = rng.normal(size=(len(uris), 16)) * 0.5
        directions[list(PLANTED)] = planted
        return directions


def known_alignment(permutation: np.ndarray) -> FittedAlignment:
    """The exact map of the space back into the concept space."""
    matrix = np.zeros((SPACE_DIM, CONCEPT_DIM), dtype=np.float32)
    matrix[np.arange(CONCEPT_DIM), permutation] = 0.5
    return FittedAlignment(
        method="ridge",
        linear_map=LinearMap(matrix, np.zeros(CONCEPT_DIM, dtype=np.float32)),
        heldout_cosine=1.0,
        heldout_accuracy_at_1=1.0,
        train_pairs=0,
        heldout_pairs=0,
        alpha=0.0,
    )


def load_concepts(engine: Engine, encoder: TextEncoder, folder: Path) -> ConceptIndex:
    """Write the test graph and build its text set and index."""
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        GraphStore(session).upsert_edges([EdgeInput("/r/IsA", a, b) for a, b in EDGES])
    info = build_text_set(sessions, encoder)
    with sessions() as session:
        return build_index(session, info, folder)


def register_space(engine: Engine, permutation: np.ndarray) -> None:
    """Register the synthetic space and store its known alignment."""
    with create_session_factory(engine).begin() as session:
        spaces = SpaceStore(session)
        spaces.register(SPACE, SPACE_DIM, "MiniLM, permuted, scaled, padded")
        spaces.save_alignment(SPACE, known_alignment(permutation), target_model="test")


def sae_settings(**overrides: object) -> Settings:
    """Test settings with small limits."""
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 0,
        "max_k": 20,
        "max_message_bytes": 256 * 1024,
        "max_snippets_per_feature": 4,
        "max_sae_features": 100_000,
        "max_text_chars": 200,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@contextmanager
def running_sae_server(
    engine: Engine, searcher: ConceptSearcher | None, **overrides: object
) -> Iterator[tuple[RunningServer, ConceptKGClient]]:
    """Start a server on ``engine``; stop it afterwards."""
    running = create_server(sae_settings(**overrides), engine, searcher)
    client = ConceptKGClient(f"127.0.0.1:{running.port}", timeout_s=30.0)
    try:
        yield running, client
    finally:
        client.close()
        running.stop(0)


@contextmanager
def sae_server(
    engine: Engine, encoder: TextEncoder, tmp_path: Path
) -> Iterator[SAEServer]:
    """The graph, index and space loaded, and a server running on them."""
    index = load_concepts(engine, encoder, tmp_path / "index")
    permutation = np.random.default_rng(7).permutation(CONCEPT_DIM)
    register_space(engine, permutation)
    searcher = ConceptSearcher(index, encoder)
    with running_sae_server(engine, searcher) as (running, client):
        yield SAEServer(client, running, engine, searcher, permutation)
