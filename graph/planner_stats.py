"""Query-planner statistics, refreshed after bulk writes.

Without statistics, SQLite's planner prefers an index on an equality over an
index on an IN list. For "edges of these concepts with these relations" it then
walks every edge of the relation (38,925 RelatedTo edges of CN-100K) instead
of the few edges of the concepts: on SciFact, query expansion took 88 ms a
query that way. ``ANALYZE`` records how selective each index is, after which
the concept indexes win. PostgreSQL's autovacuum keeps its own statistics;
refreshing them right after a bulk import only makes them current sooner.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Engine, inspect, select, text

from graph.models import Edge

logger = logging.getLogger(__name__)

# Rows SQLite samples per index (PRAGMA analysis_limit): enough to rank the
# indexes, and ANALYZE stays well under a second on CN-100K.
_SQLITE_ANALYSIS_ROWS = 2000


def refresh_planner_statistics(engine: Engine) -> float:
    """Run ANALYZE on the database; returns the seconds it took.

    A SQLite connection reads the statistics when it opens, so the engine's
    pooled connections are closed afterwards and the next ones plan with
    them.
    """
    # Limitation: another process's open SQLite connections (a server beside
    # a CLI import) keep planning without the new statistics until they
    # reconnect; the server runs ensure_planner_statistics at start.
    started = time.perf_counter()
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text(f"PRAGMA analysis_limit={_SQLITE_ANALYSIS_ROWS}"))
        connection.execute(text("ANALYZE"))
    in_memory = engine.url.database in (None, "", ":memory:")
    if engine.dialect.name == "sqlite" and not in_memory:
        # An in-memory database lives only in its connection: kept open.
        engine.dispose()
    seconds = time.perf_counter() - started
    logger.info(
        "planner_statistics_refreshed backend=%s seconds=%.2f",
        engine.dialect.name,
        seconds,
    )
    return seconds


def ensure_planner_statistics(engine: Engine) -> bool:
    """On SQLite, run ANALYZE when the graph has edges but no statistics (a
    database written before statistics were kept); returns whether it ran.
    PostgreSQL is left to autovacuum."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as connection:
        if connection.execute(select(Edge.id).limit(1)).first() is None:
            return False
        if inspect(connection).has_table("sqlite_stat1"):
            rows = connection.execute(
                text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'edges'")
            ).scalar_one()
            if rows:
                return False
    refresh_planner_statistics(engine)
    return True
