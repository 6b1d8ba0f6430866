"""Parse rows of the ConceptNet 5 release format and of head/relation/tail files."""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

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
    """Open a plain or gzip-compressed UTF-8 text file for reading.

    Bytes that are not UTF-8 become lone surrogates, so the line that holds
    them can be reported as bad instead of stopping the whole file.
    """
    if path.suffix == ".gz":
        return gzip.open(
            path, "rt", encoding="utf-8", errors="surrogateescape", newline="\n"
        )
    return path.open("r", encoding="utf-8", errors="surrogateescape", newline="\n")


def _check_text(line: str) -> None:
    """Raise BadRow for a NUL or a byte that was not UTF-8 (a lone surrogate)."""
    if "\x00" in line:
        raise BadRow("the line contains a NUL character")
    if not line.isascii():
        try:
            line.encode("utf-8")
        except UnicodeEncodeError as error:
            raise BadRow(f"the line is not valid UTF-8 ({error.reason})") from error


# Fast-path shapes of well-formed URIs. A line that matches them is exactly
# as valid as graph.uri's parsers would find it; any line that does not is
# checked by those parsers, which give the precise reason. URIs of at most
# 500 characters are under graph.uri's 2000-byte cap whatever their script.
_FAST_MAX_CHARS = 500
_CONCEPT = re.compile(
    r"/c/([a-z]{2,3}(?:-[a-z0-9]+)*)/([^/\s]+)(?:/([nvasr])((?:/[^/\s]+)*))?"
)
_RELATION = re.compile(r"/r/[A-Za-z][A-Za-z0-9_]*(?:/[A-Za-z][A-Za-z0-9_]*)*")
_SPACE = re.compile(r"\s")
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class ConceptColumns:
    """Column values of a concept row, from a URI already known to be valid."""

    lang: str
    label: str
    pos: str | None
    sense: str | None


def concept_columns(uri: str) -> ConceptColumns:
    """The lang, label, part of speech and sense of a valid concept URI."""
    match = _CONCEPT.fullmatch(uri) if len(uri) <= _FAST_MAX_CHARS else None
    if match is None:
        parts = parse_concept_uri(uri)
        return ConceptColumns(parts.lang, parts.label, parts.pos, parts.sense)
    lang, term, pos, sense = match.groups()
    # The sense group keeps its leading slash and is empty after a bare pos.
    label = term.replace("_", " ")
    return ConceptColumns(lang, label, pos, sense[1:] if sense else None)


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
    _check_text(line)
    if not _uris_look_valid(uri, relation, start, end):
        _check_uris(uri, relation, start, end)
    url = end if relation == EXTERNAL_URL else None
    weight, dataset, license_, sources, surface = _parse_info(info_text)
    return EdgeRow(
        uri=uri,
        relation=relation,
        start=start,
        end=end,
        weight=weight,
        dataset=dataset,
        license=license_,
        sources=sources,
        surface_text=surface,
        url=url,
    )


def _uris_look_valid(uri: str, relation: str, start: str, end: str) -> bool:
    """Whether the URI columns match the fast-path shapes and agree."""
    if (
        len(uri) > _FAST_MAX_CHARS
        or not uri.startswith("/a/[")
        or not uri.endswith("/]")
        or _SPACE.search(uri) is not None
    ):
        return False
    pieces = uri[4:-2].split("/,")
    if len(pieces) != 3 or pieces[0] != relation or pieces[1] != start:
        return False
    if pieces[2].lstrip("/") != end.lstrip("/"):
        return False
    if _RELATION.fullmatch(relation) is None or _CONCEPT.fullmatch(start) is None:
        return False
    if relation == EXTERNAL_URL:
        return end.startswith(("http://", "https://"))
    return _CONCEPT.fullmatch(end) is not None


def _check_uris(uri: str, relation: str, start: str, end: str) -> None:
    """Check the URI columns with graph.uri's parsers; raise the precise reason."""
    try:
        uri_relation, uri_start, uri_end = parse_edge_uri(uri)
        parse_relation_uri(relation)
        parse_concept_uri(start)
        if relation == EXTERNAL_URL:
            if not end.startswith(("http://", "https://")):
                raise BadRow(f"ExternalURL end {end!r} is not an http(s) URL")
        else:
            parse_concept_uri(end)
    except GraphError as error:
        raise BadRow(str(error)) from error
    if (uri_relation, uri_start) != (relation, start) or uri_end.lstrip("/") != (
        end.lstrip("/")
    ):
        raise BadRow(f"edge URI {uri!r} does not match its relation, start and end")


def _parse_info(
    info_text: str,
) -> tuple[float, str, str, list[dict[str, Any]], str | None]:
    """Weight, dataset, license, sources and surface text of the JSON column."""
    try:
        info = _DECODER.decode(info_text)
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
    # Escapes can smuggle in what PostgreSQL refuses (NUL, lone surrogates,
    # NaN inside sources); such a row would fail its whole batch.
    if "\\u" in info_text or "NaN" in info_text or "Infinity" in info_text:
        _check_storable(info)
    return float(weight), dataset, license_, sources, surface


def _check_storable(value: Any) -> None:
    """Raise BadRow if a decoded JSON value cannot be stored in PostgreSQL."""
    if isinstance(value, str):
        if "\x00" in value:
            raise BadRow("info column contains a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise BadRow(f"info column has an unpaired surrogate {value!r}") from error
    elif isinstance(value, float) and not math.isfinite(value):
        raise BadRow(f"info column contains the non-finite number {value!r}")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_storable(key)
            _check_storable(item)
    elif isinstance(value, list):
        for item in value:
            _check_storable(item)


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
    _check_text(line)
    try:
        if triple_format == "cn100k":
            if len(columns) != 3:
                raise BadRow(f"expected 3 tab-separated columns, got {len(columns)}")
            relation_text, head_text, tail_text = columns
            weight = 1.0
        else:
            if len(columns) not in (3, 4):
                raise BadRow(
                    f"expected 3 or 4 tab-separated columns, got {len(columns)}"
                )
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
    langs = {concept_columns(row.start).lang}
    if row.url is None:
        langs.add(concept_columns(row.end).lang)
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
