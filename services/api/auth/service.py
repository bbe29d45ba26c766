"""Managing API keys: creating, listing and revoking them (authenticating with them is `services.api.access`)."""

import logging
import uuid
from collections.abc import Sequence

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.access import messages
from services.api.access.caller import Caller
from services.api.access.keys import display_prefix, generate_api_key, hash_api_key
from services.api.auth import repository
from services.api.auth.schemas import ApiKeyCreate
from services.api.db import DriverConnection
from services.api.models import ApiKeyRow
from services.api.organizations import service as organizations_service
from services.api.pagination import PageParams
from services.kit.errors import NotFound, field_error
from services.kit.responses import stale_version
from shared.contract.access import ApiKey, ApiKeyCreated
from shared.enums import OrganizationKind, Role

logger = logging.getLogger("participa.api.auth")

# Which organisations a role may act for: a key's role must fit what its organisation is.
ROLE_ORGANIZATION_KINDS: dict[Role, frozenset[OrganizationKind]] = {
    Role.SECRETARIA: frozenset(
        {
            OrganizationKind.SECRETARIA_DEPARTAMENTAL,
            OrganizationKind.SECRETARIA_DISTRITAL,
            OrganizationKind.SECRETARIA_MUNICIPAL,
        }
    ),
    Role.EPS_IPS: frozenset({OrganizationKind.EPS, OrganizationKind.IPS, OrganizationKind.ESE}),
    Role.ASOCIACION: frozenset({OrganizationKind.ASOCIACION_USUARIOS}),
    Role.BI_READONLY: frozenset(OrganizationKind),
}

# The roles a secretaría may give the keys it creates for itself.
SECRETARIA_GRANTS = frozenset({Role.SECRETARIA, Role.BI_READONLY})

ADMIN_KEY_NAME = "PARTICIPA_ADMIN_API_KEY"


async def ensure_admin_key(session: AsyncSession, secret: str, *, name: str = ADMIN_KEY_NAME) -> ApiKeyRow:
    """The admin key with this value: created when no key has it. A revoked one stays revoked (a key
    revoked because it leaked must not come back with the next restart); only a new value makes a new key.
    `name` labels a key created here, so callers can find their keys again (the demo's are revoked per run).
    """
    row = await repository.ensure_admin_key(
        session, key_hash=hash_api_key(secret), prefix=display_prefix(secret), name=name
    )
    if row.revoked_at is not None:
        logger.warning(
            "the configured admin key %s… was revoked and stays revoked: set a new value to get an admin key",
            row.prefix,
        )
    elif row.role != Role.ADMIN.value:
        logger.warning("the configured admin key %s… exists with role %s, not admin", row.prefix, row.role)
    return row


async def revoke_keys_named(
    session: AsyncSession,
    caller: Caller,
    *,
    name: str,
    organization_ids: Sequence[uuid.UUID] | None,
    keep_id: uuid.UUID | None = None,
) -> int:
    """Revoke the caller's earlier keys of one purpose, told apart by name: with `organization_ids`, the
    keys of those organisations; without, admin keys. Each revocation is audited like a DELETE."""
    caller.ensure_admin(messages.ADMIN_REVOKES_IN_BULK)
    revoked = await repository.revoke_active_keys(
        session, name=name, organization_ids=organization_ids, keep_id=keep_id
    )
    for row in revoked:
        await audit.record(session, caller, "delete", "api_key", row.id, row.organization_id)
    return len(revoked)


async def create_key(session: AsyncSession, *, caller: Caller, data: ApiKeyCreate) -> ApiKeyCreated:
    """A key for `data`; the route lets only an administrator or a secretaría call this, and a secretaría
    creates keys only for itself, of its own role or bi_readonly (never one that sees more than it does)."""
    caller.ensure_member((data.organization_id,), messages.SECRETARIA_KEYS_FOR_ITSELF)
    if data.role not in SECRETARIA_GRANTS:
        caller.ensure_admin(messages.SECRETARIA_KEY_ROLES)
    if data.role is Role.ADMIN:
        if data.organization_id is not None:
            raise field_error("organization_id", "Las claves admin son globales: no llevan organización.")
    else:
        if data.organization_id is None:
            raise field_error("organization_id", f"Una clave {data.role.value} pertenece a una organización.")
        organization = await organizations_service.find_organization(session, data.organization_id)
        if organization is None:
            raise field_error("organization_id", messages.NO_SUCH_ORGANIZATION)
        kind = OrganizationKind(organization.kind)
        if kind not in ROLE_ORGANIZATION_KINDS[data.role]:
            raise field_error(
                "role", f"El rol {data.role.value} no corresponde a una organización de tipo {kind.value}."
            )
    secret = generate_api_key()
    row = await repository.insert_key(
        session,
        ApiKeyRow(
            organization_id=data.organization_id,
            role=data.role.value,
            name=data.name,
            prefix=display_prefix(secret),
            key_hash=hash_api_key(secret),
            created_by_key_id=caller.api_key_id,
        ),
    )
    await audit.record(session, caller, "create", "api_key", row.id, data.organization_id)
    return ApiKeyCreated.model_validate({**ApiKey.model_validate(row).model_dump(), "key": secret})


async def list_keys(
    connection: DriverConnection, *, caller: Caller, params: PageParams, include_revoked: bool
) -> tuple[list[asyncpg.Record], str | None]:
    organization_id = None if caller.is_admin else caller.organization_id
    return await repository.list_keys(
        connection, caller, params, organization_id=organization_id, include_revoked=include_revoked
    )


async def get_manageable_key(session: AsyncSession, *, caller: Caller, key_id: uuid.UUID) -> ApiKeyRow:
    row = await repository.get_key(session, key_id)
    if row is None or (not caller.is_admin and row.organization_id != caller.organization_id):
        raise NotFound("No existe una clave con ese identificador.")
    caller.ensure_allowed()  # the route's policy (administrators and secretarías), once the key was found
    return row


async def read_key(connection: DriverConnection, *, caller: Caller, key_id: uuid.UUID) -> asyncpg.Record:
    """A key as read: the same rule as `get_manageable_key`, on the driver connection."""
    record = await repository.fetch_key(connection, caller, key_id)
    if record is None or (not caller.is_admin and record["organization_id"] != caller.organization_id):
        raise NotFound("No existe una clave con ese identificador.")
    caller.ensure_allowed()
    return record


async def revoke_key(session: AsyncSession, *, caller: Caller, key_id: uuid.UUID, expected_version: int) -> None:
    row = await get_manageable_key(session, caller=caller, key_id=key_id)
    if row.revoked_at is not None:
        raise NotFound("No existe una clave activa con ese identificador.")
    revoked = await repository.revoke_key(session, key_id, expected_version)
    if revoked is None:
        raise stale_version(expected_version, row.version)
    await audit.record(session, caller, "delete", "api_key", key_id, row.organization_id)
