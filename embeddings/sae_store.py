"""Sparse autoencoders in the database: registry, uploads, feature data."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import regex
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from embeddings.errors import InvalidVectors
from embeddings.models import Space
from embeddings.sae_errors import (
    DirectionsExist,
    FeatureDataMissing,
    SAEConflict,
)
from embeddings.sae_models import SAE, SAEFeature, SAESnippet
from embeddings.sae_name_store import NamingInfo, SAENameStore
from embeddings.sae_rows import sae_row, stack_rows, vector_blob
from embeddings.sae_upload import DTYPES, FeatureUpload, UploadVectors
from embeddings.spaces import SpaceNotFound
from graph.errors import LimitExceeded

logger = logging.getLogger(__name__)

_SAE_NAME = regex.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/]{0,199}")
FeaturePart = Literal["direction", "snippets", "explanation"]
# Up to this many features are read with an IN list; more read the SAE's rows.
_IN_LIST_LIMIT = 1000


@dataclass(frozen=True)
class SAEInfo:
    """A registered SAE, what is stored of it, and its newest naming per method."""

    id: int
    name: str
    space: str
    n_features: int
    d_model: int
    dtype: str
    description: str
    revision: int
    directions: int
    snippet_features: int
    explanations: int
    namings: tuple[NamingInfo, ...]


@dataclass(frozen=True)
class UploadCounts:
    """What one upload wrote."""

    directions: int
    snippets: int
    explanations: int


class SAEStore:
    """Reads and writes SAEs through one session; the caller commits.

    Args:
        session: an open SQLAlchemy session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def register(
        self,
        space: str,
        name: str,
        n_features: int,
        *,
        description: str = "",
        max_features: int = 1 << 20,
    ) -> SAEInfo:
        """Register an SAE over a space, or return it when it exists alike.

        Raises:
            InvalidVectors: a malformed name or a feature count below 1.
            LimitExceeded: more features than ``max_features``.
            SpaceNotFound: the space is not registered.
            SAEConflict: the name is taken with another space or size.
        """
        if not _SAE_NAME.fullmatch(name):
            raise InvalidVectors("sae name", f"{name!r} is malformed")
        if n_features < 1:
            raise InvalidVectors("n_features", f"{n_features} is below 1")
        if n_features > max_features:
            raise LimitExceeded("n_features", n_features, max_features)
        space_row = self._session.scalar(select(Space).where(Space.name == space))
        if space_row is None:
            raise SpaceNotFound(space)
        row = self._session.scalar(select(SAE).where(SAE.name == name))
        if row is not None:
            existing = self.get(name)
            if existing.space != space or existing.n_features != n_features:
                raise SAEConflict(
                    name,
                    f"on space {existing.space!r} with {existing.n_features} features",
                )
            return existing
        self._session.add(
            SAE(
                name=name,
                space_id=space_row.id,
                n_features=n_features,
                dtype="",
                description=description,
                revision=0,
            )
        )
        self._session.flush()
        logger.info(
            "sae_registered name=%s space=%s features=%d", name, space, n_features
        )
        return self.get(name)

    def get(self, name: str) -> SAEInfo:
        """The SAE ``name`` with its counts and newest namings.

        Raises:
            SAENotFound: no such SAE.
        """
        row = self._sae(name)
        space = self._session.get(Space, row.space_id)
        assert space is not None  # the foreign key guarantees it
        counts = self._session.execute(
            select(
                func.count(SAEFeature.direction),
                func.count(SAEFeature.explanation),
            ).where(SAEFeature.sae_id == row.id)
        ).one()
        snippet_features = self._session.scalar(
            select(func.count(func.distinct(SAESnippet.feature_id))).where(
                SAESnippet.sae_id == row.id
            )
        )
        return SAEInfo(
            id=row.id,
            name=row.name,
            space=space.name,
            n_features=row.n_features,
            d_model=space.dim,
            dtype=row.dtype,
            description=row.description,
            revision=row.revision,
            directions=int(counts[0]),
            snippet_features=int(snippet_features or 0),
            explanations=int(counts[1]),
            namings=tuple(SAENameStore(self._session).latest_namings(row.id)),
        )

    def list_saes(self) -> list[SAEInfo]:
        """Every registered SAE, by name."""
        names = self._session.scalars(select(SAE.name).order_by(SAE.name))
        return [self.get(name) for name in names]

    def save_upload(
        self, name: str, upload: FeatureUpload, vectors: UploadVectors
    ) -> UploadCounts:
        """Store a validated upload; snippets and explanations of the features
        it names replace earlier ones.

        Raises:
            DirectionsExist: the upload carries directions and the SAE has
                them already.
        """
        row = self._sae(name)
        existing = set(
            self._session.scalars(
                select(SAEFeature.feature_id).where(SAEFeature.sae_id == row.id)
            )
        )
        if upload.dtype:
            if row.dtype:
                raise DirectionsExist(name)
            storage = DTYPES[upload.dtype]
            values = [
                {"feature_id": fid, "direction": direction.astype(storage).tobytes()}
                for fid, direction in zip(
                    upload.feature_ids.tolist(), upload.directions, strict=True
                )
            ]
            self._upsert_features(row.id, existing, values)
            row.dtype = upload.dtype
        if upload.explanations:
            values = [
                {
                    "feature_id": fid,
                    "explanation": text,
                    "explanation_vector": vector_blob(vectors.explanations[fid]),
                }
                for fid, text in sorted(upload.explanations.items())
            ]
            self._upsert_features(row.id, existing, values)
        snippet_count = 0
        if upload.snippets:
            missing = [{"feature_id": fid} for fid in upload.snippets]
            self._upsert_features(row.id, existing, missing, update_existing=False)
            self._session.execute(
                delete(SAESnippet)
                .where(SAESnippet.sae_id == row.id)
                .where(SAESnippet.feature_id.in_(list(upload.snippets)))
            )
            snippet_rows = [
                {
                    "sae_id": row.id,
                    "feature_id": fid,
                    "rank": rank,
                    "text": snippet.text,
                    "activation": snippet.activation,
                    "vector": vector_blob(vectors.snippets[fid][rank]),
                }
                for fid, snippets in sorted(upload.snippets.items())
                for rank, snippet in enumerate(snippets)
            ]
            self._session.execute(insert(SAESnippet), snippet_rows)
            snippet_count = len(snippet_rows)
            row.snippet_mean = self._snippet_mean(row.id)
        row.revision += 1
        self._session.flush()
        counts = UploadCounts(
            len(upload.feature_ids), snippet_count, len(upload.explanations)
        )
        logger.info(
            "sae_upload_stored sae=%s directions=%d snippets=%d explanations=%d",
            name,
            counts.directions,
            counts.snippets,
            counts.explanations,
        )
        return counts

    def snippet_background(self, name: str) -> np.ndarray | None:
        """The mean of every snippet embedding of the SAE, shape (dim,), or
        None when it has no snippets."""
        blob = self._sae(name).snippet_mean
        return None if blob is None else np.frombuffer(blob, dtype="<f4").copy()

    def feature_ids(self, name: str, part: FeaturePart) -> np.ndarray:
        """Sorted int64 ids of the features that have ``part`` stored."""
        sae_id = self._sae(name).id
        if part == "snippets":
            query = select(func.distinct(SAESnippet.feature_id)).where(
                SAESnippet.sae_id == sae_id
            )
        else:
            column = (
                SAEFeature.direction
                if part == "direction"
                else SAEFeature.explanation_vector
            )
            query = (
                select(SAEFeature.feature_id)
                .where(SAEFeature.sae_id == sae_id)
                .where(column.is_not(None))
            )
        return np.array(sorted(self._session.scalars(query)), dtype=np.int64)

    def directions(self, name: str, feature_ids: np.ndarray) -> np.ndarray:
        """Decoder directions of the features, float32 (n, d_model), in order.

        Raises:
            FeatureDataMissing: a feature has no stored direction.
        """
        row = self._sae(name)
        found = self._feature_blobs(row.id, SAEFeature.direction, feature_ids)
        dtype = DTYPES[row.dtype] if row.dtype else "<f4"
        return _rows(name, feature_ids, found, dtype, "decoder direction")

    def explanation_vectors(self, name: str, feature_ids: np.ndarray) -> np.ndarray:
        """Unit embeddings of the features' explanations, float32 (n, dim)."""
        row = self._sae(name)
        found = self._feature_blobs(row.id, SAEFeature.explanation_vector, feature_ids)
        return _rows(name, feature_ids, found, "<f4", "explanation")

    def explanations(self, name: str, feature_ids: Sequence[int]) -> dict[int, str]:
        """Explanation texts of those features that have one."""
        rows = self._session.execute(
            select(SAEFeature.feature_id, SAEFeature.explanation)
            .where(SAEFeature.sae_id == self._sae(name).id)
            .where(SAEFeature.feature_id.in_(list(feature_ids)))
            .where(SAEFeature.explanation.is_not(None))
        )
        return {int(fid): str(text) for fid, text in rows}

    def snippet_sets(
        self, name: str, feature_ids: np.ndarray
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per feature, in order: (activations (m,), unit embeddings (m, dim)).

        Raises:
            FeatureDataMissing: a feature has no snippets.
        """
        wanted = set(feature_ids.tolist())
        grouped: dict[int, tuple[list[float], list[bytes]]] = {}
        query = (
            select(SAESnippet.feature_id, SAESnippet.activation, SAESnippet.vector)
            .where(SAESnippet.sae_id == self._sae(name).id)
            .order_by(SAESnippet.feature_id, SAESnippet.rank)
        )
        if len(wanted) <= _IN_LIST_LIMIT:
            query = query.where(SAESnippet.feature_id.in_(wanted))
        rows = self._session.execute(query)
        for fid, activation, blob in rows:
            if fid in wanted:
                activations, blobs = grouped.setdefault(fid, ([], []))
                activations.append(activation)
                blobs.append(blob)
        result = []
        for fid in feature_ids.tolist():
            if fid not in grouped:
                raise FeatureDataMissing(name, fid, "snippets")
            activations, blobs = grouped[fid]
            matrix = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), -1)
            result.append((np.array(activations, dtype=np.float32), matrix))
        return result

    def all_explanation_vectors(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(feature ids (n,), unit explanation vectors float32 (n, dim))."""
        rows = self._session.execute(
            select(SAEFeature.feature_id, SAEFeature.explanation_vector)
            .where(SAEFeature.sae_id == self._sae(name).id)
            .where(SAEFeature.explanation_vector.is_not(None))
            .order_by(SAEFeature.feature_id)
        ).all()
        return stack_rows(rows)

    def _sae(self, name: str) -> SAE:
        return sae_row(self._session, name)

    def _snippet_mean(self, sae_id: int) -> bytes:
        self._session.flush()
        total: np.ndarray | None = None
        count = 0
        blobs = self._session.scalars(
            select(SAESnippet.vector).where(SAESnippet.sae_id == sae_id)
        )
        for blob in blobs.yield_per(10_000):
            vector = np.frombuffer(blob, dtype="<f4").astype(np.float64)
            total = vector if total is None else total + vector
            count += 1
        assert total is not None  # called right after snippets were written
        return vector_blob(total / count)

    def _upsert_features(
        self,
        sae_id: int,
        existing: set[int],
        values: list[dict[str, Any]],
        *,
        update_existing: bool = True,
    ) -> None:
        """Insert feature rows that are new, update (or keep) those that exist."""
        new = [
            {"sae_id": sae_id, **v} for v in values if v["feature_id"] not in existing
        ]
        old = [{"sae_id": sae_id, **v} for v in values if v["feature_id"] in existing]
        if new:
            self._session.execute(insert(SAEFeature), new)
            existing.update(v["feature_id"] for v in new)
        if old and update_existing:
            self._session.execute(update(SAEFeature), old)

    def _feature_blobs(
        self, sae_id: int, column: Any, feature_ids: np.ndarray
    ) -> dict[int, bytes]:
        wanted = set(feature_ids.tolist())
        query = (
            select(SAEFeature.feature_id, column)
            .where(SAEFeature.sae_id == sae_id)
            .where(column.is_not(None))
        )
        if len(wanted) <= _IN_LIST_LIMIT:
            query = query.where(SAEFeature.feature_id.in_(wanted))
        rows = self._session.execute(query)
        return {int(fid): blob for fid, blob in rows if fid in wanted}


def _rows(
    name: str, feature_ids: np.ndarray, found: dict[int, bytes], dtype: str, what: str
) -> np.ndarray:
    blobs = []
    for fid in feature_ids.tolist():
        if fid not in found:
            raise FeatureDataMissing(name, fid, what)
        blobs.append(found[fid])
    if not blobs:
        raise InvalidVectors("feature_ids", "no features were asked for")
    flat = np.frombuffer(b"".join(blobs), dtype=dtype)
    return flat.reshape(len(blobs), -1).astype(np.float32)
