"""Fixtures of the graph tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from graph.store import GraphStore
from tests.graph.store_support import small_graph


@pytest.fixture
def small_store(store: GraphStore, session: Session) -> GraphStore:
    """The store holding the six edges of :func:`small_graph`, committed."""
    store.upsert_edges(small_graph())
    session.commit()
    return store
