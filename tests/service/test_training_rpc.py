"""TrainingService through a real server and real worker processes, on both DBs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from sqlalchemy import Engine

from graph.db import create_session_factory
from graph.records import EdgeInput
from graph.store import GraphStore
from service._generated.conceptkg.v1 import training_pb2 as tpb
from service.client import ConceptKGClient
from service.server import create_server
from service.settings import Settings
from tests.conftest import SHARED_DATA

TINY = {
    "dataset": "graph",
    "hidden": 8,
    "num_bases": 2,
    "epochs": 12,
    "eval_every": 4,
    "lr": 0.05,
    "valid_fraction": 0.1,
    "test_fraction": 0.1,
}
WATCH_TIMEOUT_S = 180.0


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[ConceptKGClient]:
    with create_session_factory(engine).begin() as session:
        GraphStore(session).upsert_edges(
            [EdgeInput("/r/Synonym", f"/c/en/w{i}", f"/c/en/v{i}") for i in range(30)]
            + [EdgeInput("/r/IsA", f"/c/en/v{i}", "/c/en/word") for i in range(30)]
        )
    settings = Settings(
        host="127.0.0.1", port=0, data_dir=tmp_path, datasets_dir=SHARED_DATA
    )
    running = create_server(settings, engine)
    with ConceptKGClient(f"127.0.0.1:{running.port}") as client:
        yield client
    running.stop(0)


def _watch(client: ConceptKGClient, run_id: int) -> list[tpb.RunProgress]:
    return list(client.watch_run(run_id, timeout_s=WATCH_TIMEOUT_S))


def _code(info: pytest.ExceptionInfo[grpc.RpcError]) -> grpc.StatusCode:
    return info.value.code()  # type: ignore[attr-defined, no-any-return]


def test_start_watch_get_predict_a_run_on_the_stored_graph(
    client: ConceptKGClient,
) -> None:
    run = client.start_training(TINY)

    progress = _watch(client, run.id)
    finished = client.get_run(run.id)
    predicted = client.predict_edges(run.id, "/r/IsA", head="/c/en/v3", k=3)

    assert run.status in ("queued", "running") and run.dataset == "graph"
    assert [p.epoch for p in progress[:-1]] == list(range(1, 13))
    assert progress[4 - 1].HasField("valid") and not progress[0].HasField("valid")
    assert progress[-1].status == "completed"
    assert finished.status == "completed" and finished.epochs == 12
    assert finished.HasField("test") and 0 < finished.test.mrr <= 1
    assert finished.embedding_set == "rgcn/1"
    assert len(predicted) == 3
    assert all(p.head == "/c/en/v3" and p.relation == "/r/IsA" for p in predicted)
    assert [r.id for r in client.list_runs()] == [run.id]
    for relation, head in (("/r/PartOf", "/c/en/v3"), ("/r/IsA", "/c/en/zebra")):
        with pytest.raises(grpc.RpcError) as info:
            client.predict_edges(run.id, relation, head=head)
        assert _code(info) == grpc.StatusCode.NOT_FOUND
        assert repr(relation if relation == "/r/PartOf" else head) in str(
            info.value.details()  # type: ignore[attr-defined]
        )


def test_cancel_stops_a_running_run_and_keeps_its_checkpoint(
    client: ConceptKGClient, tmp_path: Path
) -> None:
    run = client.start_training({**TINY, "epochs": 100000, "eval_every": 100000})
    deadline = time.monotonic() + WATCH_TIMEOUT_S
    while client.get_run(run.id).status != "running":
        assert time.monotonic() < deadline
        time.sleep(0.2)

    client.cancel_run(run.id)
    progress = _watch(client, run.id)

    assert progress[-1].status == "cancelled"
    assert client.get_run(run.id).status == "cancelled"
    assert (tmp_path / "runs" / str(run.id) / "checkpoint.pt").is_file()
    with pytest.raises(grpc.RpcError) as info:
        client.predict_edges(run.id, "/r/IsA", head="/c/en/v3")
    assert _code(info) == grpc.StatusCode.FAILED_PRECONDITION


@pytest.mark.parametrize(
    ("call", "code", "named"),
    [
        (lambda c: c.start_training({"dataset": "freebase"}), "INVALID", "freebase"),
        (lambda c: c.start_training({**TINY, "lr": -0.5}), "INVALID", "lr"),
        (
            lambda c: c.start_training({**TINY, "relations": ["/r/PartOf"]}),
            "INVALID",
            "/r/PartOf",
        ),
        (lambda c: c.start_training(TINY, kind="transe"), "INVALID", "transe"),
        (lambda c: c.get_run(999), "NOT_FOUND", "999"),
        (lambda c: c.predict_edges(999, "/r/IsA", head="x"), "NOT_FOUND", "999"),
        (lambda c: c.predict_edges(1, "/r/IsA"), "INVALID", "head or tail"),
        (lambda c: c.list_runs(limit=501), "RESOURCE_EXHAUSTED", "501"),
    ],
)
def test_bad_training_requests_get_their_status(
    client: ConceptKGClient,
    call: Callable[[ConceptKGClient], object],
    code: str,
    named: str,
) -> None:
    with pytest.raises(grpc.RpcError) as info:
        call(client)

    expected = "INVALID_ARGUMENT" if code == "INVALID" else code
    assert _code(info).name == expected
    assert named in info.value.details()  # type: ignore[attr-defined]
    assert client.list_runs() == []
