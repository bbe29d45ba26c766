"""SQL of the API-key endpoints: creating, listing and revoking keys (authentication reads keys in access)."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import col

from services.api.models import ApiKeyRow
from services.api.pagination import PageParams, fetch_page
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


def _key_column(name: str) -> InstrumentedAttribute[Any]:
    # SQLModel types class attributes as their values; pagination needs them as the mapped columns they are.
    attribute: InstrumentedAttribute[Any] = getattr(ApiKeyRow, name)
    return attribute


async def list_keys(
    session: AsyncSession, params: PageParams, *, organization_id: uuid.UUID | None, include_revoked: bool
) -> tuple[Sequence[ApiKeyRow], str | None]:
    """One page of keys; revoked keys are not tombstones but a filter the caller opts into."""
    statement = select(ApiKeyRow)
    if organization_id is not None:
        statement = statement.where(col(ApiKeyRow.organization_id) == organization_id)
    if not include_revoked:
        statement = statement.where(col(ApiKeyRow.revoked_at).is_(None))
    return await fetch_page(
        session,
        statement,
        params,
        id_column=_key_column("id"),
        sortable={"created_at": _key_column("created_at"), "name": _key_column("name")},
        default_sort="created_at",
        updated_column=_key_column("updated_at"),
        deleted_column=None,
    )


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
