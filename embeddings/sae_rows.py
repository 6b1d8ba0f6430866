"""Row helpers shared by the SAE stores: lookup by name, vector blobs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from embeddings.sae_errors import SAENotFound
from embeddings.sae_models import SAE


def sae_row(session: Session, name: str) -> SAE:
    """The SAE row named ``name``.

    Raises:
        SAENotFound: no such SAE.
    """
    row = session.scalar(select(SAE).where(SAE.name == name))
    if row is None:
        raise SAENotFound(name)
    return row


def vector_blob(vector: np.ndarray) -> bytes:
    """A vector as little-endian float32 bytes."""
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def stack_rows(rows: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """(ids (n,), float32 matrix (n, dim)) from (id, float32 blob) rows."""
    ids = np.array([int(fid) for fid, _ in rows], dtype=np.int64)
    if not rows:
        return ids, np.empty((0, 0), dtype=np.float32)
    flat = np.frombuffer(b"".join(blob for _, blob in rows), dtype="<f4")
    return ids, flat.reshape(len(rows), -1).astype(np.float32)
