"""PostgreSQL bulk path: COPY a batch into staging tables, then upsert with SQL."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from graph.records import WriteCounts
from graph.writer import EdgeRow, concept_values, ensure_relations, write_edges

logger = logging.getLogger(__name__)

# Temporary tables live for the connection and are emptied at each commit.
_CREATE_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS staging_concepts (
    uri text, lang text, label text, pos text, sense text
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS staging_edges (
    uri text, relation_id integer, start_uri text, end_uri text,
    weight double precision, dataset text, license text, sources jsonb,
    surface_text text
) ON COMMIT DELETE ROWS;
"""

_UPSERT_CONCEPTS = """
INSERT INTO concepts (uri, lang, label, pos, sense)
SELECT uri, lang, label, pos, sense FROM staging_concepts
ON CONFLICT (uri) DO NOTHING
"""

# Rows whose values are all unchanged are skipped by the WHERE clause, so a
# re-import rewrites nothing; xmax = 0 marks a freshly inserted row.
_UPSERT_EDGES = """
WITH written AS (
    INSERT INTO edges (uri, relation_id, start_id, end_id, weight, dataset,
                       license, sources, surface_text)
    SELECT s.uri, s.relation_id, a.id, b.id, s.weight, s.dataset, s.license,
           s.sources, s.surface_text
    FROM staging_edges s
    JOIN concepts a ON a.uri = s.start_uri
    JOIN concepts b ON b.uri = s.end_uri
    ON CONFLICT (uri) DO UPDATE SET
        relation_id = EXCLUDED.relation_id, start_id = EXCLUDED.start_id,
        end_id = EXCLUDED.end_id, weight = EXCLUDED.weight,
        dataset = EXCLUDED.dataset, license = EXCLUDED.license,
        sources = EXCLUDED.sources, surface_text = EXCLUDED.surface_text
    WHERE (edges.weight, edges.dataset, edges.license, edges.sources,
           edges.surface_text)
          IS DISTINCT FROM
          (EXCLUDED.weight, EXCLUDED.dataset, EXCLUDED.license,
           EXCLUDED.sources, EXCLUDED.surface_text)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FROM written
"""


class PostgresCopyWriter:
    """Writes edge batches to PostgreSQL through COPY and one upsert each.

    External links are few, so they go through the generic writer.
    """

    def write(self, connection: Connection, rows: Sequence[EdgeRow]) -> WriteCounts:
        """Upsert ``rows`` inside the connection's open transaction."""
        latest = {row.uri: row for row in rows}
        edges = [row for row in latest.values() if row.url is None]
        links = [row for row in latest.values() if row.url is not None]
        counts = write_edges(connection, links) if links else WriteCounts()
        counts.duplicates += len(rows) - len(latest)
        if not edges:
            return counts
        relation_ids = ensure_relations(connection, (row.relation for row in edges))
        concept_uris = sorted({uri for row in edges for uri in (row.start, row.end)})
        cursor = _raw_cursor(connection)
        cursor.execute(_CREATE_STAGING)
        with cursor.copy(
            "COPY staging_concepts (uri, lang, label, pos, sense) FROM STDIN"
        ) as copy:
            for uri in concept_uris:
                values = concept_values(uri)
                copy.write_row(
                    (uri, values["lang"], values["label"], values["pos"], values["sense"])
                )
        cursor.execute(_UPSERT_CONCEPTS)
        with cursor.copy(
            "COPY staging_edges (uri, relation_id, start_uri, end_uri, weight, "
            "dataset, license, sources, surface_text) FROM STDIN"
        ) as copy:
            for row in edges:
                copy.write_row(
                    (
                        row.uri,
                        relation_ids[row.relation],
                        row.start,
                        row.end,
                        row.weight,
                        row.dataset,
                        row.license,
                        json.dumps(row.sources, ensure_ascii=False),
                        row.surface_text,
                    )
                )
        cursor.execute(_UPSERT_EDGES)
        inserted, written = cursor.fetchone()
        counts.add(
            WriteCounts(
                inserted=inserted,
                updated=written - inserted,
                unchanged=len(edges) - written,
            )
        )
        return counts


def _raw_cursor(connection: Connection) -> Any:
    """The psycopg cursor under a SQLAlchemy connection, for COPY."""
    return connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
