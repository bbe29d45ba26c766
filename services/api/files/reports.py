"""The report store: every import attempt of every importer, kept under `/v1/imports`, and audited.

One table (`plan_imports`, :class:`~services.api.models.ImportRow`) for plans and complaints alike: who
sent which file, when, what it held and what was wrong with it. The file itself is never kept.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.access.caller import Caller
from services.api.db import DriverConnection
from services.api.models import ImportRow
from services.api.pagination import PageParams
from services.api.repository import RecordRepository
from services.kit.errors import NotFound

__all__ = ["list_reports", "read_report", "reports", "store_report"]

reports = RecordRepository(ImportRow, sortable=("created_at", "updated_at"), default_sort="-created_at")


async def store_report(session: AsyncSession, caller: Caller, values: dict[str, Any], *, resource: str) -> ImportRow:
    """Keep the report of an import attempt (of any importer) under `/v1/imports`, and audit it."""
    row = await reports.insert(session, values)
    await audit.record(session, caller, "import", resource, row.id, row.organization_id)
    return row


async def read_report(connection: DriverConnection, caller: Caller, import_id: uuid.UUID) -> dict[str, Any]:
    """One report as read, its JSONB columns decoded (the contract's nested shapes validate them)."""
    record = await reports.fetch_live(connection, caller, import_id)
    if record is None:
        raise NotFound("No existe un reporte de importación con ese identificador.")
    return _decoded(record)


async def list_reports(
    connection: DriverConnection,
    caller: Caller,
    params: PageParams,
    *,
    plan_id: uuid.UUID | None,
    status: str | None,
    kind: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    records, cursor = await reports.page(
        connection, caller, params, {"plan_id": plan_id, "status": status, "kind": kind}
    )
    return [_decoded(record) for record in records], cursor


_JSON_COLUMNS = ("counts", "problems", "differences")


def _decoded(record: asyncpg.Record) -> dict[str, Any]:
    # Pages read JSONB as text (`RecordRepository.driver_page`), single reads through the driver's codec.
    values = dict(record)
    for name in _JSON_COLUMNS:
        if isinstance(values[name], str):
            values[name] = orjson.loads(values[name])
    return values
