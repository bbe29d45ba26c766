"""SQL of authentication: a key's row and organisation, and the organisations a secretaría sees.

Here rather than in the organisations area: loading a caller's scope is the access platform's job, and
the platform imports no area. It reads the tables (models are shared), never an area's service.
"""

import uuid

from sqlalchemy import Text, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.models import ApiKeyRow, OrganizationRow, OversightRow
from services.api.sql import among


async def get_active_key_with_organization(
    session: AsyncSession, key_hash: str
) -> tuple[ApiKeyRow, OrganizationRow | None] | None:
    statement = (
        select(ApiKeyRow, OrganizationRow)
        .outerjoin(OrganizationRow, col(OrganizationRow.id) == col(ApiKeyRow.organization_id))
        .where(col(ApiKeyRow.key_hash) == key_hash, col(ApiKeyRow.revoked_at).is_(None))
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    return row[0], row[1]


async def secretaria_visible_ids(session: AsyncSession, secretaria: OrganizationRow) -> set[uuid.UUID]:
    """The secretaría itself, the organisations of its jurisdiction and those it oversees, plus their associations."""
    municipalities = [code for code in secretaria.jurisdiction if len(code) == 5]
    departments = [code for code in secretaria.jurisdiction if len(code) == 2]
    overseen = select(col(OversightRow.organization_id)).where(col(OversightRow.secretaria_id) == secretaria.id)
    conditions = [col(OrganizationRow.id) == secretaria.id, col(OrganizationRow.id).in_(overseen)]
    if municipalities:
        conditions.append(among(col(OrganizationRow.municipality_code), municipalities))
    if departments:
        conditions.append(among(func.substr(col(OrganizationRow.municipality_code), 1, 2), departments, Text()))
    # Retired organisations stay in scope: reads of them answer 404 anyway (tombstone), but a sync with
    # updated_since must still deliver their tombstones and their records' history.
    direct = select(col(OrganizationRow.id)).where(or_(*conditions))
    # User associations belong to their institution's scope even when they carry no municipality.
    statement = select(col(OrganizationRow.id)).where(
        or_(col(OrganizationRow.id).in_(direct), col(OrganizationRow.parent_id).in_(direct)),
    )
    return set((await session.execute(statement)).scalars())
