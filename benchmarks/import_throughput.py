"""Benchmark: ConceptNet import into PostgreSQL against a bare COPY of the same rows.

Usage::

    .venv/bin/python benchmarks/import_throughput.py --edges 1000000

A file in the ConceptNet 5 release format (gzip, sorted by edge URI) is built
from the vocabulary of the real sample in ../shared/data: its concept URIs,
relations, datasets, licenses, sources and surface-text patterns, plus the
CN-100K node names. Concepts grow with the file (about one per four edges)
and every edge URI is distinct.

For a file of N/4 edges and one of N edges, a child process creates a
throwaway database, upgrades it, runs ``import_conceptnet`` on it (as the
product does, all indexes in place), records its wall time, CPU time, the
CPU time of its PostgreSQL backends and its peak RSS, and then, in the same
process, times a bare COPY of the file's five columns (read and split per
line) into an unindexed table of text columns. Logs go to stderr; the last
line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import multiprocessing
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from graph import migrate  # noqa: E402
from graph.db import create_db_engine  # noqa: E402
from graph.importers import import_conceptnet  # noqa: E402
from graph.uri import standardize_text  # noqa: E402

logger = logging.getLogger("benchmarks.import_throughput")

SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLE_DIR = SHARED_DATA / "conceptnet5-format-sample"
CN100K_NAMES = SHARED_DATA / "conceptnet-cn100k" / "cn100k" / "node_names.txt"
DEFAULT_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
EDGES_PER_CONCEPT = 4
_SURFACE_SLOT = re.compile(r"\[\[[^\]]*\]\]")


@dataclass(frozen=True)
class Template:
    """One real sample row: its relation and JSON info, ends to be replaced."""

    relation: str
    info: dict[str, Any]
    url_prefix: str | None


@dataclass(frozen=True)
class Vocabulary:
    """What generated rows are recombined from."""

    templates: list[Template]
    terms: list[tuple[str, str]]
    suffixes: list[str]


def load_vocabulary() -> Vocabulary:
    """Read the sample's rows, concept terms and suffixes, and CN-100K's names."""
    templates: list[Template] = []
    terms: dict[tuple[str, str], None] = {}
    suffixes: list[str] = []
    for path in sorted(SAMPLE_DIR.glob("*.csv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            _uri, relation, start, end, info_text = line.split("\t")
            url_prefix = None
            if relation == "/r/ExternalURL":
                url_prefix = end[: end.rstrip("/").rfind("/") + 1]
            templates.append(Template(relation, json.loads(info_text), url_prefix))
            for concept in (start, end):
                if not concept.startswith("/c/"):
                    continue
                lang, term, *rest = concept[3:].split("/")
                terms[(lang, term)] = None
                suffixes.append("/" + "/".join(rest) if rest else "")
    for name in CN100K_NAMES.read_text(encoding="utf-8").splitlines():
        term = standardize_text(name)
        if term:
            terms[("en", term)] = None
    return Vocabulary(templates, list(terms), suffixes)


def concept_pool(vocab: Vocabulary, size: int, rng: random.Random) -> list[str]:
    """``size`` distinct concept URIs: real terms first, then pairs of them."""
    pool: dict[str, None] = {}
    for lang, term in vocab.terms:
        if len(pool) >= size:
            break
        pool[f"/c/{lang}/{term}{rng.choice(vocab.suffixes)}"] = None
    while len(pool) < size:
        lang, first = rng.choice(vocab.terms)
        _, second = rng.choice(vocab.terms)
        pool[f"/c/{lang}/{first}_{second}{rng.choice(vocab.suffixes)}"] = None
    return list(pool)


def _label(concept: str) -> str:
    return concept.split("/")[3].replace("_", " ")


def _edge_line(
    template: Template, start: str, end: str, url: str | None
) -> tuple[str, str]:
    info = dict(template.info)
    if "surfaceText" in info:
        slots = iter(("[[" + _label(start) + "]]", "[[" + _label(end) + "]]"))
        info["surfaceText"] = _SURFACE_SLOT.sub(
            lambda _m: next(slots, "[[]]"), info["surfaceText"]
        )
    if "surfaceStart" in info:
        info["surfaceStart"] = _label(start)
        info["surfaceEnd"] = _label(end)
    end_column = url if url is not None else end
    uri = f"/a/[{template.relation}/,{start}/,{'/' if url else ''}{end_column}/]"
    columns = (
        uri,
        template.relation,
        start,
        end_column,
        json.dumps(info, ensure_ascii=False, sort_keys=True),
    )
    return uri, "\t".join(columns)


def generate_file(path: Path, edges: int, seed: int) -> int:
    """Write ``edges`` distinct edges to ``path`` (gzip, sorted by edge URI).

    Returns:
        The number of concepts the edges were drawn from.
    """
    rng = random.Random(seed)
    vocab = load_vocabulary()
    concepts = max(edges // EDGES_PER_CONCEPT, 2)
    pool = concept_pool(vocab, concepts, rng)
    seen: set[str] = set()
    plain = path.with_suffix(".unsorted")
    with plain.open("w", encoding="utf-8") as out:
        while len(seen) < edges:
            template = rng.choice(vocab.templates)
            start = rng.choice(pool)
            url = None
            end = rng.choice(pool)
            if template.url_prefix is not None:
                url = template.url_prefix + start.split("/")[3]
            uri, line = _edge_line(template, start, end, url)
            if uri in seen or end == start:
                continue
            seen.add(uri)
            out.write(line + "\n")
    sort = subprocess.Popen(
        ["sort", "-S", "25%", "-T", str(path.parent), str(plain)],
        stdout=subprocess.PIPE,
        env={**os.environ, "LC_ALL": "C"},
    )
    sorted_lines = sort.stdout
    assert sorted_lines is not None
    with gzip.open(path, "wb", compresslevel=1) as out_gz:
        while chunk := sorted_lines.read(1 << 20):
            out_gz.write(chunk)
    if sort.wait() != 0:
        raise RuntimeError(f"sort failed with exit code {sort.returncode}")
    plain.unlink()
    return concepts


def _backend_cpu_seconds(connection: Any) -> float:
    """CPU seconds used so far by the PostgreSQL backends of this database."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = connection.execute(
        text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
    ).scalars()
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _bare_copy(url: str, path: Path) -> tuple[int, float]:
    """COPY the file's five columns into an unindexed text table; rows and secs."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(conninfo) as connection:
        connection.execute(
            "CREATE TABLE bare_copy (uri text, relation text, start_uri text, "
            "end_uri text, info text)"
        )
        connection.commit()
        began = time.perf_counter()
        rows = 0
        with connection.cursor() as cursor:
            with cursor.copy("COPY bare_copy FROM STDIN") as copy:
                with gzip.open(path, "rt", encoding="utf-8") as handle:
                    for line in handle:
                        copy.write_row(line.rstrip("\n").split("\t"))
                        rows += 1
        connection.commit()
        return rows, time.perf_counter() - began


def measure(server_url: str, path: Path, batch_size: int, result: Pipe) -> None:
    """Import ``path`` into a fresh database, then bare-COPY it; send figures."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"conceptkg_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_db_engine(url)
        migrate.upgrade(engine)
        rss_before = _rss_mb()
        Path("/proc/self/clear_refs").write_text("5")
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        began = time.perf_counter()
        report = import_conceptnet(engine, path, batch_size=batch_size)
        elapsed = time.perf_counter() - began
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        peak = _vm_hwm_mb()
        with engine.connect() as connection:
            pg_cpu = _backend_cpu_seconds(connection)
            stored = connection.execute(text("SELECT count(*) FROM edges")).scalar()
            links = connection.execute(
                text("SELECT count(*) FROM external_links")
            ).scalar()
            concepts = connection.execute(
                text("SELECT count(*) FROM concepts")
            ).scalar()
        engine.dispose()
        copy_rows, copy_seconds = _bare_copy(url, path)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    python_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    result.send(
        {
            "lines": report.lines,
            "bad": report.bad,
            "inserted": report.written.inserted,
            "stored_edges": stored,
            "stored_links": links,
            "stored_concepts": concepts,
            "seconds": elapsed,
            "python_cpu_s": python_cpu,
            "postgres_cpu_s": pg_cpu,
            "rss_before_mb": rss_before,
            "peak_rss_mb": peak,
            "copy_rows": copy_rows,
            "copy_seconds": copy_seconds,
        }
    )


def run_child(server_url: str, path: Path, batch_size: int) -> dict[str, Any]:
    """Run :func:`measure` in a fresh process, so its peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=measure, args=(server_url, path, batch_size, sender)
    )
    process.start()
    sender.close()
    try:
        figures: dict[str, Any] = receiver.recv()
    except EOFError as error:
        raise RuntimeError(f"measurement of {path} failed; see stderr") from error
    process.join()
    return figures


def summarize(figures: dict[str, Any]) -> dict[str, Any]:
    """Rates of one measurement."""
    edges_per_s = figures["lines"] / figures["seconds"]
    copy_rows_per_s = figures["copy_rows"] / figures["copy_seconds"]
    return {
        "edges": figures["lines"],
        "edges_per_s": round(edges_per_s),
        "copy_rows_per_s": round(copy_rows_per_s),
        "ratio": round(edges_per_s / copy_rows_per_s, 3),
        "seconds": round(figures["seconds"], 1),
        "python_cpu_s": round(figures["python_cpu_s"], 1),
        "postgres_cpu_s": round(figures["postgres_cpu_s"], 1),
        "peak_rss_mb": round(figures["peak_rss_mb"], 1),
        "rss_before_mb": round(figures["rss_before_mb"], 1),
    }


def _files(edges: int) -> Iterator[int]:
    yield max(edges // 4, 1)
    yield edges


def main(argv: list[str] | None = None) -> int:
    """Generate the files, measure both sizes and print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER_URL,
        help="server (any database on it) where throwaway databases are made",
    )
    parser.add_argument("--batch-size", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s"
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="conceptkg-bench-") as folder:
        for edges in _files(args.edges):
            path = Path(folder) / f"assertions-{edges}.csv.gz"
            began = time.perf_counter()
            concepts = generate_file(path, edges, args.seed)
            logger.info(
                "bench_file_generated edges=%d concepts=%d bytes=%d seconds=%.1f",
                edges,
                concepts,
                path.stat().st_size,
                time.perf_counter() - began,
            )
            figures = run_child(args.database_url, path, args.batch_size)
            logger.info("bench_measured edges=%d figures=%s", edges, figures)
            stored = figures["stored_edges"] + figures["stored_links"]
            if figures["bad"] or figures["lines"] != edges or stored != edges:
                raise RuntimeError(f"import of {path} lost rows: {figures}")
            results.append(summarize(figures))
    small, large = results
    line = {
        **large,
        "batch_size": args.batch_size,
        "stored_concepts": figures["stored_concepts"],
        "small_file": small,
        "peak_rss_growth": round(large["peak_rss_mb"] / small["peak_rss_mb"], 3),
    }
    print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
