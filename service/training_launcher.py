"""Starts each training run in a worker process of its own, and reaps it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from embeddings.runs import ACTIVE, RunStore

logger = logging.getLogger(__name__)

# glibc keeps large freed buffers instead of handing them back to the kernel
# after every step; training allocates the same large tensors each step, and
# returning and re-faulting them cost R-GCN steps about 3x their time
# (benchmarks/RESULTS.md).
MALLOC_TUNABLES = (
    "glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=17179869184"
)


def worker_environment() -> dict[str, str]:
    """The environment of a worker: this process's, plus the malloc tunables."""
    environment = dict(os.environ)
    environment.setdefault("GLIBC_TUNABLES", MALLOC_TUNABLES)
    return environment


class TrainingLauncher:
    """Runs training jobs as child processes; the server never trains itself.

    A thread per worker waits for it to exit; a worker that exits without
    recording how its run ended (killed, out of memory) gets its run marked
    failed, with the exit code.

    Args:
        sessions: factory of sessions on the database.
        database_url: the URL the workers connect to.
        datasets_dir: where the benchmark datasets lie.
        log_level: the workers' log level.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        database_url: str,
        datasets_dir: Path,
        log_level: str = "INFO",
    ) -> None:
        self._sessions = sessions
        self._database_url = database_url
        self._datasets_dir = datasets_dir
        self._log_level = log_level
        self._workers: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def fail_lost_runs(self) -> None:
        """Mark runs failed whose worker is gone (the server stopped meanwhile).

        A database that cannot be reached is logged, not raised: the server
        still starts and answers UNAVAILABLE until it is back.
        """
        try:
            self._fail_lost_runs()
        except DBAPIError as error:
            logger.warning("lost_runs_not_checked error=%s", error.orig)

    def _fail_lost_runs(self) -> None:
        with self._sessions.begin() as session:
            store = RunStore(session)
            pids = {
                run.worker_pid
                for status in ACTIVE
                for run in store.list_runs(limit=1000, status=status)
                if run.worker_pid is not None
            }
            lost = store.fail_lost({pid for pid in pids if _alive(pid)})
        for run_id in lost:
            logger.warning("run_lost run=%d", run_id)

    def active(self) -> int:
        """How many workers are running."""
        with self._lock:
            return sum(1 for p in self._workers.values() if p.poll() is None)

    def launch(self, run_id: int, run_dir: Path) -> int:
        """Start the worker of a queued run; returns its process id."""
        run_dir.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "service.training_worker",
            "--run-id",
            str(run_id),
            "--database-url",
            self._database_url,
            "--datasets-dir",
            str(self._datasets_dir),
            "--log-level",
            self._log_level,
        ]
        with (run_dir / "worker.log").open("ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=worker_environment(),
                cwd=Path(__file__).resolve().parents[1],
            )
        with self._lock:
            self._workers[run_id] = process
        threading.Thread(target=self._reap, args=(run_id, process), daemon=True).start()
        logger.info("worker_started run=%d pid=%d", run_id, process.pid)
        return process.pid

    def stop_all(self, timeout_s: float) -> None:
        """SIGTERM every worker (each checkpoints and stops), wait, then kill."""
        with self._lock:
            workers = list(self._workers.values())
        for process in workers:
            if process.poll() is None:
                process.terminate()
        for process in workers:
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                logger.warning("worker_killed pid=%d", process.pid)
                process.kill()

    def _reap(self, run_id: int, process: subprocess.Popen[bytes]) -> None:
        code = process.wait()
        with self._lock:
            self._workers.pop(run_id, None)
        with self._sessions.begin() as session:
            store = RunStore(session)
            if not store.get(run_id).finished:
                store.finish(
                    run_id,
                    "failed",
                    error=f"the worker process exited with code {code} "
                    "before recording a result",
                )
        logger.info("worker_exited run=%d pid=%d code=%d", run_id, process.pid, code)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
