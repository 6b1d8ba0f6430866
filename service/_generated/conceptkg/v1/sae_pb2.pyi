from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NamingMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NAMING_METHOD_UNSPECIFIED: _ClassVar[NamingMethod]
    NAMING_METHOD_DIRECTION: _ClassVar[NamingMethod]
    NAMING_METHOD_EXAMPLES: _ClassVar[NamingMethod]
    NAMING_METHOD_COMBINED: _ClassVar[NamingMethod]
    NAMING_METHOD_EXPLANATION: _ClassVar[NamingMethod]

class DType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DTYPE_UNSPECIFIED: _ClassVar[DType]
    DTYPE_FLOAT32: _ClassVar[DType]
    DTYPE_FLOAT16: _ClassVar[DType]
NAMING_METHOD_UNSPECIFIED: NamingMethod
NAMING_METHOD_DIRECTION: NamingMethod
NAMING_METHOD_EXAMPLES: NamingMethod
NAMING_METHOD_COMBINED: NamingMethod
NAMING_METHOD_EXPLANATION: NamingMethod
DTYPE_UNSPECIFIED: DType
DTYPE_FLOAT32: DType
DTYPE_FLOAT16: DType

class NamingRun(_message.Message):
    __slots__ = ("method", "version", "features", "k")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    method: NamingMethod
    version: int
    features: int
    k: int
    def __init__(self, method: _Optional[_Union[NamingMethod, str]] = ..., version: _Optional[int] = ..., features: _Optional[int] = ..., k: _Optional[int] = ...) -> None: ...

class SAEInfo(_message.Message):
    __slots__ = ("name", "space", "n_features", "d_model", "dtype", "description", "directions", "snippet_features", "explanations", "namings", "default_method")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SPACE_FIELD_NUMBER: _ClassVar[int]
    N_FEATURES_FIELD_NUMBER: _ClassVar[int]
    D_MODEL_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DIRECTIONS_FIELD_NUMBER: _ClassVar[int]
    SNIPPET_FEATURES_FIELD_NUMBER: _ClassVar[int]
    EXPLANATIONS_FIELD_NUMBER: _ClassVar[int]
    NAMINGS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_METHOD_FIELD_NUMBER: _ClassVar[int]
    name: str
    space: str
    n_features: int
    d_model: int
    dtype: DType
    description: str
    directions: int
    snippet_features: int
    explanations: int
    namings: _containers.RepeatedCompositeFieldContainer[NamingRun]
    default_method: NamingMethod
    def __init__(self, name: _Optional[str] = ..., space: _Optional[str] = ..., n_features: _Optional[int] = ..., d_model: _Optional[int] = ..., dtype: _Optional[_Union[DType, str]] = ..., description: _Optional[str] = ..., directions: _Optional[int] = ..., snippet_features: _Optional[int] = ..., explanations: _Optional[int] = ..., namings: _Optional[_Iterable[_Union[NamingRun, _Mapping]]] = ..., default_method: _Optional[_Union[NamingMethod, str]] = ...) -> None: ...

class RegisterSAERequest(_message.Message):
    __slots__ = ("space", "name", "n_features", "description")
    SPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    N_FEATURES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    space: str
    name: str
    n_features: int
    description: str
    def __init__(self, space: _Optional[str] = ..., name: _Optional[str] = ..., n_features: _Optional[int] = ..., description: _Optional[str] = ...) -> None: ...

class RegisterSAEResponse(_message.Message):
    __slots__ = ("sae",)
    SAE_FIELD_NUMBER: _ClassVar[int]
    sae: SAEInfo
    def __init__(self, sae: _Optional[_Union[SAEInfo, _Mapping]] = ...) -> None: ...

class DirectionBlock(_message.Message):
    __slots__ = ("feature_ids", "dtype", "d_model", "data")
    FEATURE_IDS_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    D_MODEL_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    feature_ids: _containers.RepeatedScalarFieldContainer[int]
    dtype: DType
    d_model: int
    data: bytes
    def __init__(self, feature_ids: _Optional[_Iterable[int]] = ..., dtype: _Optional[_Union[DType, str]] = ..., d_model: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class Snippet(_message.Message):
    __slots__ = ("text", "activation")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ACTIVATION_FIELD_NUMBER: _ClassVar[int]
    text: str
    activation: float
    def __init__(self, text: _Optional[str] = ..., activation: _Optional[float] = ...) -> None: ...

class FeatureSnippets(_message.Message):
    __slots__ = ("feature_id", "snippets")
    FEATURE_ID_FIELD_NUMBER: _ClassVar[int]
    SNIPPETS_FIELD_NUMBER: _ClassVar[int]
    feature_id: int
    snippets: _containers.RepeatedCompositeFieldContainer[Snippet]
    def __init__(self, feature_id: _Optional[int] = ..., snippets: _Optional[_Iterable[_Union[Snippet, _Mapping]]] = ...) -> None: ...

class FeatureExplanation(_message.Message):
    __slots__ = ("feature_id", "text")
    FEATURE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    feature_id: int
    text: str
    def __init__(self, feature_id: _Optional[int] = ..., text: _Optional[str] = ...) -> None: ...

class UploadFeaturesRequest(_message.Message):
    __slots__ = ("sae", "directions", "snippets", "explanations")
    SAE_FIELD_NUMBER: _ClassVar[int]
    DIRECTIONS_FIELD_NUMBER: _ClassVar[int]
    SNIPPETS_FIELD_NUMBER: _ClassVar[int]
    EXPLANATIONS_FIELD_NUMBER: _ClassVar[int]
    sae: str
    directions: DirectionBlock
    snippets: _containers.RepeatedCompositeFieldContainer[FeatureSnippets]
    explanations: _containers.RepeatedCompositeFieldContainer[FeatureExplanation]
    def __init__(self, sae: _Optional[str] = ..., directions: _Optional[_Union[DirectionBlock, _Mapping]] = ..., snippets: _Optional[_Iterable[_Union[FeatureSnippets, _Mapping]]] = ..., explanations: _Optional[_Iterable[_Union[FeatureExplanation, _Mapping]]] = ...) -> None: ...

class UploadFeaturesResponse(_message.Message):
    __slots__ = ("sae", "directions", "snippets", "explanations")
    SAE_FIELD_NUMBER: _ClassVar[int]
    DIRECTIONS_FIELD_NUMBER: _ClassVar[int]
    SNIPPETS_FIELD_NUMBER: _ClassVar[int]
    EXPLANATIONS_FIELD_NUMBER: _ClassVar[int]
    sae: SAEInfo
    directions: int
    snippets: int
    explanations: int
    def __init__(self, sae: _Optional[_Union[SAEInfo, _Mapping]] = ..., directions: _Optional[int] = ..., snippets: _Optional[int] = ..., explanations: _Optional[int] = ...) -> None: ...

class ListSAEsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSAEsResponse(_message.Message):
    __slots__ = ("saes",)
    SAES_FIELD_NUMBER: _ClassVar[int]
    saes: _containers.RepeatedCompositeFieldContainer[SAEInfo]
    def __init__(self, saes: _Optional[_Iterable[_Union[SAEInfo, _Mapping]]] = ...) -> None: ...

class GetSAERequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetSAEResponse(_message.Message):
    __slots__ = ("sae",)
    SAE_FIELD_NUMBER: _ClassVar[int]
    sae: SAEInfo
    def __init__(self, sae: _Optional[_Union[SAEInfo, _Mapping]] = ...) -> None: ...

class NamedConcept(_message.Message):
    __slots__ = ("uri", "label", "score")
    URI_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    uri: str
    label: str
    score: float
    def __init__(self, uri: _Optional[str] = ..., label: _Optional[str] = ..., score: _Optional[float] = ...) -> None: ...

class FeatureName(_message.Message):
    __slots__ = ("feature_id", "concepts", "margin", "confidence")
    FEATURE_ID_FIELD_NUMBER: _ClassVar[int]
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    feature_id: int
    concepts: _containers.RepeatedCompositeFieldContainer[NamedConcept]
    margin: float
    confidence: float
    def __init__(self, feature_id: _Optional[int] = ..., concepts: _Optional[_Iterable[_Union[NamedConcept, _Mapping]]] = ..., margin: _Optional[float] = ..., confidence: _Optional[float] = ...) -> None: ...

class NameFeaturesRequest(_message.Message):
    __slots__ = ("sae", "feature_ids", "all", "method", "k", "examples_weight")
    SAE_FIELD_NUMBER: _ClassVar[int]
    FEATURE_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    sae: str
    feature_ids: _containers.RepeatedScalarFieldContainer[int]
    all: bool
    method: NamingMethod
    k: int
    examples_weight: float
    def __init__(self, sae: _Optional[str] = ..., feature_ids: _Optional[_Iterable[int]] = ..., all: _Optional[bool] = ..., method: _Optional[_Union[NamingMethod, str]] = ..., k: _Optional[int] = ..., examples_weight: _Optional[float] = ...) -> None: ...

class NameFeaturesResponse(_message.Message):
    __slots__ = ("names", "method", "version")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedCompositeFieldContainer[FeatureName]
    method: NamingMethod
    version: int
    def __init__(self, names: _Optional[_Iterable[_Union[FeatureName, _Mapping]]] = ..., method: _Optional[_Union[NamingMethod, str]] = ..., version: _Optional[int] = ...) -> None: ...

class GetFeatureNamesRequest(_message.Message):
    __slots__ = ("sae", "feature_ids", "method", "version")
    SAE_FIELD_NUMBER: _ClassVar[int]
    FEATURE_IDS_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    sae: str
    feature_ids: _containers.RepeatedScalarFieldContainer[int]
    method: NamingMethod
    version: int
    def __init__(self, sae: _Optional[str] = ..., feature_ids: _Optional[_Iterable[int]] = ..., method: _Optional[_Union[NamingMethod, str]] = ..., version: _Optional[int] = ...) -> None: ...

class GetFeatureNamesResponse(_message.Message):
    __slots__ = ("names", "naming")
    NAMES_FIELD_NUMBER: _ClassVar[int]
    NAMING_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedCompositeFieldContainer[FeatureName]
    naming: NamingRun
    def __init__(self, names: _Optional[_Iterable[_Union[FeatureName, _Mapping]]] = ..., naming: _Optional[_Union[NamingRun, _Mapping]] = ...) -> None: ...

class SearchFeaturesRequest(_message.Message):
    __slots__ = ("text", "concept", "saes", "method", "k", "names_only")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CONCEPT_FIELD_NUMBER: _ClassVar[int]
    SAES_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    NAMES_ONLY_FIELD_NUMBER: _ClassVar[int]
    text: str
    concept: str
    saes: _containers.RepeatedScalarFieldContainer[str]
    method: NamingMethod
    k: int
    names_only: bool
    def __init__(self, text: _Optional[str] = ..., concept: _Optional[str] = ..., saes: _Optional[_Iterable[str]] = ..., method: _Optional[_Union[NamingMethod, str]] = ..., k: _Optional[int] = ..., names_only: _Optional[bool] = ...) -> None: ...

class FeatureMatch(_message.Message):
    __slots__ = ("sae", "feature_id", "score", "matched", "name", "explanation")
    SAE_FIELD_NUMBER: _ClassVar[int]
    FEATURE_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    sae: str
    feature_id: int
    score: float
    matched: str
    name: FeatureName
    explanation: str
    def __init__(self, sae: _Optional[str] = ..., feature_id: _Optional[int] = ..., score: _Optional[float] = ..., matched: _Optional[str] = ..., name: _Optional[_Union[FeatureName, _Mapping]] = ..., explanation: _Optional[str] = ...) -> None: ...

class SearchFeaturesResponse(_message.Message):
    __slots__ = ("features",)
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    features: _containers.RepeatedCompositeFieldContainer[FeatureMatch]
    def __init__(self, features: _Optional[_Iterable[_Union[FeatureMatch, _Mapping]]] = ...) -> None: ...
