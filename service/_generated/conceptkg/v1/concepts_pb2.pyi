from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Granularity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GRANULARITY_UNSPECIFIED: _ClassVar[Granularity]
    GRANULARITY_COARSE: _ClassVar[Granularity]
    GRANULARITY_FINE: _ClassVar[Granularity]
GRANULARITY_UNSPECIFIED: Granularity
GRANULARITY_COARSE: Granularity
GRANULARITY_FINE: Granularity

class ScoredConcept(_message.Message):
    __slots__ = ("uri", "label", "score", "negated")
    URI_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    NEGATED_FIELD_NUMBER: _ClassVar[int]
    uri: str
    label: str
    score: float
    negated: bool
    def __init__(self, uri: _Optional[str] = ..., label: _Optional[str] = ..., score: _Optional[float] = ..., negated: _Optional[bool] = ...) -> None: ...

class SearchConceptsRequest(_message.Message):
    __slots__ = ("text", "k", "lang", "plain", "subset")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    LANG_FIELD_NUMBER: _ClassVar[int]
    PLAIN_FIELD_NUMBER: _ClassVar[int]
    SUBSET_FIELD_NUMBER: _ClassVar[int]
    text: str
    k: int
    lang: str
    plain: bool
    subset: ConceptSubset
    def __init__(self, text: _Optional[str] = ..., k: _Optional[int] = ..., lang: _Optional[str] = ..., plain: _Optional[bool] = ..., subset: _Optional[_Union[ConceptSubset, _Mapping]] = ...) -> None: ...

class ConceptSubset(_message.Message):
    __slots__ = ("near", "near_hops", "isa")
    NEAR_FIELD_NUMBER: _ClassVar[int]
    NEAR_HOPS_FIELD_NUMBER: _ClassVar[int]
    ISA_FIELD_NUMBER: _ClassVar[int]
    near: str
    near_hops: int
    isa: str
    def __init__(self, near: _Optional[str] = ..., near_hops: _Optional[int] = ..., isa: _Optional[str] = ...) -> None: ...

class SearchConceptsResponse(_message.Message):
    __slots__ = ("concepts", "embedding_set")
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_SET_FIELD_NUMBER: _ClassVar[int]
    concepts: _containers.RepeatedCompositeFieldContainer[ScoredConcept]
    embedding_set: str
    def __init__(self, concepts: _Optional[_Iterable[_Union[ScoredConcept, _Mapping]]] = ..., embedding_set: _Optional[str] = ...) -> None: ...

class RelatedConceptsRequest(_message.Message):
    __slots__ = ("uri", "k", "lang")
    URI_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    LANG_FIELD_NUMBER: _ClassVar[int]
    uri: str
    k: int
    lang: str
    def __init__(self, uri: _Optional[str] = ..., k: _Optional[int] = ..., lang: _Optional[str] = ...) -> None: ...

class RelatedConceptsResponse(_message.Message):
    __slots__ = ("concepts",)
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    concepts: _containers.RepeatedCompositeFieldContainer[ScoredConcept]
    def __init__(self, concepts: _Optional[_Iterable[_Union[ScoredConcept, _Mapping]]] = ...) -> None: ...

class RelatednessRequest(_message.Message):
    __slots__ = ("a", "b")
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    a: str
    b: str
    def __init__(self, a: _Optional[str] = ..., b: _Optional[str] = ...) -> None: ...

class RelatednessResponse(_message.Message):
    __slots__ = ("score",)
    SCORE_FIELD_NUMBER: _ClassVar[int]
    score: float
    def __init__(self, score: _Optional[float] = ...) -> None: ...

class Vector(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, values: _Optional[_Iterable[float]] = ...) -> None: ...

class NameDirectionsRequest(_message.Message):
    __slots__ = ("vectors", "k", "lang", "sign_ambiguous", "space", "subset")
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    LANG_FIELD_NUMBER: _ClassVar[int]
    SIGN_AMBIGUOUS_FIELD_NUMBER: _ClassVar[int]
    SPACE_FIELD_NUMBER: _ClassVar[int]
    SUBSET_FIELD_NUMBER: _ClassVar[int]
    vectors: _containers.RepeatedCompositeFieldContainer[Vector]
    k: int
    lang: str
    sign_ambiguous: bool
    space: str
    subset: ConceptSubset
    def __init__(self, vectors: _Optional[_Iterable[_Union[Vector, _Mapping]]] = ..., k: _Optional[int] = ..., lang: _Optional[str] = ..., sign_ambiguous: _Optional[bool] = ..., space: _Optional[str] = ..., subset: _Optional[_Union[ConceptSubset, _Mapping]] = ...) -> None: ...

class DirectionNames(_message.Message):
    __slots__ = ("concepts", "margin")
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    concepts: _containers.RepeatedCompositeFieldContainer[ScoredConcept]
    margin: float
    def __init__(self, concepts: _Optional[_Iterable[_Union[ScoredConcept, _Mapping]]] = ..., margin: _Optional[float] = ...) -> None: ...

class NameDirectionsResponse(_message.Message):
    __slots__ = ("names",)
    NAMES_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedCompositeFieldContainer[DirectionNames]
    def __init__(self, names: _Optional[_Iterable[_Union[DirectionNames, _Mapping]]] = ...) -> None: ...

class ConceptualizeRequest(_message.Message):
    __slots__ = ("text", "vector", "granularity", "k", "expand", "lang")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    EXPAND_FIELD_NUMBER: _ClassVar[int]
    LANG_FIELD_NUMBER: _ClassVar[int]
    text: str
    vector: Vector
    granularity: Granularity
    k: int
    expand: _containers.RepeatedScalarFieldContainer[str]
    lang: str
    def __init__(self, text: _Optional[str] = ..., vector: _Optional[_Union[Vector, _Mapping]] = ..., granularity: _Optional[_Union[Granularity, str]] = ..., k: _Optional[int] = ..., expand: _Optional[_Iterable[str]] = ..., lang: _Optional[str] = ...) -> None: ...

class ConceptualizeResponse(_message.Message):
    __slots__ = ("concepts",)
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    concepts: _containers.RepeatedCompositeFieldContainer[ScoredConcept]
    def __init__(self, concepts: _Optional[_Iterable[_Union[ScoredConcept, _Mapping]]] = ...) -> None: ...

class IndexStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class IndexStatusResponse(_message.Message):
    __slots__ = ("ready", "embedding_set", "vectors", "dim", "kind")
    READY_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_SET_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    DIM_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ready: bool
    embedding_set: str
    vectors: int
    dim: int
    kind: str
    def __init__(self, ready: _Optional[bool] = ..., embedding_set: _Optional[str] = ..., vectors: _Optional[int] = ..., dim: _Optional[int] = ..., kind: _Optional[str] = ...) -> None: ...

class SpaceInfo(_message.Message):
    __slots__ = ("name", "dim", "description", "alignment_version", "alignment_method", "heldout_cosine", "heldout_accuracy_at_1")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DIM_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ALIGNMENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    ALIGNMENT_METHOD_FIELD_NUMBER: _ClassVar[int]
    HELDOUT_COSINE_FIELD_NUMBER: _ClassVar[int]
    HELDOUT_ACCURACY_AT_1_FIELD_NUMBER: _ClassVar[int]
    name: str
    dim: int
    description: str
    alignment_version: int
    alignment_method: str
    heldout_cosine: float
    heldout_accuracy_at_1: float
    def __init__(self, name: _Optional[str] = ..., dim: _Optional[int] = ..., description: _Optional[str] = ..., alignment_version: _Optional[int] = ..., alignment_method: _Optional[str] = ..., heldout_cosine: _Optional[float] = ..., heldout_accuracy_at_1: _Optional[float] = ...) -> None: ...

class RegisterSpaceRequest(_message.Message):
    __slots__ = ("name", "dim", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DIM_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    dim: int
    description: str
    def __init__(self, name: _Optional[str] = ..., dim: _Optional[int] = ..., description: _Optional[str] = ...) -> None: ...

class RegisterSpaceResponse(_message.Message):
    __slots__ = ("space",)
    SPACE_FIELD_NUMBER: _ClassVar[int]
    space: SpaceInfo
    def __init__(self, space: _Optional[_Union[SpaceInfo, _Mapping]] = ...) -> None: ...

class AlignmentPair(_message.Message):
    __slots__ = ("vector", "text")
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    vector: Vector
    text: str
    def __init__(self, vector: _Optional[_Union[Vector, _Mapping]] = ..., text: _Optional[str] = ...) -> None: ...

class FitAlignmentRequest(_message.Message):
    __slots__ = ("space", "method", "alpha", "heldout_fraction", "pairs")
    SPACE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    HELDOUT_FRACTION_FIELD_NUMBER: _ClassVar[int]
    PAIRS_FIELD_NUMBER: _ClassVar[int]
    space: str
    method: str
    alpha: float
    heldout_fraction: float
    pairs: _containers.RepeatedCompositeFieldContainer[AlignmentPair]
    def __init__(self, space: _Optional[str] = ..., method: _Optional[str] = ..., alpha: _Optional[float] = ..., heldout_fraction: _Optional[float] = ..., pairs: _Optional[_Iterable[_Union[AlignmentPair, _Mapping]]] = ...) -> None: ...

class FitAlignmentResponse(_message.Message):
    __slots__ = ("space", "pairs")
    SPACE_FIELD_NUMBER: _ClassVar[int]
    PAIRS_FIELD_NUMBER: _ClassVar[int]
    space: SpaceInfo
    pairs: int
    def __init__(self, space: _Optional[_Union[SpaceInfo, _Mapping]] = ..., pairs: _Optional[int] = ...) -> None: ...

class ListSpacesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSpacesResponse(_message.Message):
    __slots__ = ("spaces",)
    SPACES_FIELD_NUMBER: _ClassVar[int]
    spaces: _containers.RepeatedCompositeFieldContainer[SpaceInfo]
    def __init__(self, spaces: _Optional[_Iterable[_Union[SpaceInfo, _Mapping]]] = ...) -> None: ...
