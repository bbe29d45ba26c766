"""Inputs of the activity and activity-progress endpoints."""

import re
import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo

from services.api.plans.schemas import CODE_PATTERN
from shared.contract.base import InputModel

# [0-9] rather than \d: \d also matches non-ASCII digits (١٢, １２), which would then be stored as codes.
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_URL = re.compile(r"https?://\S+")
_ASCII_DIGITS = re.compile(r"[0-9]+")


def _month_number(value: int) -> int:
    if not 1 <= value <= 12:
        raise ValueError("El mes debe estar entre 1 y 12.")
    return value


def _year_month(value: str) -> str:
    if not _MONTH.fullmatch(value):
        raise ValueError(f"El mes se escribe AAAA-MM (2026-03); se recibió «{value}».")
    return value


def _evidence_url(value: str) -> str:
    # fullmatch: with re.match and `$`, a URL followed by a newline would pass and be stored with it.
    if not _URL.fullmatch(value):
        raise ValueError("La evidencia es una URL que empieza por http:// o https://.")
    return value


def _ascii_digits(value: str) -> str:
    # The schema's pattern says \d, which JSON Schema reads as 0-9 but the validator reads as any digit.
    if not _ASCII_DIGITS.fullmatch(value):
        raise ValueError(f"Solo se admiten dígitos 0-9; se recibió «{value}».")
    return value


def _end_not_before_start(value: date, info: ValidationInfo) -> date:
    """Checked here as well as in the service, so a bad order is reported with the body's other errors."""
    start = info.data.get("start_date")
    if start is not None and start > value:
        raise ValueError(f"La fecha final ({value.isoformat()}) es anterior a la inicial ({start.isoformat()}).")
    return value


MonthNumber = Annotated[int, AfterValidator(_month_number)]
# Kept in the client's order here so problems name the index the client sent; the service sorts them.
ScheduleMonths = Annotated[
    list[MonthNumber], Field(max_length=24, description="Meses programados (1–12): las X del cronograma.")
]
YearMonth = Annotated[str, Field(max_length=7, examples=["2026-03"]), AfterValidator(_year_month)]
EvidenceUrl = Annotated[str, Field(max_length=2000), AfterValidator(_evidence_url)]
Quantity = Annotated[int, Field(ge=0, le=1_000_000_000)]
Money = Annotated[int, Field(ge=0, le=10**15, description="Pesos colombianos (COP), enteros.")]
EndDate = Annotated[date, AfterValidator(_end_not_before_start)]
TargetGroupCode = Annotated[str, Field(pattern=r"^\d{2}$"), AfterValidator(_ascii_digits)]
MunicipalityCode = Annotated[str, Field(pattern=r"^\d{5}$"), AfterValidator(_ascii_digits)]


class ActivityCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "goal_id": "0b5e2f4a-3a2c-4c4e-8f0e-2d7b9a1c3e55",
                    "code": "A01",
                    "text": "Participar en las capacitaciones dirigidas a usuarios y asociados.",
                    "responsible": "Junta directiva",
                    "planned_quantity": 4,
                    "unit": "capacitaciones",
                    "schedule_months": [3, 6, 9, 11],
                    "planned_budget": 0,
                }
            ]
        },
    )

    goal_id: uuid.UUID
    code: str = Field(pattern=CODE_PATTERN, description="`A01`; único dentro de su meta.")
    text: str = Field(min_length=1, max_length=5000)
    target_text: str | None = Field(default=None, max_length=5000, description="La meta de la actividad, tal cual.")
    responsible: str | None = Field(default=None, max_length=300)
    planned_quantity: Quantity | None = Field(default=None, description="Por defecto, el número de meses programados.")
    unit: str | None = Field(default=None, max_length=100)
    start_date: date | None = Field(default=None, description="Por defecto, el primer día del primer mes marcado.")
    end_date: EndDate | None = Field(default=None, description="Por defecto, el último día del último mes marcado.")
    planned_budget: Money = 0
    schedule_months: ScheduleMonths | None = Field(default=None, description="Por defecto, los meses de las fechas.")
    sequence: int | None = Field(default=None, ge=1, le=1_000_000)
    target_group_code: TargetGroupCode | None = None
    municipality_code: MunicipalityCode | None = None


class ActivityUpdate(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"planned_quantity": 6}]})

    goal_id: uuid.UUID | None = None
    code: str | None = Field(default=None, pattern=CODE_PATTERN)
    text: str | None = Field(default=None, min_length=1, max_length=5000)
    target_text: str | None = Field(default=None, max_length=5000)
    responsible: str | None = Field(default=None, max_length=300)
    planned_quantity: Quantity | None = None
    unit: str | None = Field(default=None, max_length=100)
    start_date: date | None = None
    end_date: EndDate | None = None
    planned_budget: Money | None = None
    schedule_months: ScheduleMonths | None = None
    sequence: int | None = Field(default=None, ge=1, le=1_000_000)
    target_group_code: TargetGroupCode | None = None
    municipality_code: MunicipalityCode | None = None


class ActivityProgressCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "activity_id": "7d1c9a3e-5b2f-4e8a-9c6d-1f0e2b3a4c5d",
                    "month": "2026-03",
                    "executed_quantity": 1,
                    "people_reached": 18,
                    "executed_budget": 0,
                    "evidence_url": "https://drive.example/acta-capacitacion-marzo.pdf",
                }
            ]
        },
    )

    activity_id: uuid.UUID
    month: YearMonth
    executed_quantity: Quantity = 0
    people_reached: Quantity = 0
    executed_budget: Money = 0
    evidence_url: EvidenceUrl | None = None
    executed: bool = Field(default=True, description="false: «no ejecutada» en el mes.")
    note: str | None = Field(default=None, max_length=5000)


class ActivityProgressUpdate(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"people_reached": 21}]})

    executed_quantity: Quantity | None = None
    people_reached: Quantity | None = None
    executed_budget: Money | None = None
    evidence_url: EvidenceUrl | None = None
    executed: bool | None = None
    note: str | None = Field(default=None, max_length=5000)
