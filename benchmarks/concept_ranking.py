"""Effect of the salience prior and variant folding on SearchConcepts rankings.

Runs on a database and index built by `make run` (the bundled CN-100K sample):
queries are the heads of CN-100K's test triples (a fixed random sample) plus a
few named words. For plain cosine and for each salience weight it reports how
often the query's own concept ranks first, how many determiner variants
("your puppy") reach the top 5, the mean log(1 + degree) of the top 5, and
where /c/en/dog ranks for "puppy". Last line of stdout: one JSON object.

    .venv/bin/python benchmarks/concept_ranking.py \
        --database-url sqlite:///var/conceptkg.db --index var/indexes/text-v1
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings.concept_text import templates_in  # noqa: E402
from embeddings.encoders import TextEncoder  # noqa: E402
from embeddings.incremental import text_params_of  # noqa: E402
from embeddings.index import ConceptIndex  # noqa: E402
from embeddings.salience import SalienceRanker, head_label  # noqa: E402
from embeddings.search import ConceptSearcher, Hit  # noqa: E402
from embeddings.sets import EmbeddingSetStore  # noqa: E402
from graph.db import create_db_engine, create_session_factory  # noqa: E402
from graph.store import GraphStore  # noqa: E402

TEST_TRIPLES = ROOT.parent / "shared/data/conceptnet-cn100k/cn100k/test.txt"
NAMED_QUERIES = ["puppy", "kitten", "car", "doctor"]
WEIGHTS = [0.05, 0.1, 0.15, 0.2, 0.3]


def _scores(
    queries: list[str],
    ranked: list[list[Hit]],
    labels: dict[int, str],
    degrees: dict[int, int],
    uris: dict[int, str],
) -> dict[str, object]:
    self_first = sum(
        labels[hits[0].concept_id].lower() == query.lower().strip()
        for query, hits in zip(queries, ranked, strict=True)
    )
    top = [hit for hits in ranked for hit in hits[:5]]
    variants = sum(
        head_label(labels[h.concept_id]) != labels[h.concept_id] for h in top
    )
    log_degree = sum(math.log1p(degrees.get(h.concept_id, 0)) for h in top) / len(top)
    puppy = [uris[h.concept_id] for h in ranked[queries.index("puppy")][:5]]
    return {
        "self_at_1": round(self_first / len(queries), 4),
        "variants_in_top5": variants,
        "mean_log_degree_top5": round(log_degree, 3),
        "dog_rank_for_puppy": puppy.index("/c/en/dog") + 1
        if "/c/en/dog" in puppy
        else None,
    }


def main() -> int:
    """Run the comparison and print its JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="sqlite:///var/conceptkg.db")
    parser.add_argument("--index", type=Path, default=Path("var/indexes/text-v1"))
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--candidates", type=int, default=40)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    sessions = create_session_factory(create_db_engine(args.database_url))
    index = ConceptIndex.load(args.index)
    with sessions() as session:
        # Queries are encoded as the server encodes them for this set
        # (prompted when the set's labels were).
        info = EmbeddingSetStore(session).by_label(index.embedding_set)
        templates = templates_in(text_params_of(session, info))
    searcher = ConceptSearcher(
        index, TextEncoder(device="cpu"), query_templates=templates
    )
    heads = sorted({line.split("\t")[1] for line in TEST_TRIPLES.open()})
    random.Random(0).shuffle(heads)
    queries = heads[: args.queries] + NAMED_QUERIES
    candidates = searcher.search(searcher.encode(queries), args.candidates)
    with sessions() as session:
        store = GraphStore(session)
        degrees = store.concept_degrees()
        named = store.concepts_by_ids(h.concept_id for hs in candidates for h in hs)
    labels = {cid: label for cid, (_, label) in named.items()}
    uris = {cid: uri for cid, (uri, _) in named.items()}

    result: dict[str, object] = {
        "queries": len(queries),
        "plain": _scores(queries, candidates, labels, degrees, uris),
    }
    for weight in WEIGHTS:
        ranker = SalienceRanker(degrees, weight=weight)
        ranked = [ranker.rerank(hits, labels, 5) for hits in candidates]
        result[f"salience_{weight}"] = _scores(queries, ranked, labels, degrees, uris)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
