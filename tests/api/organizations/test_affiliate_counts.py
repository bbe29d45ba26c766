"""Monthly affiliate totals of every organisation in scope (`/v1/affiliate-counts`) and the entities of a
secretaría's scope (`/v1/organizations/{id}/entities`): what analytics needs in one request each."""

import httpx

from tests.api.conftest import Actor, MakeKey, MakeOrg


async def add_count(client: httpx.AsyncClient, actor: Actor, month: str, municipality: str, count: int) -> None:
    response = await client.post(
        f"/v1/organizations/{actor.organization_id}/affiliates",
        json={"month": month, "municipality_code": municipality, "count": count},
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text


async def test_totals_per_organisation_and_month_within_scope(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    eps = await make_key(await make_org("eps", municipality_code="47001"), "eps_ips")
    other = await make_key(await make_org("eps", municipality_code="05001"), "eps_ips")
    await add_count(client, eps, "2026-01", "47001", 1000)
    await add_count(client, eps, "2026-01", "47189", 500)
    await add_count(client, eps, "2026-02", "47001", 1200)
    await add_count(client, eps, "2026-03", "47001", 9999)  # outside the range asked
    await add_count(client, other, "2026-01", "05001", 700)

    response = await client.get("/v1/affiliate-counts?from=2026-01&to=2026-02", headers=eps.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "items": [
            {
                "organization_id": str(eps.organization_id),
                "month": "2026-01",
                "count": 1500,
                "records": 2,
                "municipality_code": None,
            },
            {
                "organization_id": str(eps.organization_id),
                "month": "2026-02",
                "count": 1200,
                "records": 1,
                "municipality_code": None,
            },
        ]
    }

    # Admin sees both; per municipality on request; one organisation on request.
    everyone = await client.get("/v1/affiliate-counts?from=2026-01&to=2026-01", headers=admin.headers)
    assert {item["organization_id"] for item in everyone.json()["items"]} >= {
        str(eps.organization_id),
        str(other.organization_id),
    }
    per_municipality = await client.get(
        f"/v1/affiliate-counts?from=2026-01&to=2026-01&group_by=municipality&organization_id={eps.organization_id}",
        headers=admin.headers,
    )
    assert [(item["municipality_code"], item["count"]) for item in per_municipality.json()["items"]] == [
        ("47001", 1000),
        ("47189", 500),
    ]


async def test_etag_answers_304_when_unchanged(client: httpx.AsyncClient, make_org: MakeOrg, make_key: MakeKey) -> None:
    eps = await make_key(await make_org("eps"), "eps_ips")
    await add_count(client, eps, "2026-01", "47001", 10)
    url = "/v1/affiliate-counts?from=2026-01&to=2026-12"
    first = await client.get(url, headers=eps.headers)
    etag = first.headers["etag"]
    again = await client.get(url, headers={**eps.headers, "If-None-Match": etag})
    assert again.status_code == 304
    await add_count(client, eps, "2026-02", "47001", 11)
    changed = await client.get(url, headers={**eps.headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_bad_months_name_the_field(client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg) -> None:
    for query, field in (("from=2026-13&to=2026-12", "from"), ("from=2026-05&to=2026-01", "to")):
        response = await client.get(f"/v1/affiliate-counts?{query}", headers=admin.headers)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field
    missing = await client.get("/v1/affiliate-counts?from=2026-01", headers=admin.headers)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "to"
    unauthenticated = await client.get("/v1/affiliate-counts?from=2026-01&to=2026-02")
    assert unauthenticated.status_code == 401


async def test_an_organisation_outside_the_scope_is_404(
    client: httpx.AsyncClient, make_org: MakeOrg, make_key: MakeKey
) -> None:
    eps = await make_key(await make_org("eps"), "eps_ips")
    stranger = await make_org("eps")
    response = await client.get(
        f"/v1/affiliate-counts?from=2026-01&to=2026-02&organization_id={stranger['id']}", headers=eps.headers
    )
    assert response.status_code == 404


async def test_entities_of_a_secretaria_scope(
    client: httpx.AsyncClient, admin: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    secretaria = await make_org(
        "secretaria_departamental",
        name="Secretaría de Salud del Magdalena",
        municipality_code="47001",
        jurisdiction=["47"],
    )
    inside = await make_org("ese", name="ESE Hospital Central", municipality_code="47189")
    ips = await make_org("ips", name="IPS Ciénaga", municipality_code="47189")
    outside_eps = await make_org("eps", name="EPS Antioquia", municipality_code="05001")
    await make_org("eps", name="EPS lejana", municipality_code="05001")
    await make_org("asociacion_usuarios", name="Asociación", municipality_code="47001", parent_id=inside["id"])
    link = await client.post(
        f"/v1/organizations/{secretaria['id']}/oversight",
        json={"organization_id": outside_eps["id"]},
        headers=admin.headers,
    )
    assert link.status_code == 201, link.text
    key = await make_key(secretaria, "secretaria")

    for actor in (key, admin):
        response = await client.get(f"/v1/organizations/{secretaria['id']}/entities", headers=actor.headers)
        assert response.status_code == 200, response.text
        assert [item["name"] for item in response.json()["items"]] == [
            "EPS Antioquia",
            "ESE Hospital Central",
            "IPS Ciénaga",
        ]
        assert response.headers["etag"]
    assert ips["id"] in {item["id"] for item in response.json()["items"]}

    not_a_secretaria = await client.get(f"/v1/organizations/{inside['id']}/entities", headers=admin.headers)
    assert not_a_secretaria.status_code == 404
    eps_key = await make_key(outside_eps, "eps_ips")
    hidden = await client.get(f"/v1/organizations/{secretaria['id']}/entities", headers=eps_key.headers)
    assert hidden.status_code == 404
