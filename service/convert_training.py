"""Conversions between training protobuf messages and run records; nothing else."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct

from embeddings.link_predict import Prediction
from embeddings.runs import EventInfo, RunInfo
from service._generated.conceptkg.v1 import training_pb2 as pb


def config_values(config: Struct) -> dict[str, Any]:
    """A Struct config as plain values; whole-number floats become ints.

    Struct holds every number as a double, so ``{"epochs": 5}`` arrives as
    5.0; pydantic would accept that too, but the stored config reads better.
    """
    values = MessageToDict(config)
    return {key: _whole(value) for key, value in values.items()}


def run_message(run: RunInfo, embedding_set: str = "") -> pb.TrainingRun:
    """A TrainingRun message from a stored run."""
    config = Struct()
    config.update(run.config)
    metrics = run.metrics
    return pb.TrainingRun(
        id=run.id,
        kind=run.kind,
        dataset=run.dataset,
        status=run.status,
        config=config,
        valid=link_metrics(metrics.get("valid")),
        test=link_metrics(metrics.get("test")),
        epochs=int(metrics.get("epochs", 0)),
        best_epoch=int(metrics.get("best_epoch", 0)),
        train_seconds=float(metrics.get("train_seconds", 0.0)),
        seconds_per_epoch=float(metrics.get("seconds_per_epoch", 0.0)),
        device=str(metrics.get("device", "")),
        error=run.error or "",
        embedding_set=embedding_set,
        created_at=_timestamp(run.created_at),
        started_at=_timestamp(run.started_at),
        finished_at=_timestamp(run.finished_at),
    )


def link_metrics(values: dict[str, Any] | None) -> pb.LinkMetrics | None:
    """LinkMetrics from an evaluation result, or None when there is none."""
    if not values:
        return None
    return pb.LinkMetrics(
        mrr=values["mrr"],
        hits_at_1=values["hits_at_1"],
        hits_at_3=values["hits_at_3"],
        hits_at_10=values["hits_at_10"],
    )


def progress_message(event: EventInfo, status: str) -> pb.RunProgress:
    """A RunProgress message from a stored progress report."""
    return pb.RunProgress(
        run_id=event.run_id,
        epoch=event.epoch,
        step=event.step,
        loss=event.loss or 0.0,
        valid=link_metrics(event.metrics),
        elapsed_s=event.elapsed_s,
        status=status,
    )


def predicted_edge(
    prediction: Prediction, *, given: str, relation: str, given_is_head: bool
) -> pb.PredictedEdge:
    """A PredictedEdge: the given entity on its side, the answer on the other."""
    head, tail = (
        (given, prediction.entity) if given_is_head else (prediction.entity, given)
    )
    return pb.PredictedEdge(
        head=head,
        relation=relation,
        tail=tail,
        score=prediction.score,
        known=prediction.known,
    )


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _timestamp(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""
