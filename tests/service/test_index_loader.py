"""The server's searcher is loaded with the search settings applied."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from embeddings.bf16_pass import bf16_is_native
from embeddings.build import build_text_set
from embeddings.concept_text import TextMode
from embeddings.encoders import TextEncoder
from embeddings.term_prompts import DEFAULT_TERM_TEMPLATES, encode_terms
from graph.db import create_session_factory
from graph.records import EdgeInput
from graph.store import GraphStore
from service.index_loader import load_searcher
from service.settings import Settings


def _sessions_with_text_set(
    engine: Engine, encoder: TextEncoder, text_mode: TextMode = "label"
) -> sessionmaker[Session]:
    """Sessions on a two-concept graph with its text embedding set built."""
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        GraphStore(session).upsert_edges(
            [EdgeInput("/r/IsA", "/c/en/car", "/c/en/vehicle")]
        )
    build_text_set(sessions, encoder, text_mode=text_mode)
    return sessions


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_loaded_index_takes_ef_search_and_nprobe_from_settings(
    engine: Engine, encoder: TextEncoder, tmp_path: Path, kind: str
) -> None:
    sessions = _sessions_with_text_set(engine, encoder)
    settings = Settings(
        data_dir=tmp_path, index_kind=kind, index_ef_search=7, index_nprobe=3
    )

    searcher = load_searcher(settings, sessions)

    assert searcher is not None
    assert (searcher.index.kind, searcher.index.ef_search, searcher.index.nprobe) == (
        kind,
        7,
        3,
    )
    hits = searcher.search(encoder.encode(["car"]), 1)[0]
    with sessions() as session:
        assert hits[0].concept_id == GraphStore(session).concept_id("/c/en/car")


@pytest.mark.parametrize(("kind", "expected_dim"), [("flat", 2), ("hnsw", 0)])
def test_prefilter_setting_applies_to_the_flat_index_only(
    engine: Engine,
    encoder: TextEncoder,
    tmp_path: Path,
    kind: str,
    expected_dim: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sessions = _sessions_with_text_set(engine, encoder)
    settings = Settings(data_dir=tmp_path, index_kind=kind, index_prefilter_dim=2)

    with caplog.at_level("WARNING", logger="service.index_loader"):
        searcher = load_searcher(settings, sessions)

    assert searcher is not None
    assert searcher.index.prefilter_dim == expected_dim
    ignored = "prefilter_ignored kind=hnsw" in caplog.text
    assert ignored == (kind == "hnsw")


@pytest.mark.parametrize(
    ("kind", "setting", "expected"),
    [
        ("flat", "on", True),
        ("flat", "off", False),
        ("flat", "auto", bf16_is_native()),
        ("hnsw", "on", False),
    ],
)
def test_bf16_pass_setting_applies_to_the_flat_index_only(
    engine: Engine,
    encoder: TextEncoder,
    tmp_path: Path,
    kind: str,
    setting: str,
    expected: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sessions = _sessions_with_text_set(engine, encoder)
    settings = Settings(data_dir=tmp_path, index_kind=kind, index_bf16_pass=setting)

    with caplog.at_level("WARNING", logger="service.index_loader"):
        searcher = load_searcher(settings, sessions)

    assert searcher is not None
    assert (searcher.index.bf16_pass is not None) == expected
    ignored = "bf16_pass_ignored kind=hnsw" in caplog.text
    assert ignored == (kind == "hnsw")


@pytest.mark.parametrize("text_mode", ["label", "prompted"])
def test_loader_prompts_short_queries_only_for_a_prompted_set(
    engine: Engine, encoder: TextEncoder, tmp_path: Path, text_mode: TextMode
) -> None:
    sessions = _sessions_with_text_set(engine, encoder, text_mode)

    searcher = load_searcher(Settings(data_dir=tmp_path), sessions)

    assert searcher is not None
    prompted = text_mode == "prompted"
    assert searcher.query_templates == (DEFAULT_TERM_TEMPLATES if prompted else None)
    bare = encoder.encode(["car"])
    expected = encode_terms(encoder.encode, ["car"]) if prompted else bare
    np.testing.assert_allclose(searcher.encode(["car"]), expected, atol=1e-5)


def test_loader_without_a_set_returns_none(engine: Engine, tmp_path: Path) -> None:
    sessions = create_session_factory(engine)

    assert load_searcher(Settings(data_dir=tmp_path), sessions) is None


@pytest.mark.parametrize(
    ("field", "value"), [("index_ef_search", 0), ("index_nprobe", 0)]
)
def test_search_settings_below_one_are_rejected(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        Settings(**{field: value})
