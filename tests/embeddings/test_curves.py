"""The training curve PNG."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from embeddings.curves import save_training_curve


def test_curve_is_a_png_with_loss_and_validation(tmp_path: Path) -> None:
    history = [
        {"epoch": 1, "loss": 0.14},
        {"epoch": 2, "loss": 0.003, "valid_mrr": 0.06},
        {"epoch": 3, "loss": 0.002},
        {"epoch": 4, "loss": 0.0018, "valid_mrr": 0.11},
    ]
    path = tmp_path / "curve.png"

    save_training_curve(history, path)

    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (700, 400)
    assert not list(tmp_path.glob(".*.tmp"))


def test_curve_with_a_zero_loss_still_draws(tmp_path: Path) -> None:
    path = tmp_path / "curve.png"

    save_training_curve([{"epoch": 1, "loss": 0.0}], path)

    assert path.stat().st_size > 0
