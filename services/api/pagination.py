"""One pagination contract: keyset pages over `(sort column, id)`, opaque cursors, `updated_since` sync."""

import base64
import binascii
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import TypeDecorator
from sqlalchemy.orm import InstrumentedAttribute

from services.kit.errors import field_error

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class PageParams:
    """What a client asked of a list: page size, position, order and sync point."""

    limit: int
    cursor: str | None
    sort: str | None
    updated_since: datetime | None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Tamaño de página (máximo 500).")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=500, description="Cursor opaco de la página anterior (`next_cursor`).")
    ] = None,
    sort: Annotated[
        str | None,
        Query(max_length=40, pattern=r"^-?[a-z_]+$", description="Campo de orden; `-campo` para descendente."),
    ] = None,
    updated_since: Annotated[
        str | None,
        Query(
            json_schema_extra={"format": "date-time"},
            max_length=40,
            description="Sincronización: registros cambiados desde este instante (inclusive), "
            "con los borrados como lápidas, en orden de `updated_at, id`.",
        ),
    ] = None,
) -> PageParams:
    return _page_params(limit, cursor, sort, updated_since)


class PageQuery(BaseModel):
    """`page_params` as a query model; it yields the same `PageParams` (`page_params()`, the same rules).

    Only the complaints list still declares it (its query model subclasses it); every other list takes
    `PageParamsDep`. It goes when that area takes `PageParamsDep` too.
    """

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Tamaño de página (máximo 500).")] = DEFAULT_LIMIT
    cursor: Annotated[
        str | None, Field(max_length=500, description="Cursor opaco de la página anterior (`next_cursor`).")
    ] = None
    sort: Annotated[
        str | None,
        Field(max_length=40, pattern=r"^-?[a-z_]+$", description="Campo de orden; `-campo` para descendente."),
    ] = None
    updated_since: Annotated[
        str | None,
        Field(
            json_schema_extra={"format": "date-time"},
            max_length=40,
            description="Sincronización: registros cambiados desde este instante (inclusive), "
            "con los borrados como lápidas, en orden de `updated_at, id`.",
        ),
    ] = None

    def page_params(self) -> PageParams:
        return _page_params(self.limit, self.cursor, self.sort, self.updated_since)


def _page_params(limit: int, cursor: str | None, sort: str | None, updated_since: str | None) -> PageParams:
    since = parse_instant("updated_since", updated_since) if updated_since is not None else None
    if since is not None and sort is not None:
        raise field_error("sort", "Una sincronización con updated_since siempre se ordena por updated_at, id.")
    return PageParams(limit=limit, cursor=cursor, sort=sort, updated_since=since)


_UNENCODED_OFFSET = re.compile(r" ([0-9]{2}:?[0-9]{2})$")


def parse_instant(field: str, text: str) -> datetime:
    """An RFC 3339 instant with its zone (`2026-02-01T00:00:00Z`); numbers and naive times are refused."""
    # An unencoded `+05:00` in a typed URL arrives as a space: read it as the offset it was meant to be.
    text = _UNENCODED_OFFSET.sub(r"+\1", text.strip())
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or "T" not in text.upper() or value.tzinfo is None:
        raise field_error(field, "Debe ser un instante RFC 3339 con zona horaria, como 2026-02-01T00:00:00Z.")
    return value


PageParamsDep = Annotated[PageParams, Depends(page_params)]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        if "u" in value:
            return uuid.UUID(value["u"])
    return value


def encode_cursor(sort_key: str, value: Any, row_id: uuid.UUID) -> str:
    raw = json.dumps({"k": sort_key, "v": _encode_value(value), "id": str(row_id)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort_key: str, value_type: type) -> tuple[Any, uuid.UUID]:
    """Cursors are only valid for the order they were made for; anything else is a 422 on `cursor`.

    The value must also have the sort column's exact type (and instants their zone): an edited cursor
    would otherwise reach PostgreSQL as a comparison of mismatched types and fail as a 500.
    """
    invalid = field_error("cursor", "El cursor no es válido; use el next_cursor de la página anterior.")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if payload["k"] != sort_key:
            raise field_error("cursor", "El cursor pertenece a otro orden; pida la primera página de nuevo.")
        value, row_id = _decode_value(payload["v"]), uuid.UUID(payload["id"])
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise invalid from None
    if type(value) is not value_type or (isinstance(value, datetime) and value.tzinfo is None):
        raise invalid
    return value, row_id


def _python_type(column: InstrumentedAttribute[Any]) -> type:
    column_type = column.type
    # SQLModel's AutoString is a TypeDecorator whose own python_type is `object`: ask the type it wraps.
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    python_type: type = column_type.python_type
    return python_type


@dataclass(frozen=True)
class PageOrder:
    """The walk a page request asks for: its sort column and direction, and where the last page ended."""

    column: InstrumentedAttribute[Any]
    descending: bool
    sync: bool
    cursor_key: str
    after: tuple[Any, uuid.UUID] | None


def page_order(
    params: PageParams,
    *,
    sortable: Mapping[str, InstrumentedAttribute[Any]],
    default_sort: str,
    updated_column: InstrumentedAttribute[Any] | None,
) -> PageOrder:
    """Validate `sort` and `cursor` against a table's sort columns (422 naming the field)."""
    if params.updated_since is not None and updated_column is not None:
        # A sync walk has its own cursor key: a cursor of `sort=updated_at` skips tombstones and vice versa.
        sort_name, descending, sync = "updated_since", False, True
        sort_column = updated_column
    else:
        requested = params.sort or default_sort
        descending, sync = requested.startswith("-"), False
        sort_name = requested.removeprefix("-")
        if sort_name not in sortable:
            allowed = ", ".join(sorted(sortable))
            raise field_error("sort", f"No se puede ordenar por «{sort_name}»; use uno de: {allowed}.")
        sort_column = sortable[sort_name]
    cursor_key = ("-" if descending else "") + sort_name
    after = decode_cursor(params.cursor, cursor_key, _python_type(sort_column)) if params.cursor else None
    return PageOrder(sort_column, descending, sync, cursor_key, after)
