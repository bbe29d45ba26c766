"""Access is declared per route, and a refused call never succeeds, whatever its handler does."""

import httpx
from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.routing import APIRoute

from services.api.access.policies import Policy, Writes
from services.api.areas import AREAS
from services.api.unit_of_work import _calls, api_router
from tests.api.conftest import Actor, MakeKey, assert_problem

# Writes that authorise each item on its own and answer its refusal in the item's result (207).
PER_ITEM_ROUTES = {"/v1/complaints:batch"}


def test_every_write_route_declares_its_policy() -> None:
    for area in AREAS:
        for router in area.routers:
            for route in router.routes:
                assert isinstance(route, APIRoute)
                methods = set(route.methods or ()) - {"GET", "HEAD"}
                if not methods or route.path in PER_ITEM_ROUTES:
                    continue
                policies = [call for call in _calls(route.dependant) if isinstance(call, Policy)]
                assert policies, f"{area.package}: {sorted(methods)} {route.path} declares no policy"


async def test_a_refused_caller_is_refused_even_when_the_handler_forgets_to_check(
    app: FastAPI, client: httpx.AsyncClient, eps: Actor, make_key: MakeKey
) -> None:
    router = api_router(prefix="/v1/forgetful")
    calls: list[str] = []

    @router.post("")
    async def forgetful_write(caller: Writes) -> Response:
        calls.append(caller.role)  # never calls caller.ensure_writable(...)
        return Response(status_code=201)

    app.include_router(router)
    reader = await make_key(eps.organization, "bi_readonly")
    refused = await client.post("/v1/forgetful", headers=reader.headers)
    assert_problem(refused, 403)
    allowed = await client.post("/v1/forgetful", headers=eps.headers)
    assert allowed.status_code == 201
    assert calls == ["bi_readonly", "eps_ips"]
