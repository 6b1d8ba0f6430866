"""Feature explanation files (Neuronpedia-style TSV) and their concept coverage."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from embeddings.errors import InvalidVectors

COLUMNS = ("model", "sae_set", "layer", "feature", "explanation")
COVERAGE_THRESHOLD = 0.6


@dataclass(frozen=True)
class Explanation:
    """One feature's explanation text in one layer's SAE."""

    layer: int
    feature: int
    text: str


@dataclass(frozen=True)
class LayerCoverage:
    """How well one layer's explanations are covered by concepts.

    ``covered`` counts the explanations whose best concept has a cosine of at
    least the threshold; ``common`` lists the most frequent best concepts
    (label, count) over all of the layer's explanations.
    """

    layer: int
    explanations: int
    covered: int
    common: list[tuple[str, int]]

    @property
    def fraction(self) -> float:
        """Share of explanations covered."""
        return self.covered / self.explanations if self.explanations else 0.0


def read_explanations(path: Path) -> list[Explanation]:
    """The non-empty explanations of a TSV with the columns of ``COLUMNS``.

    Raises:
        InvalidVectors: a missing column, or a layer or feature that is not an
            integer (the message names the line).
    """
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidVectors("explanations file", f"{path} lacks {missing}")
        for line, row in enumerate(reader, start=2):
            text = (row["explanation"] or "").strip()
            if not text:
                continue
            try:
                layer, feature = int(row["layer"]), int(row["feature"])
            except ValueError as error:
                raise InvalidVectors(
                    "explanations file", f"line {line} of {path}: {error}"
                ) from error
            rows.append(Explanation(layer, feature, text))
    return rows


def layer_coverage(
    layer: int,
    best: Sequence[tuple[str, float]],
    *,
    threshold: float = COVERAGE_THRESHOLD,
    top: int = 10,
) -> LayerCoverage:
    """Coverage of one layer from each explanation's best concept.

    Args:
        layer: the layer.
        best: per explanation, (label of its nearest concept, cosine).
        threshold: the cosine that counts as covered.
        top: how many common concepts to list.
    """
    covered = sum(1 for _, score in best if score >= threshold)
    common = Counter(label for label, _ in best).most_common(top)
    return LayerCoverage(layer, len(best), covered, common)
