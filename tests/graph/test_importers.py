"""Tests of graph.importers on the real ConceptNet sample and CN-100K, both backends."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from graph.importers import ImportReport, import_conceptnet, import_triples
from graph.models import Concept, Edge, ExternalLink, Relation
from graph.records import EdgeFilter
from graph.store import GraphStore
from tests.conftest import CN100K, CONCEPTNET_SAMPLE

SAMPLE_FILES = sorted(CONCEPTNET_SAMPLE.glob("*.csv"))
EXTERNAL_URL = "/r/ExternalURL"
WORDNET_EDGE = "/a/[/r/Synonym/,/c/en/trial/n/wn/act/,/c/en/test/n/wn/act/]"


@dataclass(frozen=True)
class RawRow:
    """One line of a sample file, split by hand (no project code involved)."""

    uri: str
    relation: str
    start: str
    end: str
    info: dict[str, Any]

    @property
    def stored(self) -> tuple[Any, ...]:
        """The fields the database keeps for this row's edge or link."""
        info = self.info
        if self.relation == EXTERNAL_URL:
            return (self.end, info["dataset"], info["license"], info["sources"])
        return (
            float(info["weight"]),
            info["dataset"],
            info["license"],
            info["sources"],
            info.get("surfaceText"),
        )


def _raw_rows(path: Path) -> list[RawRow]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            uri, relation, start, end, info = line.rstrip("\n").split("\t")
            rows.append(RawRow(uri, relation, start, end, json.loads(info)))
    return rows


def _lang(concept_uri: str) -> str:
    return concept_uri.split("/")[2]


def _import_all(engine: Engine, **kwargs: Any) -> list[ImportReport]:
    return [import_conceptnet(engine, path, **kwargs) for path in SAMPLE_FILES]


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            table.__tablename__: int(
                session.scalar(select(func.count()).select_from(table)) or 0
            )
            for table in (Edge, ExternalLink, Concept, Relation)
        }


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every graph table, ids included, in URI order."""
    with Session(engine) as session:
        return {
            table.__tablename__: [
                tuple(row)
                for row in session.execute(
                    select(*table.__table__.columns).order_by(table.uri)
                )
            ]
            for table in (Edge, ExternalLink, Concept, Relation)
        }


def _stored_fields(engine: Engine) -> dict[str, tuple[Any, ...]]:
    with Session(engine) as session:
        edges = session.execute(
            select(
                Edge.uri,
                Edge.weight,
                Edge.dataset,
                Edge.license,
                Edge.sources,
                Edge.surface_text,
            )
        )
        links = session.execute(
            select(
                ExternalLink.uri,
                ExternalLink.url,
                ExternalLink.dataset,
                ExternalLink.license,
                ExternalLink.sources,
            )
        )
        return {row[0]: tuple(row[1:]) for row in [*edges, *links]}


def test_sample_files_are_present() -> None:
    names = [path.name for path in SAMPLE_FILES]

    assert len(names) == 16
    assert "assertions__assertions.csv" in names
    assert "edges__wordnet__wordnet.csv" in names


def test_import_conceptnet_every_sample_file_stores_exact_counts(
    engine: Engine,
) -> None:
    rows = [row for path in SAMPLE_FILES for row in _raw_rows(path)]
    edges = {r.uri for r in rows if r.relation != EXTERNAL_URL}
    links = {r.uri for r in rows if r.relation == EXTERNAL_URL}
    concepts = {r.start for r in rows} | {
        r.end for r in rows if r.relation != EXTERNAL_URL
    }
    relations = {r.relation for r in rows if r.relation != EXTERNAL_URL}

    reports = _import_all(engine)

    assert sum(r.lines for r in reports) == len(rows) == 1604
    assert sum(r.bad for r in reports) == 0
    assert sum(r.written.inserted for r in reports) == len(edges) + len(links)
    assert _counts(engine) == {
        "edges": len(edges),
        "external_links": len(links),
        "concepts": len(concepts),
        "relations": len(relations),
    }
    # Counted by hand with awk over the same files.
    assert _counts(engine) == {
        "edges": 686,
        "external_links": 82,
        "concepts": 586,
        "relations": 15,
    }


def test_import_conceptnet_every_sample_file_keeps_last_row_of_each_uri(
    engine: Engine,
) -> None:
    last_row = {}
    for path in SAMPLE_FILES:
        for row in _raw_rows(path):
            last_row[row.uri] = row.stored

    _import_all(engine)

    assert _stored_fields(engine) == last_row


def test_import_conceptnet_wordnet_edge_has_its_fields(engine: Engine) -> None:
    _import_all(engine)

    with Session(engine) as session:
        store = GraphStore(session)
        page = store.query_edges(
            EdgeFilter(start="/c/en/trial/n/wn/act", end="/c/en/test/n/wn/act")
        )
        test_concept = store.get_concept("/c/en/test/n/wn/act")
        japanese = store.get_concept("/c/ja/テスト/n/wn/act")

    assert len(page.edges) == 1
    edge = page.edges[0]
    assert edge.uri == WORDNET_EDGE
    assert (edge.relation, edge.weight, edge.dataset, edge.license) == (
        "/r/Synonym",
        2.0,
        "/d/wordnet/3.1",
        "cc:by/4.0",
    )
    assert edge.sources == [{"contributor": "/s/resource/wordnet/rdf/3.1"}]
    assert edge.surface_text == "[[trial]] is a synonym of [[test]]"
    assert (test_concept.label, test_concept.pos, test_concept.sense) == (
        "test",
        "n",
        "wn/act",
    )
    assert (japanese.lang, japanese.label) == ("ja", "テスト")


def test_import_conceptnet_merged_assertion_keeps_all_sources(engine: Engine) -> None:
    report = import_conceptnet(engine, CONCEPTNET_SAMPLE / "assertions__assertions.csv")

    with Session(engine) as session:
        store = GraphStore(session)
        edge = store.query_edges(
            EdgeFilter(start="/c/en/wheat", relation="/r/AtLocation")
        ).edges[0]
        arabic = store.get_concept("/c/ar/التعليم_في_الولايات_المتحدة")

    assert (report.lines, report.written.inserted, report.bad) == (764, 764, 0)
    assert edge.uri == "/a/[/r/AtLocation/,/c/en/wheat/,/c/en/field/]"
    assert (edge.weight, edge.dataset) == (2.0, "/d/conceptnet/4/en")
    assert [source["contributor"] for source in edge.sources] == [
        "/s/contributor/omcs/user1",
        "/s/contributor/omcs/user2",
    ]
    assert edge.surface_text == "You are likely to find [[wheat]] in [[a field]]"
    assert arabic.external_urls == (
        "http://ar.dbpedia.org/resource/التعليم_في_الولايات_المتحدة",
    )


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda path: path.stem)
def test_import_conceptnet_same_file_twice_changes_nothing(
    engine: Engine, path: Path
) -> None:
    first = import_conceptnet(engine, path)
    before = _snapshot(engine)

    second = import_conceptnet(engine, path)

    assert first.written.inserted > 0
    assert (second.written.inserted, second.written.updated) == (0, 0)
    assert second.written.unchanged == first.written.inserted
    assert _snapshot(engine) == before


def test_import_conceptnet_all_files_twice_leaves_rows_unchanged(
    engine: Engine,
) -> None:
    # Files overlap: the merged assertions file and the per-source files hold
    # the same URIs with different fields, and the last row written wins. A
    # second pass therefore rewrites the overlapping rows on its way, exactly
    # as a replay of last-write-wins over the files predicts, and ends where
    # the first pass ended.
    state: dict[str, tuple[Any, ...]] = {}
    for path in SAMPLE_FILES:
        for row in _raw_rows(path):
            state[row.uri] = row.stored
    expected_updates = 0
    for path in SAMPLE_FILES:
        in_file = {row.uri: row.stored for row in _raw_rows(path)}
        for uri, fields in in_file.items():
            if state[uri] != fields:
                expected_updates += 1
                state[uri] = fields
    _import_all(engine)
    counts = _counts(engine)
    before = _snapshot(engine)

    second = _import_all(engine)

    assert sum(r.written.inserted for r in second) == 0
    assert sum(r.written.updated for r in second) == expected_updates
    assert _counts(engine) == counts
    assert _snapshot(engine) == before


def test_import_conceptnet_lang_en_keeps_only_english_ends(engine: Engine) -> None:
    rows = [row for path in SAMPLE_FILES for row in _raw_rows(path)]

    def english(row: RawRow) -> bool:
        ends = [row.start] if row.relation == EXTERNAL_URL else [row.start, row.end]
        return all(_lang(uri) == "en" for uri in ends)

    edges = {r.uri for r in rows if r.relation != EXTERNAL_URL and english(r)}
    links = {r.uri for r in rows if r.relation == EXTERNAL_URL and english(r)}

    reports = _import_all(engine, lang="en")

    assert sum(r.filtered for r in reports) == sum(not english(r) for r in rows)
    counts = _counts(engine)
    assert (counts["edges"], counts["external_links"]) == (len(edges), len(links))
    # Counted by hand with awk: both ends under /c/en/ (links: the start).
    assert (counts["edges"], counts["external_links"]) == (100, 15)
    with Session(engine) as session:
        langs = set(session.scalars(select(Concept.lang).distinct()))
    assert langs == {"en"}


def test_import_conceptnet_garbled_file_reports_bad_lines_keeps_good(
    engine: Engine, tmp_path: Path
) -> None:
    good = (
        (CONCEPTNET_SAMPLE / "edges__wordnet__wordnet.csv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    info = '{"dataset": "/d/test", "license": "cc:by/4.0", "weight": %s}'
    lines = [
        good[0],
        good[1].replace('"weight": 2.0}', '"weight": 2.0'),
        "\t".join(good[2].split("\t")[:4]),
        "/a/[/r/IsA/,/c/EN/dog/,/c/en/animal/]\t/r/IsA\t/c/EN/dog\t/c/en/animal\t"
        + info % "1.0",
        "",
        good[4],
        "/a/[/r/IsA/,/c/en/dog/,/c/en/animal/]\t/r/IsA\t/c/en/dog\t/c/en/animal\t"
        + info % '"heavy"',
        good[5][: len(good[5]) // 2],
    ]
    path = tmp_path / "garbled.csv"
    path.write_text("\n".join(lines), encoding="utf-8")

    report = import_conceptnet(engine, path)

    assert (report.lines, report.bad, report.written.inserted) == (7, 5, 2)
    bad = {line.line_number: line.reason for line in report.bad_lines}
    assert sorted(bad) == [2, 3, 4, 7, 8]
    assert {line.source for line in report.bad_lines} == {"garbled.csv"}
    assert "not valid JSON" in bad[2]
    assert "expected 5 tab-separated columns, got 4" in bad[3]
    assert "'/c/EN/dog'" in bad[4]
    assert "weight 'heavy' is not a number" in bad[7]
    assert "expected 5" in bad[8] or "not valid JSON" in bad[8]
    with Session(engine) as session:
        stored = set(session.scalars(select(Edge.uri)))
    assert stored == {good[0].split("\t")[0], good[4].split("\t")[0]}


def _standardize_plain(text: str) -> str:
    """Standardize plain lowercase ASCII phrases, the only kind in the slice."""
    return "_".join(re.split(r"[\s-]+", text.strip().lower()))


def test_import_triples_cn100k_slice_builds_uris(
    engine: Engine, tmp_path: Path
) -> None:
    with (CN100K / "train.txt").open(encoding="utf-8") as handle:
        head = [next(handle) for _ in range(2000)]
    path = tmp_path / "train_head.txt"
    path.write_text("".join(head), encoding="utf-8")
    triples = [line.rstrip("\n").split("\t") for line in head]
    assert all(re.fullmatch(r"[a-z0-9 -]+", t) for _, h, t in triples for t in (h, t))
    edges = {
        (f"/r/{rel}", _standardize_plain(h), _standardize_plain(t))
        for rel, h, t in triples
    }
    nodes = {_standardize_plain(text) for _, h, t in triples for text in (h, t)}

    report = import_triples(engine, path, triple_format="cn100k", dataset="/d/cn100k")

    assert (report.lines, report.bad) == (2000, 0)
    assert _counts(engine) == {
        "edges": len(edges),
        "external_links": 0,
        "concepts": len(nodes),
        "relations": len({rel for rel, _, _ in triples}),
    }
    with Session(engine) as session:
        stored = {
            (rel, start.removeprefix("/c/en/"), end.removeprefix("/c/en/"))
            for rel, start, end in session.execute(
                select(Relation.uri, Concept.uri, Edge.uri)
                .join(Edge, Edge.relation_id == Relation.id)
                .join(Concept, Concept.id == Edge.start_id)
            ).all()
            for end in [end.split("/,")[2].removesuffix("/]")]
        }
        store = GraphStore(session)
        hockey = store.query_edges(EdgeFilter(start="/c/en/hockey")).edges
        email = store.query_edges(EdgeFilter(start="/c/en/send_e_mail")).edges
    assert stored == edges
    first = next(e for e in hockey if e.relation == "/r/ReceivesAction")
    assert first.uri == "/a/[/r/ReceivesAction/,/c/en/hockey/,/c/en/play_on_ice/]"
    assert (first.weight, first.dataset) == (1.0, "/d/cn100k")
    assert first.sources == [{"contributor": "/s/resource/cn100k"}]
    assert ("/r/HasSubevent", "/c/en/type_message") in [
        (e.relation, e.end) for e in email
    ]
    assert sorted((e.relation, e.end) for e in email) == sorted(
        (f"/r/{rel}", "/c/en/" + _standardize_plain(t))
        for rel, h, t in triples
        if h == "send e-mail"
    )


def test_import_triples_tsv_mixes_uris_and_text(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "triples.tsv"
    path.write_text(
        "/c/en/dog\t/r/IsA\tAnimal\t2.5\n"
        "A Hot-Dog\tIsA\tfood\n"
        "Café Crème\tRelatedTo\t/c/fr/café/n\n"
        "cat\tIsA\tpet\theavy\n"
        "cat\tIsA\n"
        "!!!\tIsA\tfood\n",
        encoding="utf-8",
    )

    report = import_triples(engine, path, triple_format="tsv")

    assert (report.lines, report.bad, report.written.inserted) == (6, 3, 3)
    bad = {line.line_number: line.reason for line in report.bad_lines}
    assert "weight 'heavy' is not a number" in bad[4]
    assert "expected 3 or 4 tab-separated columns, got 2" in bad[5]
    assert "'!!!'" in bad[6]
    with Session(engine) as session:
        stored = dict(
            session.execute(
                select(Edge.uri, Edge.weight).where(
                    Edge.dataset == "/d/conceptkg/triples"
                )
            ).all()
        )
    assert stored == {
        "/a/[/r/IsA/,/c/en/dog/,/c/en/animal/]": 2.5,
        "/a/[/r/IsA/,/c/en/hot_dog/,/c/en/food/]": 1.0,
        "/a/[/r/RelatedTo/,/c/en/café_crème/,/c/fr/café/n/]": 1.0,
    }
