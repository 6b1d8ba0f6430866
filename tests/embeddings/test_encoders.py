"""Tests of the offline text encoder with the real all-MiniLM-L6-v2 model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.encoders import TextEncoder
from embeddings.errors import InvalidVectors, ModelNotFound


def test_encode_texts_returns_unit_float32_rows(encoder: TextEncoder) -> None:
    vectors = encoder.encode(["dog", "puppy", "spreadsheet"])

    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_encode_related_words_are_closer_than_unrelated(encoder: TextEncoder) -> None:
    dog, puppy, spreadsheet = encoder.encode(["dog", "puppy", "spreadsheet"])

    assert float(dog @ puppy) > float(dog @ spreadsheet) + 0.2


def test_encode_same_text_is_deterministic(encoder: TextEncoder) -> None:
    first = encoder.encode(["a cup of coffee"])
    second = encoder.encode(["a cup of coffee", "tea"])[:1]

    np.testing.assert_allclose(first, second, atol=1e-5)


def test_encode_empty_batch_raises_invalid_vectors(encoder: TextEncoder) -> None:
    with pytest.raises(InvalidVectors, match="empty"):
        encoder.encode([])


def test_encode_blank_text_raises_naming_its_position(encoder: TextEncoder) -> None:
    with pytest.raises(InvalidVectors, match="text 1 is empty"):
        encoder.encode(["dog", "   "])


def test_encoder_missing_model_folder_raises_model_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "no-model"

    with pytest.raises(ModelNotFound, match="no-model"):
        TextEncoder(missing)


def test_encode_tokens_gives_the_pooled_vector_and_content_wordpieces(
    encoder: TextEncoder,
) -> None:
    texts = ["Metformin lowers risk (in mice).", "A dog."]

    vectors, tokens = encoder.encode_tokens(texts)

    np.testing.assert_allclose(vectors, encoder.encode(texts), atol=1e-5)
    tokenizer = encoder._model.tokenizer
    pieces = [tokenizer.convert_ids_to_tokens(ids.tolist()) for ids, _ in tokens]
    assert pieces[1] == ["a", "dog"]
    assert "(" not in pieces[0] and "[CLS]" not in pieces[0] and "." not in pieces[0]
    assert tokens[0][1].shape == (len(pieces[0]), encoder.dim)
    assert tokens[0][1].dtype == np.float32


def test_encode_tokens_of_an_empty_text_raises(encoder: TextEncoder) -> None:
    with pytest.raises(InvalidVectors, match="text 1 is empty"):
        encoder.encode_tokens(["a", " "])
