"""In-memory cache of concept names (URI, label) by concept id, for answering hits.

Concept rows are never deleted and a URI never changes, but ``UpsertConcepts``
may change a label. This server clears the cache when it relabels a concept;
a relabel written by another process (a second server on the same
PostgreSQL) is seen once the cache's age passes ``max_age_s``. A database
restore must call :meth:`clear`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from graph.store import GraphStore

logger = logging.getLogger(__name__)

# About 150 bytes per entry: a million names hold roughly 150 MB.
DEFAULT_MAX_ENTRIES = 1_000_000
# How stale a label written by another process may be served.
DEFAULT_MAX_AGE_S = 300.0


class ConceptNameCache:
    """Names of concept ids, read from the database once and kept.

    Args:
        max_entries: when a fill would pass this many entries the cache is
            emptied first (hits are spread over the whole vocabulary, so a
            simple reset costs little more than an LRU and needs no bookkeeping).
        max_age_s: the cache is emptied when its oldest entry is this old.
    """

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_age_s: float = DEFAULT_MAX_AGE_S,
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be >= 1, got {max_entries}")
        if not max_age_s > 0:
            raise ValueError(f"max_age_s must be > 0, got {max_age_s}")
        self._max_entries = max_entries
        self._max_age_s = max_age_s
        self._names: dict[int, tuple[str, str]] = {}
        self._started = time.monotonic()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._names)

    def names(
        self, store: GraphStore, ids: Iterable[int]
    ) -> dict[int, tuple[str, str]]:
        """URI and label of each known id; unknown ids are left out.

        Only ids not cached yet are read from ``store``; when every id is
        cached, the database is not touched at all.
        """
        wanted = set(ids)
        if time.monotonic() - self._started > self._max_age_s:
            self.clear()
        cached = self._names
        found = {cid: cached[cid] for cid in wanted if cid in cached}
        missing = wanted.difference(found)
        if not missing:
            return found
        read = store.concepts_by_ids(missing)
        with self._lock:
            if len(self._names) + len(read) > self._max_entries:
                logger.info(
                    "concept_name_cache_reset entries=%d max_entries=%d",
                    len(self._names),
                    self._max_entries,
                )
                self._names = {}
                self._started = time.monotonic()
            self._names.update(read)
        found.update(read)
        return found

    def clear(self) -> None:
        """Forget every cached name (after a relabel or a database restore)."""
        with self._lock:
            self._names = {}
            self._started = time.monotonic()
