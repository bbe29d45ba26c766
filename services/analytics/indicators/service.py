"""Indicator figures: the plan's indicators, measurements and execution from the API -> frames -> compute."""

import asyncio
import uuid
from datetime import UTC, datetime

import pandas as pd
from starlette.concurrency import run_in_threadpool

from services.analytics.clients.api import ApiClient
from services.analytics.indicators import compute
from services.analytics.indicators.compute import INDICATOR_COLUMNS, MEASUREMENT_COLUMNS
from services.analytics.plans.frames import progress_frame
from services.analytics.plans.service import cut_off, end_of_month, progress_summary
from services.kit.errors import field_error
from shared.contract.analytics_plans import IndicatorFigure, IndicatorReport
from shared.contract.plans import Indicator, Measurement, Plan
from shared.periods import Month, Period

__all__ = ["indicator_report"]


def _period(code: str | None, plan: Plan) -> Period:
    if code is None:
        return Period.parse(str(plan.year))
    try:
        return Period.parse(code)
    except ValueError as error:
        raise field_error("period", str(error)) from None


def _indicators_frame(indicators: list[Indicator]) -> pd.DataFrame:
    rows = [
        [
            str(item.id),
            str(item.activity_id),
            item.name,
            item.formula_text,
            item.numerator_label,
            item.denominator_label,
            item.factor,
            float("nan") if item.target is None else item.target,
            item.kind.value,
        ]
        for item in indicators
    ]
    return pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS)).astype(INDICATOR_COLUMNS)


def _measurements_frame(measurements: list[Measurement]) -> pd.DataFrame:
    rows = [
        [
            str(item.indicator_id),
            item.period,
            item.numerator,
            float("nan") if item.denominator is None else item.denominator,
        ]
        for item in measurements
    ]
    return pd.DataFrame(rows, columns=list(MEASUREMENT_COLUMNS)).astype(MEASUREMENT_COLUMNS)


def _previous(month: Month) -> Month:
    return Month(month.year - 1, 12) if month.month == 1 else Month(month.year, month.month - 1)


async def indicator_report(
    api: ApiClient, plan_id: uuid.UUID, *, period: str | None, as_of: str | None
) -> IndicatorReport:
    """Each indicator's figure in a period; execution counted up to the period's end or the cut-off, if earlier."""
    now = datetime.now(UTC)
    cut = cut_off(as_of, now)
    plan = await api.get(f"/v1/plans/{plan_id}", Plan)
    wanted = _period(period, plan)
    first_year, first_month = wanted.months[0]
    last_year, last_month = wanted.months[-1]
    end = min(Month(last_year, last_month), cut, key=lambda month: (month.year, month.month))
    before = _previous(Month(first_year, first_month))
    # Execution before the plan's first month is nothing: no second summary to subtract then.
    needs_before = (before.year, before.month) >= (plan.period_start.year, plan.period_start.month)
    indicators, measurements, to_end, earlier = await asyncio.gather(
        api.get_all("/v1/indicators", Indicator, {"plan_id": plan_id}),
        api.get_all("/v1/measurements", Measurement, {"plan_id": plan_id}),
        progress_summary(api, plan_id, end),
        progress_summary(api, plan_id, before) if needs_before else asyncio.sleep(0, result=None),
    )
    execution = compute.period_execution(
        progress_frame(to_end), progress_frame(earlier) if earlier is not None else None
    )
    # A period after the cut-off has no execution yet; counting "before" beyond "to_end" would go negative.
    if (before.year, before.month) >= (end.year, end.month):
        execution = execution.assign(executed_quantity=0, months_reported=0)
    records = await run_in_threadpool(
        compute.indicator_figures,
        _indicators_frame(indicators),
        _measurements_frame(measurements),
        execution,
        period=wanted,
        plan_year=plan.year,
    )
    stamp_as_of = min(now, end_of_month(cut))
    return IndicatorReport(
        plan_id=plan.id,
        period=wanted.code,
        as_of=stamp_as_of,
        items=[IndicatorFigure(**record, period=wanted.code, as_of=stamp_as_of) for record in records],
    )
