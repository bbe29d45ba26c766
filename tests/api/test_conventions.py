"""The shared HTTP conventions, exercised on organisations, plans and affiliates with real requests:
problems, ETags and preconditions, tombstones, keyset pagination, sync and Idempotency-Key."""

import base64
import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from importlib import import_module
from importlib.util import find_spec
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlmodel import col

from services.api import idempotency
from services.api.areas import AREAS
from services.api.models import ApiKeyRow, IdempotencyRow, OrganizationRow
from services.api.pagination import _python_type
from services.api.repository import RecordRepository
from tests.api.conftest import (
    Actor,
    MakeKey,
    MakeOrg,
    assert_problem,
    create_plan,
    field_message,
    insert_admin_key,
    list_all,
    visible_ids,
)

ORGS = "/v1/organizations"


def idempotency_key() -> str:
    # The middleware commits its rows outside the test transaction: every test needs keys of its own.
    return str(uuid.uuid4())


async def org_ids(client: httpx.AsyncClient, admin: Actor, **params: Any) -> set[str]:
    return await visible_ids(client, ORGS, admin, **params)


# --- Problems (RFC 9457) -----------------------------------------------------------------------------------


async def test_401_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get(ORGS)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_403_is_a_problem(client: httpx.AsyncClient, eps: Actor, make_key: MakeKey) -> None:
    reader = await make_key(eps.organization, "bi_readonly")
    response = await client.post("/v1/plans", json={"year": 2026, "title": "No"}, headers=reader.headers)
    assert_problem(response, 403)
    assert (await list_all(client, "/v1/plans", eps)) == []


async def test_404_is_a_problem(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.get(f"{ORGS}/{uuid.uuid4()}", headers=admin.headers)
    body = assert_problem(response, 404)
    assert body["instance"].startswith("/v1/organizations/")


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient, admin: Actor) -> None:
    assert_problem(await client.get("/v1/nothing-here", headers=admin.headers), 404)
    assert_problem(await client.get("/nothing-at-all"), 404)


async def test_405_is_a_problem(client: httpx.AsyncClient, admin: Actor) -> None:
    before = await org_ids(client, admin)
    response = await client.delete(ORGS, headers=admin.headers)
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]
    assert await org_ids(client, admin) == before


async def test_409_is_a_problem(client: httpx.AsyncClient, eps: Actor) -> None:
    path = f"{ORGS}/{eps.organization_id}/affiliates"
    body = {"month": "2026-01", "municipality_code": "11001", "count": 10}
    assert (await client.post(path, json=body, headers=eps.headers)).status_code == 201
    assert_problem(await client.post(path, json={**body, "count": 11}, headers=eps.headers), 409)
    counts = await list_all(client, path, eps)
    assert [count["count"] for count in counts] == [10]


async def test_422_names_every_invalid_field(client: httpx.AsyncClient, admin: Actor) -> None:
    before = await org_ids(client, admin)
    response = await client.post(ORGS, json={"kind": "hospital", "name": ""}, headers=admin.headers)
    body = assert_problem(response, 422, "kind", "name")
    assert body["detail"] == "La solicitud tiene 2 errores."
    assert "Valor no permitido" in field_message(body, "kind")
    assert await org_ids(client, admin) == before


async def test_missing_field_is_named(client: httpx.AsyncClient, admin: Actor) -> None:
    body = assert_problem(await client.post(ORGS, json={"kind": "eps"}, headers=admin.headers), 422, "name")
    assert field_message(body, "name") == "Campo obligatorio."


async def test_unknown_body_field_is_named(client: httpx.AsyncClient, admin: Actor) -> None:
    before = await org_ids(client, admin)
    response = await client.post(ORGS, json={"kind": "eps", "name": "EPS", "colour": "rojo"}, headers=admin.headers)
    body = assert_problem(response, 422, "colour")
    assert field_message(body, "colour") == "Campo no permitido."
    assert await org_ids(client, admin) == before


async def test_unknown_field_on_patch_changes_nothing(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg
) -> None:
    org = await make_org("eps", name="Antes")
    response = await client.patch(
        f"{ORGS}/{org['id']}", json={"name": "Después", "kind": "ips"}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert_problem(response, 422, "kind")
    current = (await client.get(f"{ORGS}/{org['id']}", headers=admin.headers)).json()
    assert (current["name"], current["kind"], current["version"]) == ("Antes", "eps", 1)


async def test_invalid_json_is_a_422(client: httpx.AsyncClient, admin: Actor) -> None:
    before = await org_ids(client, admin)
    response = await client.post(
        ORGS, content=b'{"kind": "eps", "name": ', headers={**admin.headers, "Content-Type": "application/json"}
    )
    body = assert_problem(response, 422, "body")
    assert field_message(body, "body") == "El cuerpo no es JSON válido."
    assert await org_ids(client, admin) == before


async def test_json_that_is_not_an_object_is_a_422(client: httpx.AsyncClient, admin: Actor) -> None:
    before = await org_ids(client, admin)
    response = await client.post(ORGS, json=["eps", "EPS"], headers=admin.headers)
    assert_problem(response, 422)
    assert await org_ids(client, admin) == before


async def test_bad_path_parameter_is_a_422(client: httpx.AsyncClient, admin: Actor) -> None:
    body = assert_problem(await client.get(f"{ORGS}/no-es-uuid", headers=admin.headers), 422, "organization_id")
    assert "UUID" in field_message(body, "organization_id")


# --- Create, ETag, If-None-Match ---------------------------------------------------------------------------


async def test_create_answers_201_with_location_and_etag(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(ORGS, json={"kind": "eps", "name": "Nueva EPS"}, headers=admin.headers)
    assert response.status_code == 201
    created = response.json()
    assert response.headers["etag"] == '"1"'
    location = response.headers["location"]
    assert location.endswith(f"/v1/organizations/{created['id']}")
    fetched = await client.get(location, headers=admin.headers)
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert created["version"] == 1
    assert created["deleted_at"] is None
    assert created["organization_id"] == created["id"]
    assert created["created_at"].endswith("Z")


async def test_get_has_etag_and_if_none_match_answers_304(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg
) -> None:
    org = await make_org("ips")
    path = f"{ORGS}/{org['id']}"
    response = await client.get(path, headers=admin.headers)
    assert response.headers["etag"] == '"1"'
    for header in ('"1"', 'W/"1"', '"7", "1"', "*"):
        not_modified = await client.get(path, headers={**admin.headers, "If-None-Match": header})
        assert not_modified.status_code == 304, header
        assert not_modified.content == b""
        assert not_modified.headers["etag"] == '"1"'
    changed = await client.get(path, headers={**admin.headers, "If-None-Match": '"2"'})
    assert changed.status_code == 200
    assert changed.json()["id"] == org["id"]


# --- If-Match on PATCH and DELETE --------------------------------------------------------------------------


async def test_patch_needs_if_match(client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg) -> None:
    org = await make_org("eps", name="Original")
    path = f"{ORGS}/{org['id']}"
    assert_problem(await client.patch(path, json={"name": "Sin precondición"}, headers=admin.headers), 428)
    assert_problem(await client.patch(path, json={"name": "Vieja"}, headers={**admin.headers, "If-Match": '"0"'}), 412)
    assert_problem(
        await client.patch(path, json={"name": "Basura"}, headers={**admin.headers, "If-Match": "no-etag"}),
        422,
        "If-Match",
    )
    unchanged = await client.get(path, headers=admin.headers)
    assert (unchanged.json()["name"], unchanged.headers["etag"]) == ("Original", '"1"')

    updated = await client.patch(path, json={"name": "Renombrada"}, headers={**admin.headers, "If-Match": '"1"'})
    assert updated.status_code == 200
    assert updated.headers["etag"] == '"2"'
    assert (updated.json()["name"], updated.json()["version"]) == ("Renombrada", 2)
    assert updated.json()["updated_at"] >= org["updated_at"]

    # The ETag just used is now stale: a second writer with it loses.
    stale = await client.patch(path, json={"name": "Perdida"}, headers={**admin.headers, "If-Match": '"1"'})
    body = assert_problem(stale, 412)
    assert "2" in body["detail"]
    assert (await client.get(path, headers=admin.headers)).json()["name"] == "Renombrada"


async def test_delete_needs_if_match_and_leaves_a_tombstone(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg
) -> None:
    org = await make_org("ips")
    path = f"{ORGS}/{org['id']}"
    assert_problem(await client.delete(path, headers=admin.headers), 428)
    assert_problem(await client.delete(path, headers={**admin.headers, "If-Match": '"5"'}), 412)
    assert (await client.get(path, headers=admin.headers)).status_code == 200

    deleted = await client.delete(path, headers={**admin.headers, "If-Match": '"1"'})
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(await client.get(path, headers=admin.headers), 404)
    assert_problem(await client.delete(path, headers={**admin.headers, "If-Match": '"2"'}), 404)
    assert_problem(await client.patch(path, json={"name": "x"}, headers={**admin.headers, "If-Match": '"2"'}), 404)
    assert org["id"] not in await org_ids(client, admin)

    since = datetime.fromisoformat(org["created_at"]) - timedelta(seconds=1)
    synced = await list_all(client, ORGS, admin, updated_since=since.isoformat())
    tombstone = next(item for item in synced if item["id"] == org["id"])
    assert tombstone["deleted_at"] is not None
    assert tombstone["deleted_at"].endswith("Z")
    assert tombstone["version"] == 2


# --- Keyset pagination -------------------------------------------------------------------------------------


async def test_limit_defaults_to_50_and_is_at_most_500(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg
) -> None:
    for index in range(52):
        await make_org("ips", name=f"IPS {index:02d}")
    first = (await client.get(ORGS, params={"kind": "ips"}, headers=admin.headers)).json()
    assert len(first["items"]) == 50
    assert first["next_cursor"] is not None
    second = (
        await client.get(ORGS, params={"kind": "ips", "cursor": first["next_cursor"]}, headers=admin.headers)
    ).json()
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None

    everything = (await client.get(ORGS, params={"kind": "ips", "limit": 500}, headers=admin.headers)).json()
    assert len(everything["items"]) == 52
    assert everything["next_cursor"] is None
    for limit in (501, 0, -1):
        body = assert_problem(await client.get(ORGS, params={"limit": limit}, headers=admin.headers), 422, "limit")
        assert "500" in field_message(body, "limit") or limit < 1
    assert_problem(await client.get(ORGS, params={"limit": "muchos"}, headers=admin.headers), 422, "limit")


async def test_walking_pages_returns_every_record_once(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg
) -> None:
    # Repeated names: the id breaks ties, so no record is skipped or repeated between pages.
    names = ["Beta", "Alfa", "Beta", "Gamma", "Alfa", "Delta", "Beta"]
    created = [await make_org("ese", name=name) for name in names]
    for sort, reverse in (("name", False), ("-name", True), (None, False)):
        seen: list[dict[str, Any]] = []
        params: dict[str, Any] = {"kind": "ese", "limit": 2}
        if sort:
            params["sort"] = sort
        pages = 0
        while True:
            page = (await client.get(ORGS, params=params, headers=admin.headers)).json()
            pages += 1
            seen.extend(page["items"])
            assert len(page["items"]) <= 2
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        assert pages == 4
        assert sorted(item["id"] for item in seen) == sorted(org["id"] for org in created)
        keys = [(item["name"], item["id"]) for item in seen]
        assert keys == sorted(keys, reverse=reverse), sort


async def test_last_page_exactly_full_has_null_cursor(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg
) -> None:
    for _ in range(4):
        await make_org("ips")
    first = (await client.get(ORGS, params={"kind": "ips", "limit": 2}, headers=admin.headers)).json()
    second = (
        await client.get(
            ORGS, params={"kind": "ips", "limit": 2, "cursor": first["next_cursor"]}, headers=admin.headers
        )
    ).json()
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None


async def test_empty_list_is_a_page(client: httpx.AsyncClient, eps: Actor) -> None:
    response = await client.get("/v1/plans", headers=eps.headers)
    assert response.json() == {"items": [], "next_cursor": None}


async def test_invalid_sort_is_a_422(client: httpx.AsyncClient, admin: Actor) -> None:
    body = assert_problem(await client.get(ORGS, params={"sort": "nit"}, headers=admin.headers), 422, "sort")
    assert "name" in field_message(body, "sort")
    assert_problem(await client.get(ORGS, params={"sort": "name; DROP"}, headers=admin.headers), 422, "sort")
    assert_problem(await client.get(ORGS, params={"sort": "--name"}, headers=admin.headers), 422, "sort")


def _cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


# Parameters must be the same in every xdist worker: a fixed id rather than uuid4().
_SOME_ID = "0b5e2c1e-8a4b-4a43-9f5e-0b6a1c9d7e10"


@pytest.mark.parametrize(
    ("sort", "cursor"),
    [
        ("name", "basura"),
        ("name", "!!!"),
        ("name", _cursor([1, 2])),
        ("name", _cursor({"k": "name"})),
        ("name", _cursor({"k": "name", "v": "Alfa", "id": "no-uuid"})),
        # The right order, the wrong type of value: must not reach the database as a comparison.
        ("name", _cursor({"k": "name", "v": {"dt": "2026-01-01T00:00:00+00:00"}, "id": _SOME_ID})),
        ("name", _cursor({"k": "name", "v": {"u": _SOME_ID}, "id": _SOME_ID})),
        ("name", _cursor({"k": "name", "v": 7, "id": _SOME_ID})),
        ("name", _cursor({"k": "name", "v": None, "id": _SOME_ID})),
        ("created_at", _cursor({"k": "created_at", "v": "ayer", "id": _SOME_ID})),
        ("created_at", _cursor({"k": "created_at", "v": {"d": "2026-01-01"}, "id": _SOME_ID})),
        ("created_at", _cursor({"k": "created_at", "v": {"dt": "2026-01-01T00:00:00"}, "id": _SOME_ID})),
        ("created_at", _cursor({"k": "created_at", "v": {"dt": "nunca"}, "id": _SOME_ID})),
        ("created_at", _cursor({"k": "created_at", "v": {"dt": 5}, "id": _SOME_ID})),
    ],
    ids=lambda value: value if value in ("name", "created_at") else None,
)
async def test_garbage_cursor_is_a_422(client: httpx.AsyncClient, admin: Actor, sort: str, cursor: str) -> None:
    response = await client.get(ORGS, params={"cursor": cursor, "sort": sort}, headers=admin.headers)
    assert_problem(response, 422, "cursor")


async def test_cursor_of_another_sort_is_a_422(client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg) -> None:
    for _ in range(3):
        await make_org("ips")
    cursor = (await client.get(ORGS, params={"sort": "name", "limit": 1}, headers=admin.headers)).json()["next_cursor"]
    assert cursor is not None
    for other in ("-name", "created_at"):
        response = await client.get(ORGS, params={"sort": other, "cursor": cursor}, headers=admin.headers)
        assert_problem(response, 422, "cursor")
    # A list cursor is no sync cursor either.
    response = await client.get(
        ORGS, params={"updated_since": "2000-01-01T00:00:00Z", "cursor": cursor}, headers=admin.headers
    )
    assert_problem(response, 422, "cursor")


# --- updated_since -----------------------------------------------------------------------------------------


async def _set_updated_at(session: AsyncSession, org_id: str, at: datetime) -> None:
    # Every request of a test shares one transaction, so now() is the same for all: set distinct instants.
    await session.execute(
        update(OrganizationRow).where(col(OrganizationRow.id) == uuid.UUID(org_id)).values(updated_at=at)
    )
    await session.commit()


async def test_updated_since_is_inclusive_ordered_and_includes_tombstones(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg, session: AsyncSession
) -> None:
    before, first, second, third = [await make_org("ips") for _ in range(4)]
    deleted = await client.delete(f"{ORGS}/{third['id']}", headers={**admin.headers, "If-Match": '"1"'})
    assert deleted.status_code == 204
    t0 = datetime(2031, 1, 1, tzinfo=UTC)
    await _set_updated_at(session, before["id"], t0 - timedelta(microseconds=1))
    await _set_updated_at(session, first["id"], t0)
    await _set_updated_at(session, second["id"], t0 + timedelta(hours=1))
    await _set_updated_at(session, third["id"], t0 + timedelta(hours=1))

    synced = await list_all(client, ORGS, admin, updated_since="2031-01-01T00:00:00Z")
    tied = sorted([second["id"], third["id"]])
    assert [item["id"] for item in synced] == [first["id"], *tied]
    tombstone = next(item for item in synced if item["id"] == third["id"])
    assert tombstone["deleted_at"] is not None
    assert [item["deleted_at"] for item in synced if item["id"] != third["id"]] == [None, None]
    assert synced[0]["updated_at"] == "2031-01-01T00:00:00Z"

    # The same instant in another offset; one microsecond later leaves the first one out.
    same = await list_all(client, ORGS, admin, updated_since="2030-12-31T19:00:00-05:00")
    assert [item["id"] for item in same] == [first["id"], *tied]
    # Typed into a URL unencoded, "+05:00" arrives as " 05:00" and still means the offset.
    typed = await client.get(f"{ORGS}?updated_since=2031-01-01T05:00:00+05:00", headers=admin.headers)
    assert [item["id"] for item in typed.json()["items"]] == [first["id"], *tied]
    later = await list_all(client, ORGS, admin, updated_since="2031-01-01T00:00:00.000001Z")
    assert [item["id"] for item in later] == tied

    # Page by page, the sync order holds and nothing repeats.
    walked: list[str] = []
    params: dict[str, Any] = {"updated_since": "2031-01-01T00:00:00Z", "limit": 1}
    while True:
        page = (await client.get(ORGS, params=params, headers=admin.headers)).json()
        walked.extend(item["id"] for item in page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert walked == [first["id"], *tied]


async def test_updated_since_rejects_sort_and_naive_instants(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.get(
        ORGS, params={"updated_since": "2026-01-01T00:00:00Z", "sort": "name"}, headers=admin.headers
    )
    assert_problem(response, 422, "sort")
    naive = await client.get(ORGS, params={"updated_since": "2026-01-01T00:00:00"}, headers=admin.headers)
    assert_problem(naive, 422, "updated_since")
    garbage = await client.get(ORGS, params={"updated_since": "ayer"}, headers=admin.headers)
    assert_problem(garbage, 422, "updated_since")


async def test_plain_list_hides_tombstones(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    deleted = await client.delete(f"/v1/plans/{plan['id']}", headers={**eps.headers, "If-Match": '"1"'})
    assert deleted.status_code == 204
    assert await list_all(client, "/v1/plans", eps) == []
    synced = await list_all(client, "/v1/plans", eps, updated_since="2000-01-01T00:00:00Z")
    assert [(item["id"], item["deleted_at"] is not None) for item in synced] == [(plan["id"], True)]


# --- Idempotency-Key ---------------------------------------------------------------------------------------


async def test_same_idempotency_key_and_body_replays_the_answer(client: httpx.AsyncClient, admin: Actor) -> None:
    key = idempotency_key()
    headers = {**admin.headers, "Idempotency-Key": key}
    body = {"kind": "eps", "name": f"Idempotente {key[:8]}"}
    first = await client.post(ORGS, json=body, headers=headers)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    # Another spacing and key order is still the same request.
    again = await client.post(
        ORGS,
        content=json.dumps(dict(reversed(body.items())), indent=2).encode(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-type"] == first.headers["content-type"]
    named = [org for org in await list_all(client, ORGS, admin) if org["name"] == body["name"]]
    assert [org["id"] for org in named] == [first.json()["id"]]


async def test_idempotency_key_replays_a_rejection_too(client: httpx.AsyncClient, admin: Actor) -> None:
    headers = {**admin.headers, "Idempotency-Key": idempotency_key()}
    body = {"kind": "eps", "name": "EPS", "nit": "890985092-4"}
    first = await client.post(ORGS, json=body, headers=headers)
    assert_problem(first, 422, "nit")
    second = await client.post(ORGS, json=body, headers=headers)
    assert second.status_code == 422
    assert second.json() == first.json()
    assert second.headers["content-type"].startswith("application/problem+json")


async def test_same_idempotency_key_with_another_body_is_a_422(client: httpx.AsyncClient, admin: Actor) -> None:
    headers = {**admin.headers, "Idempotency-Key": idempotency_key()}
    first = await client.post(ORGS, json={"kind": "eps", "name": "Primera"}, headers=headers)
    assert first.status_code == 201
    before = await org_ids(client, admin)
    reused = await client.post(ORGS, json={"kind": "eps", "name": "Segunda"}, headers=headers)
    assert_problem(reused, 422, "Idempotency-Key")
    assert await org_ids(client, admin) == before
    # Same body to another path is another request too.
    other_path = await client.post("/v1/plans", json={"kind": "eps", "name": "Primera"}, headers=headers)
    assert_problem(other_path, 422, "Idempotency-Key")


async def test_idempotency_key_is_scoped_to_the_calling_key(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor
) -> None:
    key = idempotency_key()
    body = {"year": 2026, "title": "Plan con reintento"}
    mine = await client.post("/v1/plans", json=body, headers={**eps.headers, "Idempotency-Key": key})
    theirs = await client.post("/v1/plans", json=body, headers={**other_eps.headers, "Idempotency-Key": key})
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["organization_id"] == str(other_eps.organization_id)
    assert [plan["id"] for plan in await list_all(client, "/v1/plans", eps)] == [mine.json()["id"]]
    assert [plan["id"] for plan in await list_all(client, "/v1/plans", other_eps)] == [theirs.json()["id"]]


async def test_a_revoked_key_replays_nothing(
    client: httpx.AsyncClient, admin: Actor, eps: Actor, make_key: MakeKey
) -> None:
    writer = await make_key(eps.organization, "eps_ips")
    headers = {**writer.headers, "Idempotency-Key": idempotency_key()}
    body = {"year": 2027, "title": "Plan que se reintenta"}
    assert (await client.post("/v1/plans", json=body, headers=headers)).status_code == 201
    keys = (await client.get("/v1/api-keys", params={"limit": 500}, headers=admin.headers)).json()["items"]
    writer_id = next(key["id"] for key in keys if writer.key.startswith(key["prefix"]))
    revoked = await client.delete(f"/v1/api-keys/{writer_id}", headers={**admin.headers, "If-Match": '"1"'})
    assert revoked.status_code == 204
    # Authentication comes first: the stored answer is not handed to a key that no longer authenticates.
    replay = await client.post("/v1/plans", json=body, headers=headers)
    assert_problem(replay, 401)
    assert "idempotent-replayed" not in replay.headers


async def test_idempotency_key_scoped_between_two_admins(
    client: httpx.AsyncClient, admin: Actor, session: AsyncSession
) -> None:
    second_admin = await insert_admin_key(session)
    key = idempotency_key()
    body = {"kind": "ips", "name": f"IPS {key[:8]}"}
    one = await client.post(ORGS, json=body, headers={**admin.headers, "Idempotency-Key": key})
    two = await client.post(ORGS, json=body, headers={**second_admin.headers, "Idempotency-Key": key})
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] != two.json()["id"]
    named = [org for org in await list_all(client, ORGS, admin) if org["name"] == body["name"]]
    assert len(named) == 2


async def test_invalid_idempotency_key_is_a_422(client: httpx.AsyncClient, admin: Actor) -> None:
    before = await org_ids(client, admin)
    for key in (" ", "k" * 256):
        response = await client.post(
            ORGS, json={"kind": "eps", "name": "EPS"}, headers={**admin.headers, "Idempotency-Key": key}
        )
        assert_problem(response, 422, "Idempotency-Key")
    assert await org_ids(client, admin) == before


async def test_idempotency_key_is_ignored_on_reads(client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg) -> None:
    org = await make_org("eps")
    headers = {**admin.headers, "Idempotency-Key": idempotency_key()}
    assert (await client.get(f"{ORGS}/{org['id']}", headers=headers)).status_code == 200
    assert (await client.get(ORGS, headers=headers)).status_code == 200


async def test_idempotency_key_in_progress_is_a_409(
    client: httpx.AsyncClient, admin: Actor, engine: AsyncEngine, connection: AsyncConnection
) -> None:
    # A first request still running holds the key's advisory lock in its transaction; hold it from another
    # connection, as that request's would.
    key = idempotency_key()
    body = {"kind": "eps", "name": f"En curso {key[:8]}"}
    api_key_id = (
        await connection.execute(
            select(col(ApiKeyRow.id)).where(col(ApiKeyRow.key_hash) == hashlib.sha256(admin.key.encode()).hexdigest())
        )
    ).scalar_one()
    lock = idempotency._lock_id(api_key_id, key)
    before = await org_ids(client, admin)
    async with engine.connect() as other:
        assert await other.scalar(select(func.pg_try_advisory_lock(lock)))
        running = await client.post(ORGS, json=body, headers={**admin.headers, "Idempotency-Key": key})
        assert_problem(running, 409)
        assert running.headers["retry-after"]
        assert await org_ids(client, admin) == before
        await other.scalar(select(func.pg_advisory_unlock(lock)))
    # Once the original is over (here: never committed), the retry runs.
    retried = await client.post(ORGS, json=body, headers={**admin.headers, "Idempotency-Key": key})
    assert retried.status_code == 201


async def test_expired_idempotency_answer_runs_the_request_again(
    client: httpx.AsyncClient, admin: Actor, connection: AsyncConnection
) -> None:
    key = idempotency_key()
    headers = {**admin.headers, "Idempotency-Key": key}
    body = {"kind": "ips", "name": f"Vencida {key[:8]}"}
    first = await client.post(ORGS, json=body, headers=headers)
    assert first.status_code == 201
    await connection.execute(
        update(IdempotencyRow)
        .where(col(IdempotencyRow.idempotency_key) == key)
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    second = await client.post(ORGS, json=body, headers=headers)
    assert second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert second.json()["id"] != first.json()["id"]


# --- 500 ---------------------------------------------------------------------------------------------------


async def test_unexpected_error_is_a_500_problem_and_frees_the_idempotency_key(
    app: FastAPI, client: httpx.AsyncClient, admin: Actor
) -> None:
    calls: list[int] = []

    async def explode() -> None:
        calls.append(1)
        raise RuntimeError("secreto interno: cédula 1020304050")

    app.add_api_route("/v1/explode", explode, methods=["POST"])
    headers = {**admin.headers, "Idempotency-Key": idempotency_key()}
    for expected_calls in (1, 2):
        response = await client.post("/v1/explode", json={}, headers=headers)
        body = assert_problem(response, 500)
        assert "1020304050" not in response.text
        assert "RuntimeError" not in response.text
        assert body["detail"].startswith("Ocurrió un error inesperado")
        # A failure is not stored: the retry runs again instead of replaying the 500.
        assert len(calls) == expected_calls
        assert "idempotent-replayed" not in response.headers


# --- Every sort column pages -------------------------------------------------------------------------------


def test_every_sort_column_has_a_cursor_type() -> None:
    # A cursor value is checked against its column's Python type: `object` would reject every cursor.
    repositories = [
        value
        for area in AREAS
        if find_spec(f"services.api.{area.package}.repository") is not None
        for value in vars(import_module(f"services.api.{area.package}.repository")).values()
        if isinstance(value, RecordRepository)
    ]
    assert len(repositories) >= 8
    for repository in repositories:
        for name, column in repository.sortable.items():
            python_type = _python_type(column)
            assert python_type in (str, int, date, datetime), (repository.model.__name__, name, python_type)
