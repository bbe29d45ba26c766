"""Who is calling: the bearer key checked against its row, turned into a `Caller` with its scope.

`get_caller` is the one authentication dependency; every policy (`access.policies`) depends on it, so a
route that declares one is authenticated, and a route with none is public by intent. The unit of work
finds `get_caller` in a route's dependencies to authenticate before reading the body.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.access import messages, repository
from services.api.access.cache import CallerCache
from services.api.access.caller import Caller
from services.api.access.keys import hash_api_key
from services.api.db import on_demand_session
from services.kit.errors import Unauthorized
from shared.enums import OrganizationKind, Role

bearer = HTTPBearer(auto_error=False, description="Clave de API: `Authorization: Bearer pk_…`")

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def required_token(token: str | None) -> str:
    """The bearer key; 401 without one."""
    if not token:
        raise Unauthorized(messages.MISSING_KEY, headers=_CHALLENGE)
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
        raise Unauthorized(messages.UNKNOWN_KEY, headers=_CHALLENGE)
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
        raise Unauthorized(messages.KEY_ORGANIZATION_GONE, headers=_CHALLENGE)
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


async def get_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    known: Caller | None = getattr(request.state, "caller", None)
    if known is not None:
        return known  # the unit of work authenticated this request before reading its body
    cache: CallerCache = request.app.state.caller_cache
    token = required_token(credentials.credentials if credentials else None)

    async def look_up() -> Caller:
        async with on_demand_session(request) as session:
            return await authenticate(session, token)

    # A remembered caller costs no session: the database is asked only when the cache does not know the key.
    caller = await cache.get_or_load(hash_api_key(token), look_up)
    request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
"""Any valid key: the base of every policy, and the declaration of a route open to every role."""
