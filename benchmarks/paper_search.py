"""Paper search quality on SciFact: BM25, dense, their RRF, and concept search.

The corpus (5,183 abstracts) is ingested through the real ingest path into a
copy of the graph database (the bundled CN-100K sample built by `make run`):
concepts are extracted and linked, new /d/papers concepts created and
encoded, and paper vectors cached in the database, so a rerun encodes
nothing. Every query's signals come from the real PaperSearcher. The fusion
weights of the concept search are tuned by grid search on the *train* qrels
only; BM25 alone, dense alone and RRF (k=60) of the two are measured on the
test qrels in the same run, then the concept search (PaperSearcher.search
with the tuned weights, timed for queries/s). The concept search re-ranks its
best 100 candidates by late interaction (idf-weighted MaxSim of wordpiece
vectors); for tuning, each train query's MaxSim is scored for the union of
the best 150 papers by the default fusion, dense, passage and BM25, which
holds the candidates of any weights tried. Last line of stdout: one JSON
object.

    nice -n 10 .venv/bin/python benchmarks/paper_search.py --dataset scifact
"""

from __future__ import annotations

import argparse
import itertools
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
from embeddings.paper_corpus import PaperCorpus  # noqa: E402
from embeddings.paper_ingest import ingest_papers, model_name  # noqa: E402
from embeddings.paper_records import PaperInput  # noqa: E402
from embeddings.paper_search import (  # noqa: E402
    LATE_INTERACTION,
    SIGNALS,
    EncodedQuery,
    PaperSearcher,
    RankConfig,
    fuse,
    rank_fusion,
)
from embeddings.search import ConceptSearcher  # noqa: E402
from embeddings.sets import EmbeddingSetStore  # noqa: E402
from graph import migrate  # noqa: E402
from graph.db import create_db_engine, create_session_factory  # noqa: E402
from service.index_loader import apply_bf16_pass  # noqa: E402

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
    apply_bf16_pass(args.bf16_pass, index)
    searcher = ConceptSearcher(index, encoder)
    papers, _, _ = read_beir(args.data)
    started = time.perf_counter()
    report = ingest_papers(sessions, papers, ConceptLinker(searcher), encoder)
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
    parser.add_argument(
        "--bf16-pass",
        choices=["auto", "on", "off"],
        default="auto",
        help="the server's index_bf16_pass setting for the concept index",
    )
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    sessions, searcher, ingest_s = prepare(args)
    if args.ingest_only:
        return 0
    _, queries, qrels = read_beir(args.data)
    encoder = searcher.encoder
    linker = ConceptLinker(searcher)
    with sessions() as session:
        corpus = PaperCorpus.load(session, model_name(encoder), encoder.dim)
        ids = [paper.id for paper in corpus.papers]
        plain = PaperSearcher(corpus, linker)
        train = sorted(qrels["train"], key=int)
        test = sorted(qrels["test"], key=int)
        started = time.perf_counter()
        found = {q: plain.signals(session, queries[q]) for q in train + test}
        signals = {q: found[q].scores for q in found}
        signal_s = time.perf_counter() - started
        lexical, bm25_train = _tuned_bm25(corpus, queries, train, qrels["train"], ids)
        matrices = {
            name: np.stack([signals[q][name] for q in train]) for name in SIGNALS
        }
        matrices["bm25"] = bm25_train
        started = time.perf_counter()
        encoded = {q: found[q].encoded for q in train}
        late = _late_interaction(session, plain, encoded, train, signals)
        late_s = time.perf_counter() - started
        weights, train_ndcg = _tune(matrices, late, train, qrels["train"], ids)
        logger.info(
            "tuned weights=%s bm25=%s train_ndcg=%.4f", weights, lexical, train_ndcg
        )
        tuned_corpus = PaperCorpus.load(
            session,
            model_name(encoder),
            encoder.dim,
            bm25_k1=lexical[0],
            bm25_b=lexical[1],
        )
        config = RankConfig(weights={**weights}, bm25_k1=lexical[0], bm25_b=lexical[1])
        tuned = PaperSearcher(tuned_corpus, linker, config)
        started = time.perf_counter()
        concept_rankings = {
            q: [hit.paper.id for hit in tuned.search(session, queries[q], 100).hits]
            for q in test
        }
        search_s = time.perf_counter() - started
    judged = qrels["test"]
    results = {
        "bm25": evaluate({q: rank_ids(signals[q]["bm25"], ids) for q in test}, judged),
        "dense": evaluate(
            {q: rank_ids(signals[q]["dense"], ids) for q in test}, judged
        ),
        "rrf": evaluate(
            {
                q: rank_ids(rank_fusion([signals[q]["bm25"], signals[q]["dense"]]), ids)
                for q in test
            },
            judged,
        ),
        "passage": evaluate(
            {q: rank_ids(signals[q]["passage"], ids) for q in test}, judged
        ),
        "concept_signal": evaluate(
            {q: rank_ids(signals[q]["concept"], ids) for q in test}, judged
        ),
        "concept": evaluate(concept_rankings, judged),
    }
    line: dict[str, object] = {"dataset": args.dataset, "papers": len(ids)}
    for name in ("bm25", "dense", "rrf", "concept"):
        line[f"{name}_ndcg_at_10"] = round(results[name]["ndcg_at_10"], 4)
        line[f"{name}_recall_at_100"] = round(results[name]["recall_at_100"], 4)
    line.update(
        {
            "queries_per_s": round(len(test) / search_s, 2),
            "bf16_pass": searcher.index.bf16_pass is not None,
            "test_queries": len(test),
            "train_queries": len(train),
            "tuned_weights": weights,
            "tuned_bm25_k1_b": list(lexical),
            "train_ndcg_at_10_tuned": round(train_ndcg, 4),
            "passage_ndcg_at_10": round(results["passage"]["ndcg_at_10"], 4),
            "concept_signal_ndcg_at_10": round(
                results["concept_signal"]["ndcg_at_10"], 4
            ),
            "signals_s_per_query": round(signal_s / len(signals), 4),
            "rerank_candidates": config.rerank_candidates,
            "late_interaction_s_per_train_query": round(late_s / len(train), 4),
            "ingest_s": round(ingest_s, 1),
        }
    )
    sys.stdout.write(json.dumps(line) + "\n")
    return 0


def _zscores(values: np.ndarray) -> np.ndarray:
    """Z-scores of each row, as fuse() computes them (constant rows -> 0)."""
    mean = values.mean(axis=1, keepdims=True)
    spread = values.std(axis=1, keepdims=True)
    return np.where(spread > 0, (values - mean) / np.where(spread > 0, spread, 1), 0)


def _ndcg_matrix(
    scores: np.ndarray, order: list[str], judged: dict[str, set[str]], ids: list[str]
) -> float:
    """Mean nDCG@10 of a (queries, papers) score matrix."""
    top = np.argpartition(-scores, 10, axis=1)[:, :10]
    values = []
    for row, query in enumerate(order):
        picked = top[row][np.argsort(-scores[row, top[row]], kind="stable")]
        values.append(ndcg_at([ids[i] for i in picked], judged[query]))
    return float(np.mean(values))


def _tuned_bm25(
    corpus: PaperCorpus,
    queries: dict[str, str],
    train: list[str],
    judged: dict[str, set[str]],
    ids: list[str],
) -> tuple[tuple[float, float], np.ndarray]:
    """BM25 k1 and b with the best train nDCG@10 of BM25 alone, and the
    train queries' BM25 scores with them, shape (queries, papers)."""
    from embeddings.lexical import LexicalIndex

    texts = [PaperInput(p.id, p.title, p.abstract).text for p in corpus.papers]
    best: tuple[float, tuple[float, float], np.ndarray | None] = (-1.0, (0, 0), None)
    for k1, b in itertools.product((0.9, 1.2, 1.5, 2.0), (0.4, 0.6, 0.75, 0.9)):
        index = LexicalIndex(texts, k1=k1, b=b)
        scores = np.stack([index.scores(queries[q]) for q in train])
        score = _ndcg_matrix(scores, train, judged, ids)
        logger.info("bm25 k1=%.2f b=%.2f train_ndcg=%.4f", k1, b, score)
        if score > best[0]:
            best = (score, (k1, b), scores)
    assert best[2] is not None
    return best[1], best[2]


def _late_interaction(
    session: object,
    searcher: PaperSearcher,
    encoded: dict[str, EncodedQuery],
    train: list[str],
    signals: dict[str, dict[str, np.ndarray]],
    pool: int = 150,
) -> np.ndarray:
    """Train queries' MaxSim scores, float32 (queries, papers), from the
    wordpieces their signals were computed with: scored for the union of the
    best ``pool`` papers by the default fusion, dense, passage and BM25, NaN
    elsewhere."""
    from embeddings.paper_search import top_rows

    weights = RankConfig().weights
    late = np.full((len(train), searcher.corpus.size), np.nan, dtype=np.float32)
    for row, query in enumerate(train):
        scores = signals[query]
        rows = set(top_rows(fuse(scores, weights), pool))
        for name in ("dense", "passage", "bm25"):
            rows.update(top_rows(scores[name], pool))
        picked = sorted(rows)
        late[row, picked] = searcher.late_interaction(
            session,  # type: ignore[arg-type]
            encoded[query],
            picked,
        )
    return late


def _reranked(
    fused: np.ndarray, late: np.ndarray, weight: float, candidates: int
) -> np.ndarray:
    """Each row's best ``candidates`` of ``fused`` plus ``weight`` times the
    z-score of ``late`` over them (NaN counts 0), as PaperSearcher.search
    ranks them; the other papers below them."""
    top = np.argpartition(-fused, candidates - 1, axis=1)[:, :candidates]
    rows = np.arange(len(fused))[:, None]
    values = late[rows, top]
    finite = np.isfinite(values)
    count = np.maximum(finite.sum(axis=1, keepdims=True), 1)
    mean = np.where(finite, values, 0).sum(axis=1, keepdims=True) / count
    spread = np.sqrt(
        (np.where(finite, values - mean, 0) ** 2).sum(axis=1, keepdims=True) / count
    )
    z = np.where(
        finite & (spread > 0), (values - mean) / np.where(spread > 0, spread, 1), 0
    )
    result = np.full_like(fused, -1e9)
    result[rows, top] = fused[rows, top] + weight * z
    return result


def _tune(
    matrices: dict[str, np.ndarray],
    late: np.ndarray,
    train: list[str],
    judged: dict[str, set[str]],
    ids: list[str],
) -> tuple[dict[str, float], float]:
    """Fusion weights with the best train nDCG@10, by grid search over the
    train queries' signal matrices (queries, papers), the late-interaction
    weight scored by re-ranking each weighting's candidates."""
    z = {name: _zscores(matrices[name]).astype(np.float32) for name in SIGNALS}
    candidates = RankConfig().rerank_candidates
    names = (*SIGNALS, LATE_INTERACTION)
    # Only ratios matter (a common factor ranks alike); values above 1 let a
    # weight pass another that sits at 1.
    values = (
        0.0,
        0.05,
        0.1,
        0.2,
        0.3,
        0.4,
        0.5,
        0.6,
        0.7,
        0.8,
        0.9,
        1.0,
        1.25,
        1.5,
        2.0,
    )

    def score(weights: dict[str, float]) -> float:
        fused = sum(w * z[name] for name, w in weights.items() if w and name in z)
        if isinstance(fused, int):
            return -1.0
        late_weight = weights.get(LATE_INTERACTION, 0.0)
        if late_weight:
            fused = _reranked(np.asarray(fused), late, late_weight, candidates)
        return _ndcg_matrix(np.asarray(fused), train, judged, ids)

    # Coordinate ascent from equal weights: each weight in turn is set to
    # its best value with the others fixed, for four rounds.
    weights = {name: 0.5 for name in names}
    best = score(weights)
    for _ in range(4):
        for name in names:
            for value in values:
                trial = {**weights, name: value}
                result = score(trial)
                if result > best:
                    best, weights = result, trial
                    logger.info("tune weights=%s train_ndcg=%.4f", weights, best)
    return weights, best


if __name__ == "__main__":
    sys.exit(main())
