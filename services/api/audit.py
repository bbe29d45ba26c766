"""The audit log of writes: who changed which record, when. It records identifiers, never content."""

import uuid

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.access.caller import Caller
from services.api.models import AuditEventRow


async def record(
    session: AsyncSession,
    caller: Caller,
    action: str,
    resource: str,
    resource_id: uuid.UUID | None,
    organization_id: uuid.UUID | None,
) -> None:
    await session.execute(
        insert(AuditEventRow).values(
            api_key_id=caller.api_key_id,
            organization_id=organization_id,
            action=action,
            resource=resource,
            resource_id=resource_id,
        )
    )
