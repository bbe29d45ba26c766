"""Responses serialised by pydantic's compiled serializer, with the ETag conventions of DESIGN.md §4."""

import uuid
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from services.kit.errors import PreconditionFailed, PreconditionRequired, field_error

JSON_MEDIA_TYPE = "application/json"


def json_response(model: BaseModel, *, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """Serialise a contract model straight to bytes (no second validation pass)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type=JSON_MEDIA_TYPE, headers=headers)


def json_bytes(value: Any) -> bytes:
    """JSON of plain values as the contract models write it (instants in UTC with `Z`), without a model.

    For hot reads that serialise stored columns directly; a test per use holds the bytes equal to the
    contract model's.
    """
    return orjson.dumps(value, default=_driver_value, option=orjson.OPT_UTC_Z)


def _driver_value(value: Any) -> str:
    # asyncpg decodes uuid columns to its own UUID subclass, which orjson leaves to this hook.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def etag_for(version: int) -> str:
    return f'"{version}"'


def _etag_values(header: str) -> list[str]:
    return [value.strip().removeprefix("W/") for value in header.split(",") if value.strip()]


def resource_response(
    request: Request, model: BaseModel, version: int, *, status_code: int = 200, location: str | None = None
) -> Response:
    """A single resource with its ETag; `If-None-Match` with the current version answers 304."""
    return tagged_response(request, model, etag_for(version), status_code=status_code, location=location)


def _not_modified(request: Request, etag: str) -> bool:
    if_none_match = request.headers.get("if-none-match")
    # If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/"x" and "x" match.
    opaque = etag.removeprefix("W/")
    if not if_none_match:
        return False
    return if_none_match.strip() == "*" or opaque in _etag_values(if_none_match)


def tagged_response(
    request: Request, model: BaseModel, etag: str, *, status_code: int = 200, location: str | None = None
) -> Response:
    """A response with an explicit ETag; `If-None-Match` with it answers 304."""
    if status_code == 200 and _not_modified(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    headers = {"ETag": etag}
    if location:
        headers["Location"] = location
    return json_response(model, status_code=status_code, headers=headers)


def resource_json_response(request: Request, body: bytes, version: int) -> Response:
    """`resource_response` for a body already serialised (reads): the same ETag and 304 rules."""
    return tagged_json_response(request, body, etag_for(version))


def tagged_json_response(request: Request, body: bytes, etag: str) -> Response:
    """`tagged_response` for a body already serialised: the same ETag and 304 rules."""
    if _not_modified(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type=JSON_MEDIA_TYPE, headers={"ETag": etag})


def required_version(request: Request, current_version: int | None = None) -> int:
    """The version a client read, from `If-Match`: 428 without it, 412 when it is no longer current.

    The final guard against lost updates is the versioned UPDATE itself; checking here too gives the
    client the clear 412 before any work is done.
    """
    header = request.headers.get("if-match")
    if not header:
        raise PreconditionRequired(
            'Envíe el encabezado If-Match con el ETag que leyó (por ejemplo If-Match: "3") para evitar '
            "sobrescribir cambios de otra persona."
        )
    values = _etag_values(header)
    if values == ["*"]:
        if current_version is None:
            raise PreconditionRequired("If-Match: * no sirve aquí; envíe el ETag del recurso.")
        return current_version
    try:
        version = int(values[0].strip('"'))
    except (ValueError, IndexError):
        raise field_error(
            "If-Match", f'If-Match debe ser un ETag de este servicio, como "3"; se recibió {header!r}.'
        ) from None
    if current_version is not None and version != current_version:
        raise stale_version(version, current_version)
    return version


def stale_version(sent: int, current: int | None) -> PreconditionFailed:
    current_phrase = f"la actual es {current}" if current is not None else "el recurso ya cambió"
    return PreconditionFailed(f"La versión enviada es {sent}; {current_phrase}. Vuelva a leer el recurso y reintente.")
