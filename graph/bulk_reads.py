"""Whole-graph and many-id reads: statistics, concept ids, degrees, edge arrays."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graph.models import Concept, Edge, ExternalLink, Relation
from graph.records import GraphStats
from graph.writer import chunks

IN_CHUNK = 2000


class BulkReads:
    """Whole-table and many-id reads; mixed into :class:`graph.store.GraphStore`,
    which holds the session."""

    _session: Session

    def stats(self, *, top: int = 20) -> GraphStats:
        """Return the graph's sizes and its ``top`` largest relations,
        datasets and languages."""
        count = self._session.scalar
        by_relation = self._session.execute(
            select(Relation.uri, func.count(Edge.id))
            .join(Edge, Edge.relation_id == Relation.id)
            .group_by(Relation.uri)
            .order_by(func.count(Edge.id).desc())
            .limit(top)
        )
        by_dataset = self._session.execute(
            select(Edge.dataset, func.count())
            .group_by(Edge.dataset)
            .order_by(func.count().desc())
            .limit(top)
        )
        by_lang = self._session.execute(
            select(Concept.lang, func.count())
            .group_by(Concept.lang)
            .order_by(func.count().desc())
            .limit(top)
        )
        return GraphStats(
            concepts=int(count(select(func.count()).select_from(Concept)) or 0),
            edges=int(count(select(func.count()).select_from(Edge)) or 0),
            relations=int(count(select(func.count()).select_from(Relation)) or 0),
            external_links=int(
                count(select(func.count()).select_from(ExternalLink)) or 0
            ),
            edges_by_relation={k: int(v) for k, v in by_relation},
            edges_by_dataset={k: int(v) for k, v in by_dataset},
            concepts_by_lang={k: int(v) for k, v in by_lang},
        )

    def concept_ids(self, uris: Iterable[str]) -> dict[str, int]:
        """Database ids of the known concepts among ``uris``."""
        found: dict[str, int] = {}
        for chunk in chunks(sorted(set(uris)), IN_CHUNK):
            rows = self._session.execute(
                select(Concept.uri, Concept.id).where(Concept.uri.in_(chunk))
            )
            found.update({uri: cid for uri, cid in rows})
        return found

    def concepts_by_ids(self, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """URI and label of each known concept id (unknown ids are left out)."""
        found: dict[int, tuple[str, str]] = {}
        for chunk in chunks(sorted(set(ids)), IN_CHUNK):
            rows = self._session.execute(
                select(Concept.id, Concept.uri, Concept.label).where(
                    Concept.id.in_(chunk)
                )
            )
            found.update({cid: (uri, label) for cid, uri, label in rows})
        return found

    def edge_arrays(self) -> tuple[list[int], list[int], list[str], list[float]]:
        """Every edge as parallel lists: start ids, end ids, relation URIs, weights.

        For whole-graph computations such as retrofitting.
        """
        # Limitation: loads the whole edge table into memory; fine for the
        # sample and CN-100K scale, about 3 GB of Python objects for full
        # ConceptNet, where a chunked reader would be needed.
        rows = self._session.execute(
            select(Edge.start_id, Edge.end_id, Relation.uri, Edge.weight)
            .join(Relation, Relation.id == Edge.relation_id)
            .order_by(Edge.id)
        ).all()
        return (
            [row[0] for row in rows],
            [row[1] for row in rows],
            [row[2] for row in rows],
            [float(row[3]) for row in rows],
        )

    def all_concept_ids(self) -> list[int]:
        """Every concept id, ascending."""
        return list(self._session.scalars(select(Concept.id).order_by(Concept.id)))

    def isa_child_counts(self) -> dict[int, int]:
        """For each concept that has any, how many concepts are an IsA of it."""
        rows = self._session.execute(
            select(Edge.end_id, func.count())
            .join(Relation, Relation.id == Edge.relation_id)
            .where(Relation.uri == "/r/IsA")
            .group_by(Edge.end_id)
        )
        return {concept_id: int(count) for concept_id, count in rows}

    def concept_degrees(self) -> dict[int, int]:
        """Edges at each concept that has any (either end), by concept id."""
        degrees: dict[int, int] = {}
        for column in (Edge.start_id, Edge.end_id):
            rows = self._session.execute(select(column, func.count()).group_by(column))
            for concept_id, count in rows:
                degrees[concept_id] = degrees.get(concept_id, 0) + int(count)
        return degrees

    def concept_ids_in_lang(self, lang: str) -> list[int]:
        """Ids of every concept of a language, ascending."""
        return list(
            self._session.scalars(
                select(Concept.id).where(Concept.lang == lang).order_by(Concept.id)
            )
        )
