"""Rules of activities and their monthly execution: dates in the plan, schedules, no progress on drafts."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import records
from services.api.access.caller import Caller
from services.api.activities.repository import activities, progress
from services.api.activities.schemas import (
    ActivityCreate,
    ActivityProgressCreate,
    ActivityProgressUpdate,
    ActivityUpdate,
)
from services.api.db import DriverConnection
from services.api.models import ActivityProgressRow, ActivityRow, PlanRow
from services.api.pagination import PageParams
from services.api.plans import service as plans_service
from services.kit.errors import Conflict, NotFound, Unprocessable, field_error, found
from shared.contract import ProblemFieldError
from shared.enums import PlanStatus
from shared.schedule import dates_of_months, months_outside, months_spanned


async def get_activity(session: AsyncSession, caller: Caller, activity_id: uuid.UUID) -> ActivityRow:
    return found(
        await activities.get_live(session, caller, activity_id), "No existe una actividad con ese identificador."
    )


async def read_activity(connection: DriverConnection, caller: Caller, activity_id: uuid.UUID) -> asyncpg.Record:
    return found(
        await activities.fetch_live(connection, caller, activity_id), "No existe una actividad con ese identificador."
    )


async def list_activities(
    connection: DriverConnection,
    caller: Caller,
    params: PageParams,
    *,
    goal_id: uuid.UUID | None,
    plan_id: uuid.UUID | None,
) -> tuple[list[asyncpg.Record], str | None]:
    return await activities.page(connection, caller, params, {"goal_id": goal_id, "plan_id": plan_id})


def schedule_problems(plan: PlanRow, values: dict[str, Any]) -> list[ProblemFieldError]:
    """Every problem of an activity's dates and schedule at once, so a form can show them together."""
    problems: list[ProblemFieldError] = []
    start: date = values["start_date"]
    end: date = values["end_date"]
    if start > end:
        problems.append(
            ProblemFieldError(
                field="end_date",
                message=f"La fecha final ({end.isoformat()}) es anterior a la inicial ({start.isoformat()}).",
            )
        )
    for name, day in (("start_date", start), ("end_date", end)):
        if not plan.period_start <= day <= plan.period_end:
            problems.append(
                ProblemFieldError(
                    field=name,
                    message=f"La fecha {day.isoformat()} está fuera del periodo del plan "
                    f"({plan.period_start.isoformat()} a {plan.period_end.isoformat()}).",
                )
            )
    if start <= end:
        months: list[int] = values["schedule_months"]
        outside = set(months_outside(months, start, end))
        # Indexes into the list as the client sent it (unsorted, maybe repeated), so a form can point at it.
        for index, month in enumerate(months):
            if month in outside:
                problems.append(
                    ProblemFieldError(
                        field=f"schedule_months[{index}]",
                        message=f"El mes {month} está fuera de las fechas de la actividad.",
                    )
                )
    return problems


def fill_schedule(plan: PlanRow, values: dict[str, Any]) -> None:
    """Derive what the client left out: dates from the marked months, or months from the dates."""
    months = values.get("schedule_months")
    if values.get("start_date") is None and values.get("end_date") is None:
        if not months:
            raise Unprocessable(
                "Indique las fechas de la actividad o los meses de su cronograma.",
                errors=[
                    ProblemFieldError(field="schedule_months", message="Indique los meses del cronograma o las fechas.")
                ],
            )
        values["start_date"], values["end_date"] = dates_of_months(plan.year, months)
    elif values.get("start_date") is None or values.get("end_date") is None:
        missing = "start_date" if values.get("start_date") is None else "end_date"
        raise field_error(missing, "Indique ambas fechas, o ninguna y los meses del cronograma.")
    if not months:
        values["schedule_months"] = months_spanned(values["start_date"], values["end_date"])
    if values.get("planned_quantity") is None:
        values["planned_quantity"] = len(set(values["schedule_months"]))


async def _check_code_free(session: AsyncSession, goal_id: uuid.UUID, code: str) -> None:
    if await activities.exists_live(session, goal_id=goal_id, code=code):
        message = f"Ya existe la actividad {code} en esta meta."
        raise Conflict(message, errors=[ProblemFieldError(field="code", message=message)])


async def create_activity(session: AsyncSession, caller: Caller, data: ActivityCreate) -> ActivityRow:
    try:
        goal = await plans_service.get_goal(session, caller, data.goal_id)
        plan = await plans_service.get_editable_plan(session, caller, goal.plan_id)
        # Read again under the plan's lock: it may have been deleted while this write waited for the lock.
        await plans_service.get_goal(session, caller, data.goal_id)
    except NotFound:
        raise field_error("goal_id", "No existe una meta con ese identificador.") from None
    values = data.model_dump()
    fill_schedule(plan, values)
    problems = schedule_problems(plan, values)
    if problems:
        raise Unprocessable(_count(problems), errors=problems)
    await _check_code_free(session, goal.id, data.code)
    values.update(
        plan_id=plan.id,
        organization_id=plan.organization_id,
        schedule_months=sorted(set(values["schedule_months"])),
    )
    return await records.insert_record(session, caller, activities, values, resource="activity")


def _count(problems: list[ProblemFieldError]) -> str:
    return "La actividad tiene 1 error." if len(problems) == 1 else f"La actividad tiene {len(problems)} errores."


async def update_activity(
    session: AsyncSession, caller: Caller, activity_id: uuid.UUID, data: ActivityUpdate, expected_version: int
) -> ActivityRow:
    activity = await get_activity(session, caller, activity_id)
    plan = await plans_service.get_editable_plan(session, caller, activity.plan_id)
    changes = data.model_dump(exclude_unset=True)
    for required in (
        "goal_id",
        "code",
        "text",
        "planned_quantity",
        "start_date",
        "end_date",
        "planned_budget",
        "schedule_months",
    ):
        if required in changes and changes[required] is None:
            raise field_error(required, "Campo obligatorio: no puede ser null.")
    if "goal_id" in changes and changes["goal_id"] != activity.goal_id:
        try:
            goal = await plans_service.get_goal(session, caller, changes["goal_id"])
        except NotFound:
            raise field_error("goal_id", "No existe una meta con ese identificador.") from None
        if goal.plan_id != activity.plan_id:
            raise field_error("goal_id", "La actividad solo puede moverse a otra meta del mismo plan.")
    merged = {**activity.model_dump(), **changes}
    if "schedule_months" in changes and not changes["schedule_months"]:
        raise field_error("schedule_months", "Indique al menos un mes del cronograma.")
    problems = schedule_problems(plan, merged)
    if problems:
        raise Unprocessable(_count(problems), errors=problems)
    if (merged["goal_id"], merged["code"]) != (activity.goal_id, activity.code):
        await _check_code_free(session, merged["goal_id"], merged["code"])
    if "schedule_months" in changes:
        changes["schedule_months"] = sorted(set(changes["schedule_months"]))
    return await records.update_record(
        session,
        caller,
        activities,
        activity,
        expected_version=expected_version,
        values=changes,
        resource="activity",
    )


async def delete_activity(
    session: AsyncSession, caller: Caller, activity_id: uuid.UUID, expected_version: int, *, cascade: bool
) -> None:
    activity = await get_activity(session, caller, activity_id)
    await plans_service.get_editable_plan(session, caller, activity.plan_id, exclusive=True)
    if not cascade and await progress.exists_live(session, activity_id=activity.id):
        raise Conflict("La actividad tiene ejecución registrada; use ?cascade=true para borrarla con ella.")
    await records.delete_record(
        session, caller, activities, activity, expected_version=expected_version, resource="activity"
    )
    await plans_service.tombstone_activity_children(session, activity.id)


async def insert_activities(session: AsyncSession, plan: PlanRow, rows: list[dict[str, Any]]) -> None:
    """Bulk-insert activities already checked with `fill_schedule` and `schedule_problems` (imports)."""
    await activities.insert_many(
        session, [{**row, "plan_id": plan.id, "organization_id": plan.organization_id} for row in rows]
    )


async def update_activity_fields(
    session: AsyncSession, caller: Caller, row: ActivityRow, values: dict[str, Any]
) -> ActivityRow:
    """Apply checked changes to an activity at its current version (imports re-applying a file)."""
    return await records.update_record(
        session, caller, activities, row, expected_version=row.version, values=values, resource="activity"
    )


async def plan_progress(session: AsyncSession, caller: Caller, plan_id: uuid.UUID) -> Sequence[ActivityProgressRow]:
    """Every live execution record of a plan."""
    return await progress.all_live(session, caller, plan_id=plan_id)


async def insert_progress(session: AsyncSession, plan: PlanRow, rows: list[dict[str, Any]]) -> None:
    """Bulk-insert execution rows of a plan already out of borrador (follow-up imports)."""
    _ensure_executing(plan)
    await progress.insert_many(
        session, [{**row, "plan_id": plan.id, "organization_id": plan.organization_id} for row in rows]
    )


async def update_progress_fields(
    session: AsyncSession, caller: Caller, row: ActivityProgressRow, values: dict[str, Any]
) -> ActivityProgressRow:
    return await records.update_record(
        session, caller, progress, row, expected_version=row.version, values=values, resource="activity_progress"
    )


async def get_progress(session: AsyncSession, caller: Caller, progress_id: uuid.UUID) -> ActivityProgressRow:
    return found(await progress.get_live(session, caller, progress_id), "No existe ese registro de ejecución.")


async def read_progress(connection: DriverConnection, caller: Caller, progress_id: uuid.UUID) -> asyncpg.Record:
    return found(await progress.fetch_live(connection, caller, progress_id), "No existe ese registro de ejecución.")


async def list_progress(
    connection: DriverConnection,
    caller: Caller,
    params: PageParams,
    *,
    activity_id: uuid.UUID | None,
    plan_id: uuid.UUID | None,
    month: str | None,
) -> tuple[list[asyncpg.Record], str | None]:
    filters = {"activity_id": activity_id, "plan_id": plan_id, "month": month}
    return await progress.page(connection, caller, params, filters)


def _ensure_executing(plan: PlanRow) -> None:
    if PlanStatus(plan.status) is PlanStatus.BORRADOR:
        raise Conflict("El plan está en borrador: formúlelo antes de registrar su ejecución.")


async def create_progress(session: AsyncSession, caller: Caller, data: ActivityProgressCreate) -> ActivityProgressRow:
    try:
        activity = await get_activity(session, caller, data.activity_id)
        plan = await plans_service.get_editable_plan(session, caller, activity.plan_id)
        # Read again under the plan's lock: it may have been deleted while this write waited for the lock.
        await get_activity(session, caller, data.activity_id)
    except NotFound:
        raise field_error("activity_id", "No existe una actividad con ese identificador.") from None
    _ensure_executing(plan)
    year, month = (int(part) for part in data.month.split("-"))
    first_day = date(year, month, 1)
    if not (plan.period_start.replace(day=1) <= first_day <= plan.period_end):
        raise field_error("month", f"El mes {data.month} está fuera del periodo del plan.")
    if await progress.exists_live(session, activity_id=activity.id, month=data.month):
        message = f"Ya hay ejecución registrada para {activity.code} en {data.month}; corríjala con PATCH."
        raise Conflict(message, errors=[ProblemFieldError(field="month", message=message)])
    values = data.model_dump()
    values.update(plan_id=plan.id, organization_id=plan.organization_id)
    return await records.insert_record(session, caller, progress, values, resource="activity_progress")


async def update_progress(
    session: AsyncSession,
    caller: Caller,
    progress_id: uuid.UUID,
    data: ActivityProgressUpdate,
    expected_version: int,
) -> ActivityProgressRow:
    row = await get_progress(session, caller, progress_id)
    plan = await plans_service.get_editable_plan(session, caller, row.plan_id)
    _ensure_executing(plan)
    changes = data.model_dump(exclude_unset=True)
    for required in ("executed_quantity", "people_reached", "executed_budget", "executed"):
        if required in changes and changes[required] is None:
            raise field_error(required, "Campo obligatorio: no puede ser null.")
    return await records.update_record(
        session,
        caller,
        progress,
        row,
        expected_version=expected_version,
        values=changes,
        resource="activity_progress",
    )


async def delete_progress(session: AsyncSession, caller: Caller, progress_id: uuid.UUID, expected_version: int) -> None:
    row = await get_progress(session, caller, progress_id)
    await plans_service.get_editable_plan(session, caller, row.plan_id)
    await records.delete_record(
        session, caller, progress, row, expected_version=expected_version, resource="activity_progress"
    )
