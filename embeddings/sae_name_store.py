"""Stored names of SAE features: naming runs, versioned per method, and names."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from embeddings.sae_errors import NamingNotFound
from embeddings.sae_models import SAEName, SAENaming
from embeddings.sae_naming import FeatureName
from embeddings.sae_rows import sae_row, stack_rows, vector_blob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NamingInfo:
    """One stored naming run: method, version, features named, k."""

    id: int
    method: str
    version: int
    features: int
    k: int
    params: dict[str, Any]


@dataclass(frozen=True)
class StoredName:
    """A stored feature name: concept ids and cosines best first, margin,
    confidence."""

    feature_id: int
    concept_ids: list[int]
    scores: list[float]
    margin: float
    confidence: float


class SAENameStore:
    """Reads and writes naming runs and names through one session; the caller
    commits.

    Args:
        session: an open SQLAlchemy session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def start_naming(
        self, name: str, method: str, *, k: int, params: dict[str, Any]
    ) -> NamingInfo:
        """Create the next version of ``method``'s names for the SAE, empty;
        :meth:`add_names` fills it."""
        row = sae_row(self._session, name)
        version = self._session.scalar(
            select(func.max(SAENaming.version))
            .where(SAENaming.sae_id == row.id)
            .where(SAENaming.method == method)
        )
        naming = SAENaming(
            sae_id=row.id,
            method=method,
            version=int(version or 0) + 1,
            k=k,
            features=0,
            params=params,
        )
        self._session.add(naming)
        self._session.flush()
        return _naming_info(naming)

    def add_names(self, naming_id: int, names: Sequence[FeatureName]) -> None:
        """Store names of features in a run made by :meth:`start_naming`."""
        if not names:
            return
        # Core insert: the ORM's bulk path added a third to the time of
        # storing 4,096 names.
        self._session.connection().execute(
            insert(SAEName),
            [
                {
                    "naming_id": naming_id,
                    "feature_id": n.feature_id,
                    "concept_ids": [h.concept_id for h in n.hits],
                    "scores": [round(h.score, 6) for h in n.hits],
                    "margin": n.margin,
                    "confidence": n.confidence,
                    "vector": vector_blob(n.vector),
                }
                for n in names
            ],
        )
        self._session.execute(
            update(SAENaming)
            .where(SAENaming.id == naming_id)
            .values(features=SAENaming.features + len(names))
        )
        logger.debug("sae_names_stored naming=%d features=%d", naming_id, len(names))

    def naming(self, name: str, method: str, version: int = 0) -> NamingInfo:
        """A stored naming run; ``version`` 0 is the newest.

        Raises:
            NamingNotFound: no such run.
        """
        query = (
            select(SAENaming)
            .where(SAENaming.sae_id == sae_row(self._session, name).id)
            .where(SAENaming.method == method)
        )
        if version:
            query = query.where(SAENaming.version == version)
        found = self._session.scalar(query.order_by(SAENaming.version.desc()).limit(1))
        if found is None:
            raise NamingNotFound(name, method, version)
        return _naming_info(found)

    def stored_names(
        self, naming_id: int, feature_ids: Sequence[int] | None = None
    ) -> list[StoredName]:
        """The names of one run, by feature id (only ``feature_ids`` if given)."""
        query = select(SAEName).where(SAEName.naming_id == naming_id)
        if feature_ids is not None:
            query = query.where(SAEName.feature_id.in_(list(feature_ids)))
        rows = self._session.scalars(query.order_by(SAEName.feature_id))
        return [
            StoredName(
                row.feature_id,
                [int(c) for c in row.concept_ids],
                [float(s) for s in row.scores],
                row.margin,
                row.confidence,
            )
            for row in rows
        ]

    def name_vectors(self, naming_id: int) -> tuple[np.ndarray, np.ndarray]:
        """(feature ids (n,), unit name vectors float32 (n, dim)) of one run."""
        rows = self._session.execute(
            select(SAEName.feature_id, SAEName.vector)
            .where(SAEName.naming_id == naming_id)
            .order_by(SAEName.feature_id)
        ).all()
        return stack_rows(rows)

    def latest_namings(self, sae_id: int) -> list[NamingInfo]:
        """The newest naming run of each method of an SAE, by method."""
        latest = (
            select(SAENaming.method, func.max(SAENaming.version).label("version"))
            .where(SAENaming.sae_id == sae_id)
            .group_by(SAENaming.method)
            .subquery()
        )
        rows = self._session.scalars(
            select(SAENaming)
            .join(
                latest,
                (SAENaming.method == latest.c.method)
                & (SAENaming.version == latest.c.version),
            )
            .where(SAENaming.sae_id == sae_id)
            .order_by(SAENaming.method)
        )
        return [_naming_info(row) for row in rows]


def _naming_info(row: SAENaming) -> NamingInfo:
    return NamingInfo(
        id=row.id,
        method=row.method,
        version=row.version,
        features=row.features,
        k=row.k,
        params=dict(row.params),
    )
