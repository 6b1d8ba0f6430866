"""TrainingService RPCs: start runs in worker processes, watch them, use them."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import grpc
from sqlalchemy.orm import Session, sessionmaker

from embeddings.link_predict import RunPredictor
from embeddings.runs import RUN_KINDS, RunInfo, RunNotFinished, RunStore
from embeddings.sets import EmbeddingSetStore
from embeddings.train_job import validate_config
from graph.errors import InvalidQuery, LimitExceeded
from service import convert_training as convert
from service._generated.conceptkg.v1 import training_pb2 as pb
from service._generated.conceptkg.v1 import training_pb2_grpc
from service.request_checks import checked_count
from service.settings import Settings
from service.status import RequestError, status_from_domain_errors
from service.training_launcher import TrainingLauncher

logger = logging.getLogger(__name__)

# How often WatchRun looks for new progress reports.
WATCH_POLL_S = 0.5
# Finished runs whose vectors PredictEdges keeps loaded.
PREDICTORS_KEPT = 4
MAX_LIST = 500


class TrainingServicer(training_pb2_grpc.TrainingServiceServicer):
    """Starts training runs in worker processes and answers from their results.

    Args:
        sessions: factory of database sessions.
        settings: limits, the runs folder and the datasets folder.
        launcher: starts the worker processes.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        launcher: TrainingLauncher,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._launcher = launcher
        self._predictors: OrderedDict[int, RunPredictor] = OrderedDict()
        self._lock = threading.Lock()

    def StartTraining(
        self, request: pb.StartTrainingRequest, context: grpc.ServicerContext
    ) -> pb.StartTrainingResponse:
        with status_from_domain_errors(context):
            kind = request.kind or "rgcn"
            if kind not in RUN_KINDS:
                raise InvalidQuery("kind", kind, f"one of {', '.join(RUN_KINDS)}")
            values = convert.config_values(request.config)
            config = validate_config(
                values, self._sessions, self._settings.datasets_dir
            )
            limit = self._settings.max_training_workers
            if self._launcher.active() >= limit:
                raise LimitExceeded("running training workers", limit + 1, limit)
            runs_dir = self._settings.runs_folder()
            with self._sessions.begin() as session:
                run = RunStore(session).create(
                    kind,
                    config.dataset,
                    config.model_dump(),
                    str(runs_dir / "{id}"),
                )
            self._launcher.launch(run.id, Path(run.run_dir))
            with self._sessions() as session:
                run = RunStore(session).get(run.id)
        logger.info("training_queued run=%d dataset=%s", run.id, run.dataset)
        return pb.StartTrainingResponse(run=self._message(run))

    def WatchRun(
        self, request: pb.RunRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.RunProgress]:
        with status_from_domain_errors(context):
            with self._sessions() as session:
                RunStore(session).get(request.run_id)
        last_id = 0
        while context.is_active():
            with status_from_domain_errors(context), self._sessions() as session:
                store = RunStore(session)
                run = store.get(request.run_id)
                events = store.events_after(request.run_id, last_id, limit=1000)
            for event in events:
                last_id = event.id
                yield convert.progress_message(event, run.status)
            if run.finished and not events:
                yield pb.RunProgress(run_id=run.id, status=run.status)
                return
            if not events:
                time.sleep(WATCH_POLL_S)

    def GetRun(
        self, request: pb.RunRequest, context: grpc.ServicerContext
    ) -> pb.TrainingRun:
        with status_from_domain_errors(context), self._sessions() as session:
            run = RunStore(session).get(request.run_id)
        return self._message(run)

    def ListRuns(
        self, request: pb.ListRunsRequest, context: grpc.ServicerContext
    ) -> pb.ListRunsResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            limit = checked_count("limit", request.limit or 50, MAX_LIST)
            runs = RunStore(session).list_runs(limit=limit, status=request.status)
        return pb.ListRunsResponse(runs=[self._message(run) for run in runs])

    def CancelRun(
        self, request: pb.RunRequest, context: grpc.ServicerContext
    ) -> pb.TrainingRun:
        with status_from_domain_errors(context), self._sessions.begin() as session:
            run = RunStore(session).request_cancel(request.run_id)
        logger.info("training_cancel_requested run=%d", run.id)
        return self._message(run)

    def PredictEdges(
        self, request: pb.PredictEdgesRequest, context: grpc.ServicerContext
    ) -> pb.PredictEdgesResponse:
        with status_from_domain_errors(context):
            given = request.WhichOneof("given")
            if given is None:
                raise InvalidQuery("given", "", "head or tail")
            entity = getattr(request, given)
            if not request.relation:
                raise InvalidQuery("relation", "", "a relation of the run's dataset")
            k = checked_count("k", request.k or 10, self._settings.max_k)
            predictions = self._predictor(request.run_id).predict(
                entity,
                request.relation,
                direction="tail" if given == "head" else "head",
                k=k,
                exclude_known=request.exclude_known,
            )
        edges = [
            convert.predicted_edge(
                p,
                given=entity,
                relation=request.relation,
                given_is_head=given == "head",
            )
            for p in predictions
        ]
        return pb.PredictEdgesResponse(edges=edges)

    def _predictor(self, run_id: int) -> RunPredictor:
        with self._lock:
            if run_id in self._predictors:
                self._predictors.move_to_end(run_id)
                return self._predictors[run_id]
        with self._sessions() as session:
            run = RunStore(session).get(run_id)
        if run.status not in ("completed", "early_stopped"):
            raise RunNotFinished(run_id, run.status)
        try:
            predictor = RunPredictor(Path(run.run_dir))
        except FileNotFoundError as error:
            logger.warning("run_files_missing run=%d error=%s", run_id, error)
            raise RequestError(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"training run {run_id} has no saved vectors (its folder is gone)",
            ) from error
        with self._lock:
            self._predictors[run_id] = predictor
            while len(self._predictors) > PREDICTORS_KEPT:
                self._predictors.popitem(last=False)
        return predictor

    def _message(self, run: RunInfo) -> pb.TrainingRun:
        label = ""
        if run.embedding_set_id is not None:
            with self._sessions() as session:
                label = EmbeddingSetStore(session).get(run.embedding_set_id).label
        return convert.run_message(run, label)
