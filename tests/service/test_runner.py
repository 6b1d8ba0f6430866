"""The `conceptkg serve` console script, end to end in a subprocess."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph import migrate
from graph.db import create_db_engine
from service.cli import main
from service.client import ConceptKGClient
from tests.service.conftest import load_graph

CONCEPTKG = Path(sys.executable).parent / "conceptkg"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def loaded_sqlite_url(tmp_path: Path) -> str:
    """An upgraded SQLite file holding the test graph."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    load_graph(engine)
    engine.dispose()
    return url


@pytest.fixture
def serve_process(
    loaded_sqlite_url: str, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    """`conceptkg serve` on a free port; killed in teardown if still running."""
    port = _free_port()
    env = {
        **os.environ,
        "CONCEPTKG_DATABASE_URL": loaded_sqlite_url,
        "CONCEPTKG_HOST": "127.0.0.1",
        "CONCEPTKG_PORT": str(port),
        "CONCEPTKG_SHUTDOWN_GRACE_S": "1",
        "CONCEPTKG_LOG_LEVEL": "INFO",
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(CONCEPTKG), "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        yield process, f"127.0.0.1:{port}", log_path
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_serve_console_script_answers_then_stops_on_sigint(
    serve_process: tuple[subprocess.Popen[str], str, Path],
) -> None:
    process, address, log_path = serve_process
    with ConceptKGClient(address) as client:
        client.wait_ready(timeout_s=30)
        degree = client.get_concept("/c/en/cat").degree

    query = subprocess.run(
        [str(CONCEPTKG), "concept", "/c/en/dog", "--server", address],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    process.send_signal(signal.SIGINT)
    exit_code = process.wait(timeout=30)

    assert degree == 2
    assert query.returncode == 0, query.stderr
    assert query.stdout.splitlines()[:2] == ["/c/en/dog", "  label:  dog"]
    assert exit_code == 0
    log = log_path.read_text()
    assert f"ready address={address}" in log
    assert "stop_requested signal=SIGINT" in log
    assert "server_stopped" in log
    # The test graph was written without an import, so it had no statistics.
    assert log.index("planner_statistics_refreshed") < log.index("ready address")


def test_serve_outdated_schema_exits_1_with_hint(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("CONCEPTKG_DATABASE_URL", f"sqlite:///{tmp_path / 'old.db'}")
    monkeypatch.setenv("CONCEPTKG_PORT", str(_free_port()))

    with caplog.at_level(logging.ERROR, logger="service.runner"):
        code = main(["serve"])

    assert code == 1
    (record,) = [r for r in caplog.records if r.name == "service.runner"]
    assert "schema_outdated" in record.getMessage()
    assert "conceptkg db upgrade" in record.getMessage()
