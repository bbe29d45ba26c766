"""Reading complaints: the read model from the stored columns (timeliness and time left at `now`), one
complaint, the lists with their filters, the motive catalogue, and the people of a complaint (through
`people.service`)."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.access import messages
from services.api.access.caller import Caller
from services.api.complaints import repository
from services.api.complaints.repository import complaints
from services.api.db import DriverConnection
from services.api.models import ComplaintRow
from services.api.pagination import PageParams
from services.api.people import service as people_service
from services.kit.errors import found
from services.kit.responses import json_bytes
from shared import deadlines
from shared.contract.complaints import (
    Complaint,
    ComplaintAttachment,
    ComplaintMotive,
    ComplaintMotives,
    ComplaintPeople,
)
from shared.enums import (
    Clock,
    ComplaintStatus,
    ComplaintType,
    MotiveLevel,
    Risk,
    TermUnit,
    Timeliness,
)

Columns = Mapping[str, Any] | asyncpg.Record
"""A complaint's stored columns by name: an ORM row's dump or a driver record."""


def stored_state(columns: Columns) -> deadlines.DeadlineState:
    """The deadline state a complaint's derived columns store (what `clock_values` reads)."""
    unit = columns["term_unit"]
    term = (
        deadlines.Term(
            TermUnit(unit), columns["term_length"] or 0, columns["term_basis"] or "", columns["term_rule_id"] or ""
        )
        if unit is not None
        else None
    )
    return deadlines.DeadlineState(
        status=ComplaintStatus(columns["status"]),
        clock=Clock(columns["clock"]),
        due_at=columns["due_at"],
        due_date=columns["due_date"],
        term=term,
        answered_at=columns["answered_at"],
        extended=columns["extended"],
        paused_business_days_used=0,
        flags=tuple(columns["flags"]),
        information_due_date=columns["information_due_date"],
    )


# The read model's fields in its order; a new contract field is read from the column of its name.
_READ_FIELDS = tuple(Complaint.model_fields)
_ATTACHMENT_FIELDS = tuple(ComplaintAttachment.model_fields)


_RUNNING = Clock.RUNNING.value


def clock_values(columns: Columns, now: datetime) -> tuple[str | None, int | None]:
    """`deadlines.timeliness` and `deadlines.time_left` (in seconds) of the stored state at `now`.

    Read straight from the columns, without building the state: lists read it for every row, and a test
    holds it equal to the deadline engine's answer in every state.
    """
    due_at = columns["due_at"]
    left = int((due_at - now).total_seconds()) if due_at is not None and columns["clock"] == _RUNNING else None
    timeliness = deadlines.timeliness_of(
        columns["term_unit"] is not None, columns["status"], due_at, columns["answered_at"], now
    )
    return (timeliness.value if timeliness is not None else None), left


def read_values(columns: Columns, now: datetime) -> dict[str, Any]:
    """The read model from a complaint's stored columns: the term as one object, timeliness and time left at
    `now`, attachments with every field in order; JSON-ready, in the contract's field order."""
    timeliness, left = clock_values(columns, now)
    unit = columns["term_unit"]
    computed = {
        # As `stored_state` reads the term: a unit makes a term, missing length and basis read 0 and "".
        "term": {
            "unit": TermUnit(unit).value,
            "length": columns["term_length"] or 0,
            "basis": columns["term_basis"] or "",
        }
        if unit is not None
        else None,
        "timeliness": timeliness,
        "time_left": left,
        "attachments": [
            {name: item.get(name) for name in _ATTACHMENT_FIELDS} for item in _json(columns["attachments"])
        ],
        "flags": _json(columns["flags"]),
    }
    return {name: computed[name] if name in computed else columns[name] for name in _READ_FIELDS}


def _json(value: Any) -> Any:
    """A JSONB column's value; driver pages read it as text (`RecordRepository.driver_page`)."""
    return orjson.loads(value) if isinstance(value, str) else value


def to_contract(row: ComplaintRow, now: datetime) -> Complaint:
    """The read model of an ORM row, validated (writes answer with it)."""
    return Complaint.model_validate(read_values(row.model_dump(), now))


def complaint_json(columns: Columns, now: datetime) -> bytes:
    """The read model's JSON straight from the stored columns, without a validation pass on the way out.

    Byte for byte what `to_contract(row, now).model_dump_json()` gives for the same row (a test holds it
    to that), at a fraction of the cost: hot reads answer with it.
    """
    return json_bytes(read_values(columns, now))


def page_json(rows: Sequence[ComplaintRow], next_cursor: str | None, now: datetime) -> bytes:
    """A list page's JSON (`Page[Complaint]`) from ORM rows, the same way: no validation pass per item."""
    # An ORM instance keeps its loaded column values in its __dict__ (every column is loaded here).
    items = [read_values(row.__dict__, now) for row in rows]
    return json_bytes({"items": items, "next_cursor": next_cursor})


def records_page_json(records: Sequence[asyncpg.Record], next_cursor: str | None, now: datetime) -> bytes:
    """`page_json` from driver records: the same bytes for the same rows."""
    return json_bytes({"items": [read_values(record, now) for record in records], "next_cursor": next_cursor})


# --- reads ------------------------------------------------------------------------------------------------


def ensure_may_write(caller: Caller, row: ComplaintRow) -> None:
    """Only the receiving organisation (or admin) handles a complaint; the one complained about only reads it."""
    caller.ensure_owner(row.organization_id, messages.RECEIVER_HANDLES_COMPLAINT)


async def get_complaint(session: AsyncSession, caller: Caller, complaint_id: uuid.UUID) -> ComplaintRow:
    return found(await complaints.get_live(session, caller, complaint_id), "No existe una queja con ese identificador.")


async def read_complaint(connection: DriverConnection, caller: Caller, complaint_id: uuid.UUID) -> asyncpg.Record:
    """`get_complaint` for the hot read path: the stored columns on the driver connection, no ORM."""
    return found(
        await complaints.fetch_live(connection, caller, complaint_id), "No existe una queja con ese identificador."
    )


@dataclass(frozen=True)
class ComplaintFilters:
    entity_id: uuid.UUID | None = None
    type: ComplaintType | None = None
    channel: str | None = None
    risk: Risk | None = None
    status: ComplaintStatus | None = None
    timeliness: Timeliness | None = None
    municipality_code: str | None = None
    filed_from: datetime | None = None
    filed_before: datetime | None = None
    due_before: datetime | None = None
    q: str | None = None


def _page_filters(filters: ComplaintFilters) -> dict[str, Any]:
    """The repository page's keyword arguments for a list's filters (a blank `q` is no search)."""
    q = filters.q.strip() if filters.q else None
    return {
        "equals": {
            "entity_id": filters.entity_id,
            "type": filters.type,
            "channel": filters.channel,
            "risk": filters.risk,
            "status": filters.status,
            "municipality_code": filters.municipality_code,
        },
        "timeliness": filters.timeliness,
        "filed_from": filters.filed_from,
        "filed_before": filters.filed_before,
        "due_before": filters.due_before,
        "q": q or None,
    }


async def list_complaints(
    session: AsyncSession, caller: Caller, params: PageParams, filters: ComplaintFilters
) -> tuple[Sequence[ComplaintRow], str | None]:
    return await repository.page(session, caller, params, **_page_filters(filters))


async def list_complaint_records(
    connection: DriverConnection, caller: Caller, params: PageParams, filters: ComplaintFilters
) -> tuple[list[asyncpg.Record], str | None]:
    """`list_complaints` for the hot list: the same page as driver records, on the driver connection."""
    return await repository.driver_page(connection, caller, params, **_page_filters(filters))


async def list_motives(session: AsyncSession, *, valid_on: date | None, level: MotiveLevel | None) -> ComplaintMotives:
    rows = await repository.list_motives(session, valid_on=valid_on, level=level)
    return ComplaintMotives(items=[ComplaintMotive.model_validate(row, from_attributes=True) for row in rows])


# The purpose logged with every read of a complaint's people.
PERSON_ROUTE = "GET /v1/complaints/{complaint_id}/person"


async def read_people(session: AsyncSession, caller: Caller, complaint_id: uuid.UUID) -> ComplaintPeople:
    """The petitioner and affected person, for the roles that need them; every read is logged."""
    row = await get_complaint(session, caller, complaint_id)
    return await people_service.read_people(
        session,
        caller,
        complaint_id=row.id,
        parties=(row.organization_id, row.entity_id),
        purpose=PERSON_ROUTE,
    )
