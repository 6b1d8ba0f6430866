"""SQLAlchemy tables of the graph: concepts, relations, edges, external links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# 64-bit keys on PostgreSQL; SQLite only auto-increments INTEGER PRIMARY KEY.
BigKey = BigInteger().with_variant(Integer(), "sqlite")
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of every table; its metadata drives the migrations."""


class Concept(Base):
    """A node such as ``/c/en/dog`` or ``/c/en/test/n/wikt/en_1``."""

    __tablename__ = "concepts"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    uri: Mapped[str] = mapped_column(Text, unique=True)
    lang: Mapped[str] = mapped_column(String(16), index=True)
    label: Mapped[str] = mapped_column(Text)
    pos: Mapped[str | None] = mapped_column(String(1))
    sense: Mapped[str | None] = mapped_column(Text)


class Relation(Base):
    """A relation such as ``/r/IsA``; symmetric relations hold both ways."""

    __tablename__ = "relations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(Text, unique=True)
    symmetric: Mapped[bool] = mapped_column(Boolean, default=False)


class Edge(Base):
    """A weighted assertion ``start --relation--> end`` with its provenance."""

    __tablename__ = "edges"
    __table_args__ = (
        # Keyset pages are ordered by (weight, id) descending; each filter
        # column leads an index that ends in that order.
        Index("ix_edges_start_weight", "start_id", "weight", "id"),
        Index("ix_edges_end_weight", "end_id", "weight", "id"),
        Index("ix_edges_relation_weight", "relation_id", "weight", "id"),
        Index("ix_edges_dataset_weight", "dataset", "weight", "id"),
        Index("ix_edges_weight", "weight", "id"),
    )

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    uri: Mapped[str] = mapped_column(Text, unique=True)
    relation_id: Mapped[int] = mapped_column(ForeignKey("relations.id"))
    start_id: Mapped[int] = mapped_column(ForeignKey("concepts.id"))
    end_id: Mapped[int] = mapped_column(ForeignKey("concepts.id"))
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    dataset: Mapped[str] = mapped_column(Text)
    license: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    surface_text: Mapped[str | None] = mapped_column(Text)


class ExternalLink(Base):
    """An ``/r/ExternalURL`` assertion: a concept and a URL outside ConceptNet.

    Kept apart from edges because its end is a web address, not a concept.
    """

    __tablename__ = "external_links"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    uri: Mapped[str] = mapped_column(Text, unique=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    dataset: Mapped[str] = mapped_column(Text)
    license: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
