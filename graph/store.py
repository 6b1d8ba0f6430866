"""GraphStore: reads and writes of concepts and edges through one Session."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx
from sqlalchemy import Select, delete, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from graph.bulk_reads import IN_CHUNK, BulkReads
from graph.errors import ConceptNotFound, InvalidQuery, LimitExceeded, RelationNotFound
from graph.models import Concept, Edge, ExternalLink, Relation
from graph.pagination import (
    PageKey,
    decode_page_token,
    encode_page_token,
    query_fingerprint,
)
from graph.records import (
    ConceptInput,
    ConceptRecord,
    Direction,
    EdgeFilter,
    EdgeInput,
    EdgePage,
    EdgeRecord,
    Neighbor,
    WriteCounts,
)
from graph.uri import edge_uri, parse_concept_uri, parse_edge_uri, parse_relation_uri
from graph.writer import (
    EdgeRow,
    chunks,
    concept_values,
    ensure_concepts,
    insert_for,
    write_edges,
)

logger = logging.getLogger(__name__)

_StartConcept = aliased(Concept, name="start_concept")
_EndConcept = aliased(Concept, name="end_concept")


class GraphStore(BulkReads):
    """Queries and writes on the graph tables.

    The store never commits: the caller opens the session, and commits or
    rolls back, so one request is one transaction.

    Args:
        session: an open SQLAlchemy session.
        max_page_size: the largest ``limit`` a query may ask for.
        max_batch_size: the most concepts or edges one write may carry.
    """

    def __init__(
        self,
        session: Session,
        *,
        max_page_size: int = 1000,
        max_batch_size: int = 10000,
    ) -> None:
        self._session = session
        self._max_page_size = max_page_size
        self._max_batch_size = max_batch_size

    # Reads ------------------------------------------------------------------

    def get_concept(self, uri: str) -> ConceptRecord:
        """Return the concept stored under ``uri``.

        Raises:
            InvalidURI: the URI is malformed.
            ConceptNotFound: no such concept.
        """
        parse_concept_uri(uri)
        concept = self._session.scalar(select(Concept).where(Concept.uri == uri))
        if concept is None:
            raise ConceptNotFound(uri)
        degree = self._session.scalar(
            select(func.count())
            .select_from(Edge)
            .where(or_(Edge.start_id == concept.id, Edge.end_id == concept.id))
        )
        urls = self._session.scalars(
            select(ExternalLink.url)
            .where(ExternalLink.concept_id == concept.id)
            .order_by(ExternalLink.url)
        )
        return ConceptRecord(
            uri=concept.uri,
            lang=concept.lang,
            label=concept.label,
            pos=concept.pos,
            sense=concept.sense,
            degree=int(degree or 0),
            external_urls=tuple(urls),
        )

    def query_edges(
        self, filters: EdgeFilter, *, limit: int = 50, page_token: str = ""
    ) -> EdgePage:
        """Return one page of edges matching ``filters``, strongest first.

        Pages are keyset pages over (weight, id) descending: following
        ``next_page_token`` until it is empty returns every matching edge
        exactly once, even while other edges are being added.

        Raises:
            InvalidQuery: bad limit or page token.
            LimitExceeded: ``limit`` above the configured page size.
            ConceptNotFound, RelationNotFound: a filter names an unknown one.
        """
        self._check_limit(limit)
        fingerprint = query_fingerprint(
            filters.start, filters.end, filters.relation, filters.node, filters.dataset
        )
        query = self._edge_select()
        if filters.start is not None:
            query = query.where(Edge.start_id == self._concept_id(filters.start))
        if filters.end is not None:
            query = query.where(Edge.end_id == self._concept_id(filters.end))
        if filters.node is not None:
            node_id = self._concept_id(filters.node)
            query = query.where(or_(Edge.start_id == node_id, Edge.end_id == node_id))
        if filters.relation is not None:
            query = query.where(Edge.relation_id == self._relation_id(filters.relation))
        if filters.dataset is not None:
            query = query.where(Edge.dataset == filters.dataset)
        if page_token:
            key = decode_page_token(page_token, fingerprint)
            query = query.where(
                tuple_(Edge.weight, Edge.id) < (key.weight, key.edge_id)
            )
        query = query.order_by(Edge.weight.desc(), Edge.id.desc()).limit(limit + 1)
        rows = self._session.execute(query).all()
        token = ""
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            token = encode_page_token(PageKey(last.weight, last.id), fingerprint)
        return EdgePage(
            edges=[_edge_record(row) for row in rows], next_page_token=token
        )

    def neighbors(
        self,
        uri: str,
        *,
        relation: str | None = None,
        direction: Direction = "both",
        limit: int = 50,
    ) -> list[Neighbor]:
        """Return the concepts linked to ``uri``, through the strongest edges first.

        Args:
            uri: the concept whose neighbors are wanted.
            relation: only edges of this relation.
            direction: ``out`` (uri is the start), ``in`` (uri is the end) or
                ``both``.
            limit: the most neighbors returned.
        """
        self._check_limit(limit)
        if direction not in ("out", "in", "both"):
            raise InvalidQuery("direction", direction, "one of out, in, both")
        concept_id = self._concept_id(uri)
        query = self._edge_select()
        sides = []
        if direction in ("out", "both"):
            sides.append(Edge.start_id == concept_id)
        if direction in ("in", "both"):
            sides.append(Edge.end_id == concept_id)
        query = query.where(or_(*sides))
        if relation is not None:
            query = query.where(Edge.relation_id == self._relation_id(relation))
        query = query.add_columns(
            _StartConcept.label.label("start_label"),
            _EndConcept.label.label("end_label"),
        )
        query = query.order_by(Edge.weight.desc(), Edge.id.desc()).limit(limit)
        result = []
        for row in self._session.execute(query):
            edge = _edge_record(row)
            if edge.start == uri and direction != "in":
                result.append(Neighbor(edge.end, row.end_label, "out", edge))
            else:
                result.append(Neighbor(edge.start, row.start_label, "in", edge))
        return result

    def subgraph(
        self,
        uri: str,
        *,
        hops: int = 1,
        max_nodes: int = 500,
        max_edges: int = 2000,
        relation: str | None = None,
    ) -> nx.MultiDiGraph:
        """Return the k-hop neighborhood of ``uri`` as a MultiDiGraph.

        Nodes are concept URIs with a ``label`` attribute; edges are keyed by
        edge URI and carry ``relation`` and ``weight``. Each hop follows the
        strongest edges first; when a cap is reached the graph attribute
        ``truncated`` is True.

        Args:
            uri: the center concept.
            hops: how many edges away from the center to go, 1 or more.
            max_nodes: the most nodes kept, center included.
            max_edges: the most edges kept.
            relation: only follow edges of this relation.
        """
        if hops < 1:
            raise InvalidQuery("hops", hops, "an integer >= 1")
        if max_nodes < 1:
            raise InvalidQuery("max_nodes", max_nodes, "an integer >= 1")
        if max_edges < 0:
            raise InvalidQuery("max_edges", max_edges, "an integer >= 0")
        center_id = self._concept_id(uri)
        relation_id = None if relation is None else self._relation_id(relation)
        graph = nx.MultiDiGraph(center=uri, truncated=False)
        kept: dict[int, str] = {center_id: uri}
        graph.add_node(uri, label=self.get_concept(uri).label, hop=0)
        frontier = [center_id]
        edge_count = 0
        for hop in range(1, hops + 1):
            next_frontier: list[int] = []
            for row in self._edges_touching(frontier, relation_id):
                if graph.has_edge(row.start, row.end, key=row.uri):
                    continue
                if edge_count >= max_edges:
                    graph.graph["truncated"] = True
                    break
                for node_id, node_uri, label in (
                    (row.start_id, row.start, row.start_label),
                    (row.end_id, row.end, row.end_label),
                ):
                    if node_id in kept:
                        continue
                    if len(kept) >= max_nodes:
                        graph.graph["truncated"] = True
                        continue
                    kept[node_id] = node_uri
                    graph.add_node(node_uri, label=label, hop=hop)
                    next_frontier.append(node_id)
                if row.start_id in kept and row.end_id in kept:
                    edge_count += 1
                    graph.add_edge(
                        row.start,
                        row.end,
                        key=row.uri,
                        relation=row.relation,
                        weight=row.weight,
                    )
            frontier = next_frontier
            if not frontier:
                break
        return graph

    def concept_id(self, uri: str) -> int:
        """The database id of a concept.

        Raises:
            InvalidURI, ConceptNotFound: a bad or unknown URI.
        """
        return self._concept_id(uri)

    def isa_children(self, uris: Iterable[str]) -> list[int]:
        """Ids of the concepts with an IsA edge to any of ``uris``.

        Raises:
            InvalidURI, ConceptNotFound: a bad or unknown URI.
        """
        parents = [self._concept_id(uri) for uri in uris]
        children: set[int] = set()
        for chunk in chunks(parents, IN_CHUNK):
            children.update(
                self._session.scalars(
                    select(Edge.start_id)
                    .join(Relation, Relation.id == Edge.relation_id)
                    .where(Relation.uri == "/r/IsA", Edge.end_id.in_(chunk))
                )
            )
        return sorted(children)

    def is_empty(self) -> bool:
        """Whether the graph holds no edges."""
        return self._session.scalar(select(Edge.id).limit(1)) is None

    # Writes -----------------------------------------------------------------

    def upsert_concepts(self, concepts: Sequence[ConceptInput]) -> WriteCounts:
        """Insert concepts, or update the label of existing ones.

        Raises:
            InvalidURI: a URI is malformed (nothing is written).
            LimitExceeded: more concepts than the batch size allows.
        """
        self._check_batch(len(concepts))
        latest = {c.uri: concept_values(c.uri, c.label) for c in concepts}
        counts = WriteCounts()
        if not latest:
            return counts
        connection = self._session.connection()
        stored = dict(
            connection.execute(
                select(Concept.uri, Concept.label).where(Concept.uri.in_(list(latest)))
            ).all()
        )
        changed = {
            uri: values
            for uri, values in latest.items()
            if uri in stored and stored[uri] != values["label"]
        }
        new = [values for uri, values in latest.items() if uri not in stored]
        if new:
            connection.execute(insert_for(connection)(Concept), new)
        for uri, values in changed.items():
            connection.execute(
                update(Concept).where(Concept.uri == uri).values(label=values["label"])
            )
        counts.inserted = len(new)
        counts.updated = len(changed)
        counts.relabeled = sorted(changed)
        counts.unchanged = len(latest) - len(new) - len(changed)
        return counts

    def upsert_edges(self, edges: Sequence[EdgeInput]) -> WriteCounts:
        """Insert edges, or update existing ones (same relation, start, end).

        Missing concepts and relations are created. Either every edge is
        valid and written, or an error names the first bad one and nothing
        is written.

        Raises:
            InvalidURI: a relation or concept URI is malformed.
            InvalidQuery: a weight is not a finite number.
            LimitExceeded: more edges than the batch size allows.
        """
        self._check_batch(len(edges))
        rows = [_edge_row(edge) for edge in edges]
        return write_edges(self._session.connection(), rows)

    def delete_edges(self, uris: Sequence[str]) -> int:
        """Delete edges by URI and return how many existed.

        Raises:
            InvalidURI: a URI is malformed (nothing is deleted).
        """
        self._check_batch(len(uris))
        for uri in uris:
            parse_edge_uri(uri)
        deleted = 0
        for chunk in chunks(list(dict.fromkeys(uris)), IN_CHUNK):
            result = self._session.execute(delete(Edge).where(Edge.uri.in_(chunk)))
            deleted += int(getattr(result, "rowcount", 0) or 0)
        return deleted

    def ensure_concepts(self, uris: Iterable[str]) -> dict[str, int]:
        """Create any missing concepts and return their ids by URI."""
        uris = list(uris)
        for uri in uris:
            parse_concept_uri(uri)
        return ensure_concepts(self._session.connection(), uris)

    # Helpers ----------------------------------------------------------------

    def _edge_select(self) -> Select[Any]:
        return (
            select(
                Edge.id,
                Edge.uri,
                Relation.uri.label("relation"),
                _StartConcept.uri.label("start"),
                _EndConcept.uri.label("end"),
                Edge.weight,
                Edge.dataset,
                Edge.license,
                Edge.sources,
                Edge.surface_text,
            )
            .join(Relation, Relation.id == Edge.relation_id)
            .join(_StartConcept, _StartConcept.id == Edge.start_id)
            .join(_EndConcept, _EndConcept.id == Edge.end_id)
        )

    def _edges_touching(
        self, concept_ids: list[int], relation_id: int | None
    ) -> list[Any]:
        """Every edge at the given concepts, strongest first.

        Start and end sides are separate queries so that each uses its own
        index (an OR of two IN lists makes SQLite scan the whole table).
        """
        # Limitation: a frontier of hub concepts loads all of their edges
        # before the caps apply; fine for ConceptNet degrees (thousands), not
        # for graphs with million-edge hubs.
        rows: dict[int, Any] = {}
        for side in (Edge.start_id, Edge.end_id):
            for chunk in chunks(concept_ids, IN_CHUNK):
                query = self._edge_select().add_columns(
                    Edge.start_id,
                    Edge.end_id,
                    _StartConcept.label.label("start_label"),
                    _EndConcept.label.label("end_label"),
                )
                query = query.where(side.in_(chunk))
                if relation_id is not None:
                    query = query.where(Edge.relation_id == relation_id)
                rows.update((row.id, row) for row in self._session.execute(query))
        return sorted(rows.values(), key=lambda row: (-row.weight, -row.id))

    def _concept_id(self, uri: str) -> int:
        parse_concept_uri(uri)
        concept_id = self._session.scalar(select(Concept.id).where(Concept.uri == uri))
        if concept_id is None:
            raise ConceptNotFound(uri)
        return int(concept_id)

    def _relation_id(self, uri: str) -> int:
        parse_relation_uri(uri)
        relation_id = self._session.scalar(
            select(Relation.id).where(Relation.uri == uri)
        )
        if relation_id is None:
            raise RelationNotFound(uri)
        return int(relation_id)

    def _check_limit(self, limit: int) -> None:
        if limit < 1:
            raise InvalidQuery("limit", limit, "an integer >= 1")
        if limit > self._max_page_size:
            raise LimitExceeded("limit", limit, self._max_page_size)

    def _check_batch(self, size: int) -> None:
        if size > self._max_batch_size:
            raise LimitExceeded("batch size", size, self._max_batch_size)


def _edge_row(edge: EdgeInput) -> EdgeRow:
    parse_relation_uri(edge.relation)
    parse_concept_uri(edge.start)
    parse_concept_uri(edge.end)
    if not math.isfinite(edge.weight):
        raise InvalidQuery("weight", edge.weight, "a finite number")
    return EdgeRow(
        uri=edge_uri(edge.relation, edge.start, edge.end),
        relation=edge.relation,
        start=edge.start,
        end=edge.end,
        weight=float(edge.weight),
        dataset=edge.dataset,
        license=edge.license,
        sources=list(edge.sources),
        surface_text=edge.surface_text,
    )


def _edge_record(row: Any) -> EdgeRecord:
    return EdgeRecord(
        uri=row.uri,
        relation=row.relation,
        start=row.start,
        end=row.end,
        weight=row.weight,
        dataset=row.dataset,
        license=row.license,
        sources=row.sources,
        surface_text=row.surface_text,
    )
