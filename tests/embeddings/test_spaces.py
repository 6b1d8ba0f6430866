"""Tests of registered spaces and stored alignments (SQLite and PostgreSQL)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy.orm import Session

from embeddings.alignment import fit_alignment
from embeddings.errors import InvalidVectors
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
