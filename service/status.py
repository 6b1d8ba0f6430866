"""The one place where domain errors become gRPC status codes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import grpc
import pydantic
from sqlalchemy.exc import DBAPIError, OperationalError

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
    "database unavailable"; anything else is INTERNAL with a generic detail
    and its traceback in the log.
    """
    try:
        yield
    except (GraphError, RequestError, pydantic.ValidationError) as error:
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
