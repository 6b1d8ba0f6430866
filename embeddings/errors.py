"""Domain errors of the embeddings package; each keeps the offending value.

EmbeddingError
├── ModelNotFound       the text encoder's model folder is missing
├── InvalidVectors      empty batch, wrong rank, NaN or Inf values
├── DimensionMismatch   vectors of another dimension than expected
├── IndexNotReady       no index has been built or loaded yet
├── IndexCorrupted      an index file does not match its metadata
└── VectorNotFound      a concept that the index holds no vector for
"""

from __future__ import annotations


class EmbeddingError(Exception):
    """Base class of every error raised by the embeddings package."""


class ModelNotFound(EmbeddingError):
    """The folder of a sentence-transformers model does not exist."""

    def __init__(self, path: str) -> None:
        super().__init__(f"text encoder model folder {path!r} does not exist")
        self.path = path


class InvalidVectors(EmbeddingError):
    """Vectors that cannot be searched or stored."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"invalid {name}: {reason}")
        self.name = name
        self.reason = reason


class DimensionMismatch(EmbeddingError):
    """Vectors whose dimension differs from the index's."""

    def __init__(self, expected: int, got: int) -> None:
        super().__init__(f"vectors have dim {got}, the index expects {expected}")
        self.expected = expected
        self.got = got


class IndexNotReady(EmbeddingError):
    """A search before any index was built or loaded."""

    def __init__(self, name: str) -> None:
        super().__init__(f"index {name!r} is not built yet")
        self.name = name


class IndexCorrupted(EmbeddingError):
    """An index file whose checksum, size or dimension disagrees with its metadata."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"index file {path!r} is corrupted: {reason}")
        self.path = path
        self.reason = reason


class VectorNotFound(EmbeddingError):
    """A concept that has no vector in the loaded index."""

    def __init__(self, concept: str) -> None:
        super().__init__(f"concept {concept!r} has no vector in the index")
        self.concept = concept
