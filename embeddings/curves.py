"""PNG training curves: loss per epoch and validation MRR."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def save_training_curve(history: Sequence[dict[str, Any]], path: Path) -> None:
    """Draw the loss (left axis, log scale when positive) and validation MRR
    (right axis) by epoch.

    Args:
        history: one record per epoch: ``epoch``, ``loss`` and, for epochs
            that were validated, ``valid_mrr``.
        path: the PNG file to write (replaced atomically).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, loss_axis = plt.subplots(figsize=(7, 4), dpi=100)
    epochs = [r["epoch"] for r in history]
    losses = [r["loss"] for r in history]
    loss_axis.plot(epochs, losses, color="tab:blue")
    if losses and min(losses) > 0:
        # The first epoch's loss is often 100x the rest (one_to_n BCE
        # averages over every entity, nearly all of them negatives): a linear
        # axis would hide the trend after it.
        loss_axis.set_yscale("log")
    loss_axis.set_xlabel("epoch")
    loss_axis.set_ylabel("training loss", color="tab:blue")
    validated = [r for r in history if "valid_mrr" in r]
    if validated:
        mrr_axis = loss_axis.twinx()
        mrr_axis.plot(
            [r["epoch"] for r in validated],
            [r["valid_mrr"] for r in validated],
            color="tab:red",
            marker="o",
        )
        mrr_axis.set_ylabel("validation MRR (filtered)", color="tab:red")
    figure.tight_layout()
    temp = path.with_name(f".{path.name}.tmp")
    figure.savefig(temp, format="png")
    plt.close(figure)
    temp.replace(path)
    logger.debug("curve_saved path=%s epochs=%d", path, len(history))
