"""Filing complaints: one, or each item of a batch, with its radicado, motive check and derived deadline;
corrections of the fields a filing may correct. The people a filing names go to `people.service`."""

import re
import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.api import records
from services.api.access import messages
from services.api.access.caller import Caller
from services.api.complaints import repository
from services.api.complaints.deadlines import FUTURE_TOLERANCE, compute_or_422, derived_columns, filing_instant, now_utc
from services.api.complaints.reads import ensure_may_write, get_complaint
from services.api.complaints.repository import complaints
from services.api.complaints.schemas import ComplaintCreate, ComplaintUpdate
from services.api.models import ComplaintRow, OrganizationRow
from services.api.organizations import service as organizations_service
from services.api.people import service as people_service
from services.kit.errors import Conflict, Unprocessable, field_error, found
from shared import deadlines
from shared.contract import ProblemFieldError
from shared.enums import (
    ComplaintType,
    Risk,
)
from shared.periods import BOGOTA, bogota_date

_NIT_DIGITS = re.compile(r"[0-9]+")


def radicado_prefix(organization: OrganizationRow) -> str:
    """The NIT without its check digit, else the REPS code, else a short code from the organisation's id."""
    if organization.nit:
        digits = _NIT_DIGITS.findall(organization.nit.split("-")[0])
        if digits:
            return "".join(digits)
    if organization.reps_code:
        return organization.reps_code
    return organization.id.hex[:8].upper()


async def generate_radicado(session: AsyncSession, organization: OrganizationRow, filed_at: datetime) -> str:
    """`<prefix>-<year>-<seq>`, the sequence per organisation and (Bogotá) filing year, skipping taken ones."""
    year = filed_at.astimezone(BOGOTA).year
    prefix = radicado_prefix(organization)
    while True:
        number = await repository.next_sequence(session, organization.id, year)
        radicado = f"{prefix}-{year}-{number:06d}"
        if not await repository.radicado_taken(session, organization.id, radicado):
            return radicado


async def _receiving_organization(
    session: AsyncSession, caller: Caller, requested: uuid.UUID | None
) -> OrganizationRow:
    # Also reached per item of a batch, whose route lets every key in: each item is refused on its own.
    caller.ensure_owner(requested or caller.organization_id, messages.FILES_FOR_OWN_ORGANIZATION)
    if caller.is_admin:
        if requested is None:
            raise field_error("organization_id", "Una clave admin debe indicar la organización receptora.")
        organization = await organizations_service.find_organization(session, requested)
        if organization is None:
            raise field_error("organization_id", messages.NO_SUCH_ORGANIZATION)
        return organization
    assert caller.organization_id is not None
    return found(
        await organizations_service.find_organization(session, caller.organization_id), messages.KEY_ORGANIZATION_GONE
    )


def _check_filing(filed_at: datetime, type: ComplaintType, risk: Risk | None, now: datetime) -> None:
    problems: list[ProblemFieldError] = []
    if risk is not None and type is not ComplaintType.RECLAMO:
        problems.append(
            ProblemFieldError(field="risk", message="La clasificación de riesgo solo se admite en un reclamo.")
        )
    if filed_at > now + FUTURE_TOLERANCE:
        problems.append(ProblemFieldError(field="filed_at", message="La radicación no puede ser futura."))
    if problems:
        detail = problems[0].message if len(problems) == 1 else f"La queja tiene {len(problems)} errores."
        raise Unprocessable(detail, errors=problems)


MOTIVES_HINT = "Consulte los códigos vigentes en GET /v1/complaint-motives?valid_on=AAAA-MM-DD (fecha de radicación)."


def motive_problem(code: str, filed_on: date) -> str:
    return f"El motivo «{code}» no está en el catálogo de Supersalud vigente el {filed_on.isoformat()}. {MOTIVES_HINT}"


async def check_motive(session: AsyncSession, code: str | None, filed_at: datetime) -> None:
    """A motive code must be in the catalogue valid on the (Bogotá) filing date; 422 naming `motive_code`."""
    if code is None:
        return
    filed_on = bogota_date(filed_at)
    if not await repository.motive_valid_on(session, code, filed_on):
        raise field_error("motive_code", motive_problem(code, filed_on))


async def lock_batch_receivers(session: AsyncSession, caller: Caller, items: Sequence[ComplaintCreate]) -> None:
    """One bulk write per receiving organisation at a time (see `repository.lock_receivers`)."""
    receivers = [item.organization_id or caller.organization_id for item in items]
    await repository.lock_receivers(session, [receiver for receiver in receivers if receiver is not None])


async def create_complaint(
    session: AsyncSession, caller: Caller, data: ComplaintCreate, *, now: datetime | None = None
) -> ComplaintRow:
    now = now or now_utc()
    organization = await _receiving_organization(session, caller, data.organization_id)
    # Any registered entity can be complained about: an IPS receives complaints against the EPS of the
    # patient, so the entity need not be in the receiver's scope (the register of entities is public, REPS).
    entity = await organizations_service.find_organization(session, data.entity_id)
    if entity is None:
        raise field_error("entity_id", messages.NO_SUCH_ORGANIZATION)
    filed_at = filing_instant(data.filed_at, data.date_precision)
    _check_filing(filed_at, data.type, data.risk, now)
    await check_motive(session, data.motive_code, filed_at)
    state = compute_or_422(
        lambda: deadlines.compute_deadline(
            filed_at, data.type, data.risk, data.minor, (), now=now, precision=data.date_precision
        ),
        "filed_at",
    )
    if data.radicado is not None and await repository.radicado_taken(session, organization.id, data.radicado):
        message = f"Ya existe la queja {data.radicado} en la organización receptora."
        raise Conflict(message, errors=[ProblemFieldError(field="radicado", message=message)])
    radicado = data.radicado or await generate_radicado(session, organization, filed_at)
    values = data.model_dump(exclude={"organization_id", "person", "affected_person", "radicado", "attachments"})
    values.update(
        organization_id=organization.id,
        radicado=radicado,
        filed_at=filed_at,
        attachments=[attachment.model_dump(mode="json") for attachment in data.attachments],
        **derived_columns(state, filed_at),
    )
    row = await records.insert_record(session, caller, complaints, values, resource="complaint")
    await people_service.add_people(
        session,
        people_service.people_rows(row.id, row.organization_id, petitioner=data.person, affected=data.affected_person),
    )
    return row


async def update_complaint(
    session: AsyncSession, caller: Caller, complaint_id: uuid.UUID, data: ComplaintUpdate, expected_version: int
) -> ComplaintRow:
    row = await get_complaint(session, caller, complaint_id)
    ensure_may_write(caller, row)
    changes = data.model_dump(exclude_unset=True)
    for required in ("text", "attachments"):
        if required in changes and changes[required] is None:
            raise field_error(required, "Campo obligatorio: no puede ser null.")
    if "attachments" in changes and data.attachments is not None:
        changes["attachments"] = [attachment.model_dump(mode="json") for attachment in data.attachments]
    if changes.get("motive_code") is not None:
        await check_motive(session, changes["motive_code"], row.filed_at)
    return await records.update_record(
        session, caller, complaints, row, expected_version=expected_version, values=changes, resource="complaint"
    )
