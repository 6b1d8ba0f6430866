"""Paper records: validated input from JSONL or gRPC, and what the store returns."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embeddings.paper_errors import InvalidPaper

MAX_ID_CHARS = 200
MAX_TITLE_CHARS = 2000
MAX_ABSTRACT_CHARS = 100_000
_FIELDS = frozenset({"id", "title", "abstract", "year", "authors", "venue"})


@dataclass(frozen=True)
class PaperInput:
    """A paper to ingest; ``year`` and ``venue`` are None when unknown."""

    id: str
    title: str
    abstract: str
    year: int | None = None
    authors: tuple[str, ...] = ()
    venue: str | None = None

    def content_hash(self) -> str:
        """SHA-256 of every field: equal hashes mean an unchanged paper."""
        payload = json.dumps(
            [self.id, self.title, self.abstract, self.year, self.authors, self.venue]
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def text(self) -> str:
        """Title and abstract as one text."""
        if self.title and self.abstract:
            return f"{self.title}. {self.abstract}"
        return self.title or self.abstract


@dataclass(frozen=True)
class PaperRecord:
    """A stored paper; ``key`` is its database id, ``id`` its own.

    ``content_hash`` is the hash of the text it was stored with, so that work
    done on a read copy (encoding) can tell whether the paper changed since.
    """

    key: int
    id: str
    title: str
    abstract: str
    year: int | None
    authors: tuple[str, ...]
    venue: str | None
    content_hash: str


@dataclass(frozen=True)
class PaperConceptRecord:
    """A concept linked to a paper, with the link's weight and origin."""

    uri: str
    label: str
    weight: float
    count: int
    confidence: float
    link: str
    phrase: str


def parse_paper(data: Any, position: str) -> PaperInput:
    """Validate one record (a JSON object or equivalent mapping).

    Args:
        data: the decoded record.
        position: where it came from, for errors (``line 7``, ``paper 3``).

    Raises:
        InvalidPaper: naming the position and the bad field.
    """
    if not isinstance(data, dict):
        raise InvalidPaper(
            position, f"expected a JSON object, got {type(data).__name__}"
        )
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise InvalidPaper(
            position,
            f"unknown field {unknown[0]!r}; fields: {', '.join(sorted(_FIELDS))}",
        )
    paper_id = data.get("id")
    if not isinstance(paper_id, str) or not paper_id.strip():
        raise InvalidPaper(position, "'id' must be a non-empty string")
    if len(paper_id) > MAX_ID_CHARS or paper_id != paper_id.strip():
        raise InvalidPaper(position, f"id {paper_id[:60]!r} is too long or padded")
    title = _text(data, "title", position, MAX_TITLE_CHARS)
    abstract = _text(data, "abstract", position, MAX_ABSTRACT_CHARS)
    if not title.strip() and not abstract.strip():
        raise InvalidPaper(
            position, f"paper {paper_id!r} has neither title nor abstract"
        )
    year = data.get("year")
    if year is not None and (
        isinstance(year, bool) or not isinstance(year, int) or not 0 < year < 10000
    ):
        raise InvalidPaper(position, f"year {year!r} is not an integer in 1..9999")
    authors = data.get("authors") or []
    if not isinstance(authors, list) or not all(
        isinstance(a, str) and a.strip() for a in authors
    ):
        raise InvalidPaper(position, "'authors' must be a list of non-empty strings")
    venue = data.get("venue")
    if venue is not None and not isinstance(venue, str):
        raise InvalidPaper(position, f"venue {venue!r} is not a string")
    return PaperInput(
        id=paper_id,
        title=title.strip(),
        abstract=abstract.strip(),
        year=year,
        authors=tuple(a.strip() for a in authors),
        venue=(venue.strip() or None) if venue else None,
    )


def read_jsonl(path: Path) -> list[PaperInput]:
    """Every paper of a JSONL file, validated before anything is written.

    Raises:
        InvalidPaper: the first bad line (bad JSON, bad field, repeated id),
            named by its line number.
    """
    papers: list[PaperInput] = []
    positions: list[str] = []
    for line_number, line in _lines(path):
        position = f"{path.name} line {line_number}"
        try:
            data = json.loads(line)
        except ValueError as error:
            raise InvalidPaper(position, f"not valid JSON ({error})") from error
        papers.append(parse_paper(data, position))
        positions.append(position)
    check_unique(papers, positions)
    return papers


def check_unique(papers: list[PaperInput], positions: list[str]) -> None:
    """Raise InvalidPaper at the first paper whose id repeats an earlier one."""
    first: dict[str, str] = {}
    for paper, position in zip(papers, positions, strict=True):
        if paper.id in first:
            raise InvalidPaper(
                position, f"id {paper.id!r} repeats the paper at {first[paper.id]}"
            )
        first[paper.id] = position


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def _text(data: dict[str, Any], field: str, position: str, limit: int) -> str:
    value = data.get(field, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidPaper(position, f"{field!r} must be a string")
    if len(value) > limit:
        raise InvalidPaper(
            position, f"{field} has {len(value)} characters, over {limit}"
        )
    return value
