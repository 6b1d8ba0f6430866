"""Import feature explanations through the API and report their concept coverage.

For each layer of an explanations file: register the layer's space and SAE,
upload the explanations (no directions), tag each with its nearest concepts
(NameFeatures by the ``explanation`` method, stored like any other names),
and measure how many find a concept of cosine >= 0.6.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from embeddings.sae_explanations import (
    COVERAGE_THRESHOLD,
    Explanation,
    LayerCoverage,
    layer_coverage,
    read_explanations,
)
from service.client import ConceptKGClient

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExplanationSource:
    """Where the explanations belong: ``{space}/{layer}`` of dim ``d_model``,
    SAE ``{sae}/{layer}`` of ``n_features``."""

    space: str = "gpt2-small/resid"
    sae: str = "gpt2-small-res-jb"
    d_model: int = 768
    n_features: int = 24576


def import_explanations(
    client: ConceptKGClient,
    path: Path,
    *,
    source: ExplanationSource,
    layers: Sequence[int] | None = None,
    k: int = 5,
    threshold: float = COVERAGE_THRESHOLD,
    timeout_s: float = 1800.0,
) -> list[LayerCoverage]:
    """Upload and tag the explanations of ``path``, one SAE per layer.

    Args:
        client: a client of the server.
        path: a TSV read by :func:`read_explanations`.
        source: the space and SAE names, dimension and feature count.
        layers: only these layers (None: all in the file).
        k: concepts per tag.
        threshold: cosine of a covered explanation.
        timeout_s: deadline of the upload and naming calls (the server
            embeds every explanation).
    """
    by_layer: dict[int, list[Explanation]] = defaultdict(list)
    for explanation in read_explanations(path):
        if layers is None or explanation.layer in layers:
            by_layer[explanation.layer].append(explanation)
    reports = []
    for layer in sorted(by_layer):
        space = f"{source.space}/{layer}"
        sae = f"{source.sae}/{layer}"
        client.register_space(space, source.d_model)
        client.register_sae(space, sae, source.n_features)
        texts = {e.feature: e.text for e in by_layer[layer]}
        client.upload_features(sae, explanations=texts, timeout_s=timeout_s)
        best = [
            (name.concepts[0].label, name.concepts[0].score)
            for response in client.name_features(
                sae, method="explanation", k=k, timeout_s=timeout_s
            )
            for name in response.names
            if name.concepts
        ]
        report = layer_coverage(layer, best, threshold=threshold)
        logger.info(
            "explanations_imported sae=%s explanations=%d covered=%.3f",
            sae,
            report.explanations,
            report.fraction,
        )
        reports.append(report)
    return reports
