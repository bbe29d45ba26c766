"""Indicator figures (domain.md c.1), as pure pandas functions: frames of indicators, measurements and
activity execution in, one record per indicator out.

Every figure is *cumplimiento* = achieved ÷ programmed × the indicator's factor, whatever order the plan
wrote its formula in ("Capacitaciones programadas / Capacitaciones asistidas" is computed as asistidas ÷
programadas); the text is kept as written beside the figure.

From measurements (`method = achieved_over_programmed`), for a period P:
- the measurement of exactly P when there is one; otherwise those whose periods lie inside P, of the
  coarsest granularity present (a semester rather than its months, so nothing is counted twice), summed;
- achieved = Σ numerators; programmed = Σ denominators. A measurement without a denominator is completed
  by the kind: `si_no` counts each measurement as 1 (the share of "sí"), `conteo` takes the indicator's
  target as the count to reach; a `proporcion` without a denominator has no value.

Derived when the indicator has no measurement in P (`method = derived_from_activity_progress`), from its
activity: achieved = quantity executed in the months of P; programmed = the activity's programmed
quantity × months of its schedule inside P ÷ months of its schedule (all of it when the schedule is
empty). The schedule months are months of the plan's year.

A zero or missing programme gives value None with a Spanish `reason`, never 0 % or 100 %.
"""

from collections.abc import Collection
from typing import Any

import pandas as pd

from services.analytics.plans.compute import frame_records, ratio
from shared.enums import IndicatorKind
from shared.periods import Period

__all__ = [
    "INDICATOR_COLUMNS",
    "MEASUREMENT_COLUMNS",
    "PROGRESS_COLUMNS",
    "indicator_figures",
    "period_execution",
    "select_measurements",
]

INDICATOR_COLUMNS: dict[str, str] = {
    "indicator_id": "object",
    "activity_id": "object",
    "name": "object",
    "formula_text": "object",
    "numerator_label": "object",
    "denominator_label": "object",
    "factor": "int64",
    "target": "float64",
    "kind": "object",
}
MEASUREMENT_COLUMNS: dict[str, str] = {
    "indicator_id": "object",
    "period": "object",
    "numerator": "float64",
    "denominator": "float64",
}
PROGRESS_COLUMNS: dict[str, str] = {
    "activity_id": "object",
    "planned_quantity": "int64",
    "schedule_months": "object",
    "executed_quantity": "int64",
    "months_reported": "int64",
}

MEASURED = "achieved_over_programmed"
DERIVED = "derived_from_activity_progress"


def period_execution(to_end: pd.DataFrame, before: pd.DataFrame | None) -> pd.DataFrame:
    """Execution inside a period: totals up to its last month minus totals up to the month before it."""
    frame = to_end[list(PROGRESS_COLUMNS)].copy()
    if before is None or before.empty:
        return frame
    earlier = before.set_index("activity_id")[["executed_quantity", "months_reported"]]
    aligned = earlier.reindex(frame["activity_id"]).fillna(0).astype("int64")
    frame["executed_quantity"] = frame["executed_quantity"].to_numpy() - aligned["executed_quantity"].to_numpy()
    frame["months_reported"] = frame["months_reported"].to_numpy() - aligned["months_reported"].to_numpy()
    return frame


def select_measurements(measurements: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The measurements that make up `period`: the exact one, else those inside it that do not overlap,
    the coarsest first (an S1 measurement and the monthly ones of July to December make up the year; the
    months of January to June are already in S1 and are not counted twice)."""
    if measurements.empty:
        return measurements
    parsed = [Period.parse(code) for code in measurements["period"]]
    exact = [candidate == period for candidate in parsed]
    if any(exact):
        return measurements[exact]
    inside = [
        position
        for position, candidate in enumerate(parsed)
        if period.start_date <= candidate.start_date and candidate.end_date <= period.end_date
    ]
    inside.sort(key=lambda position: (-parsed[position].granularity.months, parsed[position].start_date, position))
    chosen: list[int] = []
    for position in inside:
        candidate = parsed[position]
        if all(
            candidate.end_date < parsed[taken].start_date or parsed[taken].end_date < candidate.start_date
            for taken in chosen
        ):
            chosen.append(position)
    keep = [position in chosen for position in range(len(parsed))]
    return measurements[keep]


def _measured(indicator: dict[str, Any], rows: pd.DataFrame) -> dict[str, Any]:
    kind = IndicatorKind(indicator["kind"])
    achieved = float(rows["numerator"].sum())
    denominators = rows["denominator"]
    zero_reason = "el denominador medido es 0"
    if denominators.notna().all():
        programmed = float(denominators.sum())
    elif kind is IndicatorKind.SI_NO:
        programmed = float(denominators.fillna(1.0).sum())
    elif kind is IndicatorKind.CONTEO and pd.notna(indicator["target"]):
        programmed = float(indicator["target"])
        zero_reason = "la meta del indicador es 0"
    else:
        programmed = 0.0
        zero_reason = (
            "la medición no tiene denominador ni el indicador meta"
            if kind is IndicatorKind.CONTEO
            else "la medición no tiene denominador"
        )
    return ratio(
        achieved,
        programmed,
        factor=int(indicator["factor"]),
        method=MEASURED,
        source_records=len(rows),
        zero_reason=zero_reason,
    )


def _derived(
    indicator: dict[str, Any], activity: dict[str, Any] | None, *, plan_year: int, period_months: Collection[int]
) -> dict[str, Any]:
    if activity is None:
        return ratio(
            0,
            0,
            factor=int(indicator["factor"]),
            method=DERIVED,
            source_records=0,
            zero_reason="sin mediciones en el periodo ni actividad con ejecución",
        )
    marked = set(activity["schedule_months"])
    planned = float(activity["planned_quantity"])
    if marked:
        planned = planned * len(marked & set(period_months)) / len(marked)
    return ratio(
        float(activity["executed_quantity"]),
        planned,
        factor=int(indicator["factor"]),
        method=DERIVED,
        source_records=int(activity["months_reported"]),
        zero_reason="sin mediciones en el periodo ni cantidad programada en sus meses",
    )


def indicator_figures(
    indicators: pd.DataFrame,
    measurements: pd.DataFrame,
    execution: pd.DataFrame,
    *,
    period: Period,
    plan_year: int,
) -> list[dict[str, Any]]:
    """One record per indicator, in the indicators' order: its fields and its figure (module rules).

    `execution` is each activity's execution inside the period (`period_execution`).
    """
    period_months = [month for year, month in period.months if year == plan_year]
    by_indicator: dict[Any, pd.DataFrame] = {}
    for indicator_id, measured in measurements.groupby("indicator_id", sort=False):
        chosen = select_measurements(measured, period)
        if len(chosen):
            by_indicator[indicator_id] = chosen
    activities = {str(row["activity_id"]): row for row in frame_records(execution)}
    records = []
    for indicator in frame_records(indicators):
        rows = by_indicator.get(indicator["indicator_id"])
        if rows is not None:
            figure = _measured(indicator, rows)
        else:
            activity = activities.get(str(indicator["activity_id"]))
            figure = _derived(indicator, activity, plan_year=plan_year, period_months=period_months)
        target = indicator["target"]
        records.append(
            {
                "indicator_id": indicator["indicator_id"],
                "activity_id": indicator["activity_id"],
                "name": indicator["name"],
                "formula_text": _text(indicator["formula_text"]),
                "numerator_label": _text(indicator["numerator_label"]),
                "denominator_label": _text(indicator["denominator_label"]),
                "kind": indicator["kind"],
                "target": None if pd.isna(target) else float(target),
                **figure,
            }
        )
    return records


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
