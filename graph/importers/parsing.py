"""Parse rows of the ConceptNet 5 release format and of head/relation/tail files."""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from graph.errors import GraphError
from graph.uri import (
    concept_uri_from_text,
    edge_uri,
    parse_concept_uri,
    parse_edge_uri,
    parse_relation_uri,
    relation_uri_from_name,
)
from graph.writer import EdgeRow

EXTERNAL_URL = "/r/ExternalURL"
TripleFormat = Literal["cn100k", "tsv"]


class BadRow(GraphError):
    """A row that cannot be imported; the importer reports it and goes on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedLine:
    """A line of an input file: its number and either a row or why it is bad."""

    line_number: int
    row: EdgeRow | None
    error: str | None = None


def open_text(path: Path) -> IO[str]:
    """Open a plain or gzip-compressed UTF-8 text file for reading."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="\n")
    return path.open("r", encoding="utf-8", newline="\n")


def parse_conceptnet_line(line: str) -> EdgeRow:
    """Parse one line of a ConceptNet 5 assertions file.

    The columns are: edge URI, relation URI, start URI, end URI, and a JSON
    object with ``weight``, ``dataset``, ``license``, ``sources`` and
    optionally ``surfaceText``. ``/r/ExternalURL`` rows become external
    links (their end is a web address).

    Raises:
        BadRow: with the reason, for any malformed column.
    """
    columns = line.rstrip("\r\n").split("\t")
    if len(columns) != 5:
        raise BadRow(f"expected 5 tab-separated columns, got {len(columns)}")
    uri, relation, start, end, info_text = columns
    try:
        uri_relation, uri_start, uri_end = parse_edge_uri(uri)
        parse_relation_uri(relation)
        parse_concept_uri(start)
        url = None
        if relation == EXTERNAL_URL:
            if not end.startswith(("http://", "https://")):
                raise BadRow(f"ExternalURL end {end!r} is not an http(s) URL")
            url = end
        else:
            parse_concept_uri(end)
    except GraphError as error:
        raise BadRow(str(error)) from error
    if (uri_relation, uri_start) != (relation, start) or uri_end.lstrip("/") != (
        end.lstrip("/")
    ):
        raise BadRow(f"edge URI {uri!r} does not match its relation, start and end")
    try:
        info = json.loads(info_text)
    except json.JSONDecodeError as error:
        raise BadRow(f"info column is not valid JSON ({error.msg})") from error
    if not isinstance(info, dict):
        raise BadRow("info column is not a JSON object")
    weight = info.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise BadRow(f"weight {weight!r} is not a number")
    if not math.isfinite(weight):
        raise BadRow(f"weight {weight!r} is not finite")
    dataset = info.get("dataset")
    license_ = info.get("license")
    if not isinstance(dataset, str) or not dataset.startswith("/d/"):
        raise BadRow(f"dataset {dataset!r} is not a /d/ URI")
    if not isinstance(license_, str) or not license_:
        raise BadRow(f"license {license_!r} is missing")
    sources = info.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise BadRow("sources is not a list of JSON objects")
    surface = info.get("surfaceText")
    if surface is not None and not isinstance(surface, str):
        raise BadRow(f"surfaceText {surface!r} is not a string")
    return EdgeRow(
        uri=uri,
        relation=relation,
        start=start,
        end=end,
        weight=float(weight),
        dataset=dataset,
        license=license_,
        sources=sources,
        surface_text=surface,
        url=url,
    )


def parse_triple_line(
    line: str,
    *,
    triple_format: TripleFormat,
    lang: str = "en",
    dataset: str = "/d/conceptkg/triples",
    license_: str = "cc:by-sa/4.0",
) -> EdgeRow:
    """Parse one head/relation/tail line into an edge of weight 1.

    Formats:
        ``cn100k``: ``relation<TAB>head<TAB>tail`` with free-text nodes
        (``IsA<TAB>yo-yo<TAB>toy`` -> ``/r/IsA``, ``/c/en/yo_yo``, ``/c/en/toy``).
        ``tsv``: ``head<TAB>relation<TAB>tail`` where each field is a URI or
        free text; an optional fourth column is the weight.

    Raises:
        BadRow: with the reason.
    """
    columns = line.rstrip("\r\n").split("\t")
    try:
        if triple_format == "cn100k":
            if len(columns) != 3:
                raise BadRow(f"expected 3 tab-separated columns, got {len(columns)}")
            relation_text, head_text, tail_text = columns
            weight = 1.0
        else:
            if len(columns) not in (3, 4):
                raise BadRow(f"expected 3 or 4 tab-separated columns, got {len(columns)}")
            head_text, relation_text, tail_text = columns[:3]
            weight = _parse_weight(columns[3]) if len(columns) == 4 else 1.0
        relation = _relation_from_field(relation_text)
        head = _concept_from_field(head_text, lang)
        tail = _concept_from_field(tail_text, lang)
    except GraphError as error:
        raise BadRow(str(error)) from error
    return EdgeRow(
        uri=edge_uri(relation, head, tail),
        relation=relation,
        start=head,
        end=tail,
        weight=weight,
        dataset=dataset,
        license=license_,
        sources=[{"contributor": "/s/resource/" + dataset.removeprefix("/d/")}],
        surface_text=None,
    )


def read_conceptnet(path: Path) -> Iterator[ParsedLine]:
    """Yield every non-empty line of a ConceptNet file, parsed or with its error."""
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield ParsedLine(number, parse_conceptnet_line(line))
            except BadRow as error:
                yield ParsedLine(number, None, error.reason)


def read_triples(
    path: Path, *, triple_format: TripleFormat, lang: str = "en", dataset: str
) -> Iterator[ParsedLine]:
    """Yield every non-empty line of a triples file, parsed or with its error."""
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = parse_triple_line(
                    line, triple_format=triple_format, lang=lang, dataset=dataset
                )
                yield ParsedLine(number, row)
            except BadRow as error:
                yield ParsedLine(number, None, error.reason)


def row_languages(row: EdgeRow) -> set[str]:
    """The languages of an edge's concept ends (the start only, for links)."""
    langs = {parse_concept_uri(row.start).lang}
    if row.url is None:
        langs.add(parse_concept_uri(row.end).lang)
    return langs


def _relation_from_field(text: str) -> str:
    text = text.strip()
    if text.startswith("/r/"):
        return parse_relation_uri(text)
    return relation_uri_from_name(text)


def _concept_from_field(text: str, lang: str) -> str:
    text = text.strip()
    if text.startswith("/c/"):
        parse_concept_uri(text)
        return text
    return concept_uri_from_text(text, lang)


def _parse_weight(text: str) -> float:
    try:
        weight = float(text)
    except ValueError as error:
        raise BadRow(f"weight {text!r} is not a number") from error
    if not math.isfinite(weight):
        raise BadRow(f"weight {text!r} is not finite")
    return weight
