"""Exports in the association layout: CSV and XLSX that read back as the same plan."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from services.api.imports.layout_export import (
    COLUMNS,
    ExportActivity,
    ExportAxis,
    ExportGoal,
    ExportPlan,
    from_parsed_plan,
    write_csv,
    write_xlsx,
)
from services.api.imports.parsed_plan import ParsedPlan
from services.api.imports.spreadsheet import read_plan_file
from shared.enums import Axis

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "tests" / "fixtures" / "plan_accion_asociacion_usuarios_2026.tsv"
EPS = ROOT / "tests" / "fixtures" / "plan_anexo_eps_2026.tsv"
WRITERS = {"csv": write_csv, "xlsx": write_xlsx}


def read_back(plan: ExportPlan, file_format: str) -> ParsedPlan:
    return read_plan_file(WRITERS[file_format](plan), file_name=f"export.{file_format}")


def axes_of(plan: ParsedPlan) -> list[tuple[object, ...]]:
    return [(axis.axis, axis.name, axis.lines_text) for axis in plan.axes]


def goals_of(plan: ParsedPlan) -> list[tuple[object, ...]]:
    return [(goal.code, goal.number, goal.text, goal.baseline, goal.line) for goal in plan.goals]


def activities_of(plan: ParsedPlan) -> list[tuple[object, ...]]:
    return [
        (
            goal.code,
            activity.code,
            activity.text,
            activity.schedule_months,
            activity.responsible,
            activity.indicator_text,
            activity.target_text,
            activity.executed_by_month,
        )
        for goal in plan.goals
        for activity in goal.activities
    ]


def problem_codes(plan: ParsedPlan) -> list[str]:
    return [problem.code for problem in plan.problems]


# --------------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
class TestRoundTrips:
    def test_seed(self, file_format: str) -> None:
        seed = read_plan_file(SEED.read_bytes(), file_name=SEED.name)
        again = read_back(from_parsed_plan(seed), file_format)
        assert (again.title, again.year, again.objective) == (seed.title, seed.year, seed.objective)
        assert axes_of(again) == axes_of(seed)
        assert goals_of(again) == goals_of(seed)
        assert activities_of(again) == activities_of(seed)
        # The stray X marks past December are gone; the empty eje 3 is still the plan's.
        assert problem_codes(seed).count("mark_outside_months") == 7
        assert problem_codes(again) == ["empty_axis"]

    def test_eps_annex(self, file_format: str) -> None:
        annex = read_plan_file(EPS.read_bytes(), file_name="anexo.tsv")
        assert annex.year is None
        # The caller gives the year; the export writes it, so the file no longer needs it.
        export = from_parsed_plan(annex)
        export = ExportPlan(export.title, 2026, export.objective, export.axes, export.eapb, export.responsible)
        again = read_back(export, file_format)
        assert again.problems == ()
        assert again.layout == "association"
        assert (again.year, again.eapb, again.responsible) == (2026, annex.eapb, annex.responsible)
        assert axes_of(again) == axes_of(annex)
        assert goals_of(again) == goals_of(annex)  # M0101… read back from the code column
        assert activities_of(again) == activities_of(annex)

    def test_plan_from_the_database(self, file_format: str) -> None:
        plan = database_plan()
        again = read_back(plan, file_format)
        assert again.problems == ()
        assert (again.title, again.year, again.objective, again.eapb) == (plan.title, 2026, None, "EPS Ejemplo")
        assert axes_of(again) == [
            (Axis.E1, "Fortalecimiento institucional", "Primera línea\nSegunda línea\nTercera línea"),
            (Axis.E4, "Control social en salud", None),
        ]
        assert goals_of(again) == [
            ("M01", None, "Meta de la línea a", "Línea de base 2025: 12 veedurías", "a"),
            # PISIS reuses M01 in every línea: the code column keeps both.
            ("M01", None, "Meta de la línea b", None, "b"),
            ("M07", "7.", "= meta que empieza con igual", None, "a"),
        ]
        assert activities_of(again) == [
            (
                "M01",
                "A01",
                "Taller de derechos",
                (2, 5),
                "Junta",
                "Talleres realizados / Talleres programados",
                "4 talleres",
                ((2, 1), (5, 0)),
            ),
            ("M01", "A03", "-Visita de seguimiento", (12,), "+57 300 000 0000", None, None, ()),
            ("M01", "A01", "@Campaña", (), None, "Número de piezas", None, ((1, 3),)),
            ("M07", "A01", "Actividad", (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), "Secretaría", None, None, ()),
        ]

    def test_goal_without_activities(self, file_format: str) -> None:
        plan = ExportPlan("Plan 2026", 2026, axes=[ExportAxis(Axis.E2, goals=[ExportGoal("M01", "1.", "Meta sola")])])
        again = read_back(plan, file_format)
        assert goals_of(again) == [("M01", "1.", "Meta sola", None, None)]
        assert problem_codes(again) == ["goal_without_activity"]


def database_plan() -> ExportPlan:
    """A plan as the database holds it: codes no number gives, lines, progress, hostile first characters."""
    return ExportPlan(
        title="Plan de acción PPSS",
        year=2026,
        eapb="EPS Ejemplo",
        axes=[
            ExportAxis(
                Axis.E1,
                name=None,
                lines_text="Primera línea\nSegunda línea\nTercera línea",
                goals=[
                    ExportGoal(
                        "M01",
                        None,
                        "Meta de la línea a",
                        baseline="Línea de base 2025: 12 veedurías",
                        line="a",
                        activities=[
                            ExportActivity(
                                "A01",
                                "Taller de derechos",
                                target_text="4 talleres",
                                indicator_text="Talleres realizados / Talleres programados",
                                schedule_months=(2, 5),
                                responsible="Junta",
                                executed_by_month={5: 0, 2: 1},
                            ),
                            ExportActivity(
                                "A03",
                                "-Visita de seguimiento",
                                schedule_months=[12],
                                responsible="+57 300 000 0000",
                            ),
                        ],
                    ),
                    ExportGoal(
                        "M01",
                        None,
                        "Meta de la línea b",
                        line="b",
                        activities=[
                            ExportActivity(
                                "A01", "@Campaña", indicator_text="Número de piezas", executed_by_month={1: 3}
                            )
                        ],
                    ),
                ],
            ),
            ExportAxis(
                Axis.E4,
                goals=[
                    ExportGoal(
                        "M07",
                        "7.",
                        "= meta que empieza con igual",
                        line="a",
                        activities=[
                            ExportActivity("A01", "Actividad", schedule_months=range(1, 13), responsible="Secretaría")
                        ],
                    )
                ],
            ),
        ],
    )


# --------------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------------


class TestCsv:
    def test_bom_semicolons_crlf_and_no_sep_line(self) -> None:
        data = write_csv(database_plan())
        assert data.startswith(b"\xef\xbb\xbfPlan de acci\xc3\xb3n PPSS;")
        assert b"sep=" not in data
        assert data.endswith(b"\r\n")
        assert b"\n" not in data.replace(b"\r\n", b"")
        records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
        assert {len(record) for record in records} == {len(COLUMNS)}
        assert records[0][0] == "Plan de acción PPSS"
        assert [record[0] for record in records[1:4]] == ["EAPB: EPS Ejemplo", "VIGENCIA: 2026", ""]
        assert records[4] == list(COLUMNS)

    def test_cells_excel_would_run_as_formulas_start_with_a_tab(self) -> None:
        text = write_csv(database_plan()).decode("utf-8-sig")
        cells = {cell for record in csv.reader(io.StringIO(text, newline=""), delimiter=";") for cell in record}
        assert {"\t-Visita de seguimiento", "\t+57 300 000 0000", "\t@Campaña"} <= cells
        # The goal cell starts with its number, so it needs no tab.
        assert "7. = meta que empieza con igual" in cells

    def test_executed_quantities_and_total(self) -> None:
        records = list(
            csv.reader(io.StringIO(write_csv(database_plan()).decode("utf-8-sig"), newline=""), delimiter=";")
        )
        row = next(record for record in records if record[5] == "Taller de derechos")
        executed = COLUMNS.index("Ejecutado")
        assert row[executed : executed + 12] == ["", "1", "", "", "0", "", "", "", "", "", "", ""]
        assert row[-1] == "1"
        marks = COLUMNS.index("Cronograma")
        assert row[marks : marks + 12] == ["", "X", "", "", "X", "", "", "", "", "", "", ""]
        assert row[COLUMNS.index("Responsable")] == "Junta"


# --------------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------------


def exported_sheet() -> Worksheet:
    workbook = openpyxl.load_workbook(io.BytesIO(write_xlsx(database_plan())))
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    return sheet


class TestXlsx:
    def test_sheet_and_header(self) -> None:
        sheet = exported_sheet()
        assert sheet.title == "Plan de acción 2026"
        assert sheet["A1"].value == "Plan de acción PPSS"
        assert sheet["A1"].font.bold
        header = next(row for row in sheet.iter_rows(min_row=1, max_row=10) if row[0].value == "Código meta")
        assert all(cell.font.bold for cell in header if cell.value)
        assert [cell.value for cell in header if cell.value] == [name for name in COLUMNS if name]
        number = header[0].row
        assert number is not None
        assert sheet.freeze_panes == f"D{number + 2}"
        assert sheet.print_title_rows == f"${number}:${number + 1}"
        assert f"I{number}:T{number}" in {str(merged) for merged in sheet.merged_cells.ranges}

    def test_columns(self) -> None:
        sheet = exported_sheet()
        assert sheet.column_dimensions["I"].width == 4  # January of the X grid
        assert sheet.column_dimensions["T"].width == 4  # December
        assert sheet.column_dimensions["C"].width == 45  # the goal
        workshop = next(row for row in sheet.iter_rows() if row[5].value == "Taller de derechos")
        assert workshop[5].alignment.wrap_text
        assert (workshop[9].value, workshop[9].fill.fgColor.rgb) == ("X", "00C6EFCE")  # February marked
        assert workshop[8].value is None
        assert (workshop[22].value, workshop[22].number_format) == (1, "0")  # executed in February
        assert workshop[33].value == f"=SUM(V{workshop[0].row}:AG{workshop[0].row})"

    def test_goal_cells_are_merged_over_their_activities(self) -> None:
        sheet = exported_sheet()
        row = next(row for row in sheet.iter_rows() if row[5].value == "Taller de derechos")[0].row
        assert row is not None
        merged = {str(item) for item in sheet.merged_cells.ranges}
        assert {f"A{row}:A{row + 1}", f"B{row}:B{row + 1}", f"C{row}:C{row + 1}", f"D{row}:D{row + 1}"} <= merged

    def test_text_is_never_a_formula(self) -> None:
        sheet = exported_sheet()
        cell = next(row for row in sheet.iter_rows() if row[5].value == "@Campaña")[5]
        assert cell.data_type == "s"
        responsible = next(row for row in sheet.iter_rows() if row[5].value == "-Visita de seguimiento")[20]
        assert (responsible.value, responsible.data_type) == ("+57 300 000 0000", "s")
