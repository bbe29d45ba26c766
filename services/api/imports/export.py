"""Plans written back as files: the association layout (CSV, XLSX) and the Ministry's PISIS annexes."""

import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from services.api.access.caller import Caller
from services.api.activities import service as activities_service
from services.api.imports.layout_export import ExportActivity, ExportAxis, ExportGoal, ExportPlan, write_csv, write_xlsx
from services.api.imports.pisis import FollowUpLine, PisisKind, ProgrammingLine, format_file_name
from services.api.imports.pisis_write import PisisWriteError, write_follow_up, write_programming
from services.api.models import ActivityProgressRow, ActivityRow, GoalRow, IndicatorRow, PlanRow
from services.api.organizations import service as organizations_service
from services.api.plans import service as plans_service
from services.kit.errors import Conflict
from shared.contract import ProblemFieldError
from shared.enums import Axis
from shared.nit import parse_nit


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"
    PISIS_PPPS = "pisis-ppps"
    PISIS_SPPS = "pisis-spps"


MEDIA_TYPES = {
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.PISIS_PPPS: "text/plain; charset=iso-8859-1",
    ExportFormat.PISIS_SPPS: "text/plain; charset=iso-8859-1",
}


@dataclass(frozen=True)
class ExportedFile:
    content: bytes
    file_name: str
    media_type: str


@dataclass(frozen=True)
class _PlanData:
    plan: PlanRow
    goals: Sequence[GoalRow]
    activities: Sequence[ActivityRow]
    indicators: Sequence[IndicatorRow]
    progress: Sequence[ActivityProgressRow]


async def export_plan(
    session: AsyncSession, caller: Caller, plan_id: uuid.UUID, file_format: ExportFormat
) -> ExportedFile:
    plan = await plans_service.get_plan(session, caller, plan_id)
    goals, activities, indicators = await plans_service.plan_contents(session, plan.id)
    progress = await activities_service.plan_progress(session, caller, plan.id)
    data = _PlanData(plan, goals, activities, indicators, progress)
    if file_format is ExportFormat.CSV:
        return ExportedFile(write_csv(_layout_plan(data)), f"plan_accion_{plan.year}.csv", MEDIA_TYPES[file_format])
    if file_format is ExportFormat.XLSX:
        return ExportedFile(write_xlsx(_layout_plan(data)), f"plan_accion_{plan.year}.xlsx", MEDIA_TYPES[file_format])
    organization = await organizations_service.get_organization(session, caller, plan.organization_id)
    if not organization.nit:
        raise Conflict(
            "La organización no tiene NIT registrado; los archivos PISIS lo necesitan.",
            errors=[ProblemFieldError(field="nit", message="Registre el NIT de la organización.")],
        )
    nit = parse_nit(organization.nit).number
    kind = PisisKind.PROGRAMMING if file_format is ExportFormat.PISIS_PPPS else PisisKind.FOLLOW_UP
    name = format_file_name(kind, plan.period_end, nit)
    try:
        if kind is PisisKind.PROGRAMMING:
            content = write_programming(
                nit, plan.period_start, plan.period_end, _programming_lines(data, organization.municipality_code)
            )
        else:
            content = write_follow_up(
                nit, plan.period_start, plan.period_end, _follow_up_lines(data, organization.municipality_code)
            )
    except PisisWriteError as error:
        raise Conflict(str(error)) from None
    return ExportedFile(content, name, MEDIA_TYPES[file_format])


def _goal_number(code: str) -> str | None:
    """`M04` is written `4.` in the sheet, so the parser reads back the same code."""
    match = re.fullmatch(r"M0*(\d+)", code)
    return f"{match.group(1)}." if match else None


def _layout_plan(data: _PlanData) -> ExportPlan:
    formulas: dict[uuid.UUID, str] = {}
    for indicator in data.indicators:
        formulas.setdefault(indicator.activity_id, indicator.formula_text or indicator.name)
    executed: dict[uuid.UUID, dict[int, int]] = defaultdict(dict)
    for row in data.progress:
        year, month = (int(part) for part in row.month.split("-"))
        if year == data.plan.year:
            executed[row.activity_id][month] = executed[row.activity_id].get(month, 0) + row.executed_quantity
    activities_by_goal: dict[uuid.UUID, list[ActivityRow]] = defaultdict(list)
    for activity in data.activities:
        activities_by_goal[activity.goal_id].append(activity)
    goals_by_axis: dict[str, list[ExportGoal]] = defaultdict(list)
    for goal in data.goals:
        goals_by_axis[goal.axis].append(
            ExportGoal(
                code=goal.code,
                number=_goal_number(goal.code),
                text=goal.text,
                baseline=goal.baseline,
                line=goal.line,
                activities=[
                    ExportActivity(
                        code=activity.code,
                        text=activity.text,
                        target_text=activity.target_text,
                        indicator_text=formulas.get(activity.id),
                        schedule_months=list(activity.schedule_months),
                        responsible=activity.responsible,
                        executed_by_month=executed.get(activity.id, {}),
                    )
                    for activity in activities_by_goal.get(goal.id, [])
                ],
            )
        )
    axes = [ExportAxis(axis=axis, goals=goals_by_axis[axis.value]) for axis in Axis if goals_by_axis.get(axis.value)]
    return ExportPlan(title=data.plan.title, year=data.plan.year, objective=data.plan.objective, axes=axes)


def _ordered(data: _PlanData) -> list[tuple[GoalRow, ActivityRow]]:
    goals = {goal.id: goal for goal in data.goals}
    pairs = [(goals[a.goal_id], a) for a in data.activities if a.goal_id in goals]
    return sorted(
        pairs, key=lambda pair: (pair[1].sequence or 10**9, pair[0].axis, pair[0].line, pair[0].code, pair[1].code)
    )


def _missing_pisis_fields(pairs: list[tuple[GoalRow, ActivityRow]], municipality: str | None) -> None:
    errors: list[ProblemFieldError] = []
    for goal, activity in pairs:
        key = f"{goal.axis}.{goal.line}.{goal.code}/{activity.code}"
        if not activity.target_group_code:
            errors.append(
                ProblemFieldError(
                    field=f"activities[{key}].target_group_code",
                    message=f"La actividad {key} no tiene código de población (2 dígitos).",
                )
            )
        if not (activity.municipality_code or municipality):
            errors.append(
                ProblemFieldError(
                    field=f"activities[{key}].municipality_code", message=f"La actividad {key} no tiene municipio DANE."
                )
            )
    if errors:
        raise Conflict(
            f"Faltan datos que PISIS exige en {len(errors)} campos; complételos antes de exportar.", errors=errors[:100]
        )


def _programming_lines(data: _PlanData, municipality: str | None) -> list[ProgrammingLine]:
    pairs = _ordered(data)
    _missing_pisis_fields(pairs, municipality)
    return [
        ProgrammingLine(
            line=number + 1,
            consecutive=activity.sequence or number,
            municipality_code=activity.municipality_code or municipality or "",
            axis=Axis(goal.axis),
            line_letter=goal.line,
            goal_code=goal.code,
            goal_text=goal.text,
            activity_code=activity.code,
            activity_text=activity.text,
            planned_quantity=activity.planned_quantity,
            target_group_code=activity.target_group_code or "",
            start_date=activity.start_date,
            end_date=activity.end_date,
            planned_budget=activity.planned_budget,
        )
        for number, (goal, activity) in enumerate(pairs, start=1)
    ]


def _follow_up_lines(data: _PlanData, municipality: str | None) -> list[FollowUpLine]:
    """One line per activity: its execution summed over the plan's months, as the annual follow-up reports it."""
    pairs = _ordered(data)
    _missing_pisis_fields(pairs, municipality)
    by_activity: dict[uuid.UUID, list[ActivityProgressRow]] = defaultdict(list)
    for row in sorted(data.progress, key=lambda row: row.month):
        if data.plan.period_start <= date(int(row.month[:4]), int(row.month[5:7]), 1) <= data.plan.period_end:
            by_activity[row.activity_id].append(row)
    lines = []
    for number, (goal, activity) in enumerate(pairs, start=1):
        rows = by_activity.get(activity.id, [])
        quantity = sum(row.executed_quantity for row in rows)
        evidence = next((row.evidence_url for row in reversed(rows) if row.evidence_url), None)
        note = next((row.note for row in reversed(rows) if row.note), "")
        # "NO EJECUTADA" is what the rows say, whatever the quantity: a follow-up line may report both (the
        # importer warns about it), and its export must give that line back as it was.
        not_executed = not any(row.executed for row in rows)
        lines.append(
            FollowUpLine(
                line=number + 1,
                consecutive=activity.sequence or number,
                municipality_code=activity.municipality_code or municipality or "",
                axis=Axis(goal.axis),
                line_letter=goal.line,
                goal_code=goal.code,
                activity_code=activity.code,
                executed_quantity=quantity,
                target_group_code=activity.target_group_code or "",
                people_reached=sum(row.people_reached for row in rows),
                executed_budget=sum(row.executed_budget for row in rows),
                second_code=activity.target_group_code or "",
                evidence_url=None if not_executed else evidence,
                not_executed=not_executed,
                evidence_description=note or "",
            )
        )
    return lines
