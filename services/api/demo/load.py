"""Demo data for `make run`: real organisations and the customer's association plan, entered through the
service layer exactly as API calls would, so the demo obeys every rule the API enforces.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.access.caller import Caller
from services.api.auth import service as auth_service
from services.api.auth.schemas import ApiKeyCreate
from services.api.complaints import service as complaints_service
from services.api.complaints.schemas import ComplaintCreate, ComplaintEventCreate
from services.api.files.importing import Upload
from services.api.imports import service as imports_service
from services.api.models import OrganizationRow
from services.api.organizations import service as organizations_service
from services.api.organizations.schemas import AffiliateCountCreate, OrganizationCreate, OversightCreate
from services.api.plans import service as plans_service
from shared.contract.complaints import ComplaintAnswer
from shared.enums import Channel, ComplaintType, EventKind, OrganizationKind, Risk, Role
from shared.nit import Nit
from shared.periods import BOGOTA, Month

SEED_PLAN = "plan_accion_asociacion_usuarios_2026.tsv"
ASSOCIATION_NAME = "Asociación de Usuarios de Aliansalud EPS"
# The names mark the keys `make run` hands out, so the next run can revoke them: a demo key printed in an
# old terminal or pasted in a chat must not stay valid forever.
DEMO_KEY_NAME = "demo (make run)"
DEMO_ADMIN_KEY_NAME = "demo admin (make run)"


@dataclass(frozen=True)
class DemoKeys:
    """Keys printed by `make run`, one per kind of user the demo shows."""

    association: str
    eps: str
    secretaria: str
    plan_id: uuid.UUID
    revoked: int = 0  # keys of earlier runs revoked by this one


def _nit(number: str) -> str:
    return str(Nit.from_number(number))


async def _find(session: AsyncSession, name: str) -> OrganizationRow | None:
    statement = select(OrganizationRow).where(
        col(OrganizationRow.name) == name, col(OrganizationRow.deleted_at).is_(None)
    )
    return (await session.execute(statement)).scalars().first()


async def _organization(session: AsyncSession, caller: Caller, data: OrganizationCreate) -> OrganizationRow:
    existing = await _find(session, data.name)
    if existing is not None:
        return existing
    return await organizations_service.create_organization(session, caller, data)


async def load_demo(session: AsyncSession, admin: Caller) -> DemoKeys:
    """Create the demo organisations and plan once (idempotent), and fresh keys on every run; the demo
    keys of earlier runs are revoked, and so are their generated admin keys (all but `admin`'s own)."""
    eps = await _organization(
        session,
        admin,
        OrganizationCreate(
            kind=OrganizationKind.EPS, name="Aliansalud EPS", nit=_nit("830113831"), municipality_code="11001"
        ),
    )
    association = await _organization(
        session,
        admin,
        OrganizationCreate(
            kind=OrganizationKind.ASOCIACION_USUARIOS,
            name=ASSOCIATION_NAME,
            parent_id=eps.id,
            municipality_code="11001",
        ),
    )
    secretaria = await _organization(
        session,
        admin,
        OrganizationCreate(
            kind=OrganizationKind.SECRETARIA_DISTRITAL,
            name="Secretaría Distrital de Salud de Bogotá",
            nit=_nit("899999061"),
            municipality_code="11001",
            jurisdiction=["11001"],
        ),
    )
    antioquia = await _organization(
        session,
        admin,
        OrganizationCreate(
            kind=OrganizationKind.SECRETARIA_DEPARTAMENTAL,
            name="Secretaría Seccional de Salud de Antioquia",
            nit=_nit("890900286"),
            municipality_code="05001",
            jurisdiction=["05"],
        ),
    )
    await _organization(
        session,
        admin,
        OrganizationCreate(
            kind=OrganizationKind.ESE,
            name="E.S.E. Hospital San Vicente de Paúl de Remedios",
            nit="890985092-3",
            municipality_code="05604",
        ),
    )
    await organizations_service.add_oversight(session, admin, antioquia.id, OversightCreate(organization_id=eps.id))
    await _load_demo_complaints(session, admin, eps.id)

    plan = await plans_service.find_plan_for_year(session, admin, association.id, 2026)
    plan_id = plan.id if plan is not None else await _load_seed_plan(session, admin, association.id)

    holders = ((association, Role.ASOCIACION), (eps, Role.EPS_IPS), (secretaria, Role.SECRETARIA))
    revoked = await auth_service.revoke_keys_named(
        session, admin, name=DEMO_KEY_NAME, organization_ids=[organization.id for organization, _ in holders]
    )
    revoked += await auth_service.revoke_keys_named(
        session, admin, name=DEMO_ADMIN_KEY_NAME, organization_ids=None, keep_id=admin.api_key_id
    )
    keys: dict[Role, str] = {}
    for organization, role in holders:
        created = await auth_service.create_key(
            session,
            caller=admin,
            data=ApiKeyCreate(organization_id=organization.id, role=role, name=DEMO_KEY_NAME),
        )
        keys[role] = created.key
    return DemoKeys(
        association=keys[Role.ASOCIACION],
        eps=keys[Role.EPS_IPS],
        secretaria=keys[Role.SECRETARIA],
        plan_id=plan_id,
        revoked=revoked,
    )


async def _load_seed_plan(session: AsyncSession, admin: Caller, association_id: uuid.UUID) -> uuid.UUID:
    """The customer's sheet goes through the same importer as `POST /v1/plans:import`."""
    raw = resources.files("services.api.demo").joinpath(SEED_PLAN).read_bytes()
    report = await imports_service.import_plan_file(
        session,
        admin,
        upload=Upload(raw, SEED_PLAN),
        organization_id=association_id,
        year=None,
        dry_run=False,
        accepted_warnings=None,
        sheet=None,
    )
    if report.plan_id is None:
        raise RuntimeError(f"the demo plan did not import: {report.problems}")
    return report.plan_id


_DEMO_TYPES = (ComplaintType.PETICION, ComplaintType.RECLAMO, ComplaintType.QUEJA, ComplaintType.SOLICITUD_INFORMACION)
_DEMO_CHANNELS = (Channel.WEB, Channel.TELEFONO, Channel.PRESENCIAL, Channel.CORREO, Channel.BUZON_SUGERENCIAS)


async def _load_demo_complaints(session: AsyncSession, admin: Caller, eps_id: uuid.UUID) -> None:
    """Sixteen months of complaints against the EPS and its monthly members, so the analytics figures
    (bimonthly consolidation, trend, priorities) show real numbers; skipped once the EPS has complaints."""
    existing = await complaints_service.count_complaints(
        session, admin, [], complaints_service.AggregateFilters(entity_id=eps_id)
    )
    if existing.items and existing.items[0].count > 0:
        return
    now = datetime.now(UTC)
    this_month = Month(now.astimezone(BOGOTA).year, now.astimezone(BOGOTA).month)
    for back in range(16, -1, -1):
        index = this_month.year * 12 + this_month.month - 1 - back
        month = Month(index // 12, index % 12 + 1)
        await organizations_service.add_affiliate_count(
            session,
            admin,
            eps_id,
            AffiliateCountCreate(month=month.code, municipality_code="11001", count=1_250_000 + 4_000 * (16 - back)),
        )
        # A deterministic, uneven load: 6 to 14 complaints a month, one in three answered in term.
        for number in range(6 + (index * 7) % 9):
            filed_at = datetime(month.year, month.month, 1 + (number * 3) % 27, 9 + number % 8, tzinfo=BOGOTA)
            if filed_at >= now - timedelta(hours=1):
                break
            kind = _DEMO_TYPES[(index + number) % len(_DEMO_TYPES)]
            row = await complaints_service.create_complaint(
                session,
                admin,
                ComplaintCreate(
                    organization_id=eps_id,
                    entity_id=eps_id,
                    filed_at=filed_at,
                    type=kind,
                    channel=_DEMO_CHANNELS[(index * 3 + number) % len(_DEMO_CHANNELS)],
                    risk=(Risk.RIESGO_VITAL if number % 5 == 0 else Risk.SIMPLE)
                    if kind is ComplaintType.RECLAMO
                    else None,
                    municipality_code="11001",
                    text="Queja de demostración: solicitud de cita con especialista.",
                ),
            )
            answered_at = filed_at + timedelta(days=1 if number % 3 == 0 else 40)
            if number % 3 != 2 and answered_at < now:
                for event in (
                    ComplaintEventCreate(kind=EventKind.EN_TRAMITE, occurred_at=filed_at + timedelta(hours=2)),
                    ComplaintEventCreate(
                        kind=EventKind.RESPONDIDO,
                        occurred_at=answered_at,
                        answer=ComplaintAnswer(text="Se asignó la cita solicitada.", medium=Channel.CORREO),
                    ),
                ):
                    await complaints_service.add_event(session, admin, row.id, event, expected_version=None)
