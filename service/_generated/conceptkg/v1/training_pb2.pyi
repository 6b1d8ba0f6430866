from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LinkMetrics(_message.Message):
    __slots__ = ("mrr", "hits_at_1", "hits_at_3", "hits_at_10")
    MRR_FIELD_NUMBER: _ClassVar[int]
    HITS_AT_1_FIELD_NUMBER: _ClassVar[int]
    HITS_AT_3_FIELD_NUMBER: _ClassVar[int]
    HITS_AT_10_FIELD_NUMBER: _ClassVar[int]
    mrr: float
    hits_at_1: float
    hits_at_3: float
    hits_at_10: float
    def __init__(self, mrr: _Optional[float] = ..., hits_at_1: _Optional[float] = ..., hits_at_3: _Optional[float] = ..., hits_at_10: _Optional[float] = ...) -> None: ...

class TrainingRun(_message.Message):
    __slots__ = ("id", "kind", "dataset", "status", "config", "valid", "test", "epochs", "best_epoch", "train_seconds", "seconds_per_epoch", "device", "error", "embedding_set", "created_at", "started_at", "finished_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    BEST_EPOCH_FIELD_NUMBER: _ClassVar[int]
    TRAIN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SECONDS_PER_EPOCH_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_SET_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    kind: str
    dataset: str
    status: str
    config: _struct_pb2.Struct
    valid: LinkMetrics
    test: LinkMetrics
    epochs: int
    best_epoch: int
    train_seconds: float
    seconds_per_epoch: float
    device: str
    error: str
    embedding_set: str
    created_at: str
    started_at: str
    finished_at: str
    def __init__(self, id: _Optional[int] = ..., kind: _Optional[str] = ..., dataset: _Optional[str] = ..., status: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., valid: _Optional[_Union[LinkMetrics, _Mapping]] = ..., test: _Optional[_Union[LinkMetrics, _Mapping]] = ..., epochs: _Optional[int] = ..., best_epoch: _Optional[int] = ..., train_seconds: _Optional[float] = ..., seconds_per_epoch: _Optional[float] = ..., device: _Optional[str] = ..., error: _Optional[str] = ..., embedding_set: _Optional[str] = ..., created_at: _Optional[str] = ..., started_at: _Optional[str] = ..., finished_at: _Optional[str] = ...) -> None: ...

class StartTrainingRequest(_message.Message):
    __slots__ = ("kind", "config")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    kind: str
    config: _struct_pb2.Struct
    def __init__(self, kind: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class StartTrainingResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: TrainingRun
    def __init__(self, run: _Optional[_Union[TrainingRun, _Mapping]] = ...) -> None: ...

class RunRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: int
    def __init__(self, run_id: _Optional[int] = ...) -> None: ...

class RunProgress(_message.Message):
    __slots__ = ("run_id", "epoch", "step", "loss", "valid", "elapsed_s", "status")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    VALID_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_S_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    run_id: int
    epoch: int
    step: int
    loss: float
    valid: LinkMetrics
    elapsed_s: float
    status: str
    def __init__(self, run_id: _Optional[int] = ..., epoch: _Optional[int] = ..., step: _Optional[int] = ..., loss: _Optional[float] = ..., valid: _Optional[_Union[LinkMetrics, _Mapping]] = ..., elapsed_s: _Optional[float] = ..., status: _Optional[str] = ...) -> None: ...

class ListRunsRequest(_message.Message):
    __slots__ = ("limit", "status")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    limit: int
    status: str
    def __init__(self, limit: _Optional[int] = ..., status: _Optional[str] = ...) -> None: ...

class ListRunsResponse(_message.Message):
    __slots__ = ("runs",)
    RUNS_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[TrainingRun]
    def __init__(self, runs: _Optional[_Iterable[_Union[TrainingRun, _Mapping]]] = ...) -> None: ...

class PredictEdgesRequest(_message.Message):
    __slots__ = ("run_id", "head", "tail", "relation", "k", "exclude_known")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    TAIL_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_KNOWN_FIELD_NUMBER: _ClassVar[int]
    run_id: int
    head: str
    tail: str
    relation: str
    k: int
    exclude_known: bool
    def __init__(self, run_id: _Optional[int] = ..., head: _Optional[str] = ..., tail: _Optional[str] = ..., relation: _Optional[str] = ..., k: _Optional[int] = ..., exclude_known: _Optional[bool] = ...) -> None: ...

class PredictedEdge(_message.Message):
    __slots__ = ("head", "relation", "tail", "score", "known")
    HEAD_FIELD_NUMBER: _ClassVar[int]
    RELATION_FIELD_NUMBER: _ClassVar[int]
    TAIL_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    KNOWN_FIELD_NUMBER: _ClassVar[int]
    head: str
    relation: str
    tail: str
    score: float
    known: bool
    def __init__(self, head: _Optional[str] = ..., relation: _Optional[str] = ..., tail: _Optional[str] = ..., score: _Optional[float] = ..., known: _Optional[bool] = ...) -> None: ...

class PredictEdgesResponse(_message.Message):
    __slots__ = ("edges",)
    EDGES_FIELD_NUMBER: _ClassVar[int]
    edges: _containers.RepeatedCompositeFieldContainer[PredictedEdge]
    def __init__(self, edges: _Optional[_Iterable[_Union[PredictedEdge, _Mapping]]] = ...) -> None: ...
