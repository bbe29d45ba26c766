"""Inputs of the complaint endpoints."""

import re
import uuid
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from services.api.batch import BatchRequest, ItemsDocumentedAs, RawItems
from services.api.people.schemas import PersonIn
from shared.contract.base import InputModel, WireAwareInstant, WireBool, WireDate
from shared.contract.complaints import ComplaintAnswer, ComplaintAttachment
from shared.enums import Channel, ComplaintType, DatePrecision, EventKind, Risk

_ASCII_DIGITS = re.compile(r"[0-9]+")


def _ascii_digits(value: str) -> str:
    if not _ASCII_DIGITS.fullmatch(value):
        raise ValueError(f"Solo se admiten dígitos 0-9; se recibió «{value}».")
    return value


MunicipalityCode = Annotated[str, Field(pattern=r"^\d{5}$"), AfterValidator(_ascii_digits)]
Radicado = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"),
]
MotiveCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
ComplaintText = Annotated[str, StringConstraints(min_length=1, max_length=20000)]
Attachments = Annotated[list[ComplaintAttachment], Field(max_length=50)]


class ComplaintCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "entity_id": "0b5e2f4a-3a2c-4c4e-8f0e-2d7b9a1c3e55",
                    "filed_at": "2026-06-26T10:00:00-05:00",
                    "type": "peticion",
                    "channel": "web",
                    "municipality_code": "11001",
                    "text": "Solicito la autorización de la cita con especialista.",
                    "person": {"document_type": "CC", "document_number": "1020304050", "first_names": "Ana"},
                }
            ]
        },
    )

    organization_id: uuid.UUID | None = Field(
        default=None, description="Organización receptora; por defecto la de la clave (obligatoria para admin)."
    )
    entity_id: uuid.UUID = Field(description="Organización contra la que se presenta (puede ser la receptora).")
    radicado: Radicado | None = Field(
        default=None, description="Número de radicado; si falta se genera `<prefijo>-<año>-<consecutivo>`."
    )
    filed_at: WireAwareInstant = Field(description="Instante de radicación, con zona horaria.")
    date_precision: DatePrecision = Field(
        default=DatePrecision.DAY,
        description="`month` si solo se conoce el mes: se guarda el primer instante de ese mes en Bogotá y la queja "
        "queda sin término (solo para estadísticas).",
    )
    type: ComplaintType
    channel: Channel
    risk: Risk | None = Field(default=None, description="Solo para `reclamo` (reclamo en salud).")
    minor: WireBool = False
    municipality_code: MunicipalityCode | None = None
    motive_code: MotiveCode | None = Field(
        default=None,
        description="Código del catálogo de motivos de Supersalud vigente en la radicación "
        "(`GET /v1/complaint-motives?valid_on=`).",
    )
    text: ComplaintText
    attachments: Attachments = Field(default_factory=list)
    person: PersonIn | None = Field(default=None, description="Datos del peticionario (tabla aparte).")
    affected_person: PersonIn | None = Field(default=None, description="Datos del afectado, si es otra persona.")


MAX_COMPLAINT_BATCH = 1000


class ComplaintBatch(BatchRequest):
    """Up to 1,000 complaints, each validated like the body of `POST /v1/complaints`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "entity_id": "0b5e2f4a-3a2c-4c4e-8f0e-2d7b9a1c3e55",
                            "radicado": "SIAU-2026-06-0001",
                            "filed_at": "2026-06-26T10:00:00-05:00",
                            "type": "reclamo",
                            "channel": "web",
                            "risk": "priorizado",
                            "motive_code": "ME23-03",
                            "text": "No me asignan la cita con el especialista.",
                        },
                        {
                            "entity_id": "0b5e2f4a-3a2c-4c4e-8f0e-2d7b9a1c3e55",
                            "filed_at": "2026-03-01T00:00:00-05:00",
                            "date_precision": "month",
                            "type": "queja",
                            "channel": "telefono",
                            "text": "Mala atención en la ventanilla.",
                        },
                    ]
                }
            ]
        },
    )
    # Validated one by one in `run_batch` (a bad item is that item's 422), documented as `ComplaintCreate`.
    items: Annotated[RawItems, ItemsDocumentedAs(ComplaintCreate), Field(min_length=1, max_length=MAX_COMPLAINT_BATCH)]


class ComplaintUpdate(InputModel):
    """Only the descriptive fields change by PATCH; the deadline changes through events."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"motive_code": "ME23-03"}]})

    text: ComplaintText | None = None
    motive_code: MotiveCode | None = None
    municipality_code: MunicipalityCode | None = None
    attachments: Attachments | None = None


class ComplaintEventCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "pendiente_informacion", "occurred_at": "2026-07-01T09:00:00-05:00", "note": "Falta la orden"},
                {"kind": "prorroga", "new_due_date": "2026-08-13", "reason": "Se requiere concepto médico."},
                {"kind": "respondido", "answer": {"text": "Se autorizó la cita.", "medium": "correo"}},
            ]
        },
    )

    kind: EventKind
    occurred_at: WireAwareInstant | None = Field(default=None, description="Por defecto, ahora.")
    note: str | None = Field(default=None, max_length=5000)
    answer: ComplaintAnswer | None = Field(default=None, description="Obligatoria en `respondido`.")
    new_due_date: WireDate | None = Field(
        default=None, description="Obligatoria en `prorroga`: nueva fecha de vencimiento."
    )
    reason: str | None = Field(default=None, max_length=5000, description="Obligatoria en `prorroga`: motivo.")
    to_organization_id: uuid.UUID | None = Field(
        default=None, description="Solo en `trasladado`: organización competente, que recibe una queja enlazada."
    )
