"""Paper search: dense, BM25 and concept matching with one-hop graph expansion.

A query is encoded (dense: cosine to each paper's title plus abstract and
the best cosine of any of its passages), scored by BM25, and its concepts are
extracted as at ingest. Each query concept is expanded one hop over IsA,
RelatedTo and Synonym edges, the neighbour's weight decayed by a factor per
relation and direction. A paper's concept score is the cosine between the
query's expanded concept weights and the paper's tf-idf concept weights. A fifth
signal is pseudo-relevance feedback: the cosine to the query vector moved toward
the mean vector of the papers that dense and BM25 agree on most. The signals
are z-scored over the corpus and summed with tuned weights. The best
candidates of that sum are then re-ranked with late interaction: the
idf-weighted MaxSim of the query's wordpiece vectors against each paper's
(see :mod:`embeddings.token_vectors`), z-scored over the candidates and
added with its own weight. Each hit names the concepts that matched and how
(direct, or through which edge).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.orm import Session

from embeddings.concept_linker import ConceptLinker
from embeddings.paper_corpus import PaperCorpus, PaperFilters
from embeddings.paper_records import PaperRecord
from embeddings.papers_store import PaperStore
from embeddings.phrases import extract_phrases
from embeddings.token_vectors import maxsim_scores, query_weights
from graph.expansion import one_hop
from graph.store import GraphStore

# Limitation: the decays are set by hand; the benchmark tunes only the fusion
# weights and BM25's k1 and b.
# Decay of a neighbour's weight, per (relation, direction). For IsA, "in"
# reaches narrower concepts (query "cat" -> paper "kitten"), "out" broader
# ones; symmetric relations are the same both ways.
DEFAULT_DECAY: dict[tuple[str, str], float] = {
    ("/r/Synonym", "out"): 0.9,
    ("/r/Synonym", "in"): 0.9,
    ("/r/IsA", "in"): 0.7,
    ("/r/IsA", "out"): 0.5,
    ("/r/RelatedTo", "out"): 0.5,
    ("/r/RelatedTo", "in"): 0.5,
}
SIGNALS = ("dense", "passage", "bm25", "concept", "feedback")
# The re-ranking signal: scored for the candidates only, not the corpus.
LATE_INTERACTION = "late_interaction"


@dataclass(frozen=True)
class RankConfig:
    """Weights of the fused score; each signal is z-scored over the corpus.

    The defaults were tuned on the SciFact train queries (see
    benchmarks/paper_search.py and benchmarks/RESULTS.md).

    Attributes:
        weights: weight of each signal of ``SIGNALS`` and of
            ``late_interaction`` (0 turns re-ranking off).
        decay: expansion factor per (relation, direction); relations not
            listed are not expanded.
        max_hops_per_concept: most neighbours one query concept expands to.
        feedback_papers: papers (the best by reciprocal-rank fusion of dense
            and BM25) whose mean vector the ``feedback`` signal adds to the
            query vector.
        bm25_k1, bm25_b: BM25 parameters of the corpus the searcher is
            built on (see :meth:`PaperCorpus.load`).
        rerank_candidates: the best papers of the first fusion that late
            interaction re-ranks (at least k of a search).
    """

    weights: dict[str, float] = field(
        default_factory=lambda: {
            "dense": 2.0,
            "passage": 2.0,
            "bm25": 1.25,
            "concept": 0.05,
            "feedback": 0.05,
            LATE_INTERACTION: 1.5,
        }
    )
    decay: dict[tuple[str, str], float] = field(
        default_factory=lambda: dict(DEFAULT_DECAY)
    )
    max_hops_per_concept: int = 100
    feedback_papers: int = 3
    bm25_k1: float = 1.5
    bm25_b: float = 0.4
    rerank_candidates: int = 100


@dataclass(frozen=True)
class ConceptMatch:
    """A concept that a hit shares with the query, and how it was reached.

    ``via`` is ``direct`` or the relation URI of the edge from ``source``
    (a query concept) to ``uri``; ``direction`` is that edge's direction
    seen from the source (``out`` or ``in``; empty for direct matches).
    """

    uri: str
    label: str
    via: str
    source: str
    direction: str
    contribution: float


@dataclass(frozen=True)
class PaperHit:
    """One ranked paper with its fused score, each signal and its matches."""

    paper: PaperRecord
    score: float
    signals: dict[str, float]
    matches: tuple[ConceptMatch, ...]


@dataclass(frozen=True)
class PaperResults:
    """Hits of a search, and the concepts found in its query (direct, with
    their share of the query's concept weight)."""

    hits: list[PaperHit]
    query_concepts: list[ConceptMatch]


@dataclass(frozen=True)
class _Expanded:
    weight: float
    via: str
    source: int
    direction: str


@dataclass(frozen=True)
class EncodedQuery:
    """A query's unit vector, float32 (dim,), and its wordpieces: ids int64
    (m,) and last-layer vectors float32 (m, dim), from one forward pass."""

    vector: np.ndarray
    piece_ids: np.ndarray
    piece_vectors: np.ndarray


@dataclass
class QuerySignals:
    """Raw scores of every paper for one query, float32 (n,) each, the
    query's expanded concept weights by corpus column, and its encoding."""

    scores: dict[str, np.ndarray]
    concepts: dict[int, _Expanded]
    query_concepts: list[tuple[int, float]]
    encoded: EncodedQuery


class PaperSearcher:
    """Ranks the papers of a corpus for text queries.

    Args:
        corpus: the papers in memory.
        linker: extracts query concepts (its searcher encodes queries).
        config: fusion weights and expansion decay.
    """

    def __init__(
        self,
        corpus: PaperCorpus,
        linker: ConceptLinker,
        config: RankConfig | None = None,
    ) -> None:
        self.corpus = corpus
        self.linker = linker
        self.config = config or RankConfig()

    def encode_query(self, query: str) -> EncodedQuery:
        """The query's pooled vector and wordpiece vectors (one forward pass:
        the pooled vector feeds the corpus-wide signals, the wordpieces the
        late-interaction re-rank)."""
        vectors, pieces = self.linker.searcher.encoder.encode_tokens([query])
        ids, piece_vectors = pieces[0]
        return EncodedQuery(vectors[0], ids, piece_vectors)

    def signals(self, session: Session, query: str) -> QuerySignals:
        """Dense, passage, BM25 and concept scores of every paper."""
        corpus = self.corpus
        encoded = self.encode_query(query)
        vector = encoded.vector
        query_concepts = self._query_concepts(session, query)
        expanded = self._expand(session, query_concepts)
        dense = corpus.doc_vectors @ vector
        bm25 = corpus.lexical.scores(query)
        # Pseudo-relevance feedback: the query vector moved toward the papers
        # that BM25 and dense agree on most (Rocchio on dense vectors).
        seed = top_rows(rank_fusion([dense, bm25]), self.config.feedback_papers)
        moved = vector + corpus.doc_vectors[seed].mean(axis=0)
        moved /= np.linalg.norm(moved)
        return QuerySignals(
            scores={
                "dense": dense,
                "passage": corpus.max_part_scores(vector),
                "bm25": bm25,
                "concept": self._concept_scores(expanded),
                "feedback": corpus.doc_vectors @ moved,
            },
            concepts=expanded,
            query_concepts=query_concepts,
            encoded=encoded,
        )

    def _query_concepts(self, session: Session, text: str) -> list[tuple[int, float]]:
        """(concept id, weight) of the concepts named in a text, the weight
        being the link confidence times 1 + ln(count)."""
        linked = self.linker.link(session, [extract_phrases(text)], propose_new=False)
        found = linked.texts[0]
        ids = GraphStore(session).concept_ids(found.counts)
        return [
            (ids[uri], found.best[uri].confidence * (1 + math.log(count)))
            for uri, count in found.counts.items()
            if uri in ids
        ]

    def search(
        self,
        session: Session,
        query: str,
        k: int,
        filters: PaperFilters | None = None,
    ) -> PaperResults:
        """The k best papers for a query, each with its explanation."""
        if self.corpus.size == 0:
            return PaperResults([], [])
        signals = self.signals(session, query)
        fused = fuse(signals.scores, self.config.weights)
        mask = self.corpus.mask(filters or PaperFilters())
        rows, late = self._rerank(session, signals.encoded, fused, k, mask)
        names = GraphStore(session).concepts_by_ids(
            {int(self.corpus.concept_ids[col]) for col in signals.concepts}
            | {e.source for e in signals.concepts.values()}
            | {cid for cid, _ in signals.query_concepts}
        )
        hits = [
            PaperHit(
                paper=self.corpus.papers[row],
                score=late[row][0] if row in late else float(fused[row]),
                signals={
                    **{name: float(signals.scores[name][row]) for name in SIGNALS},
                    **({LATE_INTERACTION: late[row][1]} if row in late else {}),
                },
                matches=self._matches(row, signals.concepts, names),
            )
            for row in rows
        ]
        total = sum(weight for _, weight in signals.query_concepts) or 1.0
        named = [
            ConceptMatch(
                uri=names[cid][0],
                label=names[cid][1],
                via="direct",
                source=names[cid][0],
                direction="",
                contribution=weight / total,
            )
            for cid, weight in signals.query_concepts
            if cid in names
        ]
        named.sort(key=lambda match: (-match.contribution, match.uri))
        return PaperResults(hits, named)

    def late_interaction(
        self, session: Session, query: str | EncodedQuery, rows: Sequence[int]
    ) -> np.ndarray:
        """Idf-weighted MaxSim of the query (a text, or as
        :meth:`encode_query` gives it) against the papers of ``rows``,
        float32 (len(rows),); NaN for a paper without wordpiece vectors, and
        for all when the query keeps no wordpiece."""
        corpus = self.corpus
        encoded = self.encode_query(query) if isinstance(query, str) else query
        ids, vectors = encoded.piece_ids, encoded.piece_vectors
        if len(ids) == 0 or not len(rows):
            return np.full(len(rows), np.nan, dtype=np.float32)
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        weights = query_weights(ids, corpus.wordpiece_idf, corpus.wordpiece_papers)
        keys = [corpus.papers[row].key for row in rows]
        dim = corpus.doc_vectors.shape[1]
        stored = PaperStore(session).token_vectors(corpus.model, keys, dim)
        return maxsim_scores(unit, weights, [stored.get(key) for key in keys])

    def _rerank(
        self,
        session: Session,
        query: EncodedQuery,
        fused: np.ndarray,
        k: int,
        mask: np.ndarray | None,
    ) -> tuple[list[int], dict[int, tuple[float, float]]]:
        """The k best rows after late interaction re-ranks the best
        candidates of ``fused``, and for each re-ranked row its final score
        and MaxSim score."""
        weight = self.config.weights.get(LATE_INTERACTION, 0.0)
        if not weight or self.corpus.wordpiece_papers == 0:
            return top_rows(fused, k, mask), {}
        candidates = top_rows(fused, max(k, self.config.rerank_candidates), mask)
        late = self.late_interaction(session, query, candidates)
        final = fused[candidates] + weight * candidate_zscores(late)
        order = sorted(range(len(candidates)), key=lambda i: (-final[i], candidates[i]))
        found = {
            candidates[i]: (float(final[i]), float(late[i]))
            for i in order[:k]
            if np.isfinite(late[i])
        }
        return [candidates[i] for i in order[:k]], found

    def similar(
        self, session: Session, query: str | PaperRecord, k: int
    ) -> list[PaperHit]:
        """Papers most like a stored paper or a text: dense cosine plus the
        cosine of concept weights (weights 0.7 and 0.3), the paper itself
        left out."""
        corpus = self.corpus
        if corpus.size == 0:
            return []
        if isinstance(query, PaperRecord):
            row = corpus.row_of_id[query.id]
            vector = corpus.doc_vectors[row]
            weights = corpus.concepts[row].toarray().ravel()
            exclude = row
        else:
            vector = self.linker.searcher.encoder.encode([query])[0]
            concepts = self._query_concepts(session, query)
            weights = np.zeros(len(corpus.concept_ids), dtype=np.float32)
            for concept_id, weight in concepts:
                col = corpus.column_of.get(concept_id)
                if col is not None:
                    weights[col] = weight * corpus.idf[col]
            exclude = -1
        norm = float(np.linalg.norm(weights))
        overlap = corpus.concepts @ (weights / norm if norm else weights)
        dense = corpus.doc_vectors @ vector
        score = 0.7 * dense + 0.3 * overlap
        mask = np.ones(corpus.size, dtype=bool)
        if exclude >= 0:
            mask[exclude] = False
        shared = {
            int(col): _Expanded(float(weights[col]), "shared", 0, "")
            for col in np.flatnonzero(weights)
        }
        names = GraphStore(session).concepts_by_ids(
            int(corpus.concept_ids[col]) for col in shared
        )
        return [
            PaperHit(
                paper=corpus.papers[row],
                score=float(score[row]),
                signals={"dense": float(dense[row]), "concept": float(overlap[row])},
                matches=self._matches(row, shared, names),
            )
            for row in top_rows(score, k, mask)
        ]

    def _expand(
        self, session: Session, query_concepts: list[tuple[int, float]]
    ) -> dict[int, _Expanded]:
        """Corpus columns reached by the query concepts directly or in one hop."""
        corpus = self.corpus
        base = dict(query_concepts)
        found: dict[int, _Expanded] = {}
        for concept_id, weight in base.items():
            col = corpus.column_of.get(concept_id)
            if col is not None:
                found[col] = _Expanded(
                    weight * corpus.idf[col], "direct", concept_id, ""
                )
        relations = {relation for relation, _ in self.config.decay}
        per_source: Counter[int] = Counter()
        for hop in one_hop(session, base, relations):
            col = corpus.column_of.get(hop.target)
            factor = self.config.decay.get((hop.relation, hop.direction))
            if col is None or factor is None:
                continue
            if per_source[hop.source] >= self.config.max_hops_per_concept:
                continue
            per_source[hop.source] += 1
            weight = base[hop.source] * factor * min(1.0, hop.weight) * corpus.idf[col]
            if col not in found or weight > found[col].weight:
                found[col] = _Expanded(weight, hop.relation, hop.source, hop.direction)
        return found

    def _concept_scores(self, expanded: dict[int, _Expanded]) -> np.ndarray:
        corpus = self.corpus
        if not expanded:
            return np.zeros(corpus.size, dtype=np.float32)
        weights = np.zeros(len(corpus.concept_ids), dtype=np.float32)
        for col, found in expanded.items():
            weights[col] = found.weight
        weights /= np.linalg.norm(weights)
        scores: np.ndarray = corpus.concepts @ weights
        return scores.astype(np.float32)

    def _matches(
        self,
        row: int,
        expanded: dict[int, _Expanded],
        names: dict[int, tuple[str, str]],
        limit: int = 8,
    ) -> tuple[ConceptMatch, ...]:
        corpus = self.corpus
        paper = corpus.concepts[row]
        total = math.sqrt(sum(e.weight**2 for e in expanded.values())) or 1.0
        matches = []
        for col, value in zip(paper.indices.tolist(), paper.data.tolist(), strict=True):
            found = expanded.get(col)
            if found is None:
                continue
            uri, label = names.get(int(corpus.concept_ids[col]), ("", ""))
            source = names.get(found.source, ("", ""))[0]
            matches.append(
                ConceptMatch(
                    uri=uri,
                    label=label,
                    via=found.via,
                    source=source if found.via not in ("direct", "shared") else uri,
                    direction=found.direction,
                    contribution=float(found.weight * value / total),
                )
            )
        matches.sort(key=lambda m: -m.contribution)
        return tuple(matches[:limit])


def fuse(scores: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Weighted sum of z-scored signals, float32 (n,).

    A signal that is constant over the corpus (e.g. no concept matched)
    contributes nothing.
    """
    total: np.ndarray | None = None
    for name, weight in weights.items():
        if not weight or name not in scores:
            continue
        values = scores[name].astype(np.float32)
        spread = float(values.std())
        normalized = (values - values.mean()) / spread if spread > 0 else values * 0
        total = weight * normalized if total is None else total + weight * normalized
    if total is None:
        size = len(next(iter(scores.values())))
        return np.zeros(size, dtype=np.float32)
    return total.astype(np.float32)


def candidate_zscores(values: np.ndarray) -> np.ndarray:
    """Z-scores over the finite values, float32; NaN (not scored) and a
    constant signal give 0, so they leave the first fusion's order alone."""
    finite = np.isfinite(values)
    result = np.zeros(len(values), dtype=np.float32)
    if finite.sum() < 2:
        return result
    spread = float(values[finite].std())
    if spread > 0:
        result[finite] = (values[finite] - values[finite].mean()) / spread
    return result


def rank_fusion(scores: list[np.ndarray], k: int = 60) -> np.ndarray:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over the score vectors,
    float64 (n,); rank 1 is the best score (ties by position)."""
    fused = np.zeros(len(scores[0]), dtype=np.float64)
    for values in scores:
        ranks = np.empty(len(values), dtype=np.int64)
        ranks[np.argsort(-values, kind="stable")] = np.arange(1, len(values) + 1)
        fused += 1.0 / (k + ranks)
    return fused


def top_rows(scores: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[int]:
    """Rows of the k highest scores, best first; rows outside ``mask`` are skipped.

    Ties are broken by row, so equal scores keep a stable order.
    """
    values = scores.astype(np.float64)
    if mask is not None:
        values = np.where(mask, values, -np.inf)
    count = min(k, int(np.isfinite(values).sum()))
    if count <= 0:
        return []
    picked = np.argpartition(-values, count - 1)[:count]
    order = sorted(picked.tolist(), key=lambda row: (-values[row], row))
    return order
