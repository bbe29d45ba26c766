"""Plan execution figures (domain.md c.1), as pure pandas functions: a frame of activities in, records out.

The input is one row per live activity, as the API's progress summary gives it (`ACTIVITY_COLUMNS`):
its programme (quantity, budget, months marked in the schedule) and its execution summed up to the
cut-off month. Executed quantities count as reported: a month marked «no ejecutada» that still carries a
quantity was flagged when it was recorded, and is summed, not zeroed.

Rules
- Physical execution of an activity: executed ÷ programmed × 100. With `sum` the value is uncapped; with
  `mean_capped` it is capped at 100. `uncapped_value` and `over_100` always show over-execution (3 → 4).
- Physical execution of a goal, an axis or the plan: `sum` = Σ executed ÷ Σ programmed × 100;
  `mean_capped` = mean over its activities with a programmed quantity of min(executed ÷ programmed, 1)
  × 100 (numerator Σ capped ratios, denominator the number of those activities). An activity with
  nothing programmed cannot have a ratio, so it is left out of the mean (and of completed activities).
- Expected to date: months marked up to and including the cut-off month ÷ months marked (pooled over the
  group's activities). Schedule months are months of the plan's year: a cut-off in an earlier year
  expects nothing yet, one in a later year expects everything.
- Traffic light: physical ÷ expected (both unrounded): `verde` ≥ green, `amarillo` ≥ amber, `rojo` below.
  When nothing was expected yet (0 months due) the group cannot be late: `verde`. No light when either
  figure has no value.
- Budget execution: Σ executed budget ÷ Σ programmed budget × 100. Completed activities: activities with
  executed ≥ programmed ÷ activities with a programmed quantity × 100.
- Over-executed activities: executed > programmed, including work reported on an activity with nothing
  programmed (which has no ratio).
- A zero denominator gives value None with a Spanish `reason`, never 0 % or 100 %.
- `source_records`: monthly execution records behind a physical or budget figure; activities behind
  expected-to-date and completed-activities figures.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from shared.contract.analytics_plans import ExecutionMethod, TrafficLight
from shared.enums import AXIS_LABELS, Axis

__all__ = [
    "ACTIVITY_COLUMNS",
    "AMBER",
    "GREEN",
    "PlanExecutionResult",
    "frame_records",
    "months_to_date",
    "plan_execution",
    "ratio",
    "traffic_light",
]

GREEN = 0.9
AMBER = 0.7

ACTIVITY_COLUMNS: dict[str, str] = {
    "activity_id": "object",
    "goal_id": "object",
    "axis": "object",
    "line": "object",
    "goal_code": "object",
    "code": "object",
    "planned_quantity": "int64",
    "planned_budget": "int64",
    "schedule_months": "object",
    "executed_quantity": "int64",
    "people_reached": "int64",
    "executed_budget": "int64",
    "months_reported": "int64",
    "flagged_months": "object",
}

# Ratios of traffic lights compared within floating-point noise, so a value exactly at a threshold
# (45 % executed against 50 % expected is 0.9) is not pushed below it by rounding of the mean.
_TOLERANCE = 1e-9

_PHYSICAL_METHOD = {
    ExecutionMethod.SUM: "sum_executed_over_sum_programmed",
    ExecutionMethod.MEAN_CAPPED: "mean_of_capped_activity_ratios",
}
_EXPECTED_METHOD = "scheduled_months_to_date"


@dataclass(frozen=True)
class PlanExecutionResult:
    """Figures without period and cut-off instant; the service stamps those when it builds the response."""

    plan: dict[str, Any]
    axes: list[dict[str, Any]]
    goals: list[dict[str, Any]]
    activities: list[dict[str, Any]]
    budget: dict[str, Any]
    completed_activities: dict[str, Any]
    over_executed: list[str]


def ratio(
    numerator: float,
    denominator: float,
    *,
    method: str,
    source_records: int,
    zero_reason: str,
    factor: int = 100,
    cap: bool = False,
) -> dict[str, Any]:
    """A figure's fields: `numerator ÷ denominator × factor` rounded to 2 decimals (capped at `factor` if
    asked); None with `zero_reason` when the denominator is 0. `over_100`: the numerator exceeds the base."""
    if denominator == 0:
        value: float | None = None
        reason: str | None = zero_reason
    else:
        exact = numerator / denominator * factor
        value = round(min(exact, factor) if cap else exact, 2)
        reason = None
    return {
        "numerator": _number(numerator),
        "denominator": _number(denominator),
        "factor": factor,
        "value": value,
        "reason": reason,
        "method": method,
        "source_records": int(source_records),
        "over_100": bool(denominator != 0 and numerator > denominator),
    }


def _number(value: float) -> float:
    """Plain Python numbers (pandas hands out numpy scalars), integers kept whole."""
    if type(value) is int:
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


def months_to_date(schedule_months: Iterable[int], *, plan_year: int, cut_off_year: int, cut_off_month: int) -> int:
    """Marked months of the plan's year up to and including the cut-off month."""
    months = set(schedule_months)
    if cut_off_year < plan_year:
        return 0
    if cut_off_year > plan_year:
        return len(months)
    return sum(1 for month in months if month <= cut_off_month)


def traffic_light(
    physical: tuple[float, float],
    expected: tuple[float, float],
    *,
    green: float = GREEN,
    amber: float = AMBER,
    cap: bool = False,
) -> TrafficLight | None:
    """Colour of physical ÷ expected, each given as (numerator, denominator); see the module's rules."""
    physical_numerator, physical_denominator = physical
    expected_numerator, expected_denominator = expected
    if physical_denominator == 0 or expected_denominator == 0:
        return None
    if expected_numerator == 0:
        return TrafficLight.VERDE
    if cap:
        physical_numerator = min(physical_numerator, physical_denominator)
    # One division of products keeps integer cases exact (9 of 20 against 1 of 2 is 0.9, not 0.8999…).
    light_ratio = (physical_numerator * expected_denominator) / (physical_denominator * expected_numerator)
    if light_ratio >= green - _TOLERANCE:
        return TrafficLight.VERDE
    if light_ratio >= amber - _TOLERANCE:
        return TrafficLight.AMARILLO
    return TrafficLight.ROJO


def _prepared(activities: pd.DataFrame, *, plan_year: int, cut_off_year: int, cut_off_month: int) -> pd.DataFrame:
    frame = activities.copy()
    frame["months_marked"] = [len(set(months)) for months in frame["schedule_months"]]
    frame["months_due"] = [
        months_to_date(months, plan_year=plan_year, cut_off_year=cut_off_year, cut_off_month=cut_off_month)
        for months in frame["schedule_months"]
    ]
    programmed = frame["planned_quantity"].astype("float64")
    executed = frame["executed_quantity"].astype("float64")
    frame["rated"] = frame["planned_quantity"] > 0
    # Capped ratio of each activity with a programme; 0 for the others, which `rated` leaves out of means.
    frame["capped_ratio"] = (executed / programmed.where(frame["rated"])).clip(upper=1.0).fillna(0.0)
    frame["completed"] = frame["rated"] & (frame["executed_quantity"] >= frame["planned_quantity"])
    return frame


def _group_physical(
    totals: Mapping[str, Any], method: ExecutionMethod, *, empty_reason: str, green: float, amber: float
) -> dict[str, Any]:
    """Physical, expected and light of a group, from the sums `_aggregate` produced."""
    activities = int(totals["activities"])
    if method is ExecutionMethod.SUM:
        numerator, denominator = float(totals["executed_quantity"]), float(totals["planned_quantity"])
        zero_reason = "sin cantidad programada" if activities else empty_reason
    else:
        numerator, denominator = float(totals["capped_ratio"]), float(totals["rated"])
        zero_reason = "sin actividades con cantidad programada" if activities else empty_reason
    figure = ratio(
        numerator,
        denominator,
        method=_PHYSICAL_METHOD[method],
        source_records=int(totals["months_reported"]),
        zero_reason=zero_reason,
    )
    expected = ratio(
        float(totals["months_due"]),
        float(totals["months_marked"]),
        method=_EXPECTED_METHOD,
        source_records=activities,
        zero_reason="sin meses programados en el cronograma" if activities else empty_reason,
    )
    light = traffic_light(
        (numerator, denominator),
        (float(totals["months_due"]), float(totals["months_marked"])),
        green=green,
        amber=amber,
    )
    return {**figure, "expected_to_date": expected, "traffic_light": light}


_SUMMED = ["executed_quantity", "planned_quantity", "capped_ratio", "rated", "months_reported", "months_due"]


def _aggregate(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    grouped = frame.groupby(keys, sort=False)
    totals = grouped[[*_SUMMED, "months_marked"]].sum()
    totals["activities"] = grouped.size()
    return totals.reset_index()


def _empty_totals() -> dict[str, Any]:
    return {**dict.fromkeys([*_SUMMED, "months_marked"], 0), "activities": 0}


def plan_execution(
    activities: pd.DataFrame,
    *,
    method: ExecutionMethod,
    plan_year: int,
    cut_off_year: int,
    cut_off_month: int,
    green: float = GREEN,
    amber: float = AMBER,
) -> PlanExecutionResult:
    """Execution per activity, goal, axis and plan, with budget and completed activities (module rules)."""
    frame = _prepared(activities, plan_year=plan_year, cut_off_year=cut_off_year, cut_off_month=cut_off_month)
    cap = method is ExecutionMethod.MEAN_CAPPED
    activity_records = [_activity(row, cap=cap, green=green, amber=amber) for row in frame_records(frame)]

    goal_records = []
    for totals in frame_records(_aggregate(frame, ["goal_id", "axis", "line", "goal_code"])):
        physical = _group_physical(
            totals, method, empty_reason="la meta no tiene actividades", green=green, amber=amber
        )
        goal_records.append(
            {
                "goal_id": totals["goal_id"],
                "axis": totals["axis"],
                "line": totals["line"],
                "code": totals["goal_code"],
                "activities": int(totals["activities"]),
                **physical,
            }
        )

    by_axis = {row["axis"]: row for row in frame_records(_aggregate(frame, ["axis"]))}
    axis_records = [
        {
            "axis": axis.value,
            "name": AXIS_LABELS[axis],
            "activities": int(by_axis.get(axis.value, _empty_totals())["activities"]),
            **_group_physical(
                by_axis.get(axis.value, _empty_totals()),
                method,
                empty_reason="el eje no tiene actividades",
                green=green,
                amber=amber,
            ),
        }
        for axis in Axis
    ]

    plan_totals = {name: frame[name].sum() for name in [*_SUMMED, "months_marked"]} | {"activities": len(frame)}
    plan_record = _group_physical(
        plan_totals, method, empty_reason="el plan no tiene actividades", green=green, amber=amber
    )

    budget = ratio(
        float(frame["executed_budget"].sum()),
        float(frame["planned_budget"].sum()),
        method="sum_executed_budget_over_sum_programmed_budget",
        source_records=int(frame["months_reported"].sum()),
        zero_reason="sin presupuesto programado" if len(frame) else "el plan no tiene actividades",
    )
    completed = ratio(
        float(frame["completed"].sum()),
        float(frame["rated"].sum()),
        method="activities_executed_at_least_programmed",
        source_records=len(frame),
        zero_reason="sin actividades con cantidad programada" if len(frame) else "el plan no tiene actividades",
    )
    over_executed = [str(row["activity_id"]) for row in activity_records if row["over_100"] or _unplanned_work(row)]
    return PlanExecutionResult(
        plan=plan_record,
        axes=axis_records,
        goals=goal_records,
        activities=activity_records,
        budget=budget,
        completed_activities=completed,
        over_executed=over_executed,
    )


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a frame as dicts keyed by column name."""
    # Column lists hold plain Python values (no numpy scalars) and zip much faster than DataFrame.to_dict.
    names = [str(name) for name in frame.columns]
    columns = [frame[name].tolist() for name in frame.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _unplanned_work(activity: dict[str, Any]) -> bool:
    """Executed with nothing programmed: more than programmed, though it has no ratio."""
    return bool(activity["planned_quantity"] == 0 and activity["executed_quantity"] > 0)


def _activity(row: dict[str, Any], *, cap: bool, green: float, amber: float) -> dict[str, Any]:
    executed, programmed = row["executed_quantity"], row["planned_quantity"]
    method = _PHYSICAL_METHOD[ExecutionMethod.MEAN_CAPPED if cap else ExecutionMethod.SUM]
    figure = ratio(
        executed,
        programmed,
        method=method,
        source_records=int(row["months_reported"]),
        zero_reason="sin cantidad programada",
        cap=cap,
    )
    uncapped = round(executed / programmed * 100, 2) if programmed else None
    expected = ratio(
        row["months_due"],
        row["months_marked"],
        method=_EXPECTED_METHOD,
        source_records=1,
        zero_reason="sin meses programados en el cronograma",
    )
    light = traffic_light(
        (executed, programmed),
        (row["months_due"], row["months_marked"]),
        green=green,
        amber=amber,
        cap=cap,
    )
    return {
        "activity_id": row["activity_id"],
        "goal_id": row["goal_id"],
        "axis": row["axis"],
        "goal_code": row["goal_code"],
        "code": row["code"],
        "planned_quantity": int(row["planned_quantity"]),
        "executed_quantity": int(row["executed_quantity"]),
        "people_reached": int(row["people_reached"]),
        "planned_budget": int(row["planned_budget"]),
        "executed_budget": int(row["executed_budget"]),
        "months_reported": int(row["months_reported"]),
        "flagged_months": list(row["flagged_months"]),
        **figure,
        "uncapped_value": uncapped,
        "expected_to_date": expected,
        "traffic_light": light,
    }
