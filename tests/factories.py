"""Factories of the API tests: valid request bodies, and records created through the API with them.

A `*_body(...)` function answers a body the API accepts, with `fields` overriding its defaults; a `create_*`
or `make_*` function posts one and answers the created record (asserting 201). Test modules take these
from here, never from another test module; the actors (`admin`, `eps`, `make_org`, `make_key`) and the
problem assertions are fixtures and helpers of `tests/api/conftest.py`.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

EVERYTHING = "2000-01-01T00:00:00Z"
"""An `updated_since` before any test record: the list answers every record, tombstones included."""

CHILD_PATHS = ("goals", "activities", "indicators", "measurements", "activity-progress")
"""The collections under a plan, as `/v1/<path>` lists them."""


@dataclass
class Actor:
    """A caller: its organisation (None for admin) and the headers that authenticate it."""

    key: str
    organization_id: uuid.UUID | None = None
    organization: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def if_match(actor: Actor, version: int) -> dict[str, str]:
    return {**actor.headers, "If-Match": f'"{version}"'}


# -- any record ---------------------------------------------------------------------------------------------


async def post(client: httpx.AsyncClient, actor: Actor, resource: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/v1/{resource}", json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def fetch(client: httpx.AsyncClient, actor: Actor, resource: str, record_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/{resource}/{record_id}", headers=actor.headers)
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()
    return record


async def patch(
    client: httpx.AsyncClient, actor: Actor, resource: str, record: dict[str, Any], body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(f"/v1/{resource}/{record['id']}", json=body, headers=if_match(actor, record["version"]))


async def delete(
    client: httpx.AsyncClient, actor: Actor, resource: str, record: dict[str, Any], *, cascade: bool = False
) -> httpx.Response:
    params = {"cascade": "true"} if cascade else {}
    return await client.delete(
        f"/v1/{resource}/{record['id']}", params=params, headers=if_match(actor, record["version"])
    )


async def listing(client: httpx.AsyncClient, actor: Actor, resource: str, **params: Any) -> list[dict[str, Any]]:
    """The first page (up to 500) of `/v1/<resource>`."""
    response = await client.get(f"/v1/{resource}", params={"limit": 500, **params}, headers=actor.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# -- organisations and keys ---------------------------------------------------------------------------------


def organization_body(kind: str = "eps", **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "name": f"{kind} {uuid.uuid4().hex[:6]}", **fields}


async def create_organization(
    client: httpx.AsyncClient, admin: Actor, kind: str = "eps", **fields: Any
) -> dict[str, Any]:
    return await post(client, admin, "organizations", organization_body(kind, **fields))


def key_body(organization: dict[str, Any], role: str, **fields: Any) -> dict[str, Any]:
    return {"organization_id": organization["id"], "role": role, "name": f"{role} tests", **fields}


async def create_key(client: httpx.AsyncClient, admin: Actor, organization: dict[str, Any], role: str) -> Actor:
    """A key of `organization` with `role`, as the actor that calls with it."""
    created = await post(client, admin, "api-keys", key_body(organization, role))
    return Actor(key=created["key"], organization_id=uuid.UUID(organization["id"]), organization=organization)


# -- plans and what they hold -------------------------------------------------------------------------------


def plan_body(**fields: Any) -> dict[str, Any]:
    return {"year": 2026, "title": "Plan de acción 2026", **fields}


def goal_body(plan_id: str, **fields: Any) -> dict[str, Any]:
    return {"plan_id": plan_id, "axis": "E2", "line": "a", "code": "M01", "text": "Fortalecer capacidades", **fields}


def activity_body(goal_id: str, **fields: Any) -> dict[str, Any]:
    return {"goal_id": goal_id, "code": "A01", "text": "Capacitar a los usuarios", "schedule_months": [3, 6], **fields}


def indicator_body(activity_id: str, **fields: Any) -> dict[str, Any]:
    return {"activity_id": activity_id, "name": "Capacitaciones", "formula_text": "Asistidas / Programadas", **fields}


def measurement_body(indicator_id: str, **fields: Any) -> dict[str, Any]:
    return {"indicator_id": indicator_id, "period": "2026S1", "numerator": 1, "denominator": 2, **fields}


def progress_body(activity_id: str, **fields: Any) -> dict[str, Any]:
    return {"activity_id": activity_id, "month": "2026-03", "executed_quantity": 1, "people_reached": 12, **fields}


async def create_plan(client: httpx.AsyncClient, actor: Actor, **fields: Any) -> dict[str, Any]:
    return await post(client, actor, "plans", plan_body(**fields))


async def make_goal(client: httpx.AsyncClient, actor: Actor, plan_id: str, **fields: Any) -> dict[str, Any]:
    return await post(client, actor, "goals", goal_body(plan_id, **fields))


async def make_activity(client: httpx.AsyncClient, actor: Actor, goal_id: str, **fields: Any) -> dict[str, Any]:
    return await post(client, actor, "activities", activity_body(goal_id, **fields))


async def make_indicator(client: httpx.AsyncClient, actor: Actor, activity_id: str, **fields: Any) -> dict[str, Any]:
    return await post(client, actor, "indicators", indicator_body(activity_id, **fields))


async def make_measurement(client: httpx.AsyncClient, actor: Actor, indicator_id: str, **fields: Any) -> dict[str, Any]:
    return await post(client, actor, "measurements", measurement_body(indicator_id, **fields))


async def make_progress(client: httpx.AsyncClient, actor: Actor, activity_id: str, **fields: Any) -> dict[str, Any]:
    return await post(client, actor, "activity-progress", progress_body(activity_id, **fields))


async def move_status(client: httpx.AsyncClient, actor: Actor, plan: dict[str, Any], *steps: str) -> dict[str, Any]:
    """The plan after each status of `steps` in turn (each PATCH answering 200)."""
    for step in steps:
        response = await patch(client, actor, "plans", plan, {"status": step})
        assert response.status_code == 200, response.text
        plan = response.json()
    return plan


async def full_plan(client: httpx.AsyncClient, actor: Actor, **plan_fields: Any) -> dict[str, dict[str, Any]]:
    """A formulated plan with one of each record under it."""
    plan = await create_plan(client, actor, **plan_fields)
    goal = await make_goal(client, actor, plan["id"])
    activity = await make_activity(client, actor, goal["id"])
    indicator = await make_indicator(client, actor, activity["id"])
    measurement = await make_measurement(client, actor, indicator["id"])
    plan = await move_status(client, actor, await fetch(client, actor, "plans", plan["id"]), "formulado")
    progress = await make_progress(client, actor, activity["id"])
    return {
        "plan": plan,
        "goal": goal,
        "activity": activity,
        "indicator": indicator,
        "measurement": measurement,
        "progress": progress,
    }


async def plan_state(client: httpx.AsyncClient, actor: Actor, plan_id: str) -> dict[str, Any]:
    """Everything stored under a plan, tombstones included: equal before and after means nothing was written."""
    plan = await client.get(f"/v1/plans/{plan_id}", headers=actor.headers)
    state: dict[str, Any] = {"plan": (plan.status_code, plan.json())}
    for resource in CHILD_PATHS:
        state[resource] = await listing(client, actor, resource, plan_id=plan_id, updated_since=EVERYTHING)
    return state


# -- complaints ---------------------------------------------------------------------------------------------

COMPLAINTS = "/v1/complaints"


def complaint_body(actor: Actor, **fields: Any) -> dict[str, Any]:
    """A petición received by the actor's organisation on 26 June 2026, without a person."""
    body: dict[str, Any] = {
        "entity_id": str(actor.organization_id),
        "filed_at": "2026-06-26T10:00:00-05:00",
        "type": "peticion",
        "channel": "web",
        "municipality_code": "11001",
        "text": "Solicito la autorización de la cita con el especialista.",
    }
    body.update(fields)
    return body


async def file_complaint(client: httpx.AsyncClient, actor: Actor, **fields: Any) -> dict[str, Any]:
    return await post(client, actor, COMPLAINTS.removeprefix("/v1/"), complaint_body(actor, **fields))


async def add_complaint_event(
    client: httpx.AsyncClient, actor: Actor, complaint: dict[str, Any], **body: Any
) -> dict[str, Any]:
    return await post(client, actor, f"{COMPLAINTS.removeprefix('/v1/')}/{complaint['id']}/events", body)


async def answer_complaint(client: httpx.AsyncClient, actor: Actor, complaint: dict[str, Any], at: str) -> None:
    """The complaint taken up and answered at `at`."""
    await add_complaint_event(client, actor, complaint, kind="en_tramite", occurred_at=at)
    await add_complaint_event(
        client, actor, complaint, kind="respondido", occurred_at=at, answer={"text": "Respuesta.", "medium": "web"}
    )


def recent(hours: float = 1) -> str:
    """An instant `hours` ago, in Bogotá time."""
    return (datetime.now(UTC) - timedelta(hours=hours)).astimezone().isoformat()
