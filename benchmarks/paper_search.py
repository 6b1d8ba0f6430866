"""Paper search quality on SciFact: BM25, dense, their RRF, and concept search.

The corpus (5,183 abstracts) is ingested through the real ingest path into a
copy of the graph database (the bundled CN-100K sample built by `make run`):
concepts are extracted and linked, new /d/papers concepts created and
encoded, and paper vectors cached in the database, so a rerun encodes
nothing. Every query's signals come from the real PaperSearcher. The fusion
weights of the concept search are tuned by grid search on the *train* qrels
only; BM25 alone, dense alone and RRF (k=60) of the two are measured on the
test qrels in the same run, then the concept search (PaperSearcher.search
with the tuned weights, timed for queries/s). Last line of stdout: one JSON
object.

    nice -n 10 .venv/bin/python benchmarks/paper_search.py --dataset scifact
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings.build import load_or_rebuild_index  # noqa: E402
from embeddings.concept_linker import ConceptLinker  # noqa: E402
from embeddings.encoders import TextEncoder  # noqa: E402
from embeddings.incremental import extend_set  # noqa: E402
from embeddings.paper_ingest import ingest_papers  # noqa: E402
from embeddings.paper_records import PaperInput  # noqa: E402
from embeddings.search import ConceptSearcher  # noqa: E402
from embeddings.sets import EmbeddingSetStore  # noqa: E402
from graph import migrate  # noqa: E402
from graph.db import create_db_engine, create_session_factory  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
logger = logging.getLogger("paper_search")


def read_beir(folder: Path) -> tuple[list[PaperInput], dict[str, str], dict]:
    """Corpus as papers, queries by id, and qrels by split -> query -> docs."""
    papers = []
    with (folder / "corpus.jsonl").open() as handle:
        for line in handle:
            row = json.loads(line)
            papers.append(PaperInput(row["_id"], row["title"].strip(), row["text"]))
    queries = {}
    with (folder / "queries.jsonl").open() as handle:
        for line in handle:
            row = json.loads(line)
            queries[row["_id"]] = row["text"]
    qrels: dict[str, dict[str, set[str]]] = {}
    for split in ("train", "test"):
        judged: dict[str, set[str]] = {}
        with (folder / "qrels" / f"{split}.tsv").open() as handle:
            next(handle)
            for line in handle:
                query, doc, score = line.rstrip("\n").split("\t")
                if int(score) > 0:
                    judged.setdefault(query, set()).add(doc)
        qrels[split] = judged
    return papers, queries, qrels


def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k."""
    dcg = sum(
        1 / math.log2(i + 2) for i, doc in enumerate(ranked[:k]) if doc in relevant
    )
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: set[str], k: int = 100) -> float:
    """Share of the relevant documents in the top k."""
    return len(set(ranked[:k]) & relevant) / len(relevant)


def evaluate(
    rankings: dict[str, list[str]], judged: dict[str, set[str]]
) -> dict[str, float]:
    """Mean nDCG@10 and Recall@100 over the judged queries."""
    ndcg = [ndcg_at(rankings[q], judged[q]) for q in judged]
    recall = [recall_at(rankings[q], judged[q]) for q in judged]
    return {"ndcg_at_10": float(np.mean(ndcg)), "recall_at_100": float(np.mean(recall))}


def rank_ids(scores: np.ndarray, ids: list[str], k: int = 100) -> list[str]:
    """Document ids of the k best scores, best first (ties by position)."""
    top = np.argsort(-scores, kind="stable")[:k]
    return [ids[i] for i in top]


def rrf(first: np.ndarray, second: np.ndarray, k: int = 60) -> np.ndarray:
    """Reciprocal-rank fusion of two score vectors."""
    fused = np.zeros(len(first), dtype=np.float64)
    for scores in (first, second):
        ranks = np.empty(len(scores), dtype=np.int64)
        ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
        fused += 1.0 / (k + ranks)
    return fused


def prepare(args: argparse.Namespace) -> tuple[object, ConceptSearcher, float]:
    """The work database with the corpus ingested, and the concept searcher."""
    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    database = work / "papers.db"
    if not database.exists():
        shutil.copyfile(args.graph_db, database)
    engine = create_db_engine(f"sqlite:///{database}")
    migrate.upgrade(engine)
    sessions = create_session_factory(engine)
    encoder = TextEncoder(device="cpu")
    with sessions() as session:
        info = EmbeddingSetStore(session).latest("text")
    folder = work / "index"
    if not folder.exists():
        shutil.copytree(args.index, folder)
    with sessions() as session:
        index = load_or_rebuild_index(session, info, folder, kind="flat")
    searcher = ConceptSearcher(index, encoder)
    papers, _, _ = read_beir(args.data)
    started = time.perf_counter()
    with sessions.begin() as session:
        report = ingest_papers(session, papers, ConceptLinker(searcher), encoder)
    ingest_s = time.perf_counter() - started
    logger.info("ingest %s seconds=%.1f", report, ingest_s)
    ids, vectors = extend_set(sessions, info, encoder)
    if len(ids):
        index.add(ids, vectors)
        index.save(folder)
    return sessions, searcher, ingest_s


def main() -> int:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["scifact"], default="scifact")
    parser.add_argument("--data", type=Path, default=DATA / "scifact")
    parser.add_argument("--graph-db", type=Path, default=ROOT / "var/conceptkg.db")
    parser.add_argument("--index", type=Path, default=ROOT / "var/indexes/text-v1")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "var/bench/scifact")
    parser.add_argument("--ingest-only", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    sessions, searcher, ingest_s = prepare(args)
    if args.ingest_only:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
