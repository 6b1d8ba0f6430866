"""Conversions between SAE protobuf messages and embeddings dataclasses."""

from __future__ import annotations

from collections.abc import Sequence

from embeddings.errors import InvalidVectors
from embeddings.sae_name_store import NamingInfo, StoredName
from embeddings.sae_naming import DEFAULT_METHOD, NamingMethod
from embeddings.sae_store import SAEInfo
from service._generated.conceptkg.v1 import sae_pb2 as pb

_METHODS: dict[int, NamingMethod] = {
    pb.NAMING_METHOD_DIRECTION: "direction",
    pb.NAMING_METHOD_EXAMPLES: "examples",
    pb.NAMING_METHOD_COMBINED: "combined",
    pb.NAMING_METHOD_EXPLANATION: "explanation",
}
_METHOD_ENUMS: dict[str, pb.NamingMethod] = {
    "direction": pb.NAMING_METHOD_DIRECTION,
    "examples": pb.NAMING_METHOD_EXAMPLES,
    "combined": pb.NAMING_METHOD_COMBINED,
    "explanation": pb.NAMING_METHOD_EXPLANATION,
}
_DTYPES: dict[int, str] = {pb.DTYPE_FLOAT32: "float32", pb.DTYPE_FLOAT16: "float16"}
_DTYPE_ENUMS: dict[str, pb.DType] = {
    "float32": pb.DTYPE_FLOAT32,
    "float16": pb.DTYPE_FLOAT16,
}


def method_name(value: int, *, default: bool = True) -> NamingMethod | None:
    """The method of a NamingMethod value; unspecified is the default method
    (or None with ``default=False``).

    Raises:
        InvalidVectors: the value is no NamingMethod.
    """
    if value == pb.NAMING_METHOD_UNSPECIFIED:
        return DEFAULT_METHOD if default else None
    if value not in _METHODS:
        raise InvalidVectors("method", f"{value} is not a NamingMethod value")
    return _METHODS[value]


def method_enum(name: str) -> pb.NamingMethod:
    """The NamingMethod value of a method name."""
    return _METHOD_ENUMS[name]


def dtype_name(value: int) -> str:
    """``float32``/``float16`` of a DType value; anything else is returned as
    its enum name, which the upload validation rejects by name."""
    if value in _DTYPES:
        return _DTYPES[value]
    try:
        return str(pb.DType.Name(value))
    except ValueError:
        return str(value)


def naming_message(info: NamingInfo) -> pb.NamingRun:
    """A NamingRun message."""
    return pb.NamingRun(
        method=method_enum(info.method),
        version=info.version,
        features=info.features,
        k=info.k,
    )


def sae_message(info: SAEInfo) -> pb.SAEInfo:
    """An SAEInfo message."""
    return pb.SAEInfo(
        name=info.name,
        space=info.space,
        n_features=info.n_features,
        d_model=info.d_model,
        dtype=_DTYPE_ENUMS.get(info.dtype, pb.DTYPE_UNSPECIFIED),
        description=info.description,
        directions=info.directions,
        snippet_features=info.snippet_features,
        explanations=info.explanations,
        namings=[naming_message(n) for n in info.namings],
        default_method=method_enum(DEFAULT_METHOD),
    )


def add_feature_name(
    message: pb.FeatureName,
    feature_id: int,
    scored: Sequence[tuple[int, float]],
    margin: float,
    confidence: float,
    names: dict[int, tuple[str, str]],
) -> None:
    """Fill a FeatureName; concepts whose row is gone are left out."""
    message.feature_id = feature_id
    message.margin = margin
    message.confidence = confidence
    for concept_id, score in scored:
        named = names.get(concept_id)
        if named is not None:
            message.concepts.add(uri=named[0], label=named[1], score=score)


def add_stored_name(
    message: pb.FeatureName, name: StoredName, names: dict[int, tuple[str, str]]
) -> None:
    """Fill a FeatureName from a name read back from the database."""
    add_feature_name(
        message,
        name.feature_id,
        list(zip(name.concept_ids, name.scores, strict=True)),
        name.margin,
        name.confidence,
        names,
    )
