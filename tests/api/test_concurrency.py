"""Races that only real commits can show: two writers with one ETag, two creators of one unique record.

These tests cannot run inside the rolled-back test transaction (both requests would share one connection),
so they get their own migrated database, the app's own engine (started by its lifespan), and commit for real.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from services.api.config import Settings
from services.api.db import create_sessionmaker
from services.api.main import create_app
from services.local.database import drop_database
from tests.api.conftest import Actor, assert_problem, insert_admin_key
from tests.conftest import migrated_database
from tests.factories import fetch, if_match

ROUNDS = 5


@pytest.fixture(scope="module")
def concurrency_database() -> Iterator[str]:
    url = migrated_database(f"participa_test_concurrency_{uuid.uuid4().hex}")
    try:
        yield url
    finally:
        asyncio.run(drop_database(url))


@pytest.fixture
async def live(concurrency_database: str) -> AsyncIterator[tuple[httpx.AsyncClient, Actor]]:
    """The real app on its own pool: every request is its own transaction, committed for real."""
    app = create_app(Settings(database_url=concurrency_database, participa_admin_api_key=None))
    async with app.router.lifespan_context(app):
        async with create_sessionmaker(app.state.engine)() as session:
            admin = await insert_admin_key(session)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://participa.test") as client:
            yield client, admin


async def make_organization(client: httpx.AsyncClient, admin: Actor) -> dict[str, Any]:
    body = {"kind": "eps", "name": f"EPS {uuid.uuid4().hex[:8]}", "municipality_code": "11001"}
    response = await client.post("/v1/organizations", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    organization: dict[str, Any] = response.json()
    return organization


def statuses(responses: list[httpx.Response]) -> list[int]:
    return sorted(response.status_code for response in responses)


async def test_two_patches_with_one_etag_exactly_one_wins(live: tuple[httpx.AsyncClient, Actor]) -> None:
    client, admin = live
    organization = await make_organization(client, admin)
    response = await client.post(
        "/v1/plans",
        json={"organization_id": organization["id"], "year": 2026, "title": "Plan"},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    plan_id = response.json()["id"]

    for round_number in range(ROUNDS):
        plan = await fetch(client, admin, "plans", plan_id)
        version = plan["version"]
        titles = [f"Ronda {round_number} A", f"Ronda {round_number} B"]
        responses = list(
            await asyncio.gather(
                *(
                    client.patch(f"/v1/plans/{plan_id}", json={"title": title}, headers=if_match(admin, version))
                    for title in titles
                )
            )
        )

        assert statuses(responses) == [200, 412], [r.text for r in responses]
        [winner] = [r for r in responses if r.status_code == 200]
        [loser] = [r for r in responses if r.status_code == 412]
        assert_problem(loser, 412)
        assert winner.headers["etag"] == f'"{version + 1}"'
        final = await fetch(client, admin, "plans", plan_id)
        assert final["version"] == version + 1
        assert final["title"] == winner.json()["title"]
        assert final["title"] in titles


async def test_a_patch_racing_a_delete_with_one_etag(live: tuple[httpx.AsyncClient, Actor]) -> None:
    client, admin = live
    organization = await make_organization(client, admin)
    for year in range(2040, 2040 + ROUNDS):
        response = await client.post(
            "/v1/plans",
            json={"organization_id": organization["id"], "year": year, "title": "Plan"},
            headers=admin.headers,
        )
        plan = response.json()
        url = f"/v1/plans/{plan['id']}"
        patched, deleted = await asyncio.gather(
            client.patch(url, json={"title": "Cambio"}, headers=if_match(admin, 1)),
            client.delete(url, headers=if_match(admin, 1)),
        )
        current = await client.get(url, headers=admin.headers)
        if deleted.status_code == 204:
            # The deletion won: the patch lost the race on the version (412) or found the plan gone (404).
            assert_problem(patched, patched.status_code)
            assert patched.status_code in (404, 412), patched.text
            assert_problem(current, 404)
        else:
            assert patched.status_code == 200, patched.text
            assert_problem(deleted, 412)
            assert (current.json()["title"], current.json()["version"]) == ("Cambio", 2)


async def test_concurrent_creates_of_one_plan_year_give_one_201_and_one_409(
    live: tuple[httpx.AsyncClient, Actor],
) -> None:
    client, admin = live
    organization = await make_organization(client, admin)
    for year in range(2030, 2030 + ROUNDS):
        body = {"organization_id": organization["id"], "year": year, "title": "Plan"}
        responses = list(
            await asyncio.gather(*(client.post("/v1/plans", json=body, headers=admin.headers) for _ in range(2)))
        )
        assert statuses(responses) == [201, 409], [r.text for r in responses]
        [conflict] = [r for r in responses if r.status_code == 409]
        assert_problem(conflict, 409, "year")

    listed = await client.get(
        "/v1/plans", params={"organization_id": organization["id"], "limit": 500}, headers=admin.headers
    )
    assert sorted(plan["year"] for plan in listed.json()["items"]) == list(range(2030, 2030 + ROUNDS))


async def test_concurrent_creates_of_one_goal_code_give_one_201_and_one_409(
    live: tuple[httpx.AsyncClient, Actor],
) -> None:
    client, admin = live
    organization = await make_organization(client, admin)
    response = await client.post(
        "/v1/plans",
        json={"organization_id": organization["id"], "year": 2026, "title": "Plan"},
        headers=admin.headers,
    )
    plan_id = response.json()["id"]
    for number in range(1, ROUNDS + 1):
        body = {"plan_id": plan_id, "axis": "E3", "code": f"M{number:02d}", "text": "Meta"}
        responses = list(
            await asyncio.gather(*(client.post("/v1/goals", json=body, headers=admin.headers) for _ in range(2)))
        )
        assert statuses(responses) == [201, 409], [r.text for r in responses]
        assert_problem(next(r for r in responses if r.status_code == 409), 409, "code")

    goals = await client.get("/v1/goals", params={"plan_id": plan_id, "limit": 500}, headers=admin.headers)
    assert len(goals.json()["items"]) == ROUNDS


async def formulated_activity(
    client: httpx.AsyncClient, admin: Actor, organization_id: str, year: int
) -> dict[str, Any]:
    """A plan moved to formulado with one goal and one activity; returns the activity (version 1)."""
    plan = await post_json(client, admin, "plans", {"organization_id": organization_id, "year": year, "title": "Plan"})
    goal = await post_json(client, admin, "goals", {"plan_id": plan["id"], "axis": "E1", "code": "M01", "text": "Meta"})
    activity = await post_json(
        client, admin, "activities", {"goal_id": goal["id"], "code": "A01", "text": "Actividad", "schedule_months": [3]}
    )
    response = await client.patch(f"/v1/plans/{plan['id']}", json={"status": "formulado"}, headers=if_match(admin, 1))
    assert response.status_code == 200, response.text
    return activity


@pytest.mark.parametrize("parent", ["plans", "activities"])
async def test_progress_racing_a_deletion_leaves_no_live_orphan(
    live: tuple[httpx.AsyncClient, Actor], parent: str
) -> None:
    """Deleting without cascade refuses when execution exists, so a concurrent new record must not slip under it."""
    client, admin = live
    organization = await make_organization(client, admin)
    for year in range(2050, 2050 + ROUNDS * 2):
        activity = await formulated_activity(client, admin, organization["id"], year)
        target = f"/v1/plans/{activity['plan_id']}" if parent == "plans" else f"/v1/activities/{activity['id']}"
        progress_body = {"activity_id": activity["id"], "month": f"{year}-03", "executed_quantity": 1}
        deleted, recorded = await asyncio.gather(
            client.delete(target, headers=if_match(admin, 2 if parent == "plans" else 1)),
            client.post("/v1/activity-progress", json=progress_body, headers=admin.headers),
        )
        live_progress = await client.get(
            "/v1/activity-progress", params={"plan_id": activity["plan_id"]}, headers=admin.headers
        )
        if deleted.status_code == 204:
            # The parent went first: the new execution is refused, never left live under a tombstone.
            assert_problem(recorded, 422, "activity_id")
            assert live_progress.json()["items"] == []
        else:
            # The execution went first: the deletion without cascade sees it and refuses.
            assert_problem(deleted, 409, detail_contains="cascade")
            assert recorded.status_code == 201, recorded.text
            assert [p["id"] for p in live_progress.json()["items"]] == [recorded.json()["id"]]


async def test_a_child_racing_its_parents_deletion_leaves_no_live_orphan(live: tuple[httpx.AsyncClient, Actor]) -> None:
    client, admin = live
    organization = await make_organization(client, admin)
    for year in range(2070, 2070 + ROUNDS):
        activity = await formulated_activity(client, admin, organization["id"], year)
        indicator = await post_json(client, admin, "indicators", {"activity_id": activity["id"], "name": "Indicador"})
        deleted, created = await asyncio.gather(
            client.delete(f"/v1/indicators/{indicator['id']}", headers=if_match(admin, 1)),
            client.post(
                "/v1/measurements",
                json={"indicator_id": indicator["id"], "period": str(year), "numerator": 1},
                headers=admin.headers,
            ),
        )
        assert deleted.status_code == 204, deleted.text
        assert created.status_code in (201, 422), created.text
        measurements = await client.get(
            "/v1/measurements", params={"plan_id": activity["plan_id"]}, headers=admin.headers
        )
        assert measurements.json()["items"] == []


async def post_json(client: httpx.AsyncClient, actor: Actor, resource: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/v1/{resource}", json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
