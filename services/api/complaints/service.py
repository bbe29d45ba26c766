"""Rules of complaints: filing, scope, the event log replayed by the deadline engine, personal data access.

The event log is the source of truth. Every accepted event is validated by replaying the whole log with
`shared.deadlines.compute_deadline` (under the complaint's row lock, so two appends cannot both pass
against the same state), and the derived columns are stored from the resulting state.
"""

import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.api import audit, records
from services.api.access import messages
from services.api.access.caller import Caller
from services.api.complaints import export, repository
from services.api.complaints.repository import complaints
from services.api.complaints.schemas import ComplaintCreate, ComplaintEventCreate, ComplaintUpdate, PersonIn
from services.api.db import DriverConnection
from services.api.models import ComplaintEventRow, ComplaintPersonRow, ComplaintRow, OrganizationRow
from services.api.models.complaint import NO_DUE_AT
from services.api.organizations import service as organizations_service
from services.api.pagination import PageParams
from services.kit.errors import Conflict, NotFound, Unprocessable, field_error
from services.kit.responses import json_bytes, stale_version
from shared import calendar, deadlines
from shared.contract import ProblemFieldError
from shared.contract.complaints import (
    COMPLAINT_GROUP_KEYS,
    COMPLAINT_STATS_INCLUDES,
    BusinessDays,
    CalendarHoliday,
    Complaint,
    ComplaintAttachment,
    ComplaintCounts,
    ComplaintEvent,
    ComplaintMotive,
    ComplaintMotives,
    ComplaintPeople,
    ComplaintPerson,
    ComplaintStats,
    ComplaintTerm,
    DeadlinePreview,
)
from shared.enums import (
    Clock,
    ComplaintStatus,
    ComplaintType,
    DatePrecision,
    EventKind,
    MotiveLevel,
    Risk,
    Role,
    TermUnit,
    Timeliness,
)
from shared.periods import BOGOTA, bogota_date

logger = logging.getLogger("participa.api.complaints")

# Clock skew tolerated between a client and the server for "now" (filings and events cannot be future).
FUTURE_TOLERANCE = timedelta(minutes=5)
# Longest range the business-days endpoint counts over (ten years).
MAX_CALENDAR_SPAN = timedelta(days=3660)
PERSON_ROUTE = "GET /v1/complaints/{complaint_id}/person"

_PERSON_ROLES = {"person": "petitioner", "affected_person": "affected"}
_NIT_DIGITS = re.compile(r"[0-9]+")


def now_utc() -> datetime:
    return datetime.now(UTC)


# --- derived columns --------------------------------------------------------------------------------------


def response_business_days(filed_at: datetime, answered_at: datetime | None) -> int | None:
    """Business days from filing to answer, day 1 being the first business day after the filing date.

    An answer on the filing day, or before the first business day after it, took 0 business days.
    """
    if answered_at is None:
        return None
    return calendar.business_days_between(bogota_date(filed_at) + timedelta(days=1), answered_at)


def derived_columns(state: deadlines.DeadlineState, filed_at: datetime) -> dict[str, Any]:
    """The stored columns of a derived deadline state of a complaint filed at `filed_at`."""
    term = state.term
    return {
        "status": state.status.value,
        "clock": state.clock.value,
        "due_at": state.due_at,
        "due_date": state.due_date,
        "due_sort_at": state.due_at or NO_DUE_AT,
        "answered_at": state.answered_at,
        "term_unit": term.unit.value if term else None,
        "term_length": term.length if term else None,
        "term_basis": term.basis if term else None,
        "term_rule_id": term.rule_id if term else None,
        "extended": state.extended,
        "information_due_date": state.information_due_date,
        "flags": list(state.flags),
        "response_business_days": response_business_days(filed_at, state.answered_at),
    }


def _deadline_event(kind: str, occurred_at: datetime, payload: dict[str, Any]) -> deadlines.DeadlineEvent:
    new_due_date = payload.get("new_due_date")
    return deadlines.DeadlineEvent(
        kind=EventKind(kind),
        occurred_at=occurred_at,
        new_due_date=date.fromisoformat(new_due_date) if new_due_date else None,
    )


def replay(
    row: ComplaintRow, events: Sequence[ComplaintEventRow], now: datetime, extra: Sequence[deadlines.DeadlineEvent] = ()
) -> deadlines.DeadlineState:
    """Run the engine over a complaint's log (plus `extra` events not stored yet)."""
    logged = [_deadline_event(event.kind, event.occurred_at, event.payload) for event in events]
    return deadlines.compute_deadline(
        row.filed_at,
        row.type,
        row.risk,
        row.minor,
        [*logged, *extra],
        now=max(now, row.filed_at),
        precision=row.date_precision,
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


_NO_TERM_RUNNING = frozenset({ComplaintStatus.TRASLADADO.value, ComplaintStatus.DESISTIDO.value})
_RUNNING = Clock.RUNNING.value


def clock_values(columns: Columns, now: datetime) -> tuple[str | None, int | None]:
    """`deadlines.timeliness` and `deadlines.time_left` (in seconds) of the stored state at `now`.

    Read straight from the columns, without building the state: lists read it for every row, and a test
    holds it equal to the deadline engine's answer in every state.
    """
    due_at = columns["due_at"]
    left = int((due_at - now).total_seconds()) if due_at is not None and columns["clock"] == _RUNNING else None
    answered_at = columns["answered_at"]
    if columns["term_unit"] is None:
        return None, left
    if answered_at is not None:
        return (Timeliness.EN_TERMINO if answered_at <= due_at else Timeliness.FUERA_DE_TERMINO).value, left
    if columns["status"] in _NO_TERM_RUNNING:
        return None, left
    if due_at is not None and now > due_at:
        return Timeliness.VENCIDA_SIN_RESPUESTA.value, left
    return Timeliness.EN_TRAMITE_VIGENTE.value, left


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


def _ensure_may_write(caller: Caller, row: ComplaintRow) -> None:
    """Only the receiving organisation (or admin) handles a complaint; the one complained about only reads it."""
    caller.ensure_owner(row.organization_id, messages.RECEIVER_HANDLES_COMPLAINT)


async def get_complaint(session: AsyncSession, caller: Caller, complaint_id: uuid.UUID) -> ComplaintRow:
    row = await complaints.get_live(session, caller, complaint_id)
    if row is None:
        raise NotFound("No existe una queja con ese identificador.")
    return row


async def read_complaint(connection: DriverConnection, caller: Caller, complaint_id: uuid.UUID) -> asyncpg.Record:
    """`get_complaint` for the hot read path: the stored columns on the driver connection, no ORM."""
    record = await complaints.fetch_live(connection, caller, complaint_id)
    if record is None:
        raise NotFound("No existe una queja con ese identificador.")
    return record


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


# --- counts and statistics -------------------------------------------------------------------------------


def parse_group_by(text: str | None) -> list[str]:
    """The item keys of a comma-separated `group_by`, in the order asked; 422 naming `group_by` otherwise."""
    keys: list[str] = []
    for name in (part.strip() for part in (text or "").split(",")):
        if not name:
            continue
        key = COMPLAINT_GROUP_KEYS.get(name)
        if key is None:
            raise field_error(
                "group_by",
                f"No se puede agrupar por {name!r}; use una lista separada por comas de: "
                f"{', '.join(COMPLAINT_GROUP_KEYS)}.",
            )
        if key not in keys:
            keys.append(key)
    return keys


@dataclass(frozen=True)
class AggregateFilters:
    entity_id: uuid.UUID | None = None
    type: ComplaintType | None = None
    channel: str | None = None
    risk: Risk | None = None
    filed_from: datetime | None = None
    filed_before: datetime | None = None


async def _aggregate(
    session: AsyncSession, caller: Caller, group_by: Sequence[str], filters: AggregateFilters, measures: Any
) -> list[dict[str, Any]]:
    return await repository.aggregate(
        session,
        caller,
        group_by=group_by,
        measures=measures,
        equals={"entity_id": filters.entity_id, "type": filters.type, "channel": filters.channel, "risk": filters.risk},
        filed_from=filters.filed_from,
        filed_before=filters.filed_before,
    )


# What `complaint_monthly_counts` holds: counts over these keys and filters come from it.
ROLLUP_KEYS = frozenset({"month", "entity_id", "type", "risk"})


def _month_start(instant: datetime) -> date | None:
    """The Bogotá month `instant` starts, or None when it is not the first instant of a Bogotá month."""
    local = instant.astimezone(BOGOTA)
    if local.day != 1 or local.time() != datetime.min.time():
        return None
    return local.date()


def _rollup_months(filters: AggregateFilters) -> tuple[date | None, date | None] | None:
    """The filing range as whole Bogotá months `[from, before)` (None: unbounded), or None when it is not."""
    month_from = _month_start(filters.filed_from) if filters.filed_from is not None else None
    month_before = _month_start(filters.filed_before) if filters.filed_before is not None else None
    if (filters.filed_from is not None and month_from is None) or (
        filters.filed_before is not None and month_before is None
    ):
        return None
    return month_from, month_before


def _rollup_question(group_by: Sequence[str], filters: AggregateFilters) -> repository.RollupQuestion | None:
    """The aggregate as the rollup tables hold it, or None when it does not fit them (other keys, a channel
    filter, a range that is not whole Bogotá months)."""
    months = _rollup_months(filters)
    if months is None or not set(group_by) <= ROLLUP_KEYS or filters.channel is not None:
        return None
    equals = {"entity_id": filters.entity_id, "type": filters.type, "risk": filters.risk}
    return repository.RollupQuestion(group_by, equals, *months)


async def count_complaints(
    session: AsyncSession, caller: Caller, group_by: Sequence[str], filters: AggregateFilters
) -> ComplaintCounts:
    """From the monthly rollup when the question fits it (its keys, whole Bogotá months), else the table."""
    question = _rollup_question(group_by, filters)
    if question is not None:
        rows = await repository.count_from_rollup(session, caller, question)
    else:
        rows = await _aggregate(session, caller, group_by, filters, repository.count_measures())
    # One validation of the whole answer: per-row `model_validate` calls cost more than the rollup query.
    return ComplaintCounts.model_validate({"items": rows})


def parse_stats_include(text: str | None) -> frozenset[str]:
    """The extras of a comma-separated `include`; 422 naming `include` otherwise."""
    names = frozenset(part.strip() for part in (text or "").split(",") if part.strip())
    unknown = sorted(names - set(COMPLAINT_STATS_INCLUDES))
    if unknown:
        raise field_error(
            "include", f"No se puede incluir {unknown[0]!r}; valores posibles: {', '.join(COMPLAINT_STATS_INCLUDES)}."
        )
    return names


async def complaint_stats(
    session: AsyncSession,
    caller: Caller,
    group_by: Sequence[str],
    filters: AggregateFilters,
    *,
    as_of: datetime | None = None,
    include: frozenset[str] = frozenset(),
) -> ComplaintStats:
    """From the monthly rollup when the question fits it, else one GROUP BY over the table.

    The rollup answers when the keys and filters are its own, the range is whole Bogotá months, no answer in
    it came after the cut-off, and the median of hours (which needs every answer) is not asked for. The
    figures are the same either way (tested against the table over random writes).
    """
    rows = None
    if not include:
        rows = await _stats_from_rollup(session, caller, group_by, filters, as_of or now_utc())
    if rows is None:
        measures = repository.stats_measures(as_of, median_hours="median_response_hours" in include)
        rows = await _aggregate(session, caller, group_by, filters, measures)
    return ComplaintStats.model_validate({"items": rows})


async def _stats_from_rollup(
    session: AsyncSession, caller: Caller, group_by: Sequence[str], filters: AggregateFilters, cut_off: datetime
) -> list[dict[str, Any]] | None:
    """The stats from the rollup, its histogram and the index of unanswered complaints, or None when the
    question does not fit them."""
    question = _rollup_question(group_by, filters)
    if question is None:
        return None
    rows = await repository.stats_from_rollup(session, caller, question)
    # An answer after the cut-off was not there yet at the cut-off: only the table knows the earlier state.
    if any(row["last_answered_at"] is not None and row["last_answered_at"] > cut_off for row in rows):
        return None
    medians = await repository.median_days_from_rollup(session, caller, question)
    overdue = await repository.overdue_unanswered(
        session,
        caller,
        group_by=group_by,
        equals=question.equals,
        filed_from=filters.filed_from,
        filed_before=filters.filed_before,
        cut_off=cut_off,
    )
    return _merge_rollup_stats(rows, medians, overdue, group_by)


def _merge_rollup_stats(
    rows: Sequence[Mapping[str, Any]],
    medians: Sequence[Mapping[str, Any]],
    overdue: Sequence[Mapping[str, Any]],
    group_by: Sequence[str],
) -> list[dict[str, Any]]:
    """The rollup's groups (in their order) with each group's median business days and overdue count."""

    def key(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row[name] for name in group_by)

    median_of = {key(row): row["median_response_business_days"] for row in medians}
    overdue_of = {key(row): row["overdue_unanswered"] for row in overdue}
    merged: list[dict[str, Any]] = []
    for row in rows:
        figures = {name: value for name, value in row.items() if name != "last_answered_at"}
        figures["median_response_business_days"] = median_of.get(key(row))
        figures["overdue_unanswered"] = overdue_of.get(key(row), 0)
        merged.append(figures)
    return merged


# --- bulk export ------------------------------------------------------------------------------------------


class ExportFormat(StrEnum):
    ARROW = "arrow"
    CSV = "csv"


@dataclass(frozen=True)
class ComplaintExport:
    """What the router streams: the body, its media type and the file name of `Content-Disposition`."""

    body: Iterator[bytes] | AsyncIterator[bytes]
    media_type: str
    filename: str


async def export_complaints(
    session: AsyncSession, caller: Caller, engine: AsyncEngine, format: ExportFormat, filters: AggregateFilters
) -> ComplaintExport:
    """The caller's live complaints without personal data, as a stream; the export itself is audited.

    The route lets every role but asociacion call this (associations read aggregates, not rows).
    """
    sql = repository.export_sql(
        caller,
        equals={"entity_id": filters.entity_id, "type": filters.type, "channel": filters.channel, "risk": filters.risk},
        filed_from=filters.filed_from,
        filed_before=filters.filed_before,
    )
    await audit.record(session, caller, "export", "complaints", None, caller.organization_id)
    stamp = now_utc().astimezone(BOGOTA).strftime("%Y%m%dT%H%M")
    if format is ExportFormat.ARROW:
        return ComplaintExport(
            body=await export.started(export.arrow_stream(export.libpq_url(engine), sql)),
            media_type=export.ARROW_MEDIA_TYPE,
            filename=f"quejas-{stamp}.arrows",
        )
    return ComplaintExport(
        body=await export.started_async(export.csv_stream(engine, sql)),
        media_type=export.CSV_MEDIA_TYPE,
        filename=f"quejas-{stamp}.csv",
    )


# --- filing -----------------------------------------------------------------------------------------------


def radicado_prefix(organization: OrganizationRow) -> str:
    """The NIT without its check digit, else the REPS code, else a short code from the organisation's id."""
    if organization.nit:
        digits = _NIT_DIGITS.findall(organization.nit.split("-")[0])
        if digits:
            return "".join(digits)
    if organization.reps_code:
        return organization.reps_code
    return organization.id.hex[:8].upper()


async def generate_radicado(session: AsyncSession, organization: OrganizationRow, filed_at: datetime) -> str:
    """`<prefix>-<year>-<seq>`, the sequence per organisation and (Bogotá) filing year, skipping taken ones."""
    year = filed_at.astimezone(BOGOTA).year
    prefix = radicado_prefix(organization)
    while True:
        number = await repository.next_sequence(session, organization.id, year)
        radicado = f"{prefix}-{year}-{number:06d}"
        if not await repository.radicado_taken(session, organization.id, radicado):
            return radicado


async def _receiving_organization(
    session: AsyncSession, caller: Caller, requested: uuid.UUID | None
) -> OrganizationRow:
    # Also reached per item of a batch, whose route lets every key in: each item is refused on its own.
    caller.ensure_owner(requested or caller.organization_id, messages.FILES_FOR_OWN_ORGANIZATION)
    if caller.is_admin:
        if requested is None:
            raise field_error("organization_id", "Una clave admin debe indicar la organización receptora.")
        organization = await organizations_service.find_organization(session, requested)
        if organization is None:
            raise field_error("organization_id", messages.NO_SUCH_ORGANIZATION)
        return organization
    assert caller.organization_id is not None
    organization = await organizations_service.find_organization(session, caller.organization_id)
    if organization is None:
        raise NotFound(messages.KEY_ORGANIZATION_GONE)
    return organization


def _check_filing(filed_at: datetime, type: ComplaintType, risk: Risk | None, now: datetime) -> None:
    problems: list[ProblemFieldError] = []
    if risk is not None and type is not ComplaintType.RECLAMO:
        problems.append(
            ProblemFieldError(field="risk", message="La clasificación de riesgo solo se admite en un reclamo.")
        )
    if filed_at > now + FUTURE_TOLERANCE:
        problems.append(ProblemFieldError(field="filed_at", message="La radicación no puede ser futura."))
    if problems:
        detail = problems[0].message if len(problems) == 1 else f"La queja tiene {len(problems)} errores."
        raise Unprocessable(detail, errors=problems)


def _compute_or_422(compute: Any, field: str) -> deadlines.DeadlineState:
    try:
        state: deadlines.DeadlineState = compute()
    except ValueError as error:
        raise field_error(field, str(error)) from None
    return state


def _person_rows(complaint: ComplaintRow, people: dict[str, PersonIn | None]) -> list[dict[str, Any]]:
    return [
        {
            "id": uuid.uuid4(),
            "complaint_id": complaint.id,
            "organization_id": complaint.organization_id,
            "role": _PERSON_ROLES[name],
            **person.model_dump(mode="json", exclude={"birth_date"}),
            "birth_date": person.birth_date,
        }
        for name, person in people.items()
        if person is not None
    ]


def filing_instant(filed_at: datetime, precision: DatePrecision) -> datetime:
    """The stored `filed_at`: a month-precision filing is the first instant of its Bogotá month."""
    return deadlines.month_start(filed_at) if precision is DatePrecision.MONTH else filed_at


MOTIVES_HINT = "Consulte los códigos vigentes en GET /v1/complaint-motives?valid_on=AAAA-MM-DD (fecha de radicación)."


def motive_problem(code: str, filed_on: date) -> str:
    return f"El motivo «{code}» no está en el catálogo de Supersalud vigente el {filed_on.isoformat()}. {MOTIVES_HINT}"


async def check_motive(session: AsyncSession, code: str | None, filed_at: datetime) -> None:
    """A motive code must be in the catalogue valid on the (Bogotá) filing date; 422 naming `motive_code`."""
    if code is None:
        return
    filed_on = bogota_date(filed_at)
    if not await repository.motive_valid_on(session, code, filed_on):
        raise field_error("motive_code", motive_problem(code, filed_on))


async def list_motives(session: AsyncSession, *, valid_on: date | None, level: MotiveLevel | None) -> ComplaintMotives:
    rows = await repository.list_motives(session, valid_on=valid_on, level=level)
    return ComplaintMotives(items=[ComplaintMotive.model_validate(row, from_attributes=True) for row in rows])


async def lock_batch_receivers(session: AsyncSession, caller: Caller, items: Sequence[ComplaintCreate]) -> None:
    """One bulk write per receiving organisation at a time (see `repository.lock_receivers`)."""
    receivers = [item.organization_id or caller.organization_id for item in items]
    await repository.lock_receivers(session, [receiver for receiver in receivers if receiver is not None])


async def create_complaint(
    session: AsyncSession, caller: Caller, data: ComplaintCreate, *, now: datetime | None = None
) -> ComplaintRow:
    now = now or now_utc()
    organization = await _receiving_organization(session, caller, data.organization_id)
    # Any registered entity can be complained about: an IPS receives complaints against the EPS of the
    # patient, so the entity need not be in the receiver's scope (the register of entities is public, REPS).
    entity = await organizations_service.find_organization(session, data.entity_id)
    if entity is None:
        raise field_error("entity_id", messages.NO_SUCH_ORGANIZATION)
    filed_at = filing_instant(data.filed_at, data.date_precision)
    _check_filing(filed_at, data.type, data.risk, now)
    await check_motive(session, data.motive_code, filed_at)
    state = _compute_or_422(
        lambda: deadlines.compute_deadline(
            filed_at, data.type, data.risk, data.minor, (), now=now, precision=data.date_precision
        ),
        "filed_at",
    )
    if data.radicado is not None and await repository.radicado_taken(session, organization.id, data.radicado):
        message = f"Ya existe la queja {data.radicado} en la organización receptora."
        raise Conflict(message, errors=[ProblemFieldError(field="radicado", message=message)])
    radicado = data.radicado or await generate_radicado(session, organization, filed_at)
    values = data.model_dump(exclude={"organization_id", "person", "affected_person", "radicado", "attachments"})
    values.update(
        organization_id=organization.id,
        radicado=radicado,
        filed_at=filed_at,
        attachments=[attachment.model_dump(mode="json") for attachment in data.attachments],
        **derived_columns(state, filed_at),
    )
    row = await records.insert_record(session, caller, complaints, values, resource="complaint")
    await repository.insert_people(
        session, _person_rows(row, {"person": data.person, "affected_person": data.affected_person})
    )
    return row


async def update_complaint(
    session: AsyncSession, caller: Caller, complaint_id: uuid.UUID, data: ComplaintUpdate, expected_version: int
) -> ComplaintRow:
    row = await get_complaint(session, caller, complaint_id)
    _ensure_may_write(caller, row)
    changes = data.model_dump(exclude_unset=True)
    for required in ("text", "attachments"):
        if required in changes and changes[required] is None:
            raise field_error(required, "Campo obligatorio: no puede ser null.")
    if "attachments" in changes and data.attachments is not None:
        changes["attachments"] = [attachment.model_dump(mode="json") for attachment in data.attachments]
    if changes.get("motive_code") is not None:
        await check_motive(session, changes["motive_code"], row.filed_at)
    return await records.update_record(
        session, caller, complaints, row, expected_version=expected_version, values=changes, resource="complaint"
    )


# --- events -----------------------------------------------------------------------------------------------


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
    _ensure_may_write(caller, row)
    if expected_version is not None and expected_version != row.version:
        raise stale_version(expected_version, row.version)
    _check_event_fields(data)
    occurred_at = data.occurred_at or now
    if occurred_at > now + FUTURE_TOLERANCE:
        raise field_error("occurred_at", "El evento no puede ser futuro.")
    new_event = _deadline_event(
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
    people = await repository.people_of(session, row.id)
    await repository.insert_people(
        session,
        [
            {
                **person.model_dump(exclude={"id", "created_at"}),
                "id": uuid.uuid4(),
                "complaint_id": linked.id,
                "organization_id": receiver.id,
            }
            for person in people
        ],
    )
    return linked


# --- personal data ----------------------------------------------------------------------------------------


def _ensure_may_read_people(caller: Caller, row: ComplaintRow) -> None:
    """The route admits only the roles that handle complaints; of those, an EPS or IPS reads the people of
    the complaints it received or is complained about, a secretaría those of its scope."""
    caller.ensure_allowed()  # the route's policy (bi_readonly and asociacion), once the complaint was found
    if caller.role is Role.EPS_IPS:
        caller.ensure_member((row.organization_id, row.entity_id), messages.PERSONAL_DATA_PARTIES)


def _person(row: ComplaintPersonRow | None) -> ComplaintPerson | None:
    if row is None:
        return None
    return ComplaintPerson.model_validate(
        row.model_dump(exclude={"id", "complaint_id", "organization_id", "role", "created_at"})
    )


async def read_people(session: AsyncSession, caller: Caller, complaint_id: uuid.UUID) -> ComplaintPeople:
    """The petitioner and affected person, for the roles that need them; every read is logged."""
    row = await get_complaint(session, caller, complaint_id)
    _ensure_may_read_people(caller, row)
    people = {person.role: person for person in await repository.people_of(session, row.id)}
    await repository.log_personal_data_access(
        session,
        api_key_id=caller.api_key_id,
        organization_id=caller.organization_id,
        complaint_id=row.id,
        purpose=PERSON_ROUTE,
    )
    return ComplaintPeople(
        complaint_id=row.id,
        person=_person(people.get("petitioner")),
        affected_person=_person(people.get("affected")),
    )


# --- calendar and preview ---------------------------------------------------------------------------------


def preview_deadline(filed_at: datetime, type: ComplaintType, risk: Risk | None, minor: bool) -> DeadlinePreview:
    if risk is not None and type is not ComplaintType.RECLAMO:
        raise field_error("risk", "La clasificación de riesgo solo se admite en un reclamo.")
    try:
        due_at, due_date, term = deadlines.preview(filed_at, type, risk, minor)
    except ValueError as error:
        raise field_error("filed_at", str(error)) from None
    return DeadlinePreview(
        due_at=due_at,
        due_date=due_date,
        term=ComplaintTerm(unit=term.unit, length=term.length, basis=term.basis) if term else None,
    )


def business_days(start: date, end: date) -> BusinessDays:
    if end < start:
        raise field_error("to", "La fecha final es anterior a la inicial.")
    if end - start > MAX_CALENDAR_SPAN:
        raise field_error("to", "El rango no puede pasar de diez años.")
    try:
        count = calendar.business_days_between(start, end)
        holidays = calendar.holidays_between(start, end)
    except ValueError as error:
        raise field_error("from", str(error)) from None
    return BusinessDays(
        business_days=count,
        holidays=[CalendarHoliday(date=holiday.day, name=holiday.name) for holiday in holidays],
    )


# --- bulk re-derivation -----------------------------------------------------------------------------------


@dataclass
class RederiveCounts:
    scanned: int = 0
    changed: int = 0
    failed: int = 0


async def rederive_batch(
    session: AsyncSession, after: uuid.UUID | None, size: int, counts: RederiveCounts, *, now: datetime | None = None
) -> uuid.UUID | None:
    """Re-run the engine over one batch of complaints (id order after `after`); returns the last id, or None.

    A log the current rules no longer accept keeps its stored columns and is counted as failed: a person
    must look at it (the complaint id is logged, never its content).
    """
    now = now or now_utc()
    rows = await repository.batch_after(session, after, size)
    if not rows:
        return None
    logs = await repository.events_of_many(session, [row.id for row in rows])
    for row in rows:
        counts.scanned += 1
        try:
            values = derived_columns(replay(row, logs[row.id], now), row.filed_at)
        except (deadlines.DeadlineRuleError, ValueError) as error:
            counts.failed += 1
            logger.warning("complaint %s: log not accepted by the current rules (%s)", row.id, type(error).__name__)
            continue
        if any(getattr(row, name) != value for name, value in values.items()):
            await repository.write_derived(session, row.id, values)
            counts.changed += 1
    return rows[-1].id
