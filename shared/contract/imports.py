"""Import reports (plans and complaints): what a file held, what was wrong with it, and what importing it changes."""

from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.contract.base import ContractModel, Record


class ImportProblem(ContractModel):
    """One problem of a file, located as a spreadsheet user would look for it."""

    severity: Literal["error", "warning"]
    code: str = Field(description="Código estable, para aceptar advertencias con accept_warnings.")
    row: int | None = Field(default=None, description="Fila (1 = primera línea del archivo).")
    column: str | None = Field(default=None, description="Columna (letra) o campo del archivo.")
    message: str


class ImportCounts(ContractModel):
    """What the file holds."""

    axes: int = 0
    goals: int = 0
    activities: int = 0
    indicators: int = 0
    schedule_months: int = Field(default=0, description="Meses marcados con X en todo el plan.")
    progress_rows: int = 0


class ComplaintImportCounts(ContractModel):
    """What a complaint file holds."""

    complaints: int = Field(description="Quejas válidas del archivo que aún no estaban registradas.")
    already_present: int = Field(description="Quejas del archivo cuyo radicado ya estaba registrado (no se importan).")
    people: int = Field(description="Registros de datos personales (peticionario, afectado) que se escriben.")


class ImportDifference(ContractModel):
    """How one goal or activity of the file compares with the plan already stored."""

    change: Literal["added", "changed", "missing_in_file"]
    kind: Literal["plan", "goal", "activity", "indicator", "progress"]
    key: str = Field(description="Eje, línea y códigos: `E2.a.M01/A01`.")
    fields: list[str] = Field(default_factory=list, description="Campos que cambian (solo en `changed`).")


class ImportReport(Record):
    """The answer of `POST /v1/plans:import` and `POST /v1/complaints:import`, kept under `/v1/imports/{id}`."""

    kind: Literal["plan", "complaints"] = Field(default="plan", description="Qué trae el archivo.")
    status: Literal["dry_run", "committed", "rejected"]
    file_name: str
    sha256: str
    size_bytes: int
    format: str = Field(description="`delimited`, `xlsx` o `pisis`.")
    layout: str | None = Field(
        default=None,
        description="Planes: `association`, `eps_annex`, `pisis_ppps` o `pisis_spps`; quejas: `plain` (plantilla) o "
        "`supersalud` (columnas de datos abiertos).",
    )
    plan_id: UUID | None = None
    year: int | None = None
    api_key_id: UUID | None = None
    counts: ImportCounts | ComplaintImportCounts
    problems: list[ImportProblem]
    differences: list[ImportDifference] = Field(
        default_factory=list, description="Cambios frente al plan guardado (re-importaciones)."
    )
