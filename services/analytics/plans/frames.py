"""Plan contract models <-> DataFrames, with the explicit columns and dtypes the compute functions expect."""

from typing import Any

import pandas as pd

from services.analytics.plans.compute import ACTIVITY_COLUMNS
from shared.contract.analytics_plans import PlanExecution
from shared.contract.plans import PlanProgressSummary

__all__ = ["EXECUTION_TABLE_COLUMNS", "execution_table", "progress_frame"]


def progress_frame(summary: PlanProgressSummary) -> pd.DataFrame:
    """One row per activity of the summary, columns `ACTIVITY_COLUMNS` (ids and codes as str)."""
    items = summary.activities
    columns: dict[str, list[Any]] = {
        "activity_id": [str(item.activity_id) for item in items],
        "goal_id": [str(item.goal_id) for item in items],
        "axis": [item.axis.value for item in items],
        "line": [item.line for item in items],
        "goal_code": [item.goal_code for item in items],
        "code": [item.code for item in items],
        "planned_quantity": [item.planned_quantity for item in items],
        "planned_budget": [item.planned_budget for item in items],
        "schedule_months": [item.schedule_months for item in items],
        "executed_quantity": [item.executed_quantity for item in items],
        "people_reached": [item.people_reached for item in items],
        "executed_budget": [item.executed_budget for item in items],
        "months_reported": [item.months_reported for item in items],
        "flagged_months": [item.flagged_months for item in items],
    }
    # Built column by column with its dtype: a 2,000-row plan costs a few milliseconds, not tens.
    return pd.DataFrame(
        {name: pd.Series(values, dtype=ACTIVITY_COLUMNS[name]) for name, values in columns.items()},
        columns=list(ACTIVITY_COLUMNS),
    )


# Spreadsheet columns of the execution table, in order, with their Spanish headers.
EXECUTION_TABLE_COLUMNS: dict[str, str] = {
    "level": "Nivel",
    "axis": "Eje",
    "name": "Nombre",
    "goal_code": "Meta",
    "code": "Actividad",
    "numerator": "Ejecutado (numerador)",
    "denominator": "Programado (denominador)",
    "value": "Ejecución física (%)",
    "uncapped_value": "Ejecución sin tope (%)",
    "over_100": "Sobre-ejecución",
    "reason": "Motivo sin valor",
    "expected": "Avance esperado a la fecha (%)",
    "traffic_light": "Semáforo",
    "people_reached": "Personas alcanzadas",
    "planned_budget": "Presupuesto programado (COP)",
    "executed_budget": "Presupuesto ejecutado (COP)",
    "months_reported": "Meses reportados",
    "flagged_months": "Meses «no ejecutada» con cantidad",
    "method": "Método",
}


def execution_table(execution: PlanExecution, plan_title: str) -> pd.DataFrame:
    """The plan, its axes, goals and activities as one table (a `level` column tells them apart)."""
    rows: list[dict[str, Any]] = []

    def figure_row(level: str, figure: Any, **keys: Any) -> dict[str, Any]:
        return {
            "level": level,
            **keys,
            "numerator": figure.numerator,
            "denominator": figure.denominator,
            "value": figure.value,
            "over_100": figure.over_100,
            "reason": figure.reason,
            "expected": figure.expected_to_date.value,
            "traffic_light": figure.traffic_light.value if figure.traffic_light else None,
            "method": figure.method,
        }

    rows.append(figure_row("Plan", execution.plan, name=plan_title))
    for axis in execution.axes:
        rows.append(figure_row("Eje", axis, axis=axis.axis.value, name=axis.name))
    for goal in execution.goals:
        rows.append(figure_row("Meta", goal, axis=goal.axis.value, goal_code=goal.code))
    for activity in execution.activities:
        row = figure_row(
            "Actividad", activity, axis=activity.axis.value, goal_code=activity.goal_code, code=activity.code
        )
        row.update(
            uncapped_value=activity.uncapped_value,
            people_reached=activity.people_reached,
            planned_budget=activity.planned_budget,
            executed_budget=activity.executed_budget,
            months_reported=activity.months_reported,
            flagged_months=", ".join(activity.flagged_months),
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(EXECUTION_TABLE_COLUMNS))
