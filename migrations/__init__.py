"""Alembic migrations of the conceptkg schema, one revision per change."""

from __future__ import annotations

from sqlalchemy import MetaData


def target_metadata() -> MetaData:
    """The metadata of every table the migrations manage (graph and embeddings)."""
    import embeddings.models  # noqa: F401  (registers its tables on Base)
    import embeddings.paper_models  # noqa: F401
    import embeddings.run_models  # noqa: F401
    import embeddings.sae_models  # noqa: F401
    from graph.models import Base

    return Base.metadata
