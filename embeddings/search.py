"""Nearest concepts of texts and directions over a concept index."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embeddings.encoders import TextEncoder
from embeddings.index import ConceptIndex
from embeddings.term_prompts import check_templates, encode_queries
from embeddings.vectors import check_vectors, normalize_rows


@dataclass(frozen=True)
class Hit:
    """One concept found for a query: its id, cosine score and sign."""

    concept_id: int
    score: float
    negated: bool = False


class ConceptSearcher:
    """Answers nearest-concept queries with one index and one text encoder.

    Args:
        index: the concept index (unit vectors).
        encoder: the encoder the index's set was built with.
        query_templates: the prompt templates of a ``prompted`` set; short
            queries are then prompted the same way (None: encode as given).
    """

    def __init__(
        self,
        index: ConceptIndex,
        encoder: TextEncoder,
        *,
        query_templates: tuple[str, ...] | None = None,
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.query_templates = (
            None if query_templates is None else check_templates(query_templates)
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of texts, shape (n, dim)."""
        if self.query_templates is None:
            return self.encoder.encode(texts)
        return encode_queries(self.encoder.encode, texts, self.query_templates)

    def search(
        self,
        directions: np.ndarray,
        k: int,
        *,
        allowed_ids: np.ndarray | None = None,
        exclude_ids: set[int] | None = None,
        sign_ambiguous: bool = False,
    ) -> list[list[Hit]]:
        """The k concepts closest in cosine to each direction.

        Args:
            directions: float32, shape (n, dim); scaled to unit length here.
            k: hits per direction.
            allowed_ids: search only these concept ids.
            exclude_ids: concept ids never returned (e.g. the query itself).
            sign_ambiguous: also score the negated direction and keep, per
                concept, the better sign.

        Raises:
            InvalidVectors, DimensionMismatch: bad directions or k.
        """
        directions = normalize_rows(
            check_vectors(directions, dim=self.index.dim, name="directions"),
            name="directions",
        )
        exclude = exclude_ids or set()
        fetch = k + len(exclude)
        found = self.index.search(directions, fetch, allowed_ids=allowed_ids)
        flipped = (
            self.index.search(-directions, fetch, allowed_ids=allowed_ids)
            if sign_ambiguous
            else None
        )
        # Plain lists: iterating NumPy rows makes one NumPy scalar per value,
        # several times slower than this loop over Python ints and floats.
        signs = [(found.ids.tolist(), found.scores.tolist(), False)]
        if flipped is not None:
            signs.append((flipped.ids.tolist(), flipped.scores.tolist(), True))
        results = []
        for row in range(len(directions)):
            best: dict[int, Hit] = {}
            for ids, scores, negated in signs:
                for cid, score in zip(ids[row], scores[row], strict=True):
                    if cid < 0 or cid in exclude:
                        continue
                    if cid not in best or score > best[cid].score:
                        best[cid] = Hit(cid, float(score), negated)
            ranked = sorted(best.values(), key=lambda hit: -hit.score)
            results.append(ranked[:k])
        return results

    def concept_vector(self, concept_id: int) -> np.ndarray:
        """The indexed vector of a concept, shape (dim,)."""
        return self.index.reconstruct(concept_id)


def margin(hits: list[Hit]) -> float:
    """Score of the best hit minus that of the runner-up (0 with fewer than 2)."""
    if len(hits) < 2:
        return 0.0
    return hits[0].score - hits[1].score
