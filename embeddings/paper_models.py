"""SQLAlchemy tables of papers, their concept links and their cached vectors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from graph.models import Base, BigKey

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class Paper(Base):
    """A paper, keyed by the id its source gives it (``external_id``).

    ``content_hash`` covers every field, so an import that repeats a paper
    unchanged is recognized and skipped.
    """

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    external_id: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    venue: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JsonDocument)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class PaperConcept(Base):
    """A weighted link from a paper to a concept found in its text.

    ``count`` is how often the concept's phrases occur, ``confidence`` how
    sure the link is (1 for a URI match, the cosine for an embedding match)
    and ``weight`` the tf-idf style weight derived from both and from how
    many papers share the concept. ``link`` says how the phrase was linked:
    ``uri``, ``embedding`` or ``new`` (a concept created from the phrase).
    """

    __tablename__ = "paper_concepts"
    __table_args__ = (
        Index("ix_paper_concepts_concept_weight", "concept_id", "weight"),
    )

    paper_id: Mapped[int] = mapped_column(
        BigKey, ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    concept_id: Mapped[int] = mapped_column(
        BigKey, ForeignKey("concepts.id", ondelete="CASCADE"), primary_key=True
    )
    count: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    link: Mapped[str] = mapped_column(String(16))
    phrase: Mapped[str] = mapped_column(Text)


class PaperVector(Base):
    """One encoded part of a paper: part 0 is title plus abstract, parts 1..n
    the sentences of its abstract, as little-endian float32 bytes.

    Vectors are kept per encoder model, like an embedding set, so a restart
    or a rerun never encodes the same text twice.
    """

    __tablename__ = "paper_vectors"

    paper_id: Mapped[int] = mapped_column(
        BigKey, ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(Text, primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class PaperTokenVectors(Base):
    """The wordpiece vectors of a paper's whole text (part 0) for late
    interaction, as the blobs of :class:`embeddings.token_vectors.TokenVectors`:
    int32 wordpiece ids, int8 codes (n x dim) and float32 scales.

    Written in the same transaction as the paper's parts, so a paper that
    has this row is fully encoded with ``model``. ``token_ids`` comes first
    so that reading it alone (the corpus's wordpiece frequencies) does not
    read the codes.
    """

    __tablename__ = "paper_token_vectors"

    paper_id: Mapped[int] = mapped_column(
        BigKey, ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(Text, primary_key=True)
    token_ids: Mapped[bytes] = mapped_column(LargeBinary)
    codes: Mapped[bytes] = mapped_column(LargeBinary)
    scales: Mapped[bytes] = mapped_column(LargeBinary)
