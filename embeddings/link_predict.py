"""Answer (head, relation, ?) and (?, relation, tail) from a finished run's vectors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.errors import EmbeddingError
from embeddings.link_eval import KnownAnswers
from embeddings.run_files import (
    ENTITIES_FILE,
    ENTITY_NAMES_FILE,
    RELATION_NAMES_FILE,
    RELATIONS_FILE,
    TRAIN_FILE,
)


class UnknownName(EmbeddingError):
    """An entity or relation that the run's dataset does not have."""

    def __init__(self, what: str, name: str, run: str) -> None:
        super().__init__(f"{what} {name!r} is not in the dataset of {run}")
        self.what = what
        self.name = name


@dataclass(frozen=True)
class Prediction:
    """One predicted answer: the entity, its DistMult score, whether it is a
    training triple already."""

    entity: str
    score: float
    known: bool


class RunPredictor:
    """DistMult scores over the entity vectors a finished run saved.

    Args:
        run_dir: the run's folder (see embeddings.training).
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._entities = np.load(run_dir / ENTITIES_FILE).astype(np.float32)
        self._relations = np.load(run_dir / RELATIONS_FILE).astype(np.float32)
        self._entity_names = (run_dir / ENTITY_NAMES_FILE).read_text().split("\n")
        relation_names = (run_dir / RELATION_NAMES_FILE).read_text().split("\n")
        self._entity_index = {name: i for i, name in enumerate(self._entity_names)}
        self._relation_index = {name: i for i, name in enumerate(relation_names)}
        self._known = KnownAnswers.from_triples(
            np.load(run_dir / TRAIN_FILE), len(relation_names)
        )

    def predict(
        self,
        entity: str,
        relation: str,
        *,
        direction: str,
        k: int,
        exclude_known: bool = False,
    ) -> list[Prediction]:
        """The k best answers to (entity, relation, ?) or (?, relation, entity).

        Args:
            entity: the given end (an entity name of the dataset).
            relation: a relation name of the dataset.
            direction: ``tail`` (entity is the head) or ``head`` (it is the tail).
            k: answers wanted.
            exclude_known: leave out answers that are training triples.

        Raises:
            UnknownName: the entity or relation is not in the dataset.
            ValueError: a bad direction or k.
        """
        if direction not in ("tail", "head"):
            raise ValueError(f"direction must be 'tail' or 'head', got {direction!r}")
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if entity not in self._entity_index:
            raise UnknownName("entity", entity, self.run_dir.name)
        if relation not in self._relation_index:
            raise UnknownName("relation", relation, self.run_dir.name)
        row = self._entity_index[entity]
        rel = self._relation_index[relation]
        if direction == "head":
            rel += len(self._relation_index)
        scores = (self._entities[row] * self._relations[rel]) @ self._entities.T
        known = set(self._known.of(row, rel).tolist())
        if exclude_known:
            scores[list(known)] = -np.inf
        scores[row] = -np.inf
        count = min(k, len(scores) - 1)
        top = np.argpartition(-scores, count - 1)[:count]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [
            Prediction(self._entity_names[i], float(scores[i]), int(i) in known)
            for i in top
            if np.isfinite(scores[i])
        ]
