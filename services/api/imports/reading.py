"""The reading step of a plan import: the uploaded file to a draft plan, every problem found reported.

Nothing here touches the database: :mod:`services.api.imports.service` writes the draft.
"""

from services.api.files.budget import ParseBudget
from services.api.files.formats import detect_format
from services.api.files.importing import ImportOutcome, Upload
from services.api.imports.draft import DraftActivity, DraftPlan, from_pisis, from_spreadsheet
from services.api.imports.pisis_read import parse_pisis
from services.api.imports.spreadsheet import read_plan_file
from shared.nit import parse_nit
from shared.schedule import months_spanned


async def read_draft(
    upload: Upload,
    outcome: ImportOutcome,
    budget: ParseBudget,
    *,
    organization_nit: str | None,
    year: int | None,
    sheet: str | None,
) -> tuple[str, DraftPlan | None]:
    """The file's format and its draft (None when the file could not be read), with the caller's `year`
    settled: it overrides the file's, and a file read without any year is an error."""
    if outcome.refuse_too_large(upload.size, "divida el plan o quite hojas que no sean del plan."):
        return "unknown", None
    if not upload.data:
        outcome.error("empty_file", "El archivo está vacío.")
        return "unknown", None
    file_format = detect_format(upload.data, upload.file_name)
    if file_format == "pisis":
        parsed_pisis = await budget.run(parse_pisis, upload.data, file_name=upload.file_name)
        outcome.add_parse_problems(parsed_pisis.problems)
        draft = from_pisis(parsed_pisis)
        file_nit = parsed_pisis.file_name_info.nit if parsed_pisis.file_name_info else None
        if organization_nit and file_nit and parse_nit(organization_nit).number != file_nit.lstrip("0"):
            outcome.warning(
                "organization_nit_mismatch",
                f"El nombre del archivo trae el NIT {file_nit}, pero la organización tiene {organization_nit}.",
                column="nombre_archivo",
            )
    else:
        parsed_plan = await budget.run(read_plan_file, upload.data, file_name=upload.file_name, sheet=sheet)
        outcome.add_parse_problems(parsed_plan.problems)
        draft = from_spreadsheet(parsed_plan)
    _settle_year(draft, year, outcome)
    return file_format, draft


def _settle_year(draft: DraftPlan, year: int | None, outcome: ImportOutcome) -> None:
    if year is not None:
        # The caller's year settles a file that names none.
        outcome.problems = [p for p in outcome.problems if p["code"] != "missing_year"]
        if draft.year is not None and draft.year != year:
            outcome.warning("year_mismatch", f"El archivo es del año {draft.year}; se importa como {year}.")
        draft.year = year
    elif (
        draft.year is None
        and (draft.goals or draft.progress)
        and not any(p["code"] == "missing_year" for p in outcome.problems)
    ):
        # Only for a file that was read: an unreadable one (binary, zip bomb) has its own error, and
        # asking for its year would send the user after the wrong problem.
        outcome.error("missing_year", "El archivo no indica el año del plan; envíe el campo year.")


def draft_counts(draft: DraftPlan | None) -> dict[str, int]:
    """The report's counts of what the file holds."""
    if draft is None:
        return {"axes": 0, "goals": 0, "activities": 0, "indicators": 0, "schedule_months": 0, "progress_rows": 0}
    activities = draft.activities
    return {
        "axes": len(draft.axes),
        "goals": len(draft.goals),
        "activities": len(activities),
        "indicators": sum(1 for activity in activities if activity.indicator_text),
        "schedule_months": sum(len(months_of(activity)) for activity in activities),
        "progress_rows": len(draft.progress),
    }


def months_of(activity: DraftActivity) -> list[int]:
    """The months an activity is programmed in: marked in the sheet, or spanned by its dates (PISIS)."""
    if activity.schedule_months:
        return activity.schedule_months
    if activity.start_date and activity.end_date:
        return months_spanned(activity.start_date, activity.end_date)
    return []
