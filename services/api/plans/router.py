"""Endpoints of /v1/plans and /v1/goals."""

import uuid
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from services.api.access.policies import ReadsScope, Writes
from services.api.db import SessionDep, read_connection
from services.api.pagination import PageParamsDep
from services.api.plans import service
from services.api.plans.schemas import GoalCreate, GoalUpdate, PlanCreate, PlanUpdate
from services.api.routing import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    ExpectedVersion,
    no_content,
    page_json_response,
    record_json_response,
    record_response,
)
from services.api.unit_of_work import api_router
from services.kit.openapi import problem_responses
from services.kit.responses import json_bytes, tagged_json_response, tagged_response
from shared.contract import Page
from shared.contract.plans import Goal, Plan, PlanProgressSummary, PlanTree
from shared.enums import Axis, PlanStatus

plans_router = api_router(prefix="/v1/plans", tags=["plans"], responses=READ_PROBLEMS)
goals_router = api_router(prefix="/v1/goals", tags=["plans"], responses=READ_PROBLEMS)

Cascade = Annotated[
    bool, Query(description="Borrar también lo que cuelga del registro, incluida la ejecución registrada.")
]


@plans_router.get("", response_model=Page[Plan])
async def list_plans(
    request: Request,
    caller: ReadsScope,
    params: PageParamsDep,
    organization_id: uuid.UUID | None = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: PlanStatus | None = None,
) -> Response:
    """List the PPSS action plans the caller can see (`sort=-year`, `updated_since=` for sync)."""
    async with read_connection(request) as connection:
        rows, cursor = await service.list_plans(
            connection, caller, params, organization_id=organization_id, year=year, status=status
        )
    return page_json_response(Plan, rows, cursor)


@plans_router.post("", status_code=201, response_model=Plan, responses=WRITE_PROBLEMS)
async def create_plan(request: Request, caller: Writes, session: SessionDep, body: PlanCreate) -> Response:
    """Create a yearly plan in `borrador`; its period defaults to the calendar year."""
    row = await service.create_plan(session, caller, body)
    return record_response(request, Plan, row, status_code=201, location_route="get_plan", plan_id=row.id)


@plans_router.get("/{plan_id}", response_model=Plan, responses=problem_responses(304))
async def get_plan(request: Request, caller: ReadsScope, plan_id: uuid.UUID) -> Response:
    """Read one plan; `If-None-Match` with its ETag answers 304."""
    # One statement on a pooled connection, held only for it; JSON straight from the row.
    async with read_connection(request) as connection:
        record = await service.read_plan(connection, caller, plan_id)
    return record_json_response(request, Plan, record)


@plans_router.patch("/{plan_id}", response_model=Plan, responses=WRITE_PROBLEMS)
async def update_plan(
    request: Request,
    caller: Writes,
    session: SessionDep,
    plan_id: uuid.UUID,
    body: PlanUpdate,
    version: ExpectedVersion,
) -> Response:
    """Change a plan or move its status one step (borrador → formulado → en_ejecucion → evaluado)."""
    row = await service.update_plan(session, caller, plan_id, body, version)
    return record_response(request, Plan, row)


@plans_router.delete("/{plan_id}", status_code=204, responses=WRITE_PROBLEMS)
async def delete_plan(
    caller: Writes,
    session: SessionDep,
    plan_id: uuid.UUID,
    version: ExpectedVersion,
    cascade: Cascade = False,
) -> Response:
    """Delete a plan and everything under it; a plan with recorded execution needs `?cascade=true`."""
    await service.delete_plan(session, caller, plan_id, version, cascade=cascade)
    return no_content()


@plans_router.get("/{plan_id}/tree", response_model=PlanTree, responses=problem_responses(304))
async def get_plan_tree(request: Request, caller: ReadsScope, plan_id: uuid.UUID) -> Response:
    """The whole plan in one response: the five axes → goals → activities → indicators."""
    async with read_connection(request) as connection:
        tree, etag = await service.plan_tree(connection, caller, plan_id)
    return tagged_json_response(request, json_bytes(tree), etag)


@plans_router.get("/{plan_id}/progress-summary", response_model=PlanProgressSummary, responses=problem_responses(304))
async def get_plan_progress_summary(
    request: Request,
    caller: ReadsScope,
    session: SessionDep,
    plan_id: uuid.UUID,
    as_of: Annotated[
        str | None,
        Query(
            max_length=7, examples=["2026-06"], description="Mes de corte `YYYY-MM`, incluido; por defecto el actual."
        ),
    ] = None,
) -> Response:
    """Per activity: programme, goal and axis, with execution summed up to the `as_of` month (one GROUP BY)."""
    plan, month, etag = await service.progress_summary_tag(session, caller, plan_id, as_of)
    if _unchanged(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    summary = await service.progress_summary(session, plan, month)
    return tagged_response(request, summary, etag)


def _unchanged(request: Request, etag: str) -> bool:
    """If-None-Match already names `etag` (weak comparison, as `tagged_response` applies it)."""
    header = request.headers.get("if-none-match", "")
    sent = {value.strip().removeprefix("W/") for value in header.split(",")}
    return header.strip() == "*" or etag.removeprefix("W/") in sent


@goals_router.get("", response_model=Page[Goal])
async def list_goals(
    request: Request,
    caller: ReadsScope,
    params: PageParamsDep,
    plan_id: uuid.UUID | None = None,
    axis: Axis | None = None,
) -> Response:
    """List goals (metas), usually of one plan (`?plan_id=`), optionally of one axis."""
    async with read_connection(request) as connection:
        rows, cursor = await service.list_goals(connection, caller, params, plan_id=plan_id, axis=axis)
    return page_json_response(Goal, rows, cursor)


@goals_router.post("", status_code=201, response_model=Goal, responses=WRITE_PROBLEMS)
async def create_goal(request: Request, caller: Writes, session: SessionDep, body: GoalCreate) -> Response:
    """Add a goal to a plan, in one axis and línea; its code is unique there."""
    row = await service.create_goal(session, caller, body)
    return record_response(request, Goal, row, status_code=201, location_route="get_goal", goal_id=row.id)


@goals_router.get("/{goal_id}", response_model=Goal, responses=problem_responses(304))
async def get_goal(request: Request, caller: ReadsScope, goal_id: uuid.UUID) -> Response:
    """Read one goal."""
    async with read_connection(request) as connection:
        record = await service.read_goal(connection, caller, goal_id)
    return record_json_response(request, Goal, record)


@goals_router.patch("/{goal_id}", response_model=Goal, responses=WRITE_PROBLEMS)
async def update_goal(
    request: Request,
    caller: Writes,
    session: SessionDep,
    goal_id: uuid.UUID,
    body: GoalUpdate,
    version: ExpectedVersion,
) -> Response:
    """Change a goal; needs If-Match."""
    row = await service.update_goal(session, caller, goal_id, body, version)
    return record_response(request, Goal, row)


@goals_router.delete("/{goal_id}", status_code=204, responses=WRITE_PROBLEMS)
async def delete_goal(
    caller: Writes,
    session: SessionDep,
    goal_id: uuid.UUID,
    version: ExpectedVersion,
    cascade: Cascade = False,
) -> Response:
    """Delete a goal; one with activities needs `?cascade=true`."""
    await service.delete_goal(session, caller, goal_id, version, cascade=cascade)
    return no_content()
