"""Rules of personal data: who may read it, that every read is logged, how a record's people are written.

Other areas reach personal data only through this module: they pass the record's ids and the parties that
may read it, never the rows, and the people never travel into logs, reports or problems.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.api.access import messages
from services.api.access.caller import Caller
from services.api.models import ComplaintPersonRow
from services.api.people import repository
from services.api.people.schemas import PersonIn
from shared.contract.complaints import ComplaintPeople, ComplaintPerson
from shared.enums import Role

PETITIONER = "petitioner"
AFFECTED = "affected"


def people_rows(
    complaint_id: uuid.UUID,
    organization_id: uuid.UUID,
    *,
    petitioner: PersonIn | None,
    affected: PersonIn | None,
    with_consent: bool = True,
) -> list[dict[str, Any]]:
    """The stored rows of a complaint's people (none for a person not given).

    A file carries no consent (`with_consent=False` stores none); a filing stores the one it sends.
    """
    excluded = {"birth_date"} if with_consent else {"birth_date", "consent"}
    return [
        {
            "id": uuid.uuid4(),
            "complaint_id": complaint_id,
            "organization_id": organization_id,
            "role": role,
            **person.model_dump(mode="json", exclude=excluded),
            "birth_date": person.birth_date,
            **({} if with_consent else {"consent": None}),
        }
        for role, person in ((PETITIONER, petitioner), (AFFECTED, affected))
        if person is not None
    ]


async def add_people(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Store the rows of `people_rows` (one filing: a plain INSERT)."""
    await repository.insert_people(session, rows)


async def copy_people(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Store the rows of `people_rows` for a whole file with COPY (`CopyConflict`, `CopyRejected`)."""
    await repository.copy_people(session, rows)


async def copy_people_to(
    session: AsyncSession, *, source_id: uuid.UUID, complaint_id: uuid.UUID, organization_id: uuid.UUID
) -> None:
    """The people of `source_id` again, for the linked complaint of a transfer held by `organization_id`."""
    people = await repository.people_of(session, source_id)
    await repository.insert_people(
        session,
        [
            {
                **person.model_dump(exclude={"id", "created_at"}),
                "id": uuid.uuid4(),
                "complaint_id": complaint_id,
                "organization_id": organization_id,
            }
            for person in people
        ],
    )


def _ensure_may_read(caller: Caller, parties: Sequence[uuid.UUID]) -> None:
    """The route admits only the roles that handle complaints; of those, an EPS or IPS reads the people of
    the records whose `parties` it is (received or complained about), a secretaría those of its scope."""
    caller.ensure_allowed()  # the route's policy (bi_readonly and asociacion), once the record was found
    if caller.role is Role.EPS_IPS:
        caller.ensure_member(tuple(parties), messages.PERSONAL_DATA_PARTIES)


def _person(row: ComplaintPersonRow | None) -> ComplaintPerson | None:
    if row is None:
        return None
    return ComplaintPerson.model_validate(
        row.model_dump(exclude={"id", "complaint_id", "organization_id", "role", "created_at"})
    )


async def read_people(
    session: AsyncSession,
    caller: Caller,
    *,
    complaint_id: uuid.UUID,
    parties: Sequence[uuid.UUID],
    purpose: str,
) -> ComplaintPeople:
    """The petitioner and affected person of a complaint the caller found, for the roles that need them;
    every read is logged with its `purpose` (the route)."""
    _ensure_may_read(caller, parties)
    people = {person.role: person for person in await repository.people_of(session, complaint_id)}
    await repository.log_access(
        session,
        api_key_id=caller.api_key_id,
        organization_id=caller.organization_id,
        complaint_id=complaint_id,
        purpose=purpose,
    )
    return ComplaintPeople(
        complaint_id=complaint_id,
        person=_person(people.get(PETITIONER)),
        affected_person=_person(people.get(AFFECTED)),
    )
