"""Registered latent spaces and their versioned alignments, in the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import regex
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from embeddings.alignment import FittedAlignment, LinearMap
from embeddings.errors import EmbeddingError, InvalidVectors
from embeddings.models import Alignment, Space

logger = logging.getLogger(__name__)

# Space names look like model/site/layer: letters, digits and ._-/ only.
_SPACE_NAME = regex.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/]{0,199}")
MAX_SPACE_DIM = 65536


class SpaceNotFound(EmbeddingError):
    """No space registered under that name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"space {name!r} is not registered")
        self.name = name


class AlignmentNotFound(EmbeddingError):
    """A space that has no fitted alignment yet."""

    def __init__(self, name: str) -> None:
        super().__init__(f"space {name!r} has no fitted alignment yet")
        self.name = name


@dataclass(frozen=True)
class SpaceInfo:
    """A registered space and its newest alignment's scores, if any."""

    name: str
    dim: int
    description: str
    alignment_version: int = 0
    alignment_method: str = ""
    heldout_cosine: float = 0.0
    heldout_accuracy_at_1: float = 0.0


class SpaceStore:
    """Registers spaces and stores alignments through one session.

    Args:
        session: an open SQLAlchemy session; the caller commits.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def register(self, name: str, dim: int, description: str = "") -> SpaceInfo:
        """Register a space, or return it when it exists with the same dim.

        Raises:
            InvalidVectors: a malformed name, a dim out of range, or an
                existing space of another dim.
        """
        if not _SPACE_NAME.fullmatch(name):
            raise InvalidVectors("space name", f"{name!r} is malformed")
        if not 1 <= dim <= MAX_SPACE_DIM:
            raise InvalidVectors("dim", f"{dim} is outside 1..{MAX_SPACE_DIM}")
        row = self._session.scalar(select(Space).where(Space.name == name))
        if row is not None:
            if row.dim != dim:
                raise InvalidVectors(
                    "dim", f"space {name!r} is registered with dim {row.dim}, not {dim}"
                )
            return self.get(name)
        self._session.add(Space(name=name, dim=dim, description=description))
        self._session.flush()
        logger.info("space_registered name=%s dim=%d", name, dim)
        return self.get(name)

    def get(self, name: str) -> SpaceInfo:
        """The space ``name`` with its newest alignment's scores."""
        row = self._space(name)
        latest = self._latest_alignment(row.id)
        if latest is None:
            return SpaceInfo(row.name, row.dim, row.description)
        return SpaceInfo(
            row.name,
            row.dim,
            row.description,
            alignment_version=latest.version,
            alignment_method=latest.method,
            heldout_cosine=latest.heldout_cosine,
            heldout_accuracy_at_1=latest.heldout_accuracy_at_1,
        )

    def list_spaces(self) -> list[SpaceInfo]:
        """Every registered space, by name."""
        names = self._session.scalars(select(Space.name).order_by(Space.name))
        return [self.get(name) for name in names]

    def save_alignment(
        self, name: str, fitted: FittedAlignment, *, target_model: str
    ) -> SpaceInfo:
        """Store a fitted alignment as the space's next version."""
        row = self._space(name)
        linear_map = fitted.linear_map
        if linear_map.dim_in != row.dim:
            raise InvalidVectors(
                "alignment", f"maps dim {linear_map.dim_in}, space has {row.dim}"
            )
        version = self._session.scalar(
            select(func.max(Alignment.version)).where(Alignment.space_id == row.id)
        )
        self._session.add(
            Alignment(
                space_id=row.id,
                version=int(version or 0) + 1,
                method=fitted.method,
                target_model=target_model,
                dim_in=linear_map.dim_in,
                dim_out=linear_map.dim_out,
                matrix=linear_map.matrix.astype("<f4").tobytes(),
                bias=linear_map.bias.astype("<f4").tobytes(),
                params={
                    "alpha": fitted.alpha,
                    "train_pairs": fitted.train_pairs,
                    "heldout_pairs": fitted.heldout_pairs,
                },
                heldout_cosine=fitted.heldout_cosine,
                heldout_accuracy_at_1=fitted.heldout_accuracy_at_1,
            )
        )
        self._session.flush()
        return self.get(name)

    def linear_map(self, name: str) -> LinearMap:
        """The newest alignment of a space as a map.

        Raises:
            SpaceNotFound, AlignmentNotFound.
        """
        row = self._latest_alignment(self._space(name).id)
        if row is None:
            raise AlignmentNotFound(name)
        matrix = np.frombuffer(row.matrix, dtype="<f4").reshape(row.dim_in, row.dim_out)
        bias = np.frombuffer(row.bias, dtype="<f4")
        return LinearMap(matrix.astype(np.float32), bias.astype(np.float32))

    def alignment_version(self, name: str) -> int:
        """Version of the space's newest alignment, 0 when none is fitted.

        One small query (no matrix is read): what a cache of linear maps
        checks before it answers from memory.

        Raises:
            SpaceNotFound.
        """
        row = self._session.execute(
            select(Space.id, func.max(Alignment.version))
            .outerjoin(Alignment, Alignment.space_id == Space.id)
            .where(Space.name == name)
            .group_by(Space.id)
        ).first()
        if row is None:
            raise SpaceNotFound(name)
        return int(row[1] or 0)

    def _space(self, name: str) -> Space:
        row = self._session.scalar(select(Space).where(Space.name == name))
        if row is None:
            raise SpaceNotFound(name)
        return row

    def _latest_alignment(self, space_id: int) -> Alignment | None:
        return self._session.scalar(
            select(Alignment)
            .where(Alignment.space_id == space_id)
            .order_by(Alignment.version.desc())
            .limit(1)
        )
