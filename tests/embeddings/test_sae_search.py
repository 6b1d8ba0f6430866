"""Tests of feature search over stored names and explanations."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine

from embeddings.sae_name_store import SAENameStore
from embeddings.sae_naming import FeatureName
from embeddings.sae_search import VectorCache, search_features
from embeddings.sae_store import SAEStore
from embeddings.sae_upload import UploadBuilder, embed_upload_texts
from embeddings.search import Hit
from embeddings.spaces import SpaceStore
from graph.db import create_session_factory

AXES = {"army": [1.0, 0.0, 0.0], "river": [0.0, 1.0, 0.0], "music": [0.0, 0.0, 1.0]}


def _encode(texts: list[str]) -> np.ndarray:
    return np.array([AXES[t.split()[0]] for t in texts], dtype=np.float32)


def _load(engine: Engine) -> None:
    with create_session_factory(engine).begin() as session:
        SpaceStore(session).register("toy/space", 4)
        store = SAEStore(session)
        store.register("toy/space", "named", 3)
        store.register("toy/space", "explained", 3)
        names = SAENameStore(session)
        run = names.start_naming("named", "combined", k=1, params={})
        names.add_names(
            run.id,
            [
                FeatureName(f, [Hit(f, 0.9)], 0.1, 0.9, np.array(v, dtype=np.float32))
                for f, v in enumerate(AXES.values())
            ],
        )
        builder = UploadBuilder(
            sae="explained",
            n_features=3,
            d_model=4,
            max_snippets=1,
            max_text_chars=40,
            max_direction_bytes=100,
        )
        builder.add_explanation(2, "army units and brigades")
        builder.add_explanation(0, "river banks")
        upload = builder.finish()
        store.save_upload("explained", upload, embed_upload_texts(upload, _encode))


def test_search_features_ranks_names_and_explanations_together(engine: Engine) -> None:
    _load(engine)
    query = np.array([0.9, 0.1, 0.0], dtype=np.float32)
    with create_session_factory(engine)() as session:
        found = search_features(session, VectorCache(), query, k=3)
        names_only = search_features(
            session, VectorCache(), query, k=1, explanations=False
        )
        one_sae = search_features(session, VectorCache(), query, k=5, saes=["named"])

    assert [(m.sae, m.feature_id, m.matched) for m in found[:2]] == [
        ("explained", 2, "explanation"),
        ("named", 0, "name"),
    ]
    assert found[0].score == pytest.approx(0.9)
    assert [(m.sae, m.feature_id) for m in names_only] == [("named", 0)]
    assert {m.sae for m in one_sae} == {"named"} and len(one_sae) == 3


def test_vector_cache_reloads_after_a_new_upload_revision(engine: Engine) -> None:
    _load(engine)
    cache = VectorCache(max_entries=1)
    query = np.array([0.0, 1.0, 0.0], dtype=np.float32)
    with create_session_factory(engine)() as session:
        before = search_features(session, cache, query, k=1, saes=["explained"])
    with create_session_factory(engine).begin() as session:
        builder = UploadBuilder(
            sae="explained",
            n_features=3,
            d_model=4,
            max_snippets=1,
            max_text_chars=40,
            max_direction_bytes=100,
        )
        builder.add_explanation(1, "river deltas")
        builder.add_explanation(0, "music of the past")
        upload = builder.finish()
        SAEStore(session).save_upload(
            "explained", upload, embed_upload_texts(upload, _encode)
        )
    with create_session_factory(engine)() as session:
        after = search_features(session, cache, query, k=1, saes=["explained"])

    assert [m.feature_id for m in before] == [0]
    assert [m.feature_id for m in after] == [1]
