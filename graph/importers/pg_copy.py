"""PostgreSQL bulk path: COPY a batch into staging tables, then upsert with SQL."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from graph.importers.parsing import concept_columns
from graph.records import WriteCounts
from graph.writer import EdgeRow, ensure_relations

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
CREATE TEMP TABLE IF NOT EXISTS staging_links (
    uri text, concept_uri text, url text, dataset text, license text,
    sources jsonb
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

_UPSERT_LINKS = """
WITH written AS (
    INSERT INTO external_links (uri, concept_id, url, dataset, license, sources)
    SELECT s.uri, c.id, s.url, s.dataset, s.license, s.sources
    FROM staging_links s
    JOIN concepts c ON c.uri = s.concept_uri
    ON CONFLICT (uri) DO UPDATE SET
        concept_id = EXCLUDED.concept_id, url = EXCLUDED.url,
        dataset = EXCLUDED.dataset, license = EXCLUDED.license,
        sources = EXCLUDED.sources
    WHERE (external_links.concept_id, external_links.url,
           external_links.dataset, external_links.license,
           external_links.sources)
          IS DISTINCT FROM
          (EXCLUDED.concept_id, EXCLUDED.url, EXCLUDED.dataset,
           EXCLUDED.license, EXCLUDED.sources)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FROM written
"""


class PostgresCopyWriter:
    """Writes edge and external-link batches through COPY and one upsert each.

    Relation ids are remembered for the writer's life (one import); there
    are a few dozen relations, so the cache stays small.
    """

    def __init__(self) -> None:
        self._relation_ids: dict[str, int] = {}

    def write(self, connection: Connection, rows: Sequence[EdgeRow]) -> WriteCounts:
        """Upsert ``rows`` inside the connection's open transaction."""
        began = time.perf_counter()
        latest = {row.uri: row for row in rows}
        edges = [row for row in latest.values() if row.url is None]
        links = [row for row in latest.values() if row.url is not None]
        counts = WriteCounts(duplicates=len(rows) - len(latest))
        self._remember_relations(connection, edges)
        cursor = _raw_cursor(connection)
        cursor.execute(_CREATE_STAGING)
        concept_uris = {row.start for row in latest.values()}
        concept_uris.update(row.end for row in edges)
        with cursor.copy(
            "COPY staging_concepts (uri, lang, label, pos, sense) FROM STDIN"
        ) as copy:
            for uri in sorted(concept_uris):
                columns = concept_columns(uri)
                copy.write_row(
                    (uri, columns.lang, columns.label, columns.pos, columns.sense)
                )
        cursor.execute(_UPSERT_CONCEPTS)
        copied = time.perf_counter()
        if edges:
            relation_ids = self._relation_ids
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
                            _sources_json(row),
                            row.surface_text,
                        )
                    )
            counts.add(_upsert(cursor, _UPSERT_EDGES, len(edges)))
        if links:
            with cursor.copy(
                "COPY staging_links (uri, concept_uri, url, dataset, license, "
                "sources) FROM STDIN"
            ) as copy:
                for row in links:
                    copy.write_row(
                        (
                            row.uri,
                            row.start,
                            row.url,
                            row.dataset,
                            row.license,
                            _sources_json(row),
                        )
                    )
            counts.add(_upsert(cursor, _UPSERT_LINKS, len(links)))
        logger.debug(
            "copy_batch rows=%d concepts=%d concepts_s=%.3f upsert_s=%.3f",
            len(rows),
            len(concept_uris),
            copied - began,
            time.perf_counter() - copied,
        )
        return counts

    def _remember_relations(
        self, connection: Connection, edges: Sequence[EdgeRow]
    ) -> None:
        missing = {row.relation for row in edges} - self._relation_ids.keys()
        if missing:
            self._relation_ids.update(ensure_relations(connection, missing))


def _sources_json(row: EdgeRow) -> str:
    return json.dumps(row.sources, ensure_ascii=False)


def _upsert(cursor: Any, statement: str, staged: int) -> WriteCounts:
    """Run an upsert that returns (inserted, written); the rest are unchanged."""
    cursor.execute(statement)
    inserted, written = cursor.fetchone()
    return WriteCounts(
        inserted=inserted, updated=written - inserted, unchanged=staged - written
    )


def _raw_cursor(connection: Connection) -> Any:
    """The psycopg cursor under a SQLAlchemy connection, for COPY."""
    return connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
