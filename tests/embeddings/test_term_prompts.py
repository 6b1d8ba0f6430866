"""Tests of prompted term encoding: texts, pooling, bad templates, real model."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.encoders import TextEncoder
from embeddings.term_prompts import (
    CANDIDATE_TEMPLATES,
    DEFAULT_TERM_TEMPLATES,
    encode_queries,
    encode_terms,
    is_term,
    pool_prompted,
    prompted_texts,
)


def test_prompted_texts_are_term_major_with_spaces_for_underscores() -> None:
    texts = prompted_texts(["ice_cream", "dog"], ("{}", 'the term "{}"'))

    assert texts == ["ice cream", 'the term "ice cream"', "dog", 'the term "dog"']


def test_pool_prompted_is_the_unit_mean_of_unit_vectors() -> None:
    vectors = np.array([[3.0, 0.0], [0.0, 2.0], [1.0, 0.0], [1.0, 0.0]])

    pooled = pool_prompted(vectors, templates=2)

    np.testing.assert_allclose(pooled[0], [2**-0.5, 2**-0.5], rtol=1e-6)
    np.testing.assert_allclose(pooled[1], [1.0, 0.0])
    assert pooled.dtype == np.float32


@pytest.mark.parametrize(
    ("templates", "message"),
    [((), "must not be empty"), (("no slot",), "'no slot'"), (("{} {}",), "'{} {}'")],
)
def test_bad_templates_are_rejected_by_name(
    templates: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        prompted_texts(["dog"], templates)


def test_pool_rejects_a_count_that_does_not_divide_the_vectors() -> None:
    with pytest.raises(ValueError, match="3 vectors are not a whole number"):
        pool_prompted(np.ones((3, 4)), templates=2)


def test_templates_hold_one_slot_and_the_default_is_among_the_candidates() -> None:
    assert all(t.count("{}") == 1 for t in CANDIDATE_TEMPLATES)
    assert set(DEFAULT_TERM_TEMPLATES) <= set(CANDIDATE_TEMPLATES)


def test_encode_terms_with_the_real_model_pools_each_template(
    encoder: TextEncoder,
) -> None:
    terms = ["puppy", "dog", "carburetor"]

    pooled = encode_terms(encoder.encode, terms)

    assert pooled.shape == (3, encoder.dim)
    np.testing.assert_allclose(np.linalg.norm(pooled, axis=1), 1.0, rtol=1e-5)
    by_hand = [
        encoder.encode([t.format(term) for t in DEFAULT_TERM_TEMPLATES]).mean(axis=0)
        for term in terms
    ]
    for row, vector in zip(pooled, by_hand, strict=True):
        np.testing.assert_allclose(row, vector / np.linalg.norm(vector), atol=1e-5)
    # Related words stay closer to each other than to an unrelated one.
    assert pooled[0] @ pooled[1] > pooled[0] @ pooled[2]


def test_encode_queries_prompts_terms_and_keeps_sentences_bare(
    encoder: TextEncoder,
) -> None:
    sentence = "a small dog that is still young and playful"
    texts = ["puppy", sentence, "ice cream"]

    vectors = encode_queries(encoder.encode, texts, DEFAULT_TERM_TEMPLATES)

    assert is_term("ice cream") and not is_term(sentence) and not is_term("  ")
    np.testing.assert_allclose(
        vectors[[0, 2]], encode_terms(encoder.encode, ["puppy", "ice cream"]), atol=1e-5
    )
    np.testing.assert_allclose(vectors[1], encoder.encode([sentence])[0], atol=1e-5)
