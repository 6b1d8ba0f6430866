"""Corpus, snippet mining and scoring helpers of benchmarks/sae_naming.py."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import regex
from scipy import sparse

from embeddings.layer_activations import LayerBatch, context_text, token_text

# A sentence ends at . ! or ? followed by a capital letter or a space; the
# SciFact rebuild joined sentences without a space ("...disabilities.A line").
_SENTENCE_END = regex.compile(r"(?<=[a-z0-9)\]%][.!?])(?=\s*[A-Z])")


@dataclass(frozen=True)
class Corpus:
    """Sentences of the training and held-out documents."""

    train: list[str]
    heldout: list[str]
    train_docs: int
    heldout_docs: int


def read_corpus(
    path: Path,
    *,
    docs: int,
    heldout_fraction: float,
    seed: int,
    offset: int = 0,
    min_words: int = 4,
) -> Corpus:
    """Split abstracts into sentences; hold out a random share of documents.

    Args:
        path: BEIR ``corpus.jsonl`` (``_id``, ``title``, ``text``).
        docs: documents used (a seeded random sample), 0 = all.
        offset: where in the seeded order the sample starts, so that runs
            with different offsets use disjoint documents.
        heldout_fraction: share of the used documents held out.
        seed: seed of the sample and the split.
        min_words: shorter sentences are dropped.
    """
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(rows))[offset:]
    if docs:
        order = order[:docs]
    cut = int(round(len(order) * heldout_fraction))
    heldout, train = order[:cut], order[cut:]

    def sentences(indices: np.ndarray) -> list[str]:
        found = []
        for index in sorted(indices.tolist()):
            for part in _SENTENCE_END.split(rows[index]["text"]):
                sentence = part.strip()
                if len(sentence.split()) >= min_words:
                    found.append(sentence)
        return found

    return Corpus(sentences(train), sentences(heldout), len(train), len(heldout))


class Tokens:
    """Token rows of one split, with their text contexts.

    Args:
        batch: the layer's activations of the split's sentences.
        tokenizer: the model's tokenizer.
        before, after: wordpieces of context around a token.
    """

    def __init__(
        self, batch: LayerBatch, tokenizer: Any, *, before: int, after: int
    ) -> None:
        self.batch = batch
        self._tokenizer = tokenizer
        self._before = before
        self._after = after
        texts = int(batch.text_of.max()) + 1 if len(batch.text_of) else 0
        self._starts = np.searchsorted(batch.text_of, np.arange(texts + 1))

    def context(self, row: int) -> str:
        """The text around token ``row``."""
        text = int(self.batch.text_of[row])
        start, end = self._starts[text], self._starts[text + 1]
        ids = self.batch.token_ids[start:end].tolist()
        return context_text(
            self._tokenizer,
            ids,
            int(self.batch.position[row]),
            before=self._before,
            after=self._after,
        )

    def token(self, row: int) -> str:
        """The wordpiece of token ``row`` as text."""
        return token_text(self._tokenizer, int(self.batch.token_ids[row]))


def top_rows(
    values: np.ndarray,
    indices: np.ndarray,
    text_of: np.ndarray,
    n_features: int,
    top: int,
) -> dict[int, list[tuple[int, float]]]:
    """Per feature, its ``top`` highest-activating token rows, one per text.

    Args:
        values, indices: sparse latents, shape (n_tokens, k).
        text_of: the text of each token row, shape (n_tokens,).
        n_features: features of the SAE.
        top: rows kept per feature.

    Returns:
        feature -> [(row, activation)], highest first; features that never
        fire are absent.
    """
    rows = np.repeat(np.arange(len(values)), values.shape[1])
    features = indices.ravel()
    activations = values.ravel()
    fired = activations > 0
    rows, features, activations = rows[fired], features[fired], activations[fired]
    order = np.lexsort((-activations, features))
    rows, features, activations = rows[order], features[order], activations[order]
    bounds = np.searchsorted(features, np.arange(n_features + 1))
    found: dict[int, list[tuple[int, float]]] = {}
    for feature in range(n_features):
        start, end = bounds[feature], bounds[feature + 1]
        if start == end:
            continue
        kept: list[tuple[int, float]] = []
        texts: set[int] = set()
        for row, activation in zip(
            rows[start:end].tolist(), activations[start:end].tolist(), strict=True
        ):
            text = int(text_of[row])
            if text in texts:
                continue
            texts.add(text)
            kept.append((row, activation))
            if len(kept) == top:
                break
        found[feature] = kept
    return found


def most_frequent_token(tokens: Tokens, rows: list[tuple[int, float]]) -> str:
    """The token that occurs most often among a feature's top rows."""
    counts = Counter(tokens.token(row) for row, _ in rows)
    return counts.most_common(1)[0][0]


def dense_columns(
    values: np.ndarray, indices: np.ndarray, rows: np.ndarray, n_features: int
) -> np.ndarray:
    """Activations of every feature at the given token rows, (len(rows), n)."""
    matrix = sparse.csr_matrix(
        (
            values.ravel(),
            (np.repeat(np.arange(len(values)), values.shape[1]), indices.ravel()),
        ),
        shape=(len(values), n_features),
    )
    dense: np.ndarray = matrix[rows].toarray().astype(np.float32)
    return dense


_WORD = regex.compile(r"[a-z][a-z\-]{2,}")


def word_pairs(
    batch: LayerBatch, tokenizer: Any, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, list[str]]:
    """Mean-pooled activations of single words with the words' text.

    Each distinct word (lowercase letters, three or more) of the batch is
    taken once, at a random occurrence; its activation is the mean over its
    wordpieces. ``count`` of them are returned, a seeded random sample.

    Returns:
        float32 (n, d_model) activations and the n words.
    """
    pieces = tokenizer.convert_ids_to_tokens(batch.token_ids.tolist())
    starts: list[int] = []
    for row, piece in enumerate(pieces):
        continues = str(piece).startswith("##")
        same_text = row > 0 and batch.text_of[row] == batch.text_of[row - 1]
        if not (continues and same_text):
            starts.append(row)
    bounds = [*starts, len(pieces)]
    occurrences: dict[str, list[tuple[int, int]]] = {}
    for start, end in zip(bounds, bounds[1:], strict=False):
        word = "".join(str(p).removeprefix("##") for p in pieces[start:end])
        if _WORD.fullmatch(word):
            occurrences.setdefault(word, []).append((start, end))
    words = sorted(occurrences)
    chosen = rng.choice(len(words), min(count, len(words)), replace=False)
    vectors = np.empty((len(chosen), batch.activations.shape[1]), dtype=np.float32)
    texts = []
    for slot, index in enumerate(sorted(chosen.tolist())):
        word = words[index]
        start, end = occurrences[word][rng.integers(len(occurrences[word]))]
        vectors[slot] = batch.activations[start:end].mean(axis=0)
        texts.append(word)
    return vectors, texts
