"""Benchmark: ConceptIndex build time, memory, size on disk and recall per kind.

Usage::

    .venv/bin/python benchmarks/index_build.py --vectors 1000000 --hnsw-vectors 100000

Data are random unit float32 vectors of dimension ``--dim`` (seeded). Queries
are ``--queries`` data points plus Gaussian noise (``--noise`` per coordinate,
then scaled back to unit length), so that each query has a clear nearest
neighbour and its top ``--k`` are well defined.

Random vectors have no neighbourhood structure, the worst case for HNSW and
IVF. For figures that hold for real concept vectors, ``--database`` takes the
data from the newest ready ``text`` set of a conceptkg SQLite database (its
first ``--vectors`` rows, all by default), and ``--query-texts`` encodes real
texts with the service's encoder as the queries (a ``.jsonl`` file's ``text``
field, or one text a line; the first ``--queries``)::

    .venv/bin/python benchmarks/index_build.py --kinds flat,hnsw,ivf \
        --database var/conceptkg.db \
        --query-texts ../shared/data/scifact/queries.jsonl

Each kind is measured in a fresh child process, so its peak RSS (VmHWM) is its
own: the child makes the data, builds ``ConceptIndex.build(kind=...)`` (timed,
with the peak RSS of the build alone), saves it with ``ConceptIndex.save``
(timed, with the peak RSS of the save), reports the file size, then searches the
queries in one batch (throughput) and, for HNSW and IVF, compares their top k
with the exact top k of a flat index over the same data (recall@k and @1); the
flat child leaves its exact top k in a work folder for the others to reuse.

HNSW builds slowly on two cores, so ``--hnsw-vectors`` may be smaller than
``--vectors``; the JSON then carries ``hnsw_extrapolated_build_s``, the build
time scaled by n log n to ``--vectors`` (an estimate, not a measurement).
Logs go to stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import multiprocessing
import sys
import tempfile
import time
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from embeddings.index import ConceptIndex, IndexKind  # noqa: E402

logger = logging.getLogger("benchmarks.index_build")

KINDS: tuple[IndexKind, ...] = ("flat", "hnsw", "ivf")
CHUNK = 100_000


def unit_vectors(count: int, dim: int, seed: int) -> np.ndarray:
    """Seeded random unit vectors, float32, shape (count, dim), made in chunks."""
    rng = np.random.default_rng(seed)
    data = np.empty((count, dim), dtype=np.float32)
    for start in range(0, count, CHUNK):
        block = rng.standard_normal((min(CHUNK, count - start), dim), np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        data[start : start + len(block)] = block
    return data


def near_queries(data: np.ndarray, count: int, noise: float, seed: int) -> np.ndarray:
    """``count`` data rows plus Gaussian noise, back at unit length."""
    rng = np.random.default_rng(seed + 1)
    rows = rng.choice(len(data), size=min(count, len(data)), replace=False)
    queries = data[rows] + rng.normal(0, noise, (len(rows), data.shape[1]))
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return queries.astype(np.float32)


def database_vectors(database: Path) -> np.ndarray:
    """The vectors of the newest ready ``text`` set of a SQLite database,
    float32 (n, dim), in concept id order."""
    from embeddings.sets import EmbeddingSetStore
    from graph.db import create_db_engine, create_session_factory

    engine = create_db_engine(f"sqlite:///{database}")
    with create_session_factory(engine)() as session:
        store = EmbeddingSetStore(session)
        _, vectors = store.load_vectors(store.latest("text").id)
    engine.dispose()
    return vectors


def read_texts(path: Path, count: int) -> list[str]:
    """The first ``count`` texts of a file: the ``text`` field of each line
    of a ``.jsonl`` file, else each non-empty line."""
    texts: list[str] = []
    with path.open() as handle:
        for line in handle:
            if len(texts) == count:
                break
            if path.suffix == ".jsonl":
                texts.append(json.loads(line)["text"])
            elif line.strip():
                texts.append(line.strip())
    return texts


def prepare_real_data(args: argparse.Namespace) -> None:
    """Write the real data and queries the flags ask for into the work
    folder, where each child loads them, and record their sizes in args."""
    work = Path(args.work_dir)
    if args.database is not None:
        vectors = database_vectors(args.database)[: args.vectors]
        np.save(work / "data.npy", vectors)
        args.vectors, args.dim = vectors.shape
        logger.info("bench_data source=%s vectors=%d", args.database, len(vectors))
    if args.query_texts is not None:
        from embeddings.encoders import TextEncoder

        texts = read_texts(args.query_texts, args.queries)
        queries = TextEncoder(device="cpu").encode(texts)
        if queries.shape[1] != args.dim:
            raise SystemExit(
                f"--query-texts encode to dim {queries.shape[1]}, data has {args.dim}"
            )
        np.save(work / "queries.npy", queries)
        args.queries = len(queries)
        logger.info("bench_queries source=%s queries=%d", args.query_texts, len(texts))


def load_data(count: int, args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """The data (``count`` rows) and queries of a measurement: the real ones
    in the work folder where the flags asked for them, else random ones."""
    work = Path(args.work_dir)
    if (work / "data.npy").exists():
        data = np.load(work / "data.npy", mmap_mode="r")[:count]
        data = np.ascontiguousarray(data, dtype=np.float32)
    else:
        data = unit_vectors(count, args.dim, args.seed)
    if (work / "queries.npy").exists():
        queries = np.load(work / "queries.npy")
    else:
        queries = near_queries(data, args.queries, args.noise, args.seed)
    return data, queries


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_peak() -> None:
    """Start a new VmHWM measurement from the current RSS (Linux >= 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def _mb(kb: int) -> float:
    return round(kb / 1024, 1)


def measure(
    kind: IndexKind, count: int, args: argparse.Namespace, result: Pipe
) -> None:
    """Build, save and search one kind over ``count`` vectors; send the figures."""
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s"
    )
    data, queries = load_data(count, args)
    ids = np.arange(len(data), dtype=np.int64)
    figures: dict[str, Any] = {"kind": kind, "vectors": len(data), "dim": args.dim}
    figures["data_rss_mb"] = _mb(_status_kb("VmRSS"))

    _reset_peak()
    began = time.perf_counter()
    index = ConceptIndex.build(ids, data, embedding_set="bench/1", kind=kind)
    figures["build_s"] = round(time.perf_counter() - began, 2)
    figures["build_peak_rss_mb"] = _mb(_status_kb("VmHWM"))

    with tempfile.TemporaryDirectory(prefix="conceptkg-index-") as folder:
        _reset_peak()
        began = time.perf_counter()
        index.save(Path(folder))
        figures["save_s"] = round(time.perf_counter() - began, 2)
        figures["save_peak_rss_mb"] = _mb(_status_kb("VmHWM"))
        size = sum(path.stat().st_size for path in Path(folder).iterdir())
        figures["disk_mb"] = round(size / 2**20, 1)

    began = time.perf_counter()
    found = index.search(queries, args.k)
    search_s = time.perf_counter() - began
    figures["queries_per_s"] = round(len(queries) / search_s, 1)

    truth = Path(args.work_dir) / f"exact-{count}-{args.k}.npy"
    if kind == "flat":
        exact = found.ids
        np.save(truth, exact)
    elif truth.exists():
        exact = np.load(truth)
    else:
        del index
        began = time.perf_counter()
        exact = (
            ConceptIndex.build(ids, data, embedding_set="bench/1", kind="flat")
            .search(queries, args.k)
            .ids
        )
        logger.info(
            "bench_exact kind=%s seconds=%.1f", kind, time.perf_counter() - began
        )
    figures[f"recall_at_{args.k}"] = round(recall(found.ids, exact), 4)
    figures["recall_at_1"] = round(float((found.ids[:, 0] == exact[:, 0]).mean()), 4)
    logger.info("bench_measured figures=%s", figures)
    result.send(figures)


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    """Share of the exact top-k ids that ``found`` holds, over all queries.

    Args:
        found: int64 ids, shape (n, k), -1 for a missing hit.
        exact: int64 ids, shape (n, k), the true top k.
    """
    hits = sum(
        len(set(row.tolist()) & set(truth.tolist()))
        for row, truth in zip(found, exact, strict=True)
    )
    return hits / exact.size


def run_child(kind: IndexKind, count: int, args: argparse.Namespace) -> dict[str, Any]:
    """Run :func:`measure` in a fresh process, so its peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=measure, args=(kind, count, args, sender))
    process.start()
    sender.close()
    try:
        figures: dict[str, Any] = receiver.recv()
    except EOFError as error:
        raise RuntimeError(f"measurement of {kind} failed; see stderr") from error
    process.join()
    return figures


def main(argv: list[str] | None = None) -> int:
    """Parse flags, measure each kind and print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=1_000_000)
    parser.add_argument(
        "--hnsw-vectors",
        type=int,
        default=0,
        help="vectors for the HNSW build (0 = --vectors)",
    )
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--noise", type=float, default=0.02)
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="comma-separated: flat,hnsw,ivf"
    )
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument(
        "--database",
        type=Path,
        help="SQLite database whose newest text set is the data (not random)",
    )
    parser.add_argument(
        "--query-texts",
        type=Path,
        help="texts to encode as the queries (.jsonl 'text' field or lines)",
    )
    args = parser.parse_args(argv)
    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    for kind in kinds:
        if kind not in KINDS:
            parser.error(f"--kinds: {kind!r} is not one of {', '.join(KINDS)}")
    for flag in ("vectors", "dim", "queries", "k"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag} must be >= 1")
    if args.hnsw_vectors < 0:
        parser.error(f"--hnsw-vectors must be >= 0, got {args.hnsw_vectors}")
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s"
    )

    for flag in ("database", "query_texts"):
        path = getattr(args, flag)
        if path is not None and not path.is_file():
            parser.error(f"--{flag.replace('_', '-')}: no file {path}")

    with tempfile.TemporaryDirectory(prefix="conceptkg-bench-") as work_dir:
        args.work_dir = work_dir
        prepare_real_data(args)
        line: dict[str, Any] = {"vectors": args.vectors, "dim": args.dim}
        line.update(k=args.k, queries=args.queries)
        line.update(
            data=str(args.database or "random"),
            query_texts=str(args.query_texts or f"data points, noise {args.noise}"),
        )
        for kind in kinds:
            count = (
                (args.hnsw_vectors or args.vectors) if kind == "hnsw" else args.vectors
            )
            figures = run_child(kind, count, args)
            line[kind] = figures
            if kind == "hnsw" and count != args.vectors:
                scale = (args.vectors * math.log(args.vectors)) / (
                    count * math.log(count)
                )
                line["hnsw_extrapolated_build_s"] = round(figures["build_s"] * scale)
    print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
