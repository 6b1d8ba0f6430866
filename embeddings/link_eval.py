"""Filtered link-prediction evaluation: realistic ranks, MRR and Hits@k.

The standard protocol (Bordes et al. 2013): each test triple (h, r, t) asks
two queries, (h, r, ?) with answer t and (t, r^-1, ?) with answer h; every
entity is scored, the other known true answers (from train, valid and test)
are filtered out, and the answer's rank is the expected rank under random
tie-breaking ("realistic": 1 + higher + ties / 2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

# Score every entity for a batch of queries: (entity ids, relation ids) of
# shape (B,) each -> scores of shape (B, num_entities).
ScoreAll = Callable[[Tensor, Tensor], Tensor]
HITS_AT = (1, 3, 10)
# Scores held at once while ranking, in floats (about 128 MB).
SCORE_BUDGET = 1 << 25


@dataclass(frozen=True)
class KnownAnswers:
    """Every true answer of every (entity, relation) query, as CSR arrays.

    Query keys are ``entity * num_relations + relation`` over 2R relations
    (inverse relations answer head queries).
    """

    keys: np.ndarray
    offsets: np.ndarray
    answers: np.ndarray
    num_relations: int

    @classmethod
    def from_triples(cls, triples: np.ndarray, num_base_relations: int) -> KnownAnswers:
        """Index triples (int64, shape (n, 3)) in both directions."""
        relations = 2 * num_base_relations
        heads, rels, tails = triples[:, 0], triples[:, 1], triples[:, 2]
        keys = np.concatenate(
            [heads * relations + rels, tails * relations + rels + num_base_relations]
        )
        answers = np.concatenate([tails, heads])
        order = np.lexsort((answers, keys))
        keys, answers = keys[order], answers[order]
        unique, starts = np.unique(keys, return_index=True)
        offsets = np.append(starts, len(keys))
        return cls(unique, offsets, answers, relations)

    def of(self, entity: int, relation: int) -> np.ndarray:
        """True answers of one query (sorted)."""
        key = entity * self.num_relations + relation
        position = np.searchsorted(self.keys, key)
        if position == len(self.keys) or self.keys[position] != key:
            return self.answers[:0]
        return self.answers[self.offsets[position] : self.offsets[position + 1]]


def realistic_ranks(
    scores: Tensor, targets: Tensor, filtered: list[np.ndarray]
) -> Tensor:
    """Filtered realistic ranks of the targets.

    Args:
        scores: float, shape (B, num_entities).
        targets: int64, shape (B,): the answer of each row.
        filtered: per row, entity ids to leave out (may include the target,
            which is always kept).

    Returns:
        float64, shape (B,): 1 + (entities scored higher) + (ties) / 2.
    """
    scores = scores.detach().to(torch.float64).clone()
    rows = torch.arange(len(targets))
    target_scores = scores[rows, targets].clone()
    for row, entities in enumerate(filtered):
        if len(entities):
            scores[row, torch.as_tensor(entities, dtype=torch.long)] = -torch.inf
    scores[rows, targets] = -torch.inf
    higher = (scores > target_scores[:, None]).sum(dim=1)
    ties = (scores == target_scores[:, None]).sum(dim=1)
    return 1.0 + higher.to(torch.float64) + ties.to(torch.float64) / 2.0


def metrics_of(ranks: np.ndarray) -> dict[str, float]:
    """MRR and Hits@1/3/10 of ranks."""
    if len(ranks) == 0:
        raise ValueError("no ranks to summarize")
    result = {"mrr": float(np.mean(1.0 / ranks))}
    for k in HITS_AT:
        result[f"hits_at_{k}"] = float(np.mean(ranks <= k))
    return result


@torch.no_grad()
def evaluate_link_prediction(
    score_all: ScoreAll,
    triples: np.ndarray,
    known: KnownAnswers,
    *,
    num_entities: int,
    num_base_relations: int,
    device: torch.device | None = None,
) -> dict[str, object]:
    """Filtered MRR and Hits@k of triples, for tails, heads and both.

    Args:
        score_all: scores every entity for (entity, relation) query batches.
        triples: int64, shape (n, 3), the triples to rank.
        known: every true triple (train, valid and test) for filtering.
        num_entities: number of entities.
        num_base_relations: R; head queries use relation r + R.
        device: where the query tensors go.

    Returns:
        ``{"mrr", "hits_at_1", "hits_at_3", "hits_at_10", "tail": {...},
        "head": {...}, "queries"}``.
    """
    batch = max(1, SCORE_BUDGET // max(1, num_entities))
    directions = {
        "tail": (triples[:, 0], triples[:, 1], triples[:, 2]),
        "head": (triples[:, 2], triples[:, 1] + num_base_relations, triples[:, 0]),
    }
    ranks: dict[str, np.ndarray] = {}
    for name, (entities, relations, answers) in directions.items():
        found = []
        for start in range(0, len(triples), batch):
            part = slice(start, start + batch)
            query_entities = torch.as_tensor(entities[part], device=device)
            query_relations = torch.as_tensor(relations[part], device=device)
            scores = score_all(query_entities, query_relations).float().cpu()
            filtered = [
                known.of(int(e), int(r))
                for e, r in zip(entities[part], relations[part], strict=True)
            ]
            found.append(
                realistic_ranks(scores, torch.as_tensor(answers[part]), filtered)
            )
        ranks[name] = torch.cat(found).numpy()
    both = np.concatenate([ranks["tail"], ranks["head"]])
    result: dict[str, object] = dict(metrics_of(both))
    result["tail"] = metrics_of(ranks["tail"])
    result["head"] = metrics_of(ranks["head"])
    result["queries"] = int(len(both))
    return result
