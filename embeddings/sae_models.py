"""SQLAlchemy tables of sparse autoencoders, their features, snippets and names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from embeddings.models import JsonDocument
from graph.models import Base


class SAE(Base):
    """A sparse autoencoder over a registered space.

    ``dtype`` is empty until the decoder directions are uploaded, then
    ``float32`` or ``float16``: the directions are stored as sent.
    """

    __tablename__ = "saes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    space_id: Mapped[int] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), index=True
    )
    n_features: Mapped[int] = mapped_column(Integer)
    dtype: Mapped[str] = mapped_column(String(8), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Counts uploads, so that cached explanation vectors know when to reload.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Mean of every snippet embedding of the SAE (unit float32 rows averaged):
    # the background the examples method subtracts.
    snippet_mean: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class SAEFeature(Base):
    """One feature: its decoder direction (little-endian, the SAE's dtype), its
    uploaded explanation and that explanation's unit float32 embedding."""

    __tablename__ = "sae_features"

    sae_id: Mapped[int] = mapped_column(
        ForeignKey("saes.id", ondelete="CASCADE"), primary_key=True
    )
    feature_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[bytes | None] = mapped_column(LargeBinary)
    explanation: Mapped[str | None] = mapped_column(Text)
    explanation_vector: Mapped[bytes | None] = mapped_column(LargeBinary)


class SAESnippet(Base):
    """A top-activating text snippet of a feature, with its activation and the
    unit float32 embedding of its text."""

    __tablename__ = "sae_snippets"
    __table_args__ = (
        ForeignKeyConstraint(
            ["sae_id", "feature_id"],
            ["sae_features.sae_id", "sae_features.feature_id"],
            ondelete="CASCADE",
        ),
    )

    sae_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feature_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    activation: Mapped[float] = mapped_column(Float)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class SAENaming(Base):
    """One naming run of an SAE by one method: version n of that method."""

    __tablename__ = "sae_namings"
    __table_args__ = (UniqueConstraint("sae_id", "method", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sae_id: Mapped[int] = mapped_column(
        ForeignKey("saes.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    k: Mapped[int] = mapped_column(Integer)
    features: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class SAEName(Base):
    """The name of one feature in one naming run.

    ``concept_ids`` and ``scores`` list the top-k concepts, best first;
    ``vector`` (unit float32) is the name's meaning in the concept space,
    searched by SearchFeatures.
    """

    __tablename__ = "sae_names"

    naming_id: Mapped[int] = mapped_column(
        ForeignKey("sae_namings.id", ondelete="CASCADE"), primary_key=True
    )
    feature_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    concept_ids: Mapped[list[int]] = mapped_column(JsonDocument)
    scores: Mapped[list[float]] = mapped_column(JsonDocument)
    margin: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
