"""Which text to encode a concept from: its label, label plus gloss, or prompted.

Runs on a copy of a database that `make run` built (the bundled CN-100K
sample with its ready label set): the copy lives in ``--work-dir`` and gets a
second text set whose concepts are encoded as "label: strongest assertions"
and a third whose labels go through prompt templates (embeddings/
term_prompts.py), each resumable (the first run encodes all 78k concepts,
later runs reuse them). The sets are then scored on the same questions, each
through an exact index, with queries encoded as the server would encode them
for that set (short queries prompted for the prompted set):

- ``self_at_1``: a concept's label as a query finds that concept first
  (1,000 sampled concepts) -- what SearchConcepts needs;
- ``heldout_*``: CN-100K test triples (held-out edges; the sample graph is its
  train split) whose two ends are concepts: from the head concept's vector,
  the rank of the tail among all other concepts (RelatedConcepts), and from
  the head's text as a query (SearchConcepts); hits@10 and MRR (ranks past
  100 count as 0);
- ``wordsim``: Spearman rho of cosine against human scores on MEN (lemma),
  WS353 and SimLex-999, each word taken as its concept's vector when it is a
  concept and as its own MiniLM vector otherwise (coverage reported);
- ``dog_rank_for_puppy``: where /c/en/dog ranks for "puppy" (plain cosine).

Last line of stdout: one JSON object.

    .venv/bin/python benchmarks/concept_text.py --database var/conceptkg.db
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings.build import build_text_set  # noqa: E402
from embeddings.concept_text import TextMode, templates_in  # noqa: E402
from embeddings.encoders import TextEncoder  # noqa: E402
from embeddings.index import ConceptIndex  # noqa: E402
from embeddings.search import ConceptSearcher  # noqa: E402
from embeddings.sets import EmbeddingSetStore, SetInfo  # noqa: E402
from graph.db import create_db_engine, create_session_factory  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from graph.uri import concept_uri_from_text  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
TEST_TRIPLES = SHARED / "conceptnet-cn100k" / "cn100k" / "test.txt"
WORDSIM = SHARED / "wordsim"
WORDSIM_SETS = {
    "men": "men3000_lemma.tsv",
    "ws353": "ws353.tsv",
    "simlex": "simlex999.tsv",
}
DEPTH = 100


def _ranks(found: np.ndarray, targets: list[int]) -> np.ndarray:
    """1-based rank of each target in its row of ``found``; 0 when absent."""
    ranks = np.zeros(len(targets), dtype=np.int64)
    for row, target in enumerate(targets):
        where = np.flatnonzero(found[row] == target)
        ranks[row] = where[0] + 1 if len(where) else 0
    return ranks


def _summary(ranks: np.ndarray) -> dict[str, float]:
    reciprocal = np.where(ranks > 0, 1.0 / np.maximum(ranks, 1), 0.0)
    return {
        "hits_at_10": round(float(((ranks > 0) & (ranks <= 10)).mean()), 4),
        "mrr": round(float(reciprocal.mean()), 4),
    }


def _without(found: np.ndarray, excluded: list[int]) -> np.ndarray:
    """Rows of ``found`` with the query's own id moved out of the ranking."""
    kept = np.full((len(found), DEPTH), -1, dtype=np.int64)
    for row, own in enumerate(excluded):
        others = found[row][found[row] != own][:DEPTH]
        kept[row, : len(others)] = others
    return kept


def _score_set(
    index: ConceptIndex,
    searcher: ConceptSearcher,
    ids_by_uri: dict[str, int],
    labels: dict[int, str],
    triples: list[tuple[str, str]],
    sampled: list[int],
) -> dict[str, object]:
    self_found = index.search(searcher.encode([labels[c] for c in sampled]), 1)
    self_at_1 = float((self_found.ids[:, 0] == np.asarray(sampled)).mean())

    heads = [ids_by_uri[h] for h, _ in triples]
    tails = [ids_by_uri[t] for _, t in triples]
    head_vectors = np.stack([index.reconstruct(h) for h in heads])
    by_vector = _without(index.search(head_vectors, DEPTH + 1).ids, heads)
    queries = searcher.encode([labels[h] for h in heads])
    by_text = _without(index.search(queries, DEPTH + 1).ids, heads)

    wordsim: dict[str, float] = {}
    coverage: dict[str, float] = {}
    for name, file_name in WORDSIM_SETS.items():
        lines = (WORDSIM / file_name).read_text(encoding="utf-8").splitlines()[1:]
        rows = [line.split("\t") for line in lines if line.strip()]
        words = sorted({w for row in rows for w in row[:2]})
        own = dict(zip(words, searcher.encode(words), strict=True))
        vectors: dict[str, np.ndarray] = {}
        for word in words:
            cid = ids_by_uri.get(concept_uri_from_text(word))
            vectors[word] = index.reconstruct(cid) if cid is not None else own[word]
        covered = [concept_uri_from_text(w) in ids_by_uri for w in words]
        cosine = [float(vectors[a] @ vectors[b]) for a, b, _ in rows]
        gold = [float(row[2]) for row in rows]
        wordsim[name] = round(float(spearmanr(cosine, gold).statistic), 4)
        coverage[name] = round(float(np.mean(covered)), 3)

    puppy = index.search(searcher.encode(["puppy"]), 10).ids[0].tolist()
    dog = ids_by_uri["/c/en/dog"]
    return {
        "self_at_1": round(self_at_1, 4),
        "heldout_from_vector": _summary(_ranks(by_vector, tails)),
        "heldout_from_text": _summary(_ranks(by_text, tails)),
        "wordsim": wordsim,
        "wordsim_coverage": coverage,
        "dog_rank_for_puppy": puppy.index(dog) + 1 if dog in puppy else None,
    }


def _mode_set(
    sessions: sessionmaker[Session], encoder: TextEncoder, mode: TextMode
) -> SetInfo:
    """The ready set of a text mode in the work copy, built (or resumed) when
    missing."""
    with sessions() as session:
        for info in EmbeddingSetStore(session).list_sets():
            if info.ready and info.params.get("text") == mode:
                return info
    return build_text_set(
        sessions,
        encoder,
        name=f"text-{mode}",
        text_mode=mode,
        show_progress=True,
    )


def main() -> int:
    """Build the gloss and prompted sets if needed, score all three, print the
    JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=Path("var/conceptkg.db"))
    parser.add_argument(
        "--work-dir", type=Path, default=Path("/tmp/conceptkg-concept-text")
    )
    parser.add_argument("--sample", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    args.work_dir.mkdir(parents=True, exist_ok=True)
    copy = args.work_dir / "conceptkg.db"
    if not copy.exists():
        shutil.copyfile(args.database, copy)
    sessions = create_session_factory(create_db_engine(f"sqlite:///{copy}"))
    encoder = TextEncoder(device="cpu")
    built_s = {}
    others = []
    for mode in ("gloss", "prompted"):
        started = time.perf_counter()
        others.append(_mode_set(sessions, encoder, mode))
        built_s[f"{mode}_build_s"] = round(time.perf_counter() - started, 1)
    with sessions() as session:
        label = EmbeddingSetStore(session).latest("text")
        store = GraphStore(session)
        concept_ids = store.all_concept_ids()
        named = store.concepts_by_ids(concept_ids)
        searchers = {}
        for info in (label, *others):
            ids, vectors = EmbeddingSetStore(session).load_vectors(info.id)
            index = ConceptIndex.build(ids, vectors, embedding_set=info.label)
            searchers[str(info.params.get("text", "label"))] = ConceptSearcher(
                index, encoder, query_templates=templates_in(info.params)
            )
    ids_by_uri = {uri: cid for cid, (uri, _) in named.items()}
    labels = {cid: text for cid, (_, text) in named.items()}
    triples = []
    for line in TEST_TRIPLES.read_text(encoding="utf-8").splitlines():
        _, head, tail = line.split("\t")
        pair = (concept_uri_from_text(head), concept_uri_from_text(tail))
        if pair[0] in ids_by_uri and pair[1] in ids_by_uri and pair[0] != pair[1]:
            triples.append(pair)
    sampled = random.Random(0).sample(concept_ids, args.sample)

    result: dict[str, object] = {
        "concepts": len(concept_ids),
        "heldout_triples": len(triples),
        **built_s,
    }
    for mode, searcher in searchers.items():
        result[mode] = _score_set(
            searcher.index, searcher, ids_by_uri, labels, triples, sampled
        )
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
