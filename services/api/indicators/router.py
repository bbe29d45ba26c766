"""Endpoints of /v1/indicators and /v1/measurements."""

import uuid
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from services.api.access.policies import ReadsScope, Writes
from services.api.db import SessionDep, read_connection
from services.api.indicators import service
from services.api.indicators.schemas import (
    IndicatorCreate,
    IndicatorUpdate,
    MeasurementCreate,
    MeasurementUpdate,
)
from services.api.pagination import PageParamsDep
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
from shared.contract.plans import Indicator, Measurement

indicators_router = api_router(prefix="/v1/indicators", tags=["plans"], responses=READ_PROBLEMS)
measurements_router = api_router(prefix="/v1/measurements", tags=["plans"], responses=READ_PROBLEMS)


@indicators_router.get("", response_model=Page[Indicator])
async def list_indicators(
    request: Request,
    caller: ReadsScope,
    params: PageParamsDep,
    activity_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
) -> Response:
    """List indicators of an activity (`?activity_id=`) or of a plan (`?plan_id=`)."""
    async with read_connection(request) as connection:
        rows, cursor = await service.list_indicators(
            connection, caller, params, activity_id=activity_id, plan_id=plan_id
        )
    return page_json_response(Indicator, rows, cursor)


@indicators_router.post("", status_code=201, response_model=Indicator, responses=WRITE_PROBLEMS)
async def create_indicator(request: Request, caller: Writes, session: SessionDep, body: IndicatorCreate) -> Response:
    """Add an indicator to an activity, keeping its formula as written."""
    row = await service.create_indicator(session, caller, body)
    return record_response(
        request, Indicator, row, status_code=201, location_route="get_indicator", indicator_id=row.id
    )


@indicators_router.get("/{indicator_id}", response_model=Indicator, responses=problem_responses(304))
async def get_indicator(request: Request, caller: ReadsScope, indicator_id: uuid.UUID) -> Response:
    """Read one indicator."""
    async with read_connection(request) as connection:
        record = await service.read_indicator(connection, caller, indicator_id)
    return record_json_response(request, Indicator, record)


@indicators_router.patch("/{indicator_id}", response_model=Indicator, responses=WRITE_PROBLEMS)
async def update_indicator(
    request: Request,
    caller: Writes,
    session: SessionDep,
    indicator_id: uuid.UUID,
    body: IndicatorUpdate,
    version: ExpectedVersion,
) -> Response:
    """Change an indicator; needs If-Match."""
    row = await service.update_indicator(session, caller, indicator_id, body, version)
    return record_response(request, Indicator, row)


@indicators_router.delete("/{indicator_id}", status_code=204, responses=WRITE_PROBLEMS)
async def delete_indicator(
    caller: Writes, session: SessionDep, indicator_id: uuid.UUID, version: ExpectedVersion
) -> Response:
    """Delete an indicator and its measurements."""
    await service.delete_indicator(session, caller, indicator_id, version)
    return no_content()


@measurements_router.get("", response_model=Page[Measurement])
async def list_measurements(
    request: Request,
    caller: ReadsScope,
    params: PageParamsDep,
    indicator_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
    period: Annotated[str | None, Query(max_length=10, description="Código de periodo (`2026B1`).")] = None,
) -> Response:
    """List measurements of an indicator or a plan."""
    async with read_connection(request) as connection:
        rows, cursor = await service.list_measurements(
            connection, caller, params, indicator_id=indicator_id, plan_id=plan_id, period=period
        )
    return page_json_response(Measurement, rows, cursor)


@measurements_router.post("", status_code=201, response_model=Measurement, responses=WRITE_PROBLEMS)
async def create_measurement(
    request: Request, caller: Writes, session: SessionDep, body: MeasurementCreate
) -> Response:
    """Record an indicator's numerator and denominator for one period (`2026`, `2026S1`, `2026B1`, `2026-03`)."""
    row = await service.create_measurement(session, caller, body)
    return record_response(
        request, Measurement, row, status_code=201, location_route="get_measurement", measurement_id=row.id
    )


@measurements_router.get("/{measurement_id}", response_model=Measurement, responses=problem_responses(304))
async def get_measurement(request: Request, caller: ReadsScope, measurement_id: uuid.UUID) -> Response:
    """Read one measurement."""
    async with read_connection(request) as connection:
        record = await service.read_measurement(connection, caller, measurement_id)
    return record_json_response(request, Measurement, record)


@measurements_router.patch("/{measurement_id}", response_model=Measurement, responses=WRITE_PROBLEMS)
async def update_measurement(
    request: Request,
    caller: Writes,
    session: SessionDep,
    measurement_id: uuid.UUID,
    body: MeasurementUpdate,
    version: ExpectedVersion,
) -> Response:
    """Correct a measurement; needs If-Match."""
    row = await service.update_measurement(session, caller, measurement_id, body, version)
    return record_response(request, Measurement, row)


@measurements_router.delete("/{measurement_id}", status_code=204, responses=WRITE_PROBLEMS)
async def delete_measurement(
    caller: Writes, session: SessionDep, measurement_id: uuid.UUID, version: ExpectedVersion
) -> Response:
    """Delete a measurement."""
    await service.delete_measurement(session, caller, measurement_id, version)
    return no_content()
