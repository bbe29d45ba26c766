"""`CallerDep`: every protected route declares it; a route without it is public by intent."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.api.auth import service
from services.api.auth.cache import CallerCache
from services.api.auth.scope import Caller
from services.api.db import SessionDep

bearer = HTTPBearer(auto_error=False, description="Clave de API: `Authorization: Bearer pk_…`")


async def get_caller(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    cache: CallerCache = request.app.state.caller_cache
    caller = await service.authenticate(session, credentials.credentials if credentials else None, cache=cache)
    request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
