"""Tests of graph.uri: standardizing text and parsing concept, relation, edge URIs."""

from __future__ import annotations

import pytest

from graph.errors import InvalidURI
from graph.uri import (
    concept_uri_from_text,
    edge_uri,
    is_symmetric,
    parse_concept_uri,
    parse_edge_uri,
    parse_relation_uri,
    relation_uri_from_name,
    standardize_text,
)


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Dog", "dog"),
        ("hot dog", "hot_dog"),
        ("  Hello,   World!! ", "hello_world"),
        ("yo-yo", "yo_yo"),
        ("A Hot-Dog!", "hot_dog"),
        ("Café Crème", "café_crème"),
        ("テスト", "テスト"),
        ("中文 测试", "中文_测试"),
        ("Ｔｅｓｔ", "test"),
        ("can't stop", "can't_stop"),
        ("a dog", "dog"),
        ("an apple a day", "apple_a_day"),
        ("The cat", "cat"),
        ("the", "the"),
        ("under_score", "under_score"),
    ],
)
def test_standardize_text_english_follows_conceptnet_rules(
    text: str, term: str
) -> None:
    assert standardize_text(text) == term


def test_standardize_text_other_language_keeps_articles() -> None:
    assert standardize_text("a casa", lang="pt") == "a_casa"


def test_standardize_text_only_punctuation_returns_empty() -> None:
    assert standardize_text("?!-- ...") == ""


def test_concept_uri_from_text_builds_uri_with_language() -> None:
    assert concept_uri_from_text("A Hot-Dog") == "/c/en/hot_dog"
    assert concept_uri_from_text("Café Crème", lang="fr") == "/c/fr/café_crème"
    assert concept_uri_from_text("テスト", lang="ja") == "/c/ja/テスト"


def test_concept_uri_from_text_no_word_characters_raises_invalid_uri() -> None:
    with pytest.raises(InvalidURI, match="has no word characters"):
        concept_uri_from_text("!!!")


def test_concept_uri_from_text_bad_language_raises_invalid_uri() -> None:
    with pytest.raises(InvalidURI, match="'EN!'"):
        concept_uri_from_text("dog", lang="EN!")


def test_parse_concept_uri_with_sense_returns_all_parts() -> None:
    parts = parse_concept_uri("/c/en/test/n/wikt/en_1")

    assert (parts.lang, parts.term, parts.pos, parts.sense) == (
        "en",
        "test",
        "n",
        "wikt/en_1",
    )
    assert parts.root_uri == "/c/en/test"
    assert parts.label == "test"


def test_parse_concept_uri_plain_term_has_no_pos_or_sense() -> None:
    parts = parse_concept_uri("/c/ja/テスト")

    assert (parts.lang, parts.term, parts.pos, parts.sense) == (
        "ja",
        "テスト",
        None,
        None,
    )


def test_parse_concept_uri_pos_only_has_no_sense() -> None:
    parts = parse_concept_uri("/c/en/hot_dog/n")

    assert (parts.pos, parts.sense, parts.label) == ("n", None, "hot dog")


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("", "empty"),
        ("c/en/dog", "starts with '/c/'"),
        ("/r/IsA", "starts with '/c/'"),
        ("/c/en", "expected /c/<lang>/<term>"),
        ("/c/EN/dog", "language code 'EN'"),
        ("/c/e/dog", "language code 'e'"),
        ("/c/en//n", "term is empty"),
        ("/c/en/dog/x", "part of speech 'x'"),
        ("/c/en/dog/n//wn", "empty segment"),
        ("/c/en/dog/", "do not end with '/'"),
        ("/c/en/hot dog", "no whitespace"),
        ("/c/en/dog\t", "no whitespace"),
    ],
)
def test_parse_concept_uri_malformed_raises_naming_uri(uri: str, reason: str) -> None:
    with pytest.raises(InvalidURI) as caught:
        parse_concept_uri(uri)

    assert repr(uri) in str(caught.value)
    assert reason in str(caught.value)
    assert caught.value.uri == uri


def test_parse_concept_uri_too_long_raises_naming_uri_prefix() -> None:
    uri = "/c/en/" + "x" * 2500

    with pytest.raises(InvalidURI, match="longer than 2000 bytes") as caught:
        parse_concept_uri(uri)

    assert uri[:60] in str(caught.value)


def test_parse_relation_uri_valid_returns_uri() -> None:
    assert parse_relation_uri("/r/IsA") == "/r/IsA"
    assert parse_relation_uri("/r/dbpedia/genre") == "/r/dbpedia/genre"
    assert relation_uri_from_name(" UsedFor ") == "/r/UsedFor"


@pytest.mark.parametrize(
    "uri", ["/c/en/dog", "/r/", "/r/1sA", "/r/Is-A", "/r/Is A", "/r/IsA//x"]
)
def test_parse_relation_uri_malformed_raises_naming_uri(uri: str) -> None:
    with pytest.raises(InvalidURI) as caught:
        parse_relation_uri(uri)

    assert repr(uri) in str(caught.value)


def test_edge_uri_round_trips_through_parse_edge_uri() -> None:
    uri = edge_uri("/r/Synonym", "/c/en/trial/n/wn/act", "/c/en/test/n/wn/act")

    assert uri == "/a/[/r/Synonym/,/c/en/trial/n/wn/act/,/c/en/test/n/wn/act/]"
    assert parse_edge_uri(uri) == (
        "/r/Synonym",
        "/c/en/trial/n/wn/act",
        "/c/en/test/n/wn/act",
    )


@pytest.mark.parametrize(
    "uri",
    [
        "/a/x",
        "/a/[/r/IsA/,/c/en/dog/]",
        "/a/[/r/IsA/,/c/en/dog/,/c/en/animal/,/c/en/cat/]",
        "/a/[/r/Is-A/,/c/en/dog/,/c/en/animal/]",
        "/a/[/r/IsA/,/c/EN/dog/,/c/en/animal/]",
        "/a/[/r/IsA/,/c/en/dog/,/]",
        "[/r/IsA/,/c/en/dog/,/c/en/animal/]",
    ],
)
def test_parse_edge_uri_malformed_raises_naming_uri(uri: str) -> None:
    with pytest.raises(InvalidURI) as caught:
        parse_edge_uri(uri)

    assert repr(uri) in str(caught.value)


def test_is_symmetric_knows_synonym_but_not_isa() -> None:
    assert is_symmetric("/r/Synonym")
    assert not is_symmetric("/r/IsA")
