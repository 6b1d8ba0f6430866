"""The R-GCN training loop: learning a known answer, resume, files, bad configs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydantic
import pytest
import torch
from sqlalchemy import Engine

from embeddings.kg_datasets import DatasetError, TripleDataset
from embeddings.run_files import (
    BEST_FILE,
    CHECKPOINT_FILE,
    CONFIG_FILE,
    CURVE_FILE,
    METRICS_FILE,
)
from embeddings.train_job import validate_config
from embeddings.training import RGCNTrainer
from embeddings.training_config import RGCNConfig
from graph.db import create_session_factory
from graph.records import EdgeInput
from graph.store import GraphStore
from tests.conftest import SHARED_DATA

PAIRS = 20


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """Tiny graphs gain nothing from threads; spinning ones only slow them."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def symmetric() -> TripleDataset:
    """Pairs (i, i + 20) joined by a symmetric relation: the training set
    holds both directions of 14 pairs and one direction of the other 6,
    whose reverse directions are the validation and test triples."""
    train, held_out = [], []
    for i in range(PAIRS):
        train.append((i, 0, i + PAIRS))
        (train if i < 14 else held_out).append((i + PAIRS, 0, i))
    entities = [f"e{i}" for i in range(2 * PAIRS)]
    return TripleDataset(
        "tiny",
        entities,
        ["similar_to"],
        np.array(train),
        np.array(held_out[:3]),
        np.array(held_out[3:]),
    )


def _config(**overrides: object) -> RGCNConfig:
    values: dict[str, object] = {
        "dataset": "graph",
        "hidden": 16,
        "num_bases": 2,
        "epochs": 60,
        "eval_every": 20,
        "lr": 0.05,
        "negatives": 4,
        "dropout": 0.0,
        "edge_dropout": 0.1,
        "self_loop_dropout": 0.1,
    }
    values.update(overrides)
    return RGCNConfig.model_validate(values)


@pytest.mark.parametrize(
    "scoring",
    [
        {"scoring": "negative_sampling"},
        {"scoring": "one_to_n"},
        {"scoring": "one_to_n", "candidates": 20},
    ],
    ids=["negative_sampling", "one_to_n", "one_to_n_candidates"],
)
def test_trainer_learns_symmetric_relation_to_mrr_near_one(
    symmetric: TripleDataset, tmp_path: Path, scoring: dict[str, object]
) -> None:
    result = RGCNTrainer(_config(**scoring), symmetric, tmp_path).fit()

    assert result.test["mrr"] > 0.9
    assert result.stopped == "completed" and result.epochs == 60


def test_trainer_writes_config_checkpoint_curve_and_metrics(
    symmetric: TripleDataset, tmp_path: Path
) -> None:
    config = _config(epochs=20, eval_every=10)

    RGCNTrainer(config, symmetric, tmp_path).fit()

    assert (
        RGCNConfig.model_validate_json((tmp_path / CONFIG_FILE).read_text()) == config
    )
    assert (tmp_path / CHECKPOINT_FILE).is_file() and (tmp_path / BEST_FILE).is_file()
    assert (tmp_path / CURVE_FILE).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((tmp_path / METRICS_FILE).read_text())
    assert [r["epoch"] for r in metrics["history"]] == list(range(1, 21))
    assert "valid_mrr" in metrics["history"][9]


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"graph_batch_size": 9},
        {"scoring": "one_to_n", "batch_size": 7},
        {"scoring": "one_to_n", "batch_size": 7, "candidates": 10},
    ],
    ids=["full_batch", "sampled_graph", "one_to_n", "one_to_n_candidates"],
)
def test_resumed_run_follows_the_uninterrupted_trajectory(
    symmetric: TripleDataset, tmp_path: Path, overrides: dict[str, object]
) -> None:
    config = _config(epochs=8, eval_every=4, checkpoint_every=3, **overrides)
    straight = RGCNTrainer(config, symmetric, tmp_path / "straight")
    straight_result = straight.fit()
    steps = {"count": 0}

    def stop_after_five_steps() -> bool:
        steps["count"] += 1
        return steps["count"] == 5

    RGCNTrainer(
        config, symmetric, tmp_path / "resumed", should_stop=stop_after_five_steps
    ).fit()
    resumed = RGCNTrainer.resume(tmp_path / "resumed", symmetric)
    resumed_result = resumed.fit()

    for name, value in straight.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[name], value)
    assert resumed_result.history == straight_result.history
    assert resumed_result.steps == straight_result.steps


def test_trainer_stops_early_without_validation_gain(
    symmetric: TripleDataset, tmp_path: Path
) -> None:
    config = _config(epochs=500, eval_every=5, patience=2, lr=1e-6)

    result = RGCNTrainer(config, symmetric, tmp_path).fit()

    assert result.stopped == "early_stopped"
    assert result.epochs < 500


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"dataset": "freebase"}, "'freebase' is unknown"),
        ({"dataset": "wn18rr", "lr": -0.1}, "lr"),
        ({"dataset": "wn18rr", "epochs": 0}, "epochs"),
        ({"dataset": "wn18rr", "optimizer": "sgd"}, "optimizer"),
        ({"dataset": "wn18rr", "decomposition": "block", "num_blocks": 7}, "divide"),
    ],
)
def test_bad_config_is_rejected_naming_the_field(
    values: dict[str, object], named: str
) -> None:
    with pytest.raises(pydantic.ValidationError, match=named):
        RGCNConfig.model_validate(values)


def test_validate_config_rejects_unknown_relation_by_name(engine: Engine) -> None:
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        GraphStore(session).upsert_edges([EdgeInput("/r/IsA", "/c/en/a", "/c/en/b")])
    benchmark = {"dataset": "wn18rr", "relations": ["_hypernym", "_cousin"]}
    stored = {"dataset": "graph", "relations": ["/r/PartOf"]}

    with pytest.raises(DatasetError, match="unknown relation '_cousin'"):
        validate_config(benchmark, sessions, SHARED_DATA)
    with pytest.raises(DatasetError, match="unknown relation '/r/PartOf'"):
        validate_config(stored, sessions, SHARED_DATA)
    assert validate_config({"dataset": "graph"}, sessions, SHARED_DATA).epochs == 100


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_trainer_on_gpu_with_mixed_precision_learns_the_relation(
    symmetric: TripleDataset, tmp_path: Path
) -> None:
    config = _config(device="cuda", amp=True, scoring="one_to_n")

    result = RGCNTrainer(config, symmetric, tmp_path).fit()

    assert result.device == "cuda"
    assert result.test["mrr"] > 0.9
