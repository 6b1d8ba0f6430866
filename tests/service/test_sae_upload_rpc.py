"""RegisterSAE and UploadFeatures through a real server, on both databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest
from sqlalchemy import Engine

from embeddings.encoders import TextEncoder
from service._generated.conceptkg.v1 import sae_pb2 as spb
from service._generated.conceptkg.v1 import sae_pb2_grpc
from tests.service.sae_support import (
    N_FEATURES,
    SNIPPETS,
    SPACE,
    SPACE_DIM,
    SAEServer,
    register_space,
    running_sae_server,
    sae_server,
)

Code = grpc.StatusCode
Messages = Callable[[np.ndarray], list[spb.UploadFeaturesRequest]]


@pytest.fixture
def server(engine: Engine, encoder: TextEncoder, tmp_path: Path) -> Iterator[SAEServer]:
    with sae_server(engine, encoder, tmp_path) as running:
        running.client.register_sae(SPACE, "toy-sae", N_FEATURES)
        yield running


@pytest.fixture
def stub(server: SAEServer) -> Iterator[sae_pb2_grpc.SAEServiceStub]:
    with grpc.insecure_channel(f"127.0.0.1:{server.running.port}") as channel:
        yield sae_pb2_grpc.SAEServiceStub(channel)


def _status(call: Callable[[], object]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as info:
        call()
    error = info.value
    return error.code(), error.details()  # type: ignore[attr-defined]


def _block(
    ids: list[int], rows: np.ndarray, dtype: int = spb.DTYPE_FLOAT32, d_model: int = 0
) -> spb.UploadFeaturesRequest:
    return spb.UploadFeaturesRequest(
        sae="toy-sae",
        directions=spb.DirectionBlock(
            feature_ids=ids,
            dtype=dtype,
            d_model=d_model or rows.shape[1],
            data=rows.astype("<f2" if dtype == spb.DTYPE_FLOAT16 else "<f4").tobytes(),
        ),
    )


def _snippets(feature_id: int, *pairs: tuple[str, float]) -> spb.UploadFeaturesRequest:
    snippets = [spb.Snippet(text=t, activation=a) for t, a in pairs]
    return spb.UploadFeaturesRequest(
        sae="toy-sae",
        snippets=[spb.FeatureSnippets(feature_id=feature_id, snippets=snippets)],
    )


def _nan_in_last(rows: np.ndarray) -> list[spb.UploadFeaturesRequest]:
    bad = rows[4:].copy()
    bad[2, 5] = np.nan
    return [_block([0, 1, 2, 3], rows[:4]), _block([4, 5, 6, 7], bad)]


def _inf_float16(rows: np.ndarray) -> list[spb.UploadFeaturesRequest]:
    bad = rows[4:].copy()
    bad[0, 0] = 1e6  # beyond float16's range: inf
    f16 = spb.DTYPE_FLOAT16
    with np.errstate(over="ignore"):
        return [_block([0, 1, 2, 3], rows[:4], f16), _block([4, 5, 6, 7], bad, f16)]


BAD_UPLOADS: list[tuple[str, Messages, grpc.StatusCode, str]] = [
    ("nan", _nan_in_last, Code.INVALID_ARGUMENT, "feature 6 holds NaN or Inf"),
    ("inf_float16", _inf_float16, Code.INVALID_ARGUMENT, "feature 4 holds NaN or Inf"),
    (
        "duplicate_id",
        lambda r: [_block([0, 1, 2, 3], r[:4]), _block([3, 4, 5, 6], r[4:])],
        Code.INVALID_ARGUMENT,
        "feature id 3 appears twice",
    ),
    (
        "wrong_space_dim",
        lambda r: [_block(list(range(8)), r[:, :384])],
        Code.INVALID_ARGUMENT,
        f"d_model 384 does not match the space's dim {SPACE_DIM}",
    ),
    (
        "byte_count",
        lambda r: [_block([0, 1, 2, 3], r[:4]), _block([4, 5, 6], r[4:], d_model=400)],
        Code.INVALID_ARGUMENT,
        "block 1 holds 6400 bytes, expected 3 x 400 x 4 = 4800",
    ),
    (
        "dtype",
        lambda r: [_block(list(range(8)), r, dtype=spb.DTYPE_UNSPECIFIED)],
        Code.INVALID_ARGUMENT,
        "'DTYPE_UNSPECIFIED' is not float32 or float16",
    ),
    (
        "mixed_dtypes",
        lambda r: [
            _block([0, 1, 2, 3], r[:4]),
            _block([4, 5, 6, 7], r[4:], spb.DTYPE_FLOAT16),
        ],
        Code.INVALID_ARGUMENT,
        "block 1 is float16, earlier blocks are float32",
    ),
    (
        "id_out_of_range",
        lambda r: [_block([0, 1, 2, 3], r[:4]), _block([4, 5, 6, 8], r[4:])],
        Code.INVALID_ARGUMENT,
        "feature id 8 is outside 0..7",
    ),
    (
        "incomplete",
        lambda r: [_snippets(3, ("dog", 1.0)), _block([0, 1, 2, 3, 5, 6, 7], r[:7])],
        Code.INVALID_ARGUMENT,
        "cover 7 of the 8 features of sae 'toy-sae'; feature 4 is missing",
    ),
    (
        "zero_activation",
        lambda r: [_block(list(range(8)), r), _snippets(4, ("dog", 1.0), ("x", 0.0))],
        Code.INVALID_ARGUMENT,
        "snippet 1 of feature 4 has activation 0.0, expected > 0",
    ),
    (
        "empty_snippet",
        lambda r: [_block(list(range(8)), r), _snippets(3, ("  ", 1.0))],
        Code.INVALID_ARGUMENT,
        "snippet 0 of feature 3 is empty",
    ),
    (
        "too_many_snippets",
        lambda r: [_block(list(range(8)), r), _snippets(3, *[("a", 1.0)] * 5)],
        Code.RESOURCE_EXHAUSTED,
        "snippets of feature 3 5 exceeds the limit of 4",
    ),
    (
        "long_explanation",
        lambda r: [
            _block(list(range(8)), r),
            spb.UploadFeaturesRequest(
                explanations=[spb.FeatureExplanation(feature_id=1, text="x" * 201)]
            ),
        ],
        Code.RESOURCE_EXHAUSTED,
        "explanation of feature 1 201 exceeds the limit of 200",
    ),
]


def test_register_sae_twice_alike_returns_the_same(server: SAEServer) -> None:
    again = server.client.register_sae(SPACE, "toy-sae", N_FEATURES)

    assert (again.name, again.space, again.n_features) == ("toy-sae", SPACE, 8)
    assert again.d_model == SPACE_DIM
    assert again.dtype == spb.DTYPE_UNSPECIFIED
    assert again.default_method == spb.NAMING_METHOD_COMBINED
    assert [s.name for s in server.client.list_saes()] == ["toy-sae"]


def test_register_sae_bad_requests_get_their_status(server: SAEServer) -> None:
    client = server.client
    calls = {
        "conflict": lambda: client.register_sae(SPACE, "toy-sae", 9),
        "space": lambda: client.register_sae("toy/none", "other", 8),
        "name": lambda: client.register_sae(SPACE, "bad name", 8),
        "features": lambda: client.register_sae(SPACE, "other", 0),
        "too_many": lambda: client.register_sae(SPACE, "other", 100_001),
    }

    got = {name: _status(call) for name, call in calls.items()}

    assert got["conflict"][0] == Code.ALREADY_EXISTS
    assert "on space 'toy/resid/3' with 8 features" in got["conflict"][1]
    assert got["space"] == (Code.NOT_FOUND, "space 'toy/none' is not registered")
    assert got["name"][0] == Code.INVALID_ARGUMENT and "'bad name'" in got["name"][1]
    assert got["features"][0] == Code.INVALID_ARGUMENT
    assert got["too_many"][0] == Code.RESOURCE_EXHAUSTED


def test_upload_float32_directions_snippets_explanations_are_counted(
    server: SAEServer,
) -> None:
    directions = server.planted_directions()

    response = server.client.upload_features(
        "toy-sae",
        directions=directions,
        snippets=SNIPPETS,
        explanations={4: "military units", 5: "rivers and streams"},
        message_bytes=4096,
    )

    assert (response.directions, response.snippets, response.explanations) == (
        8,
        11,
        2,
    )
    info = server.client.get_sae("toy-sae")
    assert info.dtype == spb.DTYPE_FLOAT32
    assert (info.directions, info.snippet_features, info.explanations) == (8, 5, 2)


def test_upload_float16_directions_are_stored_as_float16(server: SAEServer) -> None:
    directions = server.planted_directions().astype(np.float16)

    response = server.client.upload_features("toy-sae", directions=directions)

    assert response.sae.dtype == spb.DTYPE_FLOAT16
    assert response.sae.directions == N_FEATURES


def test_upload_bad_streams_are_each_rejected_whole(
    server: SAEServer, stub: sae_pb2_grpc.SAEServiceStub
) -> None:
    # One server for every case: a rejected stream must leave nothing behind,
    # so each case starts from the same empty SAE.
    rows = server.planted_directions()
    got = {}
    for name, messages, _, _ in BAD_UPLOADS:
        stream = [_snippets(2, ("dog", 1.0)), *messages(rows)]
        code, detail = _status(lambda s=stream: stub.UploadFeatures(iter(s)))
        info = server.client.get_sae("toy-sae")
        stored = (info.directions, info.snippet_features, info.explanations)
        got[name] = (code, detail, stored, info.dtype)

    for name, _, code, detail in BAD_UPLOADS:
        assert got[name][0] == code, name
        assert detail in got[name][1], name
        assert got[name][2:] == ((0, 0, 0), spb.DTYPE_UNSPECIFIED), name


def test_upload_directions_twice_is_already_exists_and_keeps_the_first(
    server: SAEServer,
) -> None:
    first = server.planted_directions(seed=0)
    server.client.upload_features("toy-sae", directions=first)

    got = _status(
        lambda: server.client.upload_features(
            "toy-sae", directions=first.astype(np.float16), snippets=SNIPPETS
        )
    )

    assert got[0] == Code.ALREADY_EXISTS
    assert "already has its decoder directions" in got[1]
    info = server.client.get_sae("toy-sae")
    assert (info.dtype, info.snippet_features) == (spb.DTYPE_FLOAT32, 0)


def test_upload_message_over_size_limit_writes_nothing(
    server: SAEServer, stub: sae_pb2_grpc.SAEServiceStub
) -> None:
    huge = spb.UploadFeaturesRequest(
        explanations=[spb.FeatureExplanation(feature_id=1, text="y" * 300_000)]
    )
    stream = [_snippets(2, ("dog", 1.0)), huge]

    got = _status(lambda: stub.UploadFeatures(iter(stream)))

    assert got[0] in (Code.RESOURCE_EXHAUSTED, Code.CANCELLED)
    assert server.client.get_sae("toy-sae").snippet_features == 0


def test_upload_other_problems_get_their_status(
    server: SAEServer, stub: sae_pb2_grpc.SAEServiceStub
) -> None:
    other_sae = [_snippets(2, ("dog", 1.0)), spb.UploadFeaturesRequest(sae="other")]
    unknown = [spb.UploadFeaturesRequest(sae="missing-sae")]

    empty = _status(lambda: stub.UploadFeatures(iter([])))
    nothing = _status(
        lambda: stub.UploadFeatures(iter([spb.UploadFeaturesRequest(sae="toy-sae")]))
    )
    switched = _status(lambda: stub.UploadFeatures(iter(other_sae)))
    missing = _status(lambda: stub.UploadFeatures(iter(unknown)))

    assert empty[0] == Code.INVALID_ARGUMENT
    assert nothing == (
        Code.INVALID_ARGUMENT,
        "invalid upload: the stream carries nothing to store",
    )
    assert switched[0] == Code.INVALID_ARGUMENT and "'other'" in switched[1]
    assert missing == (Code.NOT_FOUND, "sae 'missing-sae' is not registered")


def test_upload_without_index_stores_directions_but_not_texts(engine: Engine) -> None:
    register_space(engine, np.arange(384))
    directions = np.random.default_rng(0).normal(size=(N_FEATURES, SPACE_DIM))

    with running_sae_server(engine, None) as (_, client):
        client.register_sae(SPACE, "toy-sae", N_FEATURES)
        stored = client.upload_features("toy-sae", directions=directions.astype("f4"))
        got = _status(lambda: client.upload_features("toy-sae", snippets=SNIPPETS))
        named = _status(lambda: list(client.name_features("toy-sae", [1])))

    assert stored.directions == N_FEATURES
    assert got[0] == Code.FAILED_PRECONDITION and "not built yet" in got[1]
    assert named[0] == Code.FAILED_PRECONDITION
