"""Lines and typed fields of PISIS files: numbered lines; numbers, dates, eje+línea, codes and texts checked."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Final
from urllib.parse import urlsplit

from services.api.files.budget import check_deadline
from services.api.files.problems import ParseProblem, Severity, problem
from services.api.imports.pisis import MAX_PROBLEMS, NOT_EXECUTED, PROGRAMMING_FIELDS, PisisHeader, PisisKind
from shared.enums import Axis


class TooManyProblems(Exception):
    """Raised inside the reader when the problem limit is reached."""


INTEGER_RE: Final = re.compile(r"^[0-9]{1,18}\Z")  # 18 digits fit a BIGINT column
DATE_RE: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
# Every valid eje+línea, looked up rather than matched: it is read on every line of large files.
AXIS_LINES: Final = {f"{axis}L{letter}": (axis, letter) for axis in Axis for letter in "abcdefgh"}
MUNICIPALITY_RE: Final = re.compile(r"^[0-9]{5}\Z")
TWO_DIGITS_RE: Final = re.compile(r"^[0-9]{2}\Z")
GOAL_CODE_RE: Final = re.compile(r"^M[0-9]{2}\Z")
ACTIVITY_CODE_RE: Final = re.compile(r"^A[0-9]{2}\Z")

SHOWN_CHARS: Final = 60


def show(value: str) -> str:
    """A value quoted for a message, cut so that a garbage line does not flood the report."""
    if len(value) > SHOWN_CHARS:
        value = value[:SHOWN_CHARS] + "…"
    return f"«{value}»"


def is_url(value: str) -> bool:
    value = value.strip()
    if not value or any(char.isspace() for char in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


def is_not_executed(value: str) -> bool:
    return value.strip().casefold() == NOT_EXECUTED.casefold()


# A character class, not (?:\r?\n)+: the group makes the regex engine crawl over megabytes of breaks.
_BLANK_RUN_RE: Final = re.compile(r"[\r\n]+")


def split_lines(text: str) -> Iterator[tuple[int, str, str, int]]:
    """(first line number, content, line end, lines covered), lazily and without building a list.

    A run of blank lines comes as one item (content ``""``) covering all of them: a 20 MB file of line
    breaks is ten million lines, too many to walk one by one in Python. A CR inside such a run is taken
    as part of the blank lines; one at the start of a line with content stays in it (and is reported).
    """
    position = 0
    number = 1
    length = len(text)
    while position < length:
        check_deadline()
        if text[position] in "\r\n":
            run = _BLANK_RUN_RE.match(text, position)
            assert run is not None
            breaks = run.group()
            last_break = breaks.rfind("\n")
            if last_break != -1:
                breaks = breaks[: last_break + 1]
                count = breaks.count("\n")
                ending = "\n" if count > breaks.count("\r\n") else "\r\n"
                yield number, "", ending, count
                number += count
                position += len(breaks)
                continue
        end = text.find("\n", position)
        if end == -1:
            yield number, text[position:], "", 1
            return
        if end > position and text[end - 1] == "\r":
            yield number, text[position : end - 1], "\r\n", 1
        else:
            yield number, text[position:end], "\n", 1
        number += 1
        position = end + 1


def line_shape(fields: Sequence[str]) -> PisisKind | None:
    """Which annex a 13-field detail line looks like, to catch a file uploaded under the other name."""
    if len(fields) != len(PROGRAMMING_FIELDS):
        return None
    if DATE_RE.match(fields[10]) and DATE_RE.match(fields[11]):
        return PisisKind.PROGRAMMING
    if all(INTEGER_RE.match(fields[index]) for index in (6, 8, 9)):
        return PisisKind.FOLLOW_UP
    return None


class FieldReader:
    """The problems of one file and the checks of single fields, which add to them."""

    def __init__(self) -> None:
        self.problems: list[ParseProblem] = []
        self.header: PisisHeader | None = None
        self.period: tuple[date, date] | None = None

    def add(self, severity: Severity, code: str, row: int | None, column: str | None, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            raise TooManyProblems
        self.problems.append(problem(severity, code, message, row, column))

    def read_integer(self, row: int, column: str, value: str) -> int | None:
        if INTEGER_RE.match(value):
            return int(value)
        self.add(
            "error",
            "invalid_integer",
            row,
            column,
            f"{show(value)} no es un número entero no negativo (solo dígitos, hasta 18, sin signos, "
            "puntos ni espacios).",
        )
        return None

    def read_date(self, row: int, column: str, value: str) -> date | None:
        if DATE_RE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.add(
            "error",
            "invalid_date",
            row,
            column,
            f"{show(value)} no es una fecha válida en formato AAAA-MM-DD.",
        )
        return None

    def axis_line(self, row: int, value: str) -> tuple[Axis, str] | None:
        found = AXIS_LINES.get(value)
        if found is not None:
            return found
        self.add(
            "error",
            "invalid_axis_line",
            row,
            "eje_linea",
            f"{show(value)} no es un eje y línea válidos: se escribe E<eje>L<línea>, con eje 1 a 5 y "
            "línea a a h en minúscula (por ejemplo E1La).",
        )
        return None

    def municipality(self, row: int, value: str) -> None:
        if not MUNICIPALITY_RE.match(value):
            self.add(
                "error",
                "invalid_municipality",
                row,
                "municipio",
                f"{show(value)} no es un código DANE de municipio: son 5 dígitos, con el cero inicial (05604).",
            )

    def code(self, row: int, column: str, value: str, pattern: re.Pattern[str], example: str) -> None:
        if not pattern.match(value):
            self.add(
                "warning",
                "invalid_code",
                row,
                column,
                f"El código {show(value)} no tiene la forma esperada ({example}); se conserva como está escrito.",
            )

    def text(self, row: int, column: str, value: str) -> None:
        if not value.strip():
            self.add("error", "empty_field", row, column, "El campo está vacío y es obligatorio.")

    def in_period(self, row: int, column: str, value: date | None) -> None:
        if value is None or self.period is None:
            return
        start, end = self.period
        if not start <= value <= end:
            self.add(
                "error",
                "date_outside_period",
                row,
                column,
                f"La fecha {value.isoformat()} está fuera del periodo del encabezado "
                f"({start.isoformat()} a {end.isoformat()}).",
            )
