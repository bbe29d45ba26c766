"""SQL for complaints: scope over receiving and complained-about organisations, filters, event log, people."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    case,
    cast,
    extract,
    func,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.auth.scope import Caller
from services.api.models import (
    ComplaintEventRow,
    ComplaintPersonRow,
    ComplaintRow,
    ComplaintSequenceRow,
    PersonalDataAccessRow,
)
from services.api.models.complaint import COMPLAINT_SEARCH
from services.api.pagination import PageParams
from services.api.repository import RecordRepository
from services.kit.errors import register_unique_constraint
from shared.enums import ComplaintStatus, Timeliness


class ComplaintRepository(RecordRepository[ComplaintRow]):
    """Complaints are visible to the receiving organisation and to the organisation complained about."""

    def readable_statement(self, caller: Caller) -> Select[ComplaintRow]:
        statement = select(ComplaintRow)
        if caller.visible_ids is not None:
            statement = statement.where(
                or_(
                    col(ComplaintRow.organization_id).in_(caller.visible_ids),
                    col(ComplaintRow.entity_id).in_(caller.visible_ids),
                )
            )
        return statement


complaints = ComplaintRepository(
    ComplaintRow, sortable=("filed_at", "created_at", "updated_at", "due_sort_at"), default_sort="filed_at"
)
# Clients sort by `due_at`; the page walks the non-null `due_sort_at` (complaints without a due date last).
complaints.sortable["due_at"] = complaints.sortable.pop("due_sort_at")

register_unique_constraint(
    "uq_complaints_org_radicado", "radicado", "Ya existe una queja con ese radicado en la organización receptora."
)


def timeliness_expression(now: ColumnElement[datetime] | None = None) -> ColumnElement[str | None]:
    """`shared.deadlines.timeliness` in SQL, against `now()`: never stale, whatever the stored columns' age."""
    current = now if now is not None else func.now()
    return case(
        (col(ComplaintRow.term_unit).is_(None), literal(None)),
        (
            col(ComplaintRow.answered_at).is_not(None),
            case(
                (col(ComplaintRow.answered_at) <= col(ComplaintRow.due_at), literal(Timeliness.EN_TERMINO.value)),
                else_=literal(Timeliness.FUERA_DE_TERMINO.value),
            ),
        ),
        (
            col(ComplaintRow.status).in_([ComplaintStatus.TRASLADADO.value, ComplaintStatus.DESISTIDO.value]),
            literal(None),
        ),
        (
            col(ComplaintRow.due_at).is_not(None) & (current > col(ComplaintRow.due_at)),
            literal(Timeliness.VENCIDA_SIN_RESPUESTA.value),
        ),
        else_=literal(Timeliness.EN_TRAMITE_VIGENTE.value),
    )


async def page(
    session: AsyncSession,
    caller: Caller,
    params: PageParams,
    *,
    equals: Mapping[str, Any],
    timeliness: Timeliness | None,
    filed_from: datetime | None,
    filed_before: datetime | None,
    due_before: datetime | None,
    q: str | None,
) -> tuple[Sequence[ComplaintRow], str | None]:
    statement = complaints.readable_statement(caller)
    for name, value in equals.items():
        if value is not None:
            statement = statement.where(complaints.column(name) == value)
    if timeliness is not None:
        statement = statement.where(timeliness_expression() == timeliness.value)
    if filed_from is not None:
        statement = statement.where(col(ComplaintRow.filed_at) >= filed_from)
    if filed_before is not None:
        statement = statement.where(col(ComplaintRow.filed_at) < filed_before)
    if due_before is not None:
        statement = statement.where(col(ComplaintRow.due_at) < due_before)
    if q is not None:
        statement = statement.where(COMPLAINT_SEARCH.op("@@")(func.websearch_to_tsquery("spanish", q)))
    return await complaints.page_of(session, statement, params)


# Group keys of `counts` and `stats`: the output name and its SQL expression.
def group_expressions() -> dict[str, ColumnElement[Any]]:
    return {
        "month": func.to_char(func.timezone("America/Bogota", col(ComplaintRow.filed_at)), "YYYY-MM"),
        "entity_id": complaints.column("entity_id").expression,
        "type": complaints.column("type").expression,
        "channel": complaints.column("channel").expression,
        "risk": complaints.column("risk").expression,
        "municipality_code": complaints.column("municipality_code").expression,
        "motive_code": complaints.column("motive_code").expression,
        "status": complaints.column("status").expression,
        "timeliness": timeliness_expression(),
    }


async def aggregate(
    session: AsyncSession,
    caller: Caller,
    *,
    group_by: Sequence[str],
    measures: Mapping[str, ColumnElement[Any]],
    equals: Mapping[str, Any],
    filed_from: datetime | None,
    filed_before: datetime | None,
) -> list[dict[str, Any]]:
    """One GROUP BY over the caller's live readable complaints, ordered by the group keys."""
    expressions = group_expressions()
    keys = [expressions[name].label(name) for name in group_by]
    statement = complaints.readable_statement(caller).with_only_columns(
        *keys, *(measure.label(name) for name, measure in measures.items())
    )
    statement = statement.where(col(ComplaintRow.deleted_at).is_(None))
    for name, value in equals.items():
        if value is not None:
            statement = statement.where(complaints.column(name) == value)
    if filed_from is not None:
        statement = statement.where(col(ComplaintRow.filed_at) >= filed_from)
    if filed_before is not None:
        statement = statement.where(col(ComplaintRow.filed_at) < filed_before)
    if keys:
        # Positions, not the expressions again: bound literals would render as different parameters.
        positions: list[ColumnElement[Any]] = [literal_column(str(index + 1)) for index in range(len(keys))]
        statement = statement.group_by(*positions).order_by(*positions)
    return [dict(row) for row in (await session.execute(statement)).mappings()]


def count_measures() -> dict[str, ColumnElement[Any]]:
    return {"count": func.count()}


def stats_measures() -> dict[str, ColumnElement[Any]]:
    timeliness = timeliness_expression()
    hours = extract("epoch", col(ComplaintRow.answered_at) - col(ComplaintRow.filed_at)) / 3600
    return {
        "count": func.count(),
        "answered": func.count().filter(col(ComplaintRow.answered_at).is_not(None)),
        "answered_in_term": func.count().filter(timeliness == Timeliness.EN_TERMINO.value),
        "answered_out_of_term": func.count().filter(timeliness == Timeliness.FUERA_DE_TERMINO.value),
        "overdue_unanswered": func.count().filter(timeliness == Timeliness.VENCIDA_SIN_RESPUESTA.value),
        "mean_response_hours": cast(func.avg(hours), Float),
        "median_response_hours": func.percentile_cont(0.5).within_group(cast(hours, Float)),
    }


async def lock_live(session: AsyncSession, caller: Caller, complaint_id: uuid.UUID) -> ComplaintRow | None:
    """The complaint locked for an append: events of one complaint are validated one after the other."""
    statement = (
        complaints.readable_statement(caller)
        .where(col(ComplaintRow.id) == complaint_id, col(ComplaintRow.deleted_at).is_(None))
        .with_for_update(of=ComplaintRow)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def next_sequence(session: AsyncSession, organization_id: uuid.UUID, year: int) -> int:
    """The next radicado number of an organisation and year; the upsert's row lock serialises callers."""
    statement = (
        insert(ComplaintSequenceRow)
        .values(organization_id=organization_id, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[col(ComplaintSequenceRow.organization_id), col(ComplaintSequenceRow.year)],
            set_={"last_value": col(ComplaintSequenceRow.last_value) + 1},
        )
        .returning(col(ComplaintSequenceRow.last_value))
    )
    return int((await session.execute(statement)).scalar_one())


async def radicado_taken(session: AsyncSession, organization_id: uuid.UUID, radicado: str) -> bool:
    return await complaints.exists_live(session, organization_id=organization_id, radicado=radicado)


async def events_of(session: AsyncSession, complaint_id: uuid.UUID) -> Sequence[ComplaintEventRow]:
    statement = (
        select(ComplaintEventRow)
        .where(col(ComplaintEventRow.complaint_id) == complaint_id)
        .order_by(col(ComplaintEventRow.id))
    )
    return list((await session.execute(statement)).scalars())


async def events_of_many(
    session: AsyncSession, complaint_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ComplaintEventRow]]:
    statement = (
        select(ComplaintEventRow)
        .where(col(ComplaintEventRow.complaint_id).in_(complaint_ids))
        .order_by(col(ComplaintEventRow.id))
    )
    found: dict[uuid.UUID, list[ComplaintEventRow]] = {complaint_id: [] for complaint_id in complaint_ids}
    for row in (await session.execute(statement)).scalars():
        found[row.complaint_id].append(row)
    return found


async def insert_event(session: AsyncSession, values: Mapping[str, Any]) -> ComplaintEventRow:
    statement = insert(ComplaintEventRow).values(**values).returning(ComplaintEventRow)
    row: ComplaintEventRow = (await session.execute(statement)).scalar_one()
    return row


async def write_derived(session: AsyncSession, complaint_id: uuid.UUID, values: Mapping[str, Any]) -> ComplaintRow:
    """Store re-derived deadline columns; a new version, so ETags and `updated_since` see the change."""
    statement = (
        update(ComplaintRow)
        .where(col(ComplaintRow.id) == complaint_id)
        .values(**values, version=col(ComplaintRow.version) + 1, updated_at=func.now())
        .returning(ComplaintRow)
        .execution_options(populate_existing=True)
    )
    row: ComplaintRow = (await session.execute(statement)).scalar_one()
    return row


async def batch_after(session: AsyncSession, after: uuid.UUID | None, size: int) -> Sequence[ComplaintRow]:
    """Live complaints in id order after `after`, locked for the re-derivation (whatever the scope)."""
    statement = select(ComplaintRow).where(col(ComplaintRow.deleted_at).is_(None))
    if after is not None:
        statement = statement.where(col(ComplaintRow.id) > after)
    statement = statement.order_by(col(ComplaintRow.id)).limit(size).with_for_update()
    return list((await session.execute(statement)).scalars())


async def insert_people(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(insert(ComplaintPersonRow), [dict(row) for row in rows])


async def people_of(session: AsyncSession, complaint_id: uuid.UUID) -> Sequence[ComplaintPersonRow]:
    statement = select(ComplaintPersonRow).where(col(ComplaintPersonRow.complaint_id) == complaint_id)
    return list((await session.execute(statement)).scalars())


async def log_personal_data_access(
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
