"""Tests of graph.planner_stats: imports leave statistics, and with them the
expansion query reads the edges of its concepts, not of its relations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session

from graph import migrate
from graph.db import create_db_engine
from graph.expansion import one_hop
from graph.importers import import_triples
from graph.models import Concept, Edge
from graph.planner_stats import ensure_planner_statistics
from graph.store import GraphStore
from tests.conftest import CN100K, TABLES
from tests.graph.store_support import small_graph

EXPANDED = ["/r/IsA", "/r/RelatedTo", "/r/Synonym"]


def _import_slice(engine: Engine, tmp_path: Path, lines: int = 2000) -> None:
    with (CN100K / "train.txt").open(encoding="utf-8") as handle:
        head = [next(handle) for _ in range(lines)]
    path = tmp_path / "train_head.txt"
    path.write_text("".join(head), encoding="utf-8")
    import_triples(engine, path, triple_format="cn100k", dataset="/d/cn100k")


def _expansion_plans(engine: Engine) -> list[str]:
    """SQLite's plan of each SELECT that one_hop runs for ten concepts."""
    with Session(engine) as session:
        ids = list(session.scalars(select(Concept.id).order_by(Concept.id).limit(10)))
    return _plans(engine, lambda session: one_hop(session, ids, EXPANDED))


def _plans(engine: Engine, run: Callable[[Session], Any]) -> list[str]:
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as session:
            run(session)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as connection:
        return [
            " | ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", params
                )
            )
            for statement, params in statements
        ]


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """An upgraded, empty SQLite file (query plans are SQLite's)."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'graph.db'}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    """The session's PostgreSQL database, emptied as the ``engine`` fixture
    empties it."""
    engine = create_db_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    yield engine
    engine.dispose()


def test_after_an_import_expansion_reads_the_edges_of_its_concepts(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    _import_slice(sqlite_engine, tmp_path)

    plans = _expansion_plans(sqlite_engine)

    assert len(plans) == 2
    assert "ix_edges_start_weight" in plans[0], plans
    assert "ix_edges_end_weight" in plans[1], plans
    assert not any("ix_edges_relation_weight" in plan for plan in plans)


def test_ensure_analyzes_a_graph_written_without_statistics(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    assert ensure_planner_statistics(sqlite_engine) is False  # no edges yet
    _import_slice(sqlite_engine, tmp_path)
    with sqlite_engine.begin() as connection:
        connection.execute(text("DELETE FROM sqlite_stat1"))
    sqlite_engine.dispose()
    # Without statistics SQLite walks every edge of the relations instead.
    assert all("ix_edges_relation_weight" in p for p in _expansion_plans(sqlite_engine))

    assert ensure_planner_statistics(sqlite_engine) is True

    assert not any("relation_weight" in p for p in _expansion_plans(sqlite_engine))
    assert ensure_planner_statistics(sqlite_engine) is False


def test_store_writes_leave_statistics_to_ensure(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session:
        GraphStore(session).upsert_edges(small_graph())
        session.commit()

    assert ensure_planner_statistics(sqlite_engine) is True
    with sqlite_engine.connect() as connection:
        tables = set(connection.scalars(text("SELECT tbl FROM sqlite_stat1")))
    assert {"edges", "concepts"} <= tables


@pytest.mark.postgres
def test_import_refreshes_postgres_statistics(
    postgres_engine: Engine, tmp_path: Path
) -> None:
    engine = postgres_engine
    estimate = "SELECT reltuples FROM pg_class WHERE relname = 'edges'"
    with engine.connect() as connection:
        before = connection.scalar(text(estimate))

    _import_slice(engine, tmp_path, lines=500)

    with engine.connect() as connection:
        after = connection.scalar(text(estimate))
        edges = connection.scalar(select(func.count()).select_from(Edge))
    assert before <= 0  # emptied by TRUNCATE (-1), or analyzed empty since
    assert after == edges > 0
    assert ensure_planner_statistics(engine) is False
