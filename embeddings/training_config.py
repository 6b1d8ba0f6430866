"""The configuration of an R-GCN link-prediction run, saved beside its checkpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from embeddings.kg_datasets import DATASETS


class RGCNConfig(BaseModel):
    """Everything that decides an R-GCN run; unknown keys are rejected.

    Scoring ``negative_sampling`` is the paper's: each positive triple is
    paired with ``negatives`` corrupted ones (head or tail replaced at
    random) under a binary cross-entropy loss. ``one_to_n`` scores every
    entity, or ``candidates`` sampled ones, for each (entity, relation) query
    of a batch against the set of its true answers (KvsAll with label
    smoothing), which trains DistMult decoders in far fewer epochs.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str = Field(description=f"one of {', '.join(DATASETS)}")
    relations: list[str] = Field(
        default_factory=list, description="train on these relations only; [] = all"
    )
    hidden: int = Field(default=200, ge=2, le=4096)
    num_layers: int = Field(default=1, ge=1, le=4)
    decomposition: Literal["basis", "block", "none"] = "basis"
    num_bases: int = Field(default=30, ge=1)
    num_blocks: int = Field(default=40, ge=1)
    dropout: float = Field(default=0.2, ge=0, lt=1)
    edge_dropout: float = Field(default=0.4, ge=0, lt=1)
    self_loop_dropout: float = Field(default=0.2, ge=0, lt=1)
    scoring: Literal["negative_sampling", "one_to_n"] = "negative_sampling"
    negatives: int = Field(default=1, ge=1, le=1000)
    graph_batch_size: int = Field(
        default=0, ge=0, description="training edges sampled per step; 0 = all"
    )
    batch_size: int = Field(default=4096, ge=1, description="queries per one_to_n step")
    candidates: int = Field(
        default=0,
        ge=0,
        description="entities scored per one_to_n batch: 0 = all, else this many "
        "drawn at random plus the batch's true answers",
    )
    label_smoothing: float = Field(default=0.1, ge=0, lt=1)
    lr: float = Field(default=0.01, gt=0, le=10)
    regularization: float = Field(default=0.01, ge=0)
    grad_clip: float = Field(default=1.0, gt=0)
    epochs: int = Field(default=100, ge=1)
    eval_every: int = Field(default=5, ge=1, description="epochs between validations")
    eval_valid_size: int = Field(
        default=0, ge=0, description="validation triples used; 0 = all"
    )
    patience: int = Field(
        default=3, ge=1, description="validations without a better MRR before stopping"
    )
    checkpoint_every: int = Field(
        default=0, ge=0, description="steps between checkpoints; 0 = at each validation"
    )
    seed: int = 0
    valid_fraction: float = Field(default=0.05, gt=0, lt=0.5)
    test_fraction: float = Field(default=0.05, gt=0, lt=0.5)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    amp: bool = Field(default=True, description="mixed precision on a GPU")

    @model_validator(mode="after")
    def _check(self) -> RGCNConfig:
        if self.dataset not in DATASETS:
            raise ValueError(
                f"dataset {self.dataset!r} is unknown; expected one of "
                f"{', '.join(DATASETS)}"
            )
        if self.decomposition == "block" and self.hidden % self.num_blocks:
            raise ValueError(
                f"num_blocks={self.num_blocks} must divide hidden={self.hidden}"
            )
        return self
