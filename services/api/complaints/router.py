"""Endpoints of /v1/complaints (with intake in bulk), /v1/complaint-motives, /v1/deadlines and /v1/calendar."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import Depends, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from services.api.access import messages
from services.api.access.caller import Caller
from services.api.access.policies import AnyKey, ChecksEachItem, ReadsScope, Writes, all_roles_but
from services.api.batch import run_batch
from services.api.complaints import service
from services.api.complaints.schemas import (
    MAX_COMPLAINT_BATCH,
    ComplaintBatch,
    ComplaintCreate,
    ComplaintEventCreate,
    ComplaintUpdate,
)
from services.api.db import SessionDep, read_connection
from services.api.files.budget import parse_timeout_of
from services.api.files.uploads import (
    AcceptWarningsForm,
    DryRunForm,
    SheetForm,
    accepted_warnings_of,
    form_boolean,
    form_uuid,
    form_year,
    read_upload,
    report_response,
)
from services.api.pagination import PageQuery, parse_instant
from services.api.people import router as people_router
from services.api.routing import IMPORT_PROBLEMS, READ_PROBLEMS, WRITE_PROBLEMS, ExpectedVersion, record_response
from services.api.unit_of_work import api_router
from services.kit.errors import field_error
from services.kit.openapi import problem_responses
from services.kit.plain_text import plain_text_form
from services.kit.responses import JSON_MEDIA_TYPE, json_response, required_version, resource_json_response
from shared.contract import BatchResult, Page
from shared.contract.complaints import (
    BusinessDays,
    Complaint,
    ComplaintCounts,
    ComplaintEvent,
    ComplaintEvents,
    ComplaintMotives,
    ComplaintPeople,
    ComplaintStats,
    DeadlinePreview,
)
from shared.contract.imports import ImportReport
from shared.enums import Channel, ComplaintStatus, ComplaintType, MotiveLevel, Risk, Role, Timeliness
from shared.periods import BOGOTA

# Associations see aggregates of their institution, not rows, so they may not export; bi_readonly may, since
# nothing in the export is personal data. Who reads personal data is the people area's policy.
_EXPORTS = all_roles_but(Role.ASOCIACION, refusal=messages.ASSOCIATION_NO_EXPORT)
ExportsComplaints = Annotated[Caller, Depends(_EXPORTS)]

# Complaint ids only match UUIDs, so `/v1/complaints/counts` never reaches a complaint route; a path that
# is no complaint id answers 405 with the methods the path does serve.
complaints_router = api_router(
    prefix="/v1/complaints", tags=["complaints"], responses={**READ_PROBLEMS, **problem_responses(405)}
)
deadlines_router = api_router(prefix="/v1/deadlines", tags=["complaints"], responses=problem_responses(401, 422))
calendar_router = api_router(prefix="/v1/calendar", tags=["complaints"], responses=problem_responses(401, 422))
motives_router = api_router(prefix="/v1/complaint-motives", tags=["complaints"], responses=problem_responses(401, 422))

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


class _ComplaintListFilters(BaseModel):
    entity_id: uuid.UUID | None = None
    type: ComplaintType | None = None
    channel: Channel | None = None
    risk: Risk | None = None
    status: ComplaintStatus | None = None
    timeliness: Annotated[
        Timeliness | None, Field(description="Oportunidad calculada contra el instante actual, en SQL.")
    ] = None
    municipality_code: Annotated[str | None, Field(pattern=r"^[0-9]{5}$")] = None
    filed_from: Annotated[str | None, Field(max_length=40, description=_INSTANT_OR_DATE)] = None
    filed_to: Annotated[str | None, Field(max_length=40, description=_INSTANT_OR_DATE + " Inclusive.")] = None
    due_before: Annotated[
        str | None, Field(max_length=40, description="Vencimiento (`due_at`) anterior a este instante o fecha.")
    ] = None
    q: Annotated[str | None, Field(max_length=200, description="Búsqueda de texto completo en español.")] = None


class ComplaintListQuery(PageQuery, _ComplaintListFilters):
    """The list's query string, validated as one model: one pass per request instead of one per parameter.

    The filters first, then the page parameters: the documented order of the parameters is unchanged.
    """


@complaints_router.get("", response_model=Page[Complaint])
async def list_complaints(
    request: Request, caller: ReadsScope, query: Annotated[ComplaintListQuery, Query()]
) -> Response:
    """List the complaints the caller received, those against it, and those in a secretaría's scope."""
    params = query.page_params()
    filters = service.ComplaintFilters(
        entity_id=query.entity_id,
        type=query.type,
        channel=query.channel,
        risk=query.risk,
        status=query.status,
        timeliness=query.timeliness,
        municipality_code=query.municipality_code,
        filed_from=_bound("filed_from", query.filed_from, end_of_day=False),
        filed_before=_bound("filed_to", query.filed_to, end_of_day=True),
        due_before=_bound("due_before", query.due_before, end_of_day=False),
        q=query.q,
    )
    async with read_connection(request) as connection:
        records, cursor = await service.list_complaint_records(connection, caller, params, filters)
    return Response(service.records_page_json(records, cursor, service.now_utc()), media_type=JSON_MEDIA_TYPE)


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
    caller: ReadsScope,
    session: SessionDep,
    filters: AggregateFiltersDep,
    group_by: Annotated[str | None, _GROUP_BY] = None,
) -> Response:
    """Live complaints the caller can read, counted per group in PostgreSQL; months are Bogotá months of filing."""
    keys = service.parse_group_by(group_by)
    return _compact(await service.count_complaints(session, caller, keys, filters))


@complaints_router.get("/stats", response_model=ComplaintStats, response_model_exclude_unset=True)
async def complaint_stats(
    caller: ReadsScope,
    session: SessionDep,
    filters: AggregateFiltersDep,
    group_by: Annotated[str | None, _GROUP_BY] = None,
    as_of: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Corte de los datos (por defecto, ahora): respuestas posteriores no cuentan y el "
            "vencimiento se mide contra él. " + _INSTANT_OR_DATE + " Una fecha es el final de ese día.",
        ),
    ] = None,
    include: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Cifras adicionales, separadas por comas: `median_response_hours` (la mediana de horas "
            "necesita el valor de cada respuesta, así que se calcula sobre las quejas y no sobre el consolidado "
            "mensual: más lenta sobre muchos datos).",
        ),
    ] = None,
) -> Response:
    """Per group: answered in and out of term, overdue backlog and response times (mean, median) at a cut-off.

    Over whole Bogotá months grouped by `month`, `entity`, `type` or `risk` (the usual consolidation), the
    figures come from the monthly rollup PostgreSQL keeps current; other questions read the complaints. The
    figures are the same either way.
    """
    keys = service.parse_group_by(group_by)
    cut_off = _bound("as_of", as_of, end_of_day=True)
    extras = service.parse_stats_include(include)
    return _compact(await service.complaint_stats(session, caller, keys, filters, as_of=cut_off, include=extras))


_EXPORT_CONTENT = {
    "application/vnd.apache.arrow.stream": {"schema": {"type": "string", "format": "binary"}},
    "text/csv": {"schema": {"type": "string"}},
}


@complaints_router.get("/export", response_class=StreamingResponse, responses={200: {"content": _EXPORT_CONTENT}})
async def export_complaints(
    request: Request,
    caller: ExportsComplaints,
    session: SessionDep,
    filters: AggregateFiltersDep,
    format: Annotated[
        service.ExportFormat, Query(description="`arrow` (flujo Arrow IPC) o `csv` (UTF-8 con encabezado).")
    ] = service.ExportFormat.ARROW,
) -> StreamingResponse:
    """Stream the caller's live complaints without personal data (no text), as Arrow IPC or CSV."""
    exported = await service.export_complaints(session, caller, request.app.state.engine, format, filters)
    return StreamingResponse(
        exported.body,
        media_type=exported.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{exported.filename}"',
            "Cache-Control": "no-store",
        },
    )


@complaints_router.post("", status_code=201, response_model=Complaint, responses=WRITE_PROBLEMS)
async def create_complaint(request: Request, caller: Writes, session: SessionDep, body: ComplaintCreate) -> Response:
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
async def get_complaint(request: Request, caller: ReadsScope, complaint_id: uuid.UUID) -> Response:
    """Read one complaint with its deadline, timeliness and time left; never personal data."""
    # The hottest read: one statement on a pooled connection, held only for it; JSON straight from the row.
    async with read_connection(request) as connection:
        record = await service.read_complaint(connection, caller, complaint_id)
    return resource_json_response(request, service.complaint_json(record, service.now_utc()), record["version"])


@complaints_router.patch("/{complaint_id:uuid}", response_model=Complaint, responses=WRITE_PROBLEMS)
async def update_complaint(
    request: Request,
    caller: Writes,
    session: SessionDep,
    complaint_id: uuid.UUID,
    body: ComplaintUpdate,
    version: ExpectedVersion,
) -> Response:
    """Correct the text, motive, municipality or attachments; the deadline changes only by events. Needs If-Match."""
    row = await service.update_complaint(session, caller, complaint_id, body, version)
    return record_response(request, Complaint, service.to_contract(row, service.now_utc()))


@complaints_router.get("/{complaint_id:uuid}/events", response_model=ComplaintEvents)
async def list_complaint_events(caller: ReadsScope, session: SessionDep, complaint_id: uuid.UUID) -> Response:
    """The complaint's event log in log order: the source of its status and deadline."""
    rows = await service.list_events(session, caller, complaint_id)
    return json_response(ComplaintEvents(items=[service.event_contract(row) for row in rows]))


@complaints_router.post(
    "/{complaint_id:uuid}/events", status_code=201, response_model=ComplaintEvent, responses=WRITE_PROBLEMS
)
async def create_complaint_event(
    request: Request,
    caller: Writes,
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
async def get_complaint_person(
    caller: people_router.ReadsPersonalData, session: SessionDep, complaint_id: uuid.UUID
) -> Response:
    """Personal data of the petitioner and the affected person; only roles that need them, and every read is logged."""
    return people_router.people_response(await service.read_people(session, caller, complaint_id))


@deadlines_router.get("/preview", response_model=DeadlinePreview)
async def preview_deadline(
    caller: AnyKey,
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
    caller: AnyKey,
    start: Annotated[date, Query(alias="from", description="Primer día (inclusive).")],
    end: Annotated[date, Query(alias="to", description="Último día (inclusive).")],
) -> Response:
    """Business days between two dates, both included, and the national holidays in between."""
    return json_response(service.business_days(start, end))


@complaints_router.post(":batch", status_code=207, response_model=BatchResult, responses=WRITE_PROBLEMS)
async def create_complaints_batch(
    request: Request, caller: ChecksEachItem, session: SessionDep, body: ComplaintBatch
) -> Response:
    """File up to 1,000 complaints; each is applied or rejected on its own (207, one result per item)."""

    async def create(item: ComplaintCreate) -> uuid.UUID:
        return (await service.create_complaint(session, caller, item)).id

    async def lock_receivers(items: Sequence[ComplaintCreate]) -> None:
        await service.lock_batch_receivers(session, caller, items)

    result = await run_batch(
        request, session, body.items, ComplaintCreate, create, max_items=MAX_COMPLAINT_BATCH, prepare=lock_receivers
    )
    return json_response(result, status_code=207)


@complaints_router.post(
    ":import",
    response_model=ImportReport,
    responses=IMPORT_PROBLEMS,
    dependencies=[Depends(plain_text_form)],
)
async def import_complaints(
    request: Request,
    caller: Writes,
    session: SessionDep,
    file: Annotated[
        UploadFile,
        File(description="CSV/TSV o XLSX: plantilla de Participa o columnas de datos abiertos de Supersalud."),
    ],
    organization_id: Annotated[
        str | None, Form(description="Organización receptora; por defecto la de la clave.")
    ] = None,
    year: Annotated[
        str | None, Form(description="Año de las filas que solo traen el mes (sin columna de año).")
    ] = None,
    dry_run: DryRunForm = None,
    accept_warnings: AcceptWarningsForm = None,
    sheet: SheetForm = None,
) -> Response:
    """Import complaints from a file (dry run by default): all or nothing, every problem with row and column."""
    data, size, sha256 = await read_upload(file)
    accepted = accepted_warnings_of(accept_warnings)
    row = await service.import_complaints_file(
        session,
        caller,
        data=data,
        file_name=file.filename or "archivo",
        organization_id=form_uuid("organization_id", organization_id),
        year=form_year(year),
        dry_run=form_boolean("dry_run", dry_run, True),
        accepted_warnings=accepted,
        sheet=sheet,
        size_bytes=size,
        sha256=sha256,
        parse_timeout_s=parse_timeout_of(request),
    )
    return report_response(request, row, accepted)


@motives_router.get("", response_model=ComplaintMotives)
async def list_complaint_motives(
    caller: AnyKey,
    session: SessionDep,
    valid_on: Annotated[
        str | None,
        Query(
            pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            description="Solo los motivos vigentes para una radicación de ese día (`AAAA-MM-DD`).",
        ),
    ] = None,
    level: MotiveLevel | None = None,
) -> Response:
    """The Supersalud motive catalogue with our codes, optionally only what is valid on a filing date."""
    # A plain `date` would also take Unix timestamps ("0" is 1970-01-01); the catalogue wants a calendar day.
    day = _calendar_day("valid_on", valid_on)
    return json_response(await service.list_motives(session, valid_on=day, level=level))


def _calendar_day(field: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise field_error(field, "Debe ser una fecha válida `AAAA-MM-DD`.") from None
