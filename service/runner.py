"""Run the server in the foreground until SIGINT or SIGTERM, then stop gracefully."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from graph import migrate
from graph.db import create_db_engine, create_session_factory
from graph.planner_stats import ensure_planner_statistics
from service.index_loader import load_searcher
from service.server import create_server
from service.settings import Settings

logger = logging.getLogger(__name__)


def serve_forever(settings: Settings) -> int:
    """Serve until a stop signal; returns the exit code.

    Refuses to start (exit code 1) when the database is not at the newest
    schema revision.
    """
    engine = create_db_engine(settings.resolved_database_url())
    if not migrate.is_current(engine):
        logger.error(
            "schema_outdated current=%s head=%s hint='run: conceptkg db upgrade'",
            migrate.current_revision(engine),
            migrate.head_revision(engine),
        )
        return 1
    ensure_planner_statistics(engine)
    searcher = load_searcher(settings, create_session_factory(engine))
    running = create_server(settings, engine, searcher)
    address = f"{settings.host}:{running.port}"
    logger.info(
        "ready address=%s try='conceptkg concept /c/en/dog --server %s' "
        "health='grpc_health_probe -addr=%s'",
        address,
        address,
        address,
    )
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("stop_requested signal=%s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    stop.wait()
    running.stop(settings.shutdown_grace_s)
    engine.dispose()
    return 0
