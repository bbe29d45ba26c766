"""The event log of a complaint and its rules: each kind carries its own fields, the engine accepts the
transition or answers 409 with what it allows, a transfer links a new complaint at the competent
organisation.

Every accepted event is validated by replaying the whole log under the complaint's row lock, so two appends
cannot both pass against the same state; the derived columns are stored from the resulting state.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit, records
from services.api.access import messages
from services.api.access.caller import Caller
from services.api.complaints import repository
from services.api.complaints.deadlines import FUTURE_TOLERANCE, deadline_event, derived_columns, now_utc, replay
from services.api.complaints.filing import generate_radicado
from services.api.complaints.reads import ensure_may_write, get_complaint
from services.api.complaints.repository import complaints
from services.api.complaints.schemas import ComplaintEventCreate
from services.api.models import ComplaintEventRow, ComplaintRow
from services.api.organizations import service as organizations_service
from services.api.people import service as people_service
from services.kit.errors import Conflict, NotFound, Unprocessable, field_error
from services.kit.responses import stale_version
from shared import deadlines
from shared.contract import ProblemFieldError
from shared.contract.complaints import (
    ComplaintEvent,
)
from shared.enums import (
    EventKind,
)


def event_contract(row: ComplaintEventRow) -> ComplaintEvent:
    payload = row.payload
    return ComplaintEvent.model_validate(
        {
            "id": row.id,
            "complaint_id": row.complaint_id,
            "organization_id": row.organization_id,
            "kind": row.kind,
            "occurred_at": row.occurred_at,
            "note": row.note,
            "answer": payload.get("answer"),
            "new_due_date": payload.get("new_due_date"),
            "reason": payload.get("reason"),
            "to_organization_id": payload.get("to_organization_id"),
            "transferred_complaint_id": payload.get("transferred_complaint_id"),
            "created_at": row.created_at,
        }
    )


async def list_events(session: AsyncSession, caller: Caller, complaint_id: uuid.UUID) -> Sequence[ComplaintEventRow]:
    row = await get_complaint(session, caller, complaint_id)
    return await repository.events_of(session, row.id)


def _check_event_fields(data: ComplaintEventCreate) -> None:
    """Each kind carries its own fields and no other's, so nothing sent is silently dropped."""
    kind = data.kind
    required = {
        EventKind.RESPONDIDO: ("answer",),
        EventKind.PRORROGA: ("new_due_date", "reason"),
    }.get(kind, ())
    only_on = {
        "answer": EventKind.RESPONDIDO,
        "new_due_date": EventKind.PRORROGA,
        "reason": EventKind.PRORROGA,
        "to_organization_id": EventKind.TRASLADADO,
    }
    problems = [
        ProblemFieldError(field=name, message=f"Campo obligatorio en un evento «{kind}».")
        for name in required
        if getattr(data, name) is None
    ]
    problems += [
        ProblemFieldError(field=name, message=f"Solo se admite en un evento «{allowed}», no en «{kind}».")
        for name, allowed in only_on.items()
        if getattr(data, name) is not None and kind is not allowed
    ]
    if problems:
        detail = problems[0].message if len(problems) == 1 else f"El evento tiene {len(problems)} errores."
        raise Unprocessable(detail, errors=problems)


def _rule_conflict(error: deadlines.DeadlineRuleError) -> Conflict:
    return Conflict(error.message, extra={"allowed": [kind.value for kind in error.allowed]})


async def add_event(
    session: AsyncSession,
    caller: Caller,
    complaint_id: uuid.UUID,
    data: ComplaintEventCreate,
    *,
    expected_version: int | None,
    now: datetime | None = None,
) -> tuple[ComplaintRow, ComplaintEventRow]:
    """Append an event the engine accepts and store the re-derived deadline; returns complaint and event."""
    now = now or now_utc()
    row = await repository.lock_live(session, caller, complaint_id)
    if row is None:
        raise NotFound("No existe una queja con ese identificador.")
    ensure_may_write(caller, row)
    if expected_version is not None and expected_version != row.version:
        raise stale_version(expected_version, row.version)
    _check_event_fields(data)
    occurred_at = data.occurred_at or now
    if occurred_at > now + FUTURE_TOLERANCE:
        raise field_error("occurred_at", "El evento no puede ser futuro.")
    new_event = deadline_event(
        data.kind, occurred_at, {"new_due_date": data.new_due_date.isoformat() if data.new_due_date else None}
    )
    events = await repository.events_of(session, row.id)
    try:
        state = replay(row, events, now, [new_event])
    except deadlines.DeadlineRuleError as error:
        raise _rule_conflict(error) from None
    payload: dict[str, Any] = {
        "answer": data.answer.model_dump(mode="json") if data.answer else None,
        "new_due_date": data.new_due_date.isoformat() if data.new_due_date else None,
        "reason": data.reason,
        "to_organization_id": str(data.to_organization_id) if data.to_organization_id else None,
    }
    if data.kind is EventKind.TRASLADADO and data.to_organization_id is not None:
        linked = await _transfer(session, caller, row, data.to_organization_id, occurred_at, now)
        payload["transferred_complaint_id"] = str(linked.id)
    event = await repository.insert_event(
        session,
        {
            "complaint_id": row.id,
            "organization_id": row.organization_id,
            "kind": data.kind.value,
            "occurred_at": occurred_at,
            "note": data.note,
            "payload": {name: value for name, value in payload.items() if value is not None},
            "api_key_id": caller.api_key_id,
        },
    )
    updated = await repository.write_derived(session, row.id, derived_columns(state, row.filed_at))
    await audit.record(session, caller, "event", "complaint", row.id, row.organization_id)
    return updated, event


async def _transfer(
    session: AsyncSession,
    caller: Caller,
    row: ComplaintRow,
    to_organization_id: uuid.UUID,
    received_at: datetime,
    now: datetime,
) -> ComplaintRow:
    """The competent organisation gets a linked complaint whose term starts at its reception (Ley 1755 art. 21)."""
    if to_organization_id == row.organization_id:
        raise field_error("to_organization_id", "El traslado debe ser a otra organización.")
    receiver = await organizations_service.find_organization(session, to_organization_id)
    if receiver is None:
        raise field_error("to_organization_id", messages.NO_SUCH_ORGANIZATION)
    state = deadlines.compute_deadline(received_at, row.type, row.risk, row.minor, (), now=now)
    values: dict[str, Any] = {
        "organization_id": receiver.id,
        "entity_id": row.entity_id,
        "radicado": await generate_radicado(session, receiver, received_at),
        "filed_at": received_at,
        "type": row.type,
        "channel": row.channel,
        "risk": row.risk,
        "minor": row.minor,
        "municipality_code": row.municipality_code,
        "motive_code": row.motive_code,
        "text": row.text,
        "attachments": row.attachments,
        "transferred_from_id": row.id,
        **derived_columns(state, received_at),
    }
    linked = await records.insert_record(session, caller, complaints, values, resource="complaint")
    await people_service.copy_people_to(session, source_id=row.id, complaint_id=linked.id, organization_id=receiver.id)
    return linked
