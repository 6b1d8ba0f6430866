"""TrainingService calls of the client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service._generated.conceptkg.v1 import training_pb2 as tpb
from service.client._base import CallsBase


class TrainingCalls(CallsBase):
    """TrainingService calls of the client."""

    def start_training(
        self, config: dict[str, Any], *, kind: str = "rgcn"
    ) -> tpb.TrainingRun:
        """Queue a training run (it runs in a worker process); returns it."""
        request = tpb.StartTrainingRequest(kind=kind)
        request.config.update(config)
        response = self._training.StartTraining(request, timeout=self._timeout)
        return response.run

    def watch_run(
        self, run_id: int, *, timeout_s: float | None = None
    ) -> Iterator[tpb.RunProgress]:
        """Progress reports of a run until it finishes (no deadline by default)."""
        request = tpb.RunRequest(run_id=run_id)
        yield from self._training.WatchRun(request, timeout=timeout_s)

    def get_run(self, run_id: int) -> tpb.TrainingRun:
        """A training run: status, config and, once finished, its metrics."""
        request = tpb.RunRequest(run_id=run_id)
        return self._training.GetRun(request, timeout=self._timeout)

    def list_runs(self, *, limit: int = 0, status: str = "") -> list[tpb.TrainingRun]:
        """The newest training runs first."""
        request = tpb.ListRunsRequest(limit=limit, status=status)
        return list(self._training.ListRuns(request, timeout=self._timeout).runs)

    def cancel_run(self, run_id: int) -> tpb.TrainingRun:
        """Ask a run to stop after its current step."""
        request = tpb.RunRequest(run_id=run_id)
        return self._training.CancelRun(request, timeout=self._timeout)

    def predict_edges(
        self,
        run_id: int,
        relation: str,
        *,
        head: str = "",
        tail: str = "",
        k: int = 0,
        exclude_known: bool = False,
    ) -> list[tpb.PredictedEdge]:
        """Missing ends of (head, relation, ?) or (?, relation, tail); give one."""
        request = tpb.PredictEdgesRequest(
            run_id=run_id, relation=relation, k=k, exclude_known=exclude_known
        )
        if head:
            request.head = head
        if tail:
            request.tail = tail
        response = self._training.PredictEdges(request, timeout=self._timeout)
        return list(response.edges)
