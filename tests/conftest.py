"""Shared fixtures: upgraded databases on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from embeddings.encoders import TextEncoder
from graph import migrate
from graph.db import create_db_engine, create_session_factory
from graph.store import GraphStore

# Real data sets lie in ../shared/data beside the repository (see each folder's
# PROVENANCE.md); CONCEPTKG_SHARED_DATA points elsewhere.
SHARED_DATA = Path(
    os.environ.get(
        "CONCEPTKG_SHARED_DATA",
        Path(__file__).resolve().parents[1].parent / "shared" / "data",
    )
)
CONCEPTNET_SAMPLE = SHARED_DATA / "conceptnet5-format-sample"
CN100K = SHARED_DATA / "conceptnet-cn100k" / "cn100k"

POSTGRES_ADMIN_URL = os.environ.get(
    "CONCEPTKG_TEST_POSTGRES_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
)
# Every table, in an order TRUNCATE ... CASCADE accepts (empties a test database).
TABLES = (
    "paper_vectors, paper_concepts, papers, training_events, training_runs, "
    "alignments, spaces, concept_vectors, embedding_sets, edges, external_links, "
    "concepts, relations, "
    "sae_names, sae_namings, sae_snippets, sae_features, saes"
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once, with the path, when the real data sets are not there."""
    missing = [p for p in (CONCEPTNET_SAMPLE, CN100K) if not p.is_dir()]
    if missing:
        pytest.exit(
            f"real test data not found: {', '.join(map(str, missing))}; "
            "put shared/ beside the repository or set CONCEPTKG_SHARED_DATA",
            returncode=1,
        )


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@contextmanager
def throwaway_postgres_database(prefix: str) -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, and drop it after.

    Skips when PostgreSQL is unreachable, except in CI, where it fails.
    """
    admin = create_db_engine(POSTGRES_ADMIN_URL).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure means "no server"
        admin.dispose()
        message = f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {error}"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, upgraded PostgreSQL database shared by this test session."""
    with throwaway_postgres_database("conceptkg_test") as url:
        engine = create_db_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An upgraded, empty database: a SQLite file, then the real PostgreSQL."""
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'graph.db'}")
        migrate.upgrade(engine)
    else:
        engine = create_db_engine(request.getfixturevalue("postgres_url"))
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test database; committed writes persist for the test."""
    with create_session_factory(engine)() as session:
        yield session


@pytest.fixture
def store(session: Session) -> GraphStore:
    """A graph store with small limits, so limit errors are cheap to provoke."""
    return GraphStore(session, max_page_size=100, max_batch_size=500)


@pytest.fixture(scope="session")
def encoder() -> TextEncoder:
    """The bundled all-MiniLM-L6-v2 on the CPU, loaded once; it is read-only."""
    return TextEncoder(device="cpu")
