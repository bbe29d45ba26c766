"""What the plan sheet parser produces: the plan, its ejes, goals and activities, and the drafts it builds them in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final, Literal

from services.api.files.problems import ParseProblem
from shared.enums import Axis

__all__ = [
    "AxisDraft",
    "GoalDraft",
    "ParsedActivity",
    "ParsedAxis",
    "ParsedGoal",
    "ParsedPlan",
    "PlanLayout",
    "find_baseline",
]

PlanLayout = Literal["association", "eps_annex"]
"""Which layout the header row revealed: ``eps_annex`` when it has an ``Acciones a desarrollar`` column."""


@dataclass(frozen=True, slots=True)
class ParsedActivity:
    """One activity row of a goal."""

    code: str
    """``A01``, ``A02``, … in order within its goal (or the ``Código actividad`` cell)."""
    text: str
    indicator_text: str | None
    schedule_months: tuple[int, ...]
    """Months marked with an X inside the twelve month columns, 1 = January, ascending."""
    responsible: str | None
    row: int
    target_text: str | None = None
    """The EPS annex's ``META`` cell (or the export's ``Meta de la actividad``), as written."""
    executed_by_month: tuple[tuple[int, int], ...] = ()
    """``(month, executed quantity)`` pairs from an ``Ejecutado`` month block, ascending by month."""


@dataclass(frozen=True, slots=True)
class ParsedGoal:
    """A goal (meta, or the EPS annex's action) with its activities."""

    code: str
    """``M01``/``M0102``/… per the rules in the module docstring, or the ``Código meta`` cell."""
    number: str | None
    """The number as written before the text (``1.``, ``1.1.``), or ``None`` when the cell has none."""
    text: str
    """The goal text without its number."""
    baseline: str | None
    """The ``Línea de base`` column, or the ``Línea de base …`` phrase, as written, when the sheet states one."""
    activities: tuple[ParsedActivity, ...]
    row: int
    line: str | None = None
    """The eje's línea letter (``a``…) from a ``Línea`` column; ``None`` when the sheet has none."""


@dataclass(frozen=True, slots=True)
class ParsedAxis:
    """A strategic axis (eje) of the plan, in the order the sheet lists them."""

    axis: Axis
    name: str
    """The eje's name as written after its number (the official label when the row has none)."""
    lines_text: str | None
    """The ``Líneas del eje:`` text without its label and the bullet lines, one line each."""
    goals: tuple[ParsedGoal, ...]
    row: int


@dataclass(frozen=True, slots=True)
class ParsedPlan:
    """Everything read from one plan sheet, plus the problems found on the way."""

    title: str
    year: int | None
    objective: str | None
    axes: tuple[ParsedAxis, ...]
    problems: tuple[ParseProblem, ...]
    eapb: str | None = None
    """The title block's ``EAPB:`` line."""
    responsible: str | None = None
    """The title block's ``RESPONSABLE:`` line (the plan's, not an activity's)."""
    layout: PlanLayout | None = None
    """The layout of the header row; ``None`` when no header was found."""

    @property
    def has_errors(self) -> bool:
        """Whether any problem blocks an import."""
        return any(problem.severity == "error" for problem in self.problems)

    @property
    def goals(self) -> tuple[ParsedGoal, ...]:
        """All goals of the plan, in sheet order."""
        return tuple(goal for axis in self.axes for goal in axis.goals)

    @property
    def activities(self) -> tuple[ParsedActivity, ...]:
        """All activities of the plan, in sheet order."""
        return tuple(activity for goal in self.goals for activity in goal.activities)


BASELINE_RE: Final = re.compile(r"l[ií]nea\s+(?:de\s+)?base\b[^;()\n]*", re.IGNORECASE)


def find_baseline(text: str) -> str | None:
    """The ``Línea de base …`` phrase up to its last comma-separated part holding a figure."""
    match = BASELINE_RE.search(text)
    if match is None:
        return None
    # A full stop followed by a space ends the sentence; decimal points ("34.5") do not.
    phrase = re.split(r"\.(?=\s|$)", match.group())[0]
    kept: list[str] = []
    for index, part in enumerate(phrase.split(",")):
        if not any(char.isdigit() for char in part):
            # The label part may be bare ("Línea de base: 40%" is one part); later text parts end it.
            if index == 0:
                kept.append(part)
                continue
            break
        kept.append(part)
    result = ",".join(kept).strip()
    return result if any(char.isdigit() for char in result) else None


@dataclass(slots=True)
class GoalDraft:
    code: str
    number: str | None
    text: str
    source_text: str
    row: int
    axis: Axis
    line: str | None = None
    written_code: str = ""
    baseline: str | None = None
    parts: tuple[int, ...] = ()
    activities: list[ParsedActivity] = field(default_factory=list)
    activity_codes: set[str] = field(default_factory=set)

    def freeze(self) -> ParsedGoal:
        baseline = self.baseline or find_baseline(self.text)
        for activity in self.activities:
            baseline = baseline or find_baseline(activity.text)
        return ParsedGoal(
            code=self.code,
            number=self.number,
            text=self.text,
            baseline=baseline,
            activities=tuple(self.activities),
            row=self.row,
            line=self.line,
        )


@dataclass(slots=True)
class AxisDraft:
    axis: Axis
    name: str
    row: int
    column: int
    lines: list[str] = field(default_factory=list)
    last_line_bullet: bool = False
    goals: list[GoalDraft] = field(default_factory=list)

    def add_lines_text(self, text: str) -> None:
        """A ``Líneas del eje:`` row: joined with a space to the previous such row."""
        if self.lines and not self.last_line_bullet:
            self.lines[-1] = f"{self.lines[-1]} {text}"
        else:
            self.lines.append(text)
        self.last_line_bullet = False

    def add_bullet(self, text: str) -> None:
        self.lines.append(text)
        self.last_line_bullet = True

    def freeze(self) -> ParsedAxis:
        return ParsedAxis(
            axis=self.axis,
            name=self.name,
            lines_text="\n".join(self.lines) or None,
            goals=tuple(goal.freeze() for goal in self.goals),
            row=self.row,
        )
