"""Checks of request sizes and texts that every servicer applies alike."""

from __future__ import annotations

from graph.errors import InvalidQuery, LimitExceeded


def checked_count(field: str, value: int, limit: int) -> int:
    """A requested size, when it is at least 1 and at most ``limit``.

    Raises:
        InvalidQuery: below 1 (INVALID_ARGUMENT).
        LimitExceeded: above the limit (RESOURCE_EXHAUSTED).
    """
    if value < 1:
        raise InvalidQuery(field, value, "an integer >= 1")
    if value > limit:
        raise LimitExceeded(field, value, limit)
    return value


def checked_text(field: str, text: str, max_chars: int) -> str:
    """A non-blank text of at most ``max_chars`` characters.

    Raises:
        InvalidQuery: blank text.
        LimitExceeded: longer than the limit.
    """
    if not text.strip():
        raise InvalidQuery(field, text, "non-empty text")
    if len(text) > max_chars:
        raise LimitExceeded(f"{field} length", len(text), max_chars)
    return text
