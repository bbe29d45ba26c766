"""`CallerDep`: every protected route declares it; a route without it is public by intent."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.api.auth import service
from services.api.auth.cache import CallerCache
from services.api.auth.scope import Caller
from services.api.auth.security import hash_api_key
from services.api.db import on_demand_session

bearer = HTTPBearer(auto_error=False, description="Clave de API: `Authorization: Bearer pk_…`")


async def get_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    known: Caller | None = getattr(request.state, "caller", None)
    if known is not None:
        return known  # the unit of work authenticated this request before reading its body
    cache: CallerCache = request.app.state.caller_cache
    token = service.required_token(credentials.credentials if credentials else None)

    async def look_up() -> Caller:
        async with on_demand_session(request) as session:
            return await service.authenticate(session, token)

    # A remembered caller costs no session: the database is asked only when the cache does not know the key.
    caller = await cache.get_or_load(hash_api_key(token), look_up)
    request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
