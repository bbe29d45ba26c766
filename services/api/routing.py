"""Route building blocks every API area uses: If-Match, page and resource responses, problem docs."""

import uuid
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, TypeVar

import asyncpg
from fastapi import Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel

from services.kit.openapi import problem_responses
from services.kit.responses import (
    JSON_MEDIA_TYPE,
    json_bytes,
    json_response,
    required_version,
    resource_json_response,
    resource_response,
)
from shared.contract import Page, Record

ModelT = TypeVar("ModelT", bound=BaseModel)

# 503: the database is away (Retry-After says when to try again); 413: a body over its limit.
READ_PROBLEMS = problem_responses(401, 403, 404, 422, 503)
WRITE_PROBLEMS = problem_responses(401, 403, 404, 409, 412, 413, 422, 428, 503)
# File imports answer 422 with the whole report under `report` when the file cannot be taken, and 400 when
# the multipart body itself cannot be parsed.
IMPORT_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **problem_responses(400),
    **WRITE_PROBLEMS,
    422: {
        "description": "El archivo tiene errores o advertencias no aceptadas; el reporte va en `report` y no se "
        "escribió nada.",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    },
}


async def expected_version(
    request: Request,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='ETag leído del recurso (`"3"`); sin él la escritura responde 428.',
            max_length=100,
        ),
    ] = None,
) -> int:
    if not _ids_are_valid(request):
        # FastAPI resolves dependencies before it validates path parameters: let the 422 naming the bad id
        # answer (`/v1/complaints/counts` is not a complaint) instead of a misleading 428.
        return 0
    return required_version(request)


def _ids_are_valid(request: Request) -> bool:
    for name, value in request.path_params.items():
        if name.endswith("_id"):
            try:
                uuid.UUID(str(value))
            except ValueError:
                return False
    return True


ExpectedVersion = Annotated[int, Depends(expected_version)]


def page_response(model: type[ModelT], rows: Iterable[Any], next_cursor: str | None) -> Response:
    """A page through the contract model, for items that are not all stored columns (nested JSONB shapes)."""
    page = Page[model](items=[model.model_validate(row) for row in rows], next_cursor=next_cursor)  # type: ignore[valid-type]
    return json_response(page)


def page_json(
    model: type[Record] | type[BaseModel], rows: Iterable[Mapping[str, Any] | asyncpg.Record], next_cursor: str | None
) -> bytes:
    """`record_json` for a page: `Page[model]`'s JSON straight from the stored columns of its rows."""
    fields = tuple(model.model_fields)
    items = [{name: row[name] for name in fields} for row in rows]
    return json_bytes({"items": items, "next_cursor": next_cursor})


def page_json_response(
    model: type[Record] | type[BaseModel], rows: Iterable[Mapping[str, Any] | asyncpg.Record], next_cursor: str | None
) -> Response:
    return Response(page_json(model, rows, next_cursor), media_type=JSON_MEDIA_TYPE)


def record_response(
    request: Request,
    model: type[Record],
    row: Any,
    *,
    status_code: int = 200,
    location_route: str | None = None,
    **path_params: Any,
) -> Response:
    record = model.model_validate(row)
    location = str(request.url_for(location_route, **path_params)) if location_route else None
    return resource_response(request, record, record.version, status_code=status_code, location=location)


def record_json(model: type[Record] | type[BaseModel], columns: Mapping[str, Any] | asyncpg.Record) -> bytes:
    """A record's JSON straight from its stored columns, for contract models whose every field is a column.

    No validation pass on the way out: the fast reads answer with it, and a test per model holds the bytes
    equal to `model.model_validate(row).model_dump_json()`.
    """
    return json_bytes({name: columns[name] for name in model.model_fields})


def record_json_response(
    request: Request, model: type[Record] | type[BaseModel], columns: Mapping[str, Any] | asyncpg.Record
) -> Response:
    """`record_response` from stored columns (`record_json`): the same ETag and If-None-Match rules."""
    return resource_json_response(request, record_json(model, columns), columns["version"])


def no_content() -> Response:
    return Response(status_code=204)
