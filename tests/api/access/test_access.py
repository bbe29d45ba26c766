"""Keys, roles and scope: who may call, what each role may do, and which organisations' records it sees."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col

from services.api.access.keys import hash_api_key
from services.api.config import Settings
from services.api.main import create_app
from services.api.models import ApiKeyRow, IdempotencyRow
from tests.api.conftest import (
    Actor,
    MakeKey,
    MakeOrg,
    assert_problem,
    create_plan,
    field_message,
    list_all,
    visible_ids,
)

KEYS = "/v1/api-keys"
ORGS = "/v1/organizations"
PLANS = "/v1/plans"


async def key_ids(client: httpx.AsyncClient, actor: Actor, **params: Any) -> set[str]:
    return await visible_ids(client, KEYS, actor, **params)


async def plan_ids(client: httpx.AsyncClient, actor: Actor) -> set[str]:
    return await visible_ids(client, PLANS, actor)


async def org_ids(client: httpx.AsyncClient, actor: Actor) -> set[str]:
    return await visible_ids(client, ORGS, actor)


@pytest.fixture
async def secretaria(make_org: MakeOrg, make_key: MakeKey) -> Actor:
    """The Secretaría Distrital de Salud de Bogotá: jurisdiction 11001."""
    organization = await make_org(
        "secretaria_distrital", name="Secretaría Distrital de Salud", municipality_code="11001", jurisdiction=["11001"]
    )
    return await make_key(organization, "secretaria")


# --- Authentication ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXN1YXJpbzpjbGF2ZQ==", "Bearer pk_no-existe", "pk_sin-esquema"],
)
async def test_missing_or_invalid_key_is_a_401(
    client: httpx.AsyncClient, eps: Actor, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for response in (
        await client.get(ORGS, headers=headers),
        await client.get(f"{ORGS}/{eps.organization_id}", headers=headers),
        await client.post(PLANS, json={"year": 2026, "title": "Sin clave"}, headers=headers),
    ):
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
    assert await plan_ids(client, eps) == set()


async def test_health_needs_no_key(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).status_code == 200


async def test_key_of_a_retired_organization_is_a_401(client: httpx.AsyncClient, admin: Actor, eps: Actor) -> None:
    deleted = await client.delete(f"{ORGS}/{eps.organization_id}", headers={**admin.headers, "If-Match": '"1"'})
    assert deleted.status_code == 204
    assert_problem(await client.get(PLANS, headers=eps.headers), 401)


# --- Creating, listing and revoking keys -------------------------------------------------------------------


async def test_admin_creates_a_key_whose_secret_is_shown_once(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg
) -> None:
    org = await make_org("ips", municipality_code="05001")
    response = await client.post(
        KEYS, json={"organization_id": org["id"], "role": "eps_ips", "name": "Portal PQRD"}, headers=admin.headers
    )
    assert response.status_code == 201
    created = response.json()
    secret = created["key"]
    assert secret.startswith("pk_")
    assert len(secret) >= 40
    assert created["prefix"] == secret[: len(created["prefix"])]
    assert (created["role"], created["organization_id"], created["name"]) == ("eps_ips", org["id"], "Portal PQRD")
    assert created["revoked_at"] is None
    assert "key_hash" not in created
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"].endswith(f"{KEYS}/{created['id']}")

    listing = await client.get(KEYS, headers=admin.headers)
    assert listing.status_code == 200
    assert secret not in listing.text
    assert hash_api_key(secret) not in listing.text
    listed = next(item for item in listing.json()["items"] if item["id"] == created["id"])
    assert "key" not in listed
    assert "key_hash" not in listed
    assert listed == {name: value for name, value in created.items() if name != "key"}

    single = await client.get(response.headers["location"], headers=admin.headers)
    assert single.status_code == 200
    assert "key" not in single.json()
    assert secret not in single.text

    # The secret works at once, for its own organisation.
    key = Actor(key=secret)
    own = await client.get(f"{ORGS}/{org['id']}", headers=key.headers)
    assert own.status_code == 200


async def test_key_list_is_paginated(client: httpx.AsyncClient, admin: Actor, eps: Actor, make_key: MakeKey) -> None:
    for _ in range(3):
        await make_key(eps.organization, "bi_readonly")
    everything = await list_all(client, KEYS, admin)
    walked: list[str] = []
    params: dict[str, Any] = {"limit": 1}
    while True:
        page = (await client.get(KEYS, params=params, headers=admin.headers)).json()
        assert len(page["items"]) <= 1
        walked.extend(item["id"] for item in page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert walked == [item["id"] for item in everything]
    assert len(walked) == len(set(walked)) >= 5  # the admin, the EPS's key and three readers
    by_name = (await client.get(KEYS, params={"sort": "-name"}, headers=admin.headers)).json()["items"]
    names = [item["name"] for item in by_name]
    assert names == sorted(names, reverse=True)
    assert_problem(await client.get(KEYS, params={"sort": "key_hash"}, headers=admin.headers), 422, "sort")
    assert_problem(await client.get(KEYS, params={"limit": 501}, headers=admin.headers), 422, "limit")


async def test_a_new_keys_secret_is_never_stored_for_replay(
    client: httpx.AsyncClient, admin: Actor, eps: Actor, connection: AsyncConnection
) -> None:
    idempotency_key = str(uuid.uuid4())
    headers = {**admin.headers, "Idempotency-Key": idempotency_key}
    body = {"organization_id": str(eps.organization_id), "role": "bi_readonly", "name": "Tablero con reintento"}
    before = await key_ids(client, admin)
    first = await client.post(KEYS, json=body, headers=headers)
    assert first.status_code == 201
    assert first.headers["cache-control"] == "no-store"
    secret = first.json()["key"]
    statement = select(col(IdempotencyRow.response_body), col(IdempotencyRow.status_code)).where(
        col(IdempotencyRow.idempotency_key) == idempotency_key
    )
    # The answer was stored in the request's own transaction, which the test's connection holds.
    stored = [tuple(row) for row in (await connection.execute(statement)).all()]
    assert stored == [(None, 201)]
    # The retry is not run again (no second key) and cannot show the secret: a 409 that says so.
    retry = await client.post(KEYS, json=body, headers=headers)
    problem = assert_problem(retry, 409)
    assert "201" in problem["detail"]
    assert secret not in retry.text
    assert len(await key_ids(client, admin) - before) == 1


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        ("secretaria_municipal", "eps_ips"),
        ("eps", "secretaria"),
        ("ips", "asociacion"),
        ("asociacion_usuarios", "eps_ips"),
        ("ministerio", "secretaria"),
    ],
)
async def test_role_must_fit_the_organization_kind(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg, kind: str, role: str
) -> None:
    org = await make_org(kind)
    before = await key_ids(client, admin)
    response = await client.post(
        KEYS, json={"organization_id": org["id"], "role": role, "name": "x"}, headers=admin.headers
    )
    body = assert_problem(response, 422, "role")
    assert kind in field_message(body, "role")
    assert await key_ids(client, admin) == before


async def test_bi_readonly_fits_every_kind(client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg) -> None:
    for kind in ("eps", "secretaria_departamental", "asociacion_usuarios", "superintendencia"):
        org = await make_org(kind)
        response = await client.post(
            KEYS, json={"organization_id": org["id"], "role": "bi_readonly", "name": "Tablero"}, headers=admin.headers
        )
        assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "eps_ips", "name": "Sin organización"}, "organization_id"),
        (
            {"organization_id": "0b5e2c1e-8a4b-4a43-9f5e-0b6a1c9d7e10", "role": "eps_ips", "name": "Inexistente"},
            "organization_id",
        ),
        ({"role": "superusuario", "name": "Rol inexistente"}, "role"),
        ({"role": "admin", "name": ""}, "name"),
        ({"role": "admin", "name": "   "}, "name"),
        ({"role": "admin", "name": "Con secreto", "key": "pk_elegida"}, "key"),
    ],
)
async def test_invalid_key_requests_are_422(
    client: httpx.AsyncClient, admin: Actor, body: dict[str, Any], field: str
) -> None:
    before = await key_ids(client, admin)
    assert_problem(await client.post(KEYS, json=body, headers=admin.headers), 422, field)
    assert await key_ids(client, admin) == before


async def test_admin_keys_have_no_organization(client: httpx.AsyncClient, admin: Actor, eps: Actor) -> None:
    before = await key_ids(client, admin)
    response = await client.post(
        KEYS, json={"organization_id": str(eps.organization_id), "role": "admin", "name": "x"}, headers=admin.headers
    )
    assert_problem(response, 422, "organization_id")
    assert await key_ids(client, admin) == before
    created = await client.post(KEYS, json={"role": "admin", "name": "Otra admin"}, headers=admin.headers)
    assert created.status_code == 201
    assert created.json()["organization_id"] is None


async def test_secretaria_creates_keys_only_for_itself_and_only_two_roles(
    client: httpx.AsyncClient, admin: Actor, secretaria: Actor, eps: Actor
) -> None:
    own = str(secretaria.organization_id)
    for role in ("secretaria", "bi_readonly"):
        response = await client.post(
            KEYS, json={"organization_id": own, "role": role, "name": f"{role} propia"}, headers=secretaria.headers
        )
        assert response.status_code == 201, response.text
        assert response.json()["organization_id"] == own
    before = await key_ids(client, admin)
    refused = [
        {"organization_id": str(eps.organization_id), "role": "eps_ips", "name": "Para una EPS"},
        {"organization_id": str(eps.organization_id), "role": "bi_readonly", "name": "Para una EPS"},
        {"organization_id": own, "role": "eps_ips", "name": "Rol ajeno"},
        {"organization_id": own, "role": "asociacion", "name": "Rol ajeno"},
        {"role": "admin", "name": "Escalar"},
        {"organization_id": own, "role": "admin", "name": "Escalar"},
    ]
    for body in refused:
        assert_problem(await client.post(KEYS, json=body, headers=secretaria.headers), 403)
    assert await key_ids(client, admin) == before

    # It lists only its own organisation's keys.
    listed = (await client.get(KEYS, headers=secretaria.headers)).json()["items"]
    assert listed
    assert {item["organization_id"] for item in listed} == {own}


@pytest.mark.parametrize("role", ["eps_ips", "bi_readonly"])
async def test_other_roles_cannot_create_or_list_keys(
    client: httpx.AsyncClient, admin: Actor, eps: Actor, make_key: MakeKey, role: str
) -> None:
    caller = eps if role == "eps_ips" else await make_key(eps.organization, role)
    before = await key_ids(client, admin)
    for body_role in ("eps_ips", "bi_readonly"):
        body = {"organization_id": str(eps.organization_id), "role": body_role, "name": "Propia"}
        assert_problem(await client.post(KEYS, json=body, headers=caller.headers), 403)
    assert_problem(await client.get(KEYS, headers=caller.headers), 403)
    assert await key_ids(client, admin) == before


async def test_revoking_a_key_needs_if_match_and_then_the_key_is_a_401(
    client: httpx.AsyncClient, admin: Actor, eps: Actor, make_key: MakeKey
) -> None:
    victim = await make_key(eps.organization, "bi_readonly")
    assert (await client.get(PLANS, headers=victim.headers)).status_code == 200
    victim_id = next(
        item["id"]
        for item in (await client.get(KEYS, headers=admin.headers)).json()["items"]
        if item["role"] == "bi_readonly" and item["organization_id"] == str(eps.organization_id)
    )
    path = f"{KEYS}/{victim_id}"
    assert_problem(await client.delete(path, headers=admin.headers), 428)
    assert_problem(await client.delete(path, headers={**admin.headers, "If-Match": '"2"'}), 412)
    assert (await client.get(PLANS, headers=victim.headers)).status_code == 200

    revoked = await client.delete(path, headers={**admin.headers, "If-Match": '"1"'})
    assert revoked.status_code == 204
    response = await client.get(PLANS, headers=victim.headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert victim_id not in await key_ids(client, admin)
    with_revoked = (await client.get(KEYS, params={"include_revoked": "true"}, headers=admin.headers)).json()["items"]
    record = next(item for item in with_revoked if item["id"] == victim_id)
    assert record["revoked_at"] is not None
    assert record["version"] == 2
    assert_problem(await client.delete(path, headers={**admin.headers, "If-Match": '"2"'}), 404)
    # The other keys of the organisation keep working.
    assert (await client.get(PLANS, headers=eps.headers)).status_code == 200


async def test_secretaria_revokes_only_its_own_keys(
    client: httpx.AsyncClient, admin: Actor, secretaria: Actor, eps: Actor
) -> None:
    created = await client.post(
        KEYS,
        json={"organization_id": str(secretaria.organization_id), "role": "bi_readonly", "name": "Tablero"},
        headers=secretaria.headers,
    )
    own_key = created.json()
    eps_key_id = next(
        item["id"]
        for item in (await client.get(KEYS, headers=admin.headers)).json()["items"]
        if item["organization_id"] == str(eps.organization_id)
    )
    assert_problem(await client.delete(f"{KEYS}/{eps_key_id}", headers={**secretaria.headers, "If-Match": '"1"'}), 404)
    assert (await client.get(PLANS, headers=eps.headers)).status_code == 200
    assert_problem(await client.delete(f"{KEYS}/{own_key['id']}", headers={**eps.headers, "If-Match": '"1"'}), 404)
    revoked = await client.delete(f"{KEYS}/{own_key['id']}", headers={**secretaria.headers, "If-Match": '"1"'})
    assert revoked.status_code == 204
    assert_problem(await client.get(PLANS, headers=Actor(key=own_key["key"]).headers), 401)


async def test_eps_key_cannot_revoke_its_own_organizations_keys(
    client: httpx.AsyncClient, admin: Actor, eps: Actor, make_key: MakeKey
) -> None:
    reader = await make_key(eps.organization, "bi_readonly")
    reader_id = next(
        item["id"]
        for item in (await client.get(KEYS, headers=admin.headers)).json()["items"]
        if item["role"] == "bi_readonly" and item["organization_id"] == str(eps.organization_id)
    )
    assert_problem(await client.delete(f"{KEYS}/{reader_id}", headers={**eps.headers, "If-Match": '"1"'}), 403)
    assert (await client.get(PLANS, headers=reader.headers)).status_code == 200


# --- bi_readonly -------------------------------------------------------------------------------------------


async def test_bi_readonly_reads_but_never_writes(
    client: httpx.AsyncClient, admin: Actor, eps: Actor, make_key: MakeKey
) -> None:
    plan = await create_plan(client, eps)
    reader = await make_key(eps.organization, "bi_readonly")
    org_path = f"{ORGS}/{eps.organization_id}"
    plan_path = f"{PLANS}/{plan['id']}"
    if_match = {**reader.headers, "If-Match": '"1"'}
    writes = [
        await client.post(PLANS, json={"year": 2027, "title": "Otro"}, headers=reader.headers),
        await client.patch(plan_path, json={"title": "Cambiado"}, headers=if_match),
        await client.delete(plan_path, headers=if_match),
        await client.patch(org_path, json={"name": "Cambiada"}, headers=if_match),
        await client.post(
            f"{org_path}/affiliates",
            json={"month": "2026-01", "municipality_code": "11001", "count": 1},
            headers=reader.headers,
        ),
        await client.post(
            "/v1/goals",
            json={"plan_id": plan["id"], "axis": "E1", "code": "M01", "text": "Meta"},
            headers=reader.headers,
        ),
        await client.post(ORGS, json={"kind": "eps", "name": "Nueva"}, headers=reader.headers),
    ]
    for response in writes:
        assert_problem(response, 403)

    # Reads of its organisation work, and nothing above was written.
    assert (await client.get(org_path, headers=reader.headers)).json()["name"] == eps.organization["name"]
    assert (await client.get(plan_path, headers=reader.headers)).json()["title"] == plan["title"]
    assert await plan_ids(client, reader) == {plan["id"]}
    assert await list_all(client, f"{org_path}/affiliates", reader) == []
    assert await list_all(client, "/v1/goals", reader) == []
    assert (await client.get(plan_path, headers=eps.headers)).headers["etag"] == '"1"'


async def test_bi_readonly_of_a_secretaria_sees_its_scope_but_cannot_oversee(
    client: httpx.AsyncClient, secretaria: Actor, eps: Actor, other_eps: Actor, make_key: MakeKey
) -> None:
    reader = await make_key(secretaria.organization, "bi_readonly")
    plan = await create_plan(client, eps)
    assert plan["id"] in await plan_ids(client, reader)
    response = await client.post(
        f"{ORGS}/{secretaria.organization_id}/oversight",
        json={"organization_id": str(other_eps.organization_id)},
        headers=reader.headers,
    )
    assert_problem(response, 403)
    assert (await client.get(f"{ORGS}/{secretaria.organization_id}/oversight", headers=secretaria.headers)).json()[
        "items"
    ] == []


# --- Scope: EPS and IPS ------------------------------------------------------------------------------------


async def test_an_eps_cannot_see_another_eps_plan(client: httpx.AsyncClient, eps: Actor, other_eps: Actor) -> None:
    theirs = await create_plan(client, other_eps, title="Plan ajeno")
    path = f"{PLANS}/{theirs['id']}"
    missing = await client.get(f"{PLANS}/{uuid.uuid4()}", headers=eps.headers)
    hidden = await client.get(path, headers=eps.headers)
    assert_problem(hidden, 404)
    # Existence is not revealed: the same answer as for an id that does not exist.
    assert hidden.json()["detail"] == missing.json()["detail"]
    assert hidden.json()["title"] == missing.json()["title"]
    if_match = {**eps.headers, "If-Match": '"1"'}
    assert_problem(await client.patch(path, json={"title": "Mío"}, headers=if_match), 404)
    assert_problem(await client.delete(path, headers=if_match), 404)
    assert_problem(await client.get(f"{path}/tree", headers=eps.headers), 404)
    assert await plan_ids(client, eps) == set()
    filtered = await client.get(PLANS, params={"organization_id": str(other_eps.organization_id)}, headers=eps.headers)
    assert filtered.json()["items"] == []
    synced = await list_all(client, PLANS, eps, updated_since="2000-01-01T00:00:00Z")
    assert synced == []
    # Creating a plan for the other EPS is refused as if it did not exist.
    body = {"organization_id": str(other_eps.organization_id), "year": 2027, "title": "Intruso"}
    refused = await client.post(PLANS, json=body, headers=eps.headers)
    nowhere = await client.post(PLANS, json={**body, "organization_id": str(uuid.uuid4())}, headers=eps.headers)
    assert refused.status_code in (404, 422)
    assert_problem(refused, refused.status_code)
    assert (refused.status_code, refused.json()["detail"]) == (nowhere.status_code, nowhere.json()["detail"])
    unchanged = await client.get(path, headers=other_eps.headers)
    assert (unchanged.json()["title"], unchanged.headers["etag"]) == ("Plan ajeno", '"1"')
    assert await plan_ids(client, other_eps) == {theirs["id"]}


async def test_an_eps_sees_only_its_own_organization(client: httpx.AsyncClient, eps: Actor, other_eps: Actor) -> None:
    assert await org_ids(client, eps) == {str(eps.organization_id)}
    assert_problem(await client.get(f"{ORGS}/{other_eps.organization_id}", headers=eps.headers), 404)
    assert_problem(await client.get(f"{ORGS}/{other_eps.organization_id}/affiliates", headers=eps.headers), 404)
    response = await client.patch(
        f"{ORGS}/{other_eps.organization_id}", json={"name": "Tomada"}, headers={**eps.headers, "If-Match": '"1"'}
    )
    assert_problem(response, 404)
    assert (await client.get(f"{ORGS}/{other_eps.organization_id}", headers=other_eps.headers)).json()["name"] == (
        "Otra EPS"
    )


async def test_an_association_sees_only_its_own(
    client: httpx.AsyncClient, eps: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    association = await make_org("asociacion_usuarios", parent_id=str(eps.organization_id))
    member = await make_key(association, "asociacion")
    own_plan = await create_plan(client, member)
    eps_plan = await create_plan(client, eps)
    assert own_plan["organization_id"] == association["id"]
    assert await plan_ids(client, member) == {own_plan["id"]}
    assert await org_ids(client, member) == {association["id"]}
    assert_problem(await client.get(f"{PLANS}/{eps_plan['id']}", headers=member.headers), 404)


async def test_admin_sees_everything(
    client: httpx.AsyncClient, admin: Actor, eps: Actor, other_eps: Actor, secretaria: Actor
) -> None:
    plans = {(await create_plan(client, eps))["id"], (await create_plan(client, other_eps))["id"]}
    assert plans <= await plan_ids(client, admin)
    orgs = {str(actor.organization_id) for actor in (eps, other_eps, secretaria)}
    assert orgs <= await org_ids(client, admin)
    for plan_id in plans:
        assert (await client.get(f"{PLANS}/{plan_id}", headers=admin.headers)).status_code == 200


# --- Scope: secretarías ------------------------------------------------------------------------------------


async def test_secretaria_sees_its_municipality_only(
    client: httpx.AsyncClient, secretaria: Actor, eps: Actor, other_eps: Actor
) -> None:
    inside = await create_plan(client, eps)
    outside = await create_plan(client, other_eps)
    assert await plan_ids(client, secretaria) == {inside["id"]}
    assert (await client.get(f"{PLANS}/{inside['id']}", headers=secretaria.headers)).status_code == 200
    assert_problem(await client.get(f"{PLANS}/{outside['id']}", headers=secretaria.headers), 404)
    assert await org_ids(client, secretaria) == {str(secretaria.organization_id), str(eps.organization_id)}
    assert_problem(await client.get(f"{ORGS}/{other_eps.organization_id}", headers=secretaria.headers), 404)


async def test_department_code_covers_all_its_municipalities(
    client: httpx.AsyncClient, make_org: MakeOrg, make_key: MakeKey, eps: Actor
) -> None:
    antioquia = await make_key(
        await make_org("secretaria_departamental", municipality_code="05001", jurisdiction=["05"]), "secretaria"
    )
    medellin = await make_key(await make_org("ese", municipality_code="05001"), "eps_ips")
    remedios = await make_key(await make_org("ips", municipality_code="05604"), "eps_ips")
    bogota_plan = await create_plan(client, eps)
    plans = {(await create_plan(client, actor))["id"] for actor in (medellin, remedios)}
    assert await plan_ids(client, antioquia) == plans
    assert bogota_plan["id"] not in await plan_ids(client, antioquia)
    expected = {str(actor.organization_id) for actor in (antioquia, medellin, remedios)}
    assert await org_ids(client, antioquia) == expected


async def test_scope_follows_the_organization_not_the_key(
    client: httpx.AsyncClient, admin: Actor, secretaria: Actor, make_org: MakeOrg
) -> None:
    # An organisation registered after the key was made is visible on the next request.
    newcomer = await make_org("ips", municipality_code="11001")
    assert newcomer["id"] in await org_ids(client, secretaria)
    # Moving it out of the jurisdiction hides it again.
    moved = await client.patch(
        f"{ORGS}/{newcomer['id']}", json={"municipality_code": "05001"}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert moved.status_code == 200
    assert newcomer["id"] not in await org_ids(client, secretaria)


async def test_oversight_makes_an_eps_outside_the_jurisdiction_visible(
    client: httpx.AsyncClient, admin: Actor, secretaria: Actor, other_eps: Actor
) -> None:
    plan = await create_plan(client, other_eps)
    assert plan["id"] not in await plan_ids(client, secretaria)
    path = f"{ORGS}/{secretaria.organization_id}/oversight"
    body = {"organization_id": str(other_eps.organization_id)}
    response = await client.post(path, json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    link = response.json()
    assert (link["secretaria_id"], link["organization_id"]) == (
        str(secretaria.organization_id),
        str(other_eps.organization_id),
    )
    assert response.headers["location"].endswith(f"{path}/{other_eps.organization_id}")
    assert (await client.get(response.headers["location"], headers=secretaria.headers)).json() == link
    assert plan["id"] in await plan_ids(client, secretaria)
    assert (await client.get(f"{PLANS}/{plan['id']}", headers=secretaria.headers)).status_code == 200
    assert str(other_eps.organization_id) in await org_ids(client, secretaria)
    listed = (await client.get(path, headers=secretaria.headers)).json()["items"]
    assert [item["organization_id"] for item in listed] == [str(other_eps.organization_id)]
    # Adding it twice keeps one link.
    again = await client.post(path, json=body, headers=admin.headers)
    assert again.status_code == 201
    assert len((await client.get(path, headers=secretaria.headers)).json()["items"]) == 1
    # Reading is not writing: the overseen EPS's plan stays its own.
    assert_problem(
        await client.patch(
            f"{PLANS}/{plan['id']}", json={"title": "x"}, headers={**secretaria.headers, "If-Match": '"1"'}
        ),
        403,
    )

    # The secretaría may drop a link (that only narrows what it reads).
    removed = await client.delete(f"{path}/{other_eps.organization_id}", headers=secretaria.headers)
    assert removed.status_code == 204
    assert plan["id"] not in await plan_ids(client, secretaria)
    assert_problem(await client.get(f"{PLANS}/{plan['id']}", headers=secretaria.headers), 404)
    assert_problem(await client.get(f"{path}/{other_eps.organization_id}", headers=secretaria.headers), 404)
    assert_problem(await client.delete(f"{path}/{other_eps.organization_id}", headers=secretaria.headers), 404)


async def test_a_secretaria_cannot_grant_itself_oversight(
    client: httpx.AsyncClient, admin: Actor, secretaria: Actor, other_eps: Actor
) -> None:
    # Like its jurisdiction, a link widens what the secretaría reads: only an administrator adds one.
    plan = await create_plan(client, other_eps)
    path = f"{ORGS}/{secretaria.organization_id}/oversight"
    response = await client.post(
        path, json={"organization_id": str(other_eps.organization_id)}, headers=secretaria.headers
    )
    assert_problem(response, 403)
    assert (await client.get(path, headers=admin.headers)).json()["items"] == []
    assert plan["id"] not in await plan_ids(client, secretaria)


async def test_oversight_is_only_of_eps_and_only_of_secretarias(
    client: httpx.AsyncClient, admin: Actor, secretaria: Actor, eps: Actor, other_eps: Actor, make_org: MakeOrg
) -> None:
    path = f"{ORGS}/{secretaria.organization_id}/oversight"
    ips = await make_org("ips", municipality_code="05001")
    other_secretaria = await make_org("secretaria_municipal", municipality_code="11001", jurisdiction=["11001"])
    for target in (ips["id"], other_secretaria["id"], "0b5e2c1e-8a4b-4a43-9f5e-0b6a1c9d7e10"):
        response = await client.post(path, json={"organization_id": target}, headers=admin.headers)
        assert_problem(response, 422, "organization_id")
    assert_problem(await client.post(path, json={}, headers=admin.headers), 422, "organization_id")
    # An EPS does not see the secretaría, so for it the secretaría does not exist.
    response = await client.post(path, json={"organization_id": str(other_eps.organization_id)}, headers=eps.headers)
    assert_problem(response, 404)
    assert_problem(await client.get(path, headers=eps.headers), 404)
    # A secretaría cannot link EPS to another secretaría it can see.
    response = await client.post(
        f"{ORGS}/{other_secretaria['id']}/oversight",
        json={"organization_id": str(other_eps.organization_id)},
        headers=secretaria.headers,
    )
    assert_problem(response, 403)
    # Only secretarías oversee.
    response = await client.post(
        f"{ORGS}/{eps.organization_id}/oversight",
        json={"organization_id": str(other_eps.organization_id)},
        headers=admin.headers,
    )
    assert_problem(response, 404)
    assert (await client.get(path, headers=admin.headers)).json()["items"] == []
    assert (await client.get(f"{ORGS}/{other_secretaria['id']}/oversight", headers=admin.headers)).json()["items"] == []


async def test_association_of_an_institution_in_jurisdiction_is_visible(
    client: httpx.AsyncClient, secretaria: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    ips = await make_org("ips", municipality_code="11001")
    association = await make_org("asociacion_usuarios", parent_id=ips["id"])
    far_ips = await make_org("ips", municipality_code="05001")
    far_association = await make_org("asociacion_usuarios", parent_id=far_ips["id"])
    member = await make_key(association, "asociacion")
    far_member = await make_key(far_association, "asociacion")
    plan = await create_plan(client, member)
    far_plan = await create_plan(client, far_member)
    visible = await org_ids(client, secretaria)
    assert {ips["id"], association["id"]} <= visible
    assert not {far_ips["id"], far_association["id"]} & visible
    plans = await plan_ids(client, secretaria)
    assert plan["id"] in plans
    assert far_plan["id"] not in plans


async def test_secretaria_reads_but_does_not_write_an_eps_plan(
    client: httpx.AsyncClient, secretaria: Actor, eps: Actor
) -> None:
    plan = await create_plan(client, eps, title="Plan de la EPS")
    path = f"{PLANS}/{plan['id']}"
    assert (await client.get(path, headers=secretaria.headers)).status_code == 200
    if_match = {**secretaria.headers, "If-Match": '"1"'}
    assert_problem(await client.patch(path, json={"title": "De la secretaría"}, headers=if_match), 403)
    assert_problem(await client.delete(path, headers=if_match), 403)
    body = {"organization_id": str(eps.organization_id), "year": 2027, "title": "Impuesto"}
    assert_problem(await client.post(PLANS, json=body, headers=secretaria.headers), 403)
    affiliates = f"{ORGS}/{eps.organization_id}/affiliates"
    counts = {"month": "2026-01", "municipality_code": "11001", "count": 5}
    assert_problem(await client.post(affiliates, json=counts, headers=secretaria.headers), 403)
    assert_problem(await client.patch(f"{ORGS}/{eps.organization_id}", json={"name": "x"}, headers=if_match), 403)
    current = await client.get(path, headers=eps.headers)
    assert (current.json()["title"], current.headers["etag"]) == ("Plan de la EPS", '"1"')
    assert await plan_ids(client, eps) == {plan["id"]}
    assert await list_all(client, affiliates, eps) == []


async def test_secretaria_syncs_the_tombstone_of_an_organization_it_saw(
    client: httpx.AsyncClient, admin: Actor, secretaria: Actor, make_org: MakeOrg
) -> None:
    ips = await make_org("ips", municipality_code="11001")
    assert ips["id"] in await org_ids(client, secretaria)
    deleted = await client.delete(f"{ORGS}/{ips['id']}", headers={**admin.headers, "If-Match": '"1"'})
    assert deleted.status_code == 204
    synced = await list_all(client, ORGS, secretaria, updated_since="2000-01-01T00:00:00Z")
    tombstone = next(item for item in synced if item["id"] == ips["id"])
    assert tombstone["deleted_at"] is not None
    assert ips["id"] not in await org_ids(client, secretaria)


# --- PARTICIPA_ADMIN_API_KEY -------------------------------------------------------------------------------


async def test_admin_key_from_the_environment_exists_after_start(database_url: str, engine: AsyncEngine) -> None:
    # The lifespan commits to the worker database (outside any test transaction): a random key, removed after.
    secret = "pk_env_" + uuid.uuid4().hex + uuid.uuid4().hex
    key_hash = hash_api_key(secret)
    app = create_app(Settings(database_url=database_url, participa_admin_api_key=secret))
    try:
        for _ in range(2):  # a restart with the same value keeps one key
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
                async with httpx.AsyncClient(transport=transport, base_url="http://participa.test") as client:
                    authorized = await client.get(ORGS, headers={"Authorization": f"Bearer {secret}"})
                    assert authorized.status_code == 200, authorized.text
                    keys = await client.get(KEYS, headers={"Authorization": f"Bearer {secret}"})
                    assert keys.status_code == 200
                    assert secret not in keys.text
                    wrong = await client.get(ORGS, headers={"Authorization": f"Bearer {secret}x"})
                    assert_problem(wrong, 401)
        statement = select(col(ApiKeyRow.role), col(ApiKeyRow.organization_id), col(ApiKeyRow.revoked_at)).where(
            col(ApiKeyRow.key_hash) == key_hash
        )
        async with engine.connect() as connection:
            rows = [tuple(row) for row in (await connection.execute(statement)).all()]
        assert rows == [("admin", None, None)]
    finally:
        async with engine.begin() as connection:
            await connection.execute(delete(ApiKeyRow).where(col(ApiKeyRow.key_hash) == key_hash))


async def test_short_admin_key_from_the_environment_is_refused(database_url: str) -> None:
    with pytest.raises(ValueError, match="24 caracteres"):
        Settings(database_url=database_url, participa_admin_api_key="corta")
