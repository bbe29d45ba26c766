"""SQL for personal data: the people rows of a complaint and the access log."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.bulk_copy import copy_rows
from services.api.models import ComplaintPersonRow, PersonalDataAccessRow


async def insert_people(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(insert(ComplaintPersonRow), [dict(row) for row in rows])


async def copy_people(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bulk-insert people rows that all have the same keys (imports), with COPY."""
    await copy_rows(session, ComplaintPersonRow.__tablename__, rows, jsonb=("consent",))


async def people_of(session: AsyncSession, complaint_id: uuid.UUID) -> Sequence[ComplaintPersonRow]:
    statement = select(ComplaintPersonRow).where(col(ComplaintPersonRow.complaint_id) == complaint_id)
    return list((await session.execute(statement)).scalars())


async def log_access(
    session: AsyncSession,
    *,
    api_key_id: uuid.UUID,
    organization_id: uuid.UUID | None,
    complaint_id: uuid.UUID,
    purpose: str,
) -> None:
    await session.execute(
        insert(PersonalDataAccessRow).values(
            api_key_id=api_key_id, organization_id=organization_id, complaint_id=complaint_id, purpose=purpose
        )
    )
