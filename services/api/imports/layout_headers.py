"""Where a plan sheet keeps what: its header row, its month row, and the cells of an activity row they locate."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from services.api.files.cells import cell_key, clean, column_letter, fold
from services.api.files.problems import ParseProblem, problem

HEADER_STOPWORDS: Final = frozenset({"a", "al", "de", "del", "el", "en", "la", "las", "lo", "los", "para", "por", "y"})


def singular(word: str) -> str:
    """Spanish plural → singular, enough for header words: acciones → accion, metas → meta."""
    if len(word) > 4 and word.endswith("es") and word[-3] in "ndr":
        return word[:-2]
    if len(word) > 3 and word.endswith("s"):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=4096)
def header_key(value: str) -> str:
    """A header cell as singular, unaccented words without articles.

    ``ACCIONES A DESARROLLAR``, ``Acción a desarrollar`` and ``Acciones de desarrollar`` → ``accion desarrollar``.
    """
    words = re.findall(r"[a-z0-9]+", fold(value))
    return " ".join(singular(word) for word in words if word not in HEADER_STOPWORDS)


_ColumnName = Literal[
    "goal",
    "action",
    "activity",
    "indicator",
    "schedule",
    "responsible",
    "target",
    "goal_code",
    "activity_code",
    "line",
    "baseline",
    "executed",
    "executed_total",
]

# Exact header keys (see header_key) for each column; indicator/cronograma/responsable go by prefix.
HEADER_SYNONYMS: Final[dict[str, _ColumnName]] = {
    "meta": "goal",
    "accion": "action",
    "accion desarrollar": "action",
    "actividad": "activity",
    "actividad desarrollar": "activity",
    "meta actividad": "target",
    "codigo meta": "goal_code",
    "cod meta": "goal_code",
    "codigo actividad": "activity_code",
    "cod actividad": "activity_code",
    "linea": "line",
    "linea base": "baseline",
    "ejecutado": "executed",
    "ejecucion": "executed",
    "cantidad ejecutada": "executed",
    "total ejecutado": "executed_total",
}
HEADER_PREFIXES: Final[tuple[tuple[str, _ColumnName], ...]] = (
    ("indicador", "indicator"),
    ("cronograma", "schedule"),
    ("responsable", "responsible"),
)


@dataclass(frozen=True, slots=True)
class Columns:
    goal: int
    """The Meta column, or the EPS annex's action column."""
    activity: int
    indicator: int | None
    schedule: int | None
    responsible: int | None
    action_layout: bool = False
    target: int | None = None
    goal_code: int | None = None
    activity_code: int | None = None
    line: int | None = None
    baseline: int | None = None
    executed: int | None = None
    titled: tuple[int, ...] = ()
    """Indexes of every non-empty header cell, recognised or not."""


HEADER_CELL_MAX: Final = 40


@functools.lru_cache(maxsize=4096)
def header_name(cell: str) -> _ColumnName | None:
    key = header_key(cell)
    if not key:
        return None
    name = HEADER_SYNONYMS.get(key)
    if name is not None:
        return name
    for prefix, prefixed in HEADER_PREFIXES:
        if key.startswith(prefix):
            return prefixed
    return None


def header_columns(cells: Sequence[str]) -> Columns | None:
    """Locate the plan columns by their normalised names; ``None`` without a goal column and Actividades."""
    found: dict[_ColumnName, int] = {}
    titled: list[int] = []
    for index, cell in enumerate(cells):
        # Every row is tried as a header, so long texts (goals, activities) are skipped unfolded.
        if not cell or len(cell) > HEADER_CELL_MAX or not cell.strip():
            continue
        titled.append(index)
        name = header_name(cell)
        if name is not None:
            found.setdefault(name, index)
    if "activity" not in found or ("goal" not in found and "action" not in found):
        return None
    action = found.get("action")
    if action is not None:
        # EPS annex: the action is the goal; its META is the target of each activity.
        goal, target = action, found.get("target", found.get("goal"))
    else:
        goal, target = found["goal"], found.get("target")
    return Columns(
        goal=goal,
        activity=found["activity"],
        indicator=found.get("indicator"),
        schedule=found.get("schedule"),
        responsible=found.get("responsible"),
        action_layout=action is not None,
        target=target,
        goal_code=found.get("goal_code"),
        activity_code=found.get("activity_code"),
        line=found.get("line"),
        baseline=found.get("baseline"),
        executed=found.get("executed"),
        titled=tuple(titled),
    )


# Every spelling of each month accepted in the month row: full name, abbreviation, initial.
MONTH_FORMS: Final[tuple[frozenset[str], ...]] = tuple(
    frozenset(forms)
    for forms in (
        ("enero", "ene", "e"),
        ("febrero", "feb", "f"),
        ("marzo", "mar", "m"),
        ("abril", "abr", "a"),
        ("mayo", "may", "m"),
        ("junio", "jun", "j"),
        ("julio", "jul", "j"),
        ("agosto", "ago", "a"),
        ("septiembre", "setiembre", "sep", "sept", "set", "s"),
        ("octubre", "oct", "o"),
        ("noviembre", "nov", "n"),
        ("diciembre", "dic", "d"),
    )
)
MONTH_NAMES: Final = frozenset(name for forms in MONTH_FORMS for name in forms if len(name) > 3)


def month_run_at(keys: Sequence[str], start: int) -> bool:
    return start + 12 <= len(keys) and all(keys[start + offset] in MONTH_FORMS[offset] for offset in range(12))


def month_columns(cells: Sequence[str], preferred_start: int | None) -> tuple[int, ...] | None:
    """The twelve consecutive columns reading January … December (single letters only as a run)."""
    keys = [cell_key(cell) for cell in cells]
    starts = [preferred_start] if preferred_start is not None else []
    starts += [index for index, key in enumerate(keys) if key in MONTH_FORMS[0]]
    for start in starts:
        if month_run_at(keys, start):
            return tuple(range(start, start + 12))
    return None


def mentions_months(cells: Sequence[str]) -> bool:
    """Whether a row names months without forming a full January–December run (a broken month row)."""
    return sum(cell_key(cell) in MONTH_NAMES for cell in cells) >= 3


# Marks people type in a schedule cell; anything else in a month cell is reported, not guessed at.
MARKS: Final = frozenset({"x", "✓", "✔", "☑", "✅"})


def is_mark(value: str) -> bool:
    return value.strip().casefold() in MARKS


QUANTITY_RE: Final = re.compile(r"^\d{1,9}$")


@dataclass(slots=True)
class Layout:
    columns: Columns
    header_row: int
    months: tuple[int, ...] = ()
    executed_months: tuple[int, ...] = ()
    awaiting_month_row: bool = True
    _month_of: dict[int, int] | None = None
    _executed_of: dict[int, int] | None = None
    _text_columns: frozenset[int] | None = None

    def set_months(self, months: tuple[int, ...], executed: tuple[int, ...] = ()) -> None:
        self.months, self.executed_months = months, executed
        self._month_of = self._executed_of = None

    @property
    def month_of(self) -> dict[int, int]:
        """Column index → month number (1–12)."""
        if self._month_of is None:
            self._month_of = {column: month for month, column in enumerate(self.months, start=1)}
        return self._month_of

    @property
    def executed_of(self) -> dict[int, int]:
        """Column index → month number (1–12) of the executed-quantity block."""
        if self._executed_of is None:
            self._executed_of = {column: month for month, column in enumerate(self.executed_months, start=1)}
        return self._executed_of

    @property
    def text_columns(self) -> frozenset[int]:
        if self._text_columns is None:
            columns = self.columns
            indexes = (
                columns.goal,
                columns.activity,
                columns.indicator,
                columns.target,
                columns.goal_code,
                columns.activity_code,
                columns.line,
                columns.baseline,
            )
            self._text_columns = frozenset(index for index in indexes if index is not None)
        return self._text_columns

    def responsible_span(self) -> tuple[int, int | None]:
        """Where the responsible may sit: from after the months up to the next titled header column."""
        columns = self.columns
        start = max(self.months) + 1 if self.months else max(self.text_columns) + 1
        anchor = columns.responsible if columns.responsible is not None and columns.responsible >= start else start - 1
        end = next((index for index in columns.titled if index > anchor), None)
        if self.executed_months and (end is None or end > min(self.executed_months)):
            end = min(self.executed_months)
        return start, end


def read_month_row(layout: Layout, row: int, cells: Sequence[str], problems: list[ParseProblem]) -> bool:
    """Read the row under the header; ``True`` when it was the month row."""
    layout.awaiting_month_row = False
    months = month_columns(cells, layout.columns.schedule)
    if months is not None:
        executed: tuple[int, ...] = ()
        start = layout.columns.executed
        if start is not None:
            keys = [cell_key(cell) for cell in cells]
            if start not in months and month_run_at(keys, start):
                executed = tuple(range(start, start + 12))
            else:
                problems.append(
                    problem(
                        "warning",
                        "executed_without_months",
                        "La columna «Ejecutado» no tiene los doce meses debajo; las cantidades ejecutadas "
                        "no se leyeron.",
                        row,
                        column_letter(start),
                    )
                )
        layout.set_months(months, executed)
        return True
    schedule = layout.columns.schedule
    if mentions_months(cells):
        problems.append(
            problem(
                "error",
                "invalid_month_header",
                "La fila de meses no tiene los doce meses seguidos de enero a diciembre; "
                + (
                    "se usan las doce columnas desde «Cronograma»."
                    if schedule is not None
                    else "no se puede leer el cronograma."
                ),
                row,
            )
        )
    elif schedule is not None:
        problems.append(
            problem(
                "warning",
                "missing_month_row",
                "No hay fila de meses bajo el encabezado; se toman como enero a diciembre las doce "
                "columnas que empiezan en «Cronograma».",
                layout.header_row,
                column_letter(schedule),
            )
        )
    else:
        problems.append(
            problem(
                "error",
                "missing_month_columns",
                "El encabezado no tiene columna «Cronograma» ni fila de meses: no se puede leer "
                "el cronograma de las actividades.",
                layout.header_row,
            )
        )
    if schedule is not None:
        layout.set_months(tuple(range(schedule, schedule + 12)))
    # A broken month row is consumed; any other row is data and is read as such.
    return mentions_months(cells)


def read_schedule(
    layout: Layout, row: int, cells: Sequence[str], problems: list[ParseProblem]
) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...], str | None]:
    """An activity row's marked months, executed quantities per month and responsible, as the layout places them."""
    columns = layout.columns
    month_of = layout.month_of
    executed_of = layout.executed_of
    text_columns = layout.text_columns
    months: list[int] = []
    executed: list[tuple[int, int]] = []
    for column, value in enumerate(cells):
        if not value or value.isspace():
            continue
        month = month_of.get(column)
        if month is not None:
            if is_mark(value):
                months.append(month)
            else:
                problems.append(
                    problem(
                        "warning",
                        "invalid_month_mark",
                        f"La celda del mes {month} contiene «{clean(value)}» y no una X; el mes no se marcó.",
                        row,
                        column_letter(column),
                    )
                )
            continue
        month = executed_of.get(column)
        if month is not None:
            quantity = value.strip()
            if QUANTITY_RE.match(quantity):
                executed.append((month, int(quantity)))
            else:
                problems.append(
                    problem(
                        "warning",
                        "invalid_executed_quantity",
                        f"La cantidad ejecutada del mes {month} es «{clean(value)}» y no un número entero "
                        "no negativo; no se leyó.",
                        row,
                        column_letter(column),
                    )
                )
        elif column not in text_columns and is_mark(value):
            problems.append(
                problem(
                    "warning",
                    "mark_outside_months",
                    "Hay una X fuera de las doce columnas de enero a diciembre; no se tomó como mes programado.",
                    row,
                    column_letter(column),
                )
            )

    responsible: str | None = None
    if columns.responsible is not None and layout.months and columns.responsible < min(layout.months):
        # A Responsable column left of the months is where it says it is.
        value = cells[columns.responsible] if columns.responsible < len(cells) else ""
        responsible = clean(value) or None
    else:
        # The responsible sits after the months, not necessarily under its header (the seed has it
        # two columns right of it): take the last text that is not a mark, before the next titled column.
        start, end = layout.responsible_span()
        for value in reversed(cells[start:end]):
            if value.strip() and not is_mark(value):
                responsible = clean(value)
                break
    return tuple(months), tuple(sorted(executed)), responsible
