"""Domain errors of the graph layer; each keeps the offending value.

GraphError
├── InvalidURI          a concept, relation or edge URI that does not parse
├── InvalidQuery        a request field with a bad value (limit, token, ...)
├── LimitExceeded       a request larger than a configured limit
├── ConceptNotFound     no concept with that URI
└── RelationNotFound    no relation with that URI
"""

from __future__ import annotations


class GraphError(Exception):
    """Base class of every error raised by the graph package."""


class InvalidURI(GraphError):
    """A URI that does not follow the ConceptNet conventions."""

    def __init__(self, uri: str, reason: str) -> None:
        super().__init__(f"malformed URI {uri!r}: {reason}")
        self.uri = uri
        self.reason = reason


class InvalidQuery(GraphError):
    """A query field whose value is out of range or malformed."""

    def __init__(self, field: str, value: object, expected: str) -> None:
        super().__init__(f"invalid {field} {value!r}: expected {expected}")
        self.field = field
        self.value = value
        self.expected = expected


class LimitExceeded(GraphError):
    """A request that asks for more than a configured limit allows."""

    def __init__(self, field: str, value: int, limit: int) -> None:
        super().__init__(f"{field} {value} exceeds the limit of {limit}")
        self.field = field
        self.value = value
        self.limit = limit


class ConceptNotFound(GraphError):
    """No concept is stored under the URI."""

    def __init__(self, uri: str) -> None:
        super().__init__(f"concept {uri!r} does not exist")
        self.uri = uri


class RelationNotFound(GraphError):
    """No relation is stored under the URI."""

    def __init__(self, uri: str) -> None:
        super().__init__(f"relation {uri!r} does not exist")
        self.uri = uri
