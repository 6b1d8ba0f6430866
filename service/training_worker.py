"""Entry point of a training worker process: one run, then exit.

Started by the server for each StartTraining call
(``python -m service.training_worker --run-id N --database-url URL``); its
log goes to ``worker.log`` in the run's folder. SIGTERM stops the run after
its current step, with a checkpoint.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from graph.db import create_db_engine, create_session_factory

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one training job; exit code 0 when it finished, 1 when it failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--datasets-dir", type=Path, required=True)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    from embeddings.train_job import run_training_job

    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("worker_stop_requested signal=%s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    engine = create_db_engine(args.database_url)
    try:
        run_training_job(
            create_session_factory(engine),
            args.run_id,
            data_root=args.datasets_dir,
            stop=stop,
        )
    except Exception:
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
