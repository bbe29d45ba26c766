"""Inputs of the indicator and measurement endpoints."""

import uuid
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field

from shared.contract.base import InputModel
from shared.enums import IndicatorKind, Periodicity
from shared.periods import Period


def _period_code(value: str) -> str:
    try:
        return Period.parse(value).code
    except ValueError as error:
        raise ValueError(f"Periodo «{value}» no válido; use 2026, 2026S1, 2026Q1, 2026B1 o 2026-03.") from error


PeriodCode = Annotated[str, Field(max_length=10, examples=["2026B1"]), AfterValidator(_period_code)]
Amount = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]


class IndicatorCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "activity_id": "7d1c9a3e-5b2f-4e8a-9c6d-1f0e2b3a4c5d",
                    "name": "Capacitaciones",
                    "formula_text": "Capacitaciones programadas / Capacitaciones asistidas",
                    "numerator_label": "Capacitaciones asistidas",
                    "denominator_label": "Capacitaciones programadas",
                    "factor": 100,
                    "target": 100,
                    "periodicity": "anual",
                    "kind": "proporcion",
                }
            ]
        },
    )

    activity_id: uuid.UUID
    name: str = Field(min_length=1, max_length=500)
    formula_text: str | None = Field(default=None, max_length=2000, description="La fórmula tal como se escribió.")
    numerator_label: str | None = Field(default=None, max_length=500, description="Lo logrado (asistidas, ejecutadas).")
    denominator_label: str | None = Field(default=None, max_length=500, description="Lo programado.")
    factor: int = Field(default=100, ge=1, le=1_000_000)
    target: Amount | None = None
    periodicity: Periodicity = Periodicity.ANUAL
    kind: IndicatorKind = IndicatorKind.PROPORCION


class IndicatorUpdate(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"target": 90}]})

    name: str | None = Field(default=None, min_length=1, max_length=500)
    formula_text: str | None = Field(default=None, max_length=2000)
    numerator_label: str | None = Field(default=None, max_length=500)
    denominator_label: str | None = Field(default=None, max_length=500)
    factor: int | None = Field(default=None, ge=1, le=1_000_000)
    target: Amount | None = None
    periodicity: Periodicity | None = None
    kind: IndicatorKind | None = None


class MeasurementCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "indicator_id": "3e2f1a0b-9c8d-4e7f-8a6b-5c4d3e2f1a0b",
                    "period": "2026S1",
                    "numerator": 3,
                    "denominator": 4,
                }
            ]
        },
    )

    indicator_id: uuid.UUID
    period: PeriodCode
    numerator: Amount
    denominator: Amount | None = None


class MeasurementUpdate(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"numerator": 4}]})

    numerator: Amount | None = None
    denominator: Amount | None = None
