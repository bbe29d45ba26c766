"""Endpoints of /v1/api-keys."""

import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from services.api.access import messages
from services.api.access.caller import Caller
from services.api.access.policies import only_roles
from services.api.auth import service
from services.api.auth.schemas import ApiKeyCreate
from services.api.db import SessionDep, read_connection
from services.api.pagination import PageParamsDep
from services.api.routing import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    ExpectedVersion,
    no_content,
    page_json_response,
    record_json_response,
)
from services.api.unit_of_work import after_commit, api_router
from services.kit.openapi import problem_responses
from services.kit.responses import etag_for, json_response
from shared.contract import Page
from shared.contract.access import ApiKey, ApiKeyCreated
from shared.enums import Role

# Keys are managed by administrators and by secretarías (their own keys); which keys, the service decides.
_KEY_ROLES = (Role.ADMIN, Role.SECRETARIA)
CreatesKeys = Annotated[Caller, Depends(only_roles(*_KEY_ROLES, refusal=messages.KEY_CREATORS))]
ListsKeys = Annotated[Caller, Depends(only_roles(*_KEY_ROLES, refusal=messages.KEY_LISTERS))]
ManagesKeys = Annotated[Caller, Depends(only_roles(*_KEY_ROLES, refusal=messages.KEY_MANAGERS, after_lookup=True))]

router = api_router(prefix="/v1/api-keys", tags=["access"], responses=READ_PROBLEMS)


@router.post("", status_code=201, response_model=ApiKeyCreated, responses=WRITE_PROBLEMS)
async def create_api_key(request: Request, caller: CreatesKeys, session: SessionDep, body: ApiKeyCreate) -> Response:
    """Create a key (admin; a secretaría for itself). The secret appears only in this response."""
    created = await service.create_key(session, caller=caller, data=body)
    location = str(request.url_for("get_api_key", api_key_id=created.id))
    # no-store: neither HTTP caches nor the Idempotency-Key store may keep the secret.
    headers = {"ETag": etag_for(created.version), "Location": location, "Cache-Control": "no-store"}
    return json_response(created, status_code=201, headers=headers)


@router.get("", response_model=Page[ApiKey])
async def list_api_keys(
    request: Request, caller: ListsKeys, params: PageParamsDep, include_revoked: bool = False
) -> Response:
    """List the keys the caller manages, never their secrets (`sort=name`, `include_revoked=true`)."""
    async with read_connection(request) as connection:
        rows, cursor = await service.list_keys(
            connection, caller=caller, params=params, include_revoked=include_revoked
        )
    return page_json_response(ApiKey, rows, cursor)


@router.get("/{api_key_id}", response_model=ApiKey, responses=problem_responses(304))
async def get_api_key(request: Request, caller: ManagesKeys, api_key_id: uuid.UUID) -> Response:
    """Read one key the caller manages, without its secret."""
    async with read_connection(request) as connection:
        record = await service.read_key(connection, caller=caller, key_id=api_key_id)
    return record_json_response(request, ApiKey, record)


@router.delete("/{api_key_id}", status_code=204, responses=WRITE_PROBLEMS)
async def revoke_api_key(
    request: Request, caller: ManagesKeys, session: SessionDep, api_key_id: uuid.UUID, version: ExpectedVersion
) -> Response:
    """Revoke a key; its next request answers 401 (within seconds on every server process)."""
    await service.revoke_key(session, caller=caller, key_id=api_key_id, expected_version=version)
    after_commit(request, lambda: request.app.state.caller_cache.forget_key(api_key_id))
    return no_content()
