"""Authenticating callers and managing API keys."""

import logging
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.auth import repository
from services.api.auth.cache import CallerCache
from services.api.auth.schemas import ApiKeyCreate
from services.api.auth.scope import Caller
from services.api.auth.security import display_prefix, generate_api_key, hash_api_key
from services.api.models import ApiKeyRow
from services.api.organizations import service as organizations_service
from services.api.pagination import PageParams
from services.kit.errors import Forbidden, NotFound, Unauthorized, field_error
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


def required_token(token: str | None) -> str:
    """The bearer key; 401 without one."""
    if not token:
        raise Unauthorized(
            "Envíe su clave de API en el encabezado Authorization: Bearer <clave>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token


async def authenticate(session: AsyncSession, token: str | None, *, cache: CallerCache | None = None) -> Caller:
    """The caller behind a bearer key: 401 without one or with an unknown or revoked one."""
    key_hash = hash_api_key(required_token(token))
    caller = cache.get(key_hash) if cache is not None else None
    if caller is None:
        caller = await _load_caller(session, key_hash)
        if cache is not None:
            cache.put(key_hash, caller)
    return caller


async def _load_caller(session: AsyncSession, key_hash: str) -> Caller:
    found = await repository.get_active_key_with_organization(session, key_hash)
    if found is None:
        raise Unauthorized("La clave de API no existe o fue revocada.", headers={"WWW-Authenticate": "Bearer"})
    key, organization = found
    role = Role(key.role)
    if role is Role.ADMIN:
        return Caller(
            api_key_id=key.id,
            role=role,
            organization_id=key.organization_id,
            organization_kind=None,
            visible_ids=None,
        )
    if organization is None or organization.deleted_at is not None:
        raise Unauthorized("La organización de esta clave ya no existe.", headers={"WWW-Authenticate": "Bearer"})
    kind = OrganizationKind(organization.kind)
    visible = {organization.id}
    if kind.is_secretaria:
        visible |= await repository.secretaria_visible_ids(session, organization)
    return Caller(
        api_key_id=key.id,
        role=role,
        organization_id=organization.id,
        organization_kind=kind,
        visible_ids=frozenset(visible),
    )


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
    if not caller.is_admin:
        raise Forbidden("Solo un administrador puede revocar claves en bloque.")
    revoked = await repository.revoke_active_keys(
        session, name=name, organization_ids=organization_ids, keep_id=keep_id
    )
    for row in revoked:
        await audit.record(session, caller, "delete", "api_key", row.id, row.organization_id)
    return len(revoked)


async def create_key(session: AsyncSession, *, caller: Caller, data: ApiKeyCreate) -> ApiKeyCreated:
    if not caller.is_admin:
        if caller.role is not Role.SECRETARIA:
            raise Forbidden("Solo un administrador o una secretaría (para sí misma) pueden crear claves.")
        if data.organization_id != caller.organization_id:
            raise Forbidden("Una secretaría solo puede crear claves para sí misma.")
        if data.role not in (Role.SECRETARIA, Role.BI_READONLY):
            raise Forbidden("Una secretaría solo puede crear claves secretaria o bi_readonly.")
    if data.role is Role.ADMIN:
        if data.organization_id is not None:
            raise field_error("organization_id", "Las claves admin son globales: no llevan organización.")
    else:
        if data.organization_id is None:
            raise field_error("organization_id", f"Una clave {data.role.value} pertenece a una organización.")
        organization = await organizations_service.find_organization(session, data.organization_id)
        if organization is None:
            raise field_error("organization_id", "No existe una organización con ese identificador.")
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
    session: AsyncSession, *, caller: Caller, params: PageParams, include_revoked: bool
) -> tuple[Sequence[ApiKeyRow], str | None]:
    if not caller.is_admin and caller.role is not Role.SECRETARIA:
        raise Forbidden("Solo un administrador o una secretaría pueden listar claves.")
    organization_id = None if caller.is_admin else caller.organization_id
    return await repository.list_keys(session, params, organization_id=organization_id, include_revoked=include_revoked)


async def get_manageable_key(session: AsyncSession, *, caller: Caller, key_id: uuid.UUID) -> ApiKeyRow:
    row = await repository.get_key(session, key_id)
    if row is None or (not caller.is_admin and row.organization_id != caller.organization_id):
        raise NotFound("No existe una clave con ese identificador.")
    if not caller.is_admin and caller.role is not Role.SECRETARIA:
        raise Forbidden("Solo un administrador o una secretaría pueden revocar claves.")
    return row


async def get_key(session: AsyncSession, *, caller: Caller, key_id: uuid.UUID) -> ApiKey:
    return ApiKey.model_validate(await get_manageable_key(session, caller=caller, key_id=key_id))


async def revoke_key(session: AsyncSession, *, caller: Caller, key_id: uuid.UUID, expected_version: int) -> None:
    row = await get_manageable_key(session, caller=caller, key_id=key_id)
    if row.revoked_at is not None:
        raise NotFound("No existe una clave activa con ese identificador.")
    revoked = await repository.revoke_key(session, key_id, expected_version)
    if revoked is None:
        raise stale_version(expected_version, row.version)
    await audit.record(session, caller, "delete", "api_key", key_id, row.organization_id)
