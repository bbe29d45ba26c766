"""SQL for complaints: scope over receiving and complained-about organisations, filters, event log, people."""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Float,
    Numeric,
    Select,
    Text,
    case,
    cast,
    extract,
    func,
    literal,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.access.caller import Caller
from services.api.access.scope import visible_to
from services.api.db import DriverConnection
from services.api.faults import register_unique_constraint
from services.api.models import (
    ComplaintEventRow,
    ComplaintMonthlyCountRow,
    ComplaintMotiveRow,
    ComplaintPersonRow,
    ComplaintResponseDaysRow,
    ComplaintRow,
    ComplaintSequenceRow,
    OrganizationRow,
    PersonalDataAccessRow,
)
from services.api.models.complaint import COMPLAINT_SEARCH, UNANSWERED_WITH_TERM, RollupGroupColumns
from services.api.pagination import PageParams
from services.api.repository import RecordRepository, driver_param
from services.api.sql import among
from shared.enums import ComplaintStatus, DatePrecision, Timeliness

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


def _filtered(
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
    statement = _filtered(
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


# The Bogotá month of filing, written exactly as in the migration's extended statistics (with literals, not
# parameters) so the planner knows it has ~24 values per two years and hashes instead of sorting every row.
MONTH_OF_FILING = func.date_trunc(
    literal_column("'month'"), func.timezone(literal_column("'America/Bogota'"), col(ComplaintRow.filed_at))
)


def _aggregate_rows(result: Result[Any]) -> list[dict[str, Any]]:
    """The rows as dictionaries, the month group key as `AAAA-MM` text.

    Zipped with the column names once: `dict()` of each row's mapping view costs ~10 µs a row (measured), more
    than the query itself over the rollup's few hundred groups.
    """
    names = list(result.keys())
    found = [dict(zip(names, row, strict=True)) for row in result]
    if "month" in names:
        # A few distinct months over many rows: each formatted once.
        labels: dict[date, str] = {}
        for row in found:
            month = row["month"]
            if month is not None:
                row["month"] = labels.get(month) or labels.setdefault(month, month.strftime("%Y-%m"))
    return found


def _positions(count: int) -> list[ColumnElement[Any]]:
    """GROUP BY / ORDER BY by select-list position: the expressions again would render their bound literals as
    different parameters, and PostgreSQL would not see them as the selected expressions."""
    return [literal_column(str(index + 1)) for index in range(count)]


# Group keys of `counts` and `stats`: the output name and its SQL expression.
def group_expressions() -> dict[str, ColumnElement[Any]]:
    return {
        "month": MONTH_OF_FILING,
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
    """One GROUP BY over the caller's counted readable complaints, ordered by the group keys.

    Counted: live, and not the original of a transfer; the receiver's linked complaint counts it once (the
    monthly rollup's rule too).
    """
    expressions = group_expressions()
    keys = [expressions[name].label(name) for name in group_by]
    statement = complaints.readable_statement(caller).with_only_columns(
        *keys, *(measure.label(name) for name, measure in measures.items())
    )
    statement = statement.where(
        col(ComplaintRow.deleted_at).is_(None), col(ComplaintRow.status) != ComplaintStatus.TRASLADADO.value
    )
    statement = _filtered(statement, equals=equals, filed_from=filed_from, filed_before=filed_before)
    if keys:
        statement = statement.group_by(*_positions(len(keys))).order_by(*_positions(len(keys)))
    return _aggregate_rows(await session.execute(statement))


# Group keys and filters the rollup tables hold, with their columns (both tables share the key columns). The
# month groups as the date and becomes `AAAA-MM` in Python: `to_char` on every row costs more than the sums.
def rollup_expressions(table: type[RollupGroupColumns]) -> dict[str, Any]:
    return {
        "month": col(table.month),
        "entity_id": col(table.entity_id),
        "type": col(table.type),
        "risk": col(table.risk),
    }


@dataclass(frozen=True)
class RollupQuestion:
    """An aggregate the rollup tables can answer: their group keys, their filters, whole Bogotá months
    `[month_from, month_before)` (None: unbounded)."""

    group_by: Sequence[str]
    equals: Mapping[str, Any]
    month_from: date | None
    month_before: date | None


def _rollup_select(
    table: type[RollupGroupColumns],
    caller: Caller,
    measures: Sequence[ColumnElement[Any]],
    question: RollupQuestion,
    *,
    also_grouped: Sequence[ColumnElement[Any]] = (),
) -> Select[Any]:
    """The caller's rollup rows over the question's months, grouped by its keys (and `also_grouped`)."""
    expressions = rollup_expressions(table)
    keys = [expressions[name].label(name) for name in question.group_by]
    statement = select(*keys, *also_grouped, *measures)
    in_scope = visible_to(caller, col(table.organization_id), col(table.entity_id))
    if in_scope is not None:
        statement = statement.where(in_scope)
    for name, value in question.equals.items():
        if value is not None:
            statement = statement.where(expressions[name] == value)
    if question.month_from is not None:
        statement = statement.where(col(table.month) >= question.month_from)
    if question.month_before is not None:
        statement = statement.where(col(table.month) < question.month_before)
    grouped = len(keys) + len(also_grouped)
    if grouped:
        statement = statement.group_by(*_positions(grouped)).order_by(*_positions(grouped))
    return statement


async def count_from_rollup(session: AsyncSession, caller: Caller, question: RollupQuestion) -> list[dict[str, Any]]:
    """`aggregate` with `count_measures` over whole Bogotá months, summed from `complaint_monthly_counts`."""
    total = cast(func.sum(col(ComplaintMonthlyCountRow.count)), BigInteger)
    statement = _rollup_select(ComplaintMonthlyCountRow, caller, [total.label("count")], question).having(total > 0)
    return _aggregate_rows(await session.execute(statement))


async def stats_from_rollup(session: AsyncSession, caller: Caller, question: RollupQuestion) -> list[dict[str, Any]]:
    """What `stats_measures` gives that adds up, summed from `complaint_monthly_counts`, ordered by the group
    keys, with `last_answered_at` (the latest answer any of the group's rows ever held)."""
    rollup = ComplaintMonthlyCountRow

    def total(column: Any) -> ColumnElement[Any]:
        return cast(func.sum(col(column)), BigInteger)

    timed = func.nullif(func.sum(col(rollup.timed)), 0)
    timed_business_days = func.nullif(func.sum(col(rollup.timed_business_days)), 0)
    measures = [
        total(rollup.count).label("count"),
        total(rollup.answered).label("answered"),
        total(rollup.answered_in_term).label("answered_in_term"),
        total(rollup.answered_out_of_term).label("answered_out_of_term"),
        cast(func.sum(col(rollup.response_seconds)) / timed / 3600, Float).label("mean_response_hours"),
        cast(cast(func.sum(col(rollup.response_business_days)), Numeric) / timed_business_days, Float).label(
            "mean_response_business_days"
        ),
        func.max(col(rollup.last_answered_at)).label("last_answered_at"),
    ]
    statement = _rollup_select(rollup, caller, measures, question).having(func.sum(col(rollup.count)) > 0)
    return _aggregate_rows(await session.execute(statement))


async def median_days_from_rollup(
    session: AsyncSession, caller: Caller, question: RollupQuestion
) -> list[dict[str, Any]]:
    """`percentile_cont(0.5)` of the response business days per group, from the histogram
    `complaint_response_days`: the mean of the values at positions ⌊(n−1)/2⌋ and ⌈(n−1)/2⌉ of the sorted
    answers, which is exactly what `percentile_cont(0.5)` interpolates."""
    histogram = ComplaintResponseDaysRow
    days = _rollup_select(
        histogram,
        caller,
        [func.sum(col(histogram.count)).label("answers")],
        question,
        also_grouped=[col(histogram.business_days).label("business_days")],
    ).subquery()
    group_by = question.group_by
    partition = [days.c[name] for name in group_by] or None
    ranked = select(
        *(days.c[name] for name in group_by),
        days.c.business_days,
        func.sum(days.c.answers).over(partition_by=partition, order_by=days.c.business_days).label("up_to"),
        func.sum(days.c.answers).over(partition_by=partition).label("answers"),
    ).subquery()
    lower = func.min(ranked.c.business_days).filter(ranked.c.up_to > func.floor((ranked.c.answers - 1) / 2))
    upper = func.min(ranked.c.business_days).filter(ranked.c.up_to > func.ceil((ranked.c.answers - 1) / 2))
    keys = [ranked.c[name] for name in group_by]
    statement: Select[Any] = select(*keys, cast((lower + upper) / 2.0, Float).label("median_response_business_days"))
    if keys:
        statement = statement.group_by(*keys)
    return _aggregate_rows(await session.execute(statement))


async def overdue_unanswered(
    session: AsyncSession,
    caller: Caller,
    *,
    group_by: Sequence[str],
    equals: Mapping[str, Any],
    filed_from: datetime | None,
    filed_before: datetime | None,
    cut_off: datetime,
) -> list[dict[str, Any]]:
    """Counted complaints still unanswered with their term expired at `cut_off`, per group: an index-only
    scan of `ix_complaints_unanswered_filed_at` (the rollup cannot hold what depends on the cut-off)."""
    expressions = group_expressions()
    keys = [expressions[name].label(name) for name in group_by]
    statement: Select[Any] = complaints.readable_statement(caller).with_only_columns(
        *keys, func.count().label("overdue_unanswered")
    )
    statement = statement.where(text(UNANSWERED_WITH_TERM), col(ComplaintRow.due_at) < cut_off)
    statement = _filtered(statement, equals=equals, filed_from=filed_from, filed_before=filed_before)
    if keys:
        statement = statement.group_by(*_positions(len(keys)))
    return _aggregate_rows(await session.execute(statement))


# Columns of the bulk export, in order: the complaint without its free text, attachments and the `minor`
# flag (the petitioner's words and files may carry personal data), and never the people table.
EXPORT_COLUMNS = (
    "id",
    "organization_id",
    "entity_id",
    "radicado",
    "filed_at",
    "date_precision",
    "type",
    "channel",
    "risk",
    "municipality_code",
    "motive_code",
    "status",
    "clock",
    "due_at",
    "due_date",
    "answered_at",
    "response_business_days",
    "term_unit",
    "term_length",
    "extended",
    "transferred_from_id",
    "created_at",
    "updated_at",
)
_EXPORT_TEXT_IDS = ("id", "organization_id", "entity_id", "transferred_from_id")


def export_sql(
    caller: Caller, *, equals: Mapping[str, Any], filed_from: datetime | None, filed_before: datetime | None
) -> str:
    """The export query as one SQL string (COPY and ADBC take no parameters): every value is rendered as an
    escaped literal by SQLAlchemy, and all of them are typed (UUIDs, instants, enum values) before this."""
    columns: list[Any] = [
        cast(complaints.column(name), Text).label(name) if name in _EXPORT_TEXT_IDS else complaints.column(name)
        for name in EXPORT_COLUMNS
    ]
    statement = complaints.readable_statement(caller).with_only_columns(
        *columns, timeliness_expression().label("timeliness")
    )
    statement = _filtered(
        statement.where(col(ComplaintRow.deleted_at).is_(None)),
        equals=equals,
        filed_from=filed_from,
        filed_before=filed_before,
    )
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def count_measures() -> dict[str, ColumnElement[Any]]:
    return {"count": func.count()}


def stats_measures(as_of: datetime | None = None, *, median_hours: bool = False) -> dict[str, ColumnElement[Any]]:
    """Timeliness, backlog and response times as they stood at `as_of` (default: now); the median of response
    hours only when asked (it needs every answer's value, so no rollup can give it)."""
    current: ColumnElement[datetime] = literal(as_of, DateTime(timezone=True)) if as_of is not None else func.now()
    timeliness = timeliness_expression(current)
    answered = col(ComplaintRow.answered_at).is_not(None) & (col(ComplaintRow.answered_at) <= current)
    # Response times need the filing day: month-precision rows only know their month.
    timed = answered & (col(ComplaintRow.date_precision) == DatePrecision.DAY.value)
    hours = extract("epoch", col(ComplaintRow.answered_at) - col(ComplaintRow.filed_at)) / 3600
    business_days = cast(col(ComplaintRow.response_business_days), Float)
    measures: dict[str, ColumnElement[Any]] = {
        "count": func.count(),
        "answered": func.count().filter(answered),
        "answered_in_term": func.count().filter(timeliness == Timeliness.EN_TERMINO.value),
        "answered_out_of_term": func.count().filter(timeliness == Timeliness.FUERA_DE_TERMINO.value),
        "overdue_unanswered": func.count().filter(timeliness == Timeliness.VENCIDA_SIN_RESPUESTA.value),
        "mean_response_hours": cast(func.avg(hours).filter(timed), Float),
        "mean_response_business_days": cast(func.avg(business_days).filter(timed), Float),
        "median_response_business_days": func.percentile_cont(0.5).within_group(business_days).filter(timed),
    }
    if median_hours:
        measures["median_response_hours"] = func.percentile_cont(0.5).within_group(cast(hours, Float)).filter(timed)
    return measures


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


class CopyConflict(Exception):
    """A bulk write hit a unique index: the savepoint must be rolled back."""


class CopyRejected(Exception):
    """PostgreSQL refused a bulk write for another reason; `sqlstate` says which (never the row's values)."""

    def __init__(self, table: str, sqlstate: str | None) -> None:
        super().__init__(table, sqlstate)
        self.table = table
        self.sqlstate = sqlstate


async def insert_complaints(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bulk-insert checked complaints that all have the same keys (imports), with COPY inside the savepoint."""
    await _copy(session, ComplaintRow.__tablename__, rows, jsonb=("attachments", "flags"))


async def copy_people(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bulk-insert personal data rows that all have the same keys (imports), with COPY."""
    await _copy(session, ComplaintPersonRow.__tablename__, rows, jsonb=("consent",))


async def _copy(session: AsyncSession, table: str, rows: Sequence[Mapping[str, Any]], *, jsonb: Sequence[str]) -> None:
    """COPY on the request's own connection (its transaction and savepoint); columns left out take defaults.

    COPY hands values to the server's binary input functions, which take JSONB as its text: those columns
    are encoded here (SQLAlchemy would do it for an INSERT).
    """
    if not rows:
        return
    columns = list(rows[0].keys())
    encoded = [index for index, column in enumerate(columns) if column in jsonb]
    records = []
    for row in rows:
        values = [row[column] for column in columns]
        for index in encoded:
            if values[index] is not None:
                values[index] = orjson.dumps(values[index]).decode()
        records.append(tuple(values))
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    try:
        await driver.copy_records_to_table(table, records=records, columns=columns)
    except asyncpg.exceptions.UniqueViolationError:
        # Another request wrote the same radicados between the check and the COPY.
        raise CopyConflict(table) from None
    except asyncpg.PostgresError as error:
        # The message can quote the offending values (personal data): only the SQLSTATE travels on.
        raise CopyRejected(table, error.sqlstate) from None


async def entities(session: AsyncSession) -> Sequence[tuple[uuid.UUID, str | None, str, str | None]]:
    """`(id, nit, name, reps_code)` of every live organisation: what a file may name the entity complained about by.

    Any registered entity can be complained about (as in `POST /v1/complaints`), so this is not scoped.
    """
    statement = select(
        col(OrganizationRow.id), col(OrganizationRow.nit), col(OrganizationRow.name), col(OrganizationRow.reps_code)
    ).where(col(OrganizationRow.deleted_at).is_(None))
    return [tuple(row) for row in (await session.execute(statement)).all()]  # type: ignore[misc]
