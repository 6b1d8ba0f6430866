"""Tests of reading explanation files and their coverage report."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.errors import InvalidVectors
from embeddings.sae_explanations import layer_coverage, read_explanations
from tests.conftest import SHARED_DATA

EXPLANATIONS = SHARED_DATA / "gpt2-small-res-jb-explanations" / "explanations.tsv"


def test_read_explanations_real_file_skips_empty_texts() -> None:
    rows = read_explanations(EXPLANATIONS)

    # PROVENANCE.md: 53,655 rows, 52,879 with non-empty text; L0 has 3,957.
    assert len(rows) == 52_879
    assert rows[0].layer == 0 and rows[0].feature == 0
    assert rows[0].text == "named military brigades or units"
    assert sum(1 for r in rows if r.layer == 0) <= 3957


def test_read_explanations_bad_files_name_the_problem(tmp_path: Path) -> None:
    missing = tmp_path / "missing.tsv"
    missing.write_text("model\tlayer\tfeature\n")
    garbled = tmp_path / "garbled.tsv"
    garbled.write_text(
        "model\tsae_set\tlayer\tfeature\texplanation\ngpt2\tres\tsix\t1\tdogs\n"
    )

    with pytest.raises(InvalidVectors, match="lacks"):
        read_explanations(missing)
    with pytest.raises(InvalidVectors, match="line 2"):
        read_explanations(garbled)


def test_layer_coverage_counts_threshold_and_common_concepts() -> None:
    best = [("army", 0.8), ("army", 0.55), ("river", 0.6), ("dog", 0.2)]

    report = layer_coverage(3, best, threshold=0.6, top=2)

    assert (report.layer, report.explanations, report.covered) == (3, 4, 2)
    assert report.fraction == 0.5
    assert report.common == [("army", 2), ("river", 1)]
