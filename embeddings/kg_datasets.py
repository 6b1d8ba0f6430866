"""Link-prediction datasets as integer triples: benchmark files or the stored graph.

A :class:`TripleDataset` numbers its entities and relations from 0 and holds
train / valid / test splits as int64 arrays of shape (n, 3) with columns
(head, relation, tail). Benchmarks come from ``shared/data`` (FB15k-237,
WN18RR, CN-100K, each with a PROVENANCE.md); ``graph`` reads the edges of the
service's own database and splits them by a seed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from embeddings.errors import EmbeddingError
from graph.models import Concept, Edge, Relation

logger = logging.getLogger(__name__)

# Folder under the shared data root and the column order of its files.
BENCHMARKS: dict[str, tuple[str, tuple[int, int, int]]] = {
    "fb15k-237": ("fb15k-237", (0, 1, 2)),
    "wn18rr": ("wn18rr", (0, 1, 2)),
    "cn100k": ("conceptnet-cn100k/cn100k", (1, 0, 2)),
}
GRAPH_DATASET = "graph"
DATASETS: tuple[str, ...] = (*BENCHMARKS, GRAPH_DATASET)


class DatasetError(EmbeddingError):
    """A dataset that is unknown, missing or unusable."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"dataset {name!r}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class TripleDataset:
    """Integer-coded triples of one knowledge graph, split for link prediction.

    Attributes:
        name: e.g. ``fb15k-237`` or ``graph``.
        entities: entity names by index (MIDs, synset offsets, concept URIs).
        relations: relation names by index.
        train, valid, test: int64 arrays, shape (n, 3), (head, relation, tail).
        entity_ids: database concept ids by entity index (``graph`` only).
    """

    name: str
    entities: list[str]
    relations: list[str]
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    entity_ids: np.ndarray | None = field(default=None)

    @property
    def num_entities(self) -> int:
        """How many entities the splits may refer to."""
        return len(self.entities)

    @property
    def num_relations(self) -> int:
        """How many relations (without inverses)."""
        return len(self.relations)

    def relation_index(self, name: str) -> int:
        """The index of a relation by name.

        Raises:
            DatasetError: the relation is not in the dataset.
        """
        try:
            return self.relations.index(name)
        except ValueError:
            raise DatasetError(self.name, f"unknown relation {name!r}") from None

    def entity_index(self, name: str) -> int:
        """The index of an entity by name.

        Raises:
            DatasetError: the entity is not in the dataset.
        """
        try:
            return self.entities.index(name)
        except ValueError:
            raise DatasetError(self.name, f"unknown entity {name!r}") from None


def load_benchmark(name: str, data_root: Path) -> TripleDataset:
    """Read a benchmark's train/valid/test files from ``data_root``.

    Entities and relations are numbered in order of first appearance over
    train, valid, test, so the numbering is the same on every run.

    Raises:
        DatasetError: an unknown name, a missing folder or a malformed line.
    """
    if name not in BENCHMARKS:
        raise DatasetError(name, f"unknown; expected one of {', '.join(DATASETS)}")
    folder_name, (head_col, rel_col, tail_col) = BENCHMARKS[name]
    folder = data_root / folder_name
    if not folder.is_dir():
        raise DatasetError(name, f"folder {folder} does not exist")
    entities: dict[str, int] = {}
    relations: dict[str, int] = {}
    splits = []
    for split in ("train", "valid", "test"):
        path = folder / f"{split}.txt"
        rows = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) < 3:
                raise DatasetError(name, f"{path.name} line {number + 1} is malformed")
            head, rel, tail = parts[head_col], parts[rel_col], parts[tail_col]
            rows.append(
                (
                    entities.setdefault(head, len(entities)),
                    relations.setdefault(rel, len(relations)),
                    entities.setdefault(tail, len(entities)),
                )
            )
        splits.append(np.asarray(rows, dtype=np.int64).reshape(-1, 3))
    logger.info(
        "dataset_loaded name=%s entities=%d relations=%d train=%d valid=%d test=%d",
        name,
        len(entities),
        len(relations),
        *(len(s) for s in splits),
    )
    return TripleDataset(
        name, list(entities), list(relations), splits[0], splits[1], splits[2]
    )


def load_graph_dataset(
    session: Session, *, seed: int, valid_fraction: float, test_fraction: float
) -> TripleDataset:
    """The stored graph's edges as a dataset, split at random by ``seed``.

    Entities are the concepts at either end of an edge (ordered by concept
    id); ``entity_ids`` maps them back to the database.

    Raises:
        DatasetError: the graph has too few edges to split.
    """
    rows = session.execute(
        select(Edge.start_id, Relation.uri, Edge.end_id)
        .join(Relation, Relation.id == Edge.relation_id)
        .order_by(Edge.id)
    ).all()
    if len(rows) < 10:
        raise DatasetError(GRAPH_DATASET, f"{len(rows)} edges are too few to split")
    concept_ids = np.unique(
        np.asarray([r[0] for r in rows] + [r[2] for r in rows], dtype=np.int64)
    )
    relation_names = sorted({r[1] for r in rows})
    relation_of = {uri: i for i, uri in enumerate(relation_names)}
    triples = np.asarray(
        [
            (
                np.searchsorted(concept_ids, start),
                relation_of[relation],
                np.searchsorted(concept_ids, end),
            )
            for start, relation, end in rows
        ],
        dtype=np.int64,
    )
    order = np.random.default_rng(seed).permutation(len(triples))
    n_valid = int(round(valid_fraction * len(triples)))
    n_test = int(round(test_fraction * len(triples)))
    valid = triples[order[:n_valid]]
    test = triples[order[n_valid : n_valid + n_test]]
    train = triples[order[n_valid + n_test :]]
    uris = dict(
        session.execute(
            select(Concept.id, Concept.uri).where(
                Concept.id.in_(select(Edge.start_id).union(select(Edge.end_id)))
            )
        ).all()
    )
    return TripleDataset(
        GRAPH_DATASET,
        [uris[int(cid)] for cid in concept_ids],
        relation_names,
        train,
        valid,
        test,
        entity_ids=concept_ids,
    )
