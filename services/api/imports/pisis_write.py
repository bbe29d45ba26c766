"""Writing PISIS files: typed lines in, the Ministry's bytes out (Latin-1, CRLF between lines, ``|``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.api.imports.pisis import (
    ENCODING,
    FOLLOW_UP_FIELDS,
    LINE_END,
    NIT_RE,
    NOT_EXECUTED,
    PROGRAMMING_FIELDS,
    SEPARATOR,
    FollowUpLine,
    ProgrammingLine,
)
from services.api.imports.pisis_fields import INTEGER_RE, is_not_executed, show

__all__ = [
    "PisisWriteError",
    "format_follow_up_line",
    "format_programming_line",
    "write_follow_up",
    "write_programming",
]


class PisisWriteError(ValueError):
    """A value that cannot go into a PISIS file; the message (Spanish) names the line and the field."""

    def __init__(self, message: str, *, line: int | None = None, field_name: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        """1-based line of the file being written (the header is line 1), when known."""
        self.field_name = field_name
        """The field at fault (``meta``, ``presupuesto``…), as in :data:`PROGRAMMING_FIELDS`."""


def format_programming_line(line: ProgrammingLine) -> str:
    """The ``PPS190PPPS`` detail line of ``line``, without line end; equals ``line.raw`` for a line read.

    Raises :class:`PisisWriteError` when a value cannot be written (see :func:`write_programming`).
    """
    return _format_programming(line, None)


def format_follow_up_line(line: FollowUpLine) -> str:
    """The ``PPS190SPPS`` detail line of ``line``, without line end; equals ``line.raw`` for a line read.

    Raises :class:`PisisWriteError` when a value cannot be written (see :func:`write_follow_up`).
    """
    return _format_follow_up(line, None)


def write_programming(header_nit: str, start: date, end: date, lines: Sequence[ProgrammingLine]) -> bytes:
    """A complete ``PPS190PPPS`` file: Latin-1, CRLF between lines, none after the last, count computed.

    Lines are written in the given order with their own consecutives. Raises :class:`PisisWriteError`
    (a ``ValueError``) naming the line and field when a value cannot be written: a character outside
    Latin-1, a ``|`` or a line break inside a text, a negative number, a NIT that is not 1–12 digits.
    """
    rows = [_format_header(header_nit, start, end, len(lines))]
    rows += [_format_programming(line, number) for number, line in enumerate(lines, start=2)]
    return LINE_END.join(rows).encode(ENCODING)


def write_follow_up(header_nit: str, start: date, end: date, lines: Sequence[FollowUpLine]) -> bytes:
    """A complete ``PPS190SPPS`` file, written like :func:`write_programming` (same errors)."""
    rows = [_format_header(header_nit, start, end, len(lines))]
    rows += [_format_follow_up(line, number) for number, line in enumerate(lines, start=2)]
    return LINE_END.join(rows).encode(ENCODING)


def _format_header(nit: str, start: date, end: date, count: int) -> str:
    if not NIT_RE.match(nit):
        raise PisisWriteError(
            f"Línea 1 del archivo (encabezado), campo «nit»: {show(nit)} debe tener de 1 a 12 dígitos.",
            line=1,
            field_name="nit",
        )
    return SEPARATOR.join(("1", "NI", nit, start.isoformat(), end.isoformat(), str(count)))


def _raw_fields(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    fields = raw.split(SEPARATOR)
    return fields if len(fields) == len(PROGRAMMING_FIELDS) else None


class _LineWriter:
    """Formats one detail line field by field, checking each value against the layout."""

    def __init__(self, names: Sequence[str], raw: str | None, number: int | None, consecutive: int) -> None:
        self.names = names
        self.raw = _raw_fields(raw)
        self.number = number
        self.consecutive = consecutive
        self.fields: list[str] = []

    def fail(self, message: str) -> PisisWriteError:
        name = self.names[len(self.fields)]
        where = f"Línea {self.number} del archivo (consecutivo {self.consecutive})"
        if self.number is None:
            where = f"Consecutivo {self.consecutive}"
        return PisisWriteError(f"{where}, campo «{name}»: {message}", line=self.number, field_name=name)

    def text(self, value: str) -> None:
        if SEPARATOR in value or "\r" in value or "\n" in value:
            raise self.fail(f"el texto {show(value)} contiene «|» o un salto de línea, que PISIS no admite.")
        bad = next((char for char in value if ord(char) > 0xFF), None)
        if bad is not None:
            raise self.fail(
                f"el carácter «{bad}» (U+{ord(bad):04X}) no existe en ISO-8859-1 (Latin-1), la codificación "
                "que exige PISIS; reemplácelo."
            )
        self.fields.append(value)

    def integer(self, value: int) -> None:
        if value < 0:
            raise self.fail(f"el número {value} es negativo.")
        written = str(value)
        if self.raw is not None:
            # Keep a spelling such as "01" when the line read still holds the same value.
            token = self.raw[len(self.fields)]
            if token != written and INTEGER_RE.match(token) and int(token) == value:
                written = token
        self.fields.append(written)

    def evidence(self, url: str | None, not_executed: bool) -> None:
        if not not_executed:
            self.text(url or "")
            return
        if url:
            raise self.fail(f"una actividad NO EJECUTADA no lleva URL de evidencia ({show(url)}).")
        written = NOT_EXECUTED
        if self.raw is not None and is_not_executed(self.raw[len(self.fields)]):
            written = self.raw[len(self.fields)]
        self.fields.append(written)

    def line(self) -> str:
        return SEPARATOR.join(self.fields)


def _format_programming(line: ProgrammingLine, number: int | None) -> str:
    writer = _LineWriter(PROGRAMMING_FIELDS, line.raw, number, line.consecutive)
    writer.text("2")
    writer.integer(line.consecutive)
    writer.text(line.municipality_code)
    writer.text(f"{line.axis}L{line.line_letter}")
    writer.text(line.goal_code)
    writer.text(line.goal_text)
    writer.text(line.activity_code)
    writer.text(line.activity_text)
    writer.integer(line.planned_quantity)
    writer.text(line.target_group_code)
    writer.text(line.start_date.isoformat())
    writer.text(line.end_date.isoformat())
    writer.integer(line.planned_budget)
    return writer.line()


def _format_follow_up(line: FollowUpLine, number: int | None) -> str:
    writer = _LineWriter(FOLLOW_UP_FIELDS, line.raw, number, line.consecutive)
    writer.text("2")
    writer.integer(line.consecutive)
    writer.text(line.municipality_code)
    writer.text(f"{line.axis}L{line.line_letter}")
    writer.text(line.goal_code)
    writer.text(line.activity_code)
    writer.integer(line.executed_quantity)
    writer.text(line.target_group_code)
    writer.integer(line.people_reached)
    writer.integer(line.executed_budget)
    writer.text(line.second_code)
    writer.evidence(line.evidence_url, line.not_executed)
    writer.text(line.evidence_description)
    return writer.line()
