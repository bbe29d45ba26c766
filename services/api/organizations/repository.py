"""SQL for organisations, oversight links and affiliate counts."""

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.models import AffiliateCountRow, OrganizationRow, OversightRow
from services.api.repository import RecordRepository

organizations = RecordRepository(OrganizationRow, sortable=("created_at", "updated_at", "name"), default_sort="name")
affiliate_counts = RecordRepository(
    AffiliateCountRow, sortable=("month", "created_at", "updated_at"), default_sort="month"
)


async def get_live(session: AsyncSession, organization_id: uuid.UUID) -> OrganizationRow | None:
    """An organisation regardless of the caller's scope: for checks that must not leak rows to the response."""
    statement = select(OrganizationRow).where(
        col(OrganizationRow.id) == organization_id, col(OrganizationRow.deleted_at).is_(None)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def list_oversight(session: AsyncSession, secretaria_id: uuid.UUID) -> Sequence[OversightRow]:
    statement = (
        select(OversightRow)
        .where(col(OversightRow.secretaria_id) == secretaria_id)
        .order_by(col(OversightRow.created_at), col(OversightRow.organization_id))
    )
    return list((await session.execute(statement)).scalars())


async def get_oversight(
    session: AsyncSession, secretaria_id: uuid.UUID, organization_id: uuid.UUID
) -> OversightRow | None:
    statement = select(OversightRow).where(
        col(OversightRow.secretaria_id) == secretaria_id, col(OversightRow.organization_id) == organization_id
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def add_oversight(session: AsyncSession, secretaria_id: uuid.UUID, organization_id: uuid.UUID) -> OversightRow:
    statement = (
        insert(OversightRow)
        .values(secretaria_id=secretaria_id, organization_id=organization_id)
        .on_conflict_do_nothing()
    )
    await session.execute(statement)
    link = await get_oversight(session, secretaria_id, organization_id)
    assert link is not None  # inserted just now, or already there
    return link


async def remove_oversight(session: AsyncSession, secretaria_id: uuid.UUID, organization_id: uuid.UUID) -> bool:
    result = await session.execute(
        delete(OversightRow).where(
            col(OversightRow.secretaria_id) == secretaria_id,
            col(OversightRow.organization_id) == organization_id,
        )
    )
    return bool(getattr(result, "rowcount", 0))
