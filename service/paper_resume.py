"""Encodes, at server start, the papers an earlier ingest left without vectors."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import TextEncoder
from embeddings.paper_ingest import encode_missing

logger = logging.getLogger(__name__)


class PaperEncodingResume:
    """A background thread that runs one pass of :func:`encode_missing`.

    An ingest commits its papers before it encodes them, so a failure or a
    stop while encoding leaves papers that search cannot find yet. One pass
    at start gives them their vectors; searches are answered meanwhile, and
    ``on_encoded`` is called once vectors were written, so the next search
    reads the corpus anew. A failed pass is logged and retried at the next
    start, or by the next ingest.

    Args:
        sessions: factory of sessions on the database holding the papers.
        encoder: the concept index's encoder (the papers' vectors are
            stored under its model name).
        on_encoded: called after a pass that wrote vectors.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        encoder: TextEncoder,
        *,
        on_encoded: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._encoder = encoder
        self._on_encoded = on_encoded
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="paper-encoding-resume", daemon=True
        )

    def start(self) -> None:
        """Start the pass."""
        self._thread.start()

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait for the pass to end; False on timeout."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop after the batch in progress (its commit is kept)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            written = encode_missing(
                self._sessions, self._encoder, should_stop=self._stopping.is_set
            )
        except Exception:
            logger.error("paper_encoding_resume_failed", exc_info=True)
            return
        if written and self._on_encoded is not None:
            self._on_encoded()
        logger.info(
            "paper_encoding_resumed vectors=%d seconds=%.2f",
            written,
            time.perf_counter() - started,
        )
