"""Tests of the Alembic migrations on empty SQLite and PostgreSQL databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from graph import migrate
from graph.db import create_db_engine
from migrations import target_metadata
from tests.conftest import throwaway_postgres_database

GRAPH_TABLES = {"concepts", "relations", "edges", "external_links"}
EMBEDDING_TABLES = {"embedding_sets", "concept_vectors", "spaces", "alignments"}
TRAINING_TABLES = {"training_runs", "training_events"}
PAPER_TABLES = {"papers", "paper_concepts", "paper_vectors"}
SAE_TABLES = {"saes", "sae_features", "sae_snippets", "sae_namings", "sae_names"}
ALL_TABLES = (
    GRAPH_TABLES | EMBEDDING_TABLES | TRAINING_TABLES | PAPER_TABLES | SAE_TABLES
)


@pytest.fixture
def postgres_scratch_url() -> Iterator[str]:
    """A throwaway, empty PostgreSQL database, dropped after the test.

    The shared session database stays upgraded for the other tests, so the
    migration tests, which downgrade, get a database of their own.
    """
    with throwaway_postgres_database("conceptkg_mig") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database with no migrations applied."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
    else:
        url = request.getfixturevalue("postgres_scratch_url")
    engine = create_db_engine(url)
    yield engine
    engine.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) & ALL_TABLES


def _schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, target_metadata()))


def test_upgrade_empty_database_matches_models(empty_engine: Engine) -> None:
    assert migrate.current_revision(empty_engine) is None
    assert not migrate.is_current(empty_engine)

    migrate.upgrade(empty_engine)

    assert _tables(empty_engine) == ALL_TABLES
    assert migrate.is_current(empty_engine)
    assert migrate.current_revision(empty_engine) == migrate.head_revision(empty_engine)
    assert _schema_diff(empty_engine) == []


def test_upgrade_creates_model_indexes(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)

    indexes = {index["name"] for index in inspect(empty_engine).get_indexes("edges")}
    model_indexes = {index.name for index in target_metadata().tables["edges"].indexes}

    assert model_indexes <= indexes
    assert "ix_edges_start_weight" in indexes


def test_downgrade_base_then_upgrade_round_trips(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)

    migrate.downgrade(empty_engine, "base")

    assert _tables(empty_engine) == set()
    assert migrate.current_revision(empty_engine) is None

    migrate.upgrade(empty_engine)

    assert _tables(empty_engine) == ALL_TABLES
    assert migrate.is_current(empty_engine)
    assert _schema_diff(empty_engine) == []


def test_downgrade_to_0001_removes_only_the_embedding_tables(
    empty_engine: Engine,
) -> None:
    migrate.upgrade(empty_engine)

    migrate.downgrade(empty_engine, "0001")

    assert _tables(empty_engine) == GRAPH_TABLES
    migrate.upgrade(empty_engine)
    assert _tables(empty_engine) == ALL_TABLES


def test_schema_diff_dropped_index_is_reported(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_edges_weight"))

    diff = _schema_diff(empty_engine)

    assert [(kind, index.name) for kind, index in diff] == [
        ("add_index", "ix_edges_weight")
    ]


@pytest.mark.parametrize(
    ("revision", "left"),
    [
        ("0005", GRAPH_TABLES | EMBEDDING_TABLES | TRAINING_TABLES | PAPER_TABLES),
        ("0004", GRAPH_TABLES | EMBEDDING_TABLES | TRAINING_TABLES),
        ("0003", GRAPH_TABLES | EMBEDDING_TABLES),
    ],
)
def test_downgrade_removes_only_the_later_tables(
    empty_engine: Engine, revision: str, left: set[str]
) -> None:
    migrate.upgrade(empty_engine)

    migrate.downgrade(empty_engine, revision)

    assert _tables(empty_engine) == left
    migrate.upgrade(empty_engine)
    assert _tables(empty_engine) == ALL_TABLES
    assert _schema_diff(empty_engine) == []
