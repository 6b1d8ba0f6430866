"""Training runs in the database: create, report progress, finish, cancel."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from embeddings.errors import EmbeddingError
from embeddings.run_models import TrainingEvent, TrainingRun

logger = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
FINISHED = ("completed", "early_stopped", "cancelled", "failed")
RUN_KINDS = ("rgcn",)


class RunNotFound(EmbeddingError):
    """No training run with that id."""

    def __init__(self, run_id: int) -> None:
        super().__init__(f"training run {run_id} does not exist")
        self.run_id = run_id


class RunNotFinished(EmbeddingError):
    """A run whose model is asked for before it has finished."""

    def __init__(self, run_id: int, status: str) -> None:
        super().__init__(f"training run {run_id} is {status}; it has no model yet")
        self.run_id = run_id
        self.status = status


@dataclass(frozen=True)
class RunInfo:
    """One training run as stored."""

    id: int
    kind: str
    dataset: str
    status: str
    config: dict[str, Any]
    run_dir: str
    metrics: dict[str, Any]
    error: str | None
    cancel_requested: bool
    worker_pid: int | None
    embedding_set_id: int | None
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        """Whether the run has reached a final status."""
        return self.status in FINISHED


@dataclass(frozen=True)
class EventInfo:
    """One progress report of a run."""

    id: int
    run_id: int
    epoch: int
    step: int
    loss: float | None
    metrics: dict[str, Any] | None
    elapsed_s: float


class RunStore:
    """Reads and writes training runs through one session; the caller commits.

    Args:
        session: an open SQLAlchemy session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def create(
        self, kind: str, dataset: str, config: dict[str, Any], run_dir: str
    ) -> RunInfo:
        """Record a new queued run; ``run_dir`` may hold ``{id}``."""
        row = TrainingRun(
            kind=kind,
            dataset=dataset,
            status="queued",
            config=config,
            run_dir=run_dir,
            metrics={},
            cancel_requested=False,
        )
        self._session.add(row)
        self._session.flush()
        row.run_dir = run_dir.format(id=row.id)
        self._session.flush()
        logger.info("run_created run=%d kind=%s dataset=%s", row.id, kind, dataset)
        return _info(row)

    def get(self, run_id: int) -> RunInfo:
        """The run with id ``run_id``.

        Raises:
            RunNotFound: no such run.
        """
        return _info(self._row(run_id))

    def list_runs(self, *, limit: int, status: str = "") -> list[RunInfo]:
        """The newest runs first, optionally of one status."""
        query = select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit)
        if status:
            query = query.where(TrainingRun.status == status)
        return [_info(row) for row in self._session.scalars(query)]

    def mark_running(self, run_id: int, worker_pid: int) -> None:
        """The worker has started the run."""
        row = self._row(run_id)
        row.status, row.worker_pid = "running", worker_pid
        row.started_at = datetime.now(UTC)
        self._session.flush()

    def add_event(
        self,
        run_id: int,
        *,
        epoch: int,
        step: int,
        loss: float | None,
        metrics: dict[str, Any] | None,
        elapsed_s: float,
    ) -> None:
        """Record a progress report."""
        self._session.add(
            TrainingEvent(
                run_id=run_id,
                epoch=epoch,
                step=step,
                loss=loss,
                metrics=metrics,
                elapsed_s=elapsed_s,
            )
        )
        self._session.flush()

    def events_after(
        self, run_id: int, after_id: int, *, limit: int
    ) -> list[EventInfo]:
        """Progress reports of a run with an id above ``after_id``, oldest first."""
        rows = self._session.scalars(
            select(TrainingEvent)
            .where(TrainingEvent.run_id == run_id, TrainingEvent.id > after_id)
            .order_by(TrainingEvent.id)
            .limit(limit)
        )
        return [
            EventInfo(
                id=row.id,
                run_id=row.run_id,
                epoch=row.epoch,
                step=row.step,
                loss=row.loss,
                metrics=row.metrics,
                elapsed_s=row.elapsed_s,
            )
            for row in rows
        ]

    def finish(
        self,
        run_id: int,
        status: str,
        *,
        metrics: dict[str, Any] | None = None,
        error: str | None = None,
        embedding_set_id: int | None = None,
    ) -> RunInfo:
        """Record how the run ended."""
        if status not in FINISHED:
            raise ValueError(f"status must be one of {FINISHED}, got {status!r}")
        row = self._row(run_id)
        row.status = status
        row.metrics = metrics or {}
        row.error = error
        row.embedding_set_id = embedding_set_id
        row.finished_at = datetime.now(UTC)
        self._session.flush()
        logger.info("run_finished run=%d status=%s", run_id, status)
        return _info(row)

    def requeue(self, run_id: int) -> RunInfo:
        """Make a cancelled or failed run queued again, to resume it.

        Raises:
            RunNotFound: no such run.
            RunNotFinished: the run is still queued or running.
            ValueError: the run completed; there is nothing to resume.
        """
        row = self._row(run_id)
        if row.status in ACTIVE:
            raise RunNotFinished(run_id, row.status)
        if row.status not in ("cancelled", "failed"):
            raise ValueError(
                f"training run {run_id} is {row.status}; nothing to resume"
            )
        row.status, row.cancel_requested, row.error = "queued", False, None
        row.finished_at = None
        self._session.flush()
        return _info(row)

    def request_cancel(self, run_id: int) -> RunInfo:
        """Ask the run to stop; a queued run is cancelled at once."""
        row = self._row(run_id)
        if row.status in FINISHED:
            return _info(row)
        row.cancel_requested = True
        self._session.flush()
        if row.status == "queued":
            return self.finish(run_id, "cancelled")
        return _info(row)

    def cancel_requested(self, run_id: int) -> bool:
        """Whether someone asked the run to stop."""
        return bool(
            self._session.scalar(
                select(TrainingRun.cancel_requested).where(TrainingRun.id == run_id)
            )
        )

    def fail_lost(self, alive: set[int]) -> list[int]:
        """Mark active runs failed whose worker process is not in ``alive``
        (or that never got one)."""
        lost = [
            row.id
            for row in self._session.scalars(
                select(TrainingRun).where(TrainingRun.status.in_(ACTIVE))
            )
            if row.worker_pid is None or row.worker_pid not in alive
        ]
        if lost:
            self._session.execute(
                update(TrainingRun)
                .where(TrainingRun.id.in_(lost))
                .values(
                    status="failed",
                    error="the worker process ended without reporting",
                    finished_at=datetime.now(UTC),
                )
            )
        return lost

    def _row(self, run_id: int) -> TrainingRun:
        row = self._session.get(TrainingRun, run_id)
        if row is None:
            raise RunNotFound(run_id)
        return row


def _info(row: TrainingRun) -> RunInfo:
    return RunInfo(
        id=row.id,
        kind=row.kind,
        dataset=row.dataset,
        status=row.status,
        config=dict(row.config),
        run_dir=row.run_dir,
        metrics=dict(row.metrics or {}),
        error=row.error,
        cancel_requested=bool(row.cancel_requested),
        worker_pid=row.worker_pid,
        embedding_set_id=row.embedding_set_id,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )
