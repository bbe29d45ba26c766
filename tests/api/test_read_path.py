"""The one read path of every area but complaints (see `test_complaint_read_path.py`): driver rows to JSON.

Every `GET` by id, every list page (sorted, cursored, synced with tombstones) and the plan tree must answer
exactly the bytes the contract model gives for the same ORM rows, so the JSON written straight from the
stored columns can never drift from the documented shapes.
"""

import uuid
from collections import defaultdict
from typing import Any

import httpx
import orjson
import pytest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from services.api.models import (
    ActivityProgressRow,
    ActivityRow,
    AffiliateCountRow,
    ApiKeyRow,
    GoalRow,
    ImportRow,
    IndicatorRow,
    MeasurementRow,
    OrganizationRow,
    PlanRow,
)
from services.api.plans import repository as plans_repository
from shared.contract import Page
from shared.contract.access import ApiKey
from shared.contract.imports import ImportReport
from shared.contract.organizations import AffiliateCount, Organization
from shared.contract.plans import (
    Activity,
    ActivityNode,
    ActivityProgress,
    AxisNode,
    Goal,
    GoalNode,
    Indicator,
    IndicatorNode,
    Measurement,
    Plan,
    PlanTree,
)
from shared.enums import Axis
from tests.api.conftest import Actor
from tests.factories import create_plan, delete, fetch, full_plan, make_activity, make_goal, make_indicator

# path of the list, its contract model, its table, and the filter that selects the test's records
RESOURCES: list[tuple[str, type[BaseModel], type[SQLModel], str]] = [
    ("plans", Plan, PlanRow, "organization_id"),
    ("goals", Goal, GoalRow, "plan_id"),
    ("activities", Activity, ActivityRow, "plan_id"),
    ("indicators", Indicator, IndicatorRow, "plan_id"),
    ("measurements", Measurement, MeasurementRow, "plan_id"),
    ("activity-progress", ActivityProgress, ActivityProgressRow, "plan_id"),
]


async def contract_json(session: AsyncSession, model: type[BaseModel], table: type[SQLModel], item_id: str) -> bytes:
    session.expunge_all()
    row = await session.get(table, uuid.UUID(item_id))
    return model.model_validate(row).model_dump_json().encode()


async def assert_pages_equal_contract(
    client: httpx.AsyncClient,
    session: AsyncSession,
    actor: Actor,
    path: str,
    model: type[BaseModel],
    table: type[SQLModel],
    **params: Any,
) -> list[str]:
    """Walks every page of a list at 1 per page and compares each with `Page[model]` of the same rows."""
    cursor: str | None = None
    seen: list[str] = []
    while True:
        query = {"limit": 1, **params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query, headers=actor.headers)
        assert response.status_code == 200, response.text
        page = orjson.loads(response.content)
        session.expunge_all()
        rows = [await session.get(table, uuid.UUID(item["id"])) for item in page["items"]]
        expected = Page[model](  # type: ignore[valid-type]
            items=[model.model_validate(row) for row in rows], next_cursor=page["next_cursor"]
        )
        assert response.content == expected.model_dump_json().encode(), (path, query)
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


@pytest.fixture
async def two_plans(client: httpx.AsyncClient, eps: Actor) -> list[dict[str, dict[str, Any]]]:
    first = await full_plan(client, eps)
    second_plan = await create_plan(client, eps, year=2027, title="Plan 2027")
    second = {"plan": second_plan, "goal": await make_goal(client, eps, second_plan["id"])}
    goal = await make_goal(client, eps, first["plan"]["id"], axis="E1", code="M10", baseline="Sin línea base")
    activity = await make_activity(client, eps, goal["id"], code="A02", responsible="Comité", planned_budget=125000)
    await make_indicator(client, eps, activity["id"], target=0.85, kind="conteo")
    return [first, second]


async def test_reads_by_id_equal_the_contract_model(
    client: httpx.AsyncClient, session: AsyncSession, eps: Actor, two_plans: list[dict[str, dict[str, Any]]]
) -> None:
    for path, model, table, _ in RESOURCES:
        key = {"plans": "plan", "goals": "goal", "activities": "activity", "indicators": "indicator"}.get(path)
        key = key or {"measurements": "measurement", "activity-progress": "progress"}[path]
        item_id = two_plans[0][key]["id"]
        response = await client.get(f"/v1/{path}/{item_id}", headers=eps.headers)
        assert response.status_code == 200, response.text
        assert response.content == await contract_json(session, model, table, item_id), path
        etag = response.headers["ETag"]
        assert etag == f'"{response.json()["version"]}"'
        cached = await client.get(f"/v1/{path}/{item_id}", headers={**eps.headers, "If-None-Match": etag})
        assert cached.status_code == 304
        missing = await client.get(f"/v1/{path}/{uuid.uuid4()}", headers=eps.headers)
        assert missing.status_code == 404


async def test_list_pages_equal_the_contract_pages(
    client: httpx.AsyncClient,
    session: AsyncSession,
    eps: Actor,
    other_eps: Actor,
    two_plans: list[dict[str, dict[str, Any]]],
) -> None:
    plan_ids = [plan["plan"]["id"] for plan in two_plans]
    for path, model, table, filter_name in RESOURCES:
        value = str(eps.organization_id) if filter_name == "organization_id" else plan_ids[0]
        for sort in (None, "-created_at", "updated_at"):
            extra = {"sort": sort} if sort else {}
            await assert_pages_equal_contract(
                client, session, eps, f"/v1/{path}", model, table, **{filter_name: value}, **extra
            )
        # Another organisation sees none of them.
        response = await client.get(f"/v1/{path}", params={filter_name: value}, headers=other_eps.headers)
        assert response.json() == {"items": [], "next_cursor": None}


async def test_sync_walk_lists_tombstones_like_the_contract(
    client: httpx.AsyncClient, session: AsyncSession, eps: Actor, two_plans: list[dict[str, dict[str, Any]]]
) -> None:
    plan = two_plans[0]
    since = plan["plan"]["created_at"]
    indicator = await fetch(client, eps, "indicators", plan["indicator"]["id"])
    await delete(client, eps, "indicators", indicator)
    for path, model, table, _ in RESOURCES[1:]:
        seen = await assert_pages_equal_contract(
            client, session, eps, f"/v1/{path}", model, table, plan_id=plan["plan"]["id"], updated_since=since
        )
        if path == "indicators":
            assert indicator["id"] in seen  # the tombstone is listed
    live = await client.get("/v1/indicators", params={"plan_id": plan["plan"]["id"]}, headers=eps.headers)
    assert indicator["id"] not in {item["id"] for item in live.json()["items"]}


async def test_tree_equals_the_contract_tree(
    client: httpx.AsyncClient, session: AsyncSession, eps: Actor, two_plans: list[dict[str, dict[str, Any]]]
) -> None:
    plan_id = two_plans[0]["plan"]["id"]
    response = await client.get(f"/v1/plans/{plan_id}/tree", headers=eps.headers)
    assert response.status_code == 200, response.text
    session.expunge_all()
    plan = await session.get(PlanRow, uuid.UUID(plan_id))
    goals, activities, indicators = await plans_repository.tree_rows(session, uuid.UUID(plan_id))
    by_activity: dict[uuid.UUID, list[IndicatorNode]] = defaultdict(list)
    for indicator in indicators:
        by_activity[indicator.activity_id].append(IndicatorNode.model_validate(indicator))
    by_goal: dict[uuid.UUID, list[ActivityNode]] = defaultdict(list)
    for activity in activities:
        by_goal[activity.goal_id].append(
            ActivityNode.model_validate({**activity.model_dump(), "indicators": by_activity[activity.id]})
        )
    by_axis: dict[str, list[GoalNode]] = defaultdict(list)
    for goal in goals:
        by_axis[goal.axis].append(GoalNode.model_validate({**goal.model_dump(), "activities": by_goal[goal.id]}))
    axes = [AxisNode(axis=axis, name=axis.label, goals=by_axis[axis.value]) for axis in Axis]
    assert plan is not None
    expected = PlanTree.model_validate({**plan.model_dump(), "axes": axes})
    assert response.content == expected.model_dump_json().encode()
    cached = await client.get(
        f"/v1/plans/{plan_id}/tree", headers={**eps.headers, "If-None-Match": response.headers["ETag"]}
    )
    assert cached.status_code == 304


async def test_organizations_keys_and_affiliates_equal_the_contract(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor, eps: Actor
) -> None:
    organization_id = str(eps.organization_id)
    response = await client.get(f"/v1/organizations/{organization_id}", headers=eps.headers)
    assert response.content == await contract_json(session, Organization, OrganizationRow, organization_id)
    await assert_pages_equal_contract(client, session, admin, "/v1/organizations", Organization, OrganizationRow)
    for month in ("2026-01", "2026-02"):
        created = await client.post(
            f"/v1/organizations/{organization_id}/affiliates",
            json={"month": month, "municipality_code": "11001", "count": 1200},
            headers=eps.headers,
        )
        assert created.status_code == 201, created.text
    count_id = created.json()["id"]
    read = await client.get(f"/v1/organizations/{organization_id}/affiliates/{count_id}", headers=eps.headers)
    assert read.content == await contract_json(session, AffiliateCount, AffiliateCountRow, count_id)
    await assert_pages_equal_contract(
        client, session, eps, f"/v1/organizations/{organization_id}/affiliates", AffiliateCount, AffiliateCountRow
    )
    for include_revoked in ("false", "true"):
        await assert_pages_equal_contract(
            client, session, admin, "/v1/api-keys", ApiKey, ApiKeyRow, include_revoked=include_revoked, sort="name"
        )
    listed = await client.get("/v1/api-keys", params={"limit": 1}, headers=admin.headers)
    key_id = listed.json()["items"][0]["id"]
    read = await client.get(f"/v1/api-keys/{key_id}", headers=admin.headers)
    assert read.content == await contract_json(session, ApiKey, ApiKeyRow, key_id)


async def test_import_reports_equal_the_contract(client: httpx.AsyncClient, session: AsyncSession, eps: Actor) -> None:
    body = "Eje\tMeta\tActividad\n"
    sent = await client.post(
        "/v1/plans:import",
        files={"file": ("plan.tsv", body.encode(), "text/tab-separated-values")},
        headers=eps.headers,
    )
    assert sent.status_code in (200, 201, 422), sent.text
    listed = await assert_pages_equal_contract(client, session, eps, "/v1/imports", ImportReport, ImportRow)
    assert listed
    read = await client.get(f"/v1/imports/{listed[0]}", headers=eps.headers)
    session.expunge_all()
    row = await session.get(ImportRow, uuid.UUID(listed[0]))
    assert read.content == ImportReport.model_validate(row).model_dump_json().encode()
