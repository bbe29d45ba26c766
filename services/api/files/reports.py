"""The report store: every import attempt of every importer, kept under `/v1/imports`, and audited.

One table (`plan_imports`, :class:`~services.api.models.ImportRow`) for plans and complaints alike: who
sent which file, when, what it held and what was wrong with it. The file itself is never kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.access.caller import Caller
from services.api.models import ImportRow
from services.api.pagination import PageParams
from services.api.repository import RecordRepository
from services.kit.errors import NotFound

__all__ = ["get_report", "list_reports", "reports", "store_report"]

reports = RecordRepository(ImportRow, sortable=("created_at", "updated_at"), default_sort="-created_at")


async def store_report(session: AsyncSession, caller: Caller, values: dict[str, Any], *, resource: str) -> ImportRow:
    """Keep the report of an import attempt (of any importer) under `/v1/imports`, and audit it."""
    row = await reports.insert(session, values)
    await audit.record(session, caller, "import", resource, row.id, row.organization_id)
    return row


async def get_report(session: AsyncSession, caller: Caller, import_id: uuid.UUID) -> ImportRow:
    row = await reports.get_live(session, caller, import_id)
    if row is None:
        raise NotFound("No existe un reporte de importación con ese identificador.")
    return row


async def list_reports(
    session: AsyncSession,
    caller: Caller,
    params: PageParams,
    *,
    plan_id: uuid.UUID | None,
    status: str | None,
    kind: str | None = None,
) -> tuple[Sequence[ImportRow], str | None]:
    return await reports.page(session, caller, params, {"plan_id": plan_id, "status": status, "kind": kind})
