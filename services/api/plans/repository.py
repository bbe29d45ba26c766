"""SQL for plans and goals, and the one-query reads of a whole plan."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy import Row, Select, and_, func, literal, or_, select, type_coerce, union_all
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType
from sqlmodel import col

from services.api.access.caller import Caller
from services.api.db import DriverConnection
from services.api.faults import register_unique_constraint
from services.api.models import (
    ActivityProgressRow,
    ActivityRow,
    GoalRow,
    IndicatorRow,
    MeasurementRow,
    PlanRow,
)
from services.api.repository import RecordRepository

plans = RecordRepository(PlanRow, sortable=("created_at", "updated_at", "year", "title"), default_sort="created_at")
goals = RecordRepository(GoalRow, sortable=("created_at", "updated_at", "code"), default_sort="created_at")
# The tree reads the plan's activities and indicators too; their areas own their lists and writes.
activities = RecordRepository(ActivityRow)
indicators = RecordRepository(IndicatorRow)

register_unique_constraint("uq_plans_org_year", "year", "La organización ya tiene un plan para ese año.")
register_unique_constraint(
    "uq_goals_plan_axis_line_code",
    "code",
    "Ya existe una meta con ese código en el mismo eje y línea del plan.",
)


async def lock_live_plan(
    session: AsyncSession, caller: Caller, plan_id: uuid.UUID, *, exclusive: bool
) -> PlanRow | None:
    """A live plan, locked until the transaction ends, so what a write checked about it stays true at commit.

    Writes under a plan share the lock (FOR SHARE); the plan's own update or deletion and the deletions of
    goals, activities and indicators take it exclusively (FOR NO KEY UPDATE, which still lets the foreign
    keys of concurrent inserts elsewhere through). A writer that waited re-reads the row, so it sees a plan
    deleted, re-dated or evaluated in the meantime.
    """
    statement = (
        plans.readable_statement(caller)
        .where(col(PlanRow.id) == plan_id, col(PlanRow.deleted_at).is_(None))
        .with_for_update(read=not exclusive, key_share=exclusive)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def has_live_progress(session: AsyncSession, plan_id: uuid.UUID) -> bool:
    statement = select(func.count()).where(
        col(ActivityProgressRow.plan_id) == plan_id, col(ActivityProgressRow.deleted_at).is_(None)
    )
    return bool((await session.execute(statement)).scalar_one())


async def activities_outside(
    session: AsyncSession, plan_id: uuid.UUID, period_start: date, period_end: date
) -> Sequence[str]:
    """Codes of live activities whose dates fall outside a proposed plan period."""
    statement = select(col(ActivityRow.code)).where(
        col(ActivityRow.plan_id) == plan_id,
        col(ActivityRow.deleted_at).is_(None),
        or_(col(ActivityRow.start_date) < period_start, col(ActivityRow.end_date) > period_end),
    )
    return list((await session.execute(statement)).scalars())


async def progress_months(session: AsyncSession, plan_id: uuid.UUID) -> Sequence[str]:
    """Months (`YYYY-MM`) with live execution recorded under a plan."""
    statement = (
        select(col(ActivityProgressRow.month))
        .distinct()
        .where(col(ActivityProgressRow.plan_id) == plan_id, col(ActivityProgressRow.deleted_at).is_(None))
    )
    return list((await session.execute(statement)).scalars())


async def measurement_periods(session: AsyncSession, plan_id: uuid.UUID) -> Sequence[str]:
    """Period codes of live measurements under a plan."""
    statement = (
        select(col(MeasurementRow.period))
        .distinct()
        .where(col(MeasurementRow.plan_id) == plan_id, col(MeasurementRow.deleted_at).is_(None))
    )
    return list((await session.execute(statement)).scalars())


async def tree_rows(
    session: AsyncSession, plan_id: uuid.UUID
) -> tuple[Sequence[GoalRow], Sequence[ActivityRow], Sequence[IndicatorRow]]:
    """A plan's live goals, activities and indicators as ORM rows, for the whole-plan writes of importers
    (the tree itself reads them with `fetch_tree_rows`): three queries, no N+1, in display order."""
    goal_rows = (
        await session.execute(select(GoalRow).where(*_live_under(GoalRow, plan_id)).order_by(*_goal_order()))
    ).scalars()
    activity_rows = (
        await session.execute(
            select(ActivityRow).where(*_live_under(ActivityRow, plan_id)).order_by(*_activity_order())
        )
    ).scalars()
    indicator_rows = (
        await session.execute(
            select(IndicatorRow).where(*_live_under(IndicatorRow, plan_id)).order_by(*_indicator_order())
        )
    ).scalars()
    return list(goal_rows), list(activity_rows), list(indicator_rows)


def _live_under(table: type[GoalRow] | type[ActivityRow] | type[IndicatorRow], plan_id: uuid.UUID) -> list[Any]:
    return [col(table.plan_id) == plan_id, col(table.deleted_at).is_(None)]


def _goal_order() -> list[Any]:
    # M2 before M10: codes of equal prefix sort by length first, then as text.
    return [col(GoalRow.axis), col(GoalRow.line), func.length(col(GoalRow.code)), col(GoalRow.code), col(GoalRow.id)]


def _activity_order() -> list[Any]:
    return [func.length(col(ActivityRow.code)), col(ActivityRow.code), col(ActivityRow.id)]


def _indicator_order() -> list[Any]:
    return [col(IndicatorRow.created_at), col(IndicatorRow.id)]


async def fetch_tree_rows(
    connection: DriverConnection, plan_id: uuid.UUID
) -> tuple[list[asyncpg.Record], list[asyncpg.Record], list[asyncpg.Record]]:
    """`tree_rows` for the tree's read: the same rows in the same order, as driver records."""
    return (
        await goals.fetch_all_live(connection, shape="tree", order_by=_goal_order, plan_id=plan_id),
        await activities.fetch_all_live(connection, shape="tree", order_by=_activity_order, plan_id=plan_id),
        await indicators.fetch_all_live(connection, shape="tree", order_by=_indicator_order, plan_id=plan_id),
    )


async def tombstone_children(
    session: AsyncSession, *, plan_id: uuid.UUID | None = None, goal_id: uuid.UUID | None = None
) -> None:
    """Tombstone everything under a plan or a goal, leaves first, so sync clients see each deletion."""
    if plan_id is not None:
        for table in (ActivityProgressRow, MeasurementRow, IndicatorRow, ActivityRow, GoalRow):
            await RecordRepository(table).soft_delete_where(session, plan_id=plan_id)
        return
    activity_ids = select(col(ActivityRow.id)).where(col(ActivityRow.goal_id) == goal_id)
    indicator_ids = select(col(IndicatorRow.id)).where(col(IndicatorRow.activity_id).in_(activity_ids))
    for table, column_name, subquery in (
        (ActivityProgressRow, "activity_id", activity_ids),
        (MeasurementRow, "indicator_id", indicator_ids),
        (IndicatorRow, "activity_id", activity_ids),
    ):
        await RecordRepository(table).soft_delete_in(session, column_name, subquery)
    await RecordRepository(ActivityRow).soft_delete_where(session, goal_id=goal_id)


async def count_live_activities(session: AsyncSession, goal_id: uuid.UUID) -> int:
    statement = select(func.count()).where(col(ActivityRow.goal_id) == goal_id, col(ActivityRow.deleted_at).is_(None))
    return int((await session.execute(statement)).scalar_one())


async def tombstone_activity_children(session: AsyncSession, activity_id: uuid.UUID) -> None:
    indicator_ids = select(col(IndicatorRow.id)).where(col(IndicatorRow.activity_id) == activity_id)
    await RecordRepository(MeasurementRow).soft_delete_in(session, "indicator_id", indicator_ids)
    await RecordRepository(IndicatorRow).soft_delete_where(session, activity_id=activity_id)
    await RecordRepository(ActivityProgressRow).soft_delete_where(session, activity_id=activity_id)


async def progress_totals(session: AsyncSession, plan_id: uuid.UUID, as_of: str) -> Sequence[Row[Any]]:
    """Per live activity of a plan: its programme, its goal, and its execution summed up to `as_of` (`YYYY-MM`).

    Progress is summed per activity first (one GROUP BY over the plan's rows, using the plan_id index) and
    then joined to the activities, so activities with nothing reported still appear, with zero totals.
    Months compare as text because `YYYY-MM` sorts chronologically.
    """
    progress = ActivityProgressRow
    flagged = and_(col(progress.executed).is_(False), col(progress.executed_quantity) > 0)
    totals = (
        select(
            col(progress.activity_id).label("activity_id"),
            func.sum(col(progress.executed_quantity)).label("executed_quantity"),
            func.sum(col(progress.people_reached)).label("people_reached"),
            func.sum(col(progress.executed_budget)).label("executed_budget"),
            func.count().label("months_reported"),
            func.array_agg(aggregate_order_by(col(progress.month), col(progress.month)))
            .filter(flagged)
            .label("flagged_months"),
        )
        .where(
            col(progress.plan_id) == plan_id,
            col(progress.deleted_at).is_(None),
            col(progress.month) <= as_of,
        )
        .group_by(col(progress.activity_id))
        .subquery("totals")
    )
    zero = literal(0)
    statement: Select[*tuple[Any, ...]] = (
        select(
            col(ActivityRow.id).label("activity_id"),
            col(ActivityRow.goal_id),
            col(GoalRow.axis),
            col(GoalRow.line),
            col(GoalRow.code).label("goal_code"),
            col(ActivityRow.code),
            col(ActivityRow.planned_quantity),
            col(ActivityRow.planned_budget),
            # asyncpg already returns arrays as lists: skip SQLAlchemy's per-item pass over 2,000 rows.
            type_coerce(col(ActivityRow.schedule_months), NullType()).label("schedule_months"),
            func.coalesce(totals.c.executed_quantity, zero).label("executed_quantity"),
            func.coalesce(totals.c.people_reached, zero).label("people_reached"),
            func.coalesce(totals.c.executed_budget, zero).label("executed_budget"),
            func.coalesce(totals.c.months_reported, zero).label("months_reported"),
            # NULL when no month is flagged; the service reads it as an empty list.
            type_coerce(totals.c.flagged_months, NullType()).label("flagged_months"),
        )
        .join(GoalRow, col(GoalRow.id) == col(ActivityRow.goal_id))
        .outerjoin(totals, totals.c.activity_id == col(ActivityRow.id))
        .where(
            col(ActivityRow.plan_id) == plan_id,
            col(ActivityRow.deleted_at).is_(None),
            col(GoalRow.deleted_at).is_(None),
        )
        # The tree's display order: axis, línea, goal code (M2 before M10), activity code.
        .order_by(
            col(GoalRow.axis),
            col(GoalRow.line),
            func.length(col(GoalRow.code)),
            col(GoalRow.code),
            func.length(col(ActivityRow.code)),
            col(ActivityRow.code),
            col(ActivityRow.id),
        )
    )
    return list(await session.execute(statement))


async def progress_fingerprint(session: AsyncSession, plan_id: uuid.UUID) -> tuple[int, ...]:
    """Row count and Σ version of a plan's goals, activities and progress, tombstones included.

    Every write through the API bumps a version (deletions are tombstones) and every insert adds a row, so
    this changes whenever the progress summary could; it costs an index scan, not the summary's GROUP BY.
    """
    tables: tuple[type[GoalRow] | type[ActivityRow] | type[ActivityProgressRow], ...] = (
        GoalRow,
        ActivityRow,
        ActivityProgressRow,
    )
    parts = [
        select(literal(order), func.count(), func.coalesce(func.sum(col(table.version)), 0)).where(
            col(table.plan_id) == plan_id
        )
        for order, table in enumerate(tables)
    ]
    rows = sorted(tuple(row) for row in await session.execute(union_all(*parts)))
    return tuple(int(value) for row in rows for value in row[1:])
