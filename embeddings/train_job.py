"""A training run as a job on the database: validate, train, store the results."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from embeddings.kg_datasets import (
    BENCHMARKS,
    GRAPH_DATASET,
    DatasetError,
    TripleDataset,
    load_benchmark,
    load_graph_dataset,
)
from embeddings.run_files import CHECKPOINT_FILE, ENTITIES_FILE
from embeddings.runs import RunInfo, RunStore
from embeddings.sets import EmbeddingSetStore
from embeddings.training import Progress, RGCNTrainer
from embeddings.training_config import RGCNConfig
from embeddings.vectors import normalize_rows
from graph.models import Relation

logger = logging.getLogger(__name__)

# How often a running job looks at the database for a cancel request.
CANCEL_POLL_S = 1.0


def load_dataset(
    config: RGCNConfig, sessions: sessionmaker[Session], data_root: Path
) -> TripleDataset:
    """The triples ``config.dataset`` names: a benchmark or the stored graph."""
    if config.dataset == GRAPH_DATASET:
        with sessions() as session:
            return load_graph_dataset(
                session,
                seed=config.seed,
                valid_fraction=config.valid_fraction,
                test_fraction=config.test_fraction,
            )
    return load_benchmark(config.dataset, data_root)


def validate_config(
    values: dict[str, Any], sessions: sessionmaker[Session], data_root: Path
) -> RGCNConfig:
    """Check a config before a run is queued, so mistakes fail at once.

    Raises:
        pydantic.ValidationError: a bad field (negative learning rate, ...).
        DatasetError: a missing dataset or a relation it does not have.
    """
    config = RGCNConfig.model_validate(values)
    if config.dataset == GRAPH_DATASET:
        with sessions() as session:
            known = set(session.scalars(select(Relation.uri)))
        if not known:
            raise DatasetError(GRAPH_DATASET, "the stored graph has no relations")
    else:
        folder = data_root / BENCHMARKS[config.dataset][0]
        if not (folder / "train.txt").is_file():
            raise DatasetError(config.dataset, f"no train.txt in {folder}")
        if not config.relations:
            return config
        known = set(load_benchmark(config.dataset, data_root).relations)
    unknown = [name for name in config.relations if name not in known]
    if unknown:
        raise DatasetError(config.dataset, f"unknown relation {unknown[0]!r}")
    return config


def run_training_job(
    sessions: sessionmaker[Session],
    run_id: int,
    *,
    data_root: Path,
    show_progress: bool = False,
    stop: threading.Event | None = None,
) -> RunInfo:
    """Train a queued run to its end and record the outcome.

    Progress goes to the run's events; a cancel request in the database, or
    ``stop`` being set, stops it after the current step (its state is
    checkpointed). A run whose folder holds a checkpoint resumes from it.
    When the dataset is the stored graph, the entity vectors become a new
    ``rgcn`` embedding set. Errors mark the run failed and are re-raised.
    """
    with sessions.begin() as session:
        store = RunStore(session)
        info = store.get(run_id)
        store.mark_running(run_id, os.getpid())
    try:
        config = RGCNConfig.model_validate(info.config)
        dataset = load_dataset(config, sessions, data_root)
        run_dir = Path(info.run_dir)
        options: dict[str, Any] = {
            "on_progress": lambda progress: _report(sessions, run_id, progress),
            "should_stop": _cancel_poller(sessions, run_id, stop),
            "show_progress": show_progress,
        }
        if (run_dir / CHECKPOINT_FILE).is_file():
            trainer = RGCNTrainer.resume(run_dir, dataset, **options)
        else:
            trainer = RGCNTrainer(config, dataset, run_dir, **options)
        result = trainer.fit()
        set_id = None
        if dataset.entity_ids is not None and result.stopped != "cancelled":
            set_id = _write_entity_set(sessions, run_id, config, dataset, run_dir)
        metrics = {
            "valid": result.valid,
            "test": result.test,
            "epochs": result.epochs,
            "best_epoch": result.best_epoch,
            "train_seconds": result.train_seconds,
            "seconds_per_epoch": result.seconds_per_epoch,
            "device": result.device,
        }
        with sessions.begin() as session:
            return RunStore(session).finish(
                run_id, result.stopped, metrics=metrics, embedding_set_id=set_id
            )
    except Exception as error:
        logger.error("run_failed run=%d", run_id, exc_info=True)
        with sessions.begin() as session:
            RunStore(session).finish(run_id, "failed", error=str(error))
        raise


def _report(sessions: sessionmaker[Session], run_id: int, progress: Progress) -> None:
    with sessions.begin() as session:
        RunStore(session).add_event(
            run_id,
            epoch=progress.epoch,
            step=progress.step,
            loss=progress.loss,
            metrics=progress.metrics,
            elapsed_s=progress.elapsed_s,
        )


def _cancel_poller(
    sessions: sessionmaker[Session], run_id: int, stop: threading.Event | None
) -> Any:
    last = {"checked": 0.0, "cancel": False}

    def should_stop() -> bool:
        if stop is not None and stop.is_set():
            return True
        now = time.monotonic()
        if now - last["checked"] >= CANCEL_POLL_S:
            with sessions() as session:
                last["cancel"] = RunStore(session).cancel_requested(run_id)
            last["checked"] = now
        return bool(last["cancel"])

    return should_stop


def _write_entity_set(
    sessions: sessionmaker[Session],
    run_id: int,
    config: RGCNConfig,
    dataset: TripleDataset,
    run_dir: Path,
) -> int:
    """Store the run's entity vectors (unit length) as a ready ``rgcn`` set."""
    assert dataset.entity_ids is not None
    vectors = normalize_rows(
        np.load(run_dir / ENTITIES_FILE).astype(np.float32), name="entity vectors"
    )
    with sessions.begin() as session:
        store = EmbeddingSetStore(session)
        info = store.create(
            "rgcn",
            kind="rgcn",
            model=f"rgcn-run-{run_id}",
            dim=vectors.shape[1],
            params={"run_id": run_id, "config": config.model_dump()},
        )
        store.write_vectors(info.id, dataset.entity_ids, vectors)
        store.mark_ready(info.id)
    logger.info("run_vectors_stored run=%d set=%s", run_id, info.label)
    return info.id
