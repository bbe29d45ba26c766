"""One error type and one error shape: `ApiError` subclasses rendered as RFC 9457 problem+json."""

import logging
import traceback
from collections.abc import Sequence
from typing import Any, TypeVar

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.contract import Problem, ProblemFieldError

logger = logging.getLogger("participa")

PROBLEM_BASE_URI = "https://participa.example/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

FoundT = TypeVar("FoundT")


class ApiError(Exception):
    """A failure the client can act on. Services raise these; one handler renders them."""

    status_code = 400
    slug = "bad-request"
    title = "Solicitud inválida"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[ProblemFieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
        self.extra = extra or {}

    def problem(self, instance: str | None) -> Problem:
        """This error as an RFC 9457 problem; `instance` is where it happened (a path, or an item of it)."""
        return Problem(
            type=PROBLEM_BASE_URI + self.slug,
            title=self.title,
            status=self.status_code,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
        )


class Unauthorized(ApiError):
    status_code = 401
    slug = "unauthorized"
    title = "Credenciales ausentes o inválidas"


class Forbidden(ApiError):
    status_code = 403
    slug = "forbidden"
    title = "Acción no permitida para este rol"


class NotFound(ApiError):
    status_code = 404
    slug = "not-found"
    title = "Recurso no encontrado"


def found(value: FoundT | None, message: str) -> FoundT:
    """`value`, or a 404 with `message` when the lookup found nothing (or nothing in the caller's scope)."""
    if value is None:
        raise NotFound(message)
    return value


class Conflict(ApiError):
    status_code = 409
    slug = "conflict"
    title = "Conflicto con el estado actual"


class PreconditionFailed(ApiError):
    status_code = 412
    slug = "precondition-failed"
    title = "El recurso cambió"


class PreconditionRequired(ApiError):
    status_code = 428
    slug = "precondition-required"
    title = "Falta la precondición If-Match"


class Unprocessable(ApiError):
    status_code = 422
    slug = "validation"
    title = "Datos inválidos"


class MethodNotAllowed(ApiError):
    status_code = 405
    slug = "method-not-allowed"
    title = "Método no permitido"


class NotAcceptable(ApiError):
    status_code = 406
    slug = "not-acceptable"
    title = "Formato de respuesta no disponible"


class PayloadTooLarge(ApiError):
    status_code = 413
    slug = "payload-too-large"
    title = "Solicitud demasiado grande"


class UnsupportedMediaType(ApiError):
    status_code = 415
    slug = "unsupported-media-type"
    title = "Tipo de contenido no soportado"


class TooManyRequests(ApiError):
    status_code = 429
    slug = "too-many-requests"
    title = "Demasiadas solicitudes"


class InternalError(ApiError):
    status_code = 500
    slug = "internal"
    title = "Error interno"


class ServiceUnavailable(ApiError):
    status_code = 503
    slug = "unavailable"
    title = "Servicio no disponible"


# The generic error of each status: what a framework-raised HTTP error of that status is answered as.
_BY_STATUS: dict[int, type[ApiError]] = {
    error.status_code: error
    for error in (
        ApiError,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        NotAcceptable,
        Conflict,
        PreconditionFailed,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        PreconditionRequired,
        TooManyRequests,
        InternalError,
        ServiceUnavailable,
    )
}


def field_error(field: str, message: str) -> Unprocessable:
    """A 422 naming one field, the most common domain validation failure."""
    return Unprocessable(message, errors=[ProblemFieldError(field=field, message=message)])


def error_response(request: Request, error: ApiError) -> Response:
    """The one way a problem reaches a client: an `ApiError` rendered as problem+json with its headers."""
    body = error.problem(request.url.path).model_dump(mode="json", exclude_none=True)
    if error.extra:
        body.update(error.extra)
    return Response(
        orjson.dumps(body), status_code=error.status_code, media_type=PROBLEM_MEDIA_TYPE, headers=error.headers
    )


def unexpected_error() -> InternalError:
    return InternalError("Ocurrió un error inesperado; el equipo de Participa fue notificado.")


# Pydantic error types → Spanish messages users can act on; unknown types fall back to the generic one.
_VALIDATION_MESSAGES: dict[str, str] = {
    "missing": "Campo obligatorio.",
    "extra_forbidden": "Campo no permitido.",
    "string_type": "Debe ser un texto.",
    "string_too_short": "El texto es demasiado corto (mínimo {min_length}).",
    "string_too_long": "El texto es demasiado largo (máximo {max_length}).",
    "string_pattern_mismatch": "El formato no es válido.",
    # A lone surrogate ("\ud800" in the JSON) where the field strips or matches its text.
    "string_unicode": "El texto contiene caracteres no permitidos (caracteres de control).",
    "int_type": "Debe ser un número entero.",
    "int_parsing": "Debe ser un número entero.",
    "int_from_float": "Debe ser un número entero, sin decimales.",
    "float_type": "Debe ser un número.",
    "float_parsing": "Debe ser un número.",
    "bool_type": "Debe ser verdadero o falso.",
    "bool_parsing": "Debe ser verdadero o falso.",
    "greater_than_equal": "Debe ser mayor o igual que {ge}.",
    "greater_than": "Debe ser mayor que {gt}.",
    "less_than_equal": "Debe ser menor o igual que {le}.",
    "less_than": "Debe ser menor que {lt}.",
    "enum": "Valor no permitido; use uno de: {expected}.",
    "literal_error": "Valor no permitido; use uno de: {expected}.",
    "uuid_type": "Debe ser un identificador UUID.",
    "uuid_parsing": "Debe ser un identificador UUID.",
    "date_type": "Debe ser una fecha AAAA-MM-DD.",
    "date_parsing": "Debe ser una fecha AAAA-MM-DD.",
    "date_from_datetime_parsing": "Debe ser una fecha AAAA-MM-DD.",
    "date_from_datetime_inexact": "Debe ser una fecha AAAA-MM-DD, sin hora.",
    "datetime_type": "Debe ser un instante RFC 3339 (2026-01-15T14:02:11Z).",
    "datetime_parsing": "Debe ser un instante RFC 3339 (2026-01-15T14:02:11Z).",
    "datetime_from_date_parsing": "Debe ser un instante RFC 3339 (2026-01-15T14:02:11Z).",
    "timezone_aware": "El instante debe incluir zona horaria (Z o -05:00).",
    "list_type": "Debe ser una lista.",
    "too_short": "La lista es demasiado corta.",
    "too_long": "La lista es demasiado larga.",
    "dict_type": "Debe ser un objeto JSON.",
    "model_type": "Debe ser un objeto JSON.",
    "model_attributes_type": "Debe ser un objeto JSON.",
    "json_invalid": "El cuerpo no es JSON válido.",
    "url_parsing": "Debe ser una URL.",
    "url_type": "Debe ser una URL.",
    "url_scheme": "La URL debe empezar por http:// o https://.",
    "value_error": "{reason}",
    "assertion_error": "{reason}",
}


def _field_path(loc: Sequence[int | str]) -> str:
    # The first element says where the value came from (body, query, path, header); clients want the field.
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header", "cookie") else list(loc)
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith("function-") or part in ("json-or-python[json=...]",):
            continue
        else:
            path += ("." if path else "") + part
    if not path and loc:
        return str(loc[0])
    return path


def _validation_message(error: dict[str, Any]) -> str:
    template = _VALIDATION_MESSAGES.get(error.get("type", ""))
    context = dict(error.get("ctx") or {})
    if error.get("type") in ("value_error", "assertion_error"):
        raw = str(context.get("error", error.get("msg", "")))
        context["reason"] = raw.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if "expected" in context:
        # Pydantic joins the allowed values in English ("'a', 'b' or 'c'").
        context["expected"] = str(context["expected"]).replace(" or ", " o ")
    if template is None:
        return "Valor inválido."
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return "Valor inválido."


def validation_errors(raw_errors: Sequence[Any]) -> list[ProblemFieldError]:
    """Pydantic/FastAPI errors → `{field, message}` with Spanish messages."""
    return [
        ProblemFieldError(
            # A JSON syntax error's location is a character offset ("[24]"), not a field: name the body.
            field="body" if error.get("type") == "json_invalid" else _field_path(error.get("loc", ())),
            message=_validation_message(error),
        )
        for error in raw_errors
    ]


def _count_phrase(count: int) -> str:
    return "La solicitud tiene 1 error." if count == 1 else f"La solicitud tiene {count} errores."


_HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on this path: Starlette alone only names the first route's methods.

    Each method is asked of the router as a full match, because included routers nest their routes
    (FastAPI's `_IncludedRouter`) and a flat walk over `app.router.routes` finds none of them.
    """
    return [
        method
        for method in _HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in request.app.router.routes
        )
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Every 4xx/5xx leaves as problem+json, validation included, with no stack traces."""

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(request, exc)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = validation_errors(exc.errors())
        return error_response(request, Unprocessable(_count_phrase(len(errors)), errors=errors))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        generic = _BY_STATUS.get(exc.status_code)
        title = generic.title if generic is not None else "Error"
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        if exc.status_code == 404 and detail in (None, "Not Found"):
            detail = "No existe un recurso en esta ruta."
        headers = dict(exc.headers or {})
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            return error_response(request, field_error("body", "El cuerpo no es JSON válido (UTF-8)."))
        if exc.status_code == 405:
            allowed = allowed_methods(request)
            headers["Allow"] = ", ".join(allowed)
            detail = f"Este método no está disponible en esta ruta; use {', '.join(allowed)}."
        error = (generic or ApiError)(detail or title, headers=headers)
        if generic is None:
            # A status with no error of its own (rare: a framework's 408 or 416) keeps its code.
            error.status_code, error.slug, error.title = exc.status_code, "error", title
        return error_response(request, error)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_middleware(UnexpectedErrorMiddleware)


def _frames_only(error: BaseException) -> str:
    """Where an error happened, without what it said: messages may carry the request's personal data (a
    database error's message embeds the statement and its parameters)."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"{frames}{type(error).__module__}.{type(error).__qualname__}"


class UnexpectedErrorMiddleware:
    """The last answer to an error nothing else handled: a 500 problem and one sanitised log entry.

    Starlette's own last resort re-raises the error to the server after answering, which then logs the
    whole traceback with the error's message; this layer sits inside it and ends the error here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            request = Request(scope)
            if started:
                # A stream cut midway (a database gone during an export): the client sees a cut response,
                # which it cannot take for a success; one line says so.
                cause = error.__cause__ or error
                logger.warning("response cut on %s %s: %s", request.method, request.url.path, type(cause).__name__)
                return
            logger.error(
                "unhandled %s on %s %s\n%s", type(error).__name__, request.method, request.url.path, _frames_only(error)
            )
            await error_response(request, unexpected_error())(scope, receive, send)
