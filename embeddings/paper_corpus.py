"""The papers in memory for search: vectors, BM25, concept weights, filters."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sqlalchemy.orm import Session

from embeddings.lexical import LexicalIndex
from embeddings.paper_records import PaperInput, PaperRecord
from embeddings.papers_store import PaperStore
from embeddings.token_vectors import wordpiece_idf
from graph.errors import InvalidQuery

logger = logging.getLogger(__name__)

FILTER_KEYS = ("year_min", "year_max", "venue", "author")


@dataclass(frozen=True)
class PaperFilters:
    """Which papers a search may return; None does not filter.

    ``venue`` and ``author`` match case-insensitively and exactly (an author
    must be one of the paper's authors). A paper without a year fails any
    year bound.
    """

    year_min: int | None = None
    year_max: int | None = None
    venue: str | None = None
    author: str | None = None

    @classmethod
    def parse(cls, values: dict[str, str]) -> PaperFilters:
        """Filters from ``key -> value`` strings, e.g. ``{"year_min": "2020"}``.

        Raises:
            InvalidQuery: an unknown key, a non-integer year, an empty value
                or a year range that is empty.
        """
        parsed: dict[str, object] = {}
        for key, value in values.items():
            if key not in FILTER_KEYS:
                raise InvalidQuery("filter", key, f"one of {', '.join(FILTER_KEYS)}")
            if not value.strip():
                raise InvalidQuery(f"filter {key}", value, "a non-empty value")
            if key.startswith("year"):
                try:
                    parsed[key] = int(value)
                except ValueError:
                    raise InvalidQuery(f"filter {key}", value, "a year") from None
            else:
                parsed[key] = value.strip().casefold()
        filters = cls(**parsed)  # type: ignore[arg-type]
        low, high = filters.year_min, filters.year_max
        if low is not None and high is not None and low > high:
            raise InvalidQuery("filter year_min", low, f"at most year_max {high}")
        return filters

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return any(
            v is not None
            for v in (self.year_min, self.year_max, self.venue, self.author)
        )


class PaperCorpus:
    """Every stored paper with what search needs, loaded once per change.

    Attributes:
        papers: the papers, in row order.
        doc_vectors: float32 (n, dim), part 0 (title plus abstract).
        part_vectors: float32 (m, dim), every part including part 0.
        part_owner: int64 (m,), the row of each part's paper.
        concepts: CSR float32 (n, c), each row the paper's concept weights
            scaled to unit length.
        concept_ids: int64 (c,), the concept id of each column.
        idf: float32 (c,), ln(1 + n / df) of each column.
        lexical: BM25 over title plus abstract.
        model: the encoder model whose vectors were loaded ("" when built
            from arrays).
        wordpiece_idf: idf of each wordpiece id over the papers that have
            wordpiece vectors (weights of a query's wordpieces in MaxSim).
        wordpiece_papers: how many papers have wordpiece vectors.
    """

    def __init__(
        self,
        papers: list[PaperRecord],
        doc_vectors: np.ndarray,
        part_vectors: np.ndarray,
        part_owner: np.ndarray,
        link_rows: tuple[np.ndarray, np.ndarray, np.ndarray],
        *,
        bm25_k1: float = 1.5,
        bm25_b: float = 0.75,
        model: str = "",
        wordpieces: tuple[dict[int, int], int] = ({}, 0),
    ) -> None:
        self.papers = papers
        self.model = model
        self.wordpiece_idf = wordpiece_idf(*wordpieces)
        self.wordpiece_papers = wordpieces[1]
        self.row_of_key = {paper.key: row for row, paper in enumerate(papers)}
        self.row_of_id = {paper.id: row for row, paper in enumerate(papers)}
        self.doc_vectors = doc_vectors
        self.part_vectors = part_vectors
        self.part_owner = part_owner
        keys, concept_ids, weights = link_rows
        rows = np.array([self.row_of_key[int(k)] for k in keys], dtype=np.int64)
        self.concept_ids, columns = np.unique(concept_ids, return_inverse=True)
        self.column_of = {int(cid): col for col, cid in enumerate(self.concept_ids)}
        matrix = sparse.csr_matrix(
            (weights, (rows, columns)),
            shape=(len(papers), len(self.concept_ids)),
            dtype=np.float32,
        )
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
        scale = sparse.diags(1.0 / np.where(norms == 0, 1.0, norms))
        self.concepts: sparse.csr_matrix = sparse.csr_matrix(scale @ matrix)
        df = np.bincount(columns, minlength=len(self.concept_ids))
        self.idf = np.log1p(len(papers) / np.maximum(df, 1)).astype(np.float32)
        self.lexical = LexicalIndex(
            [PaperInput(p.id, p.title, p.abstract).text for p in papers],
            k1=bm25_k1,
            b=bm25_b,
        )
        self._years = np.array([p.year or 0 for p in papers], dtype=np.int64)

    @property
    def size(self) -> int:
        """The number of papers."""
        return len(self.papers)

    @classmethod
    def load(
        cls,
        session: Session,
        model: str,
        dim: int,
        *,
        bm25_k1: float = 1.5,
        bm25_b: float = 0.75,
    ) -> PaperCorpus:
        """Read every paper, its vectors of ``model`` and its concept links.

        Papers without vectors of ``model`` are left out (ingest encodes
        every paper, so only a change of encoder leaves any).
        """
        store = PaperStore(session)
        keys, parts, vectors = store.load_vectors(model, dim)
        encoded = set(keys[parts == 0].tolist())
        papers = [p for p in store.all_papers() if p.key in encoded]
        row_of = {paper.key: row for row, paper in enumerate(papers)}
        doc_vectors = np.zeros((len(papers), dim), dtype=np.float32)
        owner = np.array([row_of.get(int(k), -1) for k in keys], dtype=np.int64)
        whole = (parts == 0) & (owner >= 0)
        doc_vectors[owner[whole]] = vectors[whole]
        kept = owner >= 0
        link_keys, link_concepts, link_weights = store.all_links()
        linked = np.isin(link_keys, np.array(sorted(encoded), dtype=np.int64))
        corpus = cls(
            papers,
            doc_vectors,
            vectors[kept],
            owner[kept],
            (link_keys[linked], link_concepts[linked], link_weights[linked]),
            bm25_k1=bm25_k1,
            bm25_b=bm25_b,
            model=model,
            wordpieces=store.wordpiece_frequencies(model),
        )
        logger.info(
            "paper_corpus_loaded papers=%d parts=%d concepts=%d wordpiece_papers=%d",
            corpus.size,
            len(corpus.part_vectors),
            len(corpus.concept_ids),
            corpus.wordpiece_papers,
        )
        return corpus

    def max_part_scores(self, query: np.ndarray) -> np.ndarray:
        """Best cosine of any part of each paper, float32 (n,).

        Args:
            query: unit vector, shape (dim,).
        """
        scores = np.full(self.size, -1.0, dtype=np.float32)
        if len(self.part_vectors):
            np.maximum.at(scores, self.part_owner, self.part_vectors @ query)
        return scores

    def mask(self, filters: PaperFilters) -> np.ndarray | None:
        """Boolean (n,) of the papers the filters let through; None: all."""
        if not filters.active:
            return None
        allowed = np.ones(self.size, dtype=bool)
        if filters.year_min is not None:
            allowed &= self._years >= filters.year_min
        if filters.year_max is not None:
            allowed &= (self._years <= filters.year_max) & (self._years > 0)
        if filters.venue is not None:
            venue = filters.venue
            allowed &= np.array(
                [(p.venue or "").casefold() == venue for p in self.papers], dtype=bool
            )
        if filters.author is not None:
            author = filters.author
            allowed &= np.array(
                [author in (a.casefold() for a in p.authors) for p in self.papers],
                dtype=bool,
            )
        return allowed
