"""The eje rows of a plan sheet: which eje a row names (by number and by name), and the ejes a plan holds.

The decisions are those of :mod:`services.api.imports.association_layout`: ejes are read by number and by
name; when they disagree the name wins, with a warning; an eje number outside 1–5, or a row that says
«Eje Estratégico» without naming one, is an ``invalid_axis`` error and the rows under it are not read; an
eje that appears twice keeps one entry, with a warning, and the goals of both rows go to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.api.files.cells import column_letter
from services.api.files.problems import ParseProblem, problem
from services.api.imports.layout_text import axis_from_name, next_text
from services.api.imports.parsed_plan import AxisDraft
from shared.enums import AXIS_LABELS, Axis


@dataclass(frozen=True)
class AxisRow:
    """What an eje row says: its eje (``None`` when it names none of the Resolution's five, an error already
    reported) and the name as written."""

    axis: Axis | None
    name: str


def read_axis_row(
    row: int, column: int, match: re.Match[str], filled: list[tuple[int, str]], problems: list[ParseProblem]
) -> AxisRow | None:
    """The eje of a row that matched ``AXIS_RE``; ``None`` when the row only starts with the word «eje»."""
    written_name = match["name"] or (next_text(filled) if match["number"] or match["strategic"] else "")
    by_name = axis_from_name(written_name) if written_name else None
    number = int(match["number"]) if match["number"] else None
    if number is None and by_name is None:
        if not match["strategic"]:
            return None  # "Ejecutar …", "Eje temático …": not an eje row
        message = (
            f"La fila «{filled[0][1]}» no dice el número del eje estratégico y su nombre no es el de "
            "ninguno de los cinco ejes de la Resolución 2063 de 2017. Las metas de este eje no se leyeron."
        )
        problems.append(problem("error", "invalid_axis", message, row, column_letter(column)))
        return AxisRow(axis=None, name=written_name)
    if by_name is not None:
        if number is not None and number != int(by_name.value[1:]):
            problems.append(
                problem(
                    "warning",
                    "axis_number_mismatch",
                    f"El eje dice el número {number} pero su nombre es el del eje {by_name.value[1:]} "
                    f"({AXIS_LABELS[by_name]}); se tomó el eje {by_name.value[1:]} por su nombre.",
                    row,
                    column_letter(column),
                )
            )
        return AxisRow(axis=by_name, name=written_name)
    assert number is not None
    if not 1 <= number <= 5:
        message = (
            f"El eje estratégico {number} no existe: la Resolución 2063 de 2017 define los "
            "ejes 1 a 5. Las metas de este eje no se leyeron."
        )
        problems.append(problem("error", "invalid_axis", message, row, column_letter(column)))
        return AxisRow(axis=None, name=written_name)
    return AxisRow(axis=Axis(f"E{number}"), name=written_name)


def open_axis(
    axes: dict[Axis, AxisDraft], axis: Axis, name: str, row: int, column: int, problems: list[ParseProblem]
) -> AxisDraft:
    """The plan's entry for `axis`, opened at this row or, when the eje appeared before, that one (warned)."""
    existing = axes.get(axis)
    if existing is not None:
        problems.append(
            problem(
                "warning",
                "duplicate_axis",
                f"El eje estratégico {axis.value[1:]} ya apareció en la fila {existing.row}; sus metas se "
                "agregan a ese eje.",
                row,
                column_letter(column),
            )
        )
        return existing
    opened = axes[axis] = AxisDraft(axis=axis, name=name or AXIS_LABELS[axis], row=row, column=column)
    return opened
