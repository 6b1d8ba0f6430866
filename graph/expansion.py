"""One-hop neighbours of concepts over chosen relations, for query expansion."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from graph.models import Edge, Relation
from graph.writer import chunks

_IN_CHUNK = 2000


@dataclass(frozen=True)
class Hop:
    """An edge from a source concept to a neighbour.

    ``direction`` is ``out`` when the source is the edge's start (for IsA:
    the neighbour is broader) and ``in`` when it is the end (narrower).
    """

    source: int
    target: int
    relation: str
    weight: float
    direction: Literal["out", "in"]


def one_hop(
    session: Session, concept_ids: Iterable[int], relations: Iterable[str]
) -> list[Hop]:
    """Every edge of the given relations at the given concepts, both ways.

    Args:
        session: session on the graph database.
        concept_ids: the source concepts.
        relations: relation URIs, e.g. ``/r/IsA``.

    Returns:
        One Hop per edge end that is a source (an edge between two sources
        appears once from each side), strongest first.
    """
    sources = sorted(set(concept_ids))
    wanted = sorted(set(relations))
    hops: list[Hop] = []
    if not sources or not wanted:
        return hops
    for chunk in chunks(sources, _IN_CHUNK):
        for side, other, direction in (
            (Edge.start_id, Edge.end_id, "out"),
            (Edge.end_id, Edge.start_id, "in"),
        ):
            rows = session.execute(
                select(side, other, Relation.uri, Edge.weight)
                .join(Relation, Relation.id == Edge.relation_id)
                .where(side.in_(chunk), Relation.uri.in_(wanted))
            )
            hops.extend(
                Hop(int(s), int(t), rel, float(w), direction)  # type: ignore[arg-type]
                for s, t, rel, w in rows
                if s != t
            )
    hops.sort(key=lambda hop: (-hop.weight, hop.source, hop.target))
    return hops
