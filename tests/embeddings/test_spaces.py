"""Tests of registered spaces and stored alignments (SQLite and PostgreSQL)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from embeddings.alignment import fit_alignment
from embeddings.errors import InvalidVectors
from embeddings.linear_map_cache import LinearMapCache
from embeddings.spaces import AlignmentNotFound, SpaceNotFound, SpaceStore


def test_register_twice_with_same_dim_is_idempotent(session: Session) -> None:
    spaces = SpaceStore(session)

    spaces.register("gpt2-small/resid/6", 768, "GPT-2 small, residual stream")
    again = spaces.register("gpt2-small/resid/6", 768)

    assert again.dim == 768
    assert [s.name for s in spaces.list_spaces()] == ["gpt2-small/resid/6"]


def test_register_same_name_other_dim_is_rejected(session: Session) -> None:
    spaces = SpaceStore(session)
    spaces.register("m/l1", 16)

    with pytest.raises(InvalidVectors, match="registered with dim 16, not 32"):
        spaces.register("m/l1", 32)


@pytest.mark.parametrize("name", ["", " spaced", "a b", "../../etc"])
def test_register_malformed_name_is_rejected(session: Session, name: str) -> None:
    with pytest.raises(InvalidVectors, match="malformed"):
        SpaceStore(session).register(name, 8)


def test_saved_alignment_round_trips_and_versions(session: Session) -> None:
    spaces = SpaceStore(session)
    spaces.register("toy/space", 12)
    rng = np.random.default_rng(0)
    sources = rng.normal(size=(100, 12)).astype(np.float32)
    targets = sources @ rng.normal(size=(12, 6)).astype(np.float32)
    fitted = fit_alignment(sources, targets, alpha=1e-6)

    spaces.save_alignment("toy/space", fitted, target_model="minilm")
    info = spaces.save_alignment("toy/space", fitted, target_model="minilm")
    session.commit()
    loaded = spaces.linear_map("toy/space")

    assert info.alignment_version == 2
    assert info.heldout_cosine == pytest.approx(fitted.heldout_cosine)
    np.testing.assert_array_equal(loaded.matrix, fitted.linear_map.matrix)
    np.testing.assert_array_equal(loaded.bias, fitted.linear_map.bias)


def test_linear_map_without_alignment_raises(session: Session) -> None:
    SpaceStore(session).register("toy/empty", 4)

    with pytest.raises(AlignmentNotFound, match="toy/empty"):
        SpaceStore(session).linear_map("toy/empty")


def test_unknown_space_raises_space_not_found(session: Session) -> None:
    with pytest.raises(SpaceNotFound, match="'nope'"):
        SpaceStore(session).get("nope")


def test_alignment_version_counts_fits_and_names_unknown_space(
    session: Session,
) -> None:
    spaces = SpaceStore(session)
    spaces.register("toy/versions", 4)
    rng = np.random.default_rng(1)
    sources = rng.normal(size=(40, 4)).astype(np.float32)
    fitted = fit_alignment(sources, sources, alpha=1e-6)

    before = spaces.alignment_version("toy/versions")
    spaces.save_alignment("toy/versions", fitted, target_model="m")
    spaces.save_alignment("toy/versions", fitted, target_model="m")

    assert (before, spaces.alignment_version("toy/versions")) == (0, 2)
    with pytest.raises(SpaceNotFound, match="'toy/other'"):
        spaces.alignment_version("toy/other")


def test_linear_map_cache_reads_matrix_once_per_version(
    session: Session, engine: Engine
) -> None:
    spaces = SpaceStore(session)
    spaces.register("toy/cached", 6)
    rng = np.random.default_rng(2)
    sources = rng.normal(size=(80, 6)).astype(np.float32)
    first_fit = fit_alignment(sources, sources * 2, alpha=1e-6)
    second_fit = fit_alignment(sources, -sources, alpha=1e-6)
    spaces.save_alignment("toy/cached", first_fit, target_model="m")
    session.commit()
    cache = LinearMapCache()
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    first = cache.linear_map(spaces, "toy/cached")
    event.listen(engine, "before_cursor_execute", record)
    again = cache.linear_map(spaces, "toy/cached")
    event.remove(engine, "before_cursor_execute", record)
    spaces.save_alignment("toy/cached", second_fit, target_model="m")
    session.commit()
    refit = cache.linear_map(spaces, "toy/cached")

    assert again is first
    assert len(statements) == 1
    np.testing.assert_array_equal(first.matrix, first_fit.linear_map.matrix)
    np.testing.assert_array_equal(refit.matrix, second_fit.linear_map.matrix)


def test_linear_map_cache_names_missing_space_and_alignment(session: Session) -> None:
    SpaceStore(session).register("toy/unfitted", 4)
    cache = LinearMapCache()

    with pytest.raises(AlignmentNotFound, match="toy/unfitted"):
        cache.linear_map(SpaceStore(session), "toy/unfitted")
    with pytest.raises(SpaceNotFound, match="'toy/missing'"):
        cache.linear_map(SpaceStore(session), "toy/missing")
