"""What a parsed file asks Participa to store, whatever its layout: the plan, its goals and activities,
and (for follow-up files) the execution of each activity. Pure: no database, no HTTP.
"""

from dataclasses import dataclass, field
from datetime import date

from services.api.imports.parsed_plan import ParsedPlan
from services.api.imports.pisis import ParsedPisis, PisisKind

ActivityKey = tuple[str, str, str, str]
"""(axis, line, goal code, activity code): how files and plans name an activity."""


@dataclass
class DraftActivity:
    code: str
    text: str
    row: int | None
    target_text: str | None = None
    responsible: str | None = None
    schedule_months: list[int] = field(default_factory=list)
    planned_quantity: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    planned_budget: int = 0
    sequence: int | None = None
    target_group_code: str | None = None
    municipality_code: str | None = None
    indicator_text: str | None = None


@dataclass
class DraftGoal:
    axis: str
    line: str
    code: str
    text: str
    row: int | None
    baseline: str | None = None
    activities: list[DraftActivity] = field(default_factory=list)


@dataclass
class DraftProgress:
    key: ActivityKey
    row: int | None
    executed_quantity: int
    people_reached: int
    executed_budget: int
    executed: bool
    evidence_url: str | None
    note: str | None
    month: int | None = None
    """Month number of the plan's year; None means the file's cut-off month (`DraftPlan.progress_month`)."""
    sequence: int | None = None
    """A PISIS follow-up line's consecutive, municipality and codes: keys that must match the programming."""
    municipality_code: str | None = None
    target_group_code: str | None = None
    second_code: str | None = None


@dataclass
class DraftPlan:
    layout: str
    title: str
    year: int | None
    objective: str | None = None
    axes: list[str] = field(default_factory=list)
    goals: list[DraftGoal] = field(default_factory=list)
    progress: list[DraftProgress] = field(default_factory=list)
    progress_month: str | None = None

    @property
    def activities(self) -> list[DraftActivity]:
        return [activity for goal in self.goals for activity in goal.activities]


def from_spreadsheet(parsed: ParsedPlan) -> DraftPlan:
    """An association or EPS-annex sheet: goals with their activities, schedules and indicators."""
    draft = DraftPlan(
        layout=parsed.layout or "association",
        title=parsed.title or "Plan de acción",
        year=parsed.year,
        objective=parsed.objective,
        axes=[axis.axis.value for axis in parsed.axes],
    )
    for axis in parsed.axes:
        for goal in axis.goals:
            draft_goal = DraftGoal(
                axis=axis.axis.value,
                line=goal.line or "a",
                code=goal.code,
                text=goal.text,
                row=goal.row,
                baseline=goal.baseline,
            )
            for activity in goal.activities:
                draft_goal.activities.append(
                    DraftActivity(
                        code=activity.code,
                        text=activity.text,
                        row=activity.row,
                        target_text=activity.target_text,
                        responsible=activity.responsible,
                        schedule_months=sorted(set(activity.schedule_months)),
                        indicator_text=activity.indicator_text,
                    )
                )
                for month, quantity in activity.executed_by_month:
                    draft.progress.append(
                        DraftProgress(
                            key=(axis.axis.value, goal.line or "a", goal.code, activity.code),
                            row=activity.row,
                            executed_quantity=quantity,
                            people_reached=0,
                            executed_budget=0,
                            executed=quantity > 0,
                            evidence_url=None,
                            note=None,
                            month=month,
                        )
                    )
            draft.goals.append(draft_goal)
    return draft


def from_pisis(parsed: ParsedPisis) -> DraftPlan:
    """A PISIS programming file (goals and activities) or follow-up file (execution at the cut-off month)."""
    header = parsed.header
    cut_off = parsed.file_name_info.cut_off if parsed.file_name_info else None
    year = header.start_date.year if header else (cut_off.year if cut_off else None)
    if parsed.kind is PisisKind.FOLLOW_UP:
        month = cut_off or (header.end_date if header else None)
        draft = DraftPlan(
            layout="pisis_spps",
            title="",
            year=year,
            progress_month=f"{month.year:04d}-{month.month:02d}" if month else None,
        )
        for line in parsed.follow_up:
            draft.progress.append(
                DraftProgress(
                    key=(line.axis.value, line.line_letter, line.goal_code, line.activity_code),
                    row=line.line,
                    executed_quantity=line.executed_quantity,
                    people_reached=line.people_reached,
                    executed_budget=line.executed_budget,
                    executed=not line.not_executed,
                    evidence_url=line.evidence_url,
                    note=line.evidence_description or None,
                    sequence=line.consecutive,
                    municipality_code=line.municipality_code,
                    target_group_code=line.target_group_code,
                    second_code=line.second_code,
                )
            )
        return draft
    draft = DraftPlan(
        layout="pisis_ppps", title=f"Plan de acción PPSS {year} (PISIS)" if year else "Plan de acción PPSS", year=year
    )
    goals: dict[tuple[str, str, str], DraftGoal] = {}
    for programmed in parsed.programming:
        key = (programmed.axis.value, programmed.line_letter, programmed.goal_code)
        goal = goals.get(key)
        if goal is None:
            goal = DraftGoal(axis=key[0], line=key[1], code=key[2], text=programmed.goal_text, row=programmed.line)
            goals[key] = goal
            draft.goals.append(goal)
            if key[0] not in draft.axes:
                draft.axes.append(key[0])
        goal.activities.append(
            DraftActivity(
                code=programmed.activity_code,
                text=programmed.activity_text,
                row=programmed.line,
                planned_quantity=programmed.planned_quantity,
                start_date=programmed.start_date,
                end_date=programmed.end_date,
                planned_budget=programmed.planned_budget,
                sequence=programmed.consecutive,
                target_group_code=programmed.target_group_code,
                municipality_code=programmed.municipality_code,
            )
        )
    return draft
