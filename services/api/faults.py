"""Database failures as answers a client can act on, logged without the SQL or its parameters.

An outage (the server down or restarting, a connection cut, no pooled connection in time, a conflict that a
retry resolves) answers 503 with `Retry-After`; an integrity violation answers 409 naming the field when its
constraint is registered. Every other database error answers 500. The log line carries the error class, the
SQLSTATE and the route only: SQLAlchemy's messages embed the statement and its parameters, which hold names,
document numbers and diagnoses.
"""

import errno
import logging
import socket
from dataclasses import dataclass

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from services.kit.errors import (
    Conflict,
    InternalError,
    ServiceUnavailable,
    error_response,
    field_error,
    unexpected_error,
)
from shared.contract import ProblemFieldError

logger = logging.getLogger("participa.api.database")

# Seconds a client should wait before retrying while the database is away: about what a restart takes.
RETRY_AFTER_SECONDS = 5

# SQLSTATE classes and codes that mean "try again", not "this request is wrong".
_RETRYABLE_CLASSES = ("08", "53", "57")  # connection exception, insufficient resources, operator intervention
_RETRYABLE_CODES = ("40001", "40P01", "55P03")  # serialization failure, deadlock, lock not available
# Failures after which a connection cannot be trusted (the raw pool and the handlers below share them).
BROKEN_CONNECTION: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.CannotConnectNowError,
    asyncpg.PostgresConnectionError,
    TimeoutError,
)
# An OSError is the network's only with one of these: a full disk while spooling an upload is no outage.
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.ETIMEDOUT,
        errno.EPIPE,
    }
)

# Unique constraints named by the models' naming convention → the field and message a client can act on.
UNIQUE_CONSTRAINT_MESSAGES: dict[str, tuple[str, str]] = {}


def register_unique_constraint(name: str, field: str, message: str) -> None:
    """Areas declare what a violation of their unique index means, so the 409 names the field."""
    UNIQUE_CONSTRAINT_MESSAGES[name] = (field, message)


@dataclass(frozen=True)
class DatabaseFault:
    """What went wrong, in words safe to log: never the statement, its parameters or the server's message."""

    error_class: str
    sqlstate: str | None
    retryable: bool


def classify(error: BaseException) -> DatabaseFault | None:
    """The fault behind a database error, or None when `error` does not come from the database."""
    original: BaseException | None = error
    if isinstance(error, DBAPIError):
        # SQLAlchemy wraps the driver's error; the driver's own class and SQLSTATE say what happened.
        original = getattr(error.orig, "__cause__", None) or error.orig
        if error.connection_invalidated:
            return DatabaseFault(type(original).__name__, _sqlstate(original), retryable=True)
    elif isinstance(error, PoolTimeout):
        return DatabaseFault("PoolTimeout", None, retryable=True)
    elif isinstance(error, OSError) and not isinstance(error, TimeoutError):
        if not (isinstance(error, socket.gaierror) or error.errno in _NETWORK_ERRNOS):
            return None
        return DatabaseFault(type(error).__name__, None, retryable=True)
    elif not isinstance(error, (asyncpg.PostgresError, *BROKEN_CONNECTION)):
        return None
    sqlstate = _sqlstate(original)
    retryable = isinstance(original, BROKEN_CONNECTION) or (
        sqlstate is not None and (sqlstate[:2] in _RETRYABLE_CLASSES or sqlstate in _RETRYABLE_CODES)
    )
    return DatabaseFault(type(original).__name__, sqlstate, retryable)


def _sqlstate(error: BaseException | None) -> str | None:
    code = getattr(error, "sqlstate", None)
    return code if isinstance(code, str) else None


def database_unavailable(detail: str | None = None) -> ServiceUnavailable:
    """The 503 a client gets while the database is away: nothing was saved, retry after `Retry-After`."""
    return ServiceUnavailable(
        detail or "La base de datos no está disponible en este momento; nada se guardó. Reintente en unos segundos.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def fault_response(request: Request, fault: DatabaseFault) -> Response:
    """One log line and the problem a client gets for a database fault."""
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    if fault.sqlstate is not None and fault.sqlstate.startswith("22"):
        # A data exception (a value out of range, an invalid encoding) is the request's, not the server's:
        # the models catch almost all of them, and what slips past is still the client's to fix.
        logger.warning("database refused a value: sqlstate=%s on %s %s", fault.sqlstate, request.method, path)
        message = f"Un valor de la solicitud no es válido para la base de datos (SQLSTATE {fault.sqlstate})."
        return error_response(request, field_error("body", message))
    if fault.retryable:
        logger.warning(
            "database unavailable: %s sqlstate=%s on %s %s", fault.error_class, fault.sqlstate, request.method, path
        )
        return error_response(request, database_unavailable())
    logger.error("database error: %s sqlstate=%s on %s %s", fault.error_class, fault.sqlstate, request.method, path)
    return error_response(
        request,
        InternalError("La base de datos rechazó la operación; nada se guardó. El equipo de Participa fue notificado."),
    )


def install_database_error_handlers(app: FastAPI) -> None:
    async def on_integrity_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IntegrityError)
        constraint = getattr(getattr(exc.orig, "__cause__", None), "constraint_name", None)
        if constraint in UNIQUE_CONSTRAINT_MESSAGES:
            field, message = UNIQUE_CONSTRAINT_MESSAGES[constraint]
            return error_response(request, Conflict(message, errors=[ProblemFieldError(field=field, message=message)]))
        logger.warning("integrity error on %s %s: constraint %s", request.method, request.url.path, constraint)
        return error_response(request, Conflict("La operación viola una regla de integridad de los datos."))

    async def on_database_error(request: Request, exc: Exception) -> Response:
        fault = classify(exc)
        if fault is None:
            # An OSError of the machine's own (a full disk): a plain 500, logged as where it happened.
            logger.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
            return error_response(request, unexpected_error())
        return fault_response(request, fault)

    app.add_exception_handler(IntegrityError, on_integrity_error)
    for error_type in (DBAPIError, PoolTimeout, asyncpg.PostgresError, *BROKEN_CONNECTION):
        app.add_exception_handler(error_type, on_database_error)
