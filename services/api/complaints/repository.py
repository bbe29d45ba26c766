"""SQL for complaints: scope over receiving and complained-about organisations, filters, pages, the event log,
radicado sequences, the motive catalogue and bulk writes. Counts, statistics and the export read many rows at
once: their SQL is `aggregates_repository`'s."""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import asyncpg
from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.access.caller import Caller
from services.api.bulk_copy import copy_rows
from services.api.db import DriverConnection
from services.api.faults import register_unique_constraint
from services.api.models import (
    ComplaintEventRow,
    ComplaintMotiveRow,
    ComplaintRow,
    ComplaintSequenceRow,
    OrganizationRow,
)
from services.api.models.complaint import COMPLAINT_SEARCH
from services.api.pagination import PageParams
from services.api.repository import RecordRepository, driver_param
from services.api.sql import among
from shared.enums import ComplaintStatus, Timeliness

# Complaints are visible to the receiving organisation and to the organisation complained about.
complaints = RecordRepository(
    ComplaintRow,
    sortable=("filed_at", "created_at", "updated_at", "due_sort_at"),
    default_sort="filed_at",
    scope_columns=("organization_id", "entity_id"),
)
# Clients sort by `due_at`; the page walks the non-null `due_sort_at` (complaints without a due date last).
complaints.sortable["due_at"] = complaints.sortable.pop("due_sort_at")

register_unique_constraint(
    "uq_complaints_org_radicado", "radicado", "Ya existe una queja con ese radicado en la organización receptora."
)


def timeliness_expression(now: ColumnElement[datetime] | None = None) -> ColumnElement[str | None]:
    """`shared.deadlines.timeliness` in SQL, against `now()` (or a past cut-off): never stale, whatever the stored
    columns' age."""
    current = now if now is not None else func.now()
    return case(
        (col(ComplaintRow.term_unit).is_(None), literal(None)),
        (
            # Answered by `now` (an answer after a past cut-off did not exist yet then).
            col(ComplaintRow.answered_at).is_not(None) & (col(ComplaintRow.answered_at) <= current),
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


def filtered(
    statement: Select[Any],
    *,
    equals: Mapping[str, Any],
    filed_from: datetime | None,
    filed_before: datetime | None,
) -> Select[Any]:
    """The equality filters and the filing range that lists, aggregates and exports share."""
    for name, value in equals.items():
        if value is not None:
            statement = statement.where(complaints.column(name) == value)
    if filed_from is not None:
        statement = statement.where(col(ComplaintRow.filed_at) >= filed_from)
    if filed_before is not None:
        statement = statement.where(col(ComplaintRow.filed_at) < filed_before)
    return statement


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
    statement = filtered(
        complaints.readable_statement(caller), equals=equals, filed_from=filed_from, filed_before=filed_before
    )
    if timeliness is not None:
        statement = statement.where(timeliness_expression() == timeliness.value)
    if due_before is not None:
        statement = statement.where(col(ComplaintRow.due_at) < due_before)
    if q is not None:
        statement = statement.where(COMPLAINT_SEARCH.op("@@")(func.websearch_to_tsquery("spanish", q)))
    return await complaints.page_of(session, statement, params)


def _page_conditions(present: Sequence[str]) -> list[ColumnElement[bool]]:
    """`page`'s filters for the driver page, one `driver_param` per filter, named as its argument."""
    conditions: list[ColumnElement[bool]] = []
    for name in present:
        if name == "timeliness":
            conditions.append(timeliness_expression() == driver_param("timeliness", col(ComplaintRow.status)))
        elif name == "filed_from":
            conditions.append(col(ComplaintRow.filed_at) >= driver_param(name, col(ComplaintRow.filed_at)))
        elif name == "filed_before":
            conditions.append(col(ComplaintRow.filed_at) < driver_param(name, col(ComplaintRow.filed_at)))
        elif name == "due_before":
            conditions.append(col(ComplaintRow.due_at) < driver_param(name, col(ComplaintRow.due_at)))
        elif name == "q":
            query = func.websearch_to_tsquery("spanish", driver_param("q", col(ComplaintRow.text)))
            conditions.append(COMPLAINT_SEARCH.op("@@")(query))
        else:
            column = complaints.column(name)
            conditions.append(column == driver_param(name, column))
    return conditions


async def driver_page(
    connection: DriverConnection,
    caller: Caller,
    params: PageParams,
    *,
    equals: Mapping[str, Any],
    timeliness: Timeliness | None,
    filed_from: datetime | None,
    filed_before: datetime | None,
    due_before: datetime | None,
    q: str | None,
) -> tuple[list[asyncpg.Record], str | None]:
    """`page` on the driver connection (the hot list): the same conditions, compiled once per filter set."""
    given: dict[str, Any] = {
        **equals,
        "timeliness": timeliness,
        "filed_from": filed_from,
        "filed_before": filed_before,
        "due_before": due_before,
        "q": q,
    }
    # Enum members go to the driver as their plain values.
    values = {name: getattr(value, "value", value) for name, value in given.items() if value is not None}
    present = tuple(values)
    return await complaints.driver_page(
        connection, caller, params, shape=present, where=lambda: _page_conditions(present), values=values
    )


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
        .where(among(col(ComplaintEventRow.complaint_id), complaint_ids))
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


# --- motive catalogue and bulk intake -----------------------------------------------------------------------


def _motives_valid_on(day: date) -> ColumnElement[bool]:
    return (col(ComplaintMotiveRow.valid_from) <= day) & (
        col(ComplaintMotiveRow.valid_to).is_(None) | (col(ComplaintMotiveRow.valid_to) >= day)
    )


async def list_motives(
    session: AsyncSession, *, valid_on: date | None = None, level: str | None = None
) -> Sequence[ComplaintMotiveRow]:
    statement = select(ComplaintMotiveRow).order_by(col(ComplaintMotiveRow.code))
    if valid_on is not None:
        statement = statement.where(_motives_valid_on(valid_on))
    if level is not None:
        statement = statement.where(col(ComplaintMotiveRow.level) == level)
    return list((await session.execute(statement)).scalars())


async def motive_valid_on(session: AsyncSession, code: str, day: date) -> bool:
    statement = select(func.count()).where(col(ComplaintMotiveRow.code) == code, _motives_valid_on(day))
    return bool((await session.execute(statement)).scalar_one())


async def taken_radicados(session: AsyncSession, organization_id: uuid.UUID, radicados: Sequence[str]) -> set[str]:
    """Which of `radicados` the organisation already has on live complaints.

    One query and one array parameter for a whole file, however many rows it has.
    """
    if not radicados:
        return set()
    statement = select(col(ComplaintRow.radicado)).where(
        col(ComplaintRow.organization_id) == organization_id,
        col(ComplaintRow.deleted_at).is_(None),
        among(col(ComplaintRow.radicado), radicados),
    )
    return set((await session.execute(statement)).scalars())


async def reserve_sequence(session: AsyncSession, organization_id: uuid.UUID, year: int, count: int) -> int:
    """Reserve `count` radicado numbers of an organisation and year at once; returns the last one reserved."""
    statement = (
        insert(ComplaintSequenceRow)
        .values(organization_id=organization_id, year=year, last_value=count)
        .on_conflict_do_update(
            index_elements=[col(ComplaintSequenceRow.organization_id), col(ComplaintSequenceRow.year)],
            set_={"last_value": col(ComplaintSequenceRow.last_value) + count},
        )
        .returning(col(ComplaintSequenceRow.last_value))
    )
    return int((await session.execute(statement)).scalar_one())


async def lock_receivers(session: AsyncSession, organization_ids: Iterable[uuid.UUID]) -> None:
    """Serialise bulk writes (batches, imports) of the same receiving organisations until the transaction ends.

    Their rows lock monthly-rollup groups one statement after another, in file order; two bulk writes of one
    receiver could take the same groups in opposite orders and deadlock. Groups belong to one receiver, so
    one lock per receiver, taken in id order, rules that out.
    """
    for organization_id in sorted(set(organization_ids)):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:id, 0))"), {"id": str(organization_id)}
        )


async def insert_complaints(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bulk-insert checked complaints that all have the same keys (imports), with COPY inside the savepoint."""
    await copy_rows(session, ComplaintRow.__tablename__, rows, jsonb=("attachments", "flags"))


async def entities(session: AsyncSession) -> Sequence[tuple[uuid.UUID, str | None, str, str | None]]:
    """`(id, nit, name, reps_code)` of every live organisation: what a file may name the entity complained about by.

    Any registered entity can be complained about (as in `POST /v1/complaints`), so this is not scoped.
    """
    statement = select(
        col(OrganizationRow.id), col(OrganizationRow.nit), col(OrganizationRow.name), col(OrganizationRow.reps_code)
    ).where(col(OrganizationRow.deleted_at).is_(None))
    return [tuple(row) for row in (await session.execute(statement)).all()]  # type: ignore[misc]
