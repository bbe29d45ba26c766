"""SQL that reads many complaints at once: counts and statistics over the table or the monthly rollup tables,
and the bulk export; scoped and filtered as the lists are (`repository.filtered`)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Float,
    Numeric,
    Select,
    Text,
    cast,
    extract,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.access.caller import Caller
from services.api.access.scope import visible_to
from services.api.complaints.repository import complaints, filtered, timeliness_expression
from services.api.models import (
    ComplaintMonthlyCountRow,
    ComplaintResponseDaysRow,
    ComplaintRow,
)
from services.api.models.complaint import UNANSWERED_WITH_TERM, RollupGroupColumns
from shared.enums import ComplaintStatus, DatePrecision, Timeliness

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
    statement = filtered(statement, equals=equals, filed_from=filed_from, filed_before=filed_before)
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
    statement = filtered(statement, equals=equals, filed_from=filed_from, filed_before=filed_before)
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
    statement = filtered(
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
