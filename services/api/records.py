"""Service-level steps every area repeats: the versioned update and the tombstone, audited."""

import uuid
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.access.caller import Caller
from services.api.models.base import RecordColumns
from services.api.repository import RecordRepository
from services.kit.responses import stale_version

RowT = TypeVar("RowT", bound=RecordColumns)


async def update_record(
    session: AsyncSession,
    caller: Caller,
    repository: RecordRepository[RowT],
    row: RowT,
    *,
    expected_version: int,
    values: dict[str, Any],
    resource: str,
) -> RowT:
    if row.version != expected_version:
        raise stale_version(expected_version, row.version)
    if not values:
        # An empty PATCH changes nothing, so it keeps the version (and every client's cached ETag) valid.
        return row
    updated = await repository.update_versioned(session, row.id, expected_version, values)
    if updated is None:
        raise stale_version(expected_version, None)
    await audit.record(session, caller, "update", resource, row.id, row.organization_id)
    return updated


async def delete_record(
    session: AsyncSession,
    caller: Caller,
    repository: RecordRepository[RowT],
    row: RowT,
    *,
    expected_version: int,
    resource: str,
) -> None:
    if row.version != expected_version:
        raise stale_version(expected_version, row.version)
    deleted = await repository.soft_delete(session, row.id, expected_version)
    if deleted is None:
        raise stale_version(expected_version, None)
    await audit.record(session, caller, "delete", resource, row.id, row.organization_id)


async def insert_record(
    session: AsyncSession,
    caller: Caller,
    repository: RecordRepository[RowT],
    values: dict[str, Any],
    *,
    resource: str,
) -> RowT:
    row = await repository.insert(session, {"id": values.pop("id", None) or uuid.uuid4(), **values})
    await audit.record(session, caller, "create", resource, row.id, row.organization_id)
    return row
