"""Inputs of the plan and goal endpoints."""

import uuid
from datetime import date

from pydantic import ConfigDict, Field

from shared.contract.base import InputModel
from shared.enums import Axis, PlanStatus

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,9}$"
LINE_PATTERN = r"^[a-z]{1,2}$"


class PlanCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "year": 2026,
                    "title": "Plan de acción 2026 Asociación de Usuarios de Aliansalud EPS",
                    "objective": "Programar acciones organizadas, inclusivas y transparentes…",
                }
            ]
        },
    )

    organization_id: uuid.UUID | None = Field(
        default=None,
        description="Organización del plan; por defecto la de la clave (obligatoria para admin).",
    )
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=500)
    objective: str | None = Field(default=None, max_length=5000)
    previous_plan_id: uuid.UUID | None = None
    period_start: date | None = Field(default=None, description="Por defecto el 1 de enero del año.")
    period_end: date | None = Field(default=None, description="Por defecto el 31 de diciembre del año.")


class PlanUpdate(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "formulado"}]})

    title: str | None = Field(default=None, min_length=1, max_length=500)
    objective: str | None = Field(default=None, max_length=5000)
    status: PlanStatus | None = Field(default=None, description="Solo borrador → formulado → en_ejecucion → evaluado.")
    previous_plan_id: uuid.UUID | None = None
    period_start: date | None = None
    period_end: date | None = None


class GoalCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "plan_id": "51aa2c1e-8a4b-4a43-9f5e-0b6a1c9d7e10",
                    "axis": "E2",
                    "line": "a",
                    "code": "M01",
                    "text": "Fortalecer las capacidades de los usuarios…",
                }
            ]
        },
    )

    plan_id: uuid.UUID
    axis: Axis
    line: str = Field(default="a", pattern=LINE_PATTERN, description="Letra de la línea del eje.")
    code: str = Field(pattern=CODE_PATTERN, description="`M01`; única por plan, eje y línea.")
    text: str = Field(min_length=1, max_length=5000)
    baseline: str | None = Field(default=None, max_length=1000)


class GoalUpdate(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"baseline": "34 asociados (2025)"}]})

    axis: Axis | None = None
    line: str | None = Field(default=None, pattern=LINE_PATTERN)
    code: str | None = Field(default=None, pattern=CODE_PATTERN)
    text: str | None = Field(default=None, min_length=1, max_length=5000)
    baseline: str | None = Field(default=None, max_length=1000)
