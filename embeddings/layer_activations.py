"""Token activations of one intermediate layer of the text encoder's model.

The model under study is the encoder itself (all-MiniLM-L6-v2 by default):
its transformer is copied and cut after ``layer`` blocks, so the output is
the layer's hidden states (``hidden_states[layer]`` of the full model)
without running the blocks above it.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from embeddings.encoders import default_model_path
from embeddings.errors import InvalidVectors, ModelNotFound

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LayerBatch:
    """The layer's activations over a list of texts.

    Token rows exclude the special tokens ([CLS], [SEP]) and padding.

    Attributes:
        activations: float32 (n_tokens, d_model).
        token_ids: int32 (n_tokens,), wordpiece ids.
        text_of: int32 (n_tokens,), index of the text each token is from.
        position: int32 (n_tokens,), the token's position in its text
            (0 = the first wordpiece after [CLS]).
        pooled: float32 (n_texts, d_model), mean over each text's tokens
            including the special ones (how the encoder pools its output).
    """

    activations: np.ndarray
    token_ids: np.ndarray
    text_of: np.ndarray
    position: np.ndarray
    pooled: np.ndarray


class LayerReader:
    """Reads the hidden states after ``layer`` transformer blocks.

    Args:
        model_path: a sentence-transformers folder; defaults to the bundled
            all-MiniLM-L6-v2.
        layer: number of blocks to run, 1..number of layers.
        max_tokens: texts are cut to this many wordpieces (specials included).
        batch_size: texts per forward pass.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        layer: int,
        max_tokens: int = 128,
        batch_size: int = 64,
    ) -> None:
        path = model_path or default_model_path()
        if not (path / "modules.json").is_file():
            raise ModelNotFound(str(path))
        import torch
        from sentence_transformers import SentenceTransformer

        full: Any = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        transformer = full[0].auto_model
        layers = transformer.config.num_hidden_layers
        if not 1 <= layer <= layers:
            raise InvalidVectors("layer", f"{layer} is outside 1..{layers}")
        cut = copy.deepcopy(transformer)
        cut.encoder.layer = torch.nn.ModuleList(list(cut.encoder.layer)[:layer])
        cut.eval()
        self._model = cut
        self.tokenizer: Any = full.tokenizer
        self.layer = layer
        self.d_model = int(transformer.config.hidden_size)
        self._max_tokens = max_tokens
        self._batch_size = batch_size
        logger.info("layer_reader_loaded path=%s layer=%d/%d", path, layer, layers)

    def read(self, texts: Sequence[str], *, show_progress: bool = False) -> LayerBatch:
        """Run the cut model over texts, shortest first to limit padding.

        Raises:
            InvalidVectors: no texts.
        """
        import torch

        if not texts:
            raise InvalidVectors("texts", "the batch is empty")
        order = np.argsort([len(t) for t in texts], kind="stable")
        parts: list[tuple[np.ndarray, ...]] = []
        pooled = np.empty((len(texts), self.d_model), dtype=np.float32)
        steps = range(0, len(texts), self._batch_size)
        with torch.inference_mode():
            for start in tqdm(steps, disable=not show_progress, desc="activations"):
                chosen = order[start : start + self._batch_size]
                encoded = self.tokenizer(
                    [texts[i] for i in chosen],
                    padding=True,
                    truncation=True,
                    max_length=self._max_tokens,
                    return_tensors="pt",
                )
                hidden = self._model(**encoded).last_hidden_state.float()
                mask = encoded["attention_mask"]
                summed = (hidden * mask[..., None]).sum(dim=1)
                pooled[chosen] = (summed / mask.sum(dim=1, keepdim=True)).numpy()
                parts.append(self._tokens(hidden, encoded, chosen))
        text_of = np.concatenate([p[2] for p in parts])
        position = np.concatenate([p[3] for p in parts])
        rows = np.lexsort((position, text_of))  # back to text order
        return LayerBatch(
            activations=np.concatenate([p[0] for p in parts])[rows],
            token_ids=np.concatenate([p[1] for p in parts])[rows],
            text_of=text_of[rows],
            position=position[rows],
            pooled=pooled,
        )

    def _tokens(
        self, hidden: Any, encoded: Any, chosen: np.ndarray
    ) -> tuple[np.ndarray, ...]:
        ids = encoded["input_ids"].numpy()
        mask = encoded["attention_mask"].numpy().astype(bool)
        special = np.isin(ids, self.tokenizer.all_special_ids)
        keep = mask & ~special
        rows, columns = np.nonzero(keep)
        return (
            hidden.numpy()[rows, columns].astype(np.float32),
            ids[rows, columns].astype(np.int32),
            chosen[rows].astype(np.int32),
            (columns - 1).astype(np.int32),
        )


def context_text(
    tokenizer: Any, token_ids: Sequence[int], position: int, *, before: int, after: int
) -> str:
    """The text of the wordpieces around ``position`` of one text's tokens.

    Args:
        tokenizer: the model's tokenizer.
        token_ids: the text's wordpiece ids without specials, in order.
        position: the token at the centre of the context.
        before: wordpieces kept before it.
        after: wordpieces kept after it.
    """
    start = max(0, position - before)
    while start > 0 and _continues(tokenizer, token_ids[start]):
        start -= 1  # do not start inside a word
    end = min(len(token_ids), position + after + 1)
    while end < len(token_ids) and _continues(tokenizer, token_ids[end]):
        end += 1
    pieces = tokenizer.convert_ids_to_tokens(list(token_ids[start:end]))
    return str(tokenizer.convert_tokens_to_string(pieces)).strip()


def token_text(tokenizer: Any, token_id: int) -> str:
    """A wordpiece as text, without the ``##`` continuation mark."""
    piece = str(tokenizer.convert_ids_to_tokens([int(token_id)])[0])
    return piece[2:] if piece.startswith("##") else piece


def _continues(tokenizer: Any, token_id: int) -> bool:
    piece = tokenizer.convert_ids_to_tokens([int(token_id)])[0]
    return str(piece).startswith("##")
