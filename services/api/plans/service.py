"""Rules of plans and goals: ownership, the status life cycle, periods, cascades."""

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import records
from services.api.access import messages
from services.api.access.caller import Caller
from services.api.db import DriverConnection
from services.api.models import ActivityRow, GoalRow, IndicatorRow, PlanRow
from services.api.organizations import service as organizations_service
from services.api.pagination import PageParams
from services.api.plans import repository
from services.api.plans.repository import goals, plans
from services.api.plans.schemas import GoalCreate, GoalUpdate, PlanCreate, PlanUpdate
from services.kit.errors import Conflict, NotFound, field_error, found
from shared.contract import ProblemFieldError
from shared.contract.plans import ActivityNode, GoalNode, IndicatorNode, Plan, PlanProgressSummary
from shared.enums import PLAN_STATUS_TRANSITIONS, Axis, PlanStatus
from shared.periods import Month, Period, bogota_date

PLAN = "un plan"
GOAL = "una meta"


async def get_plan(session: AsyncSession, caller: Caller, plan_id: uuid.UUID) -> PlanRow:
    return found(await plans.get_live(session, caller, plan_id), "No existe un plan con ese identificador.")


async def read_plan(connection: DriverConnection, caller: Caller, plan_id: uuid.UUID) -> asyncpg.Record:
    """A plan as read (`GET`): its stored columns on the driver connection; `get_plan` is the write's."""
    return found(await plans.fetch_live(connection, caller, plan_id), "No existe un plan con ese identificador.")


async def _locked_plan(session: AsyncSession, caller: Caller, plan_id: uuid.UUID, *, exclusive: bool) -> PlanRow:
    return found(
        await repository.lock_live_plan(session, caller, plan_id, exclusive=exclusive),
        "No existe un plan con ese identificador.",
    )


async def get_editable_plan(
    session: AsyncSession, caller: Caller, plan_id: uuid.UUID, *, exclusive: bool = False
) -> PlanRow:
    """The plan a write under it belongs to: visible, the caller's own, and not yet closed by evaluation.

    The plan stays locked until commit (see `repository.lock_live_plan`); deletions pass `exclusive=True`
    so their "nothing hangs from it" checks cannot race a new child.
    """
    plan = await _locked_plan(session, caller, plan_id, exclusive=exclusive)
    caller.ensure_writable(plan.organization_id, PLAN)
    if PlanStatus(plan.status) is PlanStatus.EVALUADO:
        raise Conflict("El plan ya fue evaluado: su contenido es de solo lectura.")
    return plan


async def list_plans(
    connection: DriverConnection,
    caller: Caller,
    params: PageParams,
    *,
    organization_id: uuid.UUID | None,
    year: int | None,
    status: PlanStatus | None,
) -> tuple[list[asyncpg.Record], str | None]:
    filters = {"organization_id": organization_id, "year": year, "status": status.value if status else None}
    return await plans.page(connection, caller, params, filters)


def _check_period(start: date, end: date) -> None:
    if start > end:
        raise field_error(
            "period_end",
            f"El fin del periodo ({end.isoformat()}) es anterior al inicio ({start.isoformat()}).",
        )


async def _check_previous_plan(
    session: AsyncSession, caller: Caller, previous_plan_id: uuid.UUID, organization_id: uuid.UUID, year: int
) -> None:
    previous = await plans.get_live(session, caller, previous_plan_id)
    if previous is None or previous.organization_id != organization_id:
        raise field_error("previous_plan_id", "El plan anterior debe ser un plan de la misma organización.")
    if previous.year >= year:
        raise field_error("previous_plan_id", "El plan anterior debe ser de un año anterior.")


async def create_plan(
    session: AsyncSession, caller: Caller, data: PlanCreate, *, status: PlanStatus = PlanStatus.BORRADOR
) -> PlanRow:
    organization_id = data.organization_id or caller.organization_id
    if organization_id is None:
        raise field_error("organization_id", "Una clave admin debe indicar la organización del plan.")
    # An organisation the caller cannot see is a bad reference in the body (422, like a goal's plan_id),
    # never a foreign-key violation at insert time.
    try:
        await organizations_service.get_organization(session, caller, organization_id)
    except NotFound:
        raise field_error("organization_id", messages.NO_SUCH_ORGANIZATION) from None
    caller.ensure_writable(organization_id, "una organización")
    period_start = data.period_start or date(data.year, 1, 1)
    period_end = data.period_end or date(data.year, 12, 31)
    _check_period(period_start, period_end)
    if data.previous_plan_id is not None:
        await _check_previous_plan(session, caller, data.previous_plan_id, organization_id, data.year)
    if await plans.exists_live(session, organization_id=organization_id, year=data.year):
        message = f"La organización ya tiene un plan para {data.year}."
        raise Conflict(message, errors=[ProblemFieldError(field="year", message=message)])
    values = data.model_dump(exclude={"organization_id", "period_start", "period_end"})
    values.update(
        organization_id=organization_id, period_start=period_start, period_end=period_end, status=status.value
    )
    return await records.insert_record(session, caller, plans, values, resource="plan")


async def update_plan(
    session: AsyncSession, caller: Caller, plan_id: uuid.UUID, data: PlanUpdate, expected_version: int
) -> PlanRow:
    plan = await _locked_plan(session, caller, plan_id, exclusive=True)
    caller.ensure_writable(plan.organization_id, PLAN)
    changes = data.model_dump(exclude_unset=True)
    for required in ("title", "status", "period_start", "period_end"):
        if required in changes and changes[required] is None:
            raise field_error(required, "Campo obligatorio: no puede ser null.")
    current = PlanStatus(plan.status)
    # Re-sending "evaluado" must not smuggle other changes into a closed plan.
    if current is PlanStatus.EVALUADO and set(changes) - {"status"}:
        raise Conflict("El plan ya fue evaluado: su contenido es de solo lectura.")
    if "status" in changes:
        target = PlanStatus(changes["status"])
        if target is not current and target not in PLAN_STATUS_TRANSITIONS[current]:
            allowed = ", ".join(s.value for s in PLAN_STATUS_TRANSITIONS[current]) or "ninguno"
            raise Conflict(
                f"Un plan {current.value} no puede pasar a {target.value}; estados permitidos: {allowed}.",
                extra={"allowed": [s.value for s in PLAN_STATUS_TRANSITIONS[current]]},
            )
        changes["status"] = target.value
    start = changes.get("period_start", plan.period_start)
    end = changes.get("period_end", plan.period_end)
    if "period_start" in changes or "period_end" in changes:
        _check_period(start, end)
        await _check_content_inside(session, plan.id, start, end)
    if changes.get("previous_plan_id") is not None:
        await _check_previous_plan(session, caller, changes["previous_plan_id"], plan.organization_id, plan.year)
    return await records.update_record(
        session, caller, plans, plan, expected_version=expected_version, values=changes, resource="plan"
    )


async def _check_content_inside(session: AsyncSession, plan_id: uuid.UUID, start: date, end: date) -> None:
    """A new period must still hold every activity, execution month and measurement already recorded."""
    outside = await repository.activities_outside(session, plan_id, start, end)
    if outside:
        message = "Hay actividades por fuera del nuevo periodo: " + ", ".join(sorted(outside)) + "."
        raise Conflict(message, errors=_period_errors(message))
    months = [
        month
        for month in await repository.progress_months(session, plan_id)
        if not _overlaps(Month.parse(month).period, start, end)
    ]
    if months:
        message = "Hay ejecución registrada por fuera del nuevo periodo: " + ", ".join(sorted(set(months))) + "."
        raise Conflict(message, errors=_period_errors(message))
    periods = [
        code
        for code in await repository.measurement_periods(session, plan_id)
        if not _overlaps(Period.parse(code), start, end)
    ]
    if periods:
        message = "Hay mediciones por fuera del nuevo periodo: " + ", ".join(sorted(set(periods))) + "."
        raise Conflict(message, errors=_period_errors(message))


def _overlaps(period: Period, start: date, end: date) -> bool:
    """The rule measurements and progress were accepted under: the period touches the plan's."""
    return not (period.end_date < start or period.start_date > end)


def _period_errors(message: str) -> list[ProblemFieldError]:
    return [
        ProblemFieldError(field="period_start", message=message),
        ProblemFieldError(field="period_end", message=message),
    ]


async def delete_plan(
    session: AsyncSession, caller: Caller, plan_id: uuid.UUID, expected_version: int, *, cascade: bool
) -> None:
    plan = await _locked_plan(session, caller, plan_id, exclusive=True)
    caller.ensure_writable(plan.organization_id, PLAN)
    if not cascade and await repository.has_live_progress(session, plan.id):
        raise Conflict("El plan tiene ejecución registrada; bórrelo con ?cascade=true si de verdad quiere perderla.")
    await records.delete_record(session, caller, plans, plan, expected_version=expected_version, resource="plan")
    await repository.tombstone_children(session, plan_id=plan.id)


async def plan_tree(connection: DriverConnection, caller: Caller, plan_id: uuid.UUID) -> tuple[dict[str, Any], str]:
    """The whole plan (`PlanTree`'s fields, from the stored columns) and its weak ETag.

    Four statements on the driver connection: the plan in the caller's scope, then its live goals,
    activities and indicators in display order.
    """
    plan = await read_plan(connection, caller, plan_id)
    goal_rows, activity_rows, indicator_rows = await repository.fetch_tree_rows(connection, plan["id"])
    indicator_fields, activity_fields, goal_fields = (
        tuple(IndicatorNode.model_fields),
        tuple(name for name in ActivityNode.model_fields if name != "indicators"),
        tuple(name for name in GoalNode.model_fields if name != "activities"),
    )
    indicators_by_activity: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for indicator in indicator_rows:
        indicators_by_activity[indicator["activity_id"]].append({name: indicator[name] for name in indicator_fields})
    activities_by_goal: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for activity in activity_rows:
        node = {name: activity[name] for name in activity_fields}
        node["indicators"] = indicators_by_activity.get(activity["id"], [])
        activities_by_goal[activity["goal_id"]].append(node)
    goals_by_axis: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for goal in goal_rows:
        node = {name: goal[name] for name in goal_fields}
        node["activities"] = activities_by_goal.get(goal["id"], [])
        goals_by_axis[goal["axis"]].append(node)
    axes = [{"axis": axis.value, "name": axis.label, "goals": goals_by_axis.get(axis.value, [])} for axis in Axis]
    tree = {name: plan[name] for name in Plan.model_fields}
    tree["axes"] = axes
    return tree, tree_etag(tree)


def _cut_off_month(as_of: str | None) -> Month:
    """The `as_of` month of a progress summary; without one, the current month in Bogotá."""
    if as_of is None:
        today = bogota_date(datetime.now(UTC))
        return Month(today.year, today.month)
    try:
        return Month.parse(as_of)
    except ValueError as error:
        raise field_error("as_of", str(error)) from None


async def progress_summary_tag(
    session: AsyncSession, caller: Caller, plan_id: uuid.UUID, as_of: str | None
) -> tuple[PlanRow, Month, str]:
    """The plan, the cut-off month and the summary's weak ETag, without computing the summary itself.

    The ETag covers the plan's version, the month and the fingerprint of everything under the plan, so a
    client revalidating an unchanged summary costs an index scan instead of the GROUP BY.
    """
    month = _cut_off_month(as_of)
    plan = await get_plan(session, caller, plan_id)
    fingerprint = await repository.progress_fingerprint(session, plan.id)
    digest = hashlib.sha256(f"{plan.id}:{plan.version}:{month.code}:{fingerprint}".encode()).hexdigest()[:32]
    return plan, month, f'W/"progress-{digest}"'


async def progress_summary(session: AsyncSession, plan: PlanRow, month: Month) -> PlanProgressSummary:
    """Each live activity's programme and its execution summed up to and including the `month`."""
    rows = await repository.progress_totals(session, plan.id, month.code)
    records = [row._asdict() for row in rows]
    for record in records:
        record["flagged_months"] = record["flagged_months"] or []
    # One validation for the whole answer (2,000 activities validate several times faster than one by one).
    return PlanProgressSummary.model_validate(
        {
            "plan_id": plan.id,
            "year": plan.year,
            "title": plan.title,
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "as_of": month.code,
            "activities": records,
        }
    )


async def find_plan_for_year(
    session: AsyncSession, caller: Caller, organization_id: uuid.UUID, year: int
) -> PlanRow | None:
    """The organisation's live plan of a year, if the caller can see it (imports upsert onto it).

    At most one: a live plan is unique per organisation and year (`uq_plans_org_year`).
    """
    rows = await plans.all_live(session, caller, organization_id=organization_id, year=year)
    return rows[0] if rows else None


async def plan_contents(
    session: AsyncSession, plan_id: uuid.UUID
) -> tuple[Sequence[GoalRow], Sequence[ActivityRow], Sequence[IndicatorRow]]:
    """A plan's live goals, activities and indicators, for importers and exporters that work on whole plans."""
    return await repository.tree_rows(session, plan_id)


async def insert_goals(session: AsyncSession, plan: PlanRow, rows: list[dict[str, Any]]) -> None:
    """Bulk-insert goals validated by the caller (imports); each row carries its own id."""
    await goals.insert_many(
        session, [{**row, "plan_id": plan.id, "organization_id": plan.organization_id} for row in rows]
    )


async def update_goal_fields(session: AsyncSession, caller: Caller, row: GoalRow, values: dict[str, Any]) -> GoalRow:
    """Apply checked changes to a goal at its current version (imports re-applying a file)."""
    return await records.update_record(
        session, caller, goals, row, expected_version=row.version, values=values, resource="goal"
    )


async def start_execution(session: AsyncSession, caller: Caller, plan: PlanRow) -> PlanRow:
    """Move a plan to en_ejecucion along the allowed steps (a follow-up file reports execution)."""
    current = PlanStatus(plan.status)
    if current in (PlanStatus.EN_EJECUCION, PlanStatus.EVALUADO):
        return plan
    return await records.update_record(
        session,
        caller,
        plans,
        plan,
        expected_version=plan.version,
        values={"status": PlanStatus.EN_EJECUCION.value},
        resource="plan",
    )


def tree_etag(tree: dict[str, Any]) -> str:
    """A weak ETag over every record in the tree, so adding, changing or deleting any of them changes it."""
    digest = hashlib.sha256(f"{tree['id']}:{tree['version']}".encode())
    for axis in tree["axes"]:
        for goal in axis["goals"]:
            digest.update(f"|g{goal['id']}:{goal['version']}".encode())
            for activity in goal["activities"]:
                digest.update(f"|a{activity['id']}:{activity['version']}".encode())
                for indicator in activity["indicators"]:
                    digest.update(f"|i{indicator['id']}:{indicator['version']}".encode())
    return f'W/"tree-{digest.hexdigest()[:32]}"'


async def get_goal(session: AsyncSession, caller: Caller, goal_id: uuid.UUID) -> GoalRow:
    return found(await goals.get_live(session, caller, goal_id), "No existe una meta con ese identificador.")


async def read_goal(connection: DriverConnection, caller: Caller, goal_id: uuid.UUID) -> asyncpg.Record:
    return found(await goals.fetch_live(connection, caller, goal_id), "No existe una meta con ese identificador.")


async def list_goals(
    connection: DriverConnection,
    caller: Caller,
    params: PageParams,
    *,
    plan_id: uuid.UUID | None,
    axis: Axis | None,
) -> tuple[list[asyncpg.Record], str | None]:
    return await goals.page(connection, caller, params, {"plan_id": plan_id, "axis": axis.value if axis else None})


async def _ensure_goal_code_free(session: AsyncSession, plan_id: uuid.UUID, axis: str, line: str, code: str) -> None:
    if await goals.exists_live(session, plan_id=plan_id, axis=axis, line=line, code=code):
        raise _goal_code_taken(axis, line, code)


def _goal_code_taken(axis: str, line: str, code: str) -> Conflict:
    message = f"Ya existe la meta {code} en el eje {axis}, línea {line}, de este plan."
    return Conflict(message, errors=[ProblemFieldError(field="code", message=message)])


async def create_goal(session: AsyncSession, caller: Caller, data: GoalCreate) -> GoalRow:
    try:
        plan = await get_editable_plan(session, caller, data.plan_id)
    except NotFound:
        raise field_error("plan_id", "No existe un plan con ese identificador.") from None
    await _ensure_goal_code_free(session, plan.id, data.axis.value, data.line, data.code)
    values = data.model_dump()
    values.update(axis=data.axis.value, organization_id=plan.organization_id)
    return await records.insert_record(session, caller, goals, values, resource="goal")


async def update_goal(
    session: AsyncSession, caller: Caller, goal_id: uuid.UUID, data: GoalUpdate, expected_version: int
) -> GoalRow:
    goal = await get_goal(session, caller, goal_id)
    await get_editable_plan(session, caller, goal.plan_id)
    changes = data.model_dump(exclude_unset=True)
    for required in ("axis", "line", "code", "text"):
        if required in changes and changes[required] is None:
            raise field_error(required, "Campo obligatorio: no puede ser null.")
    if "axis" in changes:
        changes["axis"] = Axis(changes["axis"]).value
    key = (changes.get("axis", goal.axis), changes.get("line", goal.line), changes.get("code", goal.code))
    if key != (goal.axis, goal.line, goal.code) and await goals.exists_live(
        session, plan_id=goal.plan_id, axis=key[0], line=key[1], code=key[2]
    ):
        raise _goal_code_taken(*key)
    return await records.update_record(
        session, caller, goals, goal, expected_version=expected_version, values=changes, resource="goal"
    )


async def delete_goal(
    session: AsyncSession, caller: Caller, goal_id: uuid.UUID, expected_version: int, *, cascade: bool
) -> None:
    goal = await get_goal(session, caller, goal_id)
    await get_editable_plan(session, caller, goal.plan_id, exclusive=True)
    activities = await repository.count_live_activities(session, goal.id)
    if activities and not cascade:
        raise Conflict(f"La meta tiene {activities} actividades; bórrelas primero o use ?cascade=true.")
    await records.delete_record(session, caller, goals, goal, expected_version=expected_version, resource="goal")
    await repository.tombstone_children(session, goal_id=goal.id)


async def tombstone_activity_children(session: AsyncSession, activity_id: uuid.UUID) -> None:
    """Progress, indicators and measurements of a deleted activity become tombstones too."""
    await repository.tombstone_activity_children(session, activity_id)
