"""create graph tables: concepts, relations, edges, external_links

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "concepts",
        sa.Column("id", BIG_KEY, nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("pos", sa.String(length=1), nullable=True),
        sa.Column("sense", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uri"),
    )
    op.create_index("ix_concepts_lang", "concepts", ["lang"])
    op.create_table(
        "relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("symmetric", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uri"),
    )
    op.create_table(
        "edges",
        sa.Column("id", BIG_KEY, nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("relation_id", sa.Integer(), nullable=False),
        sa.Column("start_id", BIG_KEY, nullable=False),
        sa.Column("end_id", BIG_KEY, nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("dataset", sa.Text(), nullable=False),
        sa.Column("license", sa.Text(), nullable=False),
        sa.Column("sources", JSON_DOCUMENT, nullable=False),
        sa.Column("surface_text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["relation_id"], ["relations.id"]),
        sa.ForeignKeyConstraint(["start_id"], ["concepts.id"]),
        sa.ForeignKeyConstraint(["end_id"], ["concepts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uri"),
    )
    op.create_index("ix_edges_start_weight", "edges", ["start_id", "weight", "id"])
    op.create_index("ix_edges_end_weight", "edges", ["end_id", "weight", "id"])
    op.create_index(
        "ix_edges_relation_weight", "edges", ["relation_id", "weight", "id"]
    )
    op.create_index("ix_edges_dataset_weight", "edges", ["dataset", "weight", "id"])
    op.create_index("ix_edges_weight", "edges", ["weight", "id"])
    op.create_table(
        "external_links",
        sa.Column("id", BIG_KEY, nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("concept_id", BIG_KEY, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("dataset", sa.Text(), nullable=False),
        sa.Column("license", sa.Text(), nullable=False),
        sa.Column("sources", JSON_DOCUMENT, nullable=False),
        sa.ForeignKeyConstraint(["concept_id"], ["concepts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uri"),
    )
    op.create_index("ix_external_links_concept_id", "external_links", ["concept_id"])


def downgrade() -> None:
    op.drop_table("external_links")
    op.drop_table("edges")
    op.drop_table("relations")
    op.drop_table("concepts")
