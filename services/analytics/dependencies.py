"""`ApiDep`: the caller's bearer key, checked before any call to the API, wrapped in an `ApiClient`."""

from typing import Annotated

import httpx
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.analytics.clients.api import ApiClient, ApiResponseCache
from services.kit.errors import Unauthorized

bearer = HTTPBearer(auto_error=False, description="Clave de API de Participa: `Authorization: Bearer pk_…`")


def api_client(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> ApiClient:
    # Without a key the API would answer 401 anyway; answering here spares it the request.
    if credentials is None or not credentials.credentials.strip():
        raise Unauthorized(
            "Envíe su clave de API en el encabezado Authorization: Bearer <clave>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    http: httpx.AsyncClient = request.app.state.api
    cache: ApiResponseCache = request.app.state.api_cache
    return ApiClient(http, f"Bearer {credentials.credentials}", cache)


ApiDep = Annotated[ApiClient, Depends(api_client)]
