"""Plan imports: parse any supported file, check it whole, then write it in one step or not at all.

The dry run and the commit run the very same writes inside a savepoint; the dry run rolls it back. So a
dry run that passes guarantees the commit passes, and a failing file leaves nothing behind but its report.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.access import messages
from services.api.access.caller import Caller
from services.api.activities import service as activities_service
from services.api.activities.schemas import ActivityCreate
from services.api.files.budget import ParseBudget
from services.api.files.importing import ImportOutcome, Upload, keep_report, write_or_roll_back
from services.api.imports.draft import (
    ActivityKey,
    DraftActivity,
    DraftGoal,
    DraftPlan,
    DraftProgress,
)
from services.api.imports.indicator_text import read_indicator
from services.api.imports.reading import draft_counts, read_draft
from services.api.indicators import service as indicators_service
from services.api.models import ActivityRow, GoalRow, ImportRow, PlanRow
from services.api.organizations import service as organizations_service
from services.api.plans import service as plans_service
from services.api.plans.schemas import GoalCreate, PlanCreate
from services.kit.errors import ApiError, NotFound, field_error, validation_errors
from shared.enums import PlanStatus

PLACEHOLDER_ID = uuid.UUID(int=0)

# Activity fields a re-import compares with the stored plan, in the order differences are listed.
COMPARED_ACTIVITY_FIELDS = (
    "text",
    "target_text",
    "responsible",
    "planned_quantity",
    "start_date",
    "end_date",
    "planned_budget",
    "schedule_months",
    "sequence",
    "target_group_code",
    "municipality_code",
)


@dataclass
class Outcome(ImportOutcome):
    """What checking and applying a plan file produced, before it becomes a stored report."""

    plan_id: uuid.UUID | None = None
    new_plan: bool = False
    """The file creates its plan (inside the savepoint): a rollback leaves no plan behind."""

    def added(self, kind: str, key: str) -> None:
        # Under a new plan everything is added: one entry per goal and activity would only repeat the counts,
        # and a 10,000-activity file would store (and list under /v1/imports) a report of ~0.8 MB.
        if not self.new_plan:
            self.differences.append({"change": "added", "kind": kind, "key": key, "fields": []})

    def forget_rolled_back_plan(self) -> None:
        """A plan created inside the rolled-back savepoint no longer exists: the report must not point at it
        (its `plan_id` is a foreign key, so keeping it would fail the report's own insert)."""
        if self.new_plan:
            self.plan_id = None


def _key(goal: DraftGoal | GoalRow, activity_code: str | None = None) -> str:
    base = f"{goal.axis}.{goal.line}.{goal.code}"
    return f"{base}/{activity_code}" if activity_code else base


async def import_plan_file(
    session: AsyncSession,
    caller: Caller,
    *,
    upload: Upload,
    organization_id: uuid.UUID | None,
    year: int | None,
    dry_run: bool,
    accepted_warnings: set[str] | None,
    sheet: str | None,
    parse_timeout_s: float | None = None,
) -> ImportRow:
    """Check a plan file and, unless it is a dry run or it has blocking problems, store it. Always reported.

    `upload` may hold only the first `MAX_IMPORT_BYTES + 1` bytes of a larger file, with the whole one's size
    and sha256, so the report states its real size and fingerprint. The file is read in a worker thread
    within `parse_timeout_s` (the settings' by default), else `ParseTimeout` (422).
    """
    budget = ParseBudget.within(parse_timeout_s)
    target_organization = organization_id or caller.organization_id
    if target_organization is None:
        raise field_error("organization_id", "Una clave admin debe indicar la organización del plan.")
    try:
        organization = await organizations_service.get_organization(session, caller, target_organization)
    except NotFound:
        raise field_error("organization_id", messages.NO_SUCH_ORGANIZATION) from None
    caller.ensure_writable(organization.id, "una organización")

    outcome = Outcome()
    file_format, draft = await read_draft(
        upload, outcome, budget, organization_nit=organization.nit, year=year, sheet=sheet
    )

    async def write() -> None:
        assert draft is not None
        await _apply(session, caller, organization.id, draft, outcome)

    status = await write_or_roll_back(
        session,
        outcome,
        write,
        ready=draft is not None and draft.year is not None,
        dry_run=dry_run,
        accepted_warnings=accepted_warnings,
        on_rollback=outcome.forget_rolled_back_plan,
    )
    return await keep_report(
        session,
        caller,
        kind="plan",
        resource="plan_import",
        organization_id=organization.id,
        upload=upload,
        status=status,
        outcome=outcome,
        file_format=file_format,
        layout=draft.layout if draft else None,
        year=draft.year if draft else year,
        counts=draft_counts(draft),
        plan_id=outcome.plan_id,
    )


async def _apply(
    session: AsyncSession, caller: Caller, organization_id: uuid.UUID, draft: DraftPlan, outcome: Outcome
) -> None:
    assert draft.year is not None
    plan = await plans_service.find_plan_for_year(session, caller, organization_id, draft.year)
    if plan is not None:
        # Known before any check that may refuse it (an evaluated plan): the report names the plan at stake.
        outcome.plan_id = plan.id
    if draft.layout == "pisis_spps":
        if plan is None:
            outcome.error(
                "plan_not_found",
                f"No hay plan {draft.year} de la organización para este seguimiento; "
                "importe primero su programación (PPS190PPPS).",
            )
            return
        await _apply_progress(session, caller, plan, draft, outcome)
        return
    if plan is None:
        plan = await plans_service.create_plan(
            session,
            caller,
            PlanCreate(
                organization_id=organization_id,
                year=draft.year,
                title=draft.title[:500] or "Plan de acción",
                objective=(draft.objective or None) and draft.objective[:5000],
            ),
            status=PlanStatus.FORMULADO,
        )
        outcome.differences.append({"change": "added", "kind": "plan", "key": str(draft.year), "fields": []})
        outcome.new_plan = True
    else:
        plan = await plans_service.get_editable_plan(session, caller, plan.id, exclusive=True)
    outcome.plan_id = plan.id
    await _apply_structure(session, caller, plan, draft, outcome)
    if draft.progress and not outcome.has_errors:
        await _apply_progress(session, caller, plan, draft, outcome)


def _validation_problems(outcome: Outcome, error: ValidationError, row: int | None) -> None:
    for problem in validation_errors(error.errors()):
        outcome.error("invalid_value", f"{problem.field}: {problem.message}", row=row, column=problem.field)


async def _apply_structure(
    session: AsyncSession, caller: Caller, plan: PlanRow, draft: DraftPlan, outcome: Outcome
) -> None:
    stored_goals, stored_activities, stored_indicators = await plans_service.plan_contents(session, plan.id)
    goals_by_key = {(g.axis, g.line, g.code): g for g in stored_goals}
    activities_by_key = {(a.goal_id, a.code): a for a in stored_activities}
    formulas_by_activity: dict[uuid.UUID, set[str]] = {}
    for indicator in stored_indicators:
        formulas_by_activity.setdefault(indicator.activity_id, set()).add(indicator.formula_text or indicator.name)

    new_goals: list[dict[str, Any]] = []
    new_activities: list[dict[str, Any]] = []
    new_indicators: list[dict[str, Any]] = []
    seen_goals: set[uuid.UUID] = set()
    seen_activities: set[uuid.UUID] = set()
    for goal in draft.goals:
        try:
            checked_goal = GoalCreate(
                plan_id=plan.id,
                axis=goal.axis,
                line=goal.line,
                code=goal.code,
                text=goal.text,
                baseline=goal.baseline,
            )
        except ValidationError as error:
            _validation_problems(outcome, error, goal.row)
            continue
        stored_goal = goals_by_key.get((goal.axis, goal.line, goal.code))
        if stored_goal is None:
            goal_id = uuid.uuid4()
            new_goals.append(
                {
                    "id": goal_id,
                    "axis": goal.axis,
                    "line": goal.line,
                    "code": goal.code,
                    "text": checked_goal.text,
                    "baseline": checked_goal.baseline,
                }
            )
            outcome.added("goal", _key(goal))
        else:
            goal_id = stored_goal.id
            seen_goals.add(goal_id)
            changed = [
                name for name in ("text", "baseline") if getattr(stored_goal, name) != getattr(checked_goal, name)
            ]
            if changed:
                outcome.differences.append({"change": "changed", "kind": "goal", "key": _key(goal), "fields": changed})
                await plans_service.update_goal_fields(
                    session, caller, stored_goal, {name: getattr(checked_goal, name) for name in changed}
                )
        for activity in goal.activities:
            values = _activity_values(plan, goal, activity, outcome)
            if values is None:
                continue
            stored_activity = activities_by_key.get((goal_id, activity.code))
            if stored_activity is None:
                activity_id = uuid.uuid4()
                new_activities.append({"id": activity_id, "goal_id": goal_id, **values})
                outcome.added("activity", _key(goal, activity.code))
            else:
                activity_id = stored_activity.id
                seen_activities.add(activity_id)
                changed = [
                    name
                    for name in COMPARED_ACTIVITY_FIELDS
                    if name in values and getattr(stored_activity, name) != values[name]
                ]
                if changed:
                    outcome.differences.append(
                        {"change": "changed", "kind": "activity", "key": _key(goal, activity.code), "fields": changed}
                    )
                    await activities_service.update_activity_fields(
                        session, caller, stored_activity, {name: values[name] for name in changed}
                    )
            if activity.indicator_text and activity.indicator_text not in formulas_by_activity.get(activity_id, set()):
                reading = read_indicator(activity.indicator_text)
                new_indicators.append(
                    {
                        "id": uuid.uuid4(),
                        "activity_id": activity_id,
                        "name": activity.indicator_text[:500],
                        "formula_text": activity.indicator_text[:2000],
                        "numerator_label": reading.numerator_label and reading.numerator_label[:500],
                        "denominator_label": reading.denominator_label and reading.denominator_label[:500],
                        "factor": 100,
                        "target": None,
                        "periodicity": "anual",
                        "kind": reading.kind.value,
                    }
                )
    if outcome.has_errors:
        return
    goals_by_id = {g.id: g for g in stored_goals}
    for stored_goal in stored_goals:
        if stored_goal.id not in seen_goals:
            outcome.differences.append(
                {"change": "missing_in_file", "kind": "goal", "key": _key(stored_goal), "fields": []}
            )
    for stored_activity in stored_activities:
        if stored_activity.id not in seen_activities and stored_activity.goal_id in goals_by_id:
            outcome.differences.append(
                {
                    "change": "missing_in_file",
                    "kind": "activity",
                    "key": _key(goals_by_id[stored_activity.goal_id], stored_activity.code),
                    "fields": [],
                }
            )
    await plans_service.insert_goals(session, plan, _batched(new_goals))
    await activities_service.insert_activities(session, plan, _batched(new_activities))
    await indicators_service.insert_indicators(session, plan, _batched(new_indicators))


def _batched(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with those that leave the same columns empty next to each other.

    When `insert_many` sends INSERTs, SQLAlchemy's ORM bulk INSERT leaves None values out of the statement
    (so server defaults apply) and starts a new batch whenever the set of left-out columns changes: goals
    with and without a baseline, or indicators with and without a denominator, interleaved as a sheet has
    them, cost one round trip each (10,000 indicators: 4.4 s instead of 1.3 s). Insertion order means
    nothing: lists are sorted by code.
    """
    return sorted(rows, key=lambda row: tuple(value is None for value in row.values()))


def _activity_values(
    plan: PlanRow, goal: DraftGoal, activity: DraftActivity, outcome: Outcome
) -> dict[str, Any] | None:
    """An activity of the file checked by the same schema and schedule rules as `POST /v1/activities`."""
    try:
        checked = ActivityCreate(
            goal_id=PLACEHOLDER_ID,
            code=activity.code,
            text=activity.text,
            target_text=activity.target_text,
            responsible=activity.responsible and activity.responsible[:300],
            planned_quantity=activity.planned_quantity,
            start_date=activity.start_date,
            end_date=activity.end_date,
            planned_budget=activity.planned_budget,
            schedule_months=activity.schedule_months or None,
            sequence=activity.sequence,
            target_group_code=activity.target_group_code,
            municipality_code=activity.municipality_code,
        )
    except ValidationError as error:
        _validation_problems(outcome, error, activity.row)
        return None
    values = checked.model_dump(exclude={"goal_id"})
    try:
        activities_service.fill_schedule(plan, values)
    except ApiError as error:
        outcome.error(
            "activity_without_schedule", f"Actividad {_key(goal, activity.code)}: {error.detail}", row=activity.row
        )
        return None
    for problem in activities_service.schedule_problems(plan, values):
        outcome.error(
            "invalid_schedule",
            f"Actividad {_key(goal, activity.code)}: {problem.message}",
            row=activity.row,
            column=problem.field,
        )
    values["schedule_months"] = sorted(set(values["schedule_months"]))
    return values


async def _apply_progress(
    session: AsyncSession, caller: Caller, plan: PlanRow, draft: DraftPlan, outcome: Outcome
) -> None:
    plan = await plans_service.get_editable_plan(session, caller, plan.id, exclusive=True)
    outcome.plan_id = plan.id
    stored_goals, stored_activities, _ = await plans_service.plan_contents(session, plan.id)
    goals_by_id = {g.id: g for g in stored_goals}
    activity_by_key: dict[ActivityKey, ActivityRow] = {}
    for stored_activity in stored_activities:
        stored_goal = goals_by_id.get(stored_activity.goal_id)
        if stored_goal is not None:
            key = (stored_goal.axis, stored_goal.line, stored_goal.code, stored_activity.code)
            activity_by_key[key] = stored_activity
    stored_progress = {
        (p.activity_id, p.month): p for p in await activities_service.plan_progress(session, caller, plan.id)
    }
    plan = await plans_service.start_execution(session, caller, plan)
    new_rows: list[dict[str, Any]] = []
    for item in draft.progress:
        activity = activity_by_key.get(item.key)
        key_text = f"{item.key[0]}.{item.key[1]}.{item.key[2]}/{item.key[3]}"
        if activity is None:
            outcome.error("unknown_activity", f"La actividad {key_text} no está en el plan {plan.year}.", row=item.row)
            continue
        if _check_follow_up_keys(item, activity, key_text, outcome):
            continue
        month = f"{plan.year:04d}-{item.month:02d}" if item.month is not None else draft.progress_month
        if month is None:
            outcome.error("missing_month", "No se pudo saber el mes de corte del seguimiento.", row=item.row)
            continue
        values = {
            "executed_quantity": item.executed_quantity,
            "people_reached": item.people_reached,
            "executed_budget": item.executed_budget,
            "executed": item.executed,
            "evidence_url": item.evidence_url and item.evidence_url[:2000],
            "note": item.note,
        }
        stored = stored_progress.get((activity.id, month))
        if stored is None:
            new_rows.append({"id": uuid.uuid4(), "activity_id": activity.id, "month": month, **values})
            outcome.added("progress", f"{key_text}@{month}")
        else:
            changed = [name for name, value in values.items() if getattr(stored, name) != value]
            if changed:
                outcome.differences.append(
                    {"change": "changed", "kind": "progress", "key": f"{key_text}@{month}", "fields": changed}
                )
                await activities_service.update_progress_fields(
                    session, caller, stored, {name: values[name] for name in changed}
                )
    if not outcome.has_errors:
        await activities_service.insert_progress(session, plan, _batched(new_rows))


# A follow-up line names its programmed activity by codes, and also repeats the programming's consecutive,
# municipality and target group: the export writes those back from the plan, so a line that disagrees
# would be silently rewritten. (file column, label, value in the line, value in the plan)
def _follow_up_keys(item: DraftProgress, activity: ActivityRow) -> list[tuple[str, str, object, object]]:
    return [
        ("consecutivo", "el consecutivo", item.sequence, activity.sequence),
        ("municipio", "el municipio", item.municipality_code, activity.municipality_code),
        ("codigo_poblacion", "el código de población", item.target_group_code, activity.target_group_code),
    ]


def _check_follow_up_keys(item: DraftProgress, activity: ActivityRow, key_text: str, outcome: Outcome) -> bool:
    """Report every key of a follow-up line that contradicts the programming; True when any does."""
    mismatched = False
    for column, label, written, stored in _follow_up_keys(item, activity):
        if written is not None and stored is not None and written != stored:
            mismatched = True
            outcome.error(
                "key_mismatch",
                f"La actividad {key_text} está programada con {label} {stored} y el seguimiento trae {written}.",
                row=item.row,
                column=column,
            )
    if not mismatched and item.second_code is not None:
        exported = activity.target_group_code or item.target_group_code
        if exported is not None and item.second_code != exported:
            # Participa has no column for this undocumented code; say so rather than lose it quietly.
            outcome.warning(
                "second_code_not_kept",
                f"El segundo código {item.second_code} de la actividad {key_text} no se guarda; al exportar el "
                f"seguimiento se escribe en su lugar el código de población {exported}.",
                row=item.row,
                column="segundo_codigo",
            )
    return mismatched
