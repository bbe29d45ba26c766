"""SQL of the API-key endpoints: creating, listing and revoking keys (authentication reads keys in access)."""

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.access.caller import Caller
from services.api.db import DriverConnection
from services.api.models import ApiKeyRow
from services.api.pagination import PageParams
from services.api.repository import RecordRepository, driver_param
from services.api.sql import among


async def insert_key(session: AsyncSession, row: ApiKeyRow) -> ApiKeyRow:
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


async def ensure_admin_key(session: AsyncSession, *, key_hash: str, prefix: str, name: str) -> ApiKeyRow:
    """The admin key with this hash: inserted when no key has it, otherwise the existing row, unchanged.

    An existing row is never re-activated: a key an admin revoked (because it leaked) must stay revoked
    when the service restarts with the same configured value. ON CONFLICT DO NOTHING lets replicas that
    start together insert it once.
    """
    statement = (
        insert(ApiKeyRow)
        .values(id=uuid.uuid4(), organization_id=None, role="admin", name=name, prefix=prefix, key_hash=key_hash)
        .on_conflict_do_nothing(index_elements=[ApiKeyRow.key_hash])
    )
    await session.execute(statement)
    found = select(ApiKeyRow).where(col(ApiKeyRow.key_hash) == key_hash).execution_options(populate_existing=True)
    return (await session.execute(found)).scalar_one()


async def revoke_active_keys(
    session: AsyncSession,
    *,
    name: str,
    organization_ids: Sequence[uuid.UUID] | None,
    keep_id: uuid.UUID | None = None,
) -> Sequence[ApiKeyRow]:
    """Revoke the active keys with this name, of these organisations (None: the admin keys, which belong
    to none), except `keep_id`; returns the revoked rows."""
    organization = col(ApiKeyRow.organization_id)
    conditions = [
        col(ApiKeyRow.name) == name,
        col(ApiKeyRow.revoked_at).is_(None),
        among(organization, organization_ids) if organization_ids is not None else organization.is_(None),
    ]
    if keep_id is not None:
        conditions.append(col(ApiKeyRow.id) != keep_id)
    statement = (
        update(ApiKeyRow)
        .where(*conditions)
        .values(revoked_at=func.now(), updated_at=func.now(), version=col(ApiKeyRow.version) + 1)
        .returning(ApiKeyRow)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalars().all()


# Keys are not tombstoned (revocation is a filter) and are scoped by their own rule, not `visible_to`.
keys = RecordRepository(
    ApiKeyRow, sortable=("created_at", "name"), default_sort="created_at", scope_columns=(), tombstones=False
)


async def list_keys(
    connection: DriverConnection,
    caller: Caller,
    params: PageParams,
    *,
    organization_id: uuid.UUID | None,
    include_revoked: bool,
) -> tuple[list[asyncpg.Record], str | None]:
    """One page of keys; revoked keys are not tombstones but a filter the caller opts into."""
    values: dict[str, Any] = {} if organization_id is None else {"organization_id": organization_id}

    def where() -> list[Any]:
        conditions: list[Any] = []
        if organization_id is not None:
            conditions.append(
                col(ApiKeyRow.organization_id) == driver_param("organization_id", ApiKeyRow.organization_id)
            )
        if not include_revoked:
            conditions.append(col(ApiKeyRow.revoked_at).is_(None))
        return conditions

    return await keys.driver_page(
        connection,
        caller,
        params,
        shape=("keys", organization_id is not None, include_revoked),
        where=where,
        values=values,
    )


async def fetch_key(connection: DriverConnection, caller: Caller, key_id: uuid.UUID) -> asyncpg.Record | None:
    """A key as read (`GET /v1/api-keys/{id}`), revoked or not; which keys `caller` manages, the service
    decides (the table has no scope columns)."""
    return await keys.fetch_live(connection, caller, key_id)


async def get_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKeyRow | None:
    return await session.get(ApiKeyRow, key_id)


async def revoke_key(session: AsyncSession, key_id: uuid.UUID, expected_version: int) -> ApiKeyRow | None:
    statement = (
        update(ApiKeyRow)
        .where(
            col(ApiKeyRow.id) == key_id,
            col(ApiKeyRow.version) == expected_version,
            col(ApiKeyRow.revoked_at).is_(None),
        )
        .values(revoked_at=func.now(), updated_at=func.now(), version=col(ApiKeyRow.version) + 1)
        .returning(ApiKeyRow)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()
