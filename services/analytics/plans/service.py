"""Plan execution: the API's progress summary -> a frame -> `compute.plan_execution` -> `PlanExecution`."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool

from services.analytics.clients.api import ApiClient
from services.analytics.plans import compute
from services.analytics.plans.frames import progress_frame
from services.kit.errors import field_error
from shared.contract.analytics_plans import ExecutionMethod, PlanExecution
from shared.contract.plans import PlanProgressSummary
from shared.periods import BOGOTA, Month, bogota_date

__all__ = ["PlanExecutionAnswer", "cut_off", "end_of_month", "plan_execution", "progress_summary"]


@dataclass(frozen=True)
class PlanExecutionAnswer:
    """The answer as plain data, exactly the `PlanExecution` contract, and the plan's title for documents."""

    payload: dict[str, Any]
    title: str

    def model(self) -> PlanExecution:
        return PlanExecution.model_validate(self.payload)


def cut_off(as_of: str | None, now: datetime) -> Month:
    """The cut-off month: `YYYY-MM`, or a date or RFC 3339 instant taken by its Bogotá month (execution is
    reported by month); the current Bogotá month by default, and never later (data of the future does not
    exist yet, so a later cut-off would count months as due that have not come). 422 naming `as_of` otherwise."""
    today = bogota_date(now)
    current = Month(today.year, today.month)
    if as_of is None:
        return current
    try:
        return min(Month.parse(as_of), current)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(as_of.strip())
        day = bogota_date(moment) if moment.tzinfo is not None else moment.date()
        return min(Month(day.year, day.month), current)
    except ValueError:
        raise field_error(
            "as_of", f"El corte es un mes AAAA-MM (2026-06), una fecha o un instante RFC 3339; se recibió «{as_of}»."
        ) from None


def end_of_month(month: Month) -> datetime:
    """The last instant of a month in Bogotá."""
    following = Month(month.year + 1, 1) if month.month == 12 else Month(month.year, month.month + 1)
    return datetime.combine(date(following.year, following.month, 1), time.min, tzinfo=BOGOTA) - timedelta(
        microseconds=1
    )


async def progress_summary(api: ApiClient, plan_id: uuid.UUID, month: Month) -> PlanProgressSummary:
    return await api.get(f"/v1/plans/{plan_id}/progress-summary", PlanProgressSummary, {"as_of": month.code})


def _check_thresholds(green: float, amber: float) -> None:
    if amber > green:
        raise field_error("amber", f"El umbral amarillo ({amber}) no puede superar al verde ({green}).")


def _stamp(record: dict[str, Any], period: str, as_of: datetime) -> dict[str, Any]:
    """Add the period and cut-off every figure carries, to the figure and to its nested expected-to-date."""
    stamped = {**record, "period": period, "as_of": as_of}
    if isinstance(record.get("expected_to_date"), dict):
        stamped["expected_to_date"] = {**record["expected_to_date"], "period": period, "as_of": as_of}
    return stamped


async def plan_execution(
    api: ApiClient,
    plan_id: uuid.UUID,
    *,
    as_of: str | None,
    method: ExecutionMethod,
    green: float,
    amber: float,
) -> PlanExecutionAnswer:
    now = datetime.now(UTC)
    _check_thresholds(green, amber)
    month = cut_off(as_of, now)
    summary = await progress_summary(api, plan_id, month)
    frame = progress_frame(summary)
    result = await run_in_threadpool(
        compute.plan_execution,
        frame,
        method=method,
        plan_year=summary.year,
        cut_off_year=month.year,
        cut_off_month=month.month,
        green=green,
        amber=amber,
    )
    stamp_as_of = min(now, end_of_month(month))
    period = str(summary.year)
    # Plain data: a 2,000-activity plan carries some 60,000 figure fields, which the router serialises
    # directly for JSON (validating them into models costs more than all of the computing).
    payload = {
        "plan_id": summary.plan_id,
        "year": summary.year,
        "method": method,
        "cut_off_month": month.code,
        "as_of": stamp_as_of,
        "thresholds": {"green": green, "amber": amber},
        "plan": _stamp(result.plan, period, stamp_as_of),
        "axes": [_stamp(axis, period, stamp_as_of) for axis in result.axes],
        "goals": [_stamp(goal, period, stamp_as_of) for goal in result.goals],
        "activities": [_stamp(activity, period, stamp_as_of) for activity in result.activities],
        "budget": _stamp(result.budget, period, stamp_as_of),
        "completed_activities": _stamp(result.completed_activities, period, stamp_as_of),
        "over_executed": result.over_executed,
    }
    return PlanExecutionAnswer(payload=payload, title=summary.title)
