"""Tests of `conceptkg papers`: import on the database, queries through gRPC."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from embeddings.encoders import TextEncoder
from embeddings.index import ConceptIndex
from embeddings.search import ConceptSearcher
from graph.db import create_db_engine, create_session_factory
from graph.store import GraphStore
from service.cli import main
from service.server import create_server
from service.settings import Settings
from tests.paper_helpers import TINY_EDGES, TINY_PAPERS, MemoEncoder
from tests.service.conftest import make_settings

Capture = pytest.CaptureFixture[str]


def _jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


PAPER_ROWS = [
    {
        "id": p.id,
        "title": p.title,
        "abstract": p.abstract,
        "year": p.year,
        "authors": list(p.authors),
        "venue": p.venue,
    }
    for p in TINY_PAPERS
]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> Path:
    """A SQLite database with the tiny graph, not yet indexed."""
    monkeypatch.setenv("CONCEPTKG_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CONCEPTKG_DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    engine = create_db_engine(Settings().resolved_database_url())
    with create_session_factory(engine).begin() as session:
        GraphStore(session).upsert_edges(TINY_EDGES)
    engine.dispose()
    capsys.readouterr()
    return tmp_path


def test_papers_import_before_index_build_exits_with_hint(
    database: Path, capsys: Capture
) -> None:
    code = main(["papers", "import", str(_jsonl(database / "p.jsonl", PAPER_ROWS))])

    assert code == 1
    assert "run: conceptkg index build" in capsys.readouterr().err


def test_papers_import_twice_reports_unchanged_and_indexes_new_concepts(
    database: Path, capsys: Capture
) -> None:
    assert main(["index", "build", "--no-progress"]) == 0
    path = _jsonl(database / "papers.jsonl", PAPER_ROWS)
    capsys.readouterr()

    assert main(["papers", "import", str(path), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)[str(path)]
    assert main(["papers", "import", str(path)]) == 0
    second = capsys.readouterr().out

    assert (first["inserted"], first["papers"]) == (4, 4)
    assert first["concepts_created"] == 1
    assert "inserted 0, updated 0, unchanged 4" in second
    # The new concept was encoded and the saved index rebuilt with it.
    graph_concepts = {uri for e in TINY_EDGES for uri in (e.start, e.end)}
    index = ConceptIndex.load(database / "indexes" / "text-v1")
    assert index.count == len(graph_concepts) + 1


def test_papers_import_bad_line_names_it_and_writes_nothing(
    database: Path, capsys: Capture
) -> None:
    assert main(["index", "build", "--no-progress"]) == 0
    path = _jsonl(database / "bad.jsonl", [*PAPER_ROWS[:2], {"id": "x", "year": 1}])
    capsys.readouterr()

    assert main(["papers", "import", str(path)]) == 1
    assert "bad.jsonl line 3" in capsys.readouterr().err
    assert main(["papers", "import", str(_jsonl(path, PAPER_ROWS[:1]))]) == 0
    assert "inserted 1" in capsys.readouterr().out


@pytest.fixture
def address(database: Path, encoder: TextEncoder, capsys: Capture) -> Iterator[str]:
    """A server on the database after `index build` and `papers import`."""
    assert main(["index", "build", "--no-progress"]) == 0
    assert (
        main(["papers", "import", str(_jsonl(database / "p.jsonl", PAPER_ROWS))]) == 0
    )
    capsys.readouterr()
    engine = create_db_engine(Settings().resolved_database_url())
    index = ConceptIndex.load(database / "indexes" / "text-v1")
    running = create_server(
        make_settings(), engine, ConceptSearcher(index, MemoEncoder(encoder))
    )
    yield f"127.0.0.1:{running.port}"
    running.stop(0)
    engine.dispose()


def test_papers_search_text_explains_the_edge(address: str, capsys: Capture) -> None:
    assert main(["papers", "search", "cat", "--k", "1", "--server", address]) == 0

    out = capsys.readouterr().out
    assert "query concepts: cat" in out
    assert " 1. t1  Kitten behaviour in shelters (2020)" in out
    assert "kitten (/c/en/cat <-/r/IsA-)" in out


def test_papers_search_json_and_filter(address: str, capsys: Capture) -> None:
    args = ["papers", "search", "cat", "--filter", "venue=Road Safety", "--json"]

    assert main([*args, "--server", address]) == 0

    hits = json.loads(capsys.readouterr().out)["hits"]
    assert [hit["paper"]["id"] for hit in hits] == ["t2"]


def test_papers_search_unknown_filter_exits_1(address: str, capsys: Capture) -> None:
    args = ["papers", "search", "cat", "--filter", "colour=red", "--server", address]

    assert main(args) == 1
    assert "INVALID_ARGUMENT" in capsys.readouterr().err


def test_papers_concepts_for_concept_and_similar(address: str, capsys: Capture) -> None:
    assert main(["papers", "concepts", "t1", "--server", address]) == 0
    concepts = capsys.readouterr().out
    assert main(["papers", "for-concept", "/c/en/kitten", "--server", address]) == 0
    papers = capsys.readouterr().out
    assert main(["papers", "similar", "t3", "--k", "1", "--server", address]) == 0
    similar = capsys.readouterr().out

    assert "/c/en/kitten  (uri, 3x 'kitten')" in concepts
    assert "t1  Kitten behaviour in shelters" in papers
    assert "t4  Sparse autoencoder features" in similar
    assert "sparse autoencoder (shared)" in similar


def test_papers_similar_needs_id_or_text(address: str, capsys: Capture) -> None:
    assert main(["papers", "similar", "--server", address]) == 1
    assert "give a paper id or --text" in capsys.readouterr().err
