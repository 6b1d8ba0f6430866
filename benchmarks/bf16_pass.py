"""Flat-index search with and without the bfloat16 first pass, in one process.

Usage::

    .venv/bin/python benchmarks/bf16_pass.py                       # random vectors
    .venv/bin/python benchmarks/bf16_pass.py --database var/conceptkg.db

Two flat ConceptIndexes hold the same vectors (``--count`` random unit
vectors of width 384, or the newest ``text`` set of a SQLite database); one
gets the bfloat16 first pass (``embeddings/bf16_pass.py``). Random unit
queries are searched by both, one index after the other, for each batch size and
filter: none, or a random share of the concept ids as ``allowed_ids``.
Reported per case: the median milliseconds per search of each, their ratio
(``speedup``), and the share of queries whose hits are the same ids in the
same order. Last line of stdout: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from embeddings.bf16_pass import bf16_is_native  # noqa: E402
from embeddings.index import ConceptIndex  # noqa: E402
from embeddings.sets import EmbeddingSetStore  # noqa: E402
from graph.db import create_db_engine, create_session_factory  # noqa: E402

logger = logging.getLogger("benchmarks.bf16_pass")
DIM = 384


def unit_rows(rng: np.random.Generator, count: int, dim: int) -> np.ndarray:
    """Random unit vectors, float32."""
    rows = rng.standard_normal((count, dim), dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def indexed_vectors(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """Ids and vectors of the ``--database``'s text set, or ``--count`` random."""
    if args.database is None:
        rng = np.random.default_rng(args.seed)
        return np.arange(args.count, dtype=np.int64), unit_rows(rng, args.count, DIM)
    engine = create_db_engine(f"sqlite:///{args.database}")
    try:
        with create_session_factory(engine)() as session:
            sets = EmbeddingSetStore(session)
            return sets.load_vectors(sets.latest("text").id)
    finally:
        engine.dispose()


def time_case(
    exact: ConceptIndex,
    fast: ConceptIndex,
    queries: np.ndarray,
    k: int,
    allowed: np.ndarray | None,
    repeats: int,
) -> dict[str, Any]:
    """Median seconds per search of both indexes, and how often they agree.

    Each index is timed in a phase of its own, after one untimed search, so
    that neither runs while the other library's thread pool is still busy.
    """
    timings: dict[str, list[float]] = {"exact": [], "bf16": []}
    for name, index in (("exact", exact), ("bf16", fast)):
        index.search(queries, k, allowed_ids=allowed)
        for _ in range(repeats):
            began = time.perf_counter()
            index.search(queries, k, allowed_ids=allowed)
            timings[name].append(time.perf_counter() - began)
    same = (
        exact.search(queries, k, allowed_ids=allowed).ids
        == fast.search(queries, k, allowed_ids=allowed).ids
    )
    exact_s = float(np.median(timings["exact"]))
    bf16_s = float(np.median(timings["bf16"]))
    return {
        "exact_ms": round(exact_s * 1000, 2),
        "bf16_ms": round(bf16_s * 1000, 2),
        "speedup": round(exact_s / bf16_s, 2),
        "same_hits": round(float(same.all(axis=1).mean()), 4),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build both indexes and time every case; returns the figures."""
    ids, vectors = indexed_vectors(args)
    exact = ConceptIndex.build(ids, vectors, embedding_set="bench/1")
    fast = ConceptIndex.build(ids, vectors, embedding_set="bench/1")
    fast.enable_bf16_pass()
    rng = np.random.default_rng(args.seed + 1)
    cases: dict[str, Any] = {}
    for share in args.filter_shares:
        allowed = None if share >= 1 else ids[rng.random(len(ids)) < share]
        for batch in args.batches:
            queries = unit_rows(rng, batch, vectors.shape[1])
            repeats = max(3, args.budget_queries // batch)
            case = time_case(exact, fast, queries, args.k, allowed, repeats)
            name = f"filter{share:g}_batch{batch}"
            logger.info("bench_case name=%s %s", name, case)
            cases[name] = case
    first_pass = fast.bf16_pass
    assert first_pass is not None
    return {
        "vectors": len(ids),
        "dim": int(vectors.shape[1]),
        "k": args.k,
        "bf16_native": bf16_is_native(),
        "searched_again": round(first_pass.rechecked / max(first_pass.searched, 1), 5),
        "cases": cases,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run the measurement and print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", type=Path, help="a conceptkg SQLite file")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16, 1024])
    parser.add_argument(
        "--filter-shares", type=float, nargs="+", default=[1.0, 0.9, 0.01]
    )
    parser.add_argument(
        "--budget-queries",
        type=int,
        default=2048,
        help="queries timed per case and index (at least 3 batches)",
    )
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    sys.stdout.write(json.dumps(run(args)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
