"""/v1/plans: CRUD, filters, the status life cycle, periods, cascades and the whole-plan tree.

Every refused request is checked twice: the problem it answers, and that nothing under the plan changed.
The records come from `tests/factories.py`.
"""

import uuid
from typing import Any

import httpx
import pytest

from tests.api.conftest import Actor, MakeKey, MakeOrg, assert_problem
from tests.factories import (
    CHILD_PATHS,
    EVERYTHING,
    create_plan,
    delete,
    fetch,
    full_plan,
    if_match,
    listing,
    make_activity,
    make_goal,
    make_indicator,
    make_progress,
    move_status,
    patch,
    plan_state,
)


async def organization_plans(client: httpx.AsyncClient, actor: Actor, organization_id: str) -> list[dict[str, Any]]:
    return await listing(client, actor, "plans", organization_id=organization_id, updated_since=EVERYTHING)


# -- create, read, update, delete -----------------------------------------------------------------------


async def test_create_plan_answers_201_with_location_etag_and_defaults(client: httpx.AsyncClient, eps: Actor) -> None:
    body = {"year": 2026, "title": "Plan de acción 2026", "objective": "Programar acciones inclusivas"}
    response = await client.post("/v1/plans", json=body, headers=eps.headers)

    assert response.status_code == 201, response.text
    plan = response.json()
    assert response.headers["location"] == f"http://participa.test/v1/plans/{plan['id']}"
    assert response.headers["etag"] == '"1"'
    assert plan["organization_id"] == str(eps.organization_id)
    assert plan["status"] == "borrador"
    assert plan["period_start"] == "2026-01-01"
    assert plan["period_end"] == "2026-12-31"
    assert plan["previous_plan_id"] is None
    assert plan["version"] == 1
    assert plan["deleted_at"] is None
    assert plan["created_at"].endswith("Z")
    assert plan["updated_at"].endswith("Z")
    uuid.UUID(plan["id"])

    read = await client.get(response.headers["location"], headers=eps.headers)
    assert read.status_code == 200
    assert read.json() == plan
    assert read.headers["etag"] == '"1"'


async def test_get_plan_with_current_etag_answers_304(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    cached = await client.get(f"/v1/plans/{plan['id']}", headers={**eps.headers, "If-None-Match": '"1"'})
    assert cached.status_code == 304
    assert cached.headers["etag"] == '"1"'
    stale = await client.get(f"/v1/plans/{plan['id']}", headers={**eps.headers, "If-None-Match": '"0"'})
    assert stale.status_code == 200


async def test_unknown_plan_is_404(client: httpx.AsyncClient, eps: Actor) -> None:
    response = await client.get(f"/v1/plans/{uuid.uuid4()}", headers=eps.headers)
    assert_problem(response, 404)


async def test_custom_period_is_kept(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps, period_start="2026-03-01", period_end="2026-11-30")
    assert (plan["period_start"], plan["period_end"]) == ("2026-03-01", "2026-11-30")
    only_start = await create_plan(client, eps, year=2027, period_start="2027-02-01")
    assert (only_start["period_start"], only_start["period_end"]) == ("2027-02-01", "2027-12-31")


async def test_patch_plan_needs_if_match_and_bumps_the_version(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    url = f"/v1/plans/{plan['id']}"
    before = await plan_state(client, eps, plan["id"])

    assert_problem(await client.patch(url, json={"title": "Otro"}, headers=eps.headers), 428)
    assert_problem(await client.patch(url, json={"title": "Otro"}, headers=if_match(eps, 7)), 412)
    assert_problem(await client.patch(url, json={"title": "Otro"}, headers={**eps.headers, "If-Match": "nada"}), 422)
    assert await plan_state(client, eps, plan["id"]) == before

    response = await patch(client, eps, "plans", plan, {"title": "Plan ajustado", "objective": None})
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    updated = response.json()
    assert (updated["title"], updated["objective"], updated["version"]) == ("Plan ajustado", None, 2)
    assert updated["status"] == "borrador"
    assert await fetch(client, eps, "plans", plan["id"]) == updated

    stale = await patch(client, eps, "plans", plan, {"title": "Con la versión vieja"})
    assert_problem(stale, 412, detail_contains="2")
    assert (await fetch(client, eps, "plans", plan["id"]))["title"] == "Plan ajustado"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"status": None}, "status"),
        ({"period_start": None}, "period_start"),
        ({"title": ""}, "title"),
        ({"status": "cerrado"}, "status"),
        ({"year": 2027}, "year"),
        ({"period_end": "2026-02-30"}, "period_end"),
        ({"organization_id": str(uuid.uuid4())}, "organization_id"),
    ],
)
async def test_patch_plan_rejects_bad_fields(
    client: httpx.AsyncClient, eps: Actor, body: dict[str, Any], field: str
) -> None:
    plan = await create_plan(client, eps)
    before = await plan_state(client, eps, plan["id"])
    assert_problem(await patch(client, eps, "plans", plan, body), 422, field)
    assert await plan_state(client, eps, plan["id"]) == before


async def test_delete_plan_leaves_a_tombstone(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    url = f"/v1/plans/{plan['id']}"
    assert_problem(await client.delete(url, headers=eps.headers), 428)
    assert_problem(await client.delete(url, headers=if_match(eps, 2)), 412)
    assert (await fetch(client, eps, "plans", plan["id"]))["version"] == 1

    response = await delete(client, eps, "plans", plan)
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get(url, headers=eps.headers), 404)
    assert_problem(await client.get(f"{url}/tree", headers=eps.headers), 404)
    assert_problem(await patch(client, eps, "plans", {**plan, "version": 2}, {"title": "x"}), 404)
    assert_problem(await delete(client, eps, "plans", {**plan, "version": 2}), 404)
    assert plan["id"] not in [p["id"] for p in await listing(client, eps, "plans")]

    [tombstone] = [p for p in await listing(client, eps, "plans", updated_since=EVERYTHING) if p["id"] == plan["id"]]
    assert tombstone["deleted_at"] is not None
    assert tombstone["version"] == 2

    # The year is free again: uniqueness only binds live plans.
    again = await create_plan(client, eps)
    assert again["id"] != plan["id"]


# -- lists and filters ----------------------------------------------------------------------------------


async def test_list_plans_filters_by_organization_year_and_status(
    client: httpx.AsyncClient, admin: Actor, eps: Actor, other_eps: Actor
) -> None:
    p2025 = await create_plan(client, eps, year=2025)
    p2026 = await move_status(client, eps, await create_plan(client, eps, year=2026), "formulado")
    theirs = await create_plan(client, other_eps, year=2026)
    mine = {p2025["id"], p2026["id"]}

    def ids(items: list[dict[str, Any]]) -> set[str]:
        return {item["id"] for item in items}

    assert ids(await listing(client, eps, "plans")) == mine
    assert ids(await listing(client, other_eps, "plans")) == {theirs["id"]}
    organization = str(eps.organization_id)
    assert ids(await listing(client, admin, "plans", organization_id=organization)) == mine
    assert ids(await listing(client, admin, "plans", organization_id=organization, year=2025)) == {p2025["id"]}
    assert ids(await listing(client, admin, "plans", year=2026)) >= {p2026["id"], theirs["id"]}
    assert ids(await listing(client, admin, "plans", organization_id=organization, status="formulado")) == {p2026["id"]}
    assert ids(await listing(client, admin, "plans", organization_id=organization, status="evaluado")) == set()
    # Another organisation's id as a filter never widens what a key sees.
    assert ids(await listing(client, eps, "plans", organization_id=str(other_eps.organization_id))) == set()

    descending = await listing(client, eps, "plans", sort="-year")
    assert [p["year"] for p in descending] == [2026, 2025]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "dosmil"}, "year"),
        ({"year": 1999}, "year"),
        ({"status": "cerrado"}, "status"),
        ({"organization_id": "no-es-uuid"}, "organization_id"),
        ({"sort": "objective"}, "sort"),
        ({"limit": 0}, "limit"),
    ],
)
async def test_list_plans_rejects_bad_filters(
    client: httpx.AsyncClient, eps: Actor, params: dict[str, Any], field: str
) -> None:
    response = await client.get("/v1/plans", params=params, headers=eps.headers)
    assert_problem(response, 422, field)


async def test_list_plans_pages_with_a_cursor(client: httpx.AsyncClient, eps: Actor) -> None:
    created = {(await create_plan(client, eps, year=year))["id"] for year in (2024, 2025, 2026)}
    first = await client.get("/v1/plans", params={"limit": 2, "sort": "year"}, headers=eps.headers)
    page = first.json()
    assert [p["year"] for p in page["items"]] == [2024, 2025]
    assert page["next_cursor"]
    second = await client.get(
        "/v1/plans", params={"limit": 2, "sort": "year", "cursor": page["next_cursor"]}, headers=eps.headers
    )
    assert [p["year"] for p in second.json()["items"]] == [2026]
    assert second.json()["next_cursor"] is None
    assert {p["id"] for p in page["items"] + second.json()["items"]} == created


# -- creation rules -------------------------------------------------------------------------------------


async def test_second_plan_for_the_same_year_is_409_naming_year(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor
) -> None:
    await create_plan(client, eps)
    before = await organization_plans(client, eps, str(eps.organization_id))

    response = await client.post("/v1/plans", json={"year": 2026, "title": "Otra vez"}, headers=eps.headers)
    assert_problem(response, 409, "year", detail_contains="2026")
    assert await organization_plans(client, eps, str(eps.organization_id)) == before

    # Another organisation and another year are free.
    await create_plan(client, other_eps)
    await create_plan(client, eps, year=2027)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period_start": "2026-07-01", "period_end": "2026-06-30"}, "period_end"),
        ({"period_end": "2025-12-31"}, "period_end"),
        ({"period_start": "2027-01-01"}, "period_end"),
    ],
)
async def test_period_start_after_end_is_422(
    client: httpx.AsyncClient, eps: Actor, fields: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/plans", json={"year": 2026, "title": "Plan", **fields}, headers=eps.headers)
    assert_problem(response, 422, field)
    assert await organization_plans(client, eps, str(eps.organization_id)) == []


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"title": "Sin año"}, ["year"]),
        ({"year": 2026}, ["title"]),
        ({"year": 2026, "title": ""}, ["title"]),
        ({"year": 1999, "title": "Plan"}, ["year"]),
        ({"year": "2026a", "title": "Plan"}, ["year"]),
        ({"year": 2026.5, "title": "Plan"}, ["year"]),
        ({"year": 2026, "title": "Plan", "status": "formulado"}, ["status"]),
        ({"year": 2026, "title": "Plan", "colour": "rojo"}, ["colour"]),
        ({"year": 2026, "title": "Plan", "period_start": "2026-13-01"}, ["period_start"]),
        ({"year": 2026, "title": "Plan", "previous_plan_id": "x"}, ["previous_plan_id"]),
        ({"year": 1999, "title": ""}, ["year", "title"]),
    ],
)
async def test_create_plan_rejects_bad_bodies(
    client: httpx.AsyncClient, eps: Actor, body: dict[str, Any], fields: list[str]
) -> None:
    response = await client.post("/v1/plans", json=body, headers=eps.headers)
    problem = assert_problem(response, 422, *fields)
    assert len(problem["errors"]) == len(fields)
    assert await organization_plans(client, eps, str(eps.organization_id)) == []


async def test_invalid_json_is_a_problem(client: httpx.AsyncClient, eps: Actor) -> None:
    response = await client.post(
        "/v1/plans", content=b"{year: 2026", headers={**eps.headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 422)
    assert await organization_plans(client, eps, str(eps.organization_id)) == []


async def test_admin_must_name_the_organization(client: httpx.AsyncClient, admin: Actor, eps: Actor) -> None:
    response = await client.post("/v1/plans", json={"year": 2026, "title": "Plan"}, headers=admin.headers)
    assert_problem(response, 422, "organization_id")
    missing = await client.post(
        "/v1/plans",
        json={"year": 2026, "title": "Plan", "organization_id": str(uuid.uuid4())},
        headers=admin.headers,
    )
    assert_problem(missing, 422, "organization_id")
    assert await listing(client, admin, "plans", year=2026) == []

    plan = await create_plan(client, admin, organization_id=str(eps.organization_id))
    assert plan["organization_id"] == str(eps.organization_id)
    assert (await fetch(client, eps, "plans", plan["id"]))["id"] == plan["id"]


async def test_a_key_creates_plans_only_for_its_own_organization(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    body = {"year": 2026, "title": "Plan ajeno", "organization_id": str(other_eps.organization_id)}
    response = await client.post("/v1/plans", json=body, headers=eps.headers)
    assert_problem(response, 422, "organization_id")

    # A secretaría sees the EPS of its territory but cannot write their plans.
    secretaria_org = await make_org(
        "secretaria_distrital", name="SDS Bogotá", municipality_code="11001", jurisdiction=["11001"]
    )
    secretaria = await make_key(secretaria_org, "secretaria")
    body["organization_id"] = str(eps.organization_id)
    assert_problem(await client.post("/v1/plans", json=body, headers=secretaria.headers), 403)
    assert await organization_plans(client, other_eps, str(other_eps.organization_id)) == []
    assert await organization_plans(client, eps, str(eps.organization_id)) == []


# -- status life cycle ----------------------------------------------------------------------------------

STATUSES = ["borrador", "formulado", "en_ejecucion", "evaluado"]
NEXT = {"borrador": ["formulado"], "formulado": ["en_ejecucion"], "en_ejecucion": ["evaluado"], "evaluado": []}


async def test_status_walks_the_whole_life_cycle(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    for version, status in enumerate(STATUSES[1:], start=2):
        plan = await move_status(client, eps, plan, status)
        assert (plan["status"], plan["version"]) == (status, version)
    listed = await listing(client, eps, "plans", status="evaluado")
    assert [p["id"] for p in listed] == [plan["id"]]


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (current, target)
        for current in STATUSES
        for target in STATUSES
        if target != current and target not in NEXT[current]
    ],
)
async def test_illegal_status_jump_is_409_listing_the_allowed(
    client: httpx.AsyncClient, eps: Actor, current: str, target: str
) -> None:
    plan = await create_plan(client, eps)
    plan = await move_status(client, eps, plan, *STATUSES[1 : STATUSES.index(current) + 1])
    before = await plan_state(client, eps, plan["id"])

    problem = assert_problem(await patch(client, eps, "plans", plan, {"status": target}), 409)
    assert problem["allowed"] == NEXT[current]
    for allowed in NEXT[current]:
        assert allowed in problem["detail"]
    assert await plan_state(client, eps, plan["id"]) == before


async def test_evaluated_plan_is_read_only(client: httpx.AsyncClient, eps: Actor) -> None:
    records = await full_plan(client, eps)
    plan = await move_status(client, eps, records["plan"], "en_ejecucion", "evaluado")
    before = await plan_state(client, eps, plan["id"])

    refused = [
        await patch(client, eps, "plans", plan, {"title": "Cambio tardío"}),
        await patch(client, eps, "plans", plan, {"status": "evaluado", "title": "Cambio tardío"}),
        await make_goal_response(client, eps, plan["id"], code="M02"),
        await patch(client, eps, "goals", records["goal"], {"text": "Otra"}),
        await delete(client, eps, "goals", records["goal"], cascade=True),
        await client.post(
            "/v1/activities",
            json={"goal_id": records["goal"]["id"], "code": "A02", "text": "x", "schedule_months": [4]},
            headers=eps.headers,
        ),
        await patch(client, eps, "activities", records["activity"], {"text": "Otra"}),
        await delete(client, eps, "activities", records["activity"], cascade=True),
        await patch(client, eps, "indicators", records["indicator"], {"target": 50}),
        await delete(client, eps, "indicators", records["indicator"]),
        await client.post(
            "/v1/measurements",
            json={"indicator_id": records["indicator"]["id"], "period": "2026S2", "numerator": 1},
            headers=eps.headers,
        ),
        await patch(client, eps, "measurements", records["measurement"], {"numerator": 2}),
        await client.post(
            "/v1/activity-progress",
            json={"activity_id": records["activity"]["id"], "month": "2026-06"},
            headers=eps.headers,
        ),
        await patch(client, eps, "activity-progress", records["progress"], {"people_reached": 5}),
        await delete(client, eps, "activity-progress", records["progress"]),
    ]
    for response in refused:
        assert_problem(response, 409, detail_contains="evaluado")
    assert await plan_state(client, eps, plan["id"]) == before

    # Re-sending the current status alone changes nothing that matters and is not an error.
    same = await patch(client, eps, "plans", plan, {"status": "evaluado"})
    assert same.status_code == 200, same.text


async def make_goal_response(client: httpx.AsyncClient, actor: Actor, plan_id: str, **fields: Any) -> httpx.Response:
    body = {"plan_id": plan_id, "axis": "E1", "code": "M01", "text": "Meta", **fields}
    return await client.post("/v1/goals", json=body, headers=actor.headers)


# -- previous plan --------------------------------------------------------------------------------------


async def test_previous_plan_must_be_an_earlier_plan_of_the_same_organization(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor
) -> None:
    p2025 = await create_plan(client, eps, year=2025)
    p2027 = await create_plan(client, eps, year=2027)
    theirs = await create_plan(client, other_eps, year=2025)
    before = await organization_plans(client, eps, str(eps.organization_id))

    for previous in (p2027["id"], theirs["id"], str(uuid.uuid4())):
        response = await client.post(
            "/v1/plans", json={"year": 2026, "title": "Plan", "previous_plan_id": previous}, headers=eps.headers
        )
        assert_problem(response, 422, "previous_plan_id")
    assert await organization_plans(client, eps, str(eps.organization_id)) == before

    plan = await create_plan(client, eps, previous_plan_id=p2025["id"])
    assert plan["previous_plan_id"] == p2025["id"]

    # The same rules on PATCH, including a plan pointing at itself.
    state = await plan_state(client, eps, plan["id"])
    for previous in (p2027["id"], theirs["id"], plan["id"], str(uuid.uuid4())):
        assert_problem(await patch(client, eps, "plans", plan, {"previous_plan_id": previous}), 422, "previous_plan_id")
    assert await plan_state(client, eps, plan["id"]) == state

    cleared = await patch(client, eps, "plans", plan, {"previous_plan_id": None})
    assert cleared.status_code == 200
    assert cleared.json()["previous_plan_id"] is None


# -- period changes -------------------------------------------------------------------------------------


async def test_changing_the_period_may_not_leave_activities_outside(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    goal = await make_goal(client, eps, plan["id"])
    await make_activity(client, eps, goal["id"], code="A07", schedule_months=[3, 4])
    plan = await fetch(client, eps, "plans", plan["id"])
    before = await plan_state(client, eps, plan["id"])

    for body in (
        {"period_start": "2026-04-01"},
        {"period_end": "2026-03-31"},
        {"period_start": "2026-06-01", "period_end": "2026-12-31"},
    ):
        assert_problem(await patch(client, eps, "plans", plan, body), 409, detail_contains="A07")
    assert_problem(await patch(client, eps, "plans", plan, {"period_start": "2027-01-01"}), 422, "period_end")
    assert await plan_state(client, eps, plan["id"]) == before

    narrowed = await patch(client, eps, "plans", plan, {"period_start": "2026-02-01", "period_end": "2026-06-30"})
    assert narrowed.status_code == 200, narrowed.text
    assert (narrowed.json()["period_start"], narrowed.json()["period_end"]) == ("2026-02-01", "2026-06-30")


async def test_changing_the_period_may_not_leave_execution_outside(client: httpx.AsyncClient, eps: Actor) -> None:
    records = await full_plan(client, eps)
    await make_progress(client, eps, records["activity"]["id"], month="2026-10")
    plan = await fetch(client, eps, "plans", records["plan"]["id"])
    before = await plan_state(client, eps, plan["id"])
    # The activity (March–June) still fits, but October's execution and the 2026S1 measurement would not.
    assert_problem(await patch(client, eps, "plans", plan, {"period_end": "2026-09-30"}), 409, "period_end")
    assert_problem(
        await patch(client, eps, "plans", plan, {"period_start": "2026-07-01", "period_end": "2026-12-31"}), 409
    )
    assert await plan_state(client, eps, plan["id"]) == before


# -- deletion and cascades ------------------------------------------------------------------------------


async def test_deleting_a_plan_with_execution_needs_cascade(client: httpx.AsyncClient, eps: Actor) -> None:
    records = await full_plan(client, eps)
    plan = records["plan"]
    before = await plan_state(client, eps, plan["id"])

    assert_problem(await delete(client, eps, "plans", plan), 409, detail_contains="cascade")
    assert await plan_state(client, eps, plan["id"]) == before

    response = await delete(client, eps, "plans", plan, cascade=True)
    assert response.status_code == 204, response.text
    assert_problem(await client.get(f"/v1/plans/{plan['id']}", headers=eps.headers), 404)

    since = plan["created_at"]
    for resource, key in (
        ("goals", "goal"),
        ("activities", "activity"),
        ("indicators", "indicator"),
        ("measurements", "measurement"),
        ("activity-progress", "progress"),
    ):
        assert await listing(client, eps, resource, plan_id=plan["id"]) == []
        assert_problem(await client.get(f"/v1/{resource}/{records[key]['id']}", headers=eps.headers), 404)
        [tombstone] = await listing(client, eps, resource, plan_id=plan["id"], updated_since=since)
        assert tombstone["id"] == records[key]["id"]
        assert tombstone["deleted_at"] is not None
        assert tombstone["version"] == records[key]["version"] + 1
    [plan_tombstone] = [p for p in await listing(client, eps, "plans", updated_since=since) if p["id"] == plan["id"]]
    assert plan_tombstone["deleted_at"] is not None


async def test_deleting_a_plan_without_execution_tombstones_its_content(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    goal = await make_goal(client, eps, plan["id"])
    activity = await make_activity(client, eps, goal["id"])
    plan = await fetch(client, eps, "plans", plan["id"])
    assert (await delete(client, eps, "plans", plan)).status_code == 204
    for resource, record in (("goals", goal), ("activities", activity)):
        [tombstone] = await listing(client, eps, resource, plan_id=plan["id"], updated_since=EVERYTHING)
        assert tombstone["id"] == record["id"]
        assert tombstone["deleted_at"] is not None


async def test_deleting_a_goal_with_activities_needs_cascade(client: httpx.AsyncClient, eps: Actor) -> None:
    records = await full_plan(client, eps)
    goal = records["goal"]
    before = await plan_state(client, eps, records["plan"]["id"])
    assert_problem(await delete(client, eps, "goals", goal), 409, detail_contains="cascade")
    assert await plan_state(client, eps, records["plan"]["id"]) == before

    assert (await delete(client, eps, "goals", goal, cascade=True)).status_code == 204
    for resource in CHILD_PATHS:
        assert await listing(client, eps, resource, plan_id=records["plan"]["id"]) == []
        tombstones = await listing(client, eps, resource, plan_id=records["plan"]["id"], updated_since=EVERYTHING)
        assert [t["deleted_at"] is not None for t in tombstones] == [True]
    assert (await fetch(client, eps, "plans", records["plan"]["id"]))["version"] == records["plan"]["version"]


# -- the whole-plan tree --------------------------------------------------------------------------------


async def test_tree_holds_five_axes_goals_activities_and_indicators_in_order(
    client: httpx.AsyncClient, eps: Actor
) -> None:
    plan = await create_plan(client, eps)
    e4 = await make_goal(client, eps, plan["id"], axis="E4", code="M01", text="Control social")
    e2_b = await make_goal(client, eps, plan["id"], axis="E2", line="b", code="M01", text="Línea b")
    e2_a2 = await make_goal(client, eps, plan["id"], axis="E2", line="a", code="M02", text="Segunda")
    e2_a1 = await make_goal(client, eps, plan["id"], axis="E2", line="a", code="M01", text="Primera")
    a02 = await make_activity(client, eps, e2_a1["id"], code="A02", schedule_months=[5])
    a01 = await make_activity(client, eps, e2_a1["id"], code="A01", schedule_months=[2])
    indicator = await make_indicator(client, eps, a01["id"], kind="conteo", periodicity="trimestral", target=4)
    deleted = await make_goal(client, eps, plan["id"], axis="E1", code="M09", text="Borrada")
    assert (await delete(client, eps, "goals", deleted)).status_code == 204

    response = await client.get(f"/v1/plans/{plan['id']}/tree", headers=eps.headers)
    assert response.status_code == 200, response.text
    tree = response.json()
    assert tree["id"] == plan["id"]
    assert tree["status"] == "borrador"
    assert [axis["axis"] for axis in tree["axes"]] == ["E1", "E2", "E3", "E4", "E5"]
    names = {axis["axis"]: axis["name"] for axis in tree["axes"]}
    assert names == {
        "E1": "Fortalecimiento institucional",
        "E2": "Empoderamiento de la ciudadanía y las organizaciones sociales en salud",
        "E3": "Impulso a la cultura de la salud",
        "E4": "Control social en salud",
        "E5": "Gestión y garantía en salud con participación en el proceso de decisión",
    }
    axes = {axis["axis"]: axis["goals"] for axis in tree["axes"]}
    assert axes["E1"] == []
    assert axes["E3"] == []
    assert axes["E5"] == []
    assert [g["id"] for g in axes["E2"]] == [e2_a1["id"], e2_a2["id"], e2_b["id"]]
    assert [g["id"] for g in axes["E4"]] == [e4["id"]]
    first_goal = axes["E2"][0]
    assert first_goal["text"] == "Primera"
    assert [a["id"] for a in first_goal["activities"]] == [a01["id"], a02["id"]]
    assert first_goal["activities"][0]["schedule_months"] == [2]
    [tree_indicator] = first_goal["activities"][0]["indicators"]
    assert tree_indicator == indicator
    assert first_goal["activities"][1]["indicators"] == []
    assert axes["E2"][1]["activities"] == []


async def test_tree_of_an_empty_plan_has_five_empty_axes(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    tree = (await client.get(f"/v1/plans/{plan['id']}/tree", headers=eps.headers)).json()
    assert [(axis["axis"], axis["goals"]) for axis in tree["axes"]] == [(f"E{n}", []) for n in range(1, 6)]


# -- scope and roles ------------------------------------------------------------------------------------


async def test_another_eps_cannot_see_or_change_a_plan(client: httpx.AsyncClient, eps: Actor, other_eps: Actor) -> None:
    records = await full_plan(client, eps)
    plan = records["plan"]
    before = await plan_state(client, eps, plan["id"])

    for path in (f"/v1/plans/{plan['id']}", f"/v1/plans/{plan['id']}/tree"):
        assert_problem(await client.get(path, headers=other_eps.headers), 404)
    assert_problem(await patch(client, other_eps, "plans", plan, {"title": "Ajeno"}), 404)
    assert_problem(await delete(client, other_eps, "plans", plan, cascade=True), 404)
    assert await listing(client, other_eps, "plans") == []
    for resource in CHILD_PATHS:
        assert await listing(client, other_eps, resource, plan_id=plan["id"], updated_since=EVERYTHING) == []
    assert await plan_state(client, eps, plan["id"]) == before


async def test_bi_readonly_key_reads_but_cannot_write_plans(
    client: httpx.AsyncClient, eps: Actor, make_key: MakeKey
) -> None:
    plan = await create_plan(client, eps)
    reader = await make_key(eps.organization, "bi_readonly")
    assert (await fetch(client, reader, "plans", plan["id"]))["id"] == plan["id"]
    assert (await client.get(f"/v1/plans/{plan['id']}/tree", headers=reader.headers)).status_code == 200
    before = await plan_state(client, eps, plan["id"])

    assert_problem(await client.post("/v1/plans", json={"year": 2027, "title": "x"}, headers=reader.headers), 403)
    assert_problem(await patch(client, reader, "plans", plan, {"title": "x"}), 403)
    assert_problem(await patch(client, reader, "plans", plan, {"status": "formulado"}), 403)
    assert_problem(await delete(client, reader, "plans", plan), 403)
    assert await plan_state(client, eps, plan["id"]) == before
    assert [p["id"] for p in await organization_plans(client, eps, str(eps.organization_id))] == [plan["id"]]


async def test_requests_without_a_valid_key_are_401(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    assert_problem(await client.get("/v1/plans"), 401)
    assert_problem(await client.get(f"/v1/plans/{plan['id']}", headers={"Authorization": "Bearer nope"}), 401)
    assert_problem(await client.post("/v1/plans", json={"year": 2027, "title": "x"}), 401)
    assert_problem(await client.patch(f"/v1/plans/{plan['id']}", json={"title": "x"}, headers={"If-Match": '"1"'}), 401)
    assert [p["id"] for p in await organization_plans(client, eps, str(eps.organization_id))] == [plan["id"]]
    assert (await fetch(client, eps, "plans", plan["id"]))["version"] == 1


async def test_tree_etag_follows_every_record_of_the_plan(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    first = await client.get(f"/v1/plans/{plan['id']}/tree", headers=eps.headers)
    etag = first.headers["etag"]
    unchanged = await client.get(f"/v1/plans/{plan['id']}/tree", headers={**eps.headers, "If-None-Match": etag})
    assert unchanged.status_code == 304
    goal = {"plan_id": plan["id"], "axis": "E1", "code": "M01", "text": "Meta"}
    assert (await client.post("/v1/goals", json=goal, headers=eps.headers)).status_code == 201
    changed = await client.get(f"/v1/plans/{plan['id']}/tree", headers={**eps.headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
