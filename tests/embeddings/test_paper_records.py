"""Tests of paper record validation and JSONL reading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embeddings.paper_errors import InvalidPaper
from embeddings.paper_records import PaperInput, parse_paper, read_jsonl


def test_parse_paper_full_record_keeps_every_field() -> None:
    paper = parse_paper(
        {
            "id": "p1",
            "title": " A title ",
            "abstract": "Text.",
            "year": 2021,
            "authors": ["Ada Lovelace"],
            "venue": "NeurIPS",
        },
        "line 1",
    )

    assert paper == PaperInput(
        "p1", "A title", "Text.", year=2021, authors=("Ada Lovelace",), venue="NeurIPS"
    )


@pytest.mark.parametrize(
    ("record", "named"),
    [
        ({"title": "t"}, "'id'"),
        ({"id": "p", "title": "", "abstract": ""}, "neither title nor abstract"),
        ({"id": "p", "title": "t", "year": "2020"}, "year '2020'"),
        ({"id": "p", "title": "t", "year": True}, "year True"),
        ({"id": "p", "title": "t", "authors": "Ada"}, "'authors'"),
        ({"id": "p", "title": "t", "doi": "x"}, "unknown field 'doi'"),
        (["p", "t"], "JSON object"),
    ],
)
def test_parse_paper_bad_field_raises_naming_position_and_field(
    record: object, named: str
) -> None:
    with pytest.raises(InvalidPaper, match="line 7") as raised:
        parse_paper(record, "line 7")

    assert named in str(raised.value)


def test_content_hash_changes_with_any_field() -> None:
    paper = PaperInput("p", "Title", "Abstract", year=2020)

    assert (
        paper.content_hash()
        == PaperInput("p", "Title", "Abstract", 2020).content_hash()
    )
    assert (
        paper.content_hash()
        != PaperInput("p", "Title", "Abstract", 2021).content_hash()
    )


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_read_jsonl_bad_json_names_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "papers.jsonl",
        [json.dumps({"id": "a", "title": "A"}), "", "{not json"],
    )

    with pytest.raises(InvalidPaper, match="papers.jsonl line 3: not valid JSON"):
        read_jsonl(path)


def test_read_jsonl_repeated_id_names_both_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "papers.jsonl",
        [json.dumps({"id": "a", "title": "A"}), json.dumps({"id": "a", "title": "B"})],
    )

    with pytest.raises(InvalidPaper, match="line 2: id 'a' repeats the paper at"):
        read_jsonl(path)


def test_read_jsonl_demo_corpus_reads_every_paper() -> None:
    from tests.paper_helpers import DEMO_PAPERS

    papers = read_jsonl(DEMO_PAPERS / "papers.jsonl")

    assert len(papers) == 119
    assert len({p.id for p in papers}) == 119
