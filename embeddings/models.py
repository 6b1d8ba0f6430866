"""SQLAlchemy tables of embedding sets and their concept vectors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from graph.models import Base, BigKey

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class EmbeddingSet(Base):
    """A named, versioned set of vectors for the graph's concepts.

    ``ready`` turns true when every vector is written; only ready sets are
    served, so a build that stopped half-way is never mistaken for a result.
    """

    __tablename__ = "embedding_sets"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(Text)
    dim: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    ready: Mapped[bool] = mapped_column(default=False)


class ConceptVector(Base):
    """One concept's vector in one set, as little-endian float32 bytes."""

    __tablename__ = "concept_vectors"

    set_id: Mapped[int] = mapped_column(
        ForeignKey("embedding_sets.id", ondelete="CASCADE"), primary_key=True
    )
    concept_id: Mapped[int] = mapped_column(
        BigKey, ForeignKey("concepts.id", ondelete="CASCADE"), primary_key=True
    )
    vector: Mapped[bytes] = mapped_column(LargeBinary)
