"""Naming an SAE's stored features: which features, their queries, the names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from embeddings.errors import DimensionMismatch, InvalidVectors
from embeddings.linear_map_cache import LinearMapCache
from embeddings.sae_errors import FeatureDataMissing
from embeddings.sae_naming import (
    DEFAULT_EXAMPLES_WEIGHT,
    MIN_BACKGROUND_FEATURES,
    NamingMethod,
    combined_queries,
    direction_queries,
    example_queries,
)
from embeddings.sae_search import VectorCache
from embeddings.sae_store import FeaturePart, SAEInfo, SAEStore
from embeddings.search import ConceptSearcher
from embeddings.spaces import SpaceStore

# A request naming at least this share of an SAE's features reads (and
# caches) the inputs of all of them; smaller ones read only their own.
CACHE_ALL_SHARE = 0.25

# What each method reads from the store.
METHOD_PARTS: dict[NamingMethod, tuple[FeaturePart, ...]] = {
    "direction": ("direction",),
    "examples": ("snippets",),
    "combined": ("direction", "snippets"),
    "explanation": ("explanation",),
}
_PART_NAMES = {
    "direction": "decoder direction",
    "snippets": "snippets",
    "explanation": "explanation",
}


class FeatureNamer:
    """Builds the naming queries of one SAE's features through one session.

    Args:
        session: an open session; only read.
        searcher: the concept index and encoder the names come from.
        sae: the SAE's name.
        inputs: keeps the SAE's decoder directions and example queries in
            memory by upload revision (reading 4,096 features' snippets
            took 0.2 to 0.6 s of each naming); None reads them every time.
        linear_maps: keeps the spaces' alignments in memory; None reads
            them every time.
    """

    def __init__(
        self,
        session: Session,
        searcher: ConceptSearcher,
        sae: str,
        *,
        inputs: VectorCache | None = None,
        linear_maps: LinearMapCache | None = None,
    ) -> None:
        self._store = SAEStore(session)
        self._spaces = SpaceStore(session)
        self._searcher = searcher
        self._inputs = inputs
        self._linear_maps = linear_maps
        self.info: SAEInfo = self._store.get(sae)
        self._snippet_mean: np.ndarray | None = None

    def feature_ids(
        self, method: NamingMethod, requested: Sequence[int] | None
    ) -> np.ndarray:
        """The features to name: ``requested`` (checked), or with None every
        feature that has what the method needs, sorted.

        Raises:
            InvalidVectors: an id out of range or given twice, or nothing to
                name.
            FeatureDataMissing: a requested feature lacks what ``method`` needs.
        """
        parts = METHOD_PARTS[method]
        available = [set(self._store.feature_ids(self.info.name, p)) for p in parts]
        if requested is None:
            ids = sorted(set.intersection(*available))
            if not ids:
                needed = " and ".join(_PART_NAMES[p] for p in parts)
                raise InvalidVectors(
                    "features", f"no feature of sae {self.info.name!r} has {needed}"
                )
            return np.array(ids, dtype=np.int64)
        seen: set[int] = set()
        for feature_id in requested:
            if not 0 <= feature_id < self.info.n_features:
                raise InvalidVectors(
                    "feature_ids",
                    f"feature id {feature_id} is outside "
                    f"0..{self.info.n_features - 1} of sae {self.info.name!r}",
                )
            if feature_id in seen:
                raise InvalidVectors(
                    "feature_ids", f"feature id {feature_id} appears twice"
                )
            seen.add(feature_id)
            for part, have in zip(parts, available, strict=True):
                if feature_id not in have:
                    raise FeatureDataMissing(
                        self.info.name, feature_id, _PART_NAMES[part]
                    )
        if not seen:
            raise InvalidVectors("feature_ids", "the request names no feature")
        return np.array(list(requested), dtype=np.int64)

    def queries(
        self,
        method: NamingMethod,
        feature_ids: np.ndarray,
        *,
        examples_weight: float = DEFAULT_EXAMPLES_WEIGHT,
    ) -> np.ndarray:
        """Query vectors of the features in the concept space, shape (n, dim).

        Raises:
            AlignmentNotFound: ``direction``/``combined`` on a space without
                an alignment.
            DimensionMismatch: the alignment maps to another dimension than
                the concept index's.
        """
        # Limitation: the directions (or snippets) of all requested features
        # are read into memory at once.
        dim = self._searcher.index.dim
        if method == "explanation":
            return self._store.explanation_vectors(self.info.name, feature_ids)
        if method == "examples":
            return self._examples(feature_ids)
        linear_map = (
            self._linear_maps.linear_map(self._spaces, self.info.space)
            if self._linear_maps is not None
            else self._spaces.linear_map(self.info.space)
        )
        if linear_map.dim_out != dim:
            raise DimensionMismatch(dim, linear_map.dim_out)
        directions = direction_queries(
            self._cached(
                "direction",
                feature_ids,
                lambda ids: self._store.directions(self.info.name, ids),
            ),
            linear_map,
        )
        if method == "direction":
            return directions
        return combined_queries(
            directions, self._examples(feature_ids), examples_weight=examples_weight
        )

    def params(self, method: NamingMethod, examples_weight: float) -> dict[str, Any]:
        """What a naming run depends on, stored with its names."""
        params: dict[str, Any] = {"index": self._searcher.index.embedding_set}
        if method in ("direction", "combined"):
            space = self._spaces.get(self.info.space)
            params["alignment_version"] = space.alignment_version
        if method == "combined":
            params["examples_weight"] = examples_weight
        if method in ("examples", "combined"):
            params["examples_centered"] = self._background() is not None
        return params

    def _background(self) -> np.ndarray | None:
        if self.info.snippet_features < MIN_BACKGROUND_FEATURES:
            return None
        if self._snippet_mean is None:
            self._snippet_mean = self._store.snippet_background(self.info.name)
        return self._snippet_mean

    def _cached(
        self,
        part: FeaturePart,
        feature_ids: np.ndarray,
        read: Callable[[np.ndarray], np.ndarray],
    ) -> np.ndarray:
        """Rows of ``read(ids)`` for ``feature_ids``: from the cache of every
        feature that has ``part`` when present or when the request is large
        enough to fill it, else read for these features alone."""
        if self._inputs is None:
            return read(feature_ids)
        key = (part, self.info.id, self.info.revision)
        if not self._inputs.holds(key) and len(feature_ids) < (
            CACHE_ALL_SHARE * self.info.n_features
        ):
            return read(feature_ids)

        def read_all() -> tuple[np.ndarray, np.ndarray]:
            every = self._store.feature_ids(self.info.name, part)
            return every, read(every)

        every, rows = self._inputs.get(key, read_all)
        positions = np.searchsorted(every, feature_ids)
        positions = np.minimum(positions, len(every) - 1)
        if not np.array_equal(every[positions], feature_ids):
            # A feature the cached upload lacks: let the store name it.
            return read(feature_ids)
        picked: np.ndarray = rows[positions]
        return picked

    def _examples(self, feature_ids: np.ndarray) -> np.ndarray:
        queries = self._cached(
            "snippets",
            feature_ids,
            lambda ids: example_queries(
                self._store.snippet_sets(self.info.name, ids),
                background=self._background(),
            ),
        )
        dim = self._searcher.index.dim
        if queries.shape[1] != dim:
            raise DimensionMismatch(dim, int(queries.shape[1]))
        return queries
