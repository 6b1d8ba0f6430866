"""Embedding sets in the database: create versions, write and read vectors."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from embeddings.errors import EmbeddingError, InvalidVectors
from embeddings.models import ConceptVector, EmbeddingSet
from embeddings.vectors import check_vectors
from graph.models import Concept

logger = logging.getLogger(__name__)

SetKind = Literal["text", "rgcn", "kgat", "fused"]
SET_KINDS: tuple[str, ...] = ("text", "rgcn", "kgat", "fused")
_READ_CHUNK = 20000


class EmbeddingSetNotFound(EmbeddingError):
    """No (ready) embedding set with that name or id."""

    def __init__(self, name: str) -> None:
        super().__init__(f"embedding set {name!r} does not exist or is not ready")
        self.name = name


@dataclass(frozen=True)
class SetInfo:
    """Description of one version of an embedding set."""

    id: int
    name: str
    version: int
    kind: str
    model: str
    dim: int
    params: dict[str, Any]
    created_at: datetime | None
    ready: bool

    @property
    def label(self) -> str:
        """``name/version``, e.g. ``text/3``."""
        return f"{self.name}/{self.version}"


class EmbeddingSetStore:
    """Reads and writes embedding sets through one session; the caller commits.

    Args:
        session: an open SQLAlchemy session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def create(
        self,
        name: str,
        *,
        kind: SetKind,
        model: str,
        dim: int,
        params: dict[str, Any] | None = None,
    ) -> SetInfo:
        """Create the next version of set ``name``, empty and not ready.

        Raises:
            InvalidVectors: unknown kind or a dim below 1.
        """
        if kind not in SET_KINDS:
            raise InvalidVectors(
                "kind", f"{kind!r} is not one of {', '.join(SET_KINDS)}"
            )
        if dim < 1:
            raise InvalidVectors("dim", f"dim must be >= 1, got {dim}")
        latest = self._session.scalar(
            select(func.max(EmbeddingSet.version)).where(EmbeddingSet.name == name)
        )
        row = EmbeddingSet(
            name=name,
            version=int(latest or 0) + 1,
            kind=kind,
            model=model,
            dim=dim,
            params=params or {},
            ready=False,
        )
        self._session.add(row)
        self._session.flush()
        logger.info("embedding_set_created set=%s/%d kind=%s", name, row.version, kind)
        return _info(row)

    def write_vectors(
        self, set_id: int, concept_ids: np.ndarray, vectors: np.ndarray
    ) -> int:
        """Store vectors of concepts in a set that is not ready yet.

        Args:
            set_id: the set's id.
            concept_ids: int64 concept ids, shape (n,).
            vectors: float32, shape (n, dim of the set); no NaN or Inf.

        Returns:
            The number of vectors written.
        """
        info = self.get(set_id)
        if info.ready:
            raise InvalidVectors("set", f"{info.label} is ready and read-only")
        return self._insert(info, concept_ids, vectors)

    def append_vectors(
        self, set_id: int, concept_ids: np.ndarray, vectors: np.ndarray
    ) -> int:
        """Store vectors of concepts added to the graph after the set was built.

        Unlike :meth:`write_vectors` this works on a ready set; vectors
        already stored are never replaced (a concept that has one is an
        integrity error, and nothing of the batch is written).

        Args:
            set_id: the set's id.
            concept_ids: int64 ids of concepts without a vector, shape (n,).
            vectors: float32, shape (n, dim of the set); no NaN or Inf.
        """
        return self._insert(self.get(set_id), concept_ids, vectors)

    def replace_vectors(
        self, set_id: int, concept_ids: np.ndarray, vectors: np.ndarray
    ) -> int:
        """Overwrite stored vectors of concepts whose text changed (a relabel).

        Concepts without a vector in the set are left out.

        Args:
            set_id: the set's id.
            concept_ids: int64 concept ids, shape (n,).
            vectors: float32, shape (n, dim of the set); no NaN or Inf.

        Returns:
            The number of vectors replaced.
        """
        info = self.get(set_id)
        vectors = check_vectors(vectors, dim=info.dim, name="vectors")
        replaced = 0
        for concept_id, vector in zip(concept_ids.tolist(), vectors, strict=True):
            result = self._session.execute(
                update(ConceptVector)
                .where(ConceptVector.set_id == set_id)
                .where(ConceptVector.concept_id == concept_id)
                .values(vector=np.ascontiguousarray(vector, dtype="<f4").tobytes())
            )
            replaced += int(getattr(result, "rowcount", 0) or 0)
        return replaced

    def concepts_without_vectors(
        self, set_id: int, *, limit: int
    ) -> list[tuple[int, str]]:
        """(id, label) of up to ``limit`` concepts that have no vector in the set.

        Ascending by id: the concepts added since the set was built.
        """
        # Limitation: an anti-join over the whole concepts table; a few ms on
        # the sample graph, seconds on full ConceptNet (34M concepts).
        stored = select(ConceptVector.concept_id).where(
            ConceptVector.set_id == set_id, ConceptVector.concept_id == Concept.id
        )
        rows = self._session.execute(
            select(Concept.id, Concept.label)
            .where(~stored.exists())
            .order_by(Concept.id)
            .limit(limit)
        )
        return [(int(cid), label) for cid, label in rows]

    def concepts_with_vectors(
        self, set_id: int, uris: list[str], *, chunk: int = 500
    ) -> list[tuple[int, str]]:
        """(id, current label) of those of the concepts that have a vector in
        the set, ascending by id; asked ``chunk`` URIs at a time."""
        found: list[tuple[int, str]] = []
        for start in range(0, len(uris), chunk):
            rows = self._session.execute(
                select(Concept.id, Concept.label)
                .join(ConceptVector, ConceptVector.concept_id == Concept.id)
                .where(ConceptVector.set_id == set_id)
                .where(Concept.uri.in_(uris[start : start + chunk]))
            )
            found += [(int(cid), label) for cid, label in rows]
        return sorted(found)

    def _insert(
        self, info: SetInfo, concept_ids: np.ndarray, vectors: np.ndarray
    ) -> int:
        vectors = check_vectors(vectors, dim=info.dim, name="set vectors")
        ids = np.asarray(concept_ids, dtype=np.int64)
        if ids.shape != (len(vectors),):
            raise InvalidVectors(
                "concept_ids", f"{ids.shape} ids for {len(vectors)} rows"
            )
        rows = [
            {"set_id": info.id, "concept_id": int(cid), "vector": vector.tobytes()}
            for cid, vector in zip(ids, vectors.astype("<f4"), strict=True)
        ]
        self._session.execute(insert(ConceptVector), rows)
        return len(rows)

    def written_concept_ids(self, set_id: int) -> set[int]:
        """The concepts that already have a vector in the set (to resume a build)."""
        rows = self._session.scalars(
            select(ConceptVector.concept_id).where(ConceptVector.set_id == set_id)
        )
        return set(rows)

    def mark_ready(self, set_id: int) -> SetInfo:
        """Mark the set complete, so it is served; it is read-only from now on."""
        row = self._session.get(EmbeddingSet, set_id)
        if row is None:
            raise EmbeddingSetNotFound(str(set_id))
        row.ready = True
        self._session.flush()
        logger.info("embedding_set_ready set=%s/%d", row.name, row.version)
        return _info(row)

    def get(self, set_id: int) -> SetInfo:
        """The set with id ``set_id``, ready or not."""
        row = self._session.get(EmbeddingSet, set_id)
        if row is None:
            raise EmbeddingSetNotFound(str(set_id))
        return _info(row)

    def by_label(self, label: str) -> SetInfo:
        """The set version named by its label, ``name/version`` (e.g. ``text/3``).

        Raises:
            EmbeddingSetNotFound: no such version, or a label without a version.
        """
        name, _, version = label.rpartition("/")
        if not name or not version.isdigit():
            raise EmbeddingSetNotFound(label)
        row = self._session.scalar(
            select(EmbeddingSet).where(
                EmbeddingSet.name == name, EmbeddingSet.version == int(version)
            )
        )
        if row is None:
            raise EmbeddingSetNotFound(label)
        return _info(row)

    def latest(self, name: str, *, ready: bool = True) -> SetInfo:
        """The newest version of ``name`` (by default the newest ready one)."""
        query = select(EmbeddingSet).where(EmbeddingSet.name == name)
        if ready:
            query = query.where(EmbeddingSet.ready.is_(True))
        row = self._session.scalar(query.order_by(EmbeddingSet.version.desc()).limit(1))
        if row is None:
            raise EmbeddingSetNotFound(name)
        return _info(row)

    def list_sets(self) -> list[SetInfo]:
        """Every set version, by name then version."""
        rows = self._session.scalars(
            select(EmbeddingSet).order_by(EmbeddingSet.name, EmbeddingSet.version)
        )
        return [_info(row) for row in rows]

    def count(self, set_id: int) -> int:
        """The number of vectors stored in the set."""
        return int(
            self._session.scalar(
                select(func.count()).where(ConceptVector.set_id == set_id)
            )
            or 0
        )

    def load_vectors(self, set_id: int) -> tuple[np.ndarray, np.ndarray]:
        """All vectors of a set, ordered by concept id.

        Returns:
            (concept ids int64 shape (n,), vectors float32 shape (n, dim)).
        """
        info = self.get(set_id)
        total = self.count(set_id)
        ids = np.empty(total, dtype=np.int64)
        vectors = np.empty((total, info.dim), dtype=np.float32)
        position = 0
        last_id = -1
        while position < total:
            rows = self._session.execute(
                select(ConceptVector.concept_id, ConceptVector.vector)
                .where(ConceptVector.set_id == set_id)
                .where(ConceptVector.concept_id > last_id)
                .order_by(ConceptVector.concept_id)
                .limit(_READ_CHUNK)
            ).all()
            if not rows:
                break
            for concept_id, blob in rows:
                ids[position] = concept_id
                vectors[position] = np.frombuffer(blob, dtype="<f4")
                position += 1
            last_id = int(rows[-1][0])
        return ids[:position], vectors[:position]


def _info(row: EmbeddingSet) -> SetInfo:
    return SetInfo(
        id=row.id,
        name=row.name,
        version=row.version,
        kind=row.kind,
        model=row.model,
        dim=row.dim,
        params=dict(row.params),
        created_at=row.created_at,
        ready=bool(row.ready),
    )
