"""Organisations, their oversight links and affiliate counts."""

from datetime import datetime
from uuid import UUID

from pydantic import Field

from shared.contract.base import ContractModel, Record
from shared.enums import OrganizationKind


class Organization(Record):
    """An EPS, IPS, ESE, secretaría, user association, ministry or superintendency."""

    kind: OrganizationKind
    name: str
    nit: str | None = Field(default=None, description="NIT con dígito de verificación: `890985092-3`.")
    municipality_code: str | None = Field(default=None, description="Código DANE del municipio (5 dígitos).")
    parent_id: UUID | None = Field(default=None, description="Institución de una asociación de usuarios.")
    reps_code: str | None = Field(default=None, description="Código de habilitación REPS (IPS).")
    jurisdiction: list[str] = Field(
        default_factory=list,
        description="Secretarías: códigos DANE de su jurisdicción; uno de 2 dígitos cubre el departamento.",
    )


class OversightLink(ContractModel):
    """A secretaría oversees an EPS that operates in its territory."""

    secretaria_id: UUID
    organization_id: UUID
    created_at: datetime


class AffiliateCount(Record):
    """Members of an organisation in one municipality and month: the denominator of rates per 10,000."""

    month: str = Field(description="Mes `YYYY-MM`.")
    municipality_code: str
    count: int
