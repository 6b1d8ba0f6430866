"""``conceptkg sae ...`` run in-process against a real server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine

from embeddings.encoders import TextEncoder
from service.cli import main
from tests.service.sae_support import PLANTED, SNIPPETS, SPACE, SAEServer, sae_server

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def server(engine: Engine, encoder: TextEncoder, tmp_path: Path) -> Iterator[SAEServer]:
    with sae_server(engine, encoder, tmp_path) as running:
        yield running


def _run(capsys: Capture, server: SAEServer, *argv: str) -> tuple[int, str, str]:
    address = f"127.0.0.1:{server.running.port}"
    command, *rest = argv
    code = main(["--log-level", "WARNING", "sae", command, "--server", address, *rest])
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys: Capture, server: SAEServer, *argv: str) -> Any:
    code, out, err = _run(capsys, server, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def _files(server: SAEServer, folder: Path) -> tuple[Path, Path, Path]:
    directions = folder / "directions.npy"
    np.save(directions, server.planted_directions().astype(np.float16))
    snippets = folder / "snippets.jsonl"
    snippets.write_text(
        "".join(
            json.dumps({"feature": f, "text": t, "activation": a}) + "\n"
            for f, pairs in SNIPPETS.items()
            for t, a in pairs
        )
    )
    explanations = folder / "explanations.tsv"
    explanations.write_text("0\tnamed military brigades or units\n1\tbananas\n")
    return directions, snippets, explanations


def test_cli_register_upload_name_search_round_trip(
    capsys: Capture, server: SAEServer, tmp_path: Path
) -> None:
    directions, snippets, explanations = _files(server, tmp_path)

    registered = _json(capsys, server, "register", SPACE, "cli-sae", "--features", "8")
    uploaded = _json(
        capsys,
        server,
        "upload",
        "cli-sae",
        "--directions",
        str(directions),
        "--snippets",
        str(snippets),
        "--explanations",
        str(explanations),
    )
    named = _json(capsys, server, "name", "cli-sae", "--features", "2,4", "--k", "2")
    code, text, _ = _run(capsys, server, "name", "cli-sae", "--method", "direction")
    stored = _json(capsys, server, "names", "cli-sae", "--method", "direction")
    found = _json(capsys, server, "search", "military units", "--k", "2")
    listed = _json(capsys, server, "list")

    assert registered["nFeatures"] == 8
    assert (uploaded["directions"], uploaded["snippets"]) == ("8", "11")
    assert uploaded["sae"]["dtype"] == "DTYPE_FLOAT16"
    assert named["method"] == "NAMING_METHOD_COMBINED" and named["version"] == 1
    uris = [n["concepts"][0]["uri"] for n in named["names"]]
    assert uris == [PLANTED[2], PLANTED[4]]
    assert code == 0 and "8 features named" in text and "guitar (1.000)" in text
    assert len(stored["names"]) == 8 and stored["naming"]["version"] == 1
    assert {m["featureId"] for m in found["features"]} == {"0", "4"}
    assert [s["name"] for s in listed["saes"]] == ["cli-sae"]


def test_cli_show_text_lists_namings(
    capsys: Capture, server: SAEServer, tmp_path: Path
) -> None:
    directions, _, _ = _files(server, tmp_path)
    _run(capsys, server, "register", SPACE, "cli-sae", "--features", "8")
    _run(capsys, server, "upload", "cli-sae", "--directions", str(directions))
    _run(capsys, server, "name", "cli-sae", "--method", "direction")

    code, out, _ = _run(capsys, server, "show", "cli-sae")

    assert code == 0
    assert "cli-sae  space toy/resid/3 (dim 400)  8 features" in out
    assert "names: NAMING_METHOD_DIRECTION v1, 8 features, k=5" in out


def test_cli_errors_exit_with_one_and_a_message(
    capsys: Capture, server: SAEServer, tmp_path: Path
) -> None:
    missing = _run(capsys, server, "show", "nope")
    no_file = _run(capsys, server, "upload", "nope", "--directions", "/no/such.npy")
    bad_ids = _run(capsys, server, "name", "nope", "--features", "a,b")
    nothing = _run(capsys, server, "upload", "nope")

    assert missing[0] == 1 and "NOT_FOUND: sae 'nope' is not registered" in missing[2]
    assert no_file[0] == 1 and "no such file: /no/such.npy" in no_file[2]
    assert bad_ids[0] == 1 and "--features must be comma-separated" in bad_ids[2]
    assert nothing[0] == 1 and "give --directions" in nothing[2]


def test_cli_import_explanations_reports_coverage(
    capsys: Capture, server: SAEServer, tmp_path: Path
) -> None:
    path = tmp_path / "explanations.tsv"
    path.write_text(
        "model\tsae_set\tlayer\tfeature\texplanation\n"
        "gpt2-small\tres-jb\t0\t5\tnamed military brigades or units\n"
        "gpt2-small\tres-jb\t0\t9\tthe word dog\n"
        "gpt2-small\tres-jb\t1\t2\t\n"
        "gpt2-small\tres-jb\t2\t3\tbananas\n"
    )

    report = _json(
        capsys, server, "import-explanations", str(path), "--n-features", "16"
    )
    again = _json(
        capsys, server, "names", "gpt2-small-res-jb/0", "--method", "explanation"
    )

    assert report["explanations"] == 3
    assert [layer["layer"] for layer in report["layers"]] == [0, 2]
    assert report["layers"][1]["common"] == [["banana", 1]]
    assert report["layers"][1]["coverage"] == 1.0
    assert {n["featureId"] for n in again["names"]} == {"5", "9"}
