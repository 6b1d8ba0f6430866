"""Tests of the paper store on SQLite and PostgreSQL."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sqlalchemy.orm import Session

from embeddings.paper_errors import PaperNotFound
from embeddings.paper_models import PaperTokenVectors
from embeddings.paper_records import PaperInput
from embeddings.papers_store import LinkRow, PaperStore
from embeddings.token_vectors import TokenVectors
from graph.store import GraphStore

PAPERS = [
    PaperInput("a", "Cats", "About cats.", year=2020),
    PaperInput("b", "Dogs", "About dogs.", authors=("Ada",)),
    PaperInput("c", "Pets", "About pets.", venue="Pets"),
]


def _tokens(keys: object, dim: int = 4) -> dict[int, TokenVectors]:
    """Two wordpieces (ids key and 7) for each paper key."""
    rng = np.random.default_rng(3)
    return {
        int(key): TokenVectors.quantize(np.array([int(key), 7]), rng.random((2, dim)))
        for key in set(np.asarray(keys).tolist())
    }


def _linked(session: Session) -> tuple[PaperStore, dict[str, int], dict[str, int]]:
    concepts = GraphStore(session).ensure_concepts(
        ["/c/en/cat", "/c/en/dog", "/c/en/animal"]
    )
    store = PaperStore(session)
    keys = store.upsert(PAPERS)
    rows = [
        LinkRow(keys["a"], concepts["/c/en/cat"], 3, 1.0, "uri", "cats"),
        LinkRow(keys["b"], concepts["/c/en/dog"], 1, 0.9, "embedding", "doggy"),
    ] + [
        LinkRow(keys[p], concepts["/c/en/animal"], 1, 1.0, "uri", "animal")
        for p in "abc"
    ]
    store.add_links(rows)
    store.recompute_weights()
    return store, keys, concepts


def test_upsert_new_then_changed_paper_keeps_its_key(session: Session) -> None:
    store = PaperStore(session)
    keys = store.upsert(PAPERS)

    again = store.upsert([PaperInput("a", "Cats", "Changed.", year=2021)])

    assert again["a"] == keys["a"]
    assert store.get("a").abstract == "Changed."
    assert store.get("a").year == 2021
    assert store.count() == 3
    assert store.content_hashes(["a", "zzz"]) == {
        "a": PaperInput("a", "Cats", "Changed.", year=2021).content_hash()
    }


def test_get_unknown_paper_raises_not_found(session: Session) -> None:
    with pytest.raises(PaperNotFound, match="'nope'"):
        PaperStore(session).get("nope")


def test_recompute_weights_common_concepts_weigh_less(session: Session) -> None:
    store, keys, concepts = _linked(session)

    cat = store.concepts_of(keys["a"], limit=10)

    by_uri = {c.uri: c for c in cat}
    assert by_uri["/c/en/cat"].weight == pytest.approx(
        (1 + math.log(3)) * math.log1p(3 / 1), rel=1e-5
    )
    assert by_uri["/c/en/animal"].weight == pytest.approx(math.log1p(3 / 3), rel=1e-5)
    assert [c.uri for c in cat] == ["/c/en/cat", "/c/en/animal"]
    dog = store.concepts_of(keys["b"], limit=1)[0]
    assert (dog.link, dog.phrase, dog.confidence) == ("embedding", "doggy", 0.9)


def test_papers_for_concept_heaviest_link_first(session: Session) -> None:
    store, keys, concepts = _linked(session)

    found = store.papers_for_concept(concepts["/c/en/animal"], limit=2)

    assert len(found) == 2
    assert [paper.id for paper, _ in found] == ["a", "b"]
    assert store.papers_for_concept(concepts["/c/en/cat"], limit=5)[0][0].id == "a"


def test_changed_paper_loses_its_links_and_vectors(session: Session) -> None:
    store, keys, _ = _linked(session)
    owners = np.array([keys["a"]] * 2)
    store.write_vectors(
        "m",
        owners,
        np.array([0, 1]),
        np.eye(2, 4, dtype=np.float32),
        tokens=_tokens(owners),
    )

    store.upsert([PaperInput("a", "Cats", "New text.")])

    assert store.concepts_of(keys["a"], limit=10) == []
    assert store.keys_without_vectors("m") == sorted(keys.values())
    assert store.token_vectors("m", [keys["a"]], 4) == {}


def test_vectors_round_trip_by_key_and_part(session: Session) -> None:
    store = PaperStore(session)
    keys = store.upsert(PAPERS)
    vectors = np.random.default_rng(0).random((3, 4)).astype(np.float32)
    owners = np.array([keys["b"], keys["a"], keys["b"]])

    store.write_vectors(
        "m", owners, np.array([1, 0, 0]), vectors, tokens=_tokens(owners)
    )
    loaded_keys, parts, loaded = store.load_vectors("m", 4)

    assert loaded_keys.tolist() == [keys["a"], keys["b"], keys["b"]]
    assert parts.tolist() == [0, 0, 1]
    np.testing.assert_array_equal(loaded, vectors[[1, 2, 0]])
    assert store.keys_without_vectors("m") == [keys["c"]]
    assert store.load_vectors("other", 4)[2].shape == (0, 4)


def test_vectors_are_not_written_for_a_paper_changed_or_encoded_since_read(
    session: Session,
) -> None:
    store = PaperStore(session)
    keys = store.upsert(PAPERS)
    read = {paper.key: paper.content_hash for paper in store.all_papers()}
    # Since the copies were read, "a" changed and "b" got vectors elsewhere.
    store.upsert([PaperInput("a", "Cats", "New text.")])
    store.write_vectors(
        "m",
        np.array([keys["b"]]),
        np.array([0]),
        np.ones((1, 4), np.float32),
        tokens=_tokens([keys["b"]]),
    )
    vectors = np.random.default_rng(1).random((3, 4)).astype(np.float32)
    owners = np.array([keys["a"], keys["b"], keys["c"]])

    written = store.write_vectors(
        "m",
        owners,
        np.zeros(3, dtype=np.int64),
        vectors,
        tokens=_tokens(owners),
        encoded_hashes=read,
    )

    assert written == 1
    loaded_keys, _, loaded = store.load_vectors("m", 4)
    assert loaded_keys.tolist() == [keys["b"], keys["c"]]
    np.testing.assert_array_equal(loaded[0], np.ones(4, np.float32))
    np.testing.assert_array_equal(loaded[1], vectors[2])
    assert store.keys_without_vectors("m") == [keys["a"]]


def test_wordpiece_vectors_round_trip_and_count_per_paper(session: Session) -> None:
    store = PaperStore(session)
    keys = store.upsert(PAPERS)
    owners = np.array([keys["a"], keys["c"]])
    tokens = _tokens(owners)

    store.write_vectors(
        "m",
        owners,
        np.zeros(2, dtype=np.int64),
        np.eye(2, 4, dtype=np.float32),
        tokens=tokens,
    )
    loaded = store.token_vectors("m", [keys["a"], keys["b"], keys["c"]], 4)

    assert sorted(loaded) == sorted(owners.tolist())
    for key, stored in loaded.items():
        np.testing.assert_array_equal(stored.ids, tokens[key].ids)
        np.testing.assert_array_equal(stored.vectors(), tokens[key].vectors())
    frequencies, papers = store.wordpiece_frequencies("m")
    assert papers == 2
    assert frequencies == {keys["a"]: 1, keys["c"]: 1, 7: 2}
    assert store.keys_without_vectors("m") == [keys["b"]]


def test_a_paper_with_parts_but_no_wordpieces_is_completed(session: Session) -> None:
    """A paper encoded before wordpiece vectors existed keeps its parts and
    gets its wordpieces on the next encoding."""
    store = PaperStore(session)
    keys = store.upsert(PAPERS[:1])
    key = keys["a"]
    old = np.eye(1, 4, dtype=np.float32)
    store.write_vectors("m", np.array([key]), np.array([0]), old, tokens=_tokens([key]))
    session.execute(
        PaperTokenVectors.__table__.delete().where(PaperTokenVectors.paper_id == key)
    )
    assert store.keys_without_vectors("m") == [key]

    store.write_vectors(
        "m",
        np.array([key]),
        np.array([0]),
        np.ones((1, 4), np.float32),
        tokens=_tokens([key]),
        encoded_hashes={key: PAPERS[0].content_hash()},
    )

    assert store.keys_without_vectors("m") == []
    np.testing.assert_array_equal(store.load_vectors("m", 4)[2], old)
    assert list(store.token_vectors("m", [key], 4)) == [key]


def test_vectors_without_wordpieces_are_refused(session: Session) -> None:
    store = PaperStore(session)
    keys = store.upsert(PAPERS[:1])

    with pytest.raises(ValueError, match="no wordpiece vectors"):
        store.write_vectors(
            "m", np.array([keys["a"]]), np.array([0]), np.eye(1, 4), tokens={}
        )
