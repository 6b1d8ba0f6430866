"""The one place where domain errors become gRPC status codes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import grpc
import pydantic
from sqlalchemy.exc import DBAPIError, OperationalError

from embeddings.errors import (
    DimensionMismatch,
    EmbeddingError,
    IndexNotReady,
    InvalidVectors,
    VectorNotFound,
)
from embeddings.kg_datasets import DatasetError
from embeddings.link_predict import UnknownName
from embeddings.paper_errors import InvalidPaper, PaperNotFound
from embeddings.runs import RunNotFinished, RunNotFound
from embeddings.sae_errors import (
    DirectionsExist,
    FeatureDataMissing,
    NamingNotFound,
    SAEConflict,
    SAENotFound,
)
from embeddings.sets import EmbeddingSetNotFound
from embeddings.spaces import AlignmentNotFound, SpaceNotFound
from graph.errors import (
    ConceptNotFound,
    GraphError,
    InvalidQuery,
    InvalidURI,
    LimitExceeded,
    RelationNotFound,
)

logger = logging.getLogger(__name__)

_CODES: list[tuple[type[BaseException], grpc.StatusCode]] = [
    (IndexNotReady, grpc.StatusCode.FAILED_PRECONDITION),
    (InvalidVectors, grpc.StatusCode.INVALID_ARGUMENT),
    (DimensionMismatch, grpc.StatusCode.INVALID_ARGUMENT),
    (VectorNotFound, grpc.StatusCode.NOT_FOUND),
    (EmbeddingSetNotFound, grpc.StatusCode.NOT_FOUND),
    (InvalidPaper, grpc.StatusCode.INVALID_ARGUMENT),
    (PaperNotFound, grpc.StatusCode.NOT_FOUND),
    (SpaceNotFound, grpc.StatusCode.NOT_FOUND),
    (AlignmentNotFound, grpc.StatusCode.FAILED_PRECONDITION),
    (RunNotFound, grpc.StatusCode.NOT_FOUND),
    (RunNotFinished, grpc.StatusCode.FAILED_PRECONDITION),
    (UnknownName, grpc.StatusCode.NOT_FOUND),
    (DatasetError, grpc.StatusCode.INVALID_ARGUMENT),
    (SAENotFound, grpc.StatusCode.NOT_FOUND),
    (NamingNotFound, grpc.StatusCode.NOT_FOUND),
    (SAEConflict, grpc.StatusCode.ALREADY_EXISTS),
    (DirectionsExist, grpc.StatusCode.ALREADY_EXISTS),
    (FeatureDataMissing, grpc.StatusCode.FAILED_PRECONDITION),
    (ConceptNotFound, grpc.StatusCode.NOT_FOUND),
    (RelationNotFound, grpc.StatusCode.NOT_FOUND),
    (InvalidURI, grpc.StatusCode.INVALID_ARGUMENT),
    (InvalidQuery, grpc.StatusCode.INVALID_ARGUMENT),
    (LimitExceeded, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (pydantic.ValidationError, grpc.StatusCode.INVALID_ARGUMENT),
]


class RequestError(Exception):
    """A request problem found in the service layer, with its status code."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class StreamGuard:
    """Tells whether gRPC ended a client stream early, before its writes commit.

    When gRPC cuts a client stream short (the client cancelled, or a message
    exceeded the size limit), the request iterator can end as if the client
    had finished, and the cancellation arrives a moment later. Committing
    then would store part of a stream that the client saw fail.

    Create it at the start of the RPC (it registers a termination callback)
    and call :meth:`require_complete` after the last message.
    """

    # Limitation: the wait is a bound, not a proof; a cancellation that gRPC
    # reports later than this is missed. On a loopback test it arrives within
    # a millisecond.
    CANCEL_WAIT_S = 0.1

    def __init__(self, context: grpc.ServicerContext) -> None:
        self._context = context
        self._ended = threading.Event()
        context.add_callback(self._ended.set)

    def require_complete(self) -> None:
        """Raise a CANCELLED RequestError when the call has ended meanwhile."""
        if self._ended.wait(self.CANCEL_WAIT_S) or not self._context.is_active():
            raise RequestError(
                grpc.StatusCode.CANCELLED,
                "the request stream ended early; nothing was written",
            )


def status_code_for(error: BaseException) -> grpc.StatusCode:
    """The gRPC status code that a domain error maps to."""
    if isinstance(error, RequestError):
        return error.code
    for error_type, code in _CODES:
        if isinstance(error, error_type):
            return code
    if isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        return grpc.StatusCode.UNAVAILABLE
    return grpc.StatusCode.INTERNAL


@contextmanager
def status_from_domain_errors(context: grpc.ServicerContext) -> Iterator[None]:
    """Abort the RPC with the status code of any error raised in the block.

    Domain errors send their own message; database outages send a fixed
    "database unavailable"; a call that gRPC already ended keeps gRPC's
    status; anything else is INTERNAL with a generic detail and its
    traceback in the log.
    """
    try:
        yield
    except grpc.RpcError:
        # gRPC itself ended the call while the servicer read the request
        # stream (client cancelled, message above the size limit); the client
        # already has its status, so this is no server failure.
        logger.info("request_stream_ended_by_grpc")
        raise
    except (
        GraphError,
        EmbeddingError,
        RequestError,
        pydantic.ValidationError,
    ) as error:
        code = status_code_for(error)
        logger.info("request_rejected code=%s detail=%s", code.name, error)
        context.abort(code, str(error))
    except DBAPIError as error:
        code = status_code_for(error)
        if code is grpc.StatusCode.UNAVAILABLE:
            logger.warning("database_unavailable error=%s", error.orig)
            context.abort(code, "database unavailable, retry later")
        logger.error("request_failed", exc_info=True)
        context.abort(grpc.StatusCode.INTERNAL, "internal error")
    except Exception:
        logger.error("request_failed", exc_info=True)
        context.abort(grpc.StatusCode.INTERNAL, "internal error")
