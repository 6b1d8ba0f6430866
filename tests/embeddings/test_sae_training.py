"""Tests of the top-k SAE and its training loop on synthetic sparse data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from embeddings.errors import InvalidVectors
from embeddings.sae_training import TopKSAE, TopKSAEConfig, train_topk_sae

TRUE_FEATURES, DIM = 24, 16


def _sparse_data(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows that are sums of 2 of 24 fixed unit atoms plus an offset; (data,
    atoms). ``seed`` draws the rows; the atoms are always the same."""
    atoms = np.random.default_rng(99).normal(size=(TRUE_FEATURES, DIM))
    atoms = (atoms / np.linalg.norm(atoms, axis=1, keepdims=True)).astype(np.float32)
    rng = np.random.default_rng(seed)
    chosen = np.stack(
        [rng.choice(TRUE_FEATURES, 2, replace=False) for _ in range(count)]
    )
    weights = (1.0 + rng.exponential(size=(count, 2))).astype(np.float32)
    data = (weights[..., None] * atoms[chosen]).sum(axis=1) + 3.0
    return data.astype(np.float32), atoms


def test_train_recovers_the_atoms_of_sparse_data() -> None:
    data, atoms = _sparse_data(6000)
    config = TopKSAEConfig(
        n_features=48, k=2, epochs=6, batch_size=128, lr=5e-3, dead_after_tokens=2000
    )

    trained = train_topk_sae(data, config)

    held_out, _ = _sparse_data(1000, seed=1)
    assert trained.fve(held_out) > 0.9
    recovered = (trained.decoder_directions() @ atoms.T).max(axis=0)
    assert np.mean(recovered > 0.9) > 0.8
    # 48 latents for 24 atoms: some stay unused and are reported dead.
    assert 0 <= trained.dead_features < 48


def test_activations_are_k_sparse_and_decoder_rows_unit() -> None:
    data, _ = _sparse_data(1024)
    trained = train_topk_sae(
        data, TopKSAEConfig(n_features=32, k=3, epochs=1, batch_size=256)
    )

    values, indices = trained.activations(data[:10])

    assert values.shape == indices.shape == (10, 3)
    assert (values >= 0).all() and indices.max() < 32
    norms = np.linalg.norm(trained.decoder_directions(), axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)


def test_decode_matches_the_dense_product() -> None:
    model = TopKSAE(DIM, TopKSAEConfig(n_features=20, k=4))
    x = torch.randn(5, DIM)

    values, indices = model.encode(x)
    dense = torch.zeros(5, 20).scatter(1, indices, values)

    expected = dense @ model.W_dec + model.b_dec
    torch.testing.assert_close(model.decode(values, indices), expected)


@pytest.mark.parametrize(
    ("rows", "config", "message"),
    [
        (10, TopKSAEConfig(n_features=8, k=2, batch_size=64), "fewer than one batch"),
        (64, TopKSAEConfig(n_features=4, k=8, batch_size=64), "k=8 exceeds"),
    ],
)
def test_train_bad_input_is_rejected(
    rows: int, config: TopKSAEConfig, message: str
) -> None:
    data, _ = _sparse_data(rows)

    with pytest.raises(InvalidVectors, match=message):
        train_topk_sae(data, config)


def test_train_nan_activations_are_rejected() -> None:
    data, _ = _sparse_data(256)
    data[7, 2] = np.nan

    with pytest.raises(InvalidVectors, match="row 7"):
        train_topk_sae(data, TopKSAEConfig(n_features=8, k=2, batch_size=64))
