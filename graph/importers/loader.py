"""Stream parsed rows into the database in batches, one transaction per batch.

A bad row is counted and reported with its line number; it never aborts the
file. A batch is all-or-nothing, and every write is an upsert by edge URI,
so an interrupted import is resumed by running it again.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine
from tqdm import tqdm

from graph.importers.parsing import ParsedLine, row_languages
from graph.importers.pg_copy import PostgresCopyWriter
from graph.planner_stats import refresh_planner_statistics
from graph.records import WriteCounts
from graph.writer import EdgeRow, write_edges

logger = logging.getLogger(__name__)

# How many bad lines are kept with their reasons; all of them are counted.
MAX_REPORTED_BAD_LINES = 1000


@dataclass(frozen=True)
class BadLine:
    """A line that was not imported and why."""

    source: str
    line_number: int
    reason: str


@dataclass
class ImportReport:
    """What an import read, wrote, filtered out and rejected."""

    lines: int = 0
    written: WriteCounts = field(default_factory=WriteCounts)
    filtered: int = 0
    bad: int = 0
    bad_lines: list[BadLine] = field(default_factory=list)
    batches: int = 0

    def reject(self, source: str, line_number: int, reason: str) -> None:
        """Count a bad line and keep its reason while under the cap."""
        self.bad += 1
        if len(self.bad_lines) < MAX_REPORTED_BAD_LINES:
            self.bad_lines.append(BadLine(source, line_number, reason))
        logger.warning(
            "import_bad_line source=%s line=%d reason=%s", source, line_number, reason
        )


class BatchImporter:
    """Writes rows batch by batch, with COPY on PostgreSQL.

    Args:
        engine: the database to write to; its schema must be upgraded.
        batch_size: rows per transaction.
        lang: keep only rows whose concept ends all have this language.
        show_progress: draw a progress bar on stderr.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        batch_size: int = 20000,
        lang: str | None = None,
        show_progress: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self._engine = engine
        self._batch_size = batch_size
        self._lang = lang
        self._show_progress = show_progress
        self._copy_writer = (
            PostgresCopyWriter() if engine.dialect.name == "postgresql" else None
        )

    def run(self, source: str, lines: Iterable[ParsedLine]) -> ImportReport:
        """Import every parsed line of one source (a file name, for reports)."""
        report = ImportReport()
        with tqdm(
            desc=source, unit=" lines", disable=not self._show_progress, leave=False
        ) as progress:
            batches = self._batches(source, lines, report)
            if self._copy_writer is None:
                for batch in batches:
                    self._write_batch(batch, report)
                    progress.update(len(batch))
            else:
                self._write_overlapped(batches, report, progress)
        if report.written.inserted or report.written.updated:
            refresh_planner_statistics(self._engine)
        logger.info(
            "import_done source=%s lines=%d inserted=%d updated=%d unchanged=%d "
            "filtered=%d bad=%d",
            source,
            report.lines,
            report.written.inserted,
            report.written.updated,
            report.written.unchanged,
            report.filtered,
            report.bad,
        )
        return report

    def _batches(
        self, source: str, lines: Iterable[ParsedLine], report: ImportReport
    ) -> Iterator[list[EdgeRow]]:
        batch: list[EdgeRow] = []
        for parsed in lines:
            report.lines += 1
            if parsed.row is None:
                report.reject(source, parsed.line_number, parsed.error or "unknown")
                continue
            if self._lang is not None and row_languages(parsed.row) != {self._lang}:
                report.filtered += 1
                continue
            batch.append(parsed.row)
            if len(batch) >= self._batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _write_overlapped(
        self, batches: Iterator[list[EdgeRow]], report: ImportReport, progress: tqdm
    ) -> None:
        """Parse the next batch while a writer thread sends the previous one.

        psycopg releases the GIL while it waits for PostgreSQL, so parsing
        and the server's work run on two cores. At most one parsed batch
        waits in the queue, so memory stays flat however long the file is.
        The parser only touches the report's line counts and the writer
        only its write counts, so they never update the same field.
        """
        pending: queue.Queue[list[EdgeRow] | None] = queue.Queue(maxsize=1)
        failures: list[BaseException] = []

        def drain() -> None:
            try:
                while (batch := pending.get()) is not None:
                    self._write_batch(batch, report)
                    progress.update(len(batch))
            except BaseException as error:  # re-raised in the parsing thread
                failures.append(error)
                while pending.get() is not None:
                    pass

        writer = threading.Thread(target=drain, name="import-writer", daemon=True)
        writer.start()
        try:
            for batch in batches:
                if failures:
                    break
                pending.put(batch)
        finally:
            pending.put(None)
            writer.join()
        if failures:
            raise failures[0]

    def _write_batch(self, batch: list[EdgeRow], report: ImportReport) -> None:
        with self._engine.begin() as connection:
            if self._copy_writer is not None:
                counts = self._copy_writer.write(connection, batch)
            else:
                counts = write_edges(connection, batch)
        report.written.add(counts)
        report.batches += 1
        logger.debug(
            "import_batch rows=%d inserted=%d updated=%d",
            len(batch),
            counts.inserted,
            counts.updated,
        )
