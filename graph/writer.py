"""Batched, idempotent writes of concepts and edges, shared by store and importers.

Each batch is upserted by URI: new rows are inserted, rows whose fields
differ are updated, identical rows are left untouched, so writing the same
batch twice changes nothing. The caller owns the transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from graph.models import Concept, Edge, ExternalLink, Relation
from graph.records import WriteCounts
from graph.uri import is_symmetric, parse_concept_uri

logger = logging.getLogger(__name__)

# SQLite allows 32,766 bound parameters per statement; lookups by URI are
# chunked well below that.
_LOOKUP_CHUNK = 5000


@dataclass(frozen=True)
class EdgeRow:
    """A validated edge ready to write; ``url`` is set for external links."""

    uri: str
    relation: str
    start: str
    end: str
    weight: float
    dataset: str
    license: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    surface_text: str | None = None
    url: str | None = None


def insert_for(connection: Connection) -> Any:
    """Return the dialect's INSERT construct, which supports ON CONFLICT."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def ensure_relations(connection: Connection, uris: Iterable[str]) -> dict[str, int]:
    """Insert missing relations and return the id of every URI given."""
    wanted = sorted(set(uris))
    if not wanted:
        return {}
    insert = insert_for(connection)
    connection.execute(
        insert(Relation).on_conflict_do_nothing(index_elements=["uri"]),
        [{"uri": uri, "symmetric": is_symmetric(uri)} for uri in wanted],
    )
    rows = connection.execute(
        select(Relation.uri, Relation.id).where(Relation.uri.in_(wanted))
    )
    return {uri: rid for uri, rid in rows}


def ensure_concepts(connection: Connection, uris: Iterable[str]) -> dict[str, int]:
    """Insert missing concepts (label from the URI) and return every URI's id."""
    wanted = sorted(set(uris))
    ids: dict[str, int] = {}
    insert = insert_for(connection)
    for chunk in chunks(wanted, _LOOKUP_CHUNK):
        connection.execute(
            insert(Concept).on_conflict_do_nothing(index_elements=["uri"]),
            [concept_values(uri) for uri in chunk],
        )
        rows = connection.execute(
            select(Concept.uri, Concept.id).where(Concept.uri.in_(chunk))
        )
        ids.update({uri: cid for uri, cid in rows})
    return ids


def concept_values(uri: str, label: str | None = None) -> dict[str, Any]:
    """Column values of the concept row for ``uri``."""
    parts = parse_concept_uri(uri)
    return {
        "uri": uri,
        "lang": parts.lang,
        "label": label or parts.label,
        "pos": parts.pos,
        "sense": parts.sense,
    }


def write_edges(connection: Connection, rows: Sequence[EdgeRow]) -> WriteCounts:
    """Upsert edges and external links by URI; the last row of a URI wins.

    Args:
        connection: a connection inside the caller's transaction.
        rows: validated rows; concepts and relations they name are created.

    Returns:
        How many rows were inserted, updated and left unchanged.
    """
    latest = {row.uri: row for row in rows}
    edges = [row for row in latest.values() if row.url is None]
    links = [row for row in latest.values() if row.url is not None]
    relation_ids = ensure_relations(connection, (row.relation for row in edges))
    concept_ids = ensure_concepts(
        connection,
        [uri for row in edges for uri in (row.start, row.end)]
        + [row.start for row in links],
    )
    counts = WriteCounts(duplicates=len(rows) - len(latest))
    edge_values = [
        {
            "uri": row.uri,
            "relation_id": relation_ids[row.relation],
            "start_id": concept_ids[row.start],
            "end_id": concept_ids[row.end],
            "weight": row.weight,
            "dataset": row.dataset,
            "license": row.license,
            "sources": row.sources,
            "surface_text": row.surface_text,
        }
        for row in edges
    ]
    counts.add(_upsert_by_uri(connection, Edge, edge_values))
    link_values = [
        {
            "uri": row.uri,
            "concept_id": concept_ids[row.start],
            "url": row.url,
            "dataset": row.dataset,
            "license": row.license,
            "sources": row.sources,
        }
        for row in links
    ]
    counts.add(_upsert_by_uri(connection, ExternalLink, link_values))
    return counts


def _upsert_by_uri(
    connection: Connection,
    table: type[Edge] | type[ExternalLink],
    values: list[dict[str, Any]],
) -> WriteCounts:
    """Insert new URIs, update changed ones, count the identical ones."""
    counts = WriteCounts()
    if not values:
        return counts
    columns = [name for name in values[0] if name != "uri"]
    existing: dict[str, tuple[Any, ...]] = {}
    for chunk in chunks([v["uri"] for v in values], _LOOKUP_CHUNK):
        selected = [table.uri, table.id] + [getattr(table, c) for c in columns]
        for row in connection.execute(select(*selected).where(table.uri.in_(chunk))):
            existing[row[0]] = tuple(row[1:])
    new_rows = [v for v in values if v["uri"] not in existing]
    changed = []
    for v in values:
        stored = existing.get(v["uri"])
        if stored is None:
            continue
        if tuple(v[c] for c in columns) == stored[1:]:
            counts.unchanged += 1
        else:
            changed.append({**v, "row_id": stored[0]})
    if new_rows:
        connection.execute(insert_for(connection)(table), new_rows)
    if changed:
        statement = (
            update(table)
            .where(table.id == bindparam("row_id"))
            .values({c: bindparam(f"new_{c}") for c in columns})
        )
        connection.execute(
            statement,
            [
                {"row_id": row["row_id"], **{f"new_{c}": row[c] for c in columns}}
                for row in changed
            ],
        )
    counts.inserted += len(new_rows)
    counts.updated += len(changed)
    return counts


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    """Yield consecutive slices of ``items`` of at most ``size`` elements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
