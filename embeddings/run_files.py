"""The files of a training run's folder, and how they are written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch

CONFIG_FILE = "config.json"
CHECKPOINT_FILE = "checkpoint.pt"
BEST_FILE = "best.pt"
ENTITIES_FILE = "entities.npy"
RELATIONS_FILE = "relations.npy"
ENTITY_NAMES_FILE = "entities.txt"
RELATION_NAMES_FILE = "relations.txt"
TRAIN_FILE = "train.npy"
METRICS_FILE = "metrics.json"
CURVE_FILE = "curve.png"


def save_torch(path: Path, payload: Any) -> None:
    """torch.save through a temporary file and a rename (never half-written)."""
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        torch.save(payload, temp_name)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: bytes) -> None:
    """Write bytes through a temporary file and a rename (never half-written)."""
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
