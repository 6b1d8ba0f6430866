"""Plain records that the graph store returns and accepts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Direction = Literal["out", "in", "both"]


@dataclass(frozen=True)
class ConceptRecord:
    """A stored concept with its degree and external links."""

    uri: str
    lang: str
    label: str
    pos: str | None = None
    sense: str | None = None
    degree: int = 0
    external_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class EdgeRecord:
    """A stored edge ``start --relation--> end``."""

    uri: str
    relation: str
    start: str
    end: str
    weight: float
    dataset: str
    license: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    surface_text: str | None = None


@dataclass(frozen=True)
class EdgeFilter:
    """Which edges a query selects; unset fields do not filter.

    ``node`` selects edges with the concept at either end.
    """

    start: str | None = None
    end: str | None = None
    relation: str | None = None
    node: str | None = None
    dataset: str | None = None


@dataclass(frozen=True)
class EdgePage:
    """One page of edges; ``next_page_token`` is empty on the last page."""

    edges: list[EdgeRecord]
    next_page_token: str


@dataclass(frozen=True)
class Neighbor:
    """A concept next to the queried one and the edge that links them."""

    concept: str
    label: str
    direction: Literal["out", "in"]
    edge: EdgeRecord


@dataclass(frozen=True)
class ConceptInput:
    """A concept to upsert; the label defaults to the URI's term."""

    uri: str
    label: str | None = None


@dataclass(frozen=True)
class EdgeInput:
    """An edge to upsert; its URI is derived from relation, start and end."""

    relation: str
    start: str
    end: str
    weight: float = 1.0
    dataset: str = "/d/conceptkg"
    license: str = "cc:by-sa/4.0"
    sources: list[dict[str, Any]] = field(default_factory=list)
    surface_text: str | None = None


@dataclass
class WriteCounts:
    """What a write did: rows inserted, changed, and left as they were.

    ``duplicates`` counts rows that repeated a URI later in the same batch
    and were superseded by that later row. ``relabeled`` lists the URIs of
    concepts whose label a concept write changed.
    """

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    relabeled: list[str] = field(default_factory=list)

    def add(self, other: WriteCounts) -> None:
        """Add another batch's counts to these."""
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.duplicates += other.duplicates
        self.relabeled += other.relabeled


@dataclass(frozen=True)
class GraphStats:
    """Sizes of the graph and its largest groups."""

    concepts: int
    edges: int
    relations: int
    external_links: int
    edges_by_relation: dict[str, int]
    edges_by_dataset: dict[str, int]
    concepts_by_lang: dict[str, int]
