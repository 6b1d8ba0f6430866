"""Tests of reading an intermediate layer of the bundled MiniLM."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from embeddings.encoders import TextEncoder
from embeddings.errors import InvalidVectors
from embeddings.layer_activations import LayerReader, context_text, token_text

TEXTS = ["Cells divide quickly.", "The unbelievable results were replicated twice."]


@pytest.fixture(scope="module")
def reader() -> LayerReader:
    return LayerReader(layer=3)


def test_read_equals_the_full_models_hidden_states(
    reader: LayerReader, encoder: TextEncoder
) -> None:
    batch = reader.read(TEXTS)

    model: Any = encoder._model[0].auto_model
    encoded = reader.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**encoded, output_hidden_states=True).hidden_states[3]
    mask = encoded["attention_mask"]
    first = hidden[0, 1 : int(mask[0].sum()) - 1].numpy()
    np.testing.assert_allclose(batch.activations[batch.text_of == 0], first, atol=1e-4)
    pooled = (hidden[1] * mask[1, :, None]).sum(0) / mask[1].sum()
    np.testing.assert_allclose(batch.pooled[1], pooled.numpy(), atol=1e-4)


def test_read_rows_are_in_text_order_without_special_tokens(
    reader: LayerReader,
) -> None:
    batch = reader.read(TEXTS)

    assert batch.activations.shape[1] == reader.d_model == 384
    assert batch.text_of.tolist() == sorted(batch.text_of.tolist())
    first = batch.token_ids[batch.text_of == 0].tolist()
    assert reader.tokenizer.convert_ids_to_tokens(first)[0] == "cells"
    assert not set(first) & set(reader.tokenizer.all_special_ids)
    assert batch.position[batch.text_of == 0].tolist() == list(range(len(first)))


def test_context_text_keeps_whole_words(reader: LayerReader) -> None:
    batch = reader.read(TEXTS[1:])
    ids = batch.token_ids.tolist()
    pieces = reader.tokenizer.convert_ids_to_tokens(ids)
    inside = next(i for i, p in enumerate(pieces) if p.startswith("##"))

    around = context_text(reader.tokenizer, ids, inside, before=0, after=0)

    assert around == "replicated"
    assert token_text(reader.tokenizer, ids[inside]) == pieces[inside][2:]
    whole = context_text(reader.tokenizer, ids, 0, before=3, after=100)
    assert whole == "the unbelievable results were replicated twice."


def test_reader_bad_layer_and_empty_input_are_rejected(reader: LayerReader) -> None:
    with pytest.raises(InvalidVectors, match="7 is outside 1..6"):
        LayerReader(layer=7)
    with pytest.raises(InvalidVectors, match="empty"):
        reader.read([])
