"""Write a plan back as a spreadsheet in the association layout: CSV and XLSX that import back the same.

Input is the plain frozen dataclasses of this module (:class:`ExportPlan` …), so the database layer
maps its rows to them and this module stays pure; :func:`from_parsed_plan` maps a parsed file.

**The layout.** The association layout of the seed, one header for the whole table (so the header can
be frozen and the file filtered), the ejes as rows inside it, plus the columns a round trip needs::

    <title>                                                   (the plan's title)
    EAPB: … / RESPONSABLE: …                                   (when known)
    VIGENCIA: 2026                                             (only when the title does not say the year)
    OBJETIVO: …
    Código meta | Línea | Meta | Línea de base | Código actividad | Actividades | Meta de la actividad |
        Indicador | Cronograma ×12 | Responsable | Ejecutado ×12 | Total ejecutado
                                                  Enero … Diciembre |   | Enero … Diciembre |
    Eje Estratégico No 2. <name>
    Líneas del eje: <first line>      then one «• <line>» row per further line
    M01 | a | 1. <goal> | <baseline> | A01 | <activity> | <target> | <indicator> | X … | <responsible> | 3 … | 5

* The codes, the línea letter and the baseline have their own columns, so the codes read back exactly
  (whatever rule made them) instead of being renumbered from the goal's number; the goal's number
  stays in front of its text, as the seed writes it.
* The **X grid** holds the schedule: an ``X`` in each programmed month, nothing elsewhere, and nothing
  past December (so the seed's ``mark_outside_months`` warnings do not come back).
* **Executed quantities** go in a second block of twelve month columns under ``Ejecutado``, right of
  ``Responsable``: one whole number per month with progress, empty when nothing was recorded (a written
  ``0`` is kept: "recorded, nothing executed"). ``Total ejecutado`` is the row's sum (a ``SUM`` formula in
  XLSX, so it follows edits). The parser reads the block back into ``executed_by_month``, bounds the
  responsible search at ``Ejecutado`` and ignores the total, which is derived.
* Every activity row repeats its goal's cells (CSV) or sits under the goal's cells merged vertically
  (XLSX, filled down again by the reader), so each row can be filtered on its own.

**CSV** is UTF-8 with a BOM, ``;``-separated, CRLF, every row as wide as the header. That is what Excel
in a Spanish locale opens directly with a double click: its list separator is ``;`` (the decimal
separator is the comma) and the BOM makes it read UTF-8, so accents survive. There is no ``sep=;`` first
line: Excel ignores the BOM when that line is present (the accents break) and the line would read as
the plan's title. Cells starting with ``=``, ``+``, ``-`` or ``@`` get a leading tab, so Excel shows text
instead of running a formula (CSV injection); the parser drops leading whitespace, so the round trip is
exact. Excel in an English locale splits on commas: those users should take the XLSX.

**XLSX** is one sheet, bold shaded header (``Cronograma`` and ``Ejecutado`` merged over their months, the
other header cells merged over the two header rows), narrow month columns, wrapped text, the panes frozen
below the header and right of the goal, marked months shaded, landscape printing one page wide. Text
cells are always written as text, so a cell starting with ``=`` never becomes a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field
from typing import Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from services.api.imports.parsed_plan import ParsedPlan
from shared.enums import AXIS_LABELS, Axis

__all__ = [
    "COLUMNS",
    "ExportActivity",
    "ExportAxis",
    "ExportGoal",
    "ExportPlan",
    "from_parsed_plan",
    "write_csv",
    "write_xlsx",
]


@dataclass(frozen=True, slots=True)
class ExportActivity:
    code: str
    text: str
    target_text: str | None = None
    indicator_text: str | None = None
    schedule_months: Sequence[int] = ()
    """Programmed months, 1 = January."""
    responsible: str | None = None
    executed_by_month: Mapping[int, int] = field(default_factory=dict)
    """Executed quantity per month (1–12) with recorded progress."""


@dataclass(frozen=True, slots=True)
class ExportGoal:
    code: str
    number: str | None
    """Written before the text (``1.``, ``1.1.``), as the sheet had it; ``None`` writes the text alone."""
    text: str
    baseline: str | None = None
    activities: Sequence[ExportActivity] = ()
    line: str | None = None
    """The eje's línea letter (``a``…); ``None`` leaves the cell empty."""


@dataclass(frozen=True, slots=True)
class ExportAxis:
    axis: Axis
    name: str | None = None
    """The eje's name as the plan writes it; ``None`` writes the official label."""
    lines_text: str | None = None
    """The eje's lines; each line after the first becomes a «•» row."""
    goals: Sequence[ExportGoal] = ()


@dataclass(frozen=True, slots=True)
class ExportPlan:
    title: str
    year: int | None
    objective: str | None = None
    axes: Sequence[ExportAxis] = ()
    eapb: str | None = None
    responsible: str | None = None


def from_parsed_plan(plan: ParsedPlan) -> ExportPlan:
    """The export of a parsed file: a clean copy in the association layout."""
    return ExportPlan(
        title=plan.title,
        year=plan.year,
        objective=plan.objective,
        eapb=plan.eapb,
        responsible=plan.responsible,
        axes=tuple(
            ExportAxis(
                axis=axis.axis,
                name=axis.name,
                lines_text=axis.lines_text,
                goals=tuple(
                    ExportGoal(
                        code=goal.code,
                        number=goal.number,
                        text=goal.text,
                        baseline=goal.baseline,
                        line=goal.line,
                        activities=tuple(
                            ExportActivity(
                                code=activity.code,
                                text=activity.text,
                                target_text=activity.target_text,
                                indicator_text=activity.indicator_text,
                                schedule_months=activity.schedule_months,
                                responsible=activity.responsible,
                                executed_by_month=dict(activity.executed_by_month),
                            )
                            for activity in goal.activities
                        ),
                    )
                    for goal in axis.goals
                ),
            )
            for axis in plan.axes
        ),
    )


# --------------------------------------------------------------------------------------------------
# The rows, shared by both writers
# --------------------------------------------------------------------------------------------------

MONTH_NAMES: Final = (
    "Enero",
    "Febrero",
    "Marzo",
    "Abril",
    "Mayo",
    "Junio",
    "Julio",
    "Agosto",
    "Septiembre",
    "Octubre",
    "Noviembre",
    "Diciembre",
)
_TEXT_HEADERS: Final = (
    "Código meta",
    "Línea",
    "Meta",
    "Línea de base",
    "Código actividad",
    "Actividades",
    "Meta de la actividad",
    "Indicador",
)
_GOAL_CODE, _LINE, _GOAL, _BASELINE, _ACTIVITY_CODE, _ACTIVITY, _TARGET, _INDICATOR = range(8)
_SCHEDULE: Final = len(_TEXT_HEADERS)
_RESPONSIBLE: Final = _SCHEDULE + 12
_EXECUTED: Final = _RESPONSIBLE + 1
_TOTAL: Final = _EXECUTED + 12
_WIDTH: Final = _TOTAL + 1
_GOAL_COLUMNS: Final = (_GOAL_CODE, _LINE, _GOAL, _BASELINE)

COLUMNS: Final[tuple[str, ...]] = (
    *_TEXT_HEADERS,
    "Cronograma",
    *[""] * 11,
    "Responsable",
    "Ejecutado",
    *[""] * 11,
    "Total ejecutado",
)
"""The header row, left to right (the row under it names the months of both month blocks)."""
_MONTH_ROW: Final[tuple[str, ...]] = (*[""] * _SCHEDULE, *MONTH_NAMES, "", *MONTH_NAMES, "")

_YEAR_RE: Final = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_FORMULA_START: Final = ("=", "+", "-", "@")

_Value = str | int | None


@dataclass(slots=True)
class _Row:
    kind: str
    """title, block, header, months, axis, lines, data."""
    cells: list[_Value]
    goal_start: bool = False
    goal_rows: int = 1


def _goal_text(goal: ExportGoal) -> str:
    return f"{goal.number} {goal.text}" if goal.number else goal.text


def _plan_rows(plan: ExportPlan) -> list[_Row]:
    rows: list[_Row] = [_Row("title", [plan.title])]
    if plan.eapb:
        rows.append(_Row("block", [f"EAPB: {plan.eapb}"]))
    if plan.responsible:
        rows.append(_Row("block", [f"RESPONSABLE: {plan.responsible}"]))
    title_year = _YEAR_RE.search(plan.title)
    if plan.year is not None and (title_year is None or int(title_year.group(1)) != plan.year):
        rows.append(_Row("block", [f"VIGENCIA: {plan.year}"]))
    if plan.objective:
        rows.append(_Row("block", [f"OBJETIVO: {plan.objective}"]))
    rows.append(_Row("blank", []))
    rows.append(_Row("header", list(COLUMNS)))
    rows.append(_Row("months", list(_MONTH_ROW)))
    for axis in plan.axes:
        number = axis.axis.value[1:]
        rows.append(_Row("axis", [f"Eje Estratégico No {number}. {axis.name or AXIS_LABELS[axis.axis]}"]))
        lines = [line.strip() for line in (axis.lines_text or "").split("\n") if line.strip()]
        if lines:
            rows.append(_Row("lines", [f"Líneas del eje: {lines[0]}"]))
            rows.extend(_Row("lines", [f"• {line}"]) for line in lines[1:])
        for goal in axis.goals:
            goal_cells: dict[int, _Value] = {
                _GOAL_CODE: goal.code,
                _LINE: goal.line,
                _GOAL: _goal_text(goal),
                _BASELINE: goal.baseline,
            }
            activities: Sequence[ExportActivity | None] = goal.activities or [None]
            for index, activity in enumerate(activities):
                cells: list[_Value] = [None] * _WIDTH
                for column, value in goal_cells.items():
                    cells[column] = value
                if activity is not None:
                    cells[_ACTIVITY_CODE] = activity.code
                    cells[_ACTIVITY] = activity.text
                    cells[_TARGET] = activity.target_text
                    cells[_INDICATOR] = activity.indicator_text
                    for month in activity.schedule_months:
                        if 1 <= month <= 12:
                            cells[_SCHEDULE + month - 1] = "X"
                    cells[_RESPONSIBLE] = activity.responsible
                    executed = {
                        month: quantity for month, quantity in activity.executed_by_month.items() if 1 <= month <= 12
                    }
                    for month, quantity in executed.items():
                        cells[_EXECUTED + month - 1] = quantity
                    if executed:
                        cells[_TOTAL] = sum(executed.values())
                rows.append(_Row("data", cells, goal_start=index == 0, goal_rows=len(activities)))
    return rows


# --------------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------------


def write_csv(plan: ExportPlan) -> bytes:
    """The plan as a ``;``-separated CSV, UTF-8 with BOM and CRLF, for Excel in Spanish (module docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in _plan_rows(plan):
        cells = [_csv_cell(value) for value in row.cells]
        writer.writerow(cells + [""] * (_WIDTH - len(cells)))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(value: _Value) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = " ".join(value.split())
    return f"\t{text}" if text.startswith(_FORMULA_START) else text


# --------------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------------

_WIDTHS: Final[dict[int, float]] = {
    _GOAL_CODE: 9,
    _LINE: 6,
    _GOAL: 45,
    _BASELINE: 22,
    _ACTIVITY_CODE: 9,
    _ACTIVITY: 45,
    _TARGET: 24,
    _INDICATOR: 30,
    _RESPONSIBLE: 24,
    _TOTAL: 10,
}
_MONTH_WIDTH: Final = 4.0
_EXECUTED_WIDTH: Final = 5.0
_CHARS_PER_LINE_OF_TABLE: Final = 220
_POINTS_PER_LINE: Final = 15


def _named_styles() -> dict[str, NamedStyle]:
    """The sheet's cell styles. Assigned by name: openpyxl hashes a style object on every assignment
    (~80 µs), a named style is looked up once, which keeps a 10,000-activity export to seconds."""
    thin = Side(style="thin", color="9E9E9E")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    return {
        "title": NamedStyle("Participa título", font=Font(bold=True, size=14), alignment=wrap_top),
        "block": NamedStyle("Participa encabezado del plan", alignment=wrap_top),
        "axis": NamedStyle(
            "Participa eje",
            font=Font(bold=True),
            fill=PatternFill("solid", fgColor="FCE4D6"),
            alignment=wrap_top,
        ),
        "lines": NamedStyle("Participa líneas", font=Font(italic=True), alignment=wrap_top),
        "header": NamedStyle(
            "Participa columnas",
            font=Font(bold=True),
            fill=PatternFill("solid", fgColor="D9E2F3"),
            alignment=center,
            border=border,
        ),
        "text": NamedStyle("Participa texto", alignment=wrap_top, border=border),
        "month": NamedStyle("Participa mes", alignment=center, border=border),
        "mark": NamedStyle(
            "Participa mes marcado", alignment=center, border=border, fill=PatternFill("solid", fgColor="C6EFCE")
        ),
        "number": NamedStyle("Participa cantidad", alignment=center, border=border, number_format="0"),
    }


def write_xlsx(plan: ExportPlan) -> bytes:
    """The plan as an XLSX workbook of one sheet (layout and styling in the module docstring)."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = f"Plan de acción {plan.year}" if plan.year is not None else "Plan de acción"
    styles = _named_styles()
    for style in styles.values():
        workbook.add_named_style(style)
    names = {kind: style.name for kind, style in styles.items()}
    column_style = [
        names["month"]
        if _SCHEDULE <= index < _RESPONSIBLE
        else names["number"]
        if index >= _EXECUTED
        else names["text"]
        for index in range(_WIDTH)
    ]
    stamp = _Stamper()
    merges: list[CellRange] = []
    header_row = 0
    for number, row in enumerate(_plan_rows(plan), start=1):
        if row.kind == "data":
            _write_data_row(sheet, number, row, (stamp, column_style, names["mark"]), merges)
        elif row.kind == "header":
            header_row = number
            _write_header(sheet, number, names["header"], merges)
        elif row.kind in names:
            text = str(row.cells[0]) if row.cells else ""
            cell = sheet.cell(row=number, column=1)
            _set(cell, text)
            cell.style = names[row.kind]
            merges.append(CellRange(min_col=1, min_row=number, max_col=_WIDTH, max_row=number))
            lines = max(1, -(-len(text) // _CHARS_PER_LINE_OF_TABLE))
            if lines > 1:
                sheet.row_dimensions[number].height = lines * _POINTS_PER_LINE
    # One MultiCellRange at the end: merge_cells() checks each new range against all the others and
    # re-formats the borders of every merged cell, quadratic and slow on a large plan.
    sheet.merged_cells = MultiCellRange(merges)
    for column in range(_WIDTH):
        if _SCHEDULE <= column < _RESPONSIBLE:
            width = _MONTH_WIDTH
        elif _EXECUTED <= column < _TOTAL:
            width = _EXECUTED_WIDTH
        else:
            width = _WIDTHS[column]
        sheet.column_dimensions[get_column_letter(column + 1)].width = width
    sheet.freeze_panes = f"{get_column_letter(_BASELINE + 1)}{header_row + 2}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{header_row}:{header_row + 1}"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _set(cell: Cell | MergedCell, value: str | int) -> None:
    assert isinstance(cell, Cell), "values go in cells that no merge covers"
    if isinstance(value, int):
        cell.value = value
        return
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"  # never a formula, whatever the text starts with


class _Stamper:
    """``cell.style = name`` at a copy's cost: the first cell of each style resolves the named style into
    its style array, later cells get a copy of that array (the way openpyxl copies styles between cells)."""

    def __init__(self) -> None:
        self.arrays: dict[str, StyleArray] = {}

    def __call__(self, cell: Cell | MergedCell, style: str) -> None:
        array = self.arrays.get(style)
        if array is None:
            cell.style = style
            self.arrays[style] = getattr(cell, "_style")  # noqa: B009
        else:
            setattr(cell, "_style", copy(array))  # noqa: B010


def _write_header(sheet: Worksheet, row: int, style: str, merges: list[CellRange]) -> None:
    months_row = row + 1
    for column, (title, month) in enumerate(zip(COLUMNS, _MONTH_ROW, strict=True), start=1):
        for current, value in ((row, title), (months_row, month)):
            cell = sheet.cell(row=current, column=column)
            if value:
                _set(cell, value)
            cell.style = style
    for start in (_SCHEDULE, _EXECUTED):
        merges.append(CellRange(min_col=start + 1, min_row=row, max_col=start + 12, max_row=row))
    for column in (*range(_SCHEDULE), _RESPONSIBLE, _TOTAL):
        merges.append(CellRange(min_col=column + 1, min_row=row, max_col=column + 1, max_row=months_row))


def _write_data_row(
    sheet: Worksheet,
    number: int,
    row: _Row,
    styles: tuple[_Stamper, list[str], str],
    merges: list[CellRange],
) -> None:
    stamp, column_style, mark_style = styles
    # A goal's cells are written once, on its first row, and merged down over its activities.
    skipped = _GOAL_COLUMNS if not row.goal_start else ()
    for index, value in enumerate(row.cells):
        cell = sheet.cell(row=number, column=index + 1)
        if value is not None and value != "" and index not in skipped:
            _set(cell, value)
        stamp(cell, mark_style if value == "X" and _SCHEDULE <= index < _RESPONSIBLE else column_style[index])
    executed = f"{get_column_letter(_EXECUTED + 1)}{number}:{get_column_letter(_EXECUTED + 12)}{number}"
    sheet.cell(row=number, column=_TOTAL + 1).value = f"=SUM({executed})"
    if row.goal_start and row.goal_rows > 1:
        for column in _GOAL_COLUMNS:
            merges.append(
                CellRange(min_col=column + 1, min_row=number, max_col=column + 1, max_row=number + row.goal_rows - 1)
            )
