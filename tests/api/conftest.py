"""Actors of the API tests: an admin key, organisations of each kind and keys with each role."""

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.access.keys import display_prefix, generate_api_key, hash_api_key
from services.api.auth import repository as auth_repository
from services.api.models import ApiKeyRow
from tests.factories import Actor as Actor  # re-exported: the actors' type, imported from here by most modules
from tests.factories import create_key, create_organization
from tests.factories import create_plan as create_plan  # re-exported for modules that take it from here

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
        return await create_organization(client, admin, kind, **fields)

    return make


@pytest.fixture
def make_key(client: httpx.AsyncClient, admin: Actor) -> MakeKey:
    async def make(organization: dict[str, Any], role: str) -> Actor:
        return await create_key(client, admin, organization, role)

    return make


@pytest.fixture
async def eps(make_org: MakeOrg, make_key: MakeKey) -> Actor:
    organization = await make_org("eps", name="Aliansalud EPS", nit="830113831-0", municipality_code="11001")
    return await make_key(organization, "eps_ips")


@pytest.fixture
async def other_eps(make_org: MakeOrg, make_key: MakeKey) -> Actor:
    organization = await make_org("eps", name="Otra EPS", municipality_code="05001")
    return await make_key(organization, "eps_ips")


# English phrases the framework would leak if a handler let its own message through.
_ENGLISH = ("Field required", "Input should", "Not Found", "Method Not Allowed", "value is not", "Extra inputs")
_ENGLISH_WORDS = re.compile(
    r"\b(the|must|should|field|required|invalid|not found|value|is not|missing)\b", re.IGNORECASE
)
_SPANISH = re.compile(
    r"[áéíóúñ¿]|\b(el|la|los|las|de|del|debe|no|un|una|ya|es|con|por|en|campo|valor|fecha|mes|texto)\b",
    re.IGNORECASE,
)


def assert_spanish(text: str) -> None:
    """A message a person reads: not empty, no English words, recognisably Spanish."""
    assert text.strip(), "empty message"
    assert not any(phrase in text for phrase in _ENGLISH), text
    assert not _ENGLISH_WORDS.search(text), f"English in {text!r}"
    assert _SPANISH.search(text), f"not Spanish: {text!r}"


def assert_problem(
    response: httpx.Response, status: int, *fields: str, detail_contains: str | None = None
) -> dict[str, Any]:
    """An RFC 9457 problem with `status`, a Spanish detail (holding `detail_contains`), no stack trace, and
    `errors[]` naming `fields`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://participa.example/problems/")
    assert body["title"]
    assert body.get("detail"), body
    assert "Traceback" not in response.text
    if detail_contains is not None:
        assert detail_contains in body["detail"], body["detail"]
    for message in [body["detail"], *(error["message"] for error in body.get("errors") or [])]:
        assert_spanish(message)
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
