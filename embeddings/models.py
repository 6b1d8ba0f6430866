"""SQLAlchemy tables of embedding sets, concept vectors, spaces and alignments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
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


class Space(Base):
    """A latent space of another model, e.g. ``gpt2-small/resid/6`` (dim 768)."""

    __tablename__ = "spaces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    dim: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Alignment(Base):
    """A versioned linear map from a space into the concept space of a set.

    ``matrix`` holds (dim_in, dim_out) and ``bias`` (dim_out,) little-endian
    float32 values; the held-out scores were measured when it was fitted.
    """

    __tablename__ = "alignments"
    __table_args__ = (UniqueConstraint("space_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space_id: Mapped[int] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    target_model: Mapped[str] = mapped_column(Text)
    dim_in: Mapped[int] = mapped_column(Integer)
    dim_out: Mapped[int] = mapped_column(Integer)
    matrix: Mapped[bytes] = mapped_column(LargeBinary)
    bias: Mapped[bytes] = mapped_column(LargeBinary)
    params: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    heldout_cosine: Mapped[float] = mapped_column(Float)
    heldout_accuracy_at_1: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
