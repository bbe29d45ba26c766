"""PPSS action plans (Resolución 2063 de 2017): plans, goals, activities, indicators, measurements, progress."""

from datetime import date
from uuid import UUID

from pydantic import Field

from shared.contract.base import ContractModel, Record
from shared.enums import Axis, IndicatorKind, Periodicity, PlanStatus


class Plan(Record):
    """A yearly PPSS action plan of one organisation."""

    year: int
    title: str
    objective: str | None = None
    status: PlanStatus
    previous_plan_id: UUID | None = None
    period_start: date
    period_end: date


class Goal(Record):
    """A goal (meta) of a plan, in one axis (eje) and línea."""

    plan_id: UUID
    axis: Axis
    line: str = Field(description="Letra de la línea del eje (`a`, `b`, …).")
    code: str = Field(description="Código de la meta, `M01`; se repite entre líneas como en PISIS.")
    text: str
    baseline: str | None = None


class Activity(Record):
    """An activity of a goal, with its programmed quantity, dates, budget and monthly schedule."""

    plan_id: UUID
    goal_id: UUID
    code: str
    text: str
    target_text: str | None = None
    responsible: str | None = None
    planned_quantity: int
    unit: str | None = None
    start_date: date
    end_date: date
    planned_budget: int = Field(description="Presupuesto programado en pesos colombianos (COP).")
    schedule_months: list[int] = Field(description="Meses programados (1–12), las X del cronograma.")
    sequence: int | None = None
    target_group_code: str | None = None
    municipality_code: str | None = None


class Indicator(Record):
    """How an activity is measured; the formula is kept as written."""

    plan_id: UUID
    activity_id: UUID
    name: str
    formula_text: str | None = None
    numerator_label: str | None = None
    denominator_label: str | None = None
    factor: int
    target: float | None = None
    periodicity: Periodicity
    kind: IndicatorKind


class Measurement(Record):
    """A measured value of an indicator in one period."""

    plan_id: UUID
    indicator_id: UUID
    period: str = Field(description="Periodo: `2026`, `2026S1`, `2026Q1`, `2026B1` o `2026-03`.")
    numerator: float
    denominator: float | None = None


class ActivityProgress(Record):
    """What was executed of an activity in one month."""

    plan_id: UUID
    activity_id: UUID
    month: str = Field(description="Mes `YYYY-MM`.")
    executed_quantity: int
    people_reached: int
    executed_budget: int
    evidence_url: str | None = None
    executed: bool
    note: str | None = None


class IndicatorNode(Indicator):
    """An indicator inside a plan tree."""


class ActivityNode(Activity):
    """An activity inside a plan tree, with its indicators."""

    indicators: list[IndicatorNode]


class GoalNode(Goal):
    """A goal inside a plan tree, with its activities."""

    activities: list[ActivityNode]


class AxisNode(ContractModel):
    """One of the five axes of a plan tree, with its goals."""

    axis: Axis
    name: str
    goals: list[GoalNode]


class PlanTree(Plan):
    """The whole plan in one response: axes → goals → activities → indicators."""

    axes: list[AxisNode]


class ActivityProgressTotals(ContractModel):
    """One activity of a plan with what it programmed and the sum of what was reported up to the cut-off."""

    activity_id: UUID
    goal_id: UUID
    axis: Axis
    line: str
    goal_code: str
    code: str
    planned_quantity: int
    planned_budget: int = Field(description="Presupuesto programado (COP).")
    schedule_months: list[int] = Field(description="Meses programados (1–12) del año del plan.")
    executed_quantity: int = Field(description="Σ cantidad ejecutada reportada hasta el corte, tal como se reportó.")
    people_reached: int = Field(description="Σ personas alcanzadas hasta el corte.")
    executed_budget: int = Field(description="Σ presupuesto ejecutado (COP) hasta el corte.")
    months_reported: int = Field(description="Meses con ejecución registrada hasta el corte.")
    flagged_months: list[str] = Field(
        description="Meses marcados como no ejecutados pero con cantidad reportada (se suman, no se anulan)."
    )


class PlanProgressSummary(ContractModel):
    """Executed totals of every activity of a plan up to and including a month, summed in PostgreSQL."""

    plan_id: UUID
    year: int
    title: str
    period_start: date
    period_end: date
    as_of: str = Field(description="Mes de corte `YYYY-MM`, incluido.")
    activities: list[ActivityProgressTotals]
