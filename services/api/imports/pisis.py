"""Pure reader and writer of the Ministry's PISIS flat files of PPSS action plans (Resolución 2063 de 2017).

Institutions upload their action plan to SISPRO-PISIS as two annexes: ``PPS190PPPS`` (the programming)
and ``PPS190SPPS`` (its follow-up). The layout, as read from real files (see
``shared/external/hsvp_remedios/README.md``)::

    1|NI|890999888|2021-01-01|2021-12-31|42                                     header (record type 1)
    2|1|05604|E1La|M01|<goal text>|A01|<activity text>|1|26|2021-01-01|2021-02-20|0   programming detail
    2|1|05604|E1La|M01|A01|1|26|30|0|26|https://…|<evidence description>             follow-up detail

Latin-1, CRLF between lines, none after the last one, ``|`` separator, no quoting. File names are
``PPS190`` + ``PPPS``/``SPPS`` + cut-off date ``AAAAMMDD`` + ``NI`` + the NIT padded to 12 digits + ``.TXT``.

This module does no I/O and knows nothing of the database or HTTP: bytes in, a :class:`ParsedPisis`
with every problem found out; lines in, bytes out. The importer decides what blocks a commit and
matches a follow-up against the plan's programming (:func:`follow_up_key`, :func:`programming_key`).

Decisions, each taken from the real file or from the export contract (a PISIS file imported and
exported gives its detail lines back byte for byte):

* **Texts are kept exactly as written**: double spaces, accents, case, typos. Nothing is trimmed or
  collapsed, because the Ministry already holds these bytes and the export must give them back.
* **Every line keeps ``raw``**, the decoded line as read. The writer formats each line from its typed
  fields; a number whose spelling the typed value cannot carry (``01`` for 1) is taken from ``raw``
  when ``raw`` still spells the same value, so an edited line writes its new value and an untouched
  one its original bytes. Lines built from the database leave ``raw`` as ``None``.
* **Codes stay text**: municipality (``05604``), target group (``01``), goal and activity codes keep
  their leading zeros.
* **A line whose fields cannot be typed** (wrong field count, a number or date that is not one, an
  ``eje_linea`` outside ``E1La``…``E5Lh``) is reported and left out of the result; lines with errors
  between fields (dates out of order, a duplicate key) are kept, the errors block the import anyway.
* **The header NIT is kept as written** and not corrected to the file name's: the real file declares
  890999888 in its header and 890985092 in its name, and only the user knows which is right
  (``nit_mismatch`` is a warning the user accepts).
* **Every non-empty line after the header counts as a detail record** for the header's count, as
  the platform counts them; blank lines inside the file are errors, blank lines at its end are only
  the ``trailing_newline`` warning.
* **Problems stop at** :data:`MAX_PROBLEMS`, with a final ``too_many_problems`` error, so that a huge
  garbage file is answered quickly and with a readable report.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final
from urllib.parse import urlsplit

from services.api.imports.association_layout import ParseProblem, Severity
from services.api.imports.deadline import check_deadline
from shared.enums import Axis

__all__ = [
    "FOLLOW_UP_FIELDS",
    "HEADER_FIELDS",
    "MAX_PROBLEMS",
    "NOT_EXECUTED",
    "PROGRAMMING_FIELDS",
    "ActivityKey",
    "FollowUpLine",
    "ParsedPisis",
    "PisisFileName",
    "PisisHeader",
    "PisisKind",
    "PisisWriteError",
    "ProgrammingLine",
    "follow_up_key",
    "format_file_name",
    "format_follow_up_line",
    "format_programming_line",
    "parse_file_name",
    "parse_pisis",
    "programming_key",
    "write_follow_up",
    "write_programming",
]

SEPARATOR: Final = "|"
LINE_END: Final = "\r\n"
ENCODING: Final = "latin-1"

MAX_PROBLEMS: Final = 200
"""Problems collected before the parser gives up with ``too_many_problems``."""

NOT_EXECUTED: Final = "NO EJECUTADA"
"""What a follow-up line writes instead of an evidence URL when the activity was not carried out."""

HEADER_FIELDS: Final = (
    "tipo_registro",
    "tipo_identificacion",
    "nit",
    "fecha_inicio",
    "fecha_fin",
    "cantidad_registros",
)
"""Field names of the header, used as the ``column`` of its problems."""

PROGRAMMING_FIELDS: Final = (
    "tipo_registro",
    "consecutivo",
    "municipio",
    "eje_linea",
    "codigo_meta",
    "meta",
    "codigo_actividad",
    "actividad",
    "cantidad",
    "codigo_poblacion",
    "fecha_inicio",
    "fecha_fin",
    "presupuesto",
)
"""Field names of a ``PPS190PPPS`` detail line, used as the ``column`` of its problems."""

FOLLOW_UP_FIELDS: Final = (
    "tipo_registro",
    "consecutivo",
    "municipio",
    "eje_linea",
    "codigo_meta",
    "codigo_actividad",
    "cantidad",
    "codigo_poblacion",
    "personas_alcanzadas",
    "presupuesto",
    "segundo_codigo",
    "evidencia",
    "descripcion_evidencia",
)
"""Field names of a ``PPS190SPPS`` detail line, used as the ``column`` of its problems."""


# --------------------------------------------------------------------------------------------------
# Kinds and file names
# --------------------------------------------------------------------------------------------------


class PisisKind(StrEnum):
    """The two PISIS annexes of a PPSS action plan."""

    PROGRAMMING = "programming"
    """``PPS190PPPS``: the plan as programmed at the start of the year."""
    FOLLOW_UP = "follow_up"
    """``PPS190SPPS``: what was executed, line by line against the programming."""

    @property
    def annex(self) -> str:
        """The annex code that starts the file name: ``PPS190PPPS`` or ``PPS190SPPS``."""
        return "PPS190PPPS" if self is PisisKind.PROGRAMMING else "PPS190SPPS"

    @property
    def fields(self) -> tuple[str, ...]:
        """Names of the fields of a detail line of this annex."""
        return PROGRAMMING_FIELDS if self is PisisKind.PROGRAMMING else FOLLOW_UP_FIELDS


@dataclass(frozen=True, slots=True)
class PisisFileName:
    """What a PISIS file name says: annex, cut-off date and the institution's NIT."""

    kind: PisisKind
    cut_off: date
    """The cut-off date (``AAAA1231`` in every file seen)."""
    nit: str
    """The NIT without the zeros that pad it to 12 digits (``890985092``)."""

    @property
    def name(self) -> str:
        """The canonical file name, upper-case ``.TXT``."""
        return format_file_name(self.kind, self.cut_off, self.nit)


# Browsers save a second download as "name (1).TXT" (the real file arrived so): still the same name.
_FILE_NAME_RE: Final = re.compile(
    r"^PPS190(?P<annex>PPPS|SPPS)(?P<cut_off>[0-9]{8})NI(?P<nit>[0-9]{12})(?: ?\([0-9]{1,3}\))?\.TXT\Z",
    re.IGNORECASE,
)
_NIT_RE: Final = re.compile(r"^[0-9]{1,12}\Z")


def parse_file_name(name: str) -> PisisFileName | None:
    """Read a PISIS file name (any directory part and letter case ignored); ``None`` when it is not one."""
    base = re.split(r"[\\/]", name)[-1]
    match = _FILE_NAME_RE.match(base)
    if match is None:
        return None
    cut_off = match["cut_off"]
    try:
        cut_off_date = date(int(cut_off[:4]), int(cut_off[4:6]), int(cut_off[6:]))
    except ValueError:
        return None
    kind = PisisKind.PROGRAMMING if match["annex"].upper() == "PPPS" else PisisKind.FOLLOW_UP
    return PisisFileName(kind=kind, cut_off=cut_off_date, nit=match["nit"].lstrip("0") or "0")


def format_file_name(kind: PisisKind, cut_off: date, nit: str) -> str:
    """The file name PISIS expects, e.g. ``PPS190PPPS20211231NI000890985092.TXT``.

    ``nit`` is the NIT's digits without the verification digit; raises ``ValueError`` otherwise.
    """
    if not _NIT_RE.match(nit):
        raise ValueError(f"El NIT «{nit}» debe tener de 1 a 12 dígitos, sin dígito de verificación ni guiones.")
    return f"{kind.annex}{cut_off.year:04d}{cut_off.month:02d}{cut_off.day:02d}NI{nit.zfill(12)}.TXT"


# --------------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PisisHeader:
    """The header line (record type 1): who reports and the period reported."""

    id_type: str
    """Identification type; ``NI`` (NIT) is the only one the annexes use."""
    nit: str
    """The NIT as written (the real file's header disagrees with its name: keep both)."""
    start_date: date
    end_date: date
    declared_count: int
    """How many detail lines the header announces."""
    raw: str | None = None
    """The header line as read; ``None`` when built by the program."""


@dataclass(frozen=True, slots=True)
class ProgrammingLine:
    """One activity of a ``PPS190PPPS`` file (record type 2)."""

    line: int
    """1-based line number in the file (the header is line 1); informative only, the writer ignores it."""
    consecutive: int
    municipality_code: str
    """DANE code of the municipality, five digits with its leading zero (``05604``)."""
    axis: Axis
    """The eje, ``E1``…``E5``."""
    line_letter: str
    """The línea inside the eje, ``a``…``h`` (``E1La`` → ``a``)."""
    goal_code: str
    goal_text: str
    """Exactly as written: double spaces, accents and typos are kept for a byte-exact export."""
    activity_code: str
    activity_text: str
    """Exactly as written, like ``goal_text``."""
    planned_quantity: int
    target_group_code: str
    """Two-digit code of the population or body the activity targets (``01`` staff, ``04`` asociación)."""
    start_date: date
    end_date: date
    planned_budget: int
    """Pesos (COP), an integer."""
    raw: str | None = field(default=None, compare=False)
    """The line as read; number spellings such as ``01`` are taken from it when writing. Ignored by ``==``."""


@dataclass(frozen=True, slots=True)
class FollowUpLine:
    """One activity's execution in a ``PPS190SPPS`` file (record type 2)."""

    line: int
    """1-based line number in the file (the header is line 1); informative only, the writer ignores it."""
    consecutive: int
    municipality_code: str
    axis: Axis
    line_letter: str
    goal_code: str
    activity_code: str
    executed_quantity: int
    target_group_code: str
    """As in the programming."""
    people_reached: int
    executed_budget: int
    """Pesos (COP), an integer."""
    second_code: str
    """The two-digit code after the budget; its meaning is not documented in what could be read."""
    evidence_url: str | None
    """The evidence cell as written (normally a URL); ``None`` when empty or when :attr:`not_executed`."""
    not_executed: bool
    """Whether the evidence cell says ``NO EJECUTADA`` (any case, surrounding spaces ignored)."""
    evidence_description: str
    """Exactly as written."""
    raw: str | None = field(default=None, compare=False)
    """The line as read; number and ``NO EJECUTADA`` spellings are taken from it. Ignored by ``==``."""


ActivityKey = tuple[str, str, str, str]
"""(eje, línea letter, goal code, activity code): how a follow-up line finds its programmed activity."""


def programming_key(line: ProgrammingLine) -> ActivityKey:
    """The key that identifies a programmed activity within its plan."""
    return (str(line.axis), line.line_letter, line.goal_code, line.activity_code)


def follow_up_key(line: FollowUpLine) -> ActivityKey:
    """The key of the programmed activity a follow-up line reports on (compare with :func:`programming_key`)."""
    return (str(line.axis), line.line_letter, line.goal_code, line.activity_code)


@dataclass(frozen=True, slots=True)
class ParsedPisis:
    """Everything read from one PISIS file, plus the problems found on the way."""

    kind: PisisKind
    """From the file name; from the content when the name is not a PISIS name or contradicts it."""
    file_name_info: PisisFileName | None
    header: PisisHeader | None
    """``None`` when the file has no readable header (see the problems)."""
    programming: tuple[ProgrammingLine, ...]
    """The detail lines of a programming file whose fields could all be read; empty for a follow-up."""
    follow_up: tuple[FollowUpLine, ...]
    """The detail lines of a follow-up file whose fields could all be read; empty for a programming."""
    problems: tuple[ParseProblem, ...]
    """In file order; problems of the whole file (``row`` ``None``) last."""

    @property
    def has_errors(self) -> bool:
        """Whether any problem blocks an import."""
        return any(problem.severity == "error" for problem in self.problems)


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------


def parse_pisis(data: bytes, *, file_name: str) -> ParsedPisis:
    """Parse a ``PPS190PPPS`` or ``PPS190SPPS`` file.

    ``file_name`` gives the annex, the cut-off date and the NIT the header is checked against. Never
    raises on bad content: everything wrong is in ``problems``, with the line (``row``) and the field
    name (``column``, e.g. ``fecha_inicio``) at fault.
    """
    reader = _Reader(parse_file_name(file_name), file_name)
    try:
        reader.read(data)
    except _TooManyProblems:
        reader.problems.append(
            _error(
                "too_many_problems",
                None,
                None,
                f"Se detuvo la revisión del archivo tras {MAX_PROBLEMS} problemas; corrija los anteriores "
                "o verifique que sea un archivo PISIS PPS190PPPS/PPS190SPPS.",
            )
        )
    return reader.result()


class _TooManyProblems(Exception):
    """Raised inside the reader when the problem limit is reached."""


_INTEGER_RE: Final = re.compile(r"^[0-9]{1,18}\Z")  # 18 digits fit a BIGINT column
_DATE_RE: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
# Every valid eje+línea, looked up rather than matched: it is read on every line of large files.
_AXIS_LINES: Final = {f"{axis}L{letter}": (axis, letter) for axis in Axis for letter in "abcdefgh"}
_MUNICIPALITY_RE: Final = re.compile(r"^[0-9]{5}\Z")
_TWO_DIGITS_RE: Final = re.compile(r"^[0-9]{2}\Z")
_GOAL_CODE_RE: Final = re.compile(r"^M[0-9]{2}\Z")
_ACTIVITY_CODE_RE: Final = re.compile(r"^A[0-9]{2}\Z")

_SHOWN_CHARS: Final = 60


def _show(value: str) -> str:
    """A value quoted for a message, cut so that a garbage line does not flood the report."""
    if len(value) > _SHOWN_CHARS:
        value = value[:_SHOWN_CHARS] + "…"
    return f"«{value}»"


def _error(code: str, row: int | None, column: str | None, message: str) -> ParseProblem:
    return ParseProblem("error", code, row, column, message)


# A character class, not (?:\r?\n)+: the group makes the regex engine crawl over megabytes of breaks.
_BLANK_RUN_RE: Final = re.compile(r"[\r\n]+")


def _lines(text: str) -> Iterator[tuple[int, str, str, int]]:
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


def _shape(fields: Sequence[str]) -> PisisKind | None:
    """Which annex a 13-field detail line looks like, to catch a file uploaded under the other name."""
    if len(fields) != len(PROGRAMMING_FIELDS):
        return None
    if _DATE_RE.match(fields[10]) and _DATE_RE.match(fields[11]):
        return PisisKind.PROGRAMMING
    if all(_INTEGER_RE.match(fields[index]) for index in (6, 8, 9)):
        return PisisKind.FOLLOW_UP
    return None


def _is_url(value: str) -> bool:
    value = value.strip()
    if not value or any(char.isspace() for char in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


def _is_not_executed(value: str) -> bool:
    return value.strip().casefold() == NOT_EXECUTED.casefold()


class _Reader:
    def __init__(self, name_info: PisisFileName | None, file_name: str) -> None:
        self.name_info = name_info
        self.file_name = file_name
        self.kind: PisisKind = name_info.kind if name_info is not None else PisisKind.PROGRAMMING
        self.kind_settled = False
        self.problems: list[ParseProblem] = []
        self.utf8 = False
        self.header: PisisHeader | None = None
        self.period: tuple[date, date] | None = None
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

    # -- problems --------------------------------------------------------------------------------

    def add(self, severity: Severity, code: str, row: int | None, column: str | None, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooManyProblems
        self.problems.append(ParseProblem(severity, code, row, column, message))

    # -- whole file ------------------------------------------------------------------------------

    def read(self, data: bytes) -> None:
        if self.name_info is None:
            self.add(
                "warning",
                "invalid_file_name",
                None,
                None,
                f"El nombre del archivo {_show(self.file_name)} no sigue el patrón PISIS "
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
        text = self.decode(data)
        blank_run: tuple[int, int] | None = None  # (first line, how many)
        crlf_warned = False
        for number, content, ending, count in _lines(text):
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

    def decode(self, data: bytes) -> str:
        if data.startswith(codecs.BOM_UTF8):
            try:
                text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                self.utf8_warning()
                return text
        if data.isascii():
            return data.decode("ascii")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Latin-1 maps every byte: the text decodes and re-encodes to the same bytes.
            return data.decode(ENCODING)
        self.utf8_warning()
        return text

    def utf8_warning(self) -> None:
        self.utf8 = True
        self.add(
            "warning",
            "encoding_utf8",
            None,
            None,
            "El archivo está en UTF-8 y PISIS exige ISO-8859-1 (Latin-1); se leyó como UTF-8 y la "
            "exportación lo escribirá en Latin-1.",
        )

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
                f"La primera línea debe ser el encabezado (registro tipo 1) y empieza por {_show(record_type)}.",
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
                f"Tipo de registro {_show(record_type)} inválido: los registros de detalle son de tipo 2"
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
        shape = _shape(fields)
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
        _, id_type, nit, start_text, end_text, count_text = fields
        if id_type != "NI":
            self.add(
                "error",
                "invalid_id_type",
                row,
                "tipo_identificacion",
                f"Tipo de identificación {_show(id_type)}: los anexos PPS190 se reportan con NIT (NI).",
            )
        nit_ok = bool(_NIT_RE.match(nit))
        if not nit_ok:
            self.add(
                "error",
                "invalid_nit",
                row,
                "nit",
                f"NIT {_show(nit)} inválido: deben ser de 1 a 12 dígitos, sin dígito de verificación.",
            )
        elif self.name_info is not None and (nit.lstrip("0") or "0") != self.name_info.nit:
            self.add(
                "warning",
                "nit_mismatch",
                row,
                "nit",
                f"El NIT del encabezado ({nit}) no coincide con el del nombre del archivo "
                f"({self.name_info.nit}); confirme cuál es el de la institución antes de importar.",
            )
        start = self.read_date(row, "fecha_inicio", start_text)
        end = self.read_date(row, "fecha_fin", end_text)
        count = self.declared_count = self.read_integer(row, "cantidad_registros", count_text)
        if start is not None and end is not None:
            if start > end:
                self.add(
                    "error",
                    "date_order",
                    row,
                    "fecha_fin",
                    f"El periodo del encabezado termina ({end.isoformat()}) antes de empezar ({start.isoformat()}).",
                )
            else:
                self.period = (start, end)
        if id_type == "NI" and nit_ok and start is not None and end is not None and count is not None:
            self.header = PisisHeader(
                id_type=id_type, nit=nit, start_date=start, end_date=end, declared_count=count, raw=content
            )

    # -- field readers ---------------------------------------------------------------------------

    def read_integer(self, row: int, column: str, value: str) -> int | None:
        if _INTEGER_RE.match(value):
            return int(value)
        self.add(
            "error",
            "invalid_integer",
            row,
            column,
            f"{_show(value)} no es un número entero no negativo (solo dígitos, hasta 18, sin signos, "
            "puntos ni espacios).",
        )
        return None

    def read_date(self, row: int, column: str, value: str) -> date | None:
        if _DATE_RE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.add(
            "error",
            "invalid_date",
            row,
            column,
            f"{_show(value)} no es una fecha válida en formato AAAA-MM-DD.",
        )
        return None

    def axis_line(self, row: int, value: str) -> tuple[Axis, str] | None:
        found = _AXIS_LINES.get(value)
        if found is not None:
            return found
        self.add(
            "error",
            "invalid_axis_line",
            row,
            "eje_linea",
            f"{_show(value)} no es un eje y línea válidos: se escribe E<eje>L<línea>, con eje 1 a 5 y "
            "línea a a h en minúscula (por ejemplo E1La).",
        )
        return None

    def municipality(self, row: int, value: str) -> None:
        if not _MUNICIPALITY_RE.match(value):
            self.add(
                "error",
                "invalid_municipality",
                row,
                "municipio",
                f"{_show(value)} no es un código DANE de municipio: son 5 dígitos, con el cero inicial (05604).",
            )

    def code(self, row: int, column: str, value: str, pattern: re.Pattern[str], example: str) -> None:
        if not pattern.match(value):
            self.add(
                "warning",
                "invalid_code",
                row,
                column,
                f"El código {_show(value)} no tiene la forma esperada ({example}); se conserva como está escrito.",
            )

    def text(self, row: int, column: str, value: str) -> None:
        if not value.strip():
            self.add("error", "empty_field", row, column, "El campo está vacío y es obligatorio.")

    # -- detail lines ----------------------------------------------------------------------------

    def common(self, row: int, fields: Sequence[str], goal_index: int, activity_index: int) -> _Common:
        """Fields at the same place in both annexes, plus the checks between lines they allow."""
        consecutive = self.read_integer(row, "consecutivo", fields[1])
        self.municipality(row, fields[2])
        axis_line = self.axis_line(row, fields[3])
        goal_code = fields[goal_index]
        activity_code = fields[activity_index]
        self.code(row, "codigo_meta", goal_code, _GOAL_CODE_RE, "M01")
        self.code(row, "codigo_actividad", activity_code, _ACTIVITY_CODE_RE, "A01")
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
                    f"La actividad {_show(activity_code)} de la meta {_show(goal_code)} en {fields[3]} ya está en "
                    f"la línea {first}.",
                )
        return _Common(consecutive, axis_line)

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

    def read_programming(self, row: int, content: str, fields: Sequence[str]) -> None:
        common = self.common(row, fields, goal_index=4, activity_index=6)
        goal_text = fields[5]
        activity_text = fields[7]
        self.text(row, "meta", goal_text)
        self.text(row, "actividad", activity_text)
        quantity = self.read_integer(row, "cantidad", fields[8])
        self.code(row, "codigo_poblacion", fields[9], _TWO_DIGITS_RE, "dos dígitos, como 01")
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
                    f"La meta {_show(fields[4])} de {fields[3]} tiene aquí el texto {_show(goal_text)} y en la "
                    f"línea {seen[0]} {_show(seen[1])}: una meta tiene un solo texto.",
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
        self.code(row, "codigo_poblacion", fields[7], _TWO_DIGITS_RE, "dos dígitos, como 01")
        people = self.read_integer(row, "personas_alcanzadas", fields[8])
        budget = self.read_integer(row, "presupuesto", fields[9])
        self.code(row, "segundo_codigo", fields[10], _TWO_DIGITS_RE, "dos dígitos")
        evidence = fields[11]
        not_executed = _is_not_executed(evidence)
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
        elif not _is_url(evidence):
            self.add(
                "warning",
                "evidence_not_url",
                row,
                "evidencia",
                f"La evidencia {_show(evidence)} no es una URL (http:// o https://) ni dice NO EJECUTADA.",
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


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------


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
    if not _NIT_RE.match(nit):
        raise PisisWriteError(
            f"Línea 1 del archivo (encabezado), campo «nit»: {_show(nit)} debe tener de 1 a 12 dígitos.",
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
            raise self.fail(f"el texto {_show(value)} contiene «|» o un salto de línea, que PISIS no admite.")
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
            if token != written and _INTEGER_RE.match(token) and int(token) == value:
                written = token
        self.fields.append(written)

    def evidence(self, url: str | None, not_executed: bool) -> None:
        if not not_executed:
            self.text(url or "")
            return
        if url:
            raise self.fail(f"una actividad NO EJECUTADA no lleva URL de evidencia ({_show(url)}).")
        written = NOT_EXECUTED
        if self.raw is not None and _is_not_executed(self.raw[len(self.fields)]):
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
