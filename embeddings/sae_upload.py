"""Validation of an SAE upload: decoder directions, snippets and explanations.

An upload arrives in pieces (the messages of a client stream). The builder
checks each piece as it comes and the whole at the end; nothing is stored
until :meth:`UploadBuilder.finish` has accepted all of it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from embeddings.errors import InvalidVectors
from graph.errors import LimitExceeded

# Little-endian storage dtypes of decoder directions.
DTYPES: dict[str, str] = {"float32": "<f4", "float16": "<f2"}


@dataclass(frozen=True)
class Snippet:
    """A top-activating text of a feature and its activation (> 0)."""

    text: str
    activation: float


@dataclass(frozen=True)
class FeatureUpload:
    """A validated upload, ready to store.

    ``directions`` has shape (len(feature_ids), d_model) in the uploaded
    dtype (``dtype``; empty and zero rows when no directions came), rows in
    the order of the sorted ``feature_ids``.
    """

    dtype: str
    feature_ids: np.ndarray
    directions: np.ndarray
    snippets: dict[int, list[Snippet]] = field(default_factory=dict)
    explanations: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadVectors:
    """Unit embeddings of an upload's texts, float32 rows of shape (n, dim)."""

    snippets: dict[int, np.ndarray]
    explanations: dict[int, np.ndarray]


class UploadBuilder:
    """Collects and checks the pieces of one upload to one SAE.

    Args:
        sae: name of the SAE, for error messages.
        n_features: feature ids must lie in 0..n_features-1.
        d_model: width of a decoder direction (the space's dimension).
        max_snippets: most snippets per feature.
        max_text_chars: longest snippet or explanation.
        max_direction_bytes: most bytes of direction data in one upload.
    """

    def __init__(
        self,
        *,
        sae: str,
        n_features: int,
        d_model: int,
        max_snippets: int,
        max_text_chars: int,
        max_direction_bytes: int,
    ) -> None:
        self._sae = sae
        self._n_features = n_features
        self._d_model = d_model
        self._max_snippets = max_snippets
        self._max_text_chars = max_text_chars
        self._max_direction_bytes = max_direction_bytes
        self._dtype = ""
        self._blocks: list[tuple[np.ndarray, np.ndarray]] = []
        self._direction_ids: set[int] = set()
        self._direction_bytes = 0
        self._snippets: dict[int, list[Snippet]] = {}
        self._explanations: dict[int, str] = {}

    def add_directions(
        self, feature_ids: Sequence[int], dtype: str, d_model: int, data: bytes
    ) -> None:
        """Add a block of decoder directions.

        Args:
            feature_ids: the features of the block's rows, in order.
            dtype: ``float32`` or ``float16``; one dtype per upload.
            d_model: the width the sender means; must be the space's.
            data: little-endian, row-major, len(feature_ids) x d_model values.

        Raises:
            InvalidVectors: unknown dtype, a d_model other than the space's
                dim, wrong byte count, a feature id out of range or seen
                twice, a NaN/Inf or all-zero row.
            LimitExceeded: the upload's direction data exceeds the limit.
        """
        block = len(self._blocks)
        if dtype not in DTYPES:
            raise InvalidVectors(
                "directions dtype", f"{dtype!r} is not float32 or float16"
            )
        if self._dtype and dtype != self._dtype:
            raise InvalidVectors(
                "directions dtype",
                f"block {block} is {dtype}, earlier blocks are {self._dtype}",
            )
        if d_model != self._d_model:
            raise InvalidVectors(
                "directions",
                f"d_model {d_model} does not match the space's dim {self._d_model}",
            )
        if len(feature_ids) == 0:
            raise InvalidVectors("directions", f"block {block} names no features")
        self._direction_bytes += len(data)
        if self._direction_bytes > self._max_direction_bytes:
            raise LimitExceeded(
                "direction bytes", self._direction_bytes, self._max_direction_bytes
            )
        width = np.dtype(DTYPES[dtype]).itemsize
        expected = len(feature_ids) * d_model * width
        if len(data) != expected:
            raise InvalidVectors(
                "directions",
                f"block {block} holds {len(data)} bytes, expected "
                f"{len(feature_ids)} x {d_model} x {width} = {expected}",
            )
        ids = np.asarray(feature_ids, dtype=np.int64)
        for feature_id in ids.tolist():
            self._check_feature_id(feature_id, "directions")
            if feature_id in self._direction_ids:
                raise InvalidVectors(
                    "directions", f"feature id {feature_id} appears twice"
                )
            self._direction_ids.add(feature_id)
        rows = np.frombuffer(data, dtype=DTYPES[dtype]).reshape(len(ids), d_model)
        finite = np.isfinite(rows).all(axis=1)
        if not finite.all():
            bad = int(ids[np.flatnonzero(~finite)[0]])
            raise InvalidVectors(
                "directions", f"direction of feature {bad} holds NaN or Inf"
            )
        zero = ~rows.any(axis=1)
        if zero.any():
            bad = int(ids[np.flatnonzero(zero)[0]])
            raise InvalidVectors(
                "directions", f"direction of feature {bad} is all zeros"
            )
        self._dtype = dtype
        self._blocks.append((ids, rows))

    def add_snippets(
        self, feature_id: int, snippets: Sequence[tuple[str, float]]
    ) -> None:
        """Add the top-activating snippets of one feature (text, activation > 0).

        Raises:
            InvalidVectors: empty or too long text, an activation that is not
                a finite positive number, a feature given twice.
            LimitExceeded: more snippets than the limit.
        """
        self._check_feature_id(feature_id, "snippets")
        if feature_id in self._snippets:
            raise InvalidVectors("snippets", f"feature id {feature_id} appears twice")
        if not snippets:
            raise InvalidVectors("snippets", f"feature {feature_id} has none")
        if len(snippets) > self._max_snippets:
            raise LimitExceeded(
                f"snippets of feature {feature_id}", len(snippets), self._max_snippets
            )
        checked = []
        for rank, (text, activation) in enumerate(snippets):
            where = f"snippet {rank} of feature {feature_id}"
            self._check_text(text, where)
            if not math.isfinite(activation) or activation <= 0:
                raise InvalidVectors(
                    "snippets", f"{where} has activation {activation}, expected > 0"
                )
            checked.append(Snippet(text, float(activation)))
        self._snippets[feature_id] = checked

    def add_explanation(self, feature_id: int, text: str) -> None:
        """Add the explanation text of one feature.

        Raises:
            InvalidVectors: empty or too long text, a feature given twice.
        """
        self._check_feature_id(feature_id, "explanations")
        if feature_id in self._explanations:
            raise InvalidVectors(
                "explanations", f"feature id {feature_id} appears twice"
            )
        self._check_text(text, f"explanation of feature {feature_id}")
        self._explanations[feature_id] = text

    def finish(self) -> FeatureUpload:
        """The validated upload.

        Raises:
            InvalidVectors: the upload is empty, or its directions do not
                cover every feature of the SAE.
        """
        if not (self._blocks or self._snippets or self._explanations):
            raise InvalidVectors("upload", "the stream carries nothing to store")
        if not self._blocks:
            empty = np.empty((0, self._d_model), dtype=np.float32)
            return FeatureUpload(
                "", np.empty(0, np.int64), empty, self._snippets, self._explanations
            )
        if len(self._direction_ids) != self._n_features:
            missing = next(
                i for i in range(self._n_features) if i not in self._direction_ids
            )
            raise InvalidVectors(
                "directions",
                f"they cover {len(self._direction_ids)} of the "
                f"{self._n_features} features of sae {self._sae!r}; "
                f"feature {missing} is missing",
            )
        ids = np.concatenate([ids for ids, _ in self._blocks])
        rows = np.concatenate([rows for _, rows in self._blocks])
        order = np.argsort(ids, kind="stable")
        return FeatureUpload(
            self._dtype, ids[order], rows[order], self._snippets, self._explanations
        )

    def _check_feature_id(self, feature_id: int, part: str) -> None:
        if not 0 <= feature_id < self._n_features:
            raise InvalidVectors(
                part,
                f"feature id {feature_id} is outside 0..{self._n_features - 1} "
                f"of sae {self._sae!r}",
            )

    def _check_text(self, text: str, where: str) -> None:
        if not text.strip():
            raise InvalidVectors("text", f"{where} is empty")
        if len(text) > self._max_text_chars:
            raise LimitExceeded(f"length of {where}", len(text), self._max_text_chars)


def embed_upload_texts(
    upload: FeatureUpload, encode: Callable[[list[str]], np.ndarray]
) -> UploadVectors:
    """Embed every snippet and explanation of an upload, each distinct text once.

    Args:
        upload: a validated upload.
        encode: texts to unit float32 vectors of shape (n, dim), e.g.
            ``TextEncoder.encode``.
    """
    texts = {s.text for snippets in upload.snippets.values() for s in snippets}
    texts.update(upload.explanations.values())
    if not texts:
        return UploadVectors({}, {})
    ordered = sorted(texts)
    vectors = encode(ordered)
    row = {text: position for position, text in enumerate(ordered)}
    snippets = {
        feature_id: vectors[[row[s.text] for s in items]]
        for feature_id, items in upload.snippets.items()
    }
    explanations = {
        feature_id: vectors[row[text]]
        for feature_id, text in upload.explanations.items()
    }
    return UploadVectors(snippets, explanations)
