"""Feature search: the SAE features whose names or explanations match a query."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
from sqlalchemy.orm import Session

from embeddings.errors import DimensionMismatch, InvalidVectors
from embeddings.sae_errors import NamingNotFound
from embeddings.sae_name_store import NamingInfo, SAENameStore
from embeddings.sae_naming import DEFAULT_METHOD, NAMING_METHODS, NamingMethod
from embeddings.sae_store import SAEStore

Matched = Literal["name", "explanation"]
Loaded = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class FeatureMatch:
    """A feature found by a search, the cosine of the match and what matched.

    ``naming`` is the run whose name matched or, for an explanation match,
    the run the feature's shown name comes from (None when it has none).
    """

    sae: str
    feature_id: int
    score: float
    matched: Matched
    naming: NamingInfo | None


class VectorCache:
    """Name and explanation matrices, read once and kept while they are current.

    Keys name what the matrix was read from (a naming run id, or an SAE's
    upload revision), so a new run or upload is read afresh and old entries
    age out, least recently used first.

    Args:
        max_entries: matrices kept at most.
    """

    def __init__(self, max_entries: int = 32) -> None:
        self._entries: OrderedDict[Hashable, Loaded] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def holds(self, key: Hashable) -> bool:
        """Whether a matrix is kept under ``key``."""
        with self._lock:
            return key in self._entries

    def get(self, key: Hashable, load: Callable[[], Loaded]) -> Loaded:
        """The matrix under ``key``, loaded with ``load`` when missing."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        loaded = load()
        with self._lock:
            self._entries[key] = loaded
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return loaded


def search_features(
    session: Session,
    cache: VectorCache,
    query: np.ndarray,
    *,
    k: int,
    saes: list[str] | None = None,
    method: NamingMethod | None = None,
    explanations: bool = True,
) -> list[FeatureMatch]:
    """The k features, over the given SAEs (None: all), closest to ``query``.

    A feature's score is the better cosine of its name vector (from the
    newest run of ``method``; with None, of the default method, else of the
    first method with names) and, with ``explanations``, of its
    explanation's embedding.

    Args:
        session: an open session; only read.
        cache: vectors kept between calls.
        query: unit float32 vector of the concept space, shape (dim,).
        k: features returned, >= 1.

    Raises:
        InvalidVectors: k below 1.
        SAENotFound: an SAE in ``saes`` is not registered.
    """
    if k < 1:
        raise InvalidVectors("k", f"k={k} is below 1")
    # Limitation: an exact scan of every name and explanation matrix in scope,
    # O(features) per query; fine for a few hundred thousand features.
    store = SAEStore(session)
    infos = [store.get(name) for name in saes] if saes else store.list_saes()
    best: dict[tuple[str, int], FeatureMatch] = {}
    for info in infos:
        naming = _naming(SAENameStore(session), info.name, method)
        sources: list[tuple[Matched, Hashable, Callable[[], Loaded]]] = []
        if naming is not None:
            sources.append(
                (
                    "name",
                    ("names", naming.id),
                    partial(SAENameStore(session).name_vectors, naming.id),
                )
            )
        if explanations and info.explanations:
            sources.append(
                (
                    "explanation",
                    ("explanations", info.id, info.revision),
                    partial(store.all_explanation_vectors, info.name),
                )
            )
        for matched, key, load in sources:
            ids, matrix = cache.get(key, load)
            if len(ids) == 0:
                continue
            if matrix.shape[1] != len(query):
                raise DimensionMismatch(int(matrix.shape[1]), len(query))
            scores = matrix @ query
            top = np.argsort(-scores, kind="stable")[:k]
            for row in top.tolist():
                match = FeatureMatch(
                    info.name, int(ids[row]), float(scores[row]), matched, naming
                )
                slot = (info.name, match.feature_id)
                if slot not in best or match.score > best[slot].score:
                    best[slot] = match
    ranked = sorted(best.values(), key=lambda m: (-m.score, m.sae, m.feature_id))
    return ranked[:k]


def _naming(
    store: SAENameStore, sae: str, method: NamingMethod | None
) -> NamingInfo | None:
    order = (
        [method]
        if method
        else [DEFAULT_METHOD, *(m for m in NAMING_METHODS if m != DEFAULT_METHOD)]
    )
    for candidate in order:
        try:
            return store.naming(sae, candidate)
        except NamingNotFound:
            continue
    return None
