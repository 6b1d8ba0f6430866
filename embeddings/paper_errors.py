"""Domain errors of paper ingest and search; each keeps the offending value.

EmbeddingError
└── PaperError
    ├── InvalidPaper     a paper record that cannot be stored (names its position)
    └── PaperNotFound    no paper with that id
"""

from __future__ import annotations

from embeddings.errors import EmbeddingError


class PaperError(EmbeddingError):
    """Base class of the paper errors."""


class InvalidPaper(PaperError):
    """A paper record with a missing or malformed field."""

    def __init__(self, position: str, reason: str) -> None:
        super().__init__(f"invalid paper at {position}: {reason}")
        self.position = position
        self.reason = reason


class PaperNotFound(PaperError):
    """No paper is stored under the id."""

    def __init__(self, paper_id: str) -> None:
        super().__init__(f"paper {paper_id!r} does not exist")
        self.paper_id = paper_id
