from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Direction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIRECTION_UNSPECIFIED: _ClassVar[Direction]
    DIRECTION_OUT: _ClassVar[Direction]
    DIRECTION_IN: _ClassVar[Direction]
    DIRECTION_BOTH: _ClassVar[Direction]
DIRECTION_UNSPECIFIED: Direction
DIRECTION_OUT: Direction
DIRECTION_IN: Direction
DIRECTION_BOTH: Direction

class Concept(_message.Message):
    __slots__ = ("uri", "lang", "label", "pos", "sense", "degree", "external_urls")
    URI_FIELD_NUMBER: _ClassVar[int]
    LANG_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    POS_FIELD_NUMBER: _ClassVar[int]
    SENSE_FIELD_NUMBER: _ClassVar[int]
    DEGREE_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_URLS_FIELD_NUMBER: _ClassVar[int]
    uri: str
    lang: str
    label: str
    pos: str
    sense: str
    degree: int
    external_urls: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, uri: _Optional[str] = ..., lang: _Optional[str] = ..., label: _Optional[str] = ..., pos: _Optional[str] = ..., sense: _Optional[str] = ..., degree: _Optional[int] = ..., external_urls: _Optional[_Iterable[str]] = ...) -> None: ...

class Source(_message.Message):
    __slots__ = ("fields",)
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    fields: _containers.ScalarMap[str, str]
    def __init__(self, fields: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Edge(_message.Message):
    __slots__ = ("uri", "relation", "start", "end", "weight", "dataset", "license", "sources", "surface_text")
    URI_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    SURFACE_TEXT_FIELD_NUMBER: _ClassVar[int]
    uri: str
    relation: str
    start: str
    end: str
    weight: float
    dataset: str
    license: str
    sources: _containers.RepeatedCompositeFieldContainer[Source]
    surface_text: str
    def __init__(self, uri: _Optional[str] = ..., relation: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., weight: _Optional[float] = ..., dataset: _Optional[str] = ..., license: _Optional[str] = ..., sources: _Optional[_Iterable[_Union[Source, _Mapping]]] = ..., surface_text: _Optional[str] = ...) -> None: ...

class GetConceptRequest(_message.Message):
    __slots__ = ("uri",)
    URI_FIELD_NUMBER: _ClassVar[int]
    uri: str
    def __init__(self, uri: _Optional[str] = ...) -> None: ...

class GetConceptResponse(_message.Message):
    __slots__ = ("concept",)
    CONCEPT_FIELD_NUMBER: _ClassVar[int]
    concept: Concept
    def __init__(self, concept: _Optional[_Union[Concept, _Mapping]] = ...) -> None: ...

class QueryEdgesRequest(_message.Message):
    __slots__ = ("start", "end", "relation", "node", "dataset", "limit", "page_token")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    start: str
    end: str
    relation: str
    node: str
    dataset: str
    limit: int
    page_token: str
    def __init__(self, start: _Optional[str] = ..., end: _Optional[str] = ..., relation: _Optional[str] = ..., node: _Optional[str] = ..., dataset: _Optional[str] = ..., limit: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class QueryEdgesResponse(_message.Message):
    __slots__ = ("edges", "next_page_token")
    EDGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    edges: _containers.RepeatedCompositeFieldContainer[Edge]
    next_page_token: str
    def __init__(self, edges: _Optional[_Iterable[_Union[Edge, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class NeighborsRequest(_message.Message):
    __slots__ = ("uri", "relation", "direction", "limit")
    URI_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    uri: str
    relation: str
    direction: Direction
    limit: int
    def __init__(self, uri: _Optional[str] = ..., relation: _Optional[str] = ..., direction: _Optional[_Union[Direction, str]] = ..., limit: _Optional[int] = ...) -> None: ...

class Neighbor(_message.Message):
    __slots__ = ("uri", "label", "direction", "edge")
    URI_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    EDGE_FIELD_NUMBER: _ClassVar[int]
    uri: str
    label: str
    direction: Direction
    edge: Edge
    def __init__(self, uri: _Optional[str] = ..., label: _Optional[str] = ..., direction: _Optional[_Union[Direction, str]] = ..., edge: _Optional[_Union[Edge, _Mapping]] = ...) -> None: ...

class NeighborsResponse(_message.Message):
    __slots__ = ("neighbors",)
    NEIGHBORS_FIELD_NUMBER: _ClassVar[int]
    neighbors: _containers.RepeatedCompositeFieldContainer[Neighbor]
    def __init__(self, neighbors: _Optional[_Iterable[_Union[Neighbor, _Mapping]]] = ...) -> None: ...

class SubgraphRequest(_message.Message):
    __slots__ = ("uri", "hops", "max_nodes", "max_edges", "relation")
    URI_FIELD_NUMBER: _ClassVar[int]
    HOPS_FIELD_NUMBER: _ClassVar[int]
    MAX_NODES_FIELD_NUMBER: _ClassVar[int]
    MAX_EDGES_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    uri: str
    hops: int
    max_nodes: int
    max_edges: int
    relation: str
    def __init__(self, uri: _Optional[str] = ..., hops: _Optional[int] = ..., max_nodes: _Optional[int] = ..., max_edges: _Optional[int] = ..., relation: _Optional[str] = ...) -> None: ...

class SubgraphNode(_message.Message):
    __slots__ = ("uri", "label", "hop")
    URI_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    HOP_FIELD_NUMBER: _ClassVar[int]
    uri: str
    label: str
    hop: int
    def __init__(self, uri: _Optional[str] = ..., label: _Optional[str] = ..., hop: _Optional[int] = ...) -> None: ...

class SubgraphResponse(_message.Message):
    __slots__ = ("nodes", "edges", "truncated")
    NODES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[SubgraphNode]
    edges: _containers.RepeatedCompositeFieldContainer[Edge]
    truncated: bool
    def __init__(self, nodes: _Optional[_Iterable[_Union[SubgraphNode, _Mapping]]] = ..., edges: _Optional[_Iterable[_Union[Edge, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class ShortestPathRequest(_message.Message):
    __slots__ = ("start", "end", "max_hops", "max_paths")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    MAX_HOPS_FIELD_NUMBER: _ClassVar[int]
    MAX_PATHS_FIELD_NUMBER: _ClassVar[int]
    start: str
    end: str
    max_hops: int
    max_paths: int
    def __init__(self, start: _Optional[str] = ..., end: _Optional[str] = ..., max_hops: _Optional[int] = ..., max_paths: _Optional[int] = ...) -> None: ...

class PathStep(_message.Message):
    __slots__ = ("from_uri", "to_uri", "edge", "forward")
    FROM_URI_FIELD_NUMBER: _ClassVar[int]
    TO_URI_FIELD_NUMBER: _ClassVar[int]
    EDGE_FIELD_NUMBER: _ClassVar[int]
    FORWARD_FIELD_NUMBER: _ClassVar[int]
    from_uri: str
    to_uri: str
    edge: Edge
    forward: bool
    def __init__(self, from_uri: _Optional[str] = ..., to_uri: _Optional[str] = ..., edge: _Optional[_Union[Edge, _Mapping]] = ..., forward: _Optional[bool] = ...) -> None: ...

class Path(_message.Message):
    __slots__ = ("concepts", "steps", "cost")
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    concepts: _containers.RepeatedScalarFieldContainer[str]
    steps: _containers.RepeatedCompositeFieldContainer[PathStep]
    cost: float
    def __init__(self, concepts: _Optional[_Iterable[str]] = ..., steps: _Optional[_Iterable[_Union[PathStep, _Mapping]]] = ..., cost: _Optional[float] = ...) -> None: ...

class ShortestPathResponse(_message.Message):
    __slots__ = ("paths",)
    PATHS_FIELD_NUMBER: _ClassVar[int]
    paths: _containers.RepeatedCompositeFieldContainer[Path]
    def __init__(self, paths: _Optional[_Iterable[_Union[Path, _Mapping]]] = ...) -> None: ...

class ConceptInput(_message.Message):
    __slots__ = ("uri", "label")
    URI_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    uri: str
    label: str
    def __init__(self, uri: _Optional[str] = ..., label: _Optional[str] = ...) -> None: ...

class UpsertConceptsRequest(_message.Message):
    __slots__ = ("concepts",)
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    concepts: _containers.RepeatedCompositeFieldContainer[ConceptInput]
    def __init__(self, concepts: _Optional[_Iterable[_Union[ConceptInput, _Mapping]]] = ...) -> None: ...

class EdgeInput(_message.Message):
    __slots__ = ("relation", "start", "end", "weight", "dataset", "license", "sources", "surface_text")
    RELATION_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    SURFACE_TEXT_FIELD_NUMBER: _ClassVar[int]
    relation: str
    start: str
    end: str
    weight: float
    dataset: str
    license: str
    sources: _containers.RepeatedCompositeFieldContainer[Source]
    surface_text: str
    def __init__(self, relation: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., weight: _Optional[float] = ..., dataset: _Optional[str] = ..., license: _Optional[str] = ..., sources: _Optional[_Iterable[_Union[Source, _Mapping]]] = ..., surface_text: _Optional[str] = ...) -> None: ...

class UpsertEdgesRequest(_message.Message):
    __slots__ = ("edges",)
    EDGES_FIELD_NUMBER: _ClassVar[int]
    edges: _containers.RepeatedCompositeFieldContainer[EdgeInput]
    def __init__(self, edges: _Optional[_Iterable[_Union[EdgeInput, _Mapping]]] = ...) -> None: ...

class UpsertResponse(_message.Message):
    __slots__ = ("inserted", "updated", "unchanged", "duplicates")
    INSERTED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    inserted: int
    updated: int
    unchanged: int
    duplicates: int
    def __init__(self, inserted: _Optional[int] = ..., updated: _Optional[int] = ..., unchanged: _Optional[int] = ..., duplicates: _Optional[int] = ...) -> None: ...

class DeleteEdgesRequest(_message.Message):
    __slots__ = ("uris",)
    URIS_FIELD_NUMBER: _ClassVar[int]
    uris: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, uris: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteEdgesResponse(_message.Message):
    __slots__ = ("deleted", "not_found")
    DELETED_FIELD_NUMBER: _ClassVar[int]
    NOT_FOUND_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    not_found: int
    def __init__(self, deleted: _Optional[int] = ..., not_found: _Optional[int] = ...) -> None: ...

class StatsRequest(_message.Message):
    __slots__ = ("top",)
    TOP_FIELD_NUMBER: _ClassVar[int]
    top: int
    def __init__(self, top: _Optional[int] = ...) -> None: ...

class StatsResponse(_message.Message):
    __slots__ = ("concepts", "edges", "relations", "external_links", "edges_by_relation", "edges_by_dataset", "concepts_by_lang")
    class EdgesByRelationEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class EdgesByDatasetEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ConceptsByLangEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    RELATIONS_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_LINKS_FIELD_NUMBER: _ClassVar[int]
    EDGES_BY_RELATION_FIELD_NUMBER: _ClassVar[int]
    EDGES_BY_DATASET_FIELD_NUMBER: _ClassVar[int]
    CONCEPTS_BY_LANG_FIELD_NUMBER: _ClassVar[int]
    concepts: int
    edges: int
    relations: int
    external_links: int
    edges_by_relation: _containers.ScalarMap[str, int]
    edges_by_dataset: _containers.ScalarMap[str, int]
    concepts_by_lang: _containers.ScalarMap[str, int]
    def __init__(self, concepts: _Optional[int] = ..., edges: _Optional[int] = ..., relations: _Optional[int] = ..., external_links: _Optional[int] = ..., edges_by_relation: _Optional[_Mapping[str, int]] = ..., edges_by_dataset: _Optional[_Mapping[str, int]] = ..., concepts_by_lang: _Optional[_Mapping[str, int]] = ...) -> None: ...
