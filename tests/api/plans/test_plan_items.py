"""What hangs under a plan: goals, activities, indicators, measurements and monthly activity progress.

Each refused write is checked for its problem and for leaving everything under the plan as it was.
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
    listing,
    make_activity,
    make_goal,
    make_indicator,
    make_measurement,
    make_progress,
    move_status,
    patch,
    plan_state,
)


async def refused(
    client: httpx.AsyncClient,
    actor: Actor,
    plan_id: str,
    response: httpx.Response,
    before: dict[str, Any],
    status: int,
    *fields: str,
) -> dict[str, Any]:
    """Assert the problem, then that nothing under the plan changed."""
    problem = assert_problem(response, status, *fields)
    assert await plan_state(client, actor, plan_id) == before
    return problem


# -- goals ----------------------------------------------------------------------------------------------


async def test_goal_crud(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    body = {
        "plan_id": plan["id"],
        "axis": "E2",
        "code": "M01",
        "text": "Fortalecer capacidades",
        "baseline": "34 asociados (2025)",
    }
    response = await client.post("/v1/goals", json=body, headers=eps.headers)
    assert response.status_code == 201, response.text
    goal = response.json()
    assert response.headers["location"] == f"http://participa.test/v1/goals/{goal['id']}"
    assert response.headers["etag"] == '"1"'
    assert goal["line"] == "a"
    assert (goal["plan_id"], goal["organization_id"]) == (plan["id"], str(eps.organization_id))
    assert await fetch(client, eps, "goals", goal["id"]) == goal

    updated = await patch(client, eps, "goals", goal, {"axis": "E3", "baseline": None})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["axis"], updated.json()["baseline"], updated.json()["version"]) == ("E3", None, 2)
    assert [g["id"] for g in await listing(client, eps, "goals", plan_id=plan["id"], axis="E3")] == [goal["id"]]
    assert await listing(client, eps, "goals", plan_id=plan["id"], axis="E2") == []

    assert_problem(await delete(client, eps, "goals", goal), 412)
    assert (await delete(client, eps, "goals", updated.json())).status_code == 204
    assert await listing(client, eps, "goals", plan_id=plan["id"]) == []
    [tombstone] = await listing(client, eps, "goals", plan_id=plan["id"], updated_since=EVERYTHING)
    assert tombstone["deleted_at"] is not None


async def test_goal_code_is_unique_in_its_axis_and_line(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    first = await make_goal(client, eps, plan["id"], axis="E2", line="a", code="M01")
    before = await plan_state(client, eps, plan["id"])

    duplicate = await client.post(
        "/v1/goals",
        json={"plan_id": plan["id"], "axis": "E2", "line": "a", "code": "M01", "text": "Otra"},
        headers=eps.headers,
    )
    await refused(client, eps, plan["id"], duplicate, before, 409, "code")

    # The Ministry reuses M01 in every línea and axis; another plan has its own codes.
    await make_goal(client, eps, plan["id"], axis="E2", line="b", code="M01")
    await make_goal(client, eps, plan["id"], axis="E3", line="a", code="M01")
    other_plan = await create_plan(client, eps, year=2027)
    await make_goal(client, eps, other_plan["id"], axis="E2", line="a", code="M01")

    # Moving a goal onto a taken key is the same conflict.
    second = await make_goal(client, eps, plan["id"], axis="E2", line="a", code="M02")
    before = await plan_state(client, eps, plan["id"])
    moved = await patch(client, eps, "goals", second, {"code": "M01"})
    await refused(client, eps, plan["id"], moved, before, 409, "code")

    # A deleted goal frees its code.
    assert (await delete(client, eps, "goals", first)).status_code == 204
    renamed = await patch(client, eps, "goals", second, {"code": "M01"})
    assert renamed.status_code == 200, renamed.text


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"axis": "E6"}, "axis"),
        ({"axis": "e1"}, "axis"),
        ({"axis": None}, "axis"),
        ({"line": "A"}, "line"),
        ({"line": "abc"}, "line"),
        ({"code": ""}, "code"),
        ({"code": "M 01"}, "code"),
        ({"text": ""}, "text"),
        ({"plan_id": "no-es-uuid"}, "plan_id"),
        ({"plan_id": str(uuid.uuid4())}, "plan_id"),
        ({"meta": "x"}, "meta"),
    ],
)
async def test_goal_rejects_bad_fields(
    client: httpx.AsyncClient, eps: Actor, fields: dict[str, Any], field: str
) -> None:
    plan = await create_plan(client, eps)
    before = await plan_state(client, eps, plan["id"])
    body = {"plan_id": plan["id"], "axis": "E1", "line": "a", "code": "M01", "text": "Meta", **fields}
    response = await client.post("/v1/goals", json=body, headers=eps.headers)
    await refused(client, eps, plan["id"], response, before, 422, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"axis": "E9"}, "axis"),
        ({"axis": None}, "axis"),
        ({"code": None}, "code"),
        ({"text": None}, "text"),
        ({"plan_id": str(uuid.uuid4())}, "plan_id"),
    ],
)
async def test_goal_patch_rejects_bad_fields(
    client: httpx.AsyncClient, eps: Actor, body: dict[str, Any], field: str
) -> None:
    plan = await create_plan(client, eps)
    goal = await make_goal(client, eps, plan["id"])
    before = await plan_state(client, eps, plan["id"])
    await refused(client, eps, plan["id"], await patch(client, eps, "goals", goal, body), before, 422, field)


# -- activities -----------------------------------------------------------------------------------------


@pytest.fixture
async def goal(client: httpx.AsyncClient, eps: Actor) -> dict[str, Any]:
    plan = await create_plan(client, eps)
    return await make_goal(client, eps, plan["id"])


async def activity_response(client: httpx.AsyncClient, actor: Actor, parent: str, **fields: Any) -> httpx.Response:
    body = {"goal_id": parent, "code": "A01", "text": "Capacitar a los usuarios", **fields}
    return await client.post("/v1/activities", json=body, headers=actor.headers)


async def test_activity_crud(client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any]) -> None:
    response = await activity_response(
        client,
        eps,
        goal["id"],
        target_text="4 capacitaciones",
        responsible="Junta directiva",
        planned_quantity=4,
        unit="capacitaciones",
        start_date="2026-03-01",
        end_date="2026-11-30",
        planned_budget=1_500_000,
        schedule_months=[11, 3, 6, 9, 6],
        sequence=1,
        target_group_code="05",
        municipality_code="11001",
    )
    assert response.status_code == 201, response.text
    activity = response.json()
    assert response.headers["location"] == f"http://participa.test/v1/activities/{activity['id']}"
    assert activity["schedule_months"] == [3, 6, 9, 11]
    assert (activity["plan_id"], activity["goal_id"]) == (goal["plan_id"], goal["id"])
    assert (activity["planned_quantity"], activity["planned_budget"]) == (4, 1_500_000)
    assert (activity["target_group_code"], activity["municipality_code"]) == ("05", "11001")
    assert await fetch(client, eps, "activities", activity["id"]) == activity

    updated = await patch(client, eps, "activities", activity, {"planned_quantity": 6, "schedule_months": [4, 3]})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["planned_quantity"], updated.json()["schedule_months"]) == (6, [3, 4])
    assert [a["id"] for a in await listing(client, eps, "activities", goal_id=goal["id"])] == [activity["id"]]
    assert [a["id"] for a in await listing(client, eps, "activities", plan_id=goal["plan_id"])] == [activity["id"]]

    assert (await delete(client, eps, "activities", updated.json())).status_code == 204
    assert await listing(client, eps, "activities", goal_id=goal["id"]) == []


async def test_schedule_is_derived_from_the_dates(client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any]) -> None:
    response = await activity_response(client, eps, goal["id"], start_date="2026-03-15", end_date="2026-05-02")
    assert response.status_code == 201, response.text
    activity = response.json()
    assert activity["schedule_months"] == [3, 4, 5]
    assert activity["planned_quantity"] == 3
    assert activity["planned_budget"] == 0


async def test_dates_are_derived_from_the_schedule(client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any]) -> None:
    response = await activity_response(client, eps, goal["id"], schedule_months=[7, 5])
    assert response.status_code == 201, response.text
    activity = response.json()
    assert (activity["start_date"], activity["end_date"]) == ("2026-05-01", "2026-07-31")
    assert activity["schedule_months"] == [5, 7]
    assert activity["planned_quantity"] == 2

    february = await activity_response(client, eps, goal["id"], code="A02", schedule_months=[2, 2])
    assert (february.json()["start_date"], february.json()["end_date"]) == ("2026-02-01", "2026-02-28")
    assert february.json()["planned_quantity"] == 1


async def test_activity_code_is_unique_in_its_goal(client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any]) -> None:
    first = await make_activity(client, eps, goal["id"], code="A01")
    before = await plan_state(client, eps, goal["plan_id"])
    duplicate = await activity_response(client, eps, goal["id"], code="A01", schedule_months=[4])
    problem = await refused(client, eps, goal["plan_id"], duplicate, before, 409, "code")
    assert "A01" in problem["detail"]

    other_goal = await make_goal(client, eps, goal["plan_id"], code="M02")
    same_code_elsewhere = await make_activity(client, eps, other_goal["id"], code="A01")

    # Moving into a goal where the code is taken is the same conflict.
    before = await plan_state(client, eps, goal["plan_id"])
    moved = await patch(client, eps, "activities", same_code_elsewhere, {"goal_id": goal["id"]})
    await refused(client, eps, goal["plan_id"], moved, before, 409, "code")

    assert (await delete(client, eps, "activities", first)).status_code == 204
    moved = await patch(client, eps, "activities", same_code_elsewhere, {"goal_id": goal["id"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["goal_id"] == goal["id"]


async def test_start_after_end_is_422_on_end_date(client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any]) -> None:
    before = await plan_state(client, eps, goal["plan_id"])
    response = await activity_response(client, eps, goal["id"], start_date="2026-08-01", end_date="2026-02-01")
    problem = await refused(client, eps, goal["plan_id"], response, before, 422, "end_date")
    [error] = problem["errors"]
    assert "2026-08-01" in error["message"]
    assert "2026-02-01" in error["message"]


@pytest.mark.parametrize(
    ("dates", "fields"),
    [
        ({"start_date": "2025-12-01", "end_date": "2026-01-31"}, ["start_date"]),
        ({"start_date": "2026-12-01", "end_date": "2027-01-31"}, ["end_date"]),
        ({"start_date": "2025-01-01", "end_date": "2027-01-31"}, ["start_date", "end_date"]),
    ],
)
async def test_dates_outside_the_plan_period_are_422(
    client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any], dates: dict[str, str], fields: list[str]
) -> None:
    before = await plan_state(client, eps, goal["plan_id"])
    response = await activity_response(client, eps, goal["id"], **dates)
    problem = await refused(client, eps, goal["plan_id"], response, before, 422, *fields)
    assert [error["field"] for error in problem["errors"]] == fields
    assert all("2026-01-01" in error["message"] for error in problem["errors"])


async def test_months_outside_a_shorter_plan_period_are_422(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps, period_start="2026-03-01", period_end="2026-10-31")
    goal = await make_goal(client, eps, plan["id"])
    before = await plan_state(client, eps, plan["id"])
    response = await activity_response(client, eps, goal["id"], schedule_months=[1, 4])
    await refused(client, eps, plan["id"], response, before, 422, "start_date")


@pytest.mark.parametrize("months", [[0], [13], [-1], [99, 3]])
async def test_schedule_months_must_be_1_to_12(
    client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any], months: list[int]
) -> None:
    before = await plan_state(client, eps, goal["plan_id"])
    response = await activity_response(client, eps, goal["id"], schedule_months=months)
    problem = await refused(client, eps, goal["plan_id"], response, before, 422, "schedule_months[0]")
    assert problem["errors"] == [{"field": "schedule_months[0]", "message": "El mes debe estar entre 1 y 12."}]


async def test_marked_months_must_fall_within_the_dates(
    client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any]
) -> None:
    before = await plan_state(client, eps, goal["plan_id"])
    response = await activity_response(
        client, eps, goal["id"], start_date="2026-03-01", end_date="2026-05-31", schedule_months=[4, 9, 1]
    )
    problem = await refused(client, eps, goal["plan_id"], response, before, 422)
    # The indexes are those of the list as sent, not of the sorted schedule.
    assert [error["field"] for error in problem["errors"]] == ["schedule_months[1]", "schedule_months[2]"]
    assert "9" in problem["errors"][0]["message"]
    assert "1" in problem["errors"][1]["message"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "schedule_months"),
        ({"schedule_months": []}, "schedule_months"),
        ({"start_date": "2026-03-01"}, "end_date"),
        ({"end_date": "2026-03-01"}, "start_date"),
        ({"schedule_months": [3], "planned_quantity": -1}, "planned_quantity"),
        ({"schedule_months": [3], "planned_quantity": 1.5}, "planned_quantity"),
        ({"schedule_months": [3], "planned_quantity": "muchas"}, "planned_quantity"),
        ({"schedule_months": [3], "planned_budget": -100}, "planned_budget"),
        ({"schedule_months": [3], "planned_budget": 1000.5}, "planned_budget"),
        ({"schedule_months": [3], "planned_budget": None}, "planned_budget"),
        ({"schedule_months": [3.5]}, "schedule_months[0]"),
        ({"schedule_months": "3"}, "schedule_months"),
        ({"schedule_months": [3], "start_date": "2026-02-30", "end_date": "2026-03-31"}, "start_date"),
        ({"schedule_months": [3], "sequence": 0}, "sequence"),
        ({"schedule_months": [3], "target_group_code": "5"}, "target_group_code"),
        ({"schedule_months": [3], "target_group_code": "١٢"}, "target_group_code"),
        ({"schedule_months": [3], "municipality_code": "1100"}, "municipality_code"),
        ({"schedule_months": [3], "municipality_code": "１１００１"}, "municipality_code"),
        ({"schedule_months": [3], "code": "A 01"}, "code"),
        ({"schedule_months": [3], "text": ""}, "text"),
        ({"schedule_months": [3], "goal_id": str(uuid.uuid4())}, "goal_id"),
        ({"schedule_months": [3], "plan_id": str(uuid.uuid4())}, "plan_id"),
    ],
)
async def test_activity_rejects_bad_fields(
    client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any], fields: dict[str, Any], field: str
) -> None:
    before = await plan_state(client, eps, goal["plan_id"])
    response = await activity_response(client, eps, goal["id"], **fields)
    await refused(client, eps, goal["plan_id"], response, before, 422, field)


async def test_several_problems_are_reported_together(
    client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any]
) -> None:
    before = await plan_state(client, eps, goal["plan_id"])
    response = await activity_response(
        client,
        eps,
        goal["id"],
        start_date="2026-08-01",
        end_date="2026-02-01",
        schedule_months=[0],
        planned_quantity=-2,
        planned_budget=1.5,
    )
    problem = await refused(client, eps, goal["plan_id"], response, before, 422)
    fields = {error["field"]: error["message"] for error in problem["errors"]}
    assert set(fields) == {"end_date", "schedule_months[0]", "planned_quantity", "planned_budget"}
    assert fields["schedule_months[0]"] == "El mes debe estar entre 1 y 12."
    assert fields["end_date"] == "La fecha final (2026-02-01) es anterior a la inicial (2026-08-01)."
    assert "4" in problem["detail"]

    # Dates outside the plan and months outside the dates come back together too.
    response = await activity_response(
        client, eps, goal["id"], start_date="2025-11-01", end_date="2027-02-01", schedule_months=[3]
    )
    problem = await refused(client, eps, goal["plan_id"], response, before, 422, "start_date", "end_date")
    assert problem["detail"] == "La actividad tiene 2 errores."
    response = await activity_response(
        client, eps, goal["id"], start_date="2026-06-01", end_date="2027-01-31", schedule_months=[3, 4]
    )
    await refused(
        client, eps, goal["plan_id"], response, before, 422, "end_date", "schedule_months[0]", "schedule_months[1]"
    )


async def test_activity_patch_keeps_dates_inside_the_plan(
    client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any]
) -> None:
    activity = await make_activity(
        client, eps, goal["id"], start_date="2026-03-01", end_date="2026-06-30", schedule_months=[3, 6]
    )
    before = await plan_state(client, eps, goal["plan_id"])
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"end_date": "2026-02-01"}, ["end_date"]),
        ({"start_date": "2026-07-01"}, ["end_date"]),
        ({"start_date": "2026-08-01", "end_date": "2026-02-01"}, ["end_date"]),
        ({"end_date": "2027-01-31"}, ["end_date"]),
        ({"start_date": "2026-04-01"}, ["schedule_months[0]"]),
        ({"schedule_months": [3, 13]}, ["schedule_months[1]"]),
        ({"schedule_months": [2, 3]}, ["schedule_months[0]"]),
        ({"schedule_months": []}, ["schedule_months"]),
        ({"schedule_months": None}, ["schedule_months"]),
        ({"start_date": None}, ["start_date"]),
        ({"planned_quantity": -1}, ["planned_quantity"]),
        ({"planned_quantity": 2.5}, ["planned_quantity"]),
        ({"planned_budget": -1}, ["planned_budget"]),
        ({"code": None}, ["code"]),
        ({"plan_id": goal["plan_id"]}, ["plan_id"]),
    ]
    for body, fields in cases:
        response = await patch(client, eps, "activities", activity, body)
        await refused(client, eps, goal["plan_id"], response, before, 422, *fields)

    moved = await patch(
        client,
        eps,
        "activities",
        activity,
        {"start_date": "2026-02-15", "end_date": "2026-07-15", "schedule_months": [2, 7]},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["start_date"], moved.json()["schedule_months"]) == ("2026-02-15", [2, 7])


async def test_activity_moves_only_within_its_plan(client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any]) -> None:
    activity = await make_activity(client, eps, goal["id"])
    other_plan = await create_plan(client, eps, year=2027)
    foreign_goal = await make_goal(client, eps, other_plan["id"])
    before = await plan_state(client, eps, goal["plan_id"])

    response = await patch(client, eps, "activities", activity, {"goal_id": foreign_goal["id"]})
    await refused(client, eps, goal["plan_id"], response, before, 422, "goal_id")
    response = await patch(client, eps, "activities", activity, {"goal_id": str(uuid.uuid4())})
    await refused(client, eps, goal["plan_id"], response, before, 422, "goal_id")

    sibling = await make_goal(client, eps, goal["plan_id"], axis="E4", code="M03")
    moved = await patch(client, eps, "activities", activity, {"goal_id": sibling["id"]})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["goal_id"], moved.json()["plan_id"]) == (sibling["id"], goal["plan_id"])
    assert await listing(client, eps, "activities", goal_id=goal["id"]) == []


async def test_deleting_an_activity_with_progress_needs_cascade(client: httpx.AsyncClient, eps: Actor) -> None:
    records = await full_plan(client, eps)
    plan_id = records["plan"]["id"]
    before = await plan_state(client, eps, plan_id)
    response = await delete(client, eps, "activities", records["activity"])
    await refused(client, eps, plan_id, response, before, 409)

    assert (await delete(client, eps, "activities", records["activity"], cascade=True)).status_code == 204
    for resource in ("activities", "indicators", "measurements", "activity-progress"):
        assert await listing(client, eps, resource, plan_id=plan_id) == []
        [tombstone] = await listing(client, eps, resource, plan_id=plan_id, updated_since=EVERYTHING)
        assert tombstone["deleted_at"] is not None
    assert [g["id"] for g in await listing(client, eps, "goals", plan_id=plan_id)] == [records["goal"]["id"]]


async def test_deleting_an_activity_without_progress_removes_its_indicators(
    client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any]
) -> None:
    activity = await make_activity(client, eps, goal["id"])
    indicator = await make_indicator(client, eps, activity["id"])
    await make_measurement(client, eps, indicator["id"])
    assert (await delete(client, eps, "activities", activity)).status_code == 204
    assert await listing(client, eps, "indicators", plan_id=goal["plan_id"]) == []
    assert await listing(client, eps, "measurements", plan_id=goal["plan_id"]) == []
    assert_problem(await client.get(f"/v1/indicators/{indicator['id']}", headers=eps.headers), 404)


# -- indicators -----------------------------------------------------------------------------------------


@pytest.fixture
async def activity(client: httpx.AsyncClient, eps: Actor, goal: dict[str, Any]) -> dict[str, Any]:
    return await make_activity(client, eps, goal["id"])


async def test_indicator_crud(client: httpx.AsyncClient, eps: Actor, activity: dict[str, Any]) -> None:
    response = await client.post(
        "/v1/indicators", json={"activity_id": activity["id"], "name": "Capacitaciones"}, headers=eps.headers
    )
    assert response.status_code == 201, response.text
    indicator = response.json()
    assert response.headers["location"] == f"http://participa.test/v1/indicators/{indicator['id']}"
    assert (indicator["factor"], indicator["periodicity"], indicator["kind"]) == (100, "anual", "proporcion")
    assert (indicator["plan_id"], indicator["target"]) == (activity["plan_id"], None)

    updated = await patch(
        client,
        eps,
        "indicators",
        indicator,
        {"kind": "conteo", "periodicity": "bimestral", "target": 4, "formula_text": "N° de actas"},
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["kind"], updated.json()["periodicity"], updated.json()["target"]) == (
        "conteo",
        "bimestral",
        4.0,
    )
    assert [i["id"] for i in await listing(client, eps, "indicators", activity_id=activity["id"])] == [indicator["id"]]
    assert [i["id"] for i in await listing(client, eps, "indicators", plan_id=activity["plan_id"])] == [indicator["id"]]

    measurement = await make_measurement(client, eps, indicator["id"])
    assert (await delete(client, eps, "indicators", updated.json())).status_code == 204
    assert await listing(client, eps, "indicators", plan_id=activity["plan_id"]) == []
    [tombstone] = await listing(client, eps, "measurements", plan_id=activity["plan_id"], updated_since=EVERYTHING)
    assert (tombstone["id"], tombstone["deleted_at"] is not None) == (measurement["id"], True)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"factor": 0}, "factor"),
        ({"factor": 2.5}, "factor"),
        ({"target": -1}, "target"),
        ({"periodicity": "quincenal"}, "periodicity"),
        ({"kind": "tasa"}, "kind"),
        ({"activity_id": str(uuid.uuid4())}, "activity_id"),
        ({"formula": "a/b"}, "formula"),
    ],
)
async def test_indicator_rejects_bad_fields(
    client: httpx.AsyncClient, eps: Actor, activity: dict[str, Any], fields: dict[str, Any], field: str
) -> None:
    before = await plan_state(client, eps, activity["plan_id"])
    body = {"activity_id": activity["id"], "name": "Capacitaciones", **fields}
    response = await client.post("/v1/indicators", json=body, headers=eps.headers)
    await refused(client, eps, activity["plan_id"], response, before, 422, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"kind": None}, "kind"),
        ({"periodicity": "semanal"}, "periodicity"),
        ({"factor": None}, "factor"),
        ({"activity_id": str(uuid.uuid4())}, "activity_id"),
    ],
)
async def test_indicator_patch_rejects_bad_fields(
    client: httpx.AsyncClient, eps: Actor, activity: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    indicator = await make_indicator(client, eps, activity["id"])
    before = await plan_state(client, eps, activity["plan_id"])
    response = await patch(client, eps, "indicators", indicator, body)
    await refused(client, eps, activity["plan_id"], response, before, 422, field)


# -- measurements ---------------------------------------------------------------------------------------


@pytest.fixture
async def indicator(client: httpx.AsyncClient, eps: Actor, activity: dict[str, Any]) -> dict[str, Any]:
    return await make_indicator(client, eps, activity["id"])


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2026", "2026"),
        ("2026S1", "2026S1"),
        ("2026Q1", "2026Q1"),
        ("2026B1", "2026B1"),
        ("2026-03", "2026-03"),
        ("202601B", "2026B1"),
        ("202603", "2026-03"),
        ("2026q4", "2026Q4"),
    ],
)
async def test_measurement_periods_are_stored_canonical(
    client: httpx.AsyncClient, eps: Actor, indicator: dict[str, Any], sent: str, stored: str
) -> None:
    measurement = await make_measurement(client, eps, indicator["id"], period=sent, numerator=3, denominator=4)
    assert measurement["period"] == stored
    assert (measurement["numerator"], measurement["denominator"]) == (3.0, 4.0)
    assert measurement["plan_id"] == indicator["plan_id"]
    found = await listing(client, eps, "measurements", indicator_id=indicator["id"], period=sent)
    assert [m["id"] for m in found] == [measurement["id"]]


@pytest.mark.parametrize("period", ["2026B7", "2026-13", "2026S3", "26", "2026W1", "", "marzo", "2026-3"])
async def test_bad_period_is_422_on_period(
    client: httpx.AsyncClient, eps: Actor, indicator: dict[str, Any], period: str
) -> None:
    before = await plan_state(client, eps, indicator["plan_id"])
    body = {"indicator_id": indicator["id"], "period": period, "numerator": 1}
    response = await client.post("/v1/measurements", json=body, headers=eps.headers)
    await refused(client, eps, indicator["plan_id"], response, before, 422, "period")


@pytest.mark.parametrize("period", ["2025", "2027-01", "2025S2", "2026B1"])
async def test_period_outside_the_plan_is_422(client: httpx.AsyncClient, eps: Actor, period: str) -> None:
    plan = await create_plan(client, eps, period_start="2026-03-01", period_end="2026-12-31")
    goal = await make_goal(client, eps, plan["id"])
    activity = await make_activity(client, eps, goal["id"])
    indicator = await make_indicator(client, eps, activity["id"])
    before = await plan_state(client, eps, plan["id"])
    body = {"indicator_id": indicator["id"], "period": period, "numerator": 1}
    response = await client.post("/v1/measurements", json=body, headers=eps.headers)
    await refused(client, eps, plan["id"], response, before, 422, "period")


async def test_measurement_is_unique_per_indicator_and_period(
    client: httpx.AsyncClient, eps: Actor, indicator: dict[str, Any]
) -> None:
    first = await make_measurement(client, eps, indicator["id"], period="2026B1")
    before = await plan_state(client, eps, indicator["plan_id"])
    for alias in ("2026B1", "202601B", "2026b1"):
        body = {"indicator_id": indicator["id"], "period": alias, "numerator": 5}
        response = await client.post("/v1/measurements", json=body, headers=eps.headers)
        await refused(client, eps, indicator["plan_id"], response, before, 409, "period")

    await make_measurement(client, eps, indicator["id"], period="2026B2")
    corrected = await patch(client, eps, "measurements", first, {"numerator": 2, "denominator": None})
    assert corrected.status_code == 200, corrected.text
    assert (corrected.json()["numerator"], corrected.json()["denominator"]) == (2.0, None)
    assert (await delete(client, eps, "measurements", corrected.json())).status_code == 204
    again = await make_measurement(client, eps, indicator["id"], period="2026B1")
    assert again["id"] != first["id"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"numerator": -1}, "numerator"),
        ({"numerator": None}, "numerator"),
        ({"numerator": "tres"}, "numerator"),
        ({"denominator": -0.5}, "denominator"),
        ({"numerator": 1e13}, "numerator"),
        ({"indicator_id": str(uuid.uuid4())}, "indicator_id"),
        ({"plan_id": str(uuid.uuid4())}, "plan_id"),
    ],
)
async def test_measurement_rejects_bad_numbers(
    client: httpx.AsyncClient, eps: Actor, indicator: dict[str, Any], fields: dict[str, Any], field: str
) -> None:
    before = await plan_state(client, eps, indicator["plan_id"])
    body = {"indicator_id": indicator["id"], "period": "2026", "numerator": 1, **fields}
    response = await client.post("/v1/measurements", json=body, headers=eps.headers)
    await refused(client, eps, indicator["plan_id"], response, before, 422, field)
    patched = await make_measurement(client, eps, indicator["id"], period="2026Q3")
    before = await plan_state(client, eps, indicator["plan_id"])
    if field in ("numerator", "denominator"):
        response = await patch(client, eps, "measurements", patched, {field: fields[field]})
        await refused(client, eps, indicator["plan_id"], response, before, 422, field)
    response = await patch(client, eps, "measurements", patched, {"period": "2026Q4"})
    await refused(client, eps, indicator["plan_id"], response, before, 422, "period")


async def test_measurement_list_rejects_a_bad_period_filter(client: httpx.AsyncClient, eps: Actor) -> None:
    response = await client.get("/v1/measurements", params={"period": "2026B9"}, headers=eps.headers)
    assert_problem(response, 422, "period")


# -- activity progress ----------------------------------------------------------------------------------


async def test_progress_is_refused_while_the_plan_is_a_draft(
    client: httpx.AsyncClient, eps: Actor, activity: dict[str, Any]
) -> None:
    before = await plan_state(client, eps, activity["plan_id"])
    body = {"activity_id": activity["id"], "month": "2026-03", "executed_quantity": 1}
    response = await client.post("/v1/activity-progress", json=body, headers=eps.headers)
    problem = await refused(client, eps, activity["plan_id"], response, before, 409)
    assert "borrador" in problem["detail"]

    plan = await fetch(client, eps, "plans", activity["plan_id"])
    plan = await move_status(client, eps, plan, "formulado")
    formulated = await make_progress(client, eps, activity["id"], month="2026-03")
    await move_status(client, eps, plan, "en_ejecucion")
    executing = await make_progress(
        client, eps, activity["id"], month="2026-04", executed=False, executed_quantity=0, note="Se aplazó por lluvias"
    )
    assert (formulated["executed"], executing["executed"], executing["note"]) == (True, False, "Se aplazó por lluvias")


@pytest.fixture
async def executing(client: httpx.AsyncClient, eps: Actor, activity: dict[str, Any]) -> dict[str, Any]:
    """An activity of a plan in execution."""
    plan = await fetch(client, eps, "plans", activity["plan_id"])
    await move_status(client, eps, plan, "formulado", "en_ejecucion")
    return activity


async def test_progress_crud(client: httpx.AsyncClient, eps: Actor, executing: dict[str, Any]) -> None:
    body = {
        "activity_id": executing["id"],
        "month": "2026-03",
        "executed_quantity": 1,
        "people_reached": 18,
        "executed_budget": 250_000,
        "evidence_url": "https://drive.example/acta-marzo.pdf",
    }
    response = await client.post("/v1/activity-progress", json=body, headers=eps.headers)
    assert response.status_code == 201, response.text
    progress = response.json()
    assert response.headers["location"] == f"http://participa.test/v1/activity-progress/{progress['id']}"
    assert {key: progress[key] for key in body} == body
    assert (progress["executed"], progress["note"], progress["plan_id"]) == (True, None, executing["plan_id"])

    updated = await patch(
        client, eps, "activity-progress", progress, {"people_reached": 21, "evidence_url": "http://acta.example/2"}
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["people_reached"], updated.json()["version"]) == (21, 2)
    assert [
        p["id"] for p in await listing(client, eps, "activity-progress", activity_id=executing["id"], month="2026-03")
    ] == [progress["id"]]
    assert (await delete(client, eps, "activity-progress", updated.json())).status_code == 204
    assert await listing(client, eps, "activity-progress", plan_id=executing["plan_id"]) == []


async def test_progress_is_unique_per_activity_and_month(
    client: httpx.AsyncClient, eps: Actor, executing: dict[str, Any]
) -> None:
    await make_progress(client, eps, executing["id"], month="2026-03")
    before = await plan_state(client, eps, executing["plan_id"])
    body = {"activity_id": executing["id"], "month": "2026-03", "executed_quantity": 2}
    response = await client.post("/v1/activity-progress", json=body, headers=eps.headers)
    await refused(client, eps, executing["plan_id"], response, before, 409, "month")
    await make_progress(client, eps, executing["id"], month="2026-04")


@pytest.mark.parametrize(
    ("fields", "field", "status"),
    [
        ({"month": "2025-12"}, "month", 422),
        ({"month": "2027-01"}, "month", 422),
        ({"month": "2026-13"}, "month", 422),
        ({"month": "2026-3"}, "month", 422),
        ({"month": "２０２６-03"}, "month", 422),
        ({"month": "marzo"}, "month", 422),
        ({"executed_quantity": -1}, "executed_quantity", 422),
        ({"executed_quantity": 1.5}, "executed_quantity", 422),
        ({"people_reached": -3}, "people_reached", 422),
        ({"executed_budget": -1}, "executed_budget", 422),
        ({"executed_budget": 99.9}, "executed_budget", 422),
        ({"executed": "tal vez"}, "executed", 422),
        ({"evidence_url": "ftp://archivos.example/acta.pdf"}, "evidence_url", 422),
        ({"evidence_url": "drive.example/acta.pdf"}, "evidence_url", 422),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url", 422),
        ({"evidence_url": "https://drive.example/acta.pdf\n"}, "evidence_url", 422),
        ({"evidence_url": "https://drive.example/mi acta.pdf"}, "evidence_url", 422),
        ({"activity_id": str(uuid.uuid4())}, "activity_id", 422),
        ({"plan_id": str(uuid.uuid4())}, "plan_id", 422),
    ],
)
async def test_progress_rejects_bad_fields(
    client: httpx.AsyncClient,
    eps: Actor,
    executing: dict[str, Any],
    fields: dict[str, Any],
    field: str,
    status: int,
) -> None:
    before = await plan_state(client, eps, executing["plan_id"])
    body = {"activity_id": executing["id"], "month": "2026-03", **fields}
    response = await client.post("/v1/activity-progress", json=body, headers=eps.headers)
    await refused(client, eps, executing["plan_id"], response, before, status, field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"executed_quantity": -1}, "executed_quantity"),
        ({"people_reached": None}, "people_reached"),
        ({"executed_budget": 0.5}, "executed_budget"),
        ({"evidence_url": "www.example.com"}, "evidence_url"),
        ({"month": "2026-05"}, "month"),
        ({"executed": None}, "executed"),
    ],
)
async def test_progress_patch_rejects_bad_fields(
    client: httpx.AsyncClient, eps: Actor, executing: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    progress = await make_progress(client, eps, executing["id"])
    before = await plan_state(client, eps, executing["plan_id"])
    response = await patch(client, eps, "activity-progress", progress, body)
    await refused(client, eps, executing["plan_id"], response, before, 422, field)


async def test_progress_month_inside_a_shorter_plan_period(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps, period_start="2026-03-15", period_end="2026-10-10")
    goal = await make_goal(client, eps, plan["id"])
    activity = await make_activity(
        client, eps, goal["id"], start_date="2026-04-01", end_date="2026-09-30", schedule_months=[4, 9]
    )
    await move_status(client, eps, await fetch(client, eps, "plans", plan["id"]), "formulado")
    # A month the period touches is inside, even partly.
    await make_progress(client, eps, activity["id"], month="2026-03")
    await make_progress(client, eps, activity["id"], month="2026-10")
    before = await plan_state(client, eps, plan["id"])
    for month in ("2026-02", "2026-11"):
        body = {"activity_id": activity["id"], "month": month}
        response = await client.post("/v1/activity-progress", json=body, headers=eps.headers)
        await refused(client, eps, plan["id"], response, before, 422, "month")


# -- who may read and write -----------------------------------------------------------------------------


async def test_another_eps_cannot_see_or_write_plan_items(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor
) -> None:
    records = await full_plan(client, eps)
    plan_id = records["plan"]["id"]
    before = await plan_state(client, eps, plan_id)
    items = (
        ("goals", "goal"),
        ("activities", "activity"),
        ("indicators", "indicator"),
        ("measurements", "measurement"),
        ("activity-progress", "progress"),
    )

    for resource, key in items:
        record = records[key]
        assert_problem(await client.get(f"/v1/{resource}/{record['id']}", headers=other_eps.headers), 404)
        assert_problem(
            await patch(
                client,
                other_eps,
                resource,
                record,
                {"note": "x"}
                if key == "progress"
                else {"text": "x"}
                if key in ("goal", "activity")
                else {"name": "x"}
                if key == "indicator"
                else {"numerator": 9},
            ),
            404,
        )
        assert_problem(await delete(client, other_eps, resource, record, cascade=True), 404)
        assert await listing(client, other_eps, resource, plan_id=plan_id, updated_since=EVERYTHING) == []

    # Creating under their records answers as if the parent did not exist.
    creations = [
        ("goals", {"plan_id": plan_id, "axis": "E1", "code": "M05", "text": "x"}, "plan_id"),
        (
            "activities",
            {"goal_id": records["goal"]["id"], "code": "A05", "text": "x", "schedule_months": [3]},
            "goal_id",
        ),
        ("indicators", {"activity_id": records["activity"]["id"], "name": "x"}, "activity_id"),
        (
            "measurements",
            {"indicator_id": records["indicator"]["id"], "period": "2026", "numerator": 1},
            "indicator_id",
        ),
        ("activity-progress", {"activity_id": records["activity"]["id"], "month": "2026-05"}, "activity_id"),
    ]
    for resource, body, field in creations:
        response = await client.post(f"/v1/{resource}", json=body, headers=other_eps.headers)
        assert_problem(response, 422, field)
    assert await plan_state(client, eps, plan_id) == before


async def test_bi_readonly_key_cannot_write_plan_items(
    client: httpx.AsyncClient, eps: Actor, make_key: MakeKey
) -> None:
    records = await full_plan(client, eps)
    plan_id = records["plan"]["id"]
    reader = await make_key(eps.organization, "bi_readonly")
    before = await plan_state(client, eps, plan_id)
    assert await plan_state(client, reader, plan_id) == before

    creations = [
        ("goals", {"plan_id": plan_id, "axis": "E1", "code": "M05", "text": "x"}),
        ("activities", {"goal_id": records["goal"]["id"], "code": "A05", "text": "x", "schedule_months": [3]}),
        ("indicators", {"activity_id": records["activity"]["id"], "name": "x"}),
        ("measurements", {"indicator_id": records["indicator"]["id"], "period": "2026", "numerator": 1}),
        ("activity-progress", {"activity_id": records["activity"]["id"], "month": "2026-05"}),
    ]
    for resource, body in creations:
        assert_problem(await client.post(f"/v1/{resource}", json=body, headers=reader.headers), 403)
    changes: dict[str, dict[str, Any]] = {
        "goal": {"text": "x"},
        "activity": {"text": "x"},
        "indicator": {"name": "x"},
        "measurement": {"numerator": 9},
        "progress": {"note": "x"},
    }
    for resource, key in zip(CHILD_PATHS, ("goal", "activity", "indicator", "measurement", "progress"), strict=True):
        assert_problem(await patch(client, reader, resource, records[key], changes[key]), 403)
        assert_problem(await delete(client, reader, resource, records[key], cascade=True), 403)
    assert await plan_state(client, eps, plan_id) == before


async def test_secretaria_reads_the_plans_of_its_territory_but_cannot_write_them(
    client: httpx.AsyncClient, eps: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    records = await full_plan(client, eps)
    plan_id = records["plan"]["id"]
    secretaria_org = await make_org(
        "secretaria_distrital", name="SDS Bogotá", municipality_code="11001", jurisdiction=["11001"]
    )
    secretaria = await make_key(secretaria_org, "secretaria")
    before = await plan_state(client, eps, plan_id)
    assert await plan_state(client, secretaria, plan_id) == before

    response = await client.post(
        "/v1/goals", json={"plan_id": plan_id, "axis": "E1", "code": "M05", "text": "x"}, headers=secretaria.headers
    )
    assert_problem(response, 403)
    assert_problem(await patch(client, secretaria, "activities", records["activity"], {"text": "x"}), 403)
    assert_problem(await delete(client, secretaria, "activity-progress", records["progress"]), 403)
    assert await plan_state(client, eps, plan_id) == before
