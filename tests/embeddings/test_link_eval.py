"""Filtered link-prediction ranking against hand-computed examples."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from embeddings.link_eval import (
    KnownAnswers,
    evaluate_link_prediction,
    metrics_of,
    realistic_ranks,
)


def test_realistic_ranks_filter_known_answers_and_split_ties() -> None:
    scores = torch.tensor(
        [
            # answer 2 (0.5): entity 0 scores higher but is filtered, entity 1
            # ties, entity 3 is higher -> 1 + 1 + 1/2 = 2.5
            [0.9, 0.5, 0.5, 0.7],
            # answer 0 (0.2): everyone else is higher but 1 and 2 are filtered
            # -> 1 + 1 = 2
            [0.2, 0.8, 0.9, 0.3],
        ]
    )

    ranks = realistic_ranks(
        scores,
        torch.tensor([2, 0]),
        [np.array([0, 2]), np.array([1, 2])],
    )

    assert ranks.tolist() == [2.5, 2.0]


def test_known_answers_index_both_directions() -> None:
    triples = np.array([[0, 0, 1], [0, 0, 2], [3, 1, 1]])

    known = KnownAnswers.from_triples(triples, num_base_relations=2)

    assert known.of(0, 0).tolist() == [1, 2]
    assert known.of(1, 2).tolist() == [0]  # (?, r0, 1) asked as (1, r0^-1, ?)
    assert known.of(1, 3).tolist() == [3]
    assert known.of(2, 1).tolist() == []


def test_evaluate_link_prediction_ranks_both_directions() -> None:
    # Entity e scores e for every query, so the best entity is 3.
    def score_all(entities: torch.Tensor, relations: torch.Tensor) -> torch.Tensor:
        return torch.arange(4, dtype=torch.float32).repeat(len(entities), 1)

    test = np.array([[0, 0, 3], [3, 0, 1]])
    known = KnownAnswers.from_triples(test, num_base_relations=1)

    result = evaluate_link_prediction(
        score_all, test, known, num_entities=4, num_base_relations=1
    )

    # Tails: (0, r, ?) -> 3 is the best, rank 1; (3, r, ?) -> 1 is beaten by
    # 2 and 3, rank 3. Heads: (?, r, 3) -> 0 is beaten by 1, 2 and 3, rank 4;
    # (?, r, 1) -> 3 is the best, rank 1.
    assert result["tail"] == metrics_of(np.array([1.0, 3.0]))
    assert result["head"] == metrics_of(np.array([4.0, 1.0]))
    assert result["mrr"] == pytest.approx(np.mean([1, 1 / 3, 1 / 4, 1]))
    assert result["queries"] == 4


def test_metrics_of_empty_ranks_is_an_error() -> None:
    with pytest.raises(ValueError, match="no ranks"):
        metrics_of(np.array([]))
