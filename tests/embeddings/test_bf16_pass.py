"""The bfloat16 first pass of batch search: the exact top k, proven or redone."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from embeddings import bf16_pass
from embeddings.bf16_pass import BFloat16Pass, score_error_bound
from embeddings.first_pass import BF16_FILTERED_MIN_QUERIES, PREFILTER_MIN_QUERIES
from embeddings.index import ConceptIndex
from embeddings.vectors import normalize_rows

DIM = 48


def _unit(rng: np.random.Generator, count: int) -> np.ndarray:
    return normalize_rows(rng.normal(size=(count, DIM)).astype(np.float32))


def _exact_scores(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    scores = queries @ vectors.T
    return -np.sort(-scores, axis=1)[:, :k]


def _assert_exact(
    found_ids: np.ndarray,
    found_scores: np.ndarray,
    vectors: np.ndarray,
    ids: np.ndarray,
    queries: np.ndarray,
) -> None:
    """The returned scores are the exact top-k scores, and each is the score of
    the concept returned beside it (robust to ties between concepts)."""
    k = found_ids.shape[1]
    np.testing.assert_allclose(
        found_scores, _exact_scores(vectors, queries, k), atol=1e-5
    )
    rows = np.searchsorted(ids, found_ids)
    recomputed = np.einsum("nd,nkd->nk", queries, vectors[rows])
    np.testing.assert_allclose(found_scores, recomputed, atol=1e-5)


def _indexed_with_pass(
    rng: np.random.Generator, count: int, id_step: int = 1
) -> tuple[np.ndarray, np.ndarray, ConceptIndex]:
    """Random unit vectors, their ids, and a flat index over them with the pass."""
    vectors = _unit(rng, count)
    ids = np.arange(count, dtype=np.int64) * id_step + (1 if id_step > 1 else 0)
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1")
    index.enable_bf16_pass()
    return vectors, ids, index


def test_the_error_bound_holds_for_vectors_of_any_norm() -> None:
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(500, DIM)).astype(np.float32) * rng.uniform(
        0.1, 3, size=(500, 1)
    ).astype(np.float32)
    queries = rng.normal(size=(200, DIM)).astype(np.float32) * 5
    exact = queries.astype(np.float64) @ rows.T.astype(np.float64)
    approximate = (
        (torch.from_numpy(queries).bfloat16() @ torch.from_numpy(rows).bfloat16().T)
        .float()
        .numpy()
    )
    bound = score_error_bound(
        np.linalg.norm(queries, axis=1),
        float(np.linalg.norm(rows, axis=1).max()),
        DIM,
    )

    errors = np.abs(approximate - exact)
    assert (errors <= bound[:, None]).all()
    # Tight enough to prove most queries: the worst error is a fair share of it.
    assert errors.max() > 0.05 * bound.max()


def test_a_flat_index_with_the_pass_returns_the_exact_top_k() -> None:
    rng = np.random.default_rng(1)
    vectors, ids, index = _indexed_with_pass(rng, 3000, id_step=2)
    queries = _unit(rng, PREFILTER_MIN_QUERIES * 4)

    found = index.search(queries, 10)

    assert index.bf16_pass is not None
    assert index.bf16_pass.searched == len(queries)
    _assert_exact(found.ids, found.scores, vectors, ids, queries)


def test_queries_the_pass_cannot_prove_are_searched_again_exactly() -> None:
    """Near-duplicate vectors score closer together than bfloat16 can tell
    apart, so the proof fails for queries near them and they are searched
    exactly; the answer is the exact top k either way."""
    rng = np.random.default_rng(2)
    center = _unit(rng, 1)
    # More near-duplicates than the widest candidate set, so that widening
    # cannot prove the queries near them either.
    cluster = normalize_rows(center + 0.003 * rng.normal(size=(3000, DIM)))
    vectors = np.vstack([_unit(rng, 2000), cluster]).astype(np.float32)
    ids = np.arange(5000, dtype=np.int64)
    near = normalize_rows(center + 0.01 * rng.normal(size=(PREFILTER_MIN_QUERIES, DIM)))
    far = _unit(rng, PREFILTER_MIN_QUERIES)
    queries = np.vstack([near, far]).astype(np.float32)
    index = ConceptIndex.build(ids, vectors, embedding_set="test/1")
    index.enable_bf16_pass(extra=4)

    found = index.search(queries, 20)

    assert index.bf16_pass is not None
    assert index.bf16_pass.rechecked >= PREFILTER_MIN_QUERIES // 2
    assert index.bf16_pass.rechecked < len(queries)
    _assert_exact(found.ids, found.scores, vectors, ids, queries)


@pytest.mark.parametrize("widened", [False, True])
def test_every_proven_query_holds_the_exact_top_k(
    monkeypatch: pytest.MonkeyPatch, widened: bool
) -> None:
    """From k + 2 candidates alone the proof fails often; widened to more of
    the same bfloat16 scores, every query is proven. Every query the proof
    accepts holds the exact top k."""
    if not widened:
        monkeypatch.setattr(bf16_pass, "_MOST_CANDIDATES", 7)
    rng = np.random.default_rng(3)
    vectors = _unit(rng, 2000)
    stored = vectors.copy()
    queries = _unit(rng, 300)
    first_pass = BFloat16Pass(stored, extra=2)

    result = first_pass.search(queries, stored, 5)

    if widened:
        assert result.certain.all()
    else:
        assert 0 < result.certain.sum() < len(queries)
    exact = _exact_scores(vectors, queries, 5)
    np.testing.assert_allclose(
        result.scores[result.certain], exact[result.certain], atol=1e-5
    )


def test_added_and_replaced_vectors_are_seen_by_the_pass() -> None:
    _, _, index = _indexed_with_pass(np.random.default_rng(4), 1000)
    rng = np.random.default_rng(40)
    added = _unit(rng, 40)
    added_ids = np.arange(1000, 1040, dtype=np.int64)
    index.add(added_ids, added)
    moved = _unit(rng, 1)
    index.replace(np.array([3], dtype=np.int64), moved)

    queries = np.vstack([added, moved]).astype(np.float32)
    found = index.search(queries, 1)

    np.testing.assert_array_equal(found.ids[:, 0], np.append(added_ids, 3))
    np.testing.assert_allclose(found.scores[:, 0], 1.0, atol=1e-5)


def test_single_queries_go_through_the_pass_unless_filtered() -> None:
    rng = np.random.default_rng(5)
    vectors, ids, index = _indexed_with_pass(rng, 500)
    assert index.bf16_pass is not None
    query = _unit(rng, 1)

    single = index.search(query, 3)
    filtered = index.search(query, 3, allowed_ids=ids[:100])

    assert index.bf16_pass.searched == 1
    _assert_exact(single.ids, single.scores, vectors, ids, query)
    _assert_exact(filtered.ids, filtered.scores, vectors[:100], ids[:100], query)


@pytest.mark.parametrize("share", [0.9, 0.05])
def test_filtered_searches_return_the_exact_top_k_of_the_allowed_ids(
    share: float,
) -> None:
    """A large filter masks the whole table, a small one is gathered; both
    give the exact hits among the allowed concepts only."""
    rng = np.random.default_rng(7)
    vectors, ids, index = _indexed_with_pass(rng, 2000, id_step=3)
    allowed = np.flatnonzero(rng.random(2000) < share)
    queries = _unit(rng, BF16_FILTERED_MIN_QUERIES)
    unknown = np.array([2, 5], dtype=np.int64)

    found = index.search(queries, 8, allowed_ids=np.append(ids[allowed], unknown))

    assert index.bf16_pass is not None
    assert index.bf16_pass.searched == len(queries)
    assert np.isin(found.ids, ids[allowed]).all()
    _assert_exact(found.ids, found.scores, vectors[allowed], ids[allowed], queries)


def test_a_filter_with_fewer_than_k_ids_is_padded_as_faiss_does() -> None:
    rng = np.random.default_rng(8)
    _, ids, index = _indexed_with_pass(rng, 300)

    found = index.search(_unit(rng, BF16_FILTERED_MIN_QUERIES), 5, allowed_ids=ids[:2])

    assert (found.ids[:, 2:] == -1).all()
    assert np.isneginf(found.scores[:, 2:]).all()
    assert np.isin(found.ids[:, :2], ids[:2]).all()


def test_the_pass_needs_a_flat_index() -> None:
    rng = np.random.default_rng(6)
    vectors = _unit(rng, 200)
    hnsw = ConceptIndex.build(
        np.arange(200, dtype=np.int64), vectors, embedding_set="test/1", kind="hnsw"
    )
    with pytest.raises(ValueError, match="flat index, this one is hnsw"):
        hnsw.enable_bf16_pass()
    with pytest.raises(ValueError, match="extra must be >= 0"):
        BFloat16Pass(vectors, extra=-1)


def test_small_memory_budgets_split_the_work_and_keep_the_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With budgets that hold one query's scores and a few candidates at a
    time, the search runs in many pieces and returns the same exact top k."""
    rng = np.random.default_rng(9)
    vectors = _unit(rng, 2000)
    stored = vectors.copy()
    queries = _unit(rng, 50)
    expected = BFloat16Pass(stored).search(queries, stored, 6)
    monkeypatch.setattr(bf16_pass, "_SCORE_BUDGET", 2500)
    monkeypatch.setattr(bf16_pass, "_RESCORE_BUDGET", DIM * 40)

    pieces = BFloat16Pass(stored).search(queries, stored, 6)

    np.testing.assert_array_equal(pieces.rows, expected.rows)
    np.testing.assert_array_equal(pieces.certain, expected.certain)
    np.testing.assert_allclose(
        pieces.scores, _exact_scores(vectors, queries, 6), atol=1e-5
    )
