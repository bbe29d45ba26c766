"""Endpoints of /v1/activities and /v1/activity-progress."""

import uuid
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from services.api.access.policies import ReadsScope, Writes
from services.api.activities import service
from services.api.activities.schemas import (
    ActivityCreate,
    ActivityProgressCreate,
    ActivityProgressUpdate,
    ActivityUpdate,
)
from services.api.db import SessionDep, read_connection
from services.api.pagination import PageParamsDep
from services.api.plans.router import Cascade
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
from shared.contract import Page
from shared.contract.plans import Activity, ActivityProgress

activities_router = api_router(prefix="/v1/activities", tags=["plans"], responses=READ_PROBLEMS)
progress_router = api_router(prefix="/v1/activity-progress", tags=["plans"], responses=READ_PROBLEMS)


@activities_router.get("", response_model=Page[Activity])
async def list_activities(
    request: Request,
    caller: ReadsScope,
    params: PageParamsDep,
    goal_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
) -> Response:
    """List activities of a goal (`?goal_id=`) or of a whole plan (`?plan_id=`)."""
    async with read_connection(request) as connection:
        rows, cursor = await service.list_activities(connection, caller, params, goal_id=goal_id, plan_id=plan_id)
    return page_json_response(Activity, rows, cursor)


@activities_router.post("", status_code=201, response_model=Activity, responses=WRITE_PROBLEMS)
async def create_activity(request: Request, caller: Writes, session: SessionDep, body: ActivityCreate) -> Response:
    """Add an activity to a goal; dates and monthly schedule are derived from each other when one is missing."""
    row = await service.create_activity(session, caller, body)
    return record_response(request, Activity, row, status_code=201, location_route="get_activity", activity_id=row.id)


@activities_router.get("/{activity_id}", response_model=Activity, responses=problem_responses(304))
async def get_activity(request: Request, caller: ReadsScope, activity_id: uuid.UUID) -> Response:
    """Read one activity."""
    async with read_connection(request) as connection:
        record = await service.read_activity(connection, caller, activity_id)
    return record_json_response(request, Activity, record)


@activities_router.patch("/{activity_id}", response_model=Activity, responses=WRITE_PROBLEMS)
async def update_activity(
    request: Request,
    caller: Writes,
    session: SessionDep,
    activity_id: uuid.UUID,
    body: ActivityUpdate,
    version: ExpectedVersion,
) -> Response:
    """Change an activity; dates must stay inside the plan's period. Needs If-Match."""
    row = await service.update_activity(session, caller, activity_id, body, version)
    return record_response(request, Activity, row)


@activities_router.delete("/{activity_id}", status_code=204, responses=WRITE_PROBLEMS)
async def delete_activity(
    caller: Writes,
    session: SessionDep,
    activity_id: uuid.UUID,
    version: ExpectedVersion,
    cascade: Cascade = False,
) -> Response:
    """Delete an activity with its indicators; one with recorded execution needs `?cascade=true`."""
    await service.delete_activity(session, caller, activity_id, version, cascade=cascade)
    return no_content()


@progress_router.get("", response_model=Page[ActivityProgress])
async def list_activity_progress(
    request: Request,
    caller: ReadsScope,
    params: PageParamsDep,
    activity_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
    month: Annotated[str | None, Query(max_length=7, description="Mes `YYYY-MM`.")] = None,
) -> Response:
    """List monthly execution records of an activity or a plan (`sort=month`)."""
    async with read_connection(request) as connection:
        rows, cursor = await service.list_progress(
            connection, caller, params, activity_id=activity_id, plan_id=plan_id, month=month
        )
    return page_json_response(ActivityProgress, rows, cursor)


@progress_router.post("", status_code=201, response_model=ActivityProgress, responses=WRITE_PROBLEMS)
async def create_activity_progress(
    request: Request, caller: Writes, session: SessionDep, body: ActivityProgressCreate
) -> Response:
    """Record what was executed of an activity in one month (not on a plan in borrador)."""
    row = await service.create_progress(session, caller, body)
    return record_response(
        request,
        ActivityProgress,
        row,
        status_code=201,
        location_route="get_activity_progress",
        progress_id=row.id,
    )


@progress_router.get("/{progress_id}", response_model=ActivityProgress, responses=problem_responses(304))
async def get_activity_progress(request: Request, caller: ReadsScope, progress_id: uuid.UUID) -> Response:
    """Read one monthly execution record."""
    async with read_connection(request) as connection:
        record = await service.read_progress(connection, caller, progress_id)
    return record_json_response(request, ActivityProgress, record)


@progress_router.patch("/{progress_id}", response_model=ActivityProgress, responses=WRITE_PROBLEMS)
async def update_activity_progress(
    request: Request,
    caller: Writes,
    session: SessionDep,
    progress_id: uuid.UUID,
    body: ActivityProgressUpdate,
    version: ExpectedVersion,
) -> Response:
    """Correct a monthly execution record; needs If-Match."""
    row = await service.update_progress(session, caller, progress_id, body, version)
    return record_response(request, ActivityProgress, row)


@progress_router.delete("/{progress_id}", status_code=204, responses=WRITE_PROBLEMS)
async def delete_activity_progress(
    caller: Writes, session: SessionDep, progress_id: uuid.UUID, version: ExpectedVersion
) -> Response:
    """Delete a monthly execution record."""
    await service.delete_progress(session, caller, progress_id, version)
    return no_content()
