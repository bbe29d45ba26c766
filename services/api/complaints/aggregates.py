"""Counts and statistics of complaints: from the monthly rollup when the question fits it, else one GROUP BY
over the table (the SQL is `aggregates_repository`'s)."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.api.access.caller import Caller
from services.api.complaints import aggregates_repository
from services.api.complaints.deadlines import now_utc
from services.kit.errors import field_error
from shared.contract.complaints import (
    COMPLAINT_GROUP_KEYS,
    COMPLAINT_STATS_INCLUDES,
    ComplaintCounts,
    ComplaintStats,
)
from shared.enums import (
    ComplaintType,
    Risk,
)
from shared.periods import BOGOTA


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
    return await aggregates_repository.aggregate(
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


def _rollup_question(group_by: Sequence[str], filters: AggregateFilters) -> aggregates_repository.RollupQuestion | None:
    """The aggregate as the rollup tables hold it, or None when it does not fit them (other keys, a channel
    filter, a range that is not whole Bogotá months)."""
    months = _rollup_months(filters)
    if months is None or not set(group_by) <= ROLLUP_KEYS or filters.channel is not None:
        return None
    equals = {"entity_id": filters.entity_id, "type": filters.type, "risk": filters.risk}
    return aggregates_repository.RollupQuestion(group_by, equals, *months)


async def count_complaints(
    session: AsyncSession, caller: Caller, group_by: Sequence[str], filters: AggregateFilters
) -> ComplaintCounts:
    """From the monthly rollup when the question fits it (its keys, whole Bogotá months), else the table."""
    question = _rollup_question(group_by, filters)
    if question is not None:
        rows = await aggregates_repository.count_from_rollup(session, caller, question)
    else:
        rows = await _aggregate(session, caller, group_by, filters, aggregates_repository.count_measures())
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
        measures = aggregates_repository.stats_measures(as_of, median_hours="median_response_hours" in include)
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
    rows = await aggregates_repository.stats_from_rollup(session, caller, question)
    # An answer after the cut-off was not there yet at the cut-off: only the table knows the earlier state.
    if any(row["last_answered_at"] is not None and row["last_answered_at"] > cut_off for row in rows):
        return None
    medians = await aggregates_repository.median_days_from_rollup(session, caller, question)
    overdue = await aggregates_repository.overdue_unanswered(
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
