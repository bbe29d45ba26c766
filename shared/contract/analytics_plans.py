"""Analytics figures of PPSS action plans: physical and budget execution, expected to date, indicators."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from shared.contract.analytics import Figure
from shared.contract.base import ContractModel
from shared.enums import Axis, IndicatorKind

__all__ = [
    "ActivityExecution",
    "AxisExecution",
    "ExecutionFigure",
    "ExecutionMethod",
    "GoalExecution",
    "IndicatorFigure",
    "IndicatorReport",
    "PlanExecution",
    "Thresholds",
    "TrafficLight",
]


class ExecutionMethod(StrEnum):
    """How the physical execution of a group of activities is computed."""

    SUM = "sum"
    """Σ executed ÷ Σ programmed: big activities weigh more; over-execution of one can hide another's delay."""
    MEAN_CAPPED = "mean_capped"
    """Mean of the per-activity ratios, each capped at 100 %: every activity weighs the same."""


class TrafficLight(StrEnum):
    """Semáforo: physical execution against what the schedule expected by the cut-off."""

    VERDE = "verde"
    AMARILLO = "amarillo"
    ROJO = "rojo"


class ExecutionFigure(Figure):
    """Physical execution with what the schedule expected by the cut-off and the resulting traffic light."""

    expected_to_date: Figure = Field(
        description="Meses programados hasta el corte (incluido) ÷ meses programados × 100 "
        "(`scheduled_months_to_date`)."
    )
    traffic_light: TrafficLight | None = Field(
        description="Ejecución física ÷ esperada: `verde` ≥ umbral verde, `amarillo` ≥ umbral amarillo, `rojo` "
        "debajo; `verde` si aún no se esperaba nada; nulo si alguna de las dos no tiene valor."
    )


class ActivityExecution(ExecutionFigure):
    """One activity: executed ÷ programmed quantity (capped at 100 with `mean_capped`)."""

    activity_id: UUID
    goal_id: UUID
    axis: Axis
    goal_code: str
    code: str
    planned_quantity: int
    executed_quantity: int
    uncapped_value: float | None = Field(
        description="Ejecutado ÷ programado × 100 sin tope, para ver la sobre-ejecución."
    )
    people_reached: int
    planned_budget: int
    executed_budget: int
    months_reported: int
    flagged_months: list[str] = Field(description="Meses «no ejecutada» con cantidad reportada (se suman tal cual).")


class GoalExecution(ExecutionFigure):
    """One goal (meta): its activities' execution by the chosen method."""

    goal_id: UUID
    axis: Axis
    line: str
    code: str
    activities: int


class AxisExecution(ExecutionFigure):
    """One of the five axes (ejes); an axis without activities has no value."""

    axis: Axis
    name: str
    activities: int


class Thresholds(ContractModel):
    """Where the traffic light changes colour, as fractions of the expected execution."""

    green: float
    amber: float


class PlanExecution(ContractModel):
    """Execution of a plan up to and including a month, per activity, goal, axis and for the whole plan."""

    plan_id: UUID
    year: int
    method: ExecutionMethod
    cut_off_month: str = Field(description="Mes de corte `YYYY-MM`, incluido.")
    as_of: datetime
    thresholds: Thresholds
    plan: ExecutionFigure
    axes: list[AxisExecution]
    goals: list[GoalExecution]
    activities: list[ActivityExecution]
    budget: Figure = Field(description="Σ presupuesto ejecutado ÷ Σ presupuesto programado × 100.")
    completed_activities: Figure = Field(
        description="Actividades con ejecutado ≥ programado ÷ actividades con cantidad programada × 100."
    )
    over_executed: list[UUID] = Field(description="Actividades con más ejecutado que programado.")


class IndicatorFigure(Figure):
    """One indicator: achieved ÷ programmed × factor, with its formula kept as the plan wrote it."""

    indicator_id: UUID
    activity_id: UUID
    name: str
    formula_text: str | None
    numerator_label: str | None
    denominator_label: str | None
    kind: IndicatorKind
    target: float | None


class IndicatorReport(ContractModel):
    """The figure of every indicator of a plan in one period."""

    plan_id: UUID
    period: str
    as_of: datetime
    items: list[IndicatorFigure]
