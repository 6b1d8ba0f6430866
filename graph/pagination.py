"""Opaque keyset page tokens for edge queries ordered by (weight, id) descending."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from dataclasses import dataclass

from graph.errors import InvalidQuery

# Edge ids are 64-bit signed keys; a token outside that range is forged.
_MAX_EDGE_ID = 2**63


@dataclass(frozen=True)
class PageKey:
    """The last (weight, id) of a page; the next page starts after it."""

    weight: float
    edge_id: int


def query_fingerprint(*parts: object) -> str:
    """A short digest of a query's filters, so a token only fits its own query."""
    text = json.dumps([str(p) for p in parts])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def encode_page_token(key: PageKey, fingerprint: str) -> str:
    """Return the URL-safe token for the page after ``key``."""
    payload = json.dumps({"w": key.weight, "i": key.edge_id, "q": fingerprint})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_page_token(token: str, fingerprint: str) -> PageKey:
    """Parse a token made by :func:`encode_page_token` for the same query.

    Raises:
        InvalidQuery: naming the token when it is garbled or belongs to a
            query with other filters.
    """
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key = PageKey(weight=float(payload["w"]), edge_id=int(payload["i"]))
        query = str(payload["q"])
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise InvalidQuery(
            "page_token", token, "a token returned by the previous page"
        ) from error
    if not (math.isfinite(key.weight) and 0 <= key.edge_id < _MAX_EDGE_ID):
        raise InvalidQuery("page_token", token, "a token returned by the previous page")
    if query != fingerprint:
        raise InvalidQuery(
            "page_token", token, "a token from a query with the same filters"
        )
    return key
