"""`conceptkg train` in the foreground and the gRPC run commands, on SQLite."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from embeddings.runs import RunStore
from embeddings.train_job import run_training_job
from graph import migrate
from graph.db import create_db_engine, create_session_factory
from graph.records import EdgeInput
from graph.store import GraphStore
from service.cli import main
from service.server import create_server
from service.settings import Settings
from tests.conftest import SHARED_DATA

TINY_FLAGS = [
    "--dataset", "graph", "--epochs", "6", "--hidden", "8", "--num-bases", "2",
    "--eval-every", "3", "--lr", "0.05", "--no-progress",
]  # fmt: skip


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("CONCEPTKG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONCEPTKG_DATASETS_DIR", str(SHARED_DATA))
    monkeypatch.delenv("CONCEPTKG_DATABASE_URL", raising=False)
    engine = create_db_engine(f"sqlite:///{tmp_path / 'conceptkg.db'}")
    migrate.upgrade(engine)
    with create_session_factory(engine).begin() as session:
        GraphStore(session).upsert_edges(
            [EdgeInput("/r/Synonym", f"/c/en/w{i}", f"/c/en/v{i}") for i in range(30)]
        )
    yield engine
    engine.dispose()


def test_train_rgcn_foreground_records_and_prints_the_run(
    database: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "rgcn", *TINY_FLAGS, "--json"]) == 0

    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "completed" and result["epochs"] == 6
    assert 0 < result["test"]["mrr"] <= 1
    assert (tmp_path / "runs" / str(result["run_id"]) / "curve.png").is_file()
    with create_session_factory(database)() as session:
        assert RunStore(session).get(result["run_id"]).embedding_set_id is not None


def test_train_resume_finishes_a_cancelled_run(
    database: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = create_session_factory(database)
    with sessions.begin() as session:
        run = RunStore(session).create(
            "rgcn",
            "graph",
            {"dataset": "graph", "epochs": 6, "hidden": 8, "num_bases": 2},
            str(tmp_path / "runs" / "{id}"),
        )
    stop = threading.Event()
    stop.set()
    cancelled = run_training_job(sessions, run.id, data_root=SHARED_DATA, stop=stop)

    assert main(["train", "resume", str(run.id), "--no-progress"]) == 0

    assert cancelled.status == "cancelled"
    assert f"run {run.id}: completed" in capsys.readouterr().out
    with sessions() as session:
        assert RunStore(session).get(run.id).metrics["epochs"] == 6


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--epochs", "3"], "--dataset"),
        (["--dataset", "graph", "--lr", "-1"], "lr"),
        (["--dataset", "wn18rr", "--relation", "_cousin_of"], "'_cousin_of'"),
    ],
)
def test_train_rgcn_bad_options_exit_with_the_reason(
    database: Engine,
    flags: list[str],
    named: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["train", "rgcn", *flags]) == 1

    assert named in capsys.readouterr().err


def test_runs_list_and_predict_talk_to_the_server(
    database: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "rgcn", *TINY_FLAGS, "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    settings = Settings(host="127.0.0.1", port=0, data_dir=tmp_path)
    running = create_server(settings, database)
    server = ["--server", f"127.0.0.1:{running.port}"]
    try:
        assert main(["runs", "list", *server]) == 0
        listed = capsys.readouterr().out
        predict = ["predict", str(run_id), "--relation", "/r/Synonym"]
        assert main([*predict, "--head", "/c/en/w1", "--k", "2", *server]) == 0
        predicted = capsys.readouterr().out
        assert main([*predict, "--head", "/c/en/nope", *server]) == 1
        refused = capsys.readouterr().err
    finally:
        running.stop(0)

    assert f"{run_id:5d}  completed" in listed
    assert len(predicted.strip().splitlines()) == 2 and "/c/en/w1" in predicted
    assert "NOT_FOUND" in refused and "/c/en/nope" in refused
