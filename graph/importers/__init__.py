"""Importers: ConceptNet release files, head/relation/tail triples, the sample."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine

from graph.importers.loader import BadLine, BatchImporter, ImportReport
from graph.importers.parsing import TripleFormat, read_conceptnet, read_triples

logger = logging.getLogger(__name__)

SAMPLE_PATH = Path(__file__).resolve().parent.parent / "data" / "cn100k_train.txt.gz"
SAMPLE_DATASET = "/d/cn100k"

__all__ = [
    "BadLine",
    "BatchImporter",
    "ImportReport",
    "SAMPLE_DATASET",
    "SAMPLE_PATH",
    "import_conceptnet",
    "import_sample",
    "import_triples",
]


def import_conceptnet(
    engine: Engine,
    path: Path,
    *,
    lang: str | None = None,
    batch_size: int = 20000,
    show_progress: bool = False,
) -> ImportReport:
    """Import a ConceptNet 5 assertions file (plain or ``.gz``).

    Args:
        engine: an upgraded database.
        path: the file; tab-separated edge URI, relation, start, end, JSON.
        lang: keep only edges whose ends both have this language code.
        batch_size: rows per transaction.
        show_progress: draw a progress bar.
    """
    importer = BatchImporter(
        engine, batch_size=batch_size, lang=lang, show_progress=show_progress
    )
    return importer.run(path.name, read_conceptnet(path))


def import_triples(
    engine: Engine,
    path: Path,
    *,
    triple_format: TripleFormat,
    lang: str = "en",
    dataset: str = "/d/conceptkg/triples",
    batch_size: int = 20000,
    show_progress: bool = False,
) -> ImportReport:
    """Import a head/relation/tail file; see :func:`parse_triple_line` formats."""
    importer = BatchImporter(engine, batch_size=batch_size, show_progress=show_progress)
    lines = read_triples(path, triple_format=triple_format, lang=lang, dataset=dataset)
    return importer.run(path.name, lines)


def import_sample(engine: Engine, *, show_progress: bool = False) -> ImportReport:
    """Import the bundled CN-100K training split (see graph/data/PROVENANCE.md)."""
    return import_triples(
        engine,
        SAMPLE_PATH,
        triple_format="cn100k",
        dataset=SAMPLE_DATASET,
        show_progress=show_progress,
    )
