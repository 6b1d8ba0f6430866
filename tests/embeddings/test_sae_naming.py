"""Tests of feature naming on a synthetic space whose alignment is known."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.alignment import LinearMap
from embeddings.encoders import TextEncoder
from embeddings.errors import InvalidVectors
from embeddings.index import ConceptIndex
from embeddings.sae_naming import (
    CONFIDENCE_TEMPERATURE,
    combined_queries,
    direction_queries,
    example_queries,
    name_queries,
)
from embeddings.search import ConceptSearcher

LABELS = [
    "dog", "cat", "horse", "guitar", "piano", "violin", "army", "soldier",
    "navy", "river", "lake", "mountain", "banana", "apple", "bread", "car",
    "train", "airplane", "doctor", "hospital",
]  # fmt: skip
PLANTED = {0: "guitar", 1: "army", 2: "river", 3: "banana"}
SPACE_DIM = 48


@pytest.fixture(scope="module")
def searcher(encoder: TextEncoder) -> ConceptSearcher:
    vectors = encoder.encode(LABELS)
    ids = np.arange(len(LABELS), dtype=np.int64) + 100
    return ConceptSearcher(
        ConceptIndex.build(ids, vectors, embedding_set="t/1"), encoder
    )


def _label(hit_id: int) -> str:
    return LABELS[hit_id - 100]


def _known_space(encoder: TextEncoder) -> tuple[np.ndarray, LinearMap]:
    """Planted directions (4, 48) and the map that sends each onto its concept."""
    rng = np.random.default_rng(0)
    directions = rng.normal(size=(len(PLANTED), SPACE_DIM)).astype(np.float32)
    concepts = encoder.encode(list(PLANTED.values()))
    matrix = np.linalg.pinv(directions) @ concepts
    bias = rng.normal(size=concepts.shape[1]).astype(np.float32)  # ignored
    return directions, LinearMap(matrix.astype(np.float32), bias)


def test_direction_naming_puts_planted_features_on_their_concepts(
    searcher: ConceptSearcher, encoder: TextEncoder
) -> None:
    directions, linear_map = _known_space(encoder)
    queries = direction_queries(directions, linear_map)

    names = name_queries(searcher, np.arange(4), queries, k=3)

    assert [_label(n.hits[0].concept_id) for n in names] == list(PLANTED.values())
    assert all(n.hits[0].score == pytest.approx(1.0, abs=1e-4) for n in names)
    assert all(len(n.hits) == 3 for n in names)


def test_example_naming_weights_snippets_by_activation(
    searcher: ConceptSearcher, encoder: TextEncoder
) -> None:
    snippets = [
        (np.array([5.0, 0.5]), encoder.encode(["playing the guitar", "a big dog"])),
        (np.array([0.5, 5.0]), encoder.encode(["playing the guitar", "a big dog"])),
    ]

    names = name_queries(searcher, np.arange(2), example_queries(snippets), k=2)

    assert [_label(n.hits[0].concept_id) for n in names] == ["guitar", "dog"]


def test_example_queries_subtract_the_background() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    snippets = [(np.array([3.0, 1.0]), vectors)]

    plain = example_queries(snippets)
    centered = example_queries(snippets, background=np.array([0.5, 0.5]))

    np.testing.assert_allclose(plain, [[0.75, 0.25]])
    np.testing.assert_allclose(centered, [[0.25, -0.25]])


def test_combined_naming_mixes_the_two_unit_queries(
    searcher: ConceptSearcher, encoder: TextEncoder
) -> None:
    directions, linear_map = _known_space(encoder)
    direction = direction_queries(directions, linear_map)
    examples = example_queries(
        [
            (np.array([1.0]), encoder.encode([f"the {label}"]))
            for label in PLANTED.values()
        ]
    )

    combined = combined_queries(direction, examples)
    only_direction = combined_queries(direction, examples, examples_weight=0.0)
    names = name_queries(searcher, np.arange(4), combined, k=1)

    assert [_label(n.hits[0].concept_id) for n in names] == list(PLANTED.values())
    unit = direction / np.linalg.norm(direction, axis=1, keepdims=True)
    np.testing.assert_allclose(only_direction, unit, atol=1e-6)
    with pytest.raises(InvalidVectors, match="1.5 is outside"):
        combined_queries(direction, examples, examples_weight=1.5)


def test_name_margin_confidence_and_vector_follow_the_scores(
    searcher: ConceptSearcher, encoder: TextEncoder
) -> None:
    directions, linear_map = _known_space(encoder)
    planted = direction_queries(directions, linear_map)[:1]
    vague = encoder.encode(["an animal or a musical instrument"])

    sharp, blurred = name_queries(
        searcher, np.array([7, 8]), np.vstack([planted, vague]), k=2
    )

    assert sharp.feature_id == 7
    assert sharp.margin == pytest.approx(sharp.hits[0].score - sharp.hits[1].score)
    assert 0 < blurred.confidence < sharp.confidence <= 1
    assert np.linalg.norm(sharp.vector) == pytest.approx(1.0, abs=1e-5)
    top_vector = searcher.concept_vector(sharp.hits[0].concept_id)
    assert float(sharp.vector @ top_vector) > 0.9


def test_name_queries_zero_query_names_the_feature(searcher: ConceptSearcher) -> None:
    queries = np.zeros((2, 384), dtype=np.float32)
    queries[0, 0] = 1.0

    with pytest.raises(InvalidVectors, match="feature 12 has a zero query"):
        name_queries(searcher, np.array([11, 12]), queries, k=1)


def test_direction_queries_wrong_width_is_rejected(encoder: TextEncoder) -> None:
    _, linear_map = _known_space(encoder)

    with pytest.raises(InvalidVectors, match=r"shape \(2, 5\)"):
        direction_queries(np.ones((2, 5), dtype=np.float32), linear_map)


def test_names_restricted_to_fewer_concepts_than_the_confidence_needs(
    searcher: ConceptSearcher, encoder: TextEncoder
) -> None:
    # Two allowed concepts: the index returns missing hits (id -1) for the
    # other eight confidence slots, which must get no weight.
    directions, linear_map = _known_space(encoder)
    allowed = np.array([100 + LABELS.index("guitar"), 100 + LABELS.index("dog")])

    names = name_queries(
        searcher,
        np.arange(4),
        direction_queries(directions, linear_map),
        k=5,
        allowed_ids=allowed,
    )

    assert [len(n.hits) for n in names] == [2, 2, 2, 2]
    assert _label(names[0].hits[0].concept_id) == "guitar"
    scores = np.array([[hit.score for hit in n.hits] for n in names])
    weights = np.exp((scores - scores[:, :1]) / CONFIDENCE_TEMPERATURE)
    expected = 1.0 / weights.sum(axis=1)
    np.testing.assert_allclose([n.confidence for n in names], expected, rtol=1e-5)
    guitar, dog = (searcher.concept_vector(int(i)) for i in allowed)
    mixed = (weights[0, 0] * guitar + weights[0, 1] * dog) / weights[0].sum()
    np.testing.assert_allclose(
        names[0].vector, mixed / np.linalg.norm(mixed), atol=1e-5
    )
