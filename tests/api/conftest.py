"""Actors of the API tests: an admin key, organisations of each kind and keys with each role."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.access.keys import display_prefix, generate_api_key, hash_api_key
from services.api.auth import repository as auth_repository
from services.api.models import ApiKeyRow


@dataclass
class Actor:
    """A caller: its organisation (None for admin) and the headers that authenticate it."""

    key: str
    organization_id: uuid.UUID | None = None
    organization: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


MakeOrg = Callable[..., Awaitable[dict[str, Any]]]
MakeKey = Callable[..., Awaitable[Actor]]


async def insert_admin_key(session: AsyncSession) -> Actor:
    """An admin key written straight to the test transaction (creating keys needs one to start with)."""
    secret = generate_api_key()
    await auth_repository.insert_key(
        session,
        ApiKeyRow(
            organization_id=None,
            role="admin",
            name="tests",
            prefix=display_prefix(secret),
            key_hash=hash_api_key(secret),
        ),
    )
    await session.commit()
    return Actor(key=secret)


@pytest.fixture
async def admin(session: AsyncSession) -> Actor:
    return await insert_admin_key(session)


@pytest.fixture
def make_org(client: httpx.AsyncClient, admin: Actor) -> MakeOrg:
    async def make(kind: str = "eps", **fields: Any) -> dict[str, Any]:
        body = {"kind": kind, "name": f"{kind} {uuid.uuid4().hex[:6]}", **fields}
        response = await client.post("/v1/organizations", json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return make


@pytest.fixture
def make_key(client: httpx.AsyncClient, admin: Actor) -> MakeKey:
    async def make(organization: dict[str, Any], role: str) -> Actor:
        body = {"organization_id": organization["id"], "role": role, "name": f"{role} tests"}
        response = await client.post("/v1/api-keys", json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        return Actor(
            key=response.json()["key"], organization_id=uuid.UUID(organization["id"]), organization=organization
        )

    return make


@pytest.fixture
async def eps(make_org: MakeOrg, make_key: MakeKey) -> Actor:
    organization = await make_org("eps", name="Aliansalud EPS", nit="830113831-0", municipality_code="11001")
    return await make_key(organization, "eps_ips")


@pytest.fixture
async def other_eps(make_org: MakeOrg, make_key: MakeKey) -> Actor:
    organization = await make_org("eps", name="Otra EPS", municipality_code="05001")
    return await make_key(organization, "eps_ips")


async def create_plan(client: httpx.AsyncClient, actor: Actor, **fields: Any) -> dict[str, Any]:
    body = {"year": 2026, "title": "Plan de acción 2026", **fields}
    response = await client.post("/v1/plans", json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()
    return plan


# English phrases the framework would leak if a handler let its own message through.
_ENGLISH = ("Field required", "Input should", "Not Found", "Method Not Allowed", "value is not", "Extra inputs")


def assert_problem(response: httpx.Response, status: int, *fields: str) -> dict[str, Any]:
    """An RFC 9457 problem with `status`, a Spanish detail, no stack trace, and `errors[]` naming `fields`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://participa.example/problems/")
    assert body["title"]
    assert body.get("detail"), body
    assert "Traceback" not in response.text
    messages = [body["detail"], *(error["message"] for error in body.get("errors") or [])]
    for message in messages:
        assert message.strip(), body
        assert not any(phrase in message for phrase in _ENGLISH), message
    named = [error["field"] for error in body.get("errors") or []]
    for name in fields:
        assert name in named, (name, body)
    return body


def field_message(problem: dict[str, Any], field_name: str) -> str:
    """The message of the first error naming `field_name`."""
    message: str = next(error["message"] for error in problem["errors"] if error["field"] == field_name)
    return message


async def list_all(client: httpx.AsyncClient, path: str, actor: Actor, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list, following `next_cursor` to the end."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 500, **params}
    while True:
        response = await client.get(path, params=query, headers=actor.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]


async def visible_ids(client: httpx.AsyncClient, path: str, actor: Actor, **params: Any) -> set[str]:
    return {item["id"] for item in await list_all(client, path, actor, **params)}
