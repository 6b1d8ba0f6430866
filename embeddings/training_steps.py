"""One optimization step's batch and loss for R-GCN link prediction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from embeddings.link_eval import KnownAnswers
from embeddings.rgcn import RelationalEdges, RGCNLinkPredictor, message_edges
from embeddings.training_config import RGCNConfig


@dataclass(frozen=True)
class StepData:
    """What the steps of a run share: the training triples and graph."""

    train: Tensor  # int64 (n, 3) on the device
    full_edges: RelationalEdges  # message edges of every training triple
    queries: KnownAnswers  # (entity, relation) -> answers, training triples only
    num_entities: int
    num_base_relations: int


def steps_per_epoch(config: RGCNConfig, data: StepData) -> int:
    """How many steps one pass over the training data takes."""
    if config.scoring == "one_to_n":
        return -(-len(data.queries.keys) // config.batch_size)
    if config.graph_batch_size:
        return -(-len(data.train) // config.graph_batch_size)
    return 1


def epoch_order(
    config: RGCNConfig, data: StepData, generator: torch.Generator
) -> Tensor:
    """The order in which an epoch visits its items (triples or queries)."""
    if config.scoring == "one_to_n":
        return torch.randperm(len(data.queries.keys), generator=generator)
    return torch.randperm(len(data.train), generator=generator)


def step_loss(
    model: RGCNLinkPredictor,
    config: RGCNConfig,
    data: StepData,
    items: Tensor,
    generator: torch.Generator,
) -> Tensor:
    """The loss of one step over ``items`` (positions from :func:`epoch_order`).

    Args:
        model: the model, in training mode.
        config: the run's configuration.
        data: the training data.
        items: int64 positions into the training triples (negative sampling)
            or into the training queries (one_to_n).
        generator: the run's random generator (sampling and dropout masks).
    """
    device = data.train.device
    if config.scoring == "one_to_n":
        edges = _message_graph(config, data, generator)
    elif config.graph_batch_size:
        edges = message_edges(
            data.train[items.to(device)], data.num_base_relations, data.num_entities
        )
    else:
        edges = data.full_edges
    edges = edges.drop(config.edge_dropout, generator)
    keep_root = torch.rand((data.num_entities, 1), generator=generator)
    root_mask = (keep_root >= config.self_loop_dropout).to(torch.float32).to(device)
    entities: Tensor = model.encoder(edges, root_mask)
    relations: Tensor = model.decoder.relation
    if config.scoring == "one_to_n":
        scores, targets = _one_to_n_scores(
            model, config, data, items, entities, generator
        )
        loss = F.binary_cross_entropy_with_logits(scores, targets)
        used = entities
    else:
        triples = (
            data.train[items.to(device)] if config.graph_batch_size else data.train
        )
        scored, labels = _with_negatives(triples, config, data, generator)
        logits = model.decoder.score_triples(entities, scored)
        loss = F.binary_cross_entropy_with_logits(logits, labels)
        used = entities[torch.unique(scored[:, [0, 2]])]
    penalty = used.float().pow(2).mean() + relations.float().pow(2).mean()
    return loss + config.regularization * penalty


def _message_graph(
    config: RGCNConfig, data: StepData, generator: torch.Generator
) -> RelationalEdges:
    """All training edges, or a uniform sample of graph_batch_size of them."""
    if not config.graph_batch_size or config.graph_batch_size >= len(data.train):
        return data.full_edges
    sample = torch.randperm(len(data.train), generator=generator)
    chosen = sample[: config.graph_batch_size].to(data.train.device)
    return message_edges(data.train[chosen], data.num_base_relations, data.num_entities)


def _with_negatives(
    positives: Tensor, config: RGCNConfig, data: StepData, generator: torch.Generator
) -> tuple[Tensor, Tensor]:
    """Positives in both directions plus corrupted copies, and their labels.

    A positive (h, r, t) is scored as (h, r, t) and (t, r + R, h); each gets
    ``negatives`` copies whose answer is a uniformly random entity, so both
    heads and tails are corrupted.
    """
    device = positives.device
    inverse = torch.stack(
        [positives[:, 2], positives[:, 1] + data.num_base_relations, positives[:, 0]],
        dim=1,
    )
    both = torch.cat([positives, inverse])
    corrupted = both.repeat(config.negatives, 1)
    random_answers = torch.randint(
        data.num_entities, (len(corrupted),), generator=generator
    )
    corrupted[:, 2] = random_answers.to(device)
    scored = torch.cat([both, corrupted])
    labels = torch.cat(
        [
            torch.ones(len(both), device=device),
            torch.zeros(len(corrupted), device=device),
        ]
    )
    return scored, labels


def _one_to_n_scores(
    model: RGCNLinkPredictor,
    config: RGCNConfig,
    data: StepData,
    items: Tensor,
    entities: Tensor,
    generator: torch.Generator,
) -> tuple[Tensor, Tensor]:
    """Scores of the candidate entities for a batch of queries, and targets.

    Candidates are every entity, or with ``config.candidates`` that many
    uniformly drawn entities plus every true answer of the batch (shared
    by the batch's queries), so each query still sees all its answers.
    """
    queries = data.queries
    picked = items.numpy()
    keys = queries.keys[picked]
    device = entities.device
    query_entities = torch.as_tensor(keys // queries.num_relations, device=device)
    query_relations = torch.as_tensor(keys % queries.num_relations, device=device)
    starts, ends = queries.offsets[picked], queries.offsets[picked + 1]
    rows = np.repeat(np.arange(len(picked)), ends - starts)
    answers = np.concatenate(
        [queries.answers[s:e] for s, e in zip(starts, ends, strict=True)]
    )
    if config.candidates and config.candidates < data.num_entities:
        drawn = torch.randint(
            data.num_entities, (config.candidates,), generator=generator
        ).numpy()
        candidates, columns = np.unique(
            np.concatenate([answers, drawn]), return_inverse=True
        )
        columns = columns[: len(answers)]
        chosen = entities[torch.as_tensor(candidates, device=device)]
    else:
        columns, chosen = answers, entities
    query = entities[query_entities] * model.decoder.relation[query_relations]
    scores = query @ chosen.t()
    targets = torch.zeros_like(scores, dtype=torch.float32)
    targets[
        torch.as_tensor(rows, device=device), torch.as_tensor(columns, device=device)
    ] = 1.0
    smoothing = config.label_smoothing
    targets = (1.0 - smoothing) * targets + smoothing / scores.shape[1]
    return scores.float(), targets
