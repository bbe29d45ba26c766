"""Pure parser for the spreadsheet layouts of PPSS action plans (Resolución 2063 de 2017).

Two layouts are read by the same row-by-row parser; the header row tells them apart.

**The association layout** of ``demo/plan_accion_asociacion_usuarios_2026.tsv``, as a spreadsheet
exports it::

    PLAN DE ACCIÓN 2026 ASOCIACIÓN DE USUARIOS …            title rows (the first one is the title)
    OBJETIVO: …                                             the plan's objective
    Eje Estratégico No 2. Empoderamiento …                  one row per eje
    Líneas del eje: …                                       the eje's lines, as one text
    Meta | Actividades | Indicador | Cronograma | … | Responsable
         |             |           | Enero | … | Diciembre  month row (or initials E F M A M J J A S O N D)
    1. <goal> | <activity> | <indicator> | X | … | X | X | <responsible>

**The EPS annex layout** other institutions use::

    PLAN DE ACCIÓN POLÍTICA DE PARTICIPACIÓN SOCIAL EN SALUD    title rows
    EAPB: …  /  RESPONSABLE: …  /  OBJETIVO ESTRATÉGICO: …        the title block
    Eje Estratégico 1: Fortalecimiento institucional             eje by number and/or by name
    • <línea>                                                    bullet lines of the eje (•, -, *, ▪ …)
    ACCIONES A DESARROLLAR | META | ACTIVIDADES | INDICADOR | CRONOGRAMA | … | RESPONSABLE
                           |      |             |           | E | F | … | D
    1.1. <action> | <meta> | <activity> | <indicator> | X | … | <responsible>
                  |        | <activity> | …                     an empty action continues the one above

Both also accept the columns :mod:`services.api.imports.layout_export` writes (``Código meta``, ``Línea``,
``Línea de base``, ``Código actividad``, ``Meta de la actividad``, an ``Ejecutado`` month block and
``Total ejecutado``), so an exported plan reads back as the same plan.

This module does no I/O and knows nothing of the database or HTTP: bytes or text (or rows) in, a
:class:`ParsedPlan` with every problem found out. The importer decides what blocks a commit.

Decisions about the layouts, each taken from the seed or from the EPS annex:

* **Headers are matched by normalised synonyms, never by position**: accents, case, spacing and
  punctuation are dropped, each word is made singular and the words ``a``/``de``/``del``/``la``… are
  ignored, so ``ACCIONES A DESARROLLAR``, ``Acción a desarrollar`` and ``Acciones de desarrollar`` all
  read ``accion desarrollar``. A header needs a goal column (``Meta``, or ``Acciones a desarrollar``)
  and ``Actividades``. When it has an action column the sheet is the EPS annex: the action is the goal
  and ``META`` is the activity's target (``ParsedActivity.target_text``).
* **One row is one activity.** Some Actividades cells hold a numbered list (``… 1. Certificado de
  Discapacidad y RLCPD 2. Derecho Fundamental a Morir Dignamente``), but the row has a single indicator
  cell, a single X schedule and a single responsible, and the list reads as the topics or channels of
  that one activity (goal 3 lists two channels of one outreach activity). Splitting would invent a
  schedule per item, so the cell stays whole and is kept as written. Further activities of a goal come
  in rows whose goal cell is empty (or repeats the goal's text, as a filled-down merged cell does).
* **An EPS continuation row** (empty action) with an empty ``META`` takes the ``META`` of the row above
  in the same action: the annex puts META between the action and its activities, one per action, in a
  cell merged down over the action's rows, and a delimited export keeps a merged value only in its
  first row (an XLSX merged cell is filled down by the reader, with the same result).
* **Goal codes.** A ``Código meta`` column, when present and valid (up to 10 letters, digits, ``._-``,
  unique within its eje and línea), is taken as written. Otherwise, in the association layout codes
  are numbered per plan and follow the number written in the Meta cell, so goal ``4.`` is ``M04``
  whatever its eje; a goal without a number, with a multi-level number (``1.1.``) or with a number
  already used takes the next free number after the highest one used (a reused number is reported as
  ``duplicate_goal_number``). In the EPS annex the action's number gives the code, two digits per level:
  ``1.2.`` → ``M0102``, ``3.`` → ``M03``, ``1.2.1.`` → ``M010201`` (up to four levels of 1–99, so at most
  9 characters, and distinct numbers always give distinct codes). An action without a usable number
  (none, a number used before, a level above 99 or deeper than four) gets the code of the action above
  it in the same eje (``M{eje:02d}`` for the eje's first) plus the first free letter ``A``, ``B``, …:
  ``M0102A``. A letter marks a code the parser made up; codes of written numbers never shift because
  of other rows, so re-importing an edited sheet keeps them. ``number`` keeps the number as written.
* **Activity codes** ``A01…`` restart in every goal (or come from a ``Código actividad`` column).
* **The twelve month columns** are those of the month row under the header (full names, three-letter
  abbreviations or initials); without a month row they are the twelve columns starting at the
  Cronograma header. Real sheets carry X marks in more columns than there are months (the seed has
  two extra): those marks are reported as ``mark_outside_months`` and never become months. A second
  month run under an ``Ejecutado`` header holds executed quantities per month (whole numbers).
* **The responsible** is the last non-empty cell after the month columns that is not a mark, up to the
  next titled header column after ``Responsable`` (``Ejecutado``, ``Observaciones``…): the seed puts it
  two columns right of its header, so its header's position cannot be trusted.
* **Texts** keep their words as written; runs of whitespace and line breaks inside a cell become one
  space. Only the goal number is stripped from its text, because it is kept in ``ParsedGoal.number``.
  Indicator texts are not interpreted here (the seed's ``Frase en boletín publicado  Piezas enviadas``,
  two indicators once on two lines, reads ``… publicado Piezas enviadas``).
* **Ejes** are read by number and by name: the five official names are recognised by their distinctive
  words (accents and case ignored), also when the row has no number. When number and name disagree the
  name wins (sheets renumber the ejes they use; the names are the Resolution's), with a warning.
* **Líneas** of an eje are the ``Líneas del eje:`` rows (joined with spaces) and the bullet rows under
  the eje before its first goal, one line each; ``lines_text`` joins the lines with ``\\n``.
* **The baseline** is the ``Línea de base`` column when there is one; otherwise the ``Línea de base …``
  phrase of the goal text, up to the last comma-separated part that holds a figure (``Línea de base
  2025, 34 asociados``); when the goal text has none, the goal's activity texts are searched.
* **The year** comes from the title; failing that from another title row that is not a legal
  reference (``RESOLUCIÓN 2063 DE 2017`` is not the plan's year); failing that from the file name,
  with a warning. Without a year it is ``None`` with the error ``missing_year``, which the importer
  drops when the caller sends ``year``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import PurePath

from services.api.files.budget import check_deadline
from services.api.files.cells import SheetRow, cell_text, clean, column_letter
from services.api.files.delimited import read_delimited_rows
from services.api.files.problems import ParseProblem, problem
from services.api.imports.axis_rows import open_axis, read_axis_row
from services.api.imports.goal_codes import CodeBook
from services.api.imports.layout_headers import (
    Columns,
    Layout,
    header_columns,
    month_columns,
    read_month_row,
    read_schedule,
)
from services.api.imports.layout_text import (
    AXIS_RE,
    CODE_RE,
    EAPB_RE,
    LINES_RE,
    OBJECTIVE_RE,
    RESPONSIBLE_RE,
    bullet_text,
    line_letter,
    next_text,
    number_parts,
    plan_year,
    split_goal_number,
)
from services.api.imports.parsed_plan import AxisDraft, GoalDraft, ParsedActivity, ParsedPlan, PlanLayout
from shared.enums import Axis

__all__ = ["is_plan_header", "parse_association_plan", "parse_association_rows"]


def parse_association_plan(text: str, *, file_name: str = "") -> ParsedPlan:
    """Parse a plan in the association or EPS annex layout from delimited text (TSV, ``;``- or ``,``-CSV).

    ``file_name`` only serves as a fallback for the title and the year. Decode bytes with
    :func:`services.api.files.decoding.decode_spreadsheet_text` first.
    """
    rows, problems = read_delimited_rows(text, is_header=is_plan_header)
    return parse_association_rows(rows, file_name=file_name, problems=problems)


def parse_association_rows(
    rows: Iterable[SheetRow], *, file_name: str = "", problems: Sequence[ParseProblem] = ()
) -> ParsedPlan:
    """Parse a plan in the association or EPS annex layout from rows already split into cells.

    The entry point for sources that are not delimited text (an XLSX sheet with its merged cells
    filled down); ``problems`` found while reading the rows are carried into the result first.
    """
    parser = _Parser(file_name)
    parser.problems.extend(problems)
    for number, cells in rows:
        check_deadline()
        parser.feed(number, cells)
    return parser.finish()


def is_plan_header(cells: Sequence[str]) -> bool:
    """Whether a row is a plan header (a goal or action column and ``Actividades``), in either layout."""
    return header_columns(cells) is not None


# --------------------------------------------------------------------------------------------------
# The row-by-row parser
# --------------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.problems: list[ParseProblem] = []
        self.title: str | None = None
        self.objective: str | None = None
        self.eapb: str | None = None
        self.responsible: str | None = None
        self.title_block: list[tuple[int, str]] = []
        self.axes: dict[Axis, AxisDraft] = {}
        self.axis: AxisDraft | None = None
        # After an eje row with an impossible number, its rows are skipped: the eje error already blocks.
        self.inside_invalid_axis = False
        self.layout: Layout | None = None
        self.goal: GoalDraft | None = None
        self.codes = CodeBook(self.problems)
        self.last_target: str | None = None

    # -- rows ------------------------------------------------------------------------------------

    def feed(self, row: int, cells: Sequence[str]) -> None:
        filled = [(index, clean(cell)) for index, cell in enumerate(cells) if cell and not cell.isspace()]
        if not filled:
            return
        first_index, first_text = filled[0]

        if self.layout is not None and self.layout.awaiting_month_row:
            if read_month_row(self.layout, row, cells, self.problems):
                return

        # The header first: a header may start with an «EJE ESTRATÉGICO» column, an eje row is never a header.
        columns = header_columns(cells)
        if columns is not None:
            self._header_row(row, cells, columns)
            return
        axis_match = AXIS_RE.match(first_text) if first_text[:3].casefold() == "eje" else None
        if axis_match is not None and self._axis_row(row, first_index, axis_match, filled):
            return
        lines_match = LINES_RE.match(first_text)
        if lines_match is not None:
            self._lines_row(row, lines_match["text"] or next_text(filled))
            return
        if self.axis is not None and not self.axis.goals and (bullet := bullet_text(filled)) is not None:
            self.axis.add_bullet(bullet)
            return
        if self.layout is None:
            self._title_row(row, first_text, filled)
            return
        self._data_row(row, cells)

    def _header_row(self, row: int, cells: Sequence[str], columns: Columns) -> None:
        self.layout = Layout(columns=columns, header_row=row)
        months = month_columns(cells, columns.schedule)
        if months is not None:
            # Some sheets write the months in the header row itself.
            self.layout.set_months(months)
            self.layout.awaiting_month_row = False

    def _axis_row(self, row: int, column: int, match: re.Match[str], filled: list[tuple[int, str]]) -> bool:
        """Read an eje row; ``False`` when the row only starts with the word «eje» and is no eje row."""
        read = read_axis_row(row, column, match, filled, self.problems)
        if read is None:
            return False
        self.goal = None
        self.inside_invalid_axis = read.axis is None
        if read.axis is None:
            self.axis = None
        else:
            self.axis = open_axis(self.axes, read.axis, read.name, row, column, self.problems)
        return True

    def _lines_row(self, row: int, text: str) -> None:
        if self.axis is not None:
            if text:
                self.axis.add_lines_text(text)
        elif not self.inside_invalid_axis:
            self.problems.append(
                problem(
                    "warning",
                    "lines_without_axis",
                    "Fila «Líneas del eje» antes de cualquier «Eje Estratégico»; se ignoró.",
                    row,
                )
            )

    def _title_row(self, row: int, text: str, filled: list[tuple[int, str]]) -> None:
        objective = OBJECTIVE_RE.match(text)
        if objective is not None:
            if self.objective is None:
                self.objective = objective["text"] or next_text(filled) or None
            return
        eapb = EAPB_RE.match(text)
        if eapb is not None:
            if self.eapb is None:
                self.eapb = eapb["text"] or next_text(filled) or None
            return
        responsible = RESPONSIBLE_RE.match(text)
        if responsible is not None:
            if self.responsible is None:
                self.responsible = responsible["text"] or next_text(filled) or None
            return
        if self.axis is None and not self.inside_invalid_axis:
            self.title_block.append((row, text))
            if self.title is None:
                self.title = text

    def _data_row(self, row: int, cells: Sequence[str]) -> None:
        assert self.layout is not None
        columns = self.layout.columns

        def cell(index: int | None) -> str:
            return cell_text(cells, index)

        goal_text = cell(columns.goal)
        activity_text = cell(columns.activity)
        goal_code = cell(columns.goal_code)
        line = cell(columns.line)
        new_goal = False
        if goal_text and not self._same_goal(goal_text, goal_code, line):
            if not self._start_goal(row, goal_text, goal_code, line, cell(columns.baseline)):
                return
            new_goal = True

        if not activity_text:
            if new_goal:
                self.last_target = cell(columns.target) or None
                self.problems.append(
                    problem(
                        "warning",
                        "goal_without_activity",
                        "La meta no tiene texto de actividad en esta fila; se registró la meta sin "
                        "esta actividad (su cronograma y responsable no se leyeron).",
                        row,
                        column_letter(columns.activity),
                    )
                )
            elif not self.inside_invalid_axis:
                self.problems.append(
                    problem("warning", "row_ignored", "La fila no tiene meta ni actividad; se ignoró.", row)
                )
            return
        if self.goal is None:
            if not self.inside_invalid_axis:
                self.problems.append(
                    problem(
                        "error",
                        "activity_without_goal",
                        "Actividad sin meta: ni esta fila ni las anteriores del eje tienen texto en la columna "
                        f"«{'Acciones a desarrollar' if columns.action_layout else 'Meta'}».",
                        row,
                        column_letter(columns.activity),
                    )
                )
            return
        if self.goal.baseline is None:
            self.goal.baseline = cell(columns.baseline) or None
        target = cell(columns.target) or None
        if target is None and columns.action_layout and not goal_text:
            target = self.last_target  # a continuation row shares the action's META (merged cell)
        self.last_target = target
        self._add_activity(row, cells, activity_text, cell(columns.indicator) or None, target)

    def _same_goal(self, goal_text: str, goal_code: str, line: str) -> bool:
        """Whether a non-empty goal cell repeats the current goal (a merged cell filled down)."""
        goal = self.goal
        if goal is None:
            return False
        if goal_code and goal.written_code:
            return goal_code == goal.written_code and line_letter(line) == goal.line
        return goal_text == goal.source_text

    def _start_goal(self, row: int, source_text: str, written_code: str, line_cell: str, baseline: str) -> bool:
        """Open a goal in the current axis; ``False`` when there is no valid axis to hold it."""
        assert self.layout is not None
        columns = self.layout.columns
        self.goal = None
        self.last_target = None
        if self.axis is None:
            if not self.inside_invalid_axis:
                self.problems.append(
                    problem(
                        "error",
                        "goal_without_axis",
                        "Meta sin eje: falta una fila «Eje Estratégico No N.» antes de esta meta.",
                        row,
                        column_letter(columns.goal),
                    )
                )
            return False
        axis = self.axis
        number, text = split_goal_number(source_text)
        line = line_letter(line_cell)
        if line_cell and line is None:
            assert columns.line is not None
            self.problems.append(
                problem(
                    "warning",
                    "invalid_line",
                    f"La línea «{line_cell}» no es una letra (a, b, c…); la meta queda sin línea.",
                    row,
                    column_letter(columns.line),
                )
            )
        code: str | None = None
        if written_code:
            assert columns.goal_code is not None
            key = (axis.axis, line, written_code)
            if CODE_RE.match(written_code) is None:
                self.codes.refuse_written("invalid_code", row, columns.goal_code, f"El código de meta «{written_code}»")
            elif key in self.codes.written_goal_codes:
                self.codes.refuse_written("duplicate_code", row, columns.goal_code, f"El código de meta {written_code}")
            else:
                code = written_code
                self.codes.written_goal_codes.add(key)
        if code is None:
            if columns.action_layout:
                code = self.codes.action(row, number, axis, columns.goal)
            else:
                code = self.codes.numbered(row, number, columns.goal)
        self.codes.goal_codes.add(code)
        self.goal = GoalDraft(
            code=code,
            number=number,
            text=text,
            source_text=source_text,
            row=row,
            axis=axis.axis,
            line=line,
            written_code=written_code,
            baseline=baseline or None,
            parts=number_parts(number),
        )
        axis.goals.append(self.goal)
        return True

    def _add_activity(
        self, row: int, cells: Sequence[str], text: str, indicator: str | None, target: str | None
    ) -> None:
        assert self.layout is not None
        assert self.goal is not None
        layout = self.layout
        columns = layout.columns
        months, executed, responsible = read_schedule(layout, row, cells, self.problems)

        goal = self.goal
        code = self.codes.activity(row, cell_text(cells, columns.activity_code), goal, columns.activity_code)
        goal.activity_codes.add(code)
        goal.activities.append(
            ParsedActivity(
                code=code,
                text=text,
                indicator_text=indicator,
                schedule_months=months,
                responsible=responsible,
                row=row,
                target_text=target,
                executed_by_month=executed,
            )
        )

    # -- end of file -----------------------------------------------------------------------------

    def finish(self) -> ParsedPlan:
        if self.layout is None:
            self.problems.append(
                problem(
                    "error",
                    "missing_header",
                    "No se encontró la fila de encabezado con las columnas «Meta» (o «Acciones a desarrollar») "
                    "y «Actividades»; el archivo no tiene el formato de un plan de acción.",
                )
            )
        for axis in self.axes.values():
            if not axis.goals:
                self.problems.append(
                    problem(
                        "warning",
                        "empty_axis",
                        f"El eje estratégico {axis.axis.value[1:]} no tiene metas.",
                        axis.row,
                        column_letter(axis.column),
                    )
                )
        if self.layout is not None and not any(axis.goals for axis in self.axes.values()):
            self.problems.append(
                problem("error", "no_goals", "El archivo no tiene ninguna meta con su eje estratégico.")
            )
        title = self.title or PurePath(self.file_name).stem
        if not title:
            self.problems.append(
                problem("warning", "missing_title", "El archivo no tiene fila de título antes del encabezado.")
            )
        year = plan_year(self.title_block, self.file_name, self.problems)
        if year is None and self.layout is not None:
            self.problems.append(
                problem("error", "missing_year", "El archivo no indica el año del plan; envíe el campo year.")
            )
        # Row order is how a user walks the sheet fixing things; whole-file problems go last.
        problems = sorted(self.problems, key=lambda problem: (problem.row is None, problem.row or 0))
        layout: PlanLayout | None = None
        if self.layout is not None:
            layout = "eps_annex" if self.layout.columns.action_layout else "association"
        return ParsedPlan(
            title=title,
            year=year,
            objective=self.objective,
            axes=tuple(axis.freeze() for axis in self.axes.values()),
            problems=tuple(problems),
            eapb=self.eapb,
            responsible=self.responsible,
            layout=layout,
        )
