"""Top-k sparse autoencoders (Gao et al. 2024), trained on CPU with torch.

``z = TopK(W_enc (x - b_dec) + b_enc)``, ``x_hat = z W_dec + b_dec``, with
unit-norm decoder rows. The loss is the mean squared error plus the AuxK
term: latents that have not fired for ``dead_after_tokens`` tokens
reconstruct the residual through their own top ``aux_k``, which keeps them
from staying dead. Inputs are divided by one scalar (their root mean square
distance to the mean) so that the learning rate does not depend on the
layer's scale; directions are unaffected by that.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, Field
from tqdm import tqdm

from embeddings.errors import InvalidVectors
from embeddings.vectors import check_vectors

logger = logging.getLogger(__name__)


class TopKSAEConfig(BaseModel):
    """Settings of a top-k SAE and its training run."""

    n_features: int = Field(default=4096, ge=1)
    k: int = Field(default=32, ge=1)
    aux_k: int = Field(default=256, ge=0)
    aux_coef: float = Field(default=1 / 32, ge=0)
    dead_after_tokens: int = Field(default=100_000, ge=1)
    batch_size: int = Field(default=1024, ge=1)
    epochs: int = Field(default=3, ge=1)
    lr: float = Field(default=5e-4, gt=0)
    seed: int = 0


class TopKSAE(torch.nn.Module):
    """The autoencoder; inputs are in the scaled units of :attr:`scale`.

    Args:
        d_model: width of the activations.
        config: sizes and k.
    """

    def __init__(self, d_model: int, config: TopKSAEConfig) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(config.seed)
        decoder = torch.randn(config.n_features, d_model, generator=generator)
        decoder /= decoder.norm(dim=1, keepdim=True)
        self.W_dec = torch.nn.Parameter(decoder)
        self.W_enc = torch.nn.Parameter(decoder.T.clone())
        self.b_enc = torch.nn.Parameter(torch.zeros(config.n_features))
        self.b_dec = torch.nn.Parameter(torch.zeros(d_model))
        self.k = config.k

    def pre_activations(self, x: torch.Tensor) -> torch.Tensor:
        """``W_enc (x - b_dec) + b_enc``, shape (batch, n_features)."""
        result: torch.Tensor = (x - self.b_dec) @ self.W_enc + self.b_enc
        return result

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The k largest latents per row, ReLU'd: (values, indices), (batch, k)."""
        values, indices = torch.topk(self.pre_activations(x), self.k, dim=1)
        return torch.relu(values), indices

    def decode(self, values: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        """Reconstruction from sparse latents, shape (batch, d_model)."""
        # One fused gather-and-sum; materializing W_dec[indices] would hold
        # batch x k x d_model floats.
        summed = torch.nn.functional.embedding_bag(
            indices, self.W_dec, per_sample_weights=values, mode="sum"
        )
        result: torch.Tensor = summed + self.b_dec
        return result

    @torch.no_grad()
    def normalize_decoder(self) -> None:
        """Scale every decoder row to unit length."""
        self.W_dec.div_(self.W_dec.norm(dim=1, keepdim=True).clamp_min(1e-8))


@dataclass
class TrainedSAE:
    """A trained SAE and how the data is scaled for it.

    ``scale`` divides raw activations before :class:`TopKSAE` sees them.
    """

    model: TopKSAE
    scale: float
    config: TopKSAEConfig
    train_fve: float
    dead_features: int

    def decoder_directions(self) -> np.ndarray:
        """Unit decoder directions in the raw space, float32 (n_features, d_model)."""
        return self.model.W_dec.detach().numpy().astype(np.float32).copy()

    @torch.no_grad()
    def activations(
        self, x: np.ndarray, *, batch_size: int = 4096
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sparse latents of raw activations: (values, indices), (n, k).

        Args:
            x: float32 (n, d_model) in raw (unscaled) units.
        """
        values, indices = [], []
        for start in range(0, len(x), batch_size):
            block = torch.from_numpy(
                np.ascontiguousarray(x[start : start + batch_size])
            )
            v, i = self.model.encode(block.float() / self.scale)
            values.append(v.numpy())
            indices.append(i.numpy().astype(np.int32))
        return np.concatenate(values), np.concatenate(indices)

    @torch.no_grad()
    def fve(self, x: np.ndarray, *, batch_size: int = 4096) -> float:
        """Fraction of the variance of raw activations (n, d_model) explained."""
        return _fve(self.model, x, self.scale, batch_size)


def train_topk_sae(
    activations: np.ndarray, config: TopKSAEConfig, *, show_progress: bool = False
) -> TrainedSAE:
    """Train a top-k SAE on token activations.

    Args:
        activations: float32 or float16, shape (n_tokens, d_model).
        config: sizes and training settings.
        show_progress: draw a progress bar with the loss and dead latents.

    Raises:
        InvalidVectors: NaN/Inf values, or fewer tokens than one batch.
    """
    data = check_vectors(activations, name="activations")
    if len(data) < config.batch_size:
        raise InvalidVectors(
            "activations",
            f"{len(data)} tokens are fewer than one batch of {config.batch_size}",
        )
    if config.k > config.n_features:
        raise InvalidVectors(
            "k", f"k={config.k} exceeds n_features={config.n_features}"
        )
    torch.manual_seed(config.seed)
    mean = data.mean(axis=0)
    scale = float(np.sqrt(np.mean(np.sum((data - mean) ** 2, axis=1)) / data.shape[1]))
    model = TopKSAE(data.shape[1], config)
    with torch.no_grad():
        model.b_dec.copy_(torch.from_numpy(mean / scale))
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    since_fired = torch.zeros(config.n_features, dtype=torch.long)
    tensor = torch.from_numpy(data)
    rng = np.random.default_rng(config.seed)
    steps = config.epochs * (len(data) // config.batch_size)
    progress = tqdm(total=steps, disable=not show_progress, desc="sae")
    for _ in range(config.epochs):
        order = torch.from_numpy(rng.permutation(len(data)))
        for start in range(0, len(data) - config.batch_size + 1, config.batch_size):
            x = tensor[order[start : start + config.batch_size]] / scale
            loss, mse, fired = _step_loss(model, x, since_fired, config)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            _drop_parallel_gradient(model)
            optimizer.step()
            model.normalize_decoder()
            since_fired += len(x)
            since_fired[fired] = 0
            progress.update(1)
            if progress.n % 50 == 0:
                dead = int((since_fired > config.dead_after_tokens).sum())
                progress.set_postfix(mse=f"{mse:.4f}", dead=dead)
    progress.close()
    dead = int((since_fired > config.dead_after_tokens).sum())
    train_fve = _fve(model, data, scale, 4096)
    logger.info(
        "sae_trained tokens=%d features=%d k=%d fve=%.4f dead=%d",
        len(data),
        config.n_features,
        config.k,
        train_fve,
        dead,
    )
    return TrainedSAE(model, scale, config, train_fve, dead)


def _step_loss(
    model: TopKSAE, x: torch.Tensor, since_fired: torch.Tensor, config: TopKSAEConfig
) -> tuple[torch.Tensor, float, torch.Tensor]:
    pre = model.pre_activations(x)
    values, indices = torch.topk(pre, config.k, dim=1)
    values = torch.relu(values)
    reconstruction = model.decode(values, indices)
    residual = x - reconstruction
    mse = residual.pow(2).sum(dim=1).mean()
    loss = mse
    dead = torch.nonzero(since_fired > config.dead_after_tokens).flatten()
    if config.aux_k and config.aux_coef and len(dead):
        # AuxK: the dead latents' own top aux_k reconstruct the residual.
        # Dense over the dead latents: gathering aux_k rows per token would
        # hold batch x aux_k x d_model floats.
        dead_pre = pre[:, dead]
        aux_values, aux_positions = torch.topk(
            dead_pre, min(config.aux_k, len(dead)), dim=1
        )
        sparse = torch.zeros_like(dead_pre).scatter(
            1, aux_positions, torch.relu(aux_values)
        )
        aux = sparse @ model.W_dec[dead]
        aux_mse = (residual.detach() - aux).pow(2).sum(dim=1).mean()
        loss = loss + config.aux_coef * aux_mse
    fired = torch.unique(indices[values > 0])
    return loss, float(mse.detach()) / x.shape[1], fired


def _drop_parallel_gradient(model: TopKSAE) -> None:
    """Remove the gradient part along each decoder row (rows stay unit norm)."""
    grad: Any = model.W_dec.grad
    if grad is None:
        return
    with torch.no_grad():
        parallel = (grad * model.W_dec).sum(dim=1, keepdim=True)
        grad -= parallel * model.W_dec


@torch.no_grad()
def _fve(model: TopKSAE, x: np.ndarray, scale: float, batch_size: int) -> float:
    mean = x.mean(axis=0, dtype=np.float64)
    error = 0.0
    total = float(np.sum((x.astype(np.float64) - mean) ** 2))
    for start in range(0, len(x), batch_size):
        block = torch.from_numpy(np.ascontiguousarray(x[start : start + batch_size]))
        block = block.float() / scale
        values, indices = model.encode(block)
        difference = block - model.decode(values, indices)
        error += float(difference.double().pow(2).sum()) * scale**2
    return 1.0 - error / total if total > 0 else 0.0
