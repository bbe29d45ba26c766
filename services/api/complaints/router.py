"""Endpoints of /v1/complaints, /v1/deadlines and /v1/calendar."""

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from services.api.auth.dependencies import CallerDep
from services.api.complaints import service
from services.api.complaints.schemas import ComplaintCreate, ComplaintEventCreate, ComplaintUpdate
from services.api.db import SessionDep
from services.api.pagination import PageParamsDep, parse_instant
from services.api.routing import READ_PROBLEMS, WRITE_PROBLEMS, ExpectedVersion, record_response
from services.kit.errors import field_error
from services.kit.openapi import problem_responses
from services.kit.responses import JSON_MEDIA_TYPE, json_response, required_version
from shared.contract import Page
from shared.contract.complaints import (
    BusinessDays,
    Complaint,
    ComplaintCounts,
    ComplaintEvent,
    ComplaintEvents,
    ComplaintPeople,
    ComplaintStats,
    DeadlinePreview,
)
from shared.enums import Channel, ComplaintStatus, ComplaintType, Risk, Timeliness
from shared.periods import BOGOTA

# Complaint ids only match UUIDs, so `/v1/complaints/counts` never reaches a complaint route; a path that
# is no complaint id answers 405 with the methods the path does serve.
complaints_router = APIRouter(
    prefix="/v1/complaints", tags=["complaints"], responses={**READ_PROBLEMS, **problem_responses(405)}
)
deadlines_router = APIRouter(prefix="/v1/deadlines", tags=["complaints"], responses=problem_responses(401, 422))
calendar_router = APIRouter(prefix="/v1/calendar", tags=["complaints"], responses=problem_responses(401, 422))

_INSTANT_OR_DATE = (
    "Fecha `AAAA-MM-DD` (día completo en Bogotá) o instante RFC 3339 con zona (`2026-02-01T00:00:00-05:00`)."
)
InstantOrDate = Annotated[str | None, Query(max_length=40, description=_INSTANT_OR_DATE)]


def _bound(field: str, text: str | None, *, end_of_day: bool) -> datetime | None:
    """A date means its whole Bogotá day: from its start, or up to the start of the next day (exclusive)."""
    if text is None:
        return None
    if "T" not in text.upper():
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise field_error(field, _INSTANT_OR_DATE) from None
        start = datetime.combine(day + timedelta(days=1) if end_of_day else day, time.min, tzinfo=BOGOTA)
        return start
    instant = parse_instant(field, text)
    return instant + timedelta(microseconds=1) if end_of_day else instant


@complaints_router.get("", response_model=Page[Complaint])
async def list_complaints(
    caller: CallerDep,
    session: SessionDep,
    params: PageParamsDep,
    entity_id: uuid.UUID | None = None,
    type: ComplaintType | None = None,
    channel: Channel | None = None,
    risk: Risk | None = None,
    status: ComplaintStatus | None = None,
    timeliness: Annotated[
        Timeliness | None, Query(description="Oportunidad calculada contra el instante actual, en SQL.")
    ] = None,
    municipality_code: Annotated[str | None, Query(pattern=r"^[0-9]{5}$")] = None,
    filed_from: InstantOrDate = None,
    filed_to: Annotated[str | None, Query(max_length=40, description=_INSTANT_OR_DATE + " Inclusive.")] = None,
    due_before: Annotated[
        str | None, Query(max_length=40, description="Vencimiento (`due_at`) anterior a este instante o fecha.")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Búsqueda de texto completo en español.")] = None,
) -> Response:
    """List the complaints the caller received, those against it, and those in a secretaría's scope."""
    filters = service.ComplaintFilters(
        entity_id=entity_id,
        type=type,
        channel=channel,
        risk=risk,
        status=status,
        timeliness=timeliness,
        municipality_code=municipality_code,
        filed_from=_bound("filed_from", filed_from, end_of_day=False),
        filed_before=_bound("filed_to", filed_to, end_of_day=True),
        due_before=_bound("due_before", due_before, end_of_day=False),
        q=q,
    )
    rows, cursor = await service.list_complaints(session, caller, params, filters)
    now = service.now_utc()
    return json_response(Page[Complaint](items=[service.to_contract(row, now) for row in rows], next_cursor=cursor))


_GROUP_BY = Query(
    max_length=200,
    description="Claves de agrupación separadas por comas: "
    "`month`, `entity`, `type`, `channel`, `risk`, `motive`, `municipality`, `status`, `timeliness`.",
)


def _aggregate_filters(
    entity_id: uuid.UUID | None = None,
    type: ComplaintType | None = None,
    channel: Channel | None = None,
    risk: Risk | None = None,
    filed_from: InstantOrDate = None,
    filed_to: Annotated[str | None, Query(max_length=40, description=_INSTANT_OR_DATE + " Inclusive.")] = None,
) -> service.AggregateFilters:
    return service.AggregateFilters(
        entity_id=entity_id,
        type=type,
        channel=channel,
        risk=risk,
        filed_from=_bound("filed_from", filed_from, end_of_day=False),
        filed_before=_bound("filed_to", filed_to, end_of_day=True),
    )


AggregateFiltersDep = Annotated[service.AggregateFilters, Depends(_aggregate_filters)]


def _compact(model: BaseModel) -> Response:
    """Only the group keys asked for appear in each item."""
    return Response(model.model_dump_json(exclude_unset=True), media_type=JSON_MEDIA_TYPE)


@complaints_router.get("/counts", response_model=ComplaintCounts, response_model_exclude_unset=True)
async def count_complaints(
    caller: CallerDep,
    session: SessionDep,
    filters: AggregateFiltersDep,
    group_by: Annotated[str | None, _GROUP_BY] = None,
) -> Response:
    """Live complaints the caller can read, counted per group in PostgreSQL; months are Bogotá months of filing."""
    keys = service.parse_group_by(group_by)
    return _compact(await service.count_complaints(session, caller, keys, filters))


@complaints_router.get("/stats", response_model=ComplaintStats, response_model_exclude_unset=True)
async def complaint_stats(
    caller: CallerDep,
    session: SessionDep,
    filters: AggregateFiltersDep,
    group_by: Annotated[str | None, _GROUP_BY] = None,
) -> Response:
    """Per group: answered in and out of term, overdue backlog (against now) and response hours (mean, median)."""
    keys = service.parse_group_by(group_by)
    return _compact(await service.complaint_stats(session, caller, keys, filters))


@complaints_router.post("", status_code=201, response_model=Complaint, responses=WRITE_PROBLEMS)
async def create_complaint(request: Request, caller: CallerDep, session: SessionDep, body: ComplaintCreate) -> Response:
    """File a complaint; the radicado is generated when missing and the legal deadline is derived."""
    row = await service.create_complaint(session, caller, body)
    return record_response(
        request,
        Complaint,
        service.to_contract(row, service.now_utc()),
        status_code=201,
        location_route="get_complaint",
        complaint_id=row.id,
    )


@complaints_router.get("/{complaint_id:uuid}", response_model=Complaint, responses=problem_responses(304))
async def get_complaint(request: Request, caller: CallerDep, session: SessionDep, complaint_id: uuid.UUID) -> Response:
    """Read one complaint with its deadline, timeliness and time left; never personal data."""
    row = await service.get_complaint(session, caller, complaint_id)
    return record_response(request, Complaint, service.to_contract(row, service.now_utc()))


@complaints_router.patch("/{complaint_id:uuid}", response_model=Complaint, responses=WRITE_PROBLEMS)
async def update_complaint(
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    complaint_id: uuid.UUID,
    body: ComplaintUpdate,
    version: ExpectedVersion,
) -> Response:
    """Correct the text, motive, municipality or attachments; the deadline changes only by events. Needs If-Match."""
    row = await service.update_complaint(session, caller, complaint_id, body, version)
    return record_response(request, Complaint, service.to_contract(row, service.now_utc()))


@complaints_router.get("/{complaint_id:uuid}/events", response_model=ComplaintEvents)
async def list_complaint_events(caller: CallerDep, session: SessionDep, complaint_id: uuid.UUID) -> Response:
    """The complaint's event log in log order: the source of its status and deadline."""
    rows = await service.list_events(session, caller, complaint_id)
    return json_response(ComplaintEvents(items=[service.event_contract(row) for row in rows]))


@complaints_router.post(
    "/{complaint_id:uuid}/events", status_code=201, response_model=ComplaintEvent, responses=WRITE_PROBLEMS
)
async def create_complaint_event(
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    complaint_id: uuid.UUID,
    body: ComplaintEventCreate,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            max_length=100,
            description="Opcional: ETag de la queja; si se envía y ya no es el vigente, 412.",
        ),
    ] = None,
) -> Response:
    """Append an event; the engine checks the transition (409 with `allowed`) and re-derives the deadline.

    Events are appends validated against the whole log under the complaint's row lock, so they cannot
    overwrite each other and do not need If-Match; a client that sends it gets the 412 check. The
    complaint's new ETag comes back in the `ETag` header.
    """
    expected = required_version(request) if if_match else None
    row, event = await service.add_event(session, caller, complaint_id, body, expected_version=expected)
    location = str(request.url_for("list_complaint_events", complaint_id=row.id))
    return json_response(
        service.event_contract(event),
        status_code=201,
        headers={"Location": location, "ETag": f'"{row.version}"'},
    )


@complaints_router.get("/{complaint_id:uuid}/person", response_model=ComplaintPeople)
async def get_complaint_person(caller: CallerDep, session: SessionDep, complaint_id: uuid.UUID) -> Response:
    """Personal data of the petitioner and the affected person; only roles that need them, and every read is logged."""
    people = await service.read_people(session, caller, complaint_id)
    return json_response(people, headers={"Cache-Control": "no-store"})


@deadlines_router.get("/preview", response_model=DeadlinePreview)
async def preview_deadline(
    caller: CallerDep,
    filed_at: Annotated[str, Query(max_length=40, description="Instante de radicación RFC 3339 con zona.")],
    type: ComplaintType,
    risk: Risk | None = None,
    minor: bool = False,
) -> Response:
    """The deadline a complaint filed at `filed_at` would get, for portals to show before filing."""
    preview = service.preview_deadline(parse_instant("filed_at", filed_at), type, risk, minor)
    return json_response(preview)


@calendar_router.get("/business-days", response_model=BusinessDays)
async def count_business_days(
    caller: CallerDep,
    start: Annotated[date, Query(alias="from", description="Primer día (inclusive).")],
    end: Annotated[date, Query(alias="to", description="Último día (inclusive).")],
) -> Response:
    """Business days between two dates, both included, and the national holidays in between."""
    return json_response(service.business_days(start, end))
