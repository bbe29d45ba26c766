"""PPSS action plans and everything under them. Children carry `plan_id` so a plan's rows filter in one step."""

import uuid
from datetime import date

from sqlalchemy import ARRAY, BigInteger, Index, SmallInteger
from sqlmodel import Field

from services.api.models.base import LIVE_ROWS, RecordColumns


class PlanRow(RecordColumns, table=True):
    __tablename__ = "plans"
    __table_args__ = (Index("uq_plans_org_year", "organization_id", "year", unique=True, postgresql_where=LIVE_ROWS),)

    year: int = Field(index=True)
    title: str = Field(max_length=500)
    objective: str | None = None
    status: str = Field(max_length=20, default="borrador")
    previous_plan_id: uuid.UUID | None = Field(default=None, foreign_key="plans.id")
    period_start: date
    period_end: date


class GoalRow(RecordColumns, table=True):
    __tablename__ = "goals"
    __table_args__ = (
        # The Ministry's files reuse M01 in each línea, so the code is unique only within axis and line.
        Index(
            "uq_goals_plan_axis_line_code",
            "plan_id",
            "axis",
            "line",
            "code",
            unique=True,
            postgresql_where=LIVE_ROWS,
        ),
    )

    plan_id: uuid.UUID = Field(foreign_key="plans.id", index=True)
    axis: str = Field(max_length=2)
    line: str = Field(max_length=2, default="a")
    code: str = Field(max_length=10)
    text: str
    baseline: str | None = None


class ActivityRow(RecordColumns, table=True):
    __tablename__ = "activities"
    __table_args__ = (Index("uq_activities_goal_code", "goal_id", "code", unique=True, postgresql_where=LIVE_ROWS),)

    plan_id: uuid.UUID = Field(foreign_key="plans.id", index=True)
    goal_id: uuid.UUID = Field(foreign_key="goals.id", index=True)
    code: str = Field(max_length=10)
    text: str
    target_text: str | None = None
    responsible: str | None = Field(default=None, max_length=300)
    planned_quantity: int = 0
    unit: str | None = Field(default=None, max_length=100)
    start_date: date
    end_date: date
    planned_budget: int = Field(default=0, sa_type=BigInteger)
    schedule_months: list[int] = Field(default_factory=list, sa_type=ARRAY(SmallInteger), nullable=False)
    sequence: int | None = None
    target_group_code: str | None = Field(default=None, max_length=2)
    municipality_code: str | None = Field(default=None, max_length=5)


class IndicatorRow(RecordColumns, table=True):
    __tablename__ = "indicators"

    plan_id: uuid.UUID = Field(foreign_key="plans.id", index=True)
    activity_id: uuid.UUID = Field(foreign_key="activities.id", index=True)
    name: str = Field(max_length=500)
    formula_text: str | None = None
    numerator_label: str | None = Field(default=None, max_length=500)
    denominator_label: str | None = Field(default=None, max_length=500)
    factor: int = 100
    target: float | None = None
    periodicity: str = Field(max_length=20, default="anual")
    kind: str = Field(max_length=20, default="proporcion")


class MeasurementRow(RecordColumns, table=True):
    __tablename__ = "measurements"
    __table_args__ = (
        Index(
            "uq_measurements_indicator_period",
            "indicator_id",
            "period",
            unique=True,
            postgresql_where=LIVE_ROWS,
        ),
    )

    plan_id: uuid.UUID = Field(foreign_key="plans.id", index=True)
    indicator_id: uuid.UUID = Field(foreign_key="indicators.id", index=True)
    period: str = Field(max_length=10)
    numerator: float
    denominator: float | None = None


class ActivityProgressRow(RecordColumns, table=True):
    __tablename__ = "activity_progress"
    __table_args__ = (
        Index(
            "uq_activity_progress_activity_month",
            "activity_id",
            "month",
            unique=True,
            postgresql_where=LIVE_ROWS,
        ),
    )

    plan_id: uuid.UUID = Field(foreign_key="plans.id", index=True)
    activity_id: uuid.UUID = Field(foreign_key="activities.id", index=True)
    month: str = Field(max_length=7)
    executed_quantity: int = 0
    people_reached: int = 0
    executed_budget: int = Field(default=0, sa_type=BigInteger)
    evidence_url: str | None = Field(default=None, max_length=2000)
    executed: bool = True
    note: str | None = None
