"""GET /v1/plans/{id}/progress-summary: each activity's programme with its execution summed up to a month."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shared.periods import bogota_date
from tests.api.conftest import Actor, MakeKey, MakeOrg, assert_problem
from tests.factories import (
    create_plan,
    delete,
    fetch,
    make_activity,
    make_goal,
    make_progress,
    move_status,
    patch,
)


async def executing_plan(client: httpx.AsyncClient, actor: Actor) -> dict[str, Any]:
    """A formulated plan: two goals in E1 and E2, three activities, execution over several months."""
    plan = await create_plan(client, actor)
    e2 = await make_goal(client, actor, plan["id"], axis="E2", code="M01")
    e1 = await make_goal(client, actor, plan["id"], axis="E1", code="M02")
    trainings = await make_activity(
        client,
        actor,
        e2["id"],
        code="A01",
        planned_quantity=3,
        schedule_months=[3, 6, 9],
        planned_budget=300_000,
    )
    meetings = await make_activity(
        client, actor, e2["id"], code="A02", planned_quantity=12, schedule_months=list(range(1, 13))
    )
    untouched = await make_activity(client, actor, e1["id"], code="A01", planned_quantity=2, schedule_months=[4, 5])
    plan = await move_status(client, actor, await fetch(client, actor, "plans", plan["id"]), "formulado")
    for month, quantity, people, budget in (("2026-03", 1, 20, 100_000), ("2026-06", 2, 35, 150_000)):
        await make_progress(
            client,
            actor,
            trainings["id"],
            month=month,
            executed_quantity=quantity,
            people_reached=people,
            executed_budget=budget,
        )
    # Over-execution (3 → 4) arrives in September, after the first cut-off below.
    await make_progress(client, actor, trainings["id"], month="2026-09", executed_quantity=1, people_reached=15)
    # "No ejecutada" but with a quantity: summed as reported and flagged.
    await make_progress(
        client, actor, meetings["id"], month="2026-02", executed=False, executed_quantity=1, people_reached=0
    )
    await make_progress(
        client, actor, meetings["id"], month="2026-05", executed=False, executed_quantity=0, people_reached=0
    )
    return {"plan": plan, "trainings": trainings, "meetings": meetings, "untouched": untouched, "e1": e1, "e2": e2}


async def summary(client: httpx.AsyncClient, actor: Actor, plan_id: str, **params: str) -> httpx.Response:
    return await client.get(f"/v1/plans/{plan_id}/progress-summary", params=params, headers=actor.headers)


async def test_sums_execution_per_activity_up_to_the_cut_off(client: httpx.AsyncClient, eps: Actor) -> None:
    made = await executing_plan(client, eps)
    response = await summary(client, eps, made["plan"]["id"], as_of="2026-06")
    assert response.status_code == 200, response.text
    body = response.json()
    assert {key: body[key] for key in ("plan_id", "year", "title", "period_start", "period_end", "as_of")} == {
        "plan_id": made["plan"]["id"],
        "year": 2026,
        "title": "Plan de acción 2026",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "as_of": "2026-06",
    }
    # Display order: axis first (E1 before E2), then goal and activity code.
    assert body["activities"] == [
        {
            "activity_id": made["untouched"]["id"],
            "goal_id": made["e1"]["id"],
            "axis": "E1",
            "line": "a",
            "goal_code": "M02",
            "code": "A01",
            "planned_quantity": 2,
            "planned_budget": 0,
            "schedule_months": [4, 5],
            "executed_quantity": 0,
            "people_reached": 0,
            "executed_budget": 0,
            "months_reported": 0,
            "flagged_months": [],
        },
        {
            "activity_id": made["trainings"]["id"],
            "goal_id": made["e2"]["id"],
            "axis": "E2",
            "line": "a",
            "goal_code": "M01",
            "code": "A01",
            "planned_quantity": 3,
            "planned_budget": 300_000,
            "schedule_months": [3, 6, 9],
            "executed_quantity": 3,
            "people_reached": 55,
            "executed_budget": 250_000,
            "months_reported": 2,
            "flagged_months": [],
        },
        {
            "activity_id": made["meetings"]["id"],
            "goal_id": made["e2"]["id"],
            "axis": "E2",
            "line": "a",
            "goal_code": "M01",
            "code": "A02",
            "planned_quantity": 12,
            "planned_budget": 0,
            "schedule_months": list(range(1, 13)),
            "executed_quantity": 1,
            "people_reached": 0,
            "executed_budget": 0,
            "months_reported": 2,
            "flagged_months": ["2026-02"],
        },
    ]


@pytest.mark.parametrize(
    ("as_of", "executed", "reported"),
    [("2025-12", 0, 0), ("2026-02", 0, 0), ("2026-03", 1, 1), ("2026-08", 3, 2), ("2026-09", 4, 3), ("2027-01", 4, 3)],
)
async def test_the_cut_off_month_is_included(
    client: httpx.AsyncClient, eps: Actor, as_of: str, executed: int, reported: int
) -> None:
    made = await executing_plan(client, eps)
    response = await summary(client, eps, made["plan"]["id"], as_of=as_of)
    assert response.status_code == 200, response.text
    [trainings] = [item for item in response.json()["activities"] if item["activity_id"] == made["trainings"]["id"]]
    assert (trainings["executed_quantity"], trainings["months_reported"]) == (executed, reported)


async def test_without_as_of_the_cut_off_is_the_current_month(client: httpx.AsyncClient, eps: Actor) -> None:
    made = await executing_plan(client, eps)
    response = await summary(client, eps, made["plan"]["id"])
    assert response.status_code == 200, response.text
    today = bogota_date(datetime.now(UTC))
    assert response.json()["as_of"] == f"{today.year:04d}-{today.month:02d}"


async def test_deleted_execution_and_activities_are_left_out(client: httpx.AsyncClient, eps: Actor) -> None:
    made = await executing_plan(client, eps)
    response = await client.get(
        "/v1/activity-progress",
        params={"activity_id": made["trainings"]["id"], "month": "2026-06"},
        headers=eps.headers,
    )
    [june] = response.json()["items"]
    assert (await delete(client, eps, "activity-progress", june)).status_code == 204
    untouched = await fetch(client, eps, "activities", made["untouched"]["id"])
    assert (await delete(client, eps, "activities", untouched)).status_code == 204

    body = (await summary(client, eps, made["plan"]["id"], as_of="2026-12")).json()
    assert [item["activity_id"] for item in body["activities"]] == [made["trainings"]["id"], made["meetings"]["id"]]
    assert (body["activities"][0]["executed_quantity"], body["activities"][0]["months_reported"]) == (2, 2)


async def test_a_plan_without_activities_has_an_empty_summary(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    response = await summary(client, eps, plan["id"], as_of="2026-06")
    assert response.status_code == 200, response.text
    assert response.json()["activities"] == []


async def test_etag_revalidates_until_execution_changes(client: httpx.AsyncClient, eps: Actor) -> None:
    made = await executing_plan(client, eps)
    first = await summary(client, eps, made["plan"]["id"], as_of="2026-12")
    etag = first.headers["etag"]
    assert etag.startswith('W/"progress-')
    again = await client.get(
        f"/v1/plans/{made['plan']['id']}/progress-summary",
        params={"as_of": "2026-12"},
        headers={**eps.headers, "If-None-Match": etag},
    )
    assert (again.status_code, again.headers["etag"], again.content) == (304, etag, b"")
    # Another cut-off is another representation.
    assert (await summary(client, eps, made["plan"]["id"], as_of="2026-03")).headers["etag"] != etag

    await make_progress(client, eps, made["untouched"]["id"], month="2026-04", executed_quantity=1)
    changed = await client.get(
        f"/v1/plans/{made['plan']['id']}/progress-summary",
        params={"as_of": "2026-12"},
        headers={**eps.headers, "If-None-Match": etag},
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_corrections_of_progress_activities_and_goals_change_the_etag(
    client: httpx.AsyncClient, eps: Actor
) -> None:
    made = await executing_plan(client, eps)
    plan_id = made["plan"]["id"]

    async def etag() -> str:
        response = await summary(client, eps, plan_id, as_of="2026-12")
        assert response.status_code == 200, response.text
        tag: str = response.headers["etag"]
        return tag

    seen = {await etag()}
    [march] = (
        await client.get(
            "/v1/activity-progress",
            params={"activity_id": made["trainings"]["id"], "month": "2026-03"},
            headers=eps.headers,
        )
    ).json()["items"]
    assert (await patch(client, eps, "activity-progress", march, {"people_reached": 21})).status_code == 200
    seen.add(await etag())
    trainings = await fetch(client, eps, "activities", made["trainings"]["id"])
    assert (await patch(client, eps, "activities", trainings, {"planned_quantity": 5})).status_code == 200
    seen.add(await etag())
    goal = await fetch(client, eps, "goals", made["e1"]["id"])
    assert (await patch(client, eps, "goals", goal, {"code": "M09"})).status_code == 200
    seen.add(await etag())
    assert len(seen) == 4
    # Any ETag: If-None-Match: * answers 304 as long as the summary exists.
    star = await client.get(
        f"/v1/plans/{plan_id}/progress-summary",
        params={"as_of": "2026-12"},
        headers={**eps.headers, "If-None-Match": "*"},
    )
    assert star.status_code == 304


async def test_outside_the_callers_scope_is_404(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    made = await executing_plan(client, eps)
    assert_problem(await summary(client, other_eps, made["plan"]["id"], as_of="2026-06"), 404)
    assert_problem(await summary(client, eps, "6f1d3c1e-0000-4000-8000-000000000000", as_of="2026-06"), 404)
    # A read-only key of the same organisation sees it.
    reader = await make_key(eps.organization, "bi_readonly")
    assert (await summary(client, reader, made["plan"]["id"], as_of="2026-06")).status_code == 200


@pytest.mark.parametrize("as_of", ["2026-13", "junio", "2026-6", "2026-06-01"])
async def test_a_bad_cut_off_is_422_naming_as_of(client: httpx.AsyncClient, eps: Actor, as_of: str) -> None:
    plan = await create_plan(client, eps)
    assert_problem(await summary(client, eps, plan["id"], as_of=as_of), 422, "as_of")


async def test_needs_a_key(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    response = await client.get(f"/v1/plans/{plan['id']}/progress-summary")
    assert_problem(response, 401)
