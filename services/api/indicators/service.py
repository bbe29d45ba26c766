"""Rules of indicators and measurements: they live under an activity of an editable plan."""

import uuid
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import records
from services.api.access.caller import Caller
from services.api.activities import service as activities_service
from services.api.db import DriverConnection
from services.api.indicators.repository import indicators, measurements
from services.api.indicators.schemas import (
    IndicatorCreate,
    IndicatorUpdate,
    MeasurementCreate,
    MeasurementUpdate,
)
from services.api.models import IndicatorRow, MeasurementRow, PlanRow
from services.api.pagination import PageParams
from services.api.plans import service as plans_service
from services.kit.errors import Conflict, NotFound, field_error, found
from shared.contract import ProblemFieldError
from shared.enums import IndicatorKind, Periodicity
from shared.periods import Period


async def get_indicator(session: AsyncSession, caller: Caller, indicator_id: uuid.UUID) -> IndicatorRow:
    return found(
        await indicators.get_live(session, caller, indicator_id), "No existe un indicador con ese identificador."
    )


async def read_indicator(connection: DriverConnection, caller: Caller, indicator_id: uuid.UUID) -> asyncpg.Record:
    return found(
        await indicators.fetch_live(connection, caller, indicator_id), "No existe un indicador con ese identificador."
    )


async def list_indicators(
    connection: DriverConnection,
    caller: Caller,
    params: PageParams,
    *,
    activity_id: uuid.UUID | None,
    plan_id: uuid.UUID | None,
) -> tuple[list[asyncpg.Record], str | None]:
    return await indicators.page(connection, caller, params, {"activity_id": activity_id, "plan_id": plan_id})


async def create_indicator(session: AsyncSession, caller: Caller, data: IndicatorCreate) -> IndicatorRow:
    try:
        activity = await activities_service.get_activity(session, caller, data.activity_id)
        plan = await plans_service.get_editable_plan(session, caller, activity.plan_id)
        # Read again under the plan's lock: it may have been deleted while this write waited for the lock.
        await activities_service.get_activity(session, caller, data.activity_id)
    except NotFound:
        raise field_error("activity_id", "No existe una actividad con ese identificador.") from None
    values = data.model_dump()
    values.update(
        plan_id=plan.id,
        organization_id=plan.organization_id,
        kind=IndicatorKind(data.kind).value,
        periodicity=Periodicity(data.periodicity).value,
    )
    return await records.insert_record(session, caller, indicators, values, resource="indicator")


async def update_indicator(
    session: AsyncSession,
    caller: Caller,
    indicator_id: uuid.UUID,
    data: IndicatorUpdate,
    expected_version: int,
) -> IndicatorRow:
    row = await get_indicator(session, caller, indicator_id)
    await plans_service.get_editable_plan(session, caller, row.plan_id)
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "factor", "periodicity", "kind"):
        if required in changes and changes[required] is None:
            raise field_error(required, "Campo obligatorio: no puede ser null.")
    for enum_field in ("periodicity", "kind"):
        if enum_field in changes:
            changes[enum_field] = str(changes[enum_field].value)
    return await records.update_record(
        session,
        caller,
        indicators,
        row,
        expected_version=expected_version,
        values=changes,
        resource="indicator",
    )


async def delete_indicator(
    session: AsyncSession, caller: Caller, indicator_id: uuid.UUID, expected_version: int
) -> None:
    row = await get_indicator(session, caller, indicator_id)
    await plans_service.get_editable_plan(session, caller, row.plan_id, exclusive=True)
    await records.delete_record(
        session, caller, indicators, row, expected_version=expected_version, resource="indicator"
    )
    await measurements.soft_delete_where(session, indicator_id=row.id)


async def insert_indicators(session: AsyncSession, plan: PlanRow, rows: list[dict[str, Any]]) -> None:
    """Bulk-insert indicators of a plan's activities (imports)."""
    await indicators.insert_many(
        session, [{**row, "plan_id": plan.id, "organization_id": plan.organization_id} for row in rows]
    )


async def get_measurement(session: AsyncSession, caller: Caller, measurement_id: uuid.UUID) -> MeasurementRow:
    return found(
        await measurements.get_live(session, caller, measurement_id), "No existe una medición con ese identificador."
    )


async def read_measurement(connection: DriverConnection, caller: Caller, measurement_id: uuid.UUID) -> asyncpg.Record:
    return found(
        await measurements.fetch_live(connection, caller, measurement_id),
        "No existe una medición con ese identificador.",
    )


async def list_measurements(
    connection: DriverConnection,
    caller: Caller,
    params: PageParams,
    *,
    indicator_id: uuid.UUID | None,
    plan_id: uuid.UUID | None,
    period: str | None,
) -> tuple[list[asyncpg.Record], str | None]:
    # Measurements are stored under the canonical code, so `?period=202601B` must find `2026B1`.
    if period is not None:
        try:
            period = Period.parse(period).code
        except ValueError as error:
            raise field_error("period", str(error)) from None
    filters = {"indicator_id": indicator_id, "plan_id": plan_id, "period": period}
    return await measurements.page(connection, caller, params, filters)


async def create_measurement(session: AsyncSession, caller: Caller, data: MeasurementCreate) -> MeasurementRow:
    try:
        indicator = await get_indicator(session, caller, data.indicator_id)
        plan = await plans_service.get_editable_plan(session, caller, indicator.plan_id)
        # Read again under the plan's lock: it may have been deleted while this write waited for the lock.
        await get_indicator(session, caller, data.indicator_id)
    except NotFound:
        raise field_error("indicator_id", "No existe un indicador con ese identificador.") from None
    period = Period.parse(data.period)
    if period.end_date < plan.period_start or period.start_date > plan.period_end:
        raise field_error("period", f"El periodo {period.code} está fuera del periodo del plan.")
    if await measurements.exists_live(session, indicator_id=indicator.id, period=period.code):
        message = f"Ya hay una medición de este indicador en {period.code}; corríjala con PATCH."
        raise Conflict(message, errors=[ProblemFieldError(field="period", message=message)])
    values = data.model_dump()
    values.update(plan_id=plan.id, organization_id=plan.organization_id, period=period.code)
    return await records.insert_record(session, caller, measurements, values, resource="measurement")


async def update_measurement(
    session: AsyncSession,
    caller: Caller,
    measurement_id: uuid.UUID,
    data: MeasurementUpdate,
    expected_version: int,
) -> MeasurementRow:
    row = await get_measurement(session, caller, measurement_id)
    await plans_service.get_editable_plan(session, caller, row.plan_id)
    changes = data.model_dump(exclude_unset=True)
    if "numerator" in changes and changes["numerator"] is None:
        raise field_error("numerator", "Campo obligatorio: no puede ser null.")
    return await records.update_record(
        session,
        caller,
        measurements,
        row,
        expected_version=expected_version,
        values=changes,
        resource="measurement",
    )


async def delete_measurement(
    session: AsyncSession, caller: Caller, measurement_id: uuid.UUID, expected_version: int
) -> None:
    row = await get_measurement(session, caller, measurement_id)
    await plans_service.get_editable_plan(session, caller, row.plan_id)
    await records.delete_record(
        session, caller, measurements, row, expected_version=expected_version, resource="measurement"
    )
