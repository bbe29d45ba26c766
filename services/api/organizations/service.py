"""Rules for organisations: who registers them, what each kind may carry, oversight and affiliates."""

import uuid
from collections.abc import Sequence

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit, records
from services.api.access import messages
from services.api.access.caller import Caller
from services.api.db import DriverConnection
from services.api.models import AffiliateCountRow, OrganizationRow, OversightRow
from services.api.organizations import repository
from services.api.organizations.repository import affiliate_counts, organizations
from services.api.organizations.schemas import (
    AffiliateCountCreate,
    OrganizationCreate,
    OrganizationUpdate,
    OversightCreate,
)
from services.api.pagination import PageParams
from services.kit.errors import Conflict, NotFound, field_error, found
from shared.contract.analytics import AffiliateMonthlyCount, AffiliateMonthlyCounts
from shared.enums import OrganizationKind
from shared.periods import Month

WHAT = "una organización"


async def find_organization(session: AsyncSession, organization_id: uuid.UUID) -> OrganizationRow | None:
    """A live organisation whatever the caller's scope: for rules that must check it without showing it."""
    return await repository.get_live(session, organization_id)


async def get_organization(session: AsyncSession, caller: Caller, organization_id: uuid.UUID) -> OrganizationRow:
    return found(await organizations.get_live(session, caller, organization_id), messages.NO_SUCH_ORGANIZATION)


async def read_organization(connection: DriverConnection, caller: Caller, organization_id: uuid.UUID) -> asyncpg.Record:
    return found(await organizations.fetch_live(connection, caller, organization_id), messages.NO_SUCH_ORGANIZATION)


async def list_organizations(
    connection: DriverConnection,
    caller: Caller,
    params: PageParams,
    *,
    kind: OrganizationKind | None,
    municipality_code: str | None,
    parent_id: uuid.UUID | None,
    nit: str | None,
) -> tuple[list[asyncpg.Record], str | None]:
    filters = {
        "kind": kind.value if kind else None,
        "municipality_code": municipality_code,
        "parent_id": parent_id,
        "nit": nit,
    }
    return await organizations.page(connection, caller, params, filters)


async def _check_shape(
    session: AsyncSession, kind: OrganizationKind, jurisdiction: list[str], parent_id: uuid.UUID | None
) -> None:
    if jurisdiction and not kind.is_secretaria:
        raise field_error("jurisdiction", "Solo las secretarías de salud tienen jurisdicción.")
    if parent_id is not None:
        # A parent widens scope (a secretaría sees the associations of its institutions): only
        # associations have one, so no other organisation can slip into a secretaría's view.
        if kind is not OrganizationKind.ASOCIACION_USUARIOS:
            raise field_error("parent_id", "Solo las asociaciones de usuarios pertenecen a una institución.")
        parent = await repository.get_live(session, parent_id)
        if parent is None:
            raise field_error("parent_id", messages.NO_SUCH_ORGANIZATION)
        if not OrganizationKind(parent.kind).is_health_entity:
            raise field_error("parent_id", "Una asociación de usuarios pertenece a una EPS, IPS o ESE.")


async def create_organization(session: AsyncSession, caller: Caller, data: OrganizationCreate) -> OrganizationRow:
    """A new organisation; only an administrator calls this (the route's policy), and `caller` is audited."""
    await _check_shape(session, data.kind, data.jurisdiction, data.parent_id)
    new_id = uuid.uuid4()
    values = data.model_dump()
    values["kind"] = data.kind.value
    return await records.insert_record(
        session,
        caller,
        organizations,
        {"id": new_id, "organization_id": new_id, **values},
        resource="organization",
    )


async def update_organization(
    session: AsyncSession,
    caller: Caller,
    organization_id: uuid.UUID,
    data: OrganizationUpdate,
    expected_version: int,
) -> OrganizationRow:
    row = await get_organization(session, caller, organization_id)
    caller.ensure_writable(row.id, WHAT)
    changes = data.model_dump(exclude_unset=True)
    if "jurisdiction" in changes:
        # A jurisdiction widens what a secretaría can read: only an administrator sets it.
        caller.ensure_admin(messages.ADMIN_SETS_JURISDICTION)
    if changes.get("parent_id") == row.id:
        raise field_error("parent_id", "Una organización no puede ser su propia institución.")
    await _check_shape(
        session,
        OrganizationKind(row.kind),
        changes.get("jurisdiction") or [],
        changes["parent_id"] if "parent_id" in changes else None,
    )
    if "jurisdiction" in changes and changes["jurisdiction"] is None:
        changes["jurisdiction"] = []
    for required in ("name",):
        if required in changes and changes[required] is None:
            raise field_error(required, "Campo obligatorio.")
    return await records.update_record(
        session,
        caller,
        organizations,
        row,
        expected_version=expected_version,
        values=changes,
        resource="organization",
    )


async def delete_organization(
    session: AsyncSession, caller: Caller, organization_id: uuid.UUID, expected_version: int
) -> None:
    row = await get_organization(session, caller, organization_id)
    caller.ensure_allowed()  # the route's policy (administrators), once the organisation was found
    await records.delete_record(
        session, caller, organizations, row, expected_version=expected_version, resource="organization"
    )


async def _secretaria(session: AsyncSession, caller: Caller, secretaria_id: uuid.UUID) -> OrganizationRow:
    row = await get_organization(session, caller, secretaria_id)
    if not OrganizationKind(row.kind).is_secretaria:
        raise NotFound("Solo las secretarías de salud tienen entidades vigiladas.")
    return row


async def list_oversight(session: AsyncSession, caller: Caller, secretaria_id: uuid.UUID) -> Sequence[OversightRow]:
    secretaria = await _secretaria(session, caller, secretaria_id)
    return await repository.list_oversight(session, secretaria.id)


async def get_oversight(
    session: AsyncSession, caller: Caller, secretaria_id: uuid.UUID, organization_id: uuid.UUID
) -> OversightRow:
    secretaria = await _secretaria(session, caller, secretaria_id)
    return found(
        await repository.get_oversight(session, secretaria.id, organization_id),
        "Esa entidad no está vigilada por esta secretaría.",
    )


async def add_oversight(
    session: AsyncSession, caller: Caller, secretaria_id: uuid.UUID, data: OversightCreate
) -> OversightRow:
    secretaria = await _secretaria(session, caller, secretaria_id)
    # The route's policy (administrators), once the secretaría was found: like a jurisdiction, a link widens
    # what the secretaría reads (every record of that EPS), so a secretaría cannot grant it to itself; it
    # may still drop a link it no longer needs (`remove_oversight`).
    caller.ensure_allowed()
    target = await repository.get_live(session, data.organization_id)
    if target is None:
        raise field_error("organization_id", messages.NO_SUCH_ORGANIZATION)
    if OrganizationKind(target.kind) is not OrganizationKind.EPS:
        raise field_error("organization_id", "La vigilancia por fuera de la jurisdicción se registra para EPS.")
    link = await repository.add_oversight(session, secretaria.id, target.id)
    await audit.record(session, caller, "create", "oversight", target.id, secretaria.id)
    return link


async def remove_oversight(
    session: AsyncSession, caller: Caller, secretaria_id: uuid.UUID, organization_id: uuid.UUID
) -> None:
    secretaria = await _secretaria(session, caller, secretaria_id)
    caller.ensure_writable(secretaria.id, WHAT)
    if not await repository.remove_oversight(session, secretaria.id, organization_id):
        raise NotFound("Esa entidad no está vigilada por esta secretaría.")
    await audit.record(session, caller, "delete", "oversight", organization_id, secretaria.id)


async def list_affiliates(
    connection: DriverConnection,
    caller: Caller,
    organization_id: uuid.UUID,
    params: PageParams,
    *,
    month: str | None,
    municipality_code: str | None,
) -> tuple[list[asyncpg.Record], str | None]:
    organization = await read_organization(connection, caller, organization_id)
    filters = {"organization_id": organization["id"], "month": month, "municipality_code": municipality_code}
    return await affiliate_counts.page(connection, caller, params, filters)


async def add_affiliate_count(
    session: AsyncSession, caller: Caller, organization_id: uuid.UUID, data: AffiliateCountCreate
) -> AffiliateCountRow:
    organization = await get_organization(session, caller, organization_id)
    caller.ensure_writable(organization.id, WHAT)
    if await affiliate_counts.exists_live(
        session, organization_id=organization.id, month=data.month, municipality_code=data.municipality_code
    ):
        raise Conflict(
            f"Ya hay un conteo de afiliados para {data.month} en {data.municipality_code}; "
            "bórrelo o corríjalo en lugar de crear otro."
        )
    return await records.insert_record(
        session,
        caller,
        affiliate_counts,
        {"organization_id": organization.id, **data.model_dump()},
        resource="affiliate_count",
    )


async def read_affiliate_count(
    connection: DriverConnection, caller: Caller, organization_id: uuid.UUID, count_id: uuid.UUID
) -> asyncpg.Record:
    organization = await read_organization(connection, caller, organization_id)
    record = await affiliate_counts.fetch_live(connection, caller, count_id)
    if record is None or record["organization_id"] != organization["id"]:
        raise NotFound("No existe ese conteo de afiliados.")
    return record


async def get_affiliate_count(
    session: AsyncSession, caller: Caller, organization_id: uuid.UUID, count_id: uuid.UUID
) -> AffiliateCountRow:
    organization = await get_organization(session, caller, organization_id)
    row = await affiliate_counts.get_live(session, caller, count_id)
    if row is None or row.organization_id != organization.id:
        raise NotFound("No existe ese conteo de afiliados.")
    return row


async def delete_affiliate_count(
    session: AsyncSession,
    caller: Caller,
    organization_id: uuid.UUID,
    count_id: uuid.UUID,
    expected_version: int,
) -> None:
    row = await get_affiliate_count(session, caller, organization_id, count_id)
    caller.ensure_writable(row.organization_id, WHAT)
    await records.delete_record(
        session, caller, affiliate_counts, row, expected_version=expected_version, resource="affiliate_count"
    )


def _month(field: str, text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as error:
        raise field_error(field, str(error)) from None


async def monthly_affiliate_totals(
    session: AsyncSession,
    caller: Caller,
    *,
    first_month: str,
    last_month: str,
    organization_id: uuid.UUID | None,
    by_municipality: bool,
) -> AffiliateMonthlyCounts:
    """Members per organisation in scope and month (summed over municipalities unless asked per municipality)."""
    first, last = _month("from", first_month), _month("to", last_month)
    if last < first:
        raise field_error("to", f"El mes final ({last}) es anterior al inicial ({first}).")
    if organization_id is not None:
        await get_organization(session, caller, organization_id)
    rows = await repository.monthly_affiliate_totals(
        session,
        caller,
        first_month=first.code,
        last_month=last.code,
        organization_id=organization_id,
        by_municipality=by_municipality,
    )
    return AffiliateMonthlyCounts(items=[AffiliateMonthlyCount.model_validate(row) for row in rows])


async def list_scope_entities(session: AsyncSession, caller: Caller, secretaria_id: uuid.UUID) -> list[OrganizationRow]:
    """The EPS, IPS and ESE a secretaría consolidates complaints of and visits."""
    secretaria = await _secretaria(session, caller, secretaria_id)
    return await repository.scope_entities(session, caller, secretaria)
