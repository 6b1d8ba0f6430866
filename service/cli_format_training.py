"""Human-readable text of the training commands' results."""

from __future__ import annotations

from typing import Any

from service._generated.conceptkg.v1 import training_pb2 as tpb


def _metrics_line(name: str, metrics: tpb.LinkMetrics) -> str:
    return (
        f"  {name}: MRR {metrics.mrr:.4f}  Hits@1 {metrics.hits_at_1:.4f}  "
        f"Hits@3 {metrics.hits_at_3:.4f}  Hits@10 {metrics.hits_at_10:.4f}"
    )


def run_result_text(run_id: int, status: str, metrics: dict[str, Any]) -> str:
    """The outcome of a foreground run."""
    lines = [f"run {run_id}: {status}"]
    for split in ("valid", "test"):
        values = metrics.get(split) or {}
        if values:
            lines.append(
                f"  {split}: MRR {values['mrr']:.4f}  Hits@1 {values['hits_at_1']:.4f}"
                f"  Hits@3 {values['hits_at_3']:.4f}"
                f"  Hits@10 {values['hits_at_10']:.4f}"
            )
    if "epochs" in metrics:
        lines.append(
            f"  epochs {metrics['epochs']} (best {metrics['best_epoch']}), "
            f"{metrics['train_seconds']:.1f} s training, "
            f"{metrics['seconds_per_epoch']:.2f} s/epoch on {metrics['device']}"
        )
    return "\n".join(lines)


def run_text(run: tpb.TrainingRun) -> str:
    """One run as labelled lines."""
    lines = [
        f"run {run.id}: {run.kind} on {run.dataset}, {run.status}",
        f"  created {run.created_at or '-'}  finished {run.finished_at or '-'}",
    ]
    if run.HasField("valid"):
        lines.append(_metrics_line("valid", run.valid))
    if run.HasField("test"):
        lines.append(_metrics_line("test", run.test))
    if run.epochs:
        lines.append(
            f"  epochs {run.epochs} (best {run.best_epoch}), "
            f"{run.seconds_per_epoch:.2f} s/epoch on {run.device}"
        )
    if run.embedding_set:
        lines.append(f"  embedding set: {run.embedding_set}")
    if run.error:
        lines.append(f"  error: {run.error}")
    return "\n".join(lines)


def runs_text(runs: list[tpb.TrainingRun]) -> str:
    """One line per run."""
    if not runs:
        return "(no runs)"
    return "\n".join(
        f"{run.id:5d}  {run.status:13s}  {run.kind}  {run.dataset}"
        + (f"  test MRR {run.test.mrr:.4f}" if run.HasField("test") else "")
        for run in runs
    )


def progress_text(progress: tpb.RunProgress) -> str:
    """One progress report on one line."""
    if not progress.epoch:
        return f"run {progress.run_id}: {progress.status}"
    line = (
        f"epoch {progress.epoch:4d}  step {progress.step:6d}  "
        f"loss {progress.loss:.5f}  {progress.elapsed_s:8.1f} s"
    )
    if progress.HasField("valid"):
        line += f"  valid MRR {progress.valid.mrr:.4f}"
    return line


def predictions_text(edges: list[tpb.PredictedEdge]) -> str:
    """Predicted edges, best first; known training triples are marked."""
    if not edges:
        return "(no predictions)"
    return "\n".join(
        f"{edge.score:9.4f}  {edge.head}  {edge.relation}  {edge.tail}"
        + ("  (known)" if edge.known else "")
        for edge in edges
    )
