"""Gives concepts added to the graph vectors in the served set and the live index."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from embeddings.incremental import extend_set, is_extendable, reencode_concepts
from embeddings.search import ConceptSearcher
from embeddings.sets import EmbeddingSetNotFound, EmbeddingSetStore, SetInfo

logger = logging.getLogger(__name__)


class IndexUpdater:
    """A background thread that indexes new concepts after each graph write.

    :meth:`notify` after a write; the thread then encodes every concept
    that has no vector in the served set, stores the vectors, adds them to
    the index and saves the index file. Searches keep being answered
    meanwhile; a new concept becomes findable once its batch is added.

    :meth:`relabeled` after a write changed labels: the next pass encodes
    those concepts' new text, replaces their stored vectors and their rows
    in the index.

    Limitations: two servers on one database each add only what they
    encoded themselves (the other finds its saved index stale at its next
    start and rebuilds it from the stored vectors), and a relabel written by
    another process, or one whose pass was cut short by a stop, keeps the
    old label's vector until the set is rebuilt.

    Args:
        sessions: factory of sessions on the graph database.
        searcher: the searcher whose index and encoder are extended.
        on_added: called after vectors were added (to drop cached id lists).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        searcher: ConceptSearcher,
        *,
        on_added: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._searcher = searcher
        self._on_added = on_added
        self._condition = threading.Condition()
        self._requested = 0
        self._finished = 0
        self._relabeled: set[str] = set()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name="index-updater", daemon=True
        )

    def start(self) -> None:
        """Start the thread and look once for concepts added while it was off."""
        self._thread.start()
        self.notify()

    def notify(self) -> None:
        """Ask for a pass over new concepts (cheap; passes asked meanwhile merge)."""
        with self._condition:
            self._requested += 1
            self._condition.notify_all()

    def relabeled(self, uris: Sequence[str]) -> None:
        """Ask for the text vectors of concepts whose label changed to be
        re-encoded on the next pass."""
        with self._condition:
            self._relabeled.update(uris)
            self._requested += 1
            self._condition.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until every pass asked for so far has finished; False on timeout."""
        with self._condition:
            target = self._requested
            return self._condition.wait_for(
                lambda: self._finished >= target or self._stopping, timeout_s
            )

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop after the batch in progress (its commit is kept)."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(
                    lambda: self._stopping or self._requested > self._finished
                )
                if self._stopping:
                    return
                target = self._requested
            try:
                self._update()
            except Exception:
                # The graph write that asked for this pass has committed; a
                # failed pass is retried on the next notify or restart.
                logger.error("index_update_failed", exc_info=True)
            with self._condition:
                self._finished = target
                self._condition.notify_all()

    def _update(self) -> None:
        index = self._searcher.index
        with self._sessions() as session:
            try:
                info = EmbeddingSetStore(session).by_label(index.embedding_set)
            except EmbeddingSetNotFound:
                # An index built outside the database (a benchmark's, or one
                # whose set was deleted) has nothing to extend from.
                logger.warning(
                    "index_update_skipped set=%s reason=set_not_in_database",
                    index.embedding_set,
                )
                return
        if not is_extendable(info):
            logger.debug("index_update_skipped set=%s kind=%s", info.label, info.kind)
            return
        ids, vectors = extend_set(self._sessions, info, self._searcher.encoder)
        if len(ids):
            index.add(ids, vectors)
        with self._condition:
            relabeled, self._relabeled = sorted(self._relabeled), set()
        try:
            replaced = self._reencode(info, relabeled) if relabeled else 0
        except Exception:
            # Keep the relabels for the retry of the next pass.
            with self._condition:
                self._relabeled.update(relabeled)
            raise
        if len(ids) == 0 and replaced == 0:
            return
        if index.folder is not None:
            index.save(index.folder)
        if self._on_added is not None and len(ids):
            self._on_added()
        logger.info(
            "index_updated set=%s added=%d replaced=%d vectors=%d",
            info.label,
            len(ids),
            replaced,
            index.count,
        )

    def _reencode(self, info: SetInfo, uris: list[str]) -> int:
        """Encode relabeled concepts' text, store it and replace their rows."""
        ids, vectors = reencode_concepts(
            self._sessions, info, self._searcher.encoder, uris
        )
        if len(ids) == 0:
            return 0
        self._searcher.index.replace(ids, vectors)
        return len(ids)
