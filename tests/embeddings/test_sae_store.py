"""Tests of the SAE store on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine

from embeddings.sae_errors import (
    DirectionsExist,
    FeatureDataMissing,
    NamingNotFound,
    SAEConflict,
    SAENotFound,
)
from embeddings.sae_name_store import SAENameStore
from embeddings.sae_naming import FeatureName
from embeddings.sae_store import SAEStore
from embeddings.sae_upload import UploadBuilder, UploadVectors, embed_upload_texts
from embeddings.search import Hit
from embeddings.spaces import SpaceNotFound, SpaceStore
from graph.db import create_session_factory

D_MODEL = 5


def _setup(engine: Engine) -> None:
    with create_session_factory(engine).begin() as session:
        SpaceStore(session).register("toy/space", D_MODEL)
        SAEStore(session).register("toy/space", "toy-sae", 3)


def _upload(
    *,
    directions: np.ndarray | None = None,
    snippets: dict[int, list[tuple[str, float]]] | None = None,
    explanations: dict[int, str] | None = None,
) -> tuple[object, UploadVectors]:
    builder = UploadBuilder(
        sae="toy-sae",
        n_features=3,
        d_model=D_MODEL,
        max_snippets=4,
        max_text_chars=50,
        max_direction_bytes=1 << 20,
    )
    if directions is not None:
        dtype = "float16" if directions.dtype == np.float16 else "float32"
        builder.add_directions([0, 1, 2], dtype, D_MODEL, directions.tobytes())
    for fid, pairs in (snippets or {}).items():
        builder.add_snippets(fid, pairs)
    for fid, text in (explanations or {}).items():
        builder.add_explanation(fid, text)
    upload = builder.finish()

    def encode(texts: list[str]) -> np.ndarray:
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    return upload, embed_upload_texts(upload, encode)


def _name(feature_id: int, concept_id: int) -> FeatureName:
    return FeatureName(
        feature_id,
        [Hit(concept_id, 0.9), Hit(concept_id + 1, 0.5)],
        0.4,
        0.8,
        np.array([0.6, 0.8], dtype=np.float32),
    )


def test_register_unknown_space_and_conflicts_are_rejected(engine: Engine) -> None:
    _setup(engine)
    with create_session_factory(engine)() as session:
        store = SAEStore(session)
        with pytest.raises(SpaceNotFound):
            store.register("toy/none", "other", 3)
        with pytest.raises(SAEConflict, match="with 3 features"):
            store.register("toy/space", "toy-sae", 4)
        with pytest.raises(SAENotFound, match="'missing'"):
            store.get("missing")
        assert store.register("toy/space", "toy-sae", 3).d_model == D_MODEL


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_directions_round_trip_in_their_dtype(engine: Engine, dtype: type) -> None:
    _setup(engine)
    directions = np.arange(15, dtype=np.float32).reshape(3, 5).astype(dtype) + 1
    upload, vectors = _upload(directions=directions)
    with create_session_factory(engine).begin() as session:
        SAEStore(session).save_upload("toy-sae", upload, vectors)  # type: ignore[arg-type]

    with create_session_factory(engine)() as session:
        store = SAEStore(session)
        got = store.directions("toy-sae", np.array([2, 0]))
        info = store.get("toy-sae")

    np.testing.assert_array_equal(got, directions[[2, 0]].astype(np.float32))
    assert (info.dtype, info.directions, info.revision) == (
        np.dtype(dtype).name,
        3,
        1,
    )


def test_second_directions_upload_raises_and_first_stays(engine: Engine) -> None:
    _setup(engine)
    first, vectors = _upload(directions=np.ones((3, 5), dtype=np.float32))
    with create_session_factory(engine).begin() as session:
        SAEStore(session).save_upload("toy-sae", first, vectors)  # type: ignore[arg-type]
    second, vectors = _upload(directions=np.full((3, 5), 2.0, dtype=np.float32))

    with pytest.raises(DirectionsExist):
        with create_session_factory(engine).begin() as session:
            SAEStore(session).save_upload("toy-sae", second, vectors)  # type: ignore[arg-type]

    with create_session_factory(engine)() as session:
        got = SAEStore(session).directions("toy-sae", np.array([0]))
    np.testing.assert_array_equal(got, np.ones((1, 5)))


def test_failed_transaction_stores_nothing_of_the_upload(engine: Engine) -> None:
    _setup(engine)
    upload, vectors = _upload(
        directions=np.ones((3, 5), dtype=np.float32),
        snippets={1: [("dog", 1.0)]},
        explanations={2: "dogs"},
    )

    with pytest.raises(RuntimeError):
        with create_session_factory(engine).begin() as session:
            SAEStore(session).save_upload("toy-sae", upload, vectors)  # type: ignore[arg-type]
            raise RuntimeError("the connection broke before the commit")

    with create_session_factory(engine)() as session:
        info = SAEStore(session).get("toy-sae")
    assert (info.directions, info.snippet_features, info.explanations) == (0, 0, 0)
    assert info.dtype == ""


def test_snippets_and_explanations_replace_earlier_ones(engine: Engine) -> None:
    _setup(engine)
    for snippets, explanations in [
        ({1: [("dog", 2.0), ("dogs", 1.0)]}, {0: "old"}),
        ({1: [("puppy", 3.0)], 2: [("cat", 1.0)]}, {0: "new text"}),
    ]:
        upload, vectors = _upload(snippets=snippets, explanations=explanations)
        with create_session_factory(engine).begin() as session:
            SAEStore(session).save_upload("toy-sae", upload, vectors)  # type: ignore[arg-type]

    with create_session_factory(engine)() as session:
        store = SAEStore(session)
        sets = store.snippet_sets("toy-sae", np.array([1, 2]))
        texts = store.explanations("toy-sae", [0, 1])
        with_snippets = store.feature_ids("toy-sae", "snippets").tolist()
        explained = store.explanation_vectors("toy-sae", np.array([0]))
        background = store.snippet_background("toy-sae")
        with pytest.raises(FeatureDataMissing, match="feature 0 .* no snippets"):
            store.snippet_sets("toy-sae", np.array([0]))
        with pytest.raises(FeatureDataMissing, match="no decoder direction"):
            store.directions("toy-sae", np.array([1]))

    assert sets[0][0].tolist() == [3.0] and sets[0][1].tolist() == [[5.0, 1.0]]
    # The background is the mean over the snippets stored now: puppy, cat.
    np.testing.assert_allclose(background, [4.0, 1.0])
    assert texts == {0: "new text"}
    assert with_snippets == [1, 2]
    np.testing.assert_array_equal(explained, [[8.0, 1.0]])


def test_namings_are_versioned_per_method(engine: Engine) -> None:
    _setup(engine)
    with create_session_factory(engine).begin() as session:
        store = SAENameStore(session)
        for concept in (10, 20):
            run = store.start_naming("toy-sae", "direction", k=2, params={"a": 1})
            store.add_names(run.id, [_name(0, concept), _name(2, concept)])
        examples = store.start_naming("toy-sae", "examples", k=2, params={})
        store.add_names(examples.id, [_name(1, 30)])

    with create_session_factory(engine)() as session:
        store = SAENameStore(session)
        newest = store.naming("toy-sae", "direction")
        first = store.naming("toy-sae", "direction", 1)
        names = store.stored_names(first.id, [2])
        ids, vectors = store.name_vectors(newest.id)
        latest = {
            (n.method, n.version, n.features)
            for n in SAEStore(session).get("toy-sae").namings
        }
        with pytest.raises(NamingNotFound, match="'combined'"):
            store.naming("toy-sae", "combined")

    assert (newest.version, newest.features, first.params) == (2, 2, {"a": 1})
    assert [(n.feature_id, n.concept_ids, n.scores) for n in names] == [
        (2, [10, 11], [0.9, 0.5])
    ]
    assert ids.tolist() == [0, 2] and vectors.shape == (2, 2)
    assert latest == {("direction", 2, 2), ("examples", 1, 1)}
