"""Organisations: NIT and DANE validation, what each kind may carry, who registers and edits them, affiliates."""

import uuid
from typing import Any

import httpx
import pytest

from tests.api.conftest import Actor, MakeKey, MakeOrg, assert_problem, field_message, list_all, visible_ids

ORGS = "/v1/organizations"


async def org_ids(client: httpx.AsyncClient, actor: Actor) -> set[str]:
    return await visible_ids(client, ORGS, actor)


async def assert_refused_create(
    client: httpx.AsyncClient, admin: Actor, body: dict[str, Any], status: int, *fields: str
) -> dict[str, Any]:
    """POST the body, expect the problem, and check that no organisation was written."""
    before = await org_ids(client, admin)
    problem = assert_problem(await client.post(ORGS, json=body, headers=admin.headers), status, *fields)
    assert await org_ids(client, admin) == before
    return problem


async def assert_refused_patch(
    client: httpx.AsyncClient,
    actor: Actor,
    admin: Actor,
    org: dict[str, Any],
    body: dict[str, Any],
    status: int,
    *fields: str,
) -> dict[str, Any]:
    """PATCH with the current ETag, expect the problem, and check that the organisation did not change."""
    path = f"{ORGS}/{org['id']}"
    before = (await client.get(path, headers=admin.headers)).json()
    response = await client.patch(path, json=body, headers={**actor.headers, "If-Match": f'"{before["version"]}"'})
    problem = assert_problem(response, status, *fields)
    assert (await client.get(path, headers=admin.headers)).json() == before
    return problem


# --- NIT ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["890985092-3", "890.985.092-3"])
async def test_valid_nit_is_stored_in_one_form(client: httpx.AsyncClient, admin: Actor, written: str) -> None:
    response = await client.post(ORGS, json={"kind": "ese", "name": "Hospital", "nit": written}, headers=admin.headers)
    assert response.status_code == 201, response.text
    assert response.json()["nit"] == "890985092-3"
    found = await client.get(ORGS, params={"nit": "890985092-3"}, headers=admin.headers)
    assert [org["id"] for org in found.json()["items"]] == [response.json()["id"]]


async def test_wrong_check_digit_names_the_expected_one(client: httpx.AsyncClient, admin: Actor) -> None:
    body = {"kind": "ese", "name": "Hospital", "nit": "890985092-4"}
    problem = await assert_refused_create(client, admin, body, 422, "nit")
    message = field_message(problem, "nit")
    assert "890985092" in message
    assert "es 3" in message


@pytest.mark.parametrize("nit", ["8909850923", "890985092", "89098509A-3", "0890985092-3", "890985092-34", "", "-3"])
async def test_malformed_nit_is_a_422(client: httpx.AsyncClient, admin: Actor, nit: str) -> None:
    problem = await assert_refused_create(client, admin, {"kind": "eps", "name": "EPS", "nit": nit}, 422, "nit")
    assert field_message(problem, "nit")


async def test_nit_is_validated_on_patch_too(client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg) -> None:
    org = await make_org("eps", nit="830113831-0")
    problem = await assert_refused_patch(client, admin, admin, org, {"nit": "830113831-1"}, 422, "nit")
    assert "es 0" in field_message(problem, "nit")


# --- DANE codes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["05604", "11001", "99001", "08001"])
async def test_municipality_codes_of_real_departments(client: httpx.AsyncClient, admin: Actor, code: str) -> None:
    response = await client.post(
        ORGS, json={"kind": "ips", "name": "IPS", "municipality_code": code}, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["municipality_code"] == code


@pytest.mark.parametrize("code", ["5604", "110010", "12001", "00001", "11000", "O5001", "05 01", "٠٥٠٠١", ""])
async def test_bad_municipality_code_is_a_422(client: httpx.AsyncClient, admin: Actor, code: str) -> None:
    body = {"kind": "ips", "name": "IPS", "municipality_code": code}
    problem = await assert_refused_create(client, admin, body, 422, "municipality_code")
    assert field_message(problem, "municipality_code")


async def test_municipality_code_is_validated_on_patch(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg
) -> None:
    org = await make_org("ips", municipality_code="11001")
    await assert_refused_patch(client, admin, admin, org, {"municipality_code": "12001"}, 422, "municipality_code")


@pytest.mark.parametrize("codes", [["12"], ["123"], ["11001", "1100"], ["12001"], [""], ["05", 5]])
async def test_bad_jurisdiction_code_is_a_422(client: httpx.AsyncClient, admin: Actor, codes: list[Any]) -> None:
    body = {"kind": "secretaria_departamental", "name": "Secretaría", "jurisdiction": codes}
    problem = await assert_refused_create(client, admin, body, 422)
    assert all(error["field"].startswith("jurisdiction") for error in problem["errors"])


async def test_jurisdiction_is_kept_sorted_without_repeats(client: httpx.AsyncClient, admin: Actor) -> None:
    body = {"kind": "secretaria_departamental", "name": "Secretaría", "jurisdiction": ["05604", "05", "05604"]}
    response = await client.post(ORGS, json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    assert response.json()["jurisdiction"] == ["05", "05604"]


# --- What each kind carries --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["eps", "ips", "ese", "asociacion_usuarios", "ministerio", "superintendencia"])
async def test_jurisdiction_only_for_secretarias(client: httpx.AsyncClient, admin: Actor, kind: str) -> None:
    body = {"kind": kind, "name": "Sin jurisdicción", "jurisdiction": ["11001"]}
    problem = await assert_refused_create(client, admin, body, 422, "jurisdiction")
    assert "secretarías" in field_message(problem, "jurisdiction")


@pytest.mark.parametrize("kind", ["secretaria_departamental", "secretaria_distrital", "secretaria_municipal"])
async def test_secretarias_carry_a_jurisdiction(client: httpx.AsyncClient, admin: Actor, kind: str) -> None:
    response = await client.post(
        ORGS, json={"kind": kind, "name": "Secretaría", "jurisdiction": ["11"]}, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["jurisdiction"] == ["11"]


async def test_jurisdiction_patch_on_a_non_secretaria_is_a_422(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg
) -> None:
    org = await make_org("eps")
    await assert_refused_patch(client, admin, admin, org, {"jurisdiction": ["11001"]}, 422, "jurisdiction")


@pytest.mark.parametrize("parent_kind", ["eps", "ips", "ese"])
async def test_association_belongs_to_a_health_entity(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg, parent_kind: str
) -> None:
    parent = await make_org(parent_kind, municipality_code="11001")
    association = await make_org("asociacion_usuarios", parent_id=parent["id"])
    assert association["parent_id"] == parent["id"]
    children = await client.get(ORGS, params={"parent_id": parent["id"]}, headers=admin.headers)
    assert [org["id"] for org in children.json()["items"]] == [association["id"]]


@pytest.mark.parametrize("parent_kind", ["secretaria_municipal", "asociacion_usuarios", "ministerio"])
async def test_association_parent_of_another_kind_is_a_422(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg, parent_kind: str
) -> None:
    parent = await make_org(parent_kind)
    body = {"kind": "asociacion_usuarios", "name": "Asociación", "parent_id": parent["id"]}
    problem = await assert_refused_create(client, admin, body, 422, "parent_id")
    assert "EPS, IPS o ESE" in field_message(problem, "parent_id")


async def test_association_parent_must_exist(client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg) -> None:
    body = {"kind": "asociacion_usuarios", "name": "Asociación", "parent_id": str(uuid.uuid4())}
    await assert_refused_create(client, admin, body, 422, "parent_id")
    retired = await make_org("ips")
    deleted = await client.delete(f"{ORGS}/{retired['id']}", headers={**admin.headers, "If-Match": '"1"'})
    assert deleted.status_code == 204
    await assert_refused_create(client, admin, {**body, "parent_id": retired["id"]}, 422, "parent_id")


async def test_only_associations_have_a_parent(client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg) -> None:
    eps = await make_org("eps")
    await assert_refused_create(client, admin, {"kind": "ips", "name": "IPS", "parent_id": eps["id"]}, 422, "parent_id")
    ips = await make_org("ips")
    await assert_refused_patch(client, admin, admin, ips, {"parent_id": eps["id"]}, 422, "parent_id")


async def test_association_parent_checked_on_patch(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    eps = await make_org("eps")
    other_ips = await make_org("ips")
    secretaria = await make_org("secretaria_municipal")
    association = await make_org("asociacion_usuarios", parent_id=eps["id"])
    member = await make_key(association, "asociacion")
    await assert_refused_patch(client, member, admin, association, {"parent_id": secretaria["id"]}, 422, "parent_id")
    await assert_refused_patch(client, member, admin, association, {"parent_id": association["id"]}, 422, "parent_id")
    moved = await client.patch(
        f"{ORGS}/{association['id']}",
        json={"parent_id": other_ips["id"]},
        headers={**member.headers, "If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["parent_id"] == other_ips["id"]


# --- Who registers and edits -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["eps_ips", "bi_readonly"])
async def test_non_admin_cannot_create_organizations(
    client: httpx.AsyncClient, admin: Actor, eps: Actor, make_key: MakeKey, role: str
) -> None:
    caller = eps if role == "eps_ips" else await make_key(eps.organization, role)
    before = await org_ids(client, admin)
    response = await client.post(ORGS, json={"kind": "ips", "name": "IPS propia"}, headers=caller.headers)
    assert_problem(response, 403)
    assert await org_ids(client, admin) == before


async def test_secretaria_cannot_create_organizations(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    secretaria = await make_key(await make_org("secretaria_municipal", jurisdiction=["11001"]), "secretaria")
    before = await org_ids(client, admin)
    body = {"kind": "ips", "name": "IPS", "municipality_code": "11001"}
    assert_problem(await client.post(ORGS, json=body, headers=secretaria.headers), 403)
    assert await org_ids(client, admin) == before


async def test_an_organization_edits_itself(client: httpx.AsyncClient, eps: Actor) -> None:
    path = f"{ORGS}/{eps.organization_id}"
    response = await client.patch(
        path,
        json={"name": "Aliansalud EPS S.A.", "reps_code": "110010000001"},
        headers={**eps.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["reps_code"], body["version"]) == ("Aliansalud EPS S.A.", "110010000001", 2)
    assert body["nit"] == "830113831-0"  # untouched fields stay


async def test_an_organization_cannot_change_its_jurisdiction(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg, make_key: MakeKey, other_eps: Actor
) -> None:
    org = await make_org("secretaria_municipal", municipality_code="11001", jurisdiction=["11001"])
    secretaria = await make_key(org, "secretaria")
    for jurisdiction in (["05"], [], ["11001"]):
        await assert_refused_patch(client, secretaria, admin, org, {"jurisdiction": jurisdiction}, 403)
    await assert_refused_patch(client, secretaria, admin, org, {"name": "Nueva", "jurisdiction": ["05"]}, 403)
    assert str(other_eps.organization_id) not in await org_ids(client, secretaria)

    # An administrator may, and the scope follows at once.
    widened = await client.patch(
        f"{ORGS}/{org['id']}", json={"jurisdiction": ["05", "11001"]}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert widened.status_code == 200
    assert widened.json()["jurisdiction"] == ["05", "11001"]
    assert str(other_eps.organization_id) in await org_ids(client, secretaria)


async def test_null_name_is_a_422(client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg) -> None:
    org = await make_org("eps")
    await assert_refused_patch(client, admin, admin, org, {"name": None}, 422, "name")
    await assert_refused_patch(client, admin, admin, org, {"name": ""}, 422, "name")


async def test_only_admin_retires_organizations(client: httpx.AsyncClient, admin: Actor, eps: Actor) -> None:
    path = f"{ORGS}/{eps.organization_id}"
    assert_problem(await client.delete(path, headers={**eps.headers, "If-Match": '"1"'}), 403)
    assert (await client.get(path, headers=admin.headers)).status_code == 200


async def test_list_filters(client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg) -> None:
    bogota = await make_org("ips", municipality_code="11001")
    medellin = await make_org("ips", municipality_code="05001")
    ese = await make_org("ese", municipality_code="05001")
    by_kind = await list_all(client, ORGS, admin, kind="ips")
    assert {org["id"] for org in by_kind} == {bogota["id"], medellin["id"]}
    by_place = await list_all(client, ORGS, admin, municipality_code="05001")
    assert {org["id"] for org in by_place} == {medellin["id"], ese["id"]}
    both = await list_all(client, ORGS, admin, municipality_code="05001", kind="ese")
    assert [org["id"] for org in both] == [ese["id"]]
    assert_problem(await client.get(ORGS, params={"kind": "hospital"}, headers=admin.headers), 422, "kind")
    assert_problem(await client.get(ORGS, params={"parent_id": "x"}, headers=admin.headers), 422, "parent_id")


# --- Affiliates --------------------------------------------------------------------------------------------


def affiliates_path(actor: Actor) -> str:
    return f"{ORGS}/{actor.organization_id}/affiliates"


async def test_affiliate_counts_round_trip(client: httpx.AsyncClient, eps: Actor) -> None:
    path = affiliates_path(eps)
    created = await client.post(
        path, json={"month": "2026-01", "municipality_code": "11001", "count": 152340}, headers=eps.headers
    )
    assert created.status_code == 201, created.text
    count = created.json()
    assert (count["month"], count["municipality_code"], count["count"]) == ("2026-01", "11001", 152340)
    assert count["organization_id"] == str(eps.organization_id)
    assert created.headers["etag"] == '"1"'
    location = created.headers["location"]
    assert location.endswith(f"{path}/{count['id']}")
    assert (await client.get(location, headers=eps.headers)).json() == count
    second = await client.post(
        path, json={"month": "2026-02", "municipality_code": "11001", "count": 152500}, headers=eps.headers
    )
    assert second.status_code == 201
    other_place = await client.post(
        path, json={"month": "2026-01", "municipality_code": "25754", "count": 8000}, headers=eps.headers
    )
    assert other_place.status_code == 201

    listed = await list_all(client, path, eps)
    assert [(item["month"], item["municipality_code"]) for item in listed][0][0] == "2026-01"
    assert [item["month"] for item in listed] == sorted(item["month"] for item in listed)
    assert len(listed) == 3
    newest_first = (await client.get(path, params={"sort": "-month", "limit": 1}, headers=eps.headers)).json()
    assert newest_first["items"][0]["month"] == "2026-02"
    assert newest_first["next_cursor"] is not None
    january = await list_all(client, path, eps, month="2026-01")
    assert {item["municipality_code"] for item in january} == {"11001", "25754"}
    soacha = await list_all(client, path, eps, municipality_code="25754")
    assert [item["count"] for item in soacha] == [8000]

    assert_problem(await client.delete(f"{path}/{count['id']}", headers=eps.headers), 428)
    assert_problem(await client.delete(f"{path}/{count['id']}", headers={**eps.headers, "If-Match": '"3"'}), 412)
    deleted = await client.delete(f"{path}/{count['id']}", headers={**eps.headers, "If-Match": '"1"'})
    assert deleted.status_code == 204
    assert_problem(await client.get(location, headers=eps.headers), 404)
    assert count["id"] not in {item["id"] for item in await list_all(client, path, eps)}
    synced = await list_all(client, path, eps, updated_since="2000-01-01T00:00:00Z")
    assert next(item for item in synced if item["id"] == count["id"])["deleted_at"] is not None
    # Once deleted, the month and municipality can be counted again.
    again = await client.post(
        path, json={"month": "2026-01", "municipality_code": "11001", "count": 152341}, headers=eps.headers
    )
    assert again.status_code == 201


async def test_duplicate_month_and_municipality_is_a_409(client: httpx.AsyncClient, eps: Actor) -> None:
    path = affiliates_path(eps)
    body = {"month": "2026-03", "municipality_code": "11001", "count": 100}
    assert (await client.post(path, json=body, headers=eps.headers)).status_code == 201
    problem = assert_problem(await client.post(path, json={**body, "count": 200}, headers=eps.headers), 409)
    assert "2026-03" in problem["detail"]
    assert [item["count"] for item in await list_all(client, path, eps)] == [100]


async def test_same_month_in_another_organization_is_fine(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor
) -> None:
    body = {"month": "2026-03", "municipality_code": "11001", "count": 100}
    assert (await client.post(affiliates_path(eps), json=body, headers=eps.headers)).status_code == 201
    assert (await client.post(affiliates_path(other_eps), json=body, headers=other_eps.headers)).status_code == 201


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "26-01", "2026/01", "2026-01-01", "enero", ""])
async def test_bad_month_is_a_422(client: httpx.AsyncClient, eps: Actor, month: str) -> None:
    path = affiliates_path(eps)
    response = await client.post(
        path, json={"month": month, "municipality_code": "11001", "count": 1}, headers=eps.headers
    )
    assert_problem(response, 422, "month")
    assert await list_all(client, path, eps) == []


@pytest.mark.parametrize(("count", "fragment"), [(-1, "mayor o igual que 0"), (1.5, "entero"), ("mil", "entero")])
async def test_bad_count_is_a_422(client: httpx.AsyncClient, eps: Actor, count: Any, fragment: str) -> None:
    path = affiliates_path(eps)
    response = await client.post(
        path, json={"month": "2026-01", "municipality_code": "11001", "count": count}, headers=eps.headers
    )
    problem = assert_problem(response, 422, "count")
    assert fragment in field_message(problem, "count")
    assert await list_all(client, path, eps) == []


async def test_bad_affiliate_municipality_is_a_422(client: httpx.AsyncClient, eps: Actor) -> None:
    path = affiliates_path(eps)
    for code in ("1100", "12001", "11000"):
        response = await client.post(
            path, json={"month": "2026-01", "municipality_code": code, "count": 1}, headers=eps.headers
        )
        assert_problem(response, 422, "municipality_code")
    missing = await client.post(path, json={"month": "2026-01", "count": 1}, headers=eps.headers)
    assert_problem(missing, 422, "municipality_code")
    assert await list_all(client, path, eps) == []


async def test_affiliates_of_another_organization(
    client: httpx.AsyncClient, admin: Actor, eps: Actor, other_eps: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    theirs = await client.post(
        affiliates_path(other_eps),
        json={"month": "2026-01", "municipality_code": "05001", "count": 9},
        headers=other_eps.headers,
    )
    count_id = theirs.json()["id"]
    body = {"month": "2026-02", "municipality_code": "05001", "count": 1}
    assert_problem(await client.post(affiliates_path(other_eps), json=body, headers=eps.headers), 404)
    assert_problem(await client.get(affiliates_path(other_eps), headers=eps.headers), 404)
    assert_problem(await client.get(f"{affiliates_path(other_eps)}/{count_id}", headers=eps.headers), 404)
    assert_problem(
        await client.delete(f"{affiliates_path(other_eps)}/{count_id}", headers={**eps.headers, "If-Match": '"1"'}), 404
    )
    # A count reached through another organisation's path does not exist there.
    assert_problem(await client.get(f"{affiliates_path(eps)}/{count_id}", headers=admin.headers), 404)
    assert_problem(
        await client.delete(f"{affiliates_path(eps)}/{count_id}", headers={**admin.headers, "If-Match": '"1"'}), 404
    )
    assert [item["id"] for item in await list_all(client, affiliates_path(other_eps), other_eps)] == [count_id]

    # A secretaría reads the counts of the EPS in its jurisdiction but does not write them.
    antioquia = await make_key(await make_org("secretaria_departamental", jurisdiction=["05"]), "secretaria")
    assert [item["id"] for item in await list_all(client, affiliates_path(other_eps), antioquia)] == [count_id]
    assert_problem(await client.post(affiliates_path(other_eps), json=body, headers=antioquia.headers), 403)
    assert_problem(
        await client.delete(
            f"{affiliates_path(other_eps)}/{count_id}", headers={**antioquia.headers, "If-Match": '"1"'}
        ),
        403,
    )
    assert len(await list_all(client, affiliates_path(other_eps), other_eps)) == 1


async def test_admin_records_affiliates_for_any_organization(
    client: httpx.AsyncClient, admin: Actor, other_eps: Actor
) -> None:
    response = await client.post(
        affiliates_path(other_eps),
        json={"month": "2026-01", "municipality_code": "05001", "count": 3},
        headers=admin.headers,
    )
    assert response.status_code == 201
    assert response.json()["organization_id"] == str(other_eps.organization_id)


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
async def test_blank_name_is_a_422(client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg, name: str) -> None:
    await assert_refused_create(client, admin, {"kind": "eps", "name": name}, 422, "name")
    org = await make_org("eps", name="Con nombre")
    await assert_refused_patch(client, admin, admin, org, {"name": name}, 422, "name")


async def test_name_is_trimmed(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.post(ORGS, json={"kind": "eps", "name": "  Nueva EPS  "}, headers=admin.headers)
    assert response.status_code == 201
    assert response.json()["name"] == "Nueva EPS"
