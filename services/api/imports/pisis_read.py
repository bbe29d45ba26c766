"""Reading PISIS files (``PPS190PPPS``/``PPS190SPPS``): bytes in, a :class:`ParsedPisis` with every problem out.

The layout and the decisions are in :mod:`services.api.imports.pisis`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.api.files.problems import problem
from services.api.imports.pisis import (
    HEADER_FIELDS,
    MAX_PROBLEMS,
    PROGRAMMING_FIELDS,
    SEPARATOR,
    ActivityKey,
    FollowUpLine,
    ParsedPisis,
    PisisFileName,
    PisisKind,
    ProgrammingLine,
    parse_file_name,
)
from services.api.imports.pisis_fields import (
    ACTIVITY_CODE_RE,
    GOAL_CODE_RE,
    TWO_DIGITS_RE,
    FieldReader,
    TooManyProblems,
    is_not_executed,
    is_url,
    line_shape,
    show,
    split_lines,
)
from services.api.imports.pisis_header import decode_pisis, read_header
from shared.enums import Axis

__all__ = ["parse_pisis"]


def parse_pisis(data: bytes, *, file_name: str) -> ParsedPisis:
    """Parse a ``PPS190PPPS`` or ``PPS190SPPS`` file.

    ``file_name`` gives the annex, the cut-off date and the NIT the header is checked against. Never
    raises on bad content: everything wrong is in ``problems``, with the line (``row``) and the field
    name (``column``, e.g. ``fecha_inicio``) at fault.
    """
    reader = _Reader(parse_file_name(file_name), file_name)
    try:
        reader.read(data)
    except TooManyProblems:
        reader.problems.append(
            problem(
                "error",
                "too_many_problems",
                f"Se detuvo la revisión del archivo tras {MAX_PROBLEMS} problemas; corrija los anteriores "
                "o verifique que sea un archivo PISIS PPS190PPPS/PPS190SPPS.",
            )
        )
    return reader.result()


class _Reader(FieldReader):
    def __init__(self, name_info: PisisFileName | None, file_name: str) -> None:
        super().__init__()
        self.name_info = name_info
        self.file_name = file_name
        self.kind: PisisKind = name_info.kind if name_info is not None else PisisKind.PROGRAMMING
        self.kind_settled = False
        self.utf8 = False
        self.seen_first_line = False
        self.detail_count = 0
        self.last_row = 0
        self.at_end = False
        self.programming: list[ProgrammingLine] = []
        self.follow_up: list[FollowUpLine] = []
        self.consecutives: dict[int, int] = {}
        self.keys: dict[ActivityKey, int] = {}
        self.declared_count: int | None = None
        # (eje, línea, goal code) → (first line, goal text there)
        self.goal_texts: dict[tuple[str, str, str], tuple[int, str]] = {}

    # -- whole file ------------------------------------------------------------------------------

    def read(self, data: bytes) -> None:
        if self.name_info is None:
            self.add(
                "warning",
                "invalid_file_name",
                None,
                None,
                f"El nombre del archivo {show(self.file_name)} no sigue el patrón PISIS "
                "PPS190PPPS/PPS190SPPS + AAAAMMDD + NI + NIT de 12 dígitos + .TXT; el tipo de archivo "
                "se dedujo del contenido y el NIT del encabezado no se pudo comparar.",
            )
        if b"\x00" in data:
            # UTF-16 ("texto Unicode" in Excel), a spreadsheet or a zip: reading it as lines would only
            # produce a screen of nonsense problems.
            self.add(
                "error",
                "not_text",
                None,
                None,
                "El archivo contiene bytes nulos: no es un archivo de texto plano PISIS (¿se guardó como "
                "texto Unicode/UTF-16, o es una hoja de cálculo?). Guárdelo como texto ISO-8859-1 separado "
                "por «|».",
            )
            return
        text, self.utf8 = decode_pisis(self, data)
        blank_run: tuple[int, int] | None = None  # (first line, how many)
        crlf_warned = False
        for number, content, ending, count in split_lines(text):
            if ending == "\n" and not crlf_warned:
                crlf_warned = True
                self.add(
                    "warning",
                    "line_endings",
                    number,
                    None,
                    "Las líneas terminan en LF y no en CRLF como exige PISIS; se leyeron igual y la "
                    "exportación usará CRLF.",
                )
            if not content:
                # Blank lines only matter when a record follows them; at the end they are a trailing newline.
                blank_run = (number, count)
                continue
            if blank_run is not None:
                self.empty_lines(*blank_run)
                blank_run = None
            self.last_row = number
            # A last line without its line end is where a cut-off upload shows.
            self.at_end = not ending
            self.line(number, content)
        if not self.seen_first_line:
            self.add(
                "error",
                "missing_header",
                None,
                None,
                "El archivo está vacío: falta el encabezado (registro tipo 1) y no hay registros de detalle.",
            )
            return
        if text.endswith("\n"):
            self.add(
                "warning",
                "trailing_newline",
                self.last_row,
                None,
                "El archivo termina con un salto de línea (o líneas vacías) después del último registro; "
                "PISIS espera que la última línea no lo tenga. Se ignoró, y la exportación no lo escribe.",
            )
        if self.declared_count is not None and self.declared_count != self.detail_count:
            self.add(
                "error",
                "count_mismatch",
                1,
                "cantidad_registros",
                f"El encabezado declara {self.declared_count} registros de detalle y el archivo "
                f"tiene {self.detail_count}.",
            )

    def empty_lines(self, first: int, count: int) -> None:
        message = (
            "Línea vacía en medio del archivo; PISIS no la acepta."
            if count == 1
            else f"Las líneas {first} a {first + count - 1} están vacías; PISIS no acepta líneas vacías."
        )
        self.add("error", "empty_line", first, None, message)

    # -- lines -----------------------------------------------------------------------------------

    def line(self, row: int, content: str) -> None:
        if "\r" in content:
            self.add(
                "error",
                "stray_carriage_return",
                row,
                None,
                "La línea contiene un retorno de carro (CR) suelto; los registros se separan con CRLF.",
            )
        fields = content.split(SEPARATOR)
        record_type = fields[0]
        if not self.seen_first_line:
            self.seen_first_line = True
            if record_type == "1":
                self.check_latin1(row, fields, HEADER_FIELDS)
                self.read_header(row, content, fields)
                return
            self.add(
                "error",
                "missing_header",
                row,
                "tipo_registro",
                f"La primera línea debe ser el encabezado (registro tipo 1) y empieza por {show(record_type)}.",
            )
            if record_type != "2":
                return
        self.detail_count += 1
        if record_type != "2":
            detail = "el encabezado (tipo 1) solo puede ir en la primera línea" if record_type == "1" else ""
            self.add(
                "error",
                "invalid_record_type",
                row,
                "tipo_registro",
                f"Tipo de registro {show(record_type)} inválido: los registros de detalle son de tipo 2"
                + (f"; {detail}." if detail else "."),
            )
            return
        if len(fields) != len(PROGRAMMING_FIELDS):
            self.field_count(row, len(fields), len(PROGRAMMING_FIELDS), "registro de detalle")
            return
        self.settle_kind(row, fields)
        self.check_latin1(row, fields, self.kind.fields)
        if self.kind is PisisKind.PROGRAMMING:
            self.read_programming(row, content, fields)
        else:
            self.read_follow_up(row, content, fields)

    def field_count(self, row: int, got: int, expected: int, what: str) -> None:
        message = f"El {what} debe tener {expected} campos separados por «|»: se esperaban {expected}, hay {got}."
        if got < expected and self.at_end:
            message += " Es la última línea: el archivo parece truncado (incompleto)."
        self.add("error", "field_count", row, None, message)

    def settle_kind(self, row: int, fields: Sequence[str]) -> None:
        """Fix the annex at the first complete detail line: the name says it, the content confirms it."""
        if self.kind_settled:
            return
        self.kind_settled = True
        shape = line_shape(fields)
        if shape is None or shape is self.kind:
            return
        if self.name_info is not None:
            self.add(
                "error",
                "kind_mismatch",
                row,
                None,
                f"El nombre del archivo es de {self.kind.annex}, pero sus registros tienen la forma de "
                f"{shape.annex}; se leyó como {shape.annex}. Renombre el archivo o cargue el anexo correcto.",
            )
        self.kind = shape

    def check_latin1(self, row: int, fields: Sequence[str], names: Sequence[str]) -> None:
        """Only a UTF-8 file can hold characters Latin-1 lacks; PISIS (and the export) would refuse them."""
        if not self.utf8:
            return
        for index, value in enumerate(fields):
            bad = next((char for char in value if ord(char) > 0xFF), None)
            if bad is not None:
                self.add(
                    "warning",
                    "not_latin1",
                    row,
                    names[index] if index < len(names) else None,
                    f"El carácter «{bad}» (U+{ord(bad):04X}) no existe en ISO-8859-1 (Latin-1): PISIS no "
                    "lo acepta y la exportación fallará hasta que se reemplace.",
                )

    # -- header ----------------------------------------------------------------------------------

    def read_header(self, row: int, content: str, fields: Sequence[str]) -> None:
        if len(fields) != len(HEADER_FIELDS):
            self.field_count(row, len(fields), len(HEADER_FIELDS), "encabezado")
            return
        self.declared_count = read_header(self, row, content, fields, self.name_info)

    # -- detail lines ----------------------------------------------------------------------------

    def common(self, row: int, fields: Sequence[str], goal_index: int, activity_index: int) -> _Common:
        """Fields at the same place in both annexes, plus the checks between lines they allow."""
        consecutive = self.read_integer(row, "consecutivo", fields[1])
        self.municipality(row, fields[2])
        axis_line = self.axis_line(row, fields[3])
        goal_code = fields[goal_index]
        activity_code = fields[activity_index]
        self.code(row, "codigo_meta", goal_code, GOAL_CODE_RE, "M01")
        self.code(row, "codigo_actividad", activity_code, ACTIVITY_CODE_RE, "A01")
        if consecutive is not None:
            first = self.consecutives.setdefault(consecutive, row)
            if first != row:
                self.add(
                    "error",
                    "duplicate_consecutive",
                    row,
                    "consecutivo",
                    f"El consecutivo {consecutive} ya se usó en la línea {first}.",
                )
        if axis_line is not None:
            key: ActivityKey = (str(axis_line[0]), axis_line[1], goal_code, activity_code)
            first = self.keys.setdefault(key, row)
            if first != row:
                self.add(
                    "error",
                    "duplicate_activity",
                    row,
                    "codigo_actividad",
                    f"La actividad {show(activity_code)} de la meta {show(goal_code)} en {fields[3]} ya está en "
                    f"la línea {first}.",
                )
        return _Common(consecutive, axis_line)

    def read_programming(self, row: int, content: str, fields: Sequence[str]) -> None:
        common = self.common(row, fields, goal_index=4, activity_index=6)
        goal_text = fields[5]
        activity_text = fields[7]
        self.text(row, "meta", goal_text)
        self.text(row, "actividad", activity_text)
        quantity = self.read_integer(row, "cantidad", fields[8])
        self.code(row, "codigo_poblacion", fields[9], TWO_DIGITS_RE, "dos dígitos, como 01")
        start = self.read_date(row, "fecha_inicio", fields[10])
        end = self.read_date(row, "fecha_fin", fields[11])
        budget = self.read_integer(row, "presupuesto", fields[12])
        if start is not None and end is not None and start > end:
            self.add(
                "error",
                "date_order",
                row,
                "fecha_fin",
                f"La actividad termina ({end.isoformat()}) antes de empezar ({start.isoformat()}).",
            )
        self.in_period(row, "fecha_inicio", start)
        self.in_period(row, "fecha_fin", end)
        if common.axis_line is not None:
            goal_key = (str(common.axis_line[0]), common.axis_line[1], fields[4])
            seen = self.goal_texts.get(goal_key)
            if seen is None:
                self.goal_texts[goal_key] = (row, goal_text)
            elif seen[1] != goal_text:
                self.add(
                    "error",
                    "goal_text_conflict",
                    row,
                    "meta",
                    f"La meta {show(fields[4])} de {fields[3]} tiene aquí el texto {show(goal_text)} y en la "
                    f"línea {seen[0]} {show(seen[1])}: una meta tiene un solo texto.",
                )
        if (
            common.consecutive is None
            or common.axis_line is None
            or quantity is None
            or start is None
            or end is None
            or budget is None
        ):
            return
        self.programming.append(
            ProgrammingLine(
                line=row,
                consecutive=common.consecutive,
                municipality_code=fields[2],
                axis=common.axis_line[0],
                line_letter=common.axis_line[1],
                goal_code=fields[4],
                goal_text=goal_text,
                activity_code=fields[6],
                activity_text=activity_text,
                planned_quantity=quantity,
                target_group_code=fields[9],
                start_date=start,
                end_date=end,
                planned_budget=budget,
                raw=content,
            )
        )

    def read_follow_up(self, row: int, content: str, fields: Sequence[str]) -> None:
        common = self.common(row, fields, goal_index=4, activity_index=5)
        quantity = self.read_integer(row, "cantidad", fields[6])
        self.code(row, "codigo_poblacion", fields[7], TWO_DIGITS_RE, "dos dígitos, como 01")
        people = self.read_integer(row, "personas_alcanzadas", fields[8])
        budget = self.read_integer(row, "presupuesto", fields[9])
        self.code(row, "segundo_codigo", fields[10], TWO_DIGITS_RE, "dos dígitos")
        evidence = fields[11]
        not_executed = is_not_executed(evidence)
        if not_executed:
            if quantity is not None and quantity > 0:
                self.add(
                    "warning",
                    "not_executed_with_quantity",
                    row,
                    "cantidad",
                    f"La actividad figura como NO EJECUTADA pero reporta {quantity} ejecutada(s); "
                    "confirme cuál de los dos datos es el correcto.",
                )
        elif not is_url(evidence):
            self.add(
                "warning",
                "evidence_not_url",
                row,
                "evidencia",
                f"La evidencia {show(evidence)} no es una URL (http:// o https://) ni dice NO EJECUTADA.",
            )
        if common.consecutive is None or common.axis_line is None or quantity is None or people is None:
            return
        if budget is None:
            return
        self.follow_up.append(
            FollowUpLine(
                line=row,
                consecutive=common.consecutive,
                municipality_code=fields[2],
                axis=common.axis_line[0],
                line_letter=common.axis_line[1],
                goal_code=fields[4],
                activity_code=fields[5],
                executed_quantity=quantity,
                target_group_code=fields[7],
                people_reached=people,
                executed_budget=budget,
                second_code=fields[10],
                evidence_url=None if not_executed or not evidence else evidence,
                not_executed=not_executed,
                evidence_description=fields[12],
                raw=content,
            )
        )

    # -- result ----------------------------------------------------------------------------------

    def result(self) -> ParsedPisis:
        # Row order is how a user walks the file fixing things; whole-file problems go last.
        problems = sorted(self.problems, key=lambda problem: (problem.row is None, problem.row or 0))
        return ParsedPisis(
            kind=self.kind,
            file_name_info=self.name_info,
            header=self.header,
            programming=tuple(self.programming) if self.kind is PisisKind.PROGRAMMING else (),
            follow_up=tuple(self.follow_up) if self.kind is PisisKind.FOLLOW_UP else (),
            problems=tuple(problems),
        )


@dataclass(frozen=True, slots=True)
class _Common:
    consecutive: int | None
    axis_line: tuple[Axis, str] | None
