"""Tests of graph.pagination: keyset page tokens."""

from __future__ import annotations

import base64
import json

import pytest

from graph.errors import InvalidQuery
from graph.pagination import (
    PageKey,
    decode_page_token,
    encode_page_token,
    query_fingerprint,
)


def _forge(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def test_decode_page_token_round_trip_returns_same_key() -> None:
    fingerprint = query_fingerprint("/c/en/dog", None)
    key = PageKey(weight=0.1 + 0.2, edge_id=12345)

    token = encode_page_token(key, fingerprint)

    assert "=" not in token
    assert decode_page_token(token, fingerprint) == key


def test_query_fingerprint_differs_between_filters() -> None:
    assert query_fingerprint("/c/en/dog", None) != query_fingerprint(None, "/c/en/dog")
    assert query_fingerprint("/c/en/dog", None) == query_fingerprint("/c/en/dog", None)


def test_decode_page_token_other_query_raises_invalid_query() -> None:
    token = encode_page_token(PageKey(1.0, 3), query_fingerprint("a"))

    with pytest.raises(InvalidQuery, match="same filters") as caught:
        decode_page_token(token, query_fingerprint("b"))

    assert caught.value.value == token


@pytest.mark.parametrize(
    "token",
    [
        "not a token",
        "%%%",
        _forge([1, 2]),
        _forge({"w": 1.0, "q": "x"}),
        _forge({"w": "heavy", "i": 1, "q": "x"}),
        _forge({"w": 1.0, "i": 1.5e300, "q": "x"}),
    ],
)
def test_decode_page_token_garbled_raises_invalid_query_naming_token(
    token: str,
) -> None:
    with pytest.raises(InvalidQuery, match="invalid page_token") as caught:
        decode_page_token(token, "x")

    assert caught.value.value == token


@pytest.mark.parametrize(
    "payload",
    [
        {"w": float("inf"), "i": 1},
        {"w": float("nan"), "i": 1},
        {"w": 1.0, "i": -1},
        {"w": 1.0, "i": 2**70},
    ],
)
def test_decode_page_token_out_of_range_key_raises_invalid_query(
    payload: dict[str, float],
) -> None:
    token = _forge({**payload, "q": "x"})

    with pytest.raises(InvalidQuery, match="a token returned by the previous page"):
        decode_page_token(token, "x")
