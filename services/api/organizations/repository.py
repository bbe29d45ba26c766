"""SQL for organisations, oversight links and affiliate counts."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.access.caller import Caller
from services.api.models import AffiliateCountRow, OrganizationRow, OversightRow
from services.api.repository import RecordRepository
from services.api.sql import among
from shared.enums import OrganizationKind

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


async def monthly_affiliate_totals(
    session: AsyncSession,
    caller: Caller,
    *,
    first_month: str,
    last_month: str,
    organization_id: uuid.UUID | None,
    by_municipality: bool,
) -> list[dict[str, Any]]:
    """Live member counts summed per organisation and month (and municipality), months inclusive, in scope."""
    municipality = col(AffiliateCountRow.municipality_code)
    keys: list[Any] = [col(AffiliateCountRow.organization_id), col(AffiliateCountRow.month)]
    if by_municipality:
        keys.append(municipality)
    statement = (
        affiliate_counts.readable_statement(caller)
        .with_only_columns(*keys, func.sum(col(AffiliateCountRow.count)).label("count"), func.count().label("records"))
        .where(
            col(AffiliateCountRow.deleted_at).is_(None),
            col(AffiliateCountRow.month) >= first_month,
            col(AffiliateCountRow.month) <= last_month,
        )
        .group_by(*keys)
        .order_by(*keys)
    )
    if organization_id is not None:
        statement = statement.where(col(AffiliateCountRow.organization_id) == organization_id)
    return [dict(row) for row in (await session.execute(statement)).mappings()]


_HEALTH_KINDS = [OrganizationKind.EPS.value, OrganizationKind.IPS.value, OrganizationKind.ESE.value]


async def scope_entities(session: AsyncSession, caller: Caller, secretaria: OrganizationRow) -> list[OrganizationRow]:
    """The live EPS, IPS and ESE of a secretaría's territory (municipalities or departments of its
    jurisdiction) and those it oversees, that the caller can also read; by name."""
    municipalities = [code for code in secretaria.jurisdiction if len(code) == 5]
    departments = [code for code in secretaria.jurisdiction if len(code) == 2]
    overseen = select(col(OversightRow.organization_id)).where(col(OversightRow.secretaria_id) == secretaria.id)
    conditions: list[Any] = [col(OrganizationRow.id).in_(overseen)]
    if municipalities:
        conditions.append(among(col(OrganizationRow.municipality_code), municipalities))
    if departments:
        conditions.append(among(func.substr(col(OrganizationRow.municipality_code), 1, 2), departments, Text()))
    statement = (
        organizations.readable_statement(caller)
        .where(
            col(OrganizationRow.deleted_at).is_(None),
            col(OrganizationRow.kind).in_(_HEALTH_KINDS),
            or_(*conditions),
        )
        .order_by(col(OrganizationRow.name), col(OrganizationRow.id))
    )
    return list((await session.execute(statement)).scalars())
