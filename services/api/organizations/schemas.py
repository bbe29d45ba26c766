"""Inputs of the organisation endpoints."""

import re
import uuid
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, field_validator

from shared.contract.base import InputModel
from shared.dane import validate_jurisdiction_code, validate_municipality_code
from shared.enums import OrganizationKind
from shared.nit import parse_nit

_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def _valid_nit(value: str) -> str:
    return str(parse_nit(value))


def _valid_municipality(value: str) -> str:
    # Five digits are not enough: the first two must be a real department (shared/dane.py), or the
    # organisation would silently fall outside every secretaría's jurisdiction.
    return validate_municipality_code(value)


def _valid_jurisdiction(codes: list[str]) -> list[str]:
    return sorted({validate_jurisdiction_code(code) for code in codes})


# Surrounding spaces are dropped, so a name of only spaces is empty and refused.
OrganizationName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
NitText = Annotated[
    str,
    Field(max_length=20, examples=["890985092-3"]),
    AfterValidator(_valid_nit),
]
MunicipalityCode = Annotated[
    str, Field(max_length=5, pattern=r"^[0-9]{5}$", examples=["05604"]), AfterValidator(_valid_municipality)
]
JurisdictionCode = Annotated[str, Field(pattern=r"^([0-9]{2}|[0-9]{5})$", examples=["11001", "05"])]
Jurisdiction = Annotated[list[JurisdictionCode], Field(max_length=1200), AfterValidator(_valid_jurisdiction)]


class OrganizationCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"kind": "eps", "name": "Aliansalud EPS", "nit": "830113831-0", "municipality_code": "11001"}]
        },
    )

    kind: OrganizationKind
    name: OrganizationName
    nit: NitText | None = None
    municipality_code: MunicipalityCode | None = None
    parent_id: uuid.UUID | None = None
    reps_code: str | None = Field(default=None, min_length=1, max_length=20)
    jurisdiction: Jurisdiction = Field(default_factory=list)


class OrganizationUpdate(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Aliansalud EPS S.A."}]})

    name: OrganizationName | None = None
    nit: NitText | None = None
    municipality_code: MunicipalityCode | None = None
    parent_id: uuid.UUID | None = None
    reps_code: str | None = Field(default=None, min_length=1, max_length=20)
    jurisdiction: Jurisdiction | None = None


class OversightCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"organization_id": "2f0c8b7e-1d0e-4f55-9a9e-5b4f7b0e8c21"}]},
    )

    organization_id: uuid.UUID = Field(description="EPS que la secretaría vigila en su territorio.")


class AffiliateCountCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"month": "2026-01", "municipality_code": "11001", "count": 152340}]},
    )

    month: str = Field(description="Mes `YYYY-MM`.", max_length=7)
    municipality_code: MunicipalityCode
    count: int = Field(ge=0, le=100_000_000)

    @field_validator("month")
    @classmethod
    def _month(cls, value: str) -> str:
        if not _MONTH.fullmatch(value):
            raise ValueError(f"El mes se escribe AAAA-MM (2026-01); se recibió «{value}».")
        return value
