"""Tests of re-ranking by salience and folding of determiner variants."""

from __future__ import annotations

import pytest

from embeddings.salience import SalienceRanker, head_label
from embeddings.search import Hit

LABELS = {
    1: "puppy",
    2: "puppy dog",
    3: "your puppy",
    4: "canine",
    5: "dog",
    6: "a pup",
}


@pytest.mark.parametrize(
    ("label", "head"),
    [("your puppy", "puppy"), ("the big dog", "big dog"), ("a", "a"), ("dog", "dog")],
)
def test_head_label_drops_leading_determiners(label: str, head: str) -> None:
    assert head_label(label) == head


def test_rerank_drops_variant_when_its_head_is_a_candidate() -> None:
    ranker = SalienceRanker({}, weight=0.0)
    hits = [Hit(1, 1.0), Hit(3, 0.95), Hit(2, 0.9)]

    ranked = ranker.rerank(hits, LABELS, 5)

    assert [h.concept_id for h in ranked] == [1, 2]


def test_rerank_keeps_variant_whose_head_is_absent() -> None:
    ranker = SalienceRanker({}, weight=0.0)

    ranked = ranker.rerank([Hit(6, 0.8), Hit(4, 0.7)], LABELS, 5)

    assert [h.concept_id for h in ranked] == [6, 4]


def test_rerank_salience_lifts_a_hub_over_a_slightly_closer_leaf() -> None:
    ranker = SalienceRanker({5: 500, 4: 3}, weight=0.1)
    hits = [Hit(4, 0.72), Hit(5, 0.70)]

    ranked = ranker.rerank(hits, LABELS, 2)

    assert [h.concept_id for h in ranked] == [5, 4]
    assert [h.score for h in ranked] == [0.70, 0.72]


def test_rerank_zero_weight_keeps_cosine_order_and_cuts_at_k() -> None:
    ranker = SalienceRanker({5: 500}, weight=0.0)

    ranked = ranker.rerank([Hit(4, 0.72), Hit(5, 0.70), Hit(2, 0.6)], LABELS, 2)

    assert [h.concept_id for h in ranked] == [4, 5]


def test_salience_is_log_degree_scaled_to_one() -> None:
    ranker = SalienceRanker({1: 0, 2: 9, 3: 99})

    assert ranker.salience(3) == pytest.approx(1.0)
    assert ranker.salience(2) == pytest.approx(0.5, abs=0.01)
    assert ranker.salience(42) == 0.0


def test_negative_weight_is_rejected() -> None:
    with pytest.raises(ValueError, match="-1"):
        SalienceRanker({}, weight=-1)
