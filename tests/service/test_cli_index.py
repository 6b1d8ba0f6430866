"""Tests of `conceptkg index build` on a small SQLite graph with the real encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.encoders import TextEncoder
from embeddings.index import ConceptIndex
from service.cli import main
from tests.conftest import CONCEPTNET_SAMPLE


@pytest.fixture
def sample_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONCEPTKG_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CONCEPTKG_DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    wordnet = CONCEPTNET_SAMPLE / "edges__wordnet__wordnet.csv"
    assert main(["import", "conceptnet", str(wordnet), "--no-progress"]) == 0
    return tmp_path


def test_index_build_writes_a_loadable_index_of_every_concept(
    sample_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    assert main(["index", "build", "--no-progress"]) == 0

    out = capsys.readouterr().out
    assert "index of text/1" in out
    index = ConceptIndex.load(sample_database / "indexes" / "text-v1")
    assert index.embedding_set == "text/1"
    rows = [
        line.split("\t")
        for line in (CONCEPTNET_SAMPLE / "edges__wordnet__wordnet.csv").open()
    ]
    concepts = {row[2] for row in rows} | {
        row[3] for row in rows if row[1] != "/r/ExternalURL"
    }
    assert index.count == len(concepts)
    query = TextEncoder(device="cpu").encode(["examination"])
    assert np.isfinite(index.search(query, 3).scores).all()


def test_index_build_twice_makes_a_new_version(
    sample_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", "build", "--no-progress"]) == 0

    assert main(["index", "build", "--no-progress"]) == 0

    assert "index of text/2" in capsys.readouterr().out
    assert (sample_database / "indexes" / "text-v2" / "index.json").is_file()


def test_index_build_unknown_set_exits_with_error(
    sample_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", "build", "--set", "rgcn"]) == 1

    assert "'rgcn'" in capsys.readouterr().err


def test_index_build_fused_reuses_the_text_set(
    sample_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", "build", "--no-progress"]) == 0

    assert main(["index", "build", "--set", "fused", "--no-progress"]) == 0

    out = capsys.readouterr().out
    assert "index of text/1" in out and "index of fused/1" in out
    assert "text/2" not in out
    index = ConceptIndex.load(sample_database / "indexes" / "fused-v1")
    assert index.embedding_set == "fused/1"


def test_index_update_encodes_concepts_imported_after_the_build(
    sample_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", "build", "--no-progress"]) == 0
    before = ConceptIndex.load(sample_database / "indexes" / "text-v1").count
    more = CONCEPTNET_SAMPLE / "edges__verbosity__verbosity.csv"
    assert main(["import", "conceptnet", str(more), "--no-progress"]) == 0
    capsys.readouterr()

    assert main(["index", "update"]) == 0

    after = ConceptIndex.load(sample_database / "indexes" / "text-v1").count
    out = capsys.readouterr().out
    assert after > before
    assert f"{after - before} new concepts encoded" in out


def test_index_build_gloss_text_records_its_mode(sample_database: Path) -> None:
    from embeddings.sets import EmbeddingSetStore
    from graph.db import create_db_engine, create_session_factory

    assert main(["index", "build", "--text", "gloss", "--no-progress"]) == 0

    engine = create_db_engine(f"sqlite:///{sample_database / 'conceptkg.db'}")
    with create_session_factory(engine)() as session:
        info = EmbeddingSetStore(session).latest("text")
    engine.dispose()
    assert info.params == {"text": "gloss"}
