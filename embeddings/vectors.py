"""Validation of vector batches before they reach an index or a model."""

from __future__ import annotations

import numpy as np

from embeddings.errors import DimensionMismatch, InvalidVectors


def check_vectors(
    vectors: np.ndarray, *, dim: int | None = None, name: str = "vectors"
) -> np.ndarray:
    """Return ``vectors`` as a C-contiguous float32 matrix, or raise.

    Args:
        vectors: array of shape (n, dim), or (dim,) for a single vector.
        dim: the dimension required, if any.
        name: what the vectors are, for error messages.

    Raises:
        InvalidVectors: empty batch, rank above 2, NaN or Inf values (the
            message names the first bad row).
        DimensionMismatch: the second axis is not ``dim``.
    """
    array = np.asarray(vectors)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise InvalidVectors(name, f"expected shape (n, dim), got {array.shape}")
    if array.shape[0] == 0:
        raise InvalidVectors(name, "the batch is empty")
    if dim is not None and array.shape[1] != dim:
        raise DimensionMismatch(dim, int(array.shape[1]))
    if not np.issubdtype(array.dtype, np.number):
        raise InvalidVectors(name, f"dtype {array.dtype} is not numeric")
    array = np.ascontiguousarray(array, dtype=np.float32)
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise InvalidVectors(name, f"row {row} holds NaN or Inf")
    return array


def normalize_rows(vectors: np.ndarray, *, name: str = "vectors") -> np.ndarray:
    """Scale each row to unit length, for cosine similarity by inner product.

    Args:
        vectors: float32 array, shape (n, dim).
        name: what the vectors are, for error messages.

    Raises:
        InvalidVectors: a row is all zeros (it has no direction).
    """
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    zero = norms[:, 0] == 0
    if zero.any():
        row = int(np.flatnonzero(zero)[0])
        raise InvalidVectors(name, f"row {row} is all zeros and has no direction")
    unit: np.ndarray = (vectors / norms).astype(np.float32, copy=False)
    return unit
