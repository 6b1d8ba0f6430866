"""The image starts the way `make run` does."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _make_run_steps() -> list[str]:
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert recipe is not None
    return [
        line.strip().removeprefix("$(BIN)/")
        for line in recipe.group(1).splitlines()
        if "conceptkg" in line
    ]


def _docker_cmd_steps() -> list[str]:
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M)
    assert cmd is not None
    shell = json.loads(cmd.group(1))[-1]
    return [step.strip().removeprefix("exec ") for step in shell.split("&&")]


def test_image_runs_the_steps_of_make_run_in_order() -> None:
    assert _make_run_steps() == [
        "conceptkg db upgrade",
        "conceptkg import sample --if-empty",
        "conceptkg index build --if-missing",
        "conceptkg serve",
    ]
    assert _docker_cmd_steps() == _make_run_steps()


def test_image_pins_torch_through_the_constraints_file() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    constraints = (ROOT / "constraints.txt").read_text()

    assert "torch==2.13.0" in constraints
    assert "-c constraints.txt" in dockerfile
    assert "download.pytorch.org/whl/cpu" in dockerfile
