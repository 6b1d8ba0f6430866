"""Step 5 of benchmarks/sae_naming.py: explain -> simulate -> score on held-out text."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from sqlalchemy import Engine

from benchmarks.sae_naming_data import (
    Tokens,
    dense_columns,
    most_frequent_token,
    top_rows,
)
from embeddings.encoders import TextEncoder
from embeddings.index import ConceptIndex
from embeddings.interp_scoring import correlation_score, simulate
from embeddings.sae_naming import (
    CONFIDENCE_TEMPERATURE,
    DEFAULT_METHOD,
)
from embeddings.sae_training import TrainedSAE
from graph.db import create_session_factory
from graph.store import GraphStore

logger = logging.getLogger("benchmarks.sae_naming")


@dataclass(frozen=True)
class EvalSettings:
    """How the held-out scoring contexts are drawn."""

    top: int
    random: int
    pool: int
    top_token_rows: int


def evaluate(
    settings: EvalSettings,
    rng: np.random.Generator,
    engine: Engine,
    index: ConceptIndex,
    encoder: TextEncoder,
    trained: TrainedSAE,
    train: Tokens,
    held: Tokens,
    tops: dict[int, list[tuple[int, float]]],
    names: dict[str, dict[int, Any]],
) -> dict[str, Any]:
    """Scores of every naming method and of the two baselines on held-out text.

    Each live feature that fires on held-out tokens is scored on the same
    contexts for every namer: its ``top`` highest held-out activations (one
    per sentence) and ``random`` contexts drawn from a pool of random
    held-out tokens.
    """
    n_features = trained.config.n_features
    values, indices = trained.activations(held.batch.activations)
    held_tops = top_rows(values, indices, held.batch.text_of, n_features, settings.top)
    scored = [f for f in sorted(tops) if f in held_tops]
    pool = np.sort(
        rng.choice(len(values), min(settings.pool, len(values)), replace=False)
    )
    pool_activations = dense_columns(values, indices, pool, n_features)
    needed = sorted(
        {int(r) for r in pool} | {r for f in scored for r, _ in held_tops[f]}
    )
    texts = [held.context(row) for row in needed]
    unique = sorted(set(texts))
    encoded = encoder.encode(unique)
    text_row = {text: i for i, text in enumerate(unique)}
    context_vectors = {
        row: encoded[text_row[text]] for row, text in zip(needed, texts, strict=True)
    }
    logger.info(
        "evaluation features=%d contexts=%d unique_texts=%d",
        len(scored),
        len(needed),
        len(unique),
    )

    contexts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for feature in scored:
        top_rows_ = [row for row, _ in held_tops[feature]]
        taken = set(top_rows_)
        choices = [i for i in rng.permutation(len(pool)) if int(pool[i]) not in taken]
        random_positions = np.array(choices[: settings.random])
        rows = top_rows_ + [int(pool[i]) for i in random_positions]
        actual = np.array(
            [a for _, a in held_tops[feature]]
            + pool_activations[random_positions, feature].tolist(),
            dtype=np.float32,
        )
        vectors = np.stack([context_vectors[row] for row in rows])
        contexts[feature] = (vectors, actual)

    name_vectors = _name_vectors(
        engine, index, encoder, train, tops, names, rng, scored
    )
    per_feature = {
        namer: np.array(
            [
                correlation_score(simulate(contexts[f][0], vectors[f]), contexts[f][1])
                for f in scored
            ]
        )
        for namer, vectors in name_vectors.items()
    }
    scores = {
        f"score_{namer}": round(float(values_.mean()), 4)
        for namer, values_ in per_feature.items()
    }
    errors = {
        namer: round(float(v.std(ddof=1) / np.sqrt(len(v))), 4)
        for namer, v in per_feature.items()
    }
    paired = {
        f"{method}-{baseline}": _paired(per_feature[method], per_feature[baseline])
        for method in [*names, *(f"{m}_weighted" for m in names)]
        for baseline in ("random", "top_token")
    }
    confidences = np.array(
        [names[DEFAULT_METHOD][f].confidence for f in scored], dtype=np.float64
    )
    spearman = stats.spearmanr(confidences, per_feature[DEFAULT_METHOD])
    return {
        "scores": scores,
        "scored_features": len(scored),
        "score_standard_errors": errors,
        "paired_differences": paired,
        "confidence_score_spearman": round(float(spearman.statistic), 4),
        "name_examples": _examples(names, train, tops, scored),
    }


def _name_vectors(
    engine: Engine,
    index: ConceptIndex,
    encoder: TextEncoder,
    train: Tokens,
    tops: dict[int, list[tuple[int, float]]],
    names: dict[str, dict[int, Any]],
    rng: np.random.Generator,
    scored: list[int],
) -> dict[str, dict[int, np.ndarray]]:
    """Per namer, the unit embedding of each scored feature's one-concept name."""
    with create_session_factory(engine)() as session:
        store = GraphStore(session)
        uris = {
            c.uri
            for found in names.values()
            for n in found.values()
            for c in n.concepts
        }
        ids = store.concept_ids(uris)
        all_ids = np.array(sorted(store.all_concept_ids()), dtype=np.int64)
    vectors: dict[str, dict[int, np.ndarray]] = {}
    for method, found in names.items():
        rows = index.reconstruct_batch(
            np.array([ids[found[f].concepts[0].uri] for f in scored], dtype=np.int64)
        )
        vectors[method] = dict(zip(scored, rows, strict=True))
        vectors[f"{method}_weighted"] = {
            f: _weighted_name(index, ids, found[f]) for f in scored
        }
    random_ids = rng.choice(all_ids, len(scored), replace=True)
    vectors["random"] = dict(
        zip(scored, index.reconstruct_batch(random_ids), strict=True)
    )
    tokens = [most_frequent_token(train, tops[f]) for f in scored]
    unique = sorted(set(tokens))
    encoded = dict(zip(unique, encoder.encode(unique), strict=True))
    vectors["top_token"] = {f: encoded[t] for f, t in zip(scored, tokens, strict=True)}
    return vectors


def _weighted_name(index: ConceptIndex, ids: dict[str, int], name: Any) -> np.ndarray:
    """The whole name: its concepts' vectors weighted by the confidence softmax
    (the vector the service stores for feature search)."""
    scores = np.array([c.score for c in name.concepts], dtype=np.float64)
    weights = np.exp((scores - scores.max()) / CONFIDENCE_TEMPERATURE)
    vectors = index.reconstruct_batch(
        np.array([ids[c.uri] for c in name.concepts], dtype=np.int64)
    )
    mixed = (weights / weights.sum()) @ vectors
    unit: np.ndarray = (mixed / np.linalg.norm(mixed)).astype(np.float32)
    return unit


def _paired(method: np.ndarray, baseline: np.ndarray) -> dict[str, float]:
    difference = method - baseline
    error = float(difference.std(ddof=1) / np.sqrt(len(difference)))
    return {
        "mean": round(float(difference.mean()), 4),
        "standard_error": round(error, 4),
        "wins": round(float((difference > 0).mean()), 4),
    }


def _examples(
    names: dict[str, dict[int, Any]],
    train: Tokens,
    tops: dict[int, list[tuple[int, float]]],
    scored: list[int],
) -> list[dict[str, Any]]:
    """A few features with each method's name, for the record."""
    shown = []
    for feature in scored[:: max(1, len(scored) // 12)][:12]:
        shown.append(
            {
                "feature": feature,
                "top_token": most_frequent_token(train, tops[feature]),
                "snippet": train.context(tops[feature][0][0]),
                **{m: names[m][feature].concepts[0].label for m in names},
            }
        )
    return shown
