from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Paper(_message.Message):
    __slots__ = ("id", "title", "abstract", "year", "authors", "venue")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    ABSTRACT_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    AUTHORS_FIELD_NUMBER: _ClassVar[int]
    VENUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    abstract: str
    year: int
    authors: _containers.RepeatedScalarFieldContainer[str]
    venue: str
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., abstract: _Optional[str] = ..., year: _Optional[int] = ..., authors: _Optional[_Iterable[str]] = ..., venue: _Optional[str] = ...) -> None: ...

class IngestPapersRequest(_message.Message):
    __slots__ = ("papers",)
    PAPERS_FIELD_NUMBER: _ClassVar[int]
    papers: _containers.RepeatedCompositeFieldContainer[Paper]
    def __init__(self, papers: _Optional[_Iterable[_Union[Paper, _Mapping]]] = ...) -> None: ...

class IngestPapersResponse(_message.Message):
    __slots__ = ("inserted", "updated", "unchanged", "links", "concepts_created", "edges_written", "papers")
    INSERTED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    CONCEPTS_CREATED_FIELD_NUMBER: _ClassVar[int]
    EDGES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    PAPERS_FIELD_NUMBER: _ClassVar[int]
    inserted: int
    updated: int
    unchanged: int
    links: int
    concepts_created: int
    edges_written: int
    papers: int
    def __init__(self, inserted: _Optional[int] = ..., updated: _Optional[int] = ..., unchanged: _Optional[int] = ..., links: _Optional[int] = ..., concepts_created: _Optional[int] = ..., edges_written: _Optional[int] = ..., papers: _Optional[int] = ...) -> None: ...

class ConceptMatch(_message.Message):
    __slots__ = ("uri", "label", "via", "source", "direction", "contribution")
    URI_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    VIA_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    uri: str
    label: str
    via: str
    source: str
    direction: str
    contribution: float
    def __init__(self, uri: _Optional[str] = ..., label: _Optional[str] = ..., via: _Optional[str] = ..., source: _Optional[str] = ..., direction: _Optional[str] = ..., contribution: _Optional[float] = ...) -> None: ...

class PaperHit(_message.Message):
    __slots__ = ("paper", "score", "dense", "passage", "bm25", "concept", "matches", "feedback", "late_interaction")
    PAPER_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    DENSE_FIELD_NUMBER: _ClassVar[int]
    PASSAGE_FIELD_NUMBER: _ClassVar[int]
    BM25_FIELD_NUMBER: _ClassVar[int]
    CONCEPT_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    LATE_INTERACTION_FIELD_NUMBER: _ClassVar[int]
    paper: Paper
    score: float
    dense: float
    passage: float
    bm25: float
    concept: float
    matches: _containers.RepeatedCompositeFieldContainer[ConceptMatch]
    feedback: float
    late_interaction: float
    def __init__(self, paper: _Optional[_Union[Paper, _Mapping]] = ..., score: _Optional[float] = ..., dense: _Optional[float] = ..., passage: _Optional[float] = ..., bm25: _Optional[float] = ..., concept: _Optional[float] = ..., matches: _Optional[_Iterable[_Union[ConceptMatch, _Mapping]]] = ..., feedback: _Optional[float] = ..., late_interaction: _Optional[float] = ...) -> None: ...

class SearchPapersRequest(_message.Message):
    __slots__ = ("query", "k", "filters")
    class FiltersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    QUERY_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    query: str
    k: int
    filters: _containers.ScalarMap[str, str]
    def __init__(self, query: _Optional[str] = ..., k: _Optional[int] = ..., filters: _Optional[_Mapping[str, str]] = ...) -> None: ...

class SearchPapersResponse(_message.Message):
    __slots__ = ("hits", "query_concepts")
    HITS_FIELD_NUMBER: _ClassVar[int]
    QUERY_CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[PaperHit]
    query_concepts: _containers.RepeatedCompositeFieldContainer[ConceptMatch]
    def __init__(self, hits: _Optional[_Iterable[_Union[PaperHit, _Mapping]]] = ..., query_concepts: _Optional[_Iterable[_Union[ConceptMatch, _Mapping]]] = ...) -> None: ...

class PaperConceptsRequest(_message.Message):
    __slots__ = ("id", "k")
    ID_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    id: str
    k: int
    def __init__(self, id: _Optional[str] = ..., k: _Optional[int] = ...) -> None: ...

class PaperConcept(_message.Message):
    __slots__ = ("uri", "label", "weight", "count", "confidence", "link", "phrase")
    URI_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    PHRASE_FIELD_NUMBER: _ClassVar[int]
    uri: str
    label: str
    weight: float
    count: int
    confidence: float
    link: str
    phrase: str
    def __init__(self, uri: _Optional[str] = ..., label: _Optional[str] = ..., weight: _Optional[float] = ..., count: _Optional[int] = ..., confidence: _Optional[float] = ..., link: _Optional[str] = ..., phrase: _Optional[str] = ...) -> None: ...

class PaperConceptsResponse(_message.Message):
    __slots__ = ("paper", "concepts")
    PAPER_FIELD_NUMBER: _ClassVar[int]
    CONCEPTS_FIELD_NUMBER: _ClassVar[int]
    paper: Paper
    concepts: _containers.RepeatedCompositeFieldContainer[PaperConcept]
    def __init__(self, paper: _Optional[_Union[Paper, _Mapping]] = ..., concepts: _Optional[_Iterable[_Union[PaperConcept, _Mapping]]] = ...) -> None: ...

class PapersForConceptRequest(_message.Message):
    __slots__ = ("uri", "k")
    URI_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    uri: str
    k: int
    def __init__(self, uri: _Optional[str] = ..., k: _Optional[int] = ...) -> None: ...

class ScoredPaper(_message.Message):
    __slots__ = ("paper", "weight")
    PAPER_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    paper: Paper
    weight: float
    def __init__(self, paper: _Optional[_Union[Paper, _Mapping]] = ..., weight: _Optional[float] = ...) -> None: ...

class PapersForConceptResponse(_message.Message):
    __slots__ = ("papers",)
    PAPERS_FIELD_NUMBER: _ClassVar[int]
    papers: _containers.RepeatedCompositeFieldContainer[ScoredPaper]
    def __init__(self, papers: _Optional[_Iterable[_Union[ScoredPaper, _Mapping]]] = ...) -> None: ...

class SimilarPapersRequest(_message.Message):
    __slots__ = ("id", "text", "k")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    k: int
    def __init__(self, id: _Optional[str] = ..., text: _Optional[str] = ..., k: _Optional[int] = ...) -> None: ...

class SimilarPapersResponse(_message.Message):
    __slots__ = ("hits",)
    HITS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[PaperHit]
    def __init__(self, hits: _Optional[_Iterable[_Union[PaperHit, _Mapping]]] = ...) -> None: ...
