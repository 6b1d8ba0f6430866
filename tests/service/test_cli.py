"""The conceptkg command, run in-process: admin commands and queries over gRPC."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from graph import migrate
from graph.db import create_db_engine, create_session_factory
from graph.store import GraphStore
from service.cli import main
from service.settings import Settings
from tests.conftest import CN100K, CONCEPTNET_SAMPLE
from tests.service.conftest import GRAPH_EDGES

WORDNET = CONCEPTNET_SAMPLE / "edges__wordnet__wordnet.csv"
DBPEDIA = CONCEPTNET_SAMPLE / "edges__dbpedia__dbpedia_en.csv"
CN100K_TEST = CN100K / "test.txt"

Capture = pytest.CaptureFixture[str]


def _run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(["--log-level", "WARNING", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _run_json(capsys: Capture, *argv: str) -> Any:
    code, out, err = _run(capsys, *argv, "--json")
    assert code == 0, err
    assert out.count("\n") == 1
    return json.loads(out)


def _line_count(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip())


def _edge_count(engine: Engine) -> int:
    """Stored edges, external links included (ConceptNet /r/ExternalURL rows)."""
    with create_session_factory(engine)() as session:
        stats = GraphStore(session).stats()
    return stats.edges + stats.external_links


@pytest.fixture
def use_database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Point the CLI's settings at the upgraded, empty test database."""
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("CONCEPTKG_DATABASE_URL", url)
    return engine


# db upgrade -------------------------------------------------------------------


def test_cli_db_upgrade_fresh_sqlite_creates_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'graph.db'}"
    monkeypatch.setenv("CONCEPTKG_DATABASE_URL", url)

    code, out, _ = _run(capsys, "db", "upgrade")
    again, _, _ = _run(capsys, "db", "upgrade")

    engine = create_db_engine(url)
    try:
        assert migrate.is_current(engine)
    finally:
        engine.dispose()
    assert (code, again) == (0, 0)
    assert out.startswith("database upgraded: sqlite:///")


def test_cli_import_before_upgrade_exits_with_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.setenv("CONCEPTKG_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")

    code, out, err = _run(capsys, "import", "conceptnet", str(WORDNET))

    assert code == 1
    assert out == ""
    assert "error:" in err
    assert "conceptkg db upgrade" in err


# import -----------------------------------------------------------------------


def test_cli_import_conceptnet_json_reports_counts(
    use_database: Engine, capsys: Capture
) -> None:
    report = _run_json(
        capsys, "import", "conceptnet", str(WORDNET), str(DBPEDIA), "--no-progress"
    )

    assert set(report) == {str(WORDNET), str(DBPEDIA)}
    inserted = 0
    for path in (WORDNET, DBPEDIA):
        counts = report[str(path)]
        assert counts["lines"] == _line_count(path)
        assert counts["bad"] == 0
        assert counts["bad_lines"] == []
        assert counts["inserted"] + counts["duplicates"] == counts["lines"]
        inserted += counts["inserted"]
    assert _edge_count(use_database) == inserted


def test_cli_import_conceptnet_twice_reports_unchanged(
    use_database: Engine, capsys: Capture
) -> None:
    _run_json(capsys, "import", "conceptnet", str(WORDNET), "--no-progress")

    report = _run_json(capsys, "import", "conceptnet", str(WORDNET), "--no-progress")

    counts = report[str(WORDNET)]
    assert (counts["inserted"], counts["updated"]) == (0, 0)
    assert counts["unchanged"] == _edge_count(use_database)


def test_cli_import_conceptnet_text_names_bad_lines(
    use_database: Engine, capsys: Capture, tmp_path: Path
) -> None:
    good = WORDNET.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "mixed.csv"
    path.write_text(f"{good}\nthis line is not an edge\n", encoding="utf-8")

    code, out, _ = _run(capsys, "import", "conceptnet", str(path), "--no-progress")

    assert code == 0
    first, second = out.splitlines()
    assert first == (
        f"{path}: 2 lines, 1 inserted, 0 updated, 0 unchanged, "
        "0 repeated, 0 filtered, 1 bad"
    )
    assert second.startswith("  line 2: ")
    assert _edge_count(use_database) == 1


def test_cli_import_conceptnet_lang_filters_other_languages(
    use_database: Engine, capsys: Capture
) -> None:
    path = CONCEPTNET_SAMPLE / "edges__wiktionary__fr.csv"

    counts = _run_json(
        capsys, "import", "conceptnet", str(path), "--lang", "en", "--no-progress"
    )[str(path)]

    assert counts["filtered"] > 0
    assert (
        counts["inserted"] + counts["filtered"] + counts["duplicates"] + counts["bad"]
        == counts["lines"]
    )
    with create_session_factory(use_database)() as session:
        langs = GraphStore(session).stats().concepts_by_lang
    assert set(langs) <= {"en"}


def test_cli_import_triples_cn100k_json_reports_counts(
    use_database: Engine, capsys: Capture
) -> None:
    report = _run_json(
        capsys,
        "import",
        "triples",
        "--format",
        "cn100k",
        str(CN100K_TEST),
        "--no-progress",
        "--batch-size",
        "500",
    )

    counts = report[str(CN100K_TEST)]
    assert counts["lines"] == _line_count(CN100K_TEST)
    assert counts["batches"] == 3
    assert counts["bad"] == 0
    with create_session_factory(use_database)() as session:
        stats = GraphStore(session).stats()
    assert stats.edges == counts["inserted"]
    assert stats.edges_by_dataset == {"/d/conceptkg/triples": counts["inserted"]}


def test_cli_import_missing_file_exits_naming_it(
    use_database: Engine, capsys: Capture, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.csv"

    code, out, err = _run(capsys, "import", "conceptnet", str(WORDNET), str(missing))

    assert code == 1
    assert f"error: no such file: {missing}" in err
    assert _edge_count(use_database) == 0


def test_cli_import_sample_if_empty_on_loaded_graph_skips(
    use_database: Engine, capsys: Capture
) -> None:
    _run_json(capsys, "import", "conceptnet", str(WORDNET), "--no-progress")
    before = _edge_count(use_database)

    code, out, _ = _run(capsys, "import", "sample", "--if-empty")

    assert code == 0
    assert out == "graph is not empty; sample not loaded\n"
    assert _edge_count(use_database) == before


# Queries against the running test server --------------------------------------


def test_cli_concept_human_lists_fields(address: str, capsys: Capture) -> None:
    code, out, _ = _run(capsys, "concept", "/c/en/puppy/n", "--server", address)

    assert code == 0
    assert out.splitlines() == [
        "/c/en/puppy/n",
        "  label:  puppy",
        "  lang:   en",
        "  pos:    n",
        "  degree: 1",
    ]


def test_cli_concept_json_is_the_concept(address: str, capsys: Capture) -> None:
    data = _run_json(capsys, "concept", "/c/en/dog", "--server", address)

    assert data["uri"] == "/c/en/dog"
    assert data["label"] == "dog"
    assert int(data["degree"]) == 5


def test_cli_concept_unknown_exits_1_with_not_found(
    address: str, capsys: Capture
) -> None:
    code, out, err = _run(capsys, "concept", "/c/en/unicorn", "--server", address)

    assert code == 1
    assert out == ""
    assert "error: NOT_FOUND: " in err
    assert "/c/en/unicorn" in err


def test_cli_concept_malformed_exits_1_with_invalid_argument(
    address: str, capsys: Capture
) -> None:
    code, _, err = _run(capsys, "concept", "/c/en/Big Dog", "--server", address)

    assert code == 1
    assert "error: INVALID_ARGUMENT: " in err
    assert "/c/en/Big Dog" in err


def test_cli_concept_server_down_exits_1_with_unavailable(
    capsys: Capture,
) -> None:
    code, _, err = _run(capsys, "concept", "/c/en/dog", "--server", "127.0.0.1:1")

    assert code == 1
    assert "error: UNAVAILABLE: " in err


def test_cli_edges_pages_follow_the_printed_token(
    address: str, capsys: Capture
) -> None:
    args = ["edges", "--start", "/c/en/zoo", "--limit", "20", "--server", address]
    first = _run_json(capsys, *args)
    second = _run_json(capsys, *args, "--page-token", first["nextPageToken"])
    code, text, _ = _run(capsys, *args)

    ends = [e["end"] for e in first["edges"] + second["edges"]]
    assert sorted(ends) == [f"/c/en/exhibit_{i:02d}" for i in range(25)]
    assert "nextPageToken" not in second
    assert code == 0
    lines = text.splitlines()
    assert len(lines) == 21
    assert lines[0].split() == ["1.000", "/c/en/zoo", "/r/HasA", ends[0]]
    assert lines[-1] == f"next page: --page-token {first['nextPageToken']}"


def test_cli_edges_no_match_prints_no_edges(address: str, capsys: Capture) -> None:
    code, out, _ = _run(capsys, "edges", "--dataset", "/d/none", "--server", address)

    assert (code, out) == (0, "(no edges)\n")


def test_cli_edges_limit_above_max_exits_1_naming_limit(
    address: str, capsys: Capture
) -> None:
    code, _, err = _run(capsys, "edges", "--limit", "1000", "--server", address)

    assert code == 1
    assert "error: RESOURCE_EXHAUSTED: limit 1000" in err


def test_cli_neighbors_human_and_json(address: str, capsys: Capture) -> None:
    args = ["neighbors", "/c/en/animal", "--direction", "in", "--server", address]
    code, text, _ = _run(capsys, *args)
    data = _run_json(capsys, *args)

    assert code == 0
    assert text.splitlines() == [
        "  2.000  <- /r/IsA  /c/en/dog  (dog)",
        "  1.500  <- /r/IsA  /c/en/cat  (cat)",
    ]
    assert [n["uri"] for n in data["neighbors"]] == ["/c/en/dog", "/c/en/cat"]
    assert {n["direction"] for n in data["neighbors"]} == {"DIRECTION_IN"}


def test_cli_path_human_and_json(address: str, capsys: Capture) -> None:
    args = ["path", "/c/en/dog", "/c/en/cat", "--server", address]
    code, text, _ = _run(capsys, *args)
    data = _run_json(capsys, *args, "--max-paths", "2")

    assert code == 0
    assert text == (
        "path 1 (cost 1.167): /c/en/dog -/r/IsA-> /c/en/animal <-/r/IsA- /c/en/cat\n"
    )
    assert [p["concepts"] for p in data["paths"]] == [
        ["/c/en/dog", "/c/en/animal", "/c/en/cat"],
        ["/c/en/dog", "/c/en/house", "/c/en/cat"],
    ]


def test_cli_path_unreachable_says_no_path(address: str, capsys: Capture) -> None:
    code, out, _ = _run(capsys, "path", "/c/en/dog", "/c/en/zoo", "--server", address)

    assert code == 0
    assert out == "no path from /c/en/dog to /c/en/zoo within the hop limit\n"


def test_cli_subgraph_human_and_json(address: str, capsys: Capture) -> None:
    args = ["subgraph", "/c/en/zoo", "--max-nodes", "4", "--server", address]
    code, text, _ = _run(capsys, *args)
    data = _run_json(capsys, *args)

    assert code == 0
    assert text.splitlines()[0] == "4 nodes, 3 edges (truncated at the cap)"
    assert "  hop 0  /c/en/zoo" in text.splitlines()
    assert data["truncated"] is True
    assert len(data["nodes"]) == 4


def test_cli_stats_human_and_json(address: str, capsys: Capture) -> None:
    code, text, _ = _run(capsys, "stats", "--top", "2", "--server", address)
    data = _run_json(capsys, "stats", "--server", address)

    assert code == 0
    assert f"edges:          {len(GRAPH_EDGES)}" in text.splitlines()
    assert "         25  /r/HasA" in text.splitlines()
    assert int(data["edges"]) == len(GRAPH_EDGES)
    assert int(data["edgesByRelation"]["/r/IsA"]) == 3


def test_cli_health_running_server_prints_serving(
    address: str, capsys: Capture
) -> None:
    code, text, _ = _run(capsys, "health", "--server", address)
    data = _run_json(capsys, "health", "--server", address)

    assert (code, text) == (0, "SERVING\n")
    assert data == {"status": "SERVING"}


def test_cli_no_command_exits_with_usage(capsys: Capture) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])

    assert exited.value.code == 2
    assert "usage: conceptkg" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["serve"], ("0.0.0.0", 4321)),
        (["serve", "--port", "0"], ("0.0.0.0", 0)),
        (["serve", "--host", "127.0.0.1", "--port", "50999"], ("127.0.0.1", 50999)),
    ],
)
def test_cli_serve_options_override_settings(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], expected: tuple[str, int]
) -> None:
    monkeypatch.setenv("CONCEPTKG_HOST", "0.0.0.0")
    monkeypatch.setenv("CONCEPTKG_PORT", "4321")
    served: list[Settings] = []

    def record(settings: Settings) -> int:
        served.append(settings)
        return 0

    # Only the hand-over is replaced: serving itself blocks until a signal and
    # is tested end to end in test_runner.py.
    monkeypatch.setattr("service.runner.serve_forever", record)

    assert main(argv) == 0
    assert [(s.host, s.port) for s in served] == [expected]


def test_cli_serve_port_out_of_range_exits_with_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--port", "70000"]) == 1

    assert "port" in capsys.readouterr().err


def test_cli_bad_setting_in_environment_exits_with_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONCEPTKG_PORT", "not-a-port")

    assert main(["stats"]) == 2

    assert "CONCEPTKG_" in capsys.readouterr().err
