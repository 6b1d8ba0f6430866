"""Tests of upload validation: shapes, dtypes, NaN/Inf, duplicates, limits."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.errors import InvalidVectors
from embeddings.sae_upload import UploadBuilder, embed_upload_texts
from graph.errors import LimitExceeded

D_MODEL = 6


def _builder(n_features: int = 4, **limits: int) -> UploadBuilder:
    values = {"max_snippets": 3, "max_text_chars": 20, "max_direction_bytes": 10_000}
    values.update(limits)
    return UploadBuilder(sae="toy", n_features=n_features, d_model=D_MODEL, **values)


def _rows(count: int, dtype: str = "<f4") -> np.ndarray:
    rng = np.random.default_rng(count)
    return rng.normal(size=(count, D_MODEL)).astype(dtype)


def test_finish_sorts_blocks_by_feature_id_and_keeps_the_dtype() -> None:
    builder = _builder()
    rows = _rows(4, "<f2")
    builder.add_directions([3, 1], "float16", D_MODEL, rows[:2].tobytes())
    builder.add_directions([0, 2], "float16", D_MODEL, rows[2:].tobytes())

    upload = builder.finish()

    assert upload.dtype == "float16"
    assert upload.feature_ids.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(upload.directions, rows[[2, 1, 3, 0]])


@pytest.mark.parametrize(
    ("ids", "dtype", "d_model", "data", "message"),
    [
        ([0], "float64", D_MODEL, b"\0" * 48, "'float64' is not float32 or float16"),
        ([0], "float32", 5, b"\0" * 20, "d_model 5 does not match the space's dim 6"),
        ([0, 1], "float32", D_MODEL, b"\1" * 24, "holds 24 bytes, expected 2 x 6 x 4"),
        ([], "float32", D_MODEL, b"", "block 0 names no features"),
        ([4], "float32", D_MODEL, b"\1" * 24, "feature id 4 is outside 0..3"),
        ([-1], "float32", D_MODEL, b"\1" * 24, "feature id -1 is outside 0..3"),
        ([0], "float32", D_MODEL, b"\0" * 24, "direction of feature 0 is all zeros"),
    ],
)
def test_add_directions_bad_block_names_the_problem(
    ids: list[int], dtype: str, d_model: int, data: bytes, message: str
) -> None:
    with pytest.raises(InvalidVectors, match=message):
        _builder().add_directions(ids, dtype, d_model, data)


def test_add_directions_nan_names_the_feature() -> None:
    rows = _rows(2)
    rows[1, 3] = np.inf

    with pytest.raises(InvalidVectors, match="feature 3 holds NaN or Inf"):
        _builder().add_directions([2, 3], "float32", D_MODEL, rows.tobytes())


def test_add_directions_over_byte_limit_is_limit_exceeded() -> None:
    with pytest.raises(
        LimitExceeded, match="direction bytes 96 exceeds the limit of 50"
    ):
        _builder(max_direction_bytes=50).add_directions(
            [0, 1, 2, 3], "float32", D_MODEL, _rows(4).tobytes()
        )


def test_finish_incomplete_directions_names_the_first_missing_feature() -> None:
    builder = _builder()
    builder.add_directions([0, 1, 3], "float32", D_MODEL, _rows(3).tobytes())

    with pytest.raises(
        InvalidVectors, match="cover 3 of the 4 .* feature 2 is missing"
    ):
        builder.finish()


def test_finish_empty_upload_is_rejected() -> None:
    with pytest.raises(InvalidVectors, match="carries nothing"):
        _builder().finish()


def test_snippets_and_explanations_are_checked() -> None:
    builder = _builder()
    builder.add_snippets(1, [("a dog", 2.0), ("dogs", 1.0)])

    with pytest.raises(InvalidVectors, match="feature id 1 appears twice"):
        builder.add_snippets(1, [("cat", 1.0)])
    with pytest.raises(InvalidVectors, match="activation nan"):
        builder.add_snippets(2, [("cat", float("nan"))])
    with pytest.raises(LimitExceeded, match="snippets of feature 2 4"):
        builder.add_snippets(2, [("cat", 1.0)] * 4)
    with pytest.raises(LimitExceeded, match="length of explanation of feature 0"):
        builder.add_explanation(0, "x" * 21)
    builder.add_explanation(0, "dogs")
    upload = builder.finish()
    assert upload.dtype == "" and upload.snippets[1][0].activation == 2.0
    assert upload.explanations == {0: "dogs"}


def test_embed_upload_texts_encodes_each_distinct_text_once() -> None:
    builder = _builder()
    builder.add_snippets(0, [("dog", 2.0), ("cat", 1.0)])
    builder.add_snippets(1, [("dog", 1.0)])
    builder.add_explanation(2, "cat")
    seen: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        seen.append(texts)
        return np.array([[1.0, 0.0] if t == "cat" else [0.0, 1.0] for t in texts])

    vectors = embed_upload_texts(builder.finish(), encode)

    assert seen == [["cat", "dog"]]
    np.testing.assert_array_equal(vectors.snippets[0], [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(vectors.explanations[2], [1.0, 0.0])
