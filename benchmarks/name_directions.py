"""Benchmark: NameDirections through gRPC against raw FAISS search of the same vectors.

Usage::

    .venv/bin/python benchmarks/name_directions.py --concepts 120000 --queries 100000

A SQLite file database in a temporary folder is upgraded and filled with
concepts: the CN-100K node names as ``/c/en/`` URIs, then pairs of those names
until ``--concepts`` is reached. Each concept gets a random unit vector (the
benchmark measures the search and naming plumbing, not the meaning of the
vectors; encoding 100k texts with MiniLM would take minutes on two cores), and a
flat (exact) ConceptIndex is built over them. A real server is started in this
process on a free loopback port with a ConceptSearcher over that index.

Then, round by round (``--round-size`` queries each, so that load from other
jobs hits both alike):

1. raw FAISS: ``ConceptIndex.search`` of the round in batches of ``--batch-size``;
2. service: the same directions through ``ConceptKGClient.stream_name_directions``
   (one stream per round, batches of ``--batch-size``), every response counted;
3. on the first round only, ``ConceptSearcher.search`` of the same batches
   (normalisation and ranking into hits, no gRPC or database).

Last, ``--single`` one-vector ``NameDirections`` calls, each after a raw
one-vector search of the same direction; latency per call.

``--bf16-pass`` applies the server's ``index_bf16_pass`` setting (default
``auto``: on where the CPU multiplies bfloat16 natively) to the flat index, so
raw search, searcher and service all go through the bfloat16 first pass; each
round is then also searched by an exact copy of the index without it
(``exact_faiss_vectors_per_s``, ``bf16_speedup``), and the first round's hits
of both are compared (``bf16_same_hits``).

``overhead_ratio = faiss_vectors_per_s / service_vectors_per_s``. Client and
server share this process (and its GIL) and the machine's cores. Logs go to
stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from embeddings.encoders import TextEncoder  # noqa: E402
from embeddings.index import ConceptIndex  # noqa: E402
from embeddings.search import ConceptSearcher  # noqa: E402
from graph import migrate  # noqa: E402
from graph.db import create_db_engine  # noqa: E402
from graph.errors import InvalidURI  # noqa: E402
from graph.uri import concept_uri_from_text  # noqa: E402
from graph.writer import ensure_concepts  # noqa: E402
from service.client import ConceptKGClient  # noqa: E402
from service.index_loader import apply_bf16_pass  # noqa: E402
from service.server import create_server  # noqa: E402
from service.settings import Settings  # noqa: E402

logger = logging.getLogger("benchmarks.name_directions")

CN100K_NAMES = (
    REPO.parent / "shared" / "data" / "conceptnet-cn100k" / "cn100k" / "node_names.txt"
)
DIM = 384


def concept_uris(count: int, seed: int) -> list[str]:
    """``count`` distinct English concept URIs: CN-100K names, then name pairs."""
    names = CN100K_NAMES.read_text(encoding="utf-8").splitlines()
    uris: dict[str, None] = {}
    for name in names:
        if len(uris) >= count:
            break
        try:
            uris[concept_uri_from_text(name)] = None
        except InvalidURI:
            continue
    rng = random.Random(seed)
    while len(uris) < count:
        pair = f"{rng.choice(names)} {rng.choice(names)}"
        try:
            uris[concept_uri_from_text(pair)] = None
        except InvalidURI:
            continue
    return list(uris)


def unit_rows(rng: np.random.Generator, count: int) -> np.ndarray:
    """Random unit vectors, float32, shape (count, DIM)."""
    rows = rng.standard_normal((count, DIM), dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def batches(matrix: np.ndarray, size: int) -> Iterator[np.ndarray]:
    """Consecutive row blocks of at most ``size`` rows."""
    for start in range(0, len(matrix), size):
        yield matrix[start : start + size]


def time_raw(index: ConceptIndex, queries: np.ndarray, k: int, size: int) -> float:
    """Seconds for ``index.search`` of every batch."""
    began = time.perf_counter()
    for block in batches(queries, size):
        index.search(block, k)
    return time.perf_counter() - began


def time_searcher(
    searcher: ConceptSearcher, queries: np.ndarray, k: int, size: int
) -> float:
    """Seconds for ``searcher.search`` of every batch (hits, no gRPC, no names)."""
    began = time.perf_counter()
    for block in batches(queries, size):
        searcher.search(block, k)
    return time.perf_counter() - began


def same_hits(
    index: ConceptIndex, exact_index: ConceptIndex, queries: np.ndarray, k: int
) -> float:
    """Share of queries whose k hits are the same ids in the same order."""
    found = index.search(queries, k).ids
    expected = exact_index.search(queries, k).ids
    return float((found == expected).all(axis=1).mean())


def time_service(
    client: ConceptKGClient, queries: np.ndarray, k: int, size: int
) -> tuple[float, int, int]:
    """Seconds, directions answered and concepts named by one streaming call.

    Rows go to the client as Python float lists, converted lazily inside the
    timed region (the client calls ``list()`` on each row, which for a NumPy
    row would make one NumPy scalar per value).
    """
    began = time.perf_counter()
    rows = (row for block in batches(queries, size) for row in block.tolist())
    answered = named = 0
    for names in client.stream_name_directions(rows, k=k, batch_size=size):
        answered += 1
        named += len(names.concepts)
    return time.perf_counter() - began, answered, named


def time_batch_mode(
    client: ConceptKGClient,
    searcher: ConceptSearcher,
    queries: np.ndarray,
    args: argparse.Namespace,
    exact_index: ConceptIndex | None,
) -> dict[str, float]:
    """Raw FAISS and the streaming RPC, alternating round by round.

    Other jobs share the machine, so the two are interleaved: each round of
    ``--round-size`` queries is searched raw, then streamed through the
    service, and the seconds are summed. The searcher alone is timed on the
    first round only, to split the service's extra time. With the bfloat16
    first pass, each round is also searched by ``exact_index`` (the same
    vectors without the pass), and the first round's hits are compared.
    """
    k, size = args.k, args.batch_size
    totals = {"raw": 0.0, "service": 0.0, "searcher": 0.0, "searcher_queries": 0.0}
    totals.update(exact=0.0, same_hits=0.0)
    for number, start in enumerate(range(0, len(queries), args.round_size)):
        block = queries[start : start + args.round_size]
        if exact_index is not None:
            totals["exact"] += time_raw(exact_index, block, k, size)
            if number == 0:
                totals["same_hits"] = same_hits(searcher.index, exact_index, block, k)
        raw_s = time_raw(searcher.index, block, k, size)
        service_s, answered, named = time_service(client, block, k, size)
        if answered != len(block) or named != len(block) * k:
            raise RuntimeError(
                f"service answered {answered} directions with {named} names, "
                f"expected {len(block)} with {len(block) * k}"
            )
        if number == 0:
            totals["searcher"] = time_searcher(searcher, block, k, size)
            totals["searcher_queries"] = len(block)
        totals["raw"] += raw_s
        totals["service"] += service_s
        logger.info(
            "bench_round number=%d queries=%d raw_s=%.2f service_s=%.2f",
            number,
            len(block),
            raw_s,
            service_s,
        )
    return totals


def time_single(
    client: ConceptKGClient, index: ConceptIndex, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Milliseconds of one-vector NameDirections calls and of raw searches.

    Each query is searched raw, then named through the service.
    """
    service = np.empty(len(queries))
    raw = np.empty(len(queries))
    for position, row in enumerate(queries.tolist()):
        began = time.perf_counter()
        index.search(queries[position : position + 1], k)
        raw[position] = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        names = client.name_directions([row], k=k)
        service[position] = (time.perf_counter() - began) * 1000
        if len(names[0].concepts) != k:
            raise RuntimeError(f"single call {position} named {len(names[0].concepts)}")
    return service, raw


def _ms(values: np.ndarray, percentile: float) -> float:
    return round(float(np.percentile(values, percentile)), 3)


def fill_database(url: str, count: int, seed: int) -> np.ndarray:
    """Upgrade the database, insert ``count`` concepts and return their ids."""
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    uris = concept_uris(count, seed)
    with engine.begin() as connection:
        ids = ensure_concepts(connection, uris)
    engine.dispose()
    if len(ids) != count:
        raise RuntimeError(f"expected {count} concepts, the database holds {len(ids)}")
    return np.fromiter(ids.values(), dtype=np.int64, count=count)


def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Set up database, index and server, then measure; returns the figures."""
    rng = np.random.default_rng(args.seed)
    url = f"sqlite:///{folder / 'bench.db'}"
    began = time.perf_counter()
    ids = fill_database(url, args.concepts, args.seed)
    logger.info(
        "bench_db_filled concepts=%d seconds=%.1f",
        len(ids),
        time.perf_counter() - began,
    )
    began = time.perf_counter()
    vectors = unit_rows(rng, len(ids))
    index = ConceptIndex.build(
        ids, vectors, embedding_set="bench/1", kind=args.index_kind
    )
    build_s = time.perf_counter() - began
    exact_index = None
    if apply_bf16_pass(args.bf16_pass, index):
        exact_index = ConceptIndex.build(ids, vectors, embedding_set="bench/1")
    searcher = ConceptSearcher(index, TextEncoder())
    queries = unit_rows(rng, args.queries)
    engine = create_db_engine(url)
    settings = Settings(
        host="127.0.0.1",
        port=0,
        data_dir=folder,
        max_name_batch=max(args.batch_size, 1),
        max_k=max(args.k, 1),
    )
    running = create_server(settings, engine, searcher)
    client = ConceptKGClient(f"127.0.0.1:{running.port}", timeout_s=3600)
    try:
        client.wait_ready()
        totals = time_batch_mode(client, searcher, queries, args, exact_index)
        single_queries = queries[: args.single]
        client.name_directions(single_queries[:1].tolist(), k=args.k)
        single, single_raw = time_single(client, index, single_queries, args.k)
    finally:
        client.close()
        running.stop(0)
        engine.dispose()

    faiss_rate = len(queries) / totals["raw"]
    service_rate = len(queries) / totals["service"]
    first_pass = index.bf16_pass
    bf16: dict[str, Any] = {"bf16_pass": first_pass is not None}
    if first_pass is not None:
        bf16.update(
            exact_faiss_vectors_per_s=round(len(queries) / totals["exact"]),
            bf16_speedup=round(totals["exact"] / totals["raw"], 2),
            bf16_same_hits=round(totals["same_hits"], 4),
            bf16_searched_again=round(first_pass.rechecked / first_pass.searched, 4),
        )
    return {
        "concepts": len(ids),
        "queries": len(queries),
        "dim": DIM,
        "k": args.k,
        "batch_size": args.batch_size,
        "index_kind": index.kind,
        "index_build_s": round(build_s, 1),
        "service_vectors_per_s": round(service_rate),
        "faiss_vectors_per_s": round(faiss_rate),
        "overhead_ratio": round(faiss_rate / service_rate, 3),
        "searcher_vectors_per_s": round(
            totals["searcher_queries"] / totals["searcher"]
        ),
        "service_seconds": round(totals["service"], 2),
        "faiss_seconds": round(totals["raw"], 2),
        "single_calls": len(single),
        "single_p50_ms": _ms(single, 50),
        "single_p99_ms": _ms(single, 99),
        "single_max_ms": round(float(single.max()), 3),
        "single_faiss_p50_ms": _ms(single_raw, 50),
        "single_faiss_p99_ms": _ms(single_raw, 99),
        **bf16,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run the measurement and print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concepts", type=int, default=120_000)
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--round-size", type=int, default=10_240)
    parser.add_argument("--single", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--index-kind", choices=["flat", "hnsw", "ivf"], default="flat")
    parser.add_argument(
        "--bf16-pass",
        choices=["auto", "on", "off"],
        default="auto",
        help="the server's index_bf16_pass setting, for the flat index",
    )
    args = parser.parse_args(argv)
    flags = ("concepts", "queries", "batch_size", "round_size", "k", "single")
    for flag in flags:
        if getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be >= 1")
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s"
    )
    with tempfile.TemporaryDirectory(prefix="conceptkg-bench-") as folder:
        line = run(args, Path(folder))
    print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
