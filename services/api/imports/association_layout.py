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

import codecs
import csv
import functools
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Final, Literal

from services.api.imports.deadline import check_deadline
from shared.enums import AXIS_LABELS, Axis

__all__ = [
    "PlanLayout",
    "ParseProblem",
    "ParsedActivity",
    "ParsedAxis",
    "ParsedGoal",
    "ParsedPlan",
    "Severity",
    "SheetRow",
    "axis_from_name",
    "decode_spreadsheet_bytes",
    "decode_spreadsheet_text",
    "detect_delimiter",
    "is_plan_header",
    "parse_association_plan",
    "parse_association_rows",
    "read_delimited_rows",
]

Severity = Literal["error", "warning"]
"""``error`` blocks an import; ``warning`` must be accepted by the caller."""

PlanLayout = Literal["association", "eps_annex"]
"""Which layout the header row revealed: ``eps_annex`` when it has an ``Acciones a desarrollar`` column."""

SheetRow = tuple[int, Sequence[str]]
"""One spreadsheet row: its 1-based line number in the file and its cells, left to right."""


# --------------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Something wrong or doubtful in the file, located as a spreadsheet user would look for it."""

    severity: Severity
    code: str
    row: int | None
    """1-based line number in the file where the row starts; ``None`` for problems of the whole file."""
    column: str | None
    """Spreadsheet column letter (``A``, ``B``, … ``AA``) when one cell is at fault."""
    message: str
    """Human explanation, in Spanish."""


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


# --------------------------------------------------------------------------------------------------
# Bytes → text → rows
# --------------------------------------------------------------------------------------------------


def decode_spreadsheet_text(data: bytes) -> str:
    """Decode a spreadsheet export and normalise its line endings to ``\\n``.

    Accepts UTF-8 with or without BOM, UTF-16 with or without BOM (Excel's "Unicode text") and, for lines
    that are not valid UTF-8, Windows-1252 (what Excel writes on Spanish Windows) or, for the few bytes
    cp1252 leaves undefined, Latin-1. Never raises: Latin-1 decodes any byte. See
    :func:`decode_spreadsheet_bytes` for the problems found on the way.
    """
    return decode_spreadsheet_bytes(data)[0]


_LINE_BREAK_BYTES: Final = re.compile(rb"\r\n|\r|\n")
# Text that was UTF-8, read as cp1252 (or Latin-1) and saved as UTF-8 again: "ACCIÃ“N" for "ACCIÓN".
_MOJIBAKE_RE: Final = re.compile(
    "[ÃÂ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_BINARY_SAMPLE: Final = 65_536
_BINARY_CONTROL_SHARE: Final = 0.01


_BAD_CHARACTERS = re.compile("[\ufffd\x80-\x9f]")


def decode_spreadsheet_bytes(data: bytes) -> tuple[str, tuple[ParseProblem, ...]]:
    """:func:`decode_spreadsheet_text` plus the problems of the encoding.

    * ``binary_file`` (error): NUL bytes or many control characters: not a text export at all.
    * ``mixed_encoding`` (warning): some lines are not UTF-8 although the file has a UTF-8 BOM or other
      lines are UTF-8; they were read as Windows-1252.
    * ``double_encoded_text`` (warning): ``ACCIÃ“N`` for ``ACCIÓN``, text encoded twice; repaired when
      the repair is exact.
    * ``invalid_characters`` (warning): bytes no encoding explains (shown as ``�`` or control characters).
    """
    problems: list[ParseProblem] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif (utf16 := _utf16_without_bom(data)) is not None:
        text = data.decode(utf16, errors="replace")
    else:
        has_bom = data.startswith(codecs.BOM_UTF8)
        body = data[len(codecs.BOM_UTF8) :] if has_bom else data
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, fallback_line, utf8_lines = _decode_by_line(body)
            if has_bom or utf8_lines:
                problems.append(
                    _warning(
                        "mixed_encoding",
                        fallback_line,
                        None,
                        "Parte del archivo no está en UTF-8 aunque el resto sí; esas filas se leyeron como "
                        "Windows-1252 (Excel en español). Revise las tildes y eñes, o exporte de nuevo como "
                        "«CSV UTF-8».",
                    )
                )
    text = _normalise_newlines(text)
    text = _repair_double_encoding(text, problems)

    sample = text[:_BINARY_SAMPLE]
    controls = sum(1 for char in sample if char < " " and char not in "\t\n")
    if "\x00" in sample or controls > _BINARY_CONTROL_SHARE * len(sample):
        problems.append(
            _error(
                "binary_file",
                None,
                None,
                "El archivo no es texto (TSV/CSV) ni un libro XLSX: parece un archivo binario (PDF, imagen, "
                "documento de Word o un .xls antiguo). Guárdelo como .xlsx o como CSV y envíelo de nuevo.",
            )
        )
        return text, tuple(problems)
    # A regular expression scans in C: a per-character loop cost most of the time of a 10,000-row import.
    found = _BAD_CHARACTERS.search(text)
    bad = found.start() if found else None
    if bad is not None:
        problems.append(
            _warning(
                "invalid_characters",
                text.count("\n", 0, bad) + 1,
                None,
                "El archivo tiene caracteres que no corresponden a ninguna codificación conocida (se "
                "muestran como «�» o como símbolos de control); revise los textos de esa fila y las siguientes.",
            )
        )
    return text, tuple(problems)


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte of the start is NUL, as UTF-16 text without BOM is."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return None
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _decode_by_line(body: bytes) -> tuple[str, int | None, bool]:
    """Decode line by line: UTF-8 where valid, else cp1252, else Latin-1 (files pasted together)."""
    pieces: list[str] = []
    fallback_line: int | None = None
    utf8_lines = False
    for number, line in enumerate(_LINE_BREAK_BYTES.split(body), start=1):
        try:
            piece = line.decode("utf-8")
            utf8_lines = utf8_lines or not line.isascii()
        except UnicodeDecodeError:
            try:
                piece = line.decode("cp1252")
            except UnicodeDecodeError:
                piece = line.decode("latin-1")
            if fallback_line is None:
                fallback_line = number
        pieces.append(piece)
    return "\n".join(pieces), fallback_line, utf8_lines


def _repair_double_encoding(text: str, problems: list[ParseProblem]) -> str:
    if _MOJIBAKE_RE.search(text) is None:
        return text
    lines = text.split("\n")
    first: int | None = None
    repaired_all = True
    for index, line in enumerate(lines):
        if _MOJIBAKE_RE.search(line) is None:
            continue
        first = first if first is not None else index + 1
        try:
            lines[index] = _windows_bytes(line).decode("utf-8")
        except UnicodeError:
            repaired_all = False
    problems.append(
        _warning(
            "double_encoded_text",
            first,
            None,
            "El texto está codificado dos veces (por ejemplo «ACCIÃ“N» en lugar de «ACCIÓN»), como queda al "
            "abrir un CSV UTF-8 como si fuera Windows-1252 y guardarlo de nuevo; "
            + ("se corrigió al leerlo." if repaired_all else "algunas filas no se pudieron corregir."),
        )
    )
    return "\n".join(lines)


def _windows_bytes(text: str) -> bytes:
    """The bytes Windows read as ``text``: cp1252, whose five undefined bytes it shows as U+0081… (Latin-1)."""
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        return bytes(char.encode("cp1252")[0] if ord(char) > 0xFF else ord(char) for char in text)


_DELIMITERS: Final = ("\t", ";", ",")
_SNIFF_RECORDS: Final = 100


def detect_delimiter(text: str, is_header: Callable[[Sequence[str]], bool] | None = None) -> str:
    """Choose the cell delimiter of a delimited export: tab, ``;`` or ``,``.

    Each candidate splits the first rows; the winner is the one under which a plan header
    (``Meta``/``Actividades``) falls into separate cells, then the one giving the most rows of the
    same width (spreadsheets export every row with the same number of cells, while the commas of
    Spanish prose do not line up). Ties go to tab, the seed's delimiter. ``is_header`` tells another
    importer's header (complaints) instead of the plan's.
    """
    best = _DELIMITERS[0]
    best_score: tuple[bool, int, int] = (False, 0, 0)
    for delimiter in _DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        widths: Counter[int] = Counter()
        header_found = False
        try:
            for index, record in enumerate(reader):
                if index >= _SNIFF_RECORDS:
                    break
                if not any(cell.strip() for cell in record):
                    continue
                widths[len(record)] += 1
                header_found = header_found or (
                    is_header(record) if is_header is not None else _header_columns(record) is not None
                )
        except csv.Error:
            continue
        width, rows = widths.most_common(1)[0] if widths else (0, 0)
        score = (header_found, rows if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_delimited_rows(
    text: str, *, is_header: Callable[[Sequence[str]], bool] | None = None
) -> tuple[list[SheetRow], list[ParseProblem]]:
    """Split delimited text into numbered rows, with quoted cells that span lines.

    Each row carries the line number where it starts, so problems point at the line a text editor
    shows. A quoted cell left open (a truncated file) is an error; other stray quotes are read
    leniently and reported as a warning.
    """
    text = _normalise_newlines(text.removeprefix("\ufeff"))
    delimiter = detect_delimiter(text, is_header)
    problems: list[ParseProblem] = []
    try:
        return _read_rows(text, delimiter, strict=True), problems
    except _RowError as exc:
        if exc.at_end_of_data:
            problems.append(
                _error(
                    "unterminated_quote",
                    exc.row,
                    None,
                    "Una celda entre comillas abre en esta fila y no se cierra antes del final del "
                    "archivo: el archivo puede estar truncado o mal exportado.",
                )
            )
        else:
            problems.append(
                _warning(
                    "malformed_quotes",
                    exc.row,
                    None,
                    "Las comillas de esta fila no siguen el formato CSV; se leyó la fila tal como está, "
                    "revise que las celdas queden en su columna.",
                )
            )
    return _read_rows(text, delimiter, strict=False), problems


class _RowError(Exception):
    def __init__(self, row: int, *, at_end_of_data: bool) -> None:
        super().__init__(row)
        self.row = row
        self.at_end_of_data = at_end_of_data


def _read_rows(text: str, delimiter: str, *, strict: bool) -> list[SheetRow]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    rows: list[SheetRow] = []
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            raise _RowError(start, at_end_of_data="end of data" in str(exc)) from exc
        rows.append((start, record))
        check_deadline()
        # line_num counts the physical lines consumed so far, including those inside quoted cells.
        start = reader.line_num + 1


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------------


def parse_association_plan(text: str, *, file_name: str = "") -> ParsedPlan:
    """Parse a plan in the association or EPS annex layout from delimited text (TSV, ``;``- or ``,``-CSV).

    ``file_name`` only serves as a fallback for the title and the year. Decode bytes with
    :func:`decode_spreadsheet_text` first.
    """
    rows, problems = read_delimited_rows(text)
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
    return _header_columns(cells) is not None


def axis_from_name(name: str) -> Axis | None:
    """The official eje a name refers to (``Impulso a la cultura de la salud`` → ``E3``), if exactly one."""
    words = f" {' '.join(re.findall(r'[a-z0-9]+', _fold(name)))} "
    found = {axis for axis, phrases in _AXIS_PHRASES.items() if any(f" {phrase} " in words for phrase in phrases)}
    return found.pop() if len(found) == 1 else None


# --------------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------------


def _clean(value: str) -> str:
    """Collapse every run of whitespace (line breaks, tabs, non-breaking spaces) to one space."""
    return " ".join(value.split())


def _fold(value: str) -> str:
    """Lower case without accents, for matching words the way people misspell them."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@functools.lru_cache(maxsize=4096)
def _key(value: str) -> str:
    """A cell reduced to its letters and digits: ``Enero:`` and ``ENERO`` meet."""
    return "".join(char for char in _fold(value) if char.isalnum())


_HEADER_STOPWORDS: Final = frozenset({"a", "al", "de", "del", "el", "en", "la", "las", "lo", "los", "para", "por", "y"})


def _singular(word: str) -> str:
    """Spanish plural → singular, enough for header words: acciones → accion, metas → meta."""
    if len(word) > 4 and word.endswith("es") and word[-3] in "ndr":
        return word[:-2]
    if len(word) > 3 and word.endswith("s"):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=4096)
def _header_key(value: str) -> str:
    """A header cell as singular, unaccented words without articles.

    ``ACCIONES A DESARROLLAR``, ``Acción a desarrollar`` and ``Acciones de desarrollar`` → ``accion desarrollar``.
    """
    words = re.findall(r"[a-z0-9]+", _fold(value))
    return " ".join(_singular(word) for word in words if word not in _HEADER_STOPWORDS)


def _column_letter(index: int) -> str:
    """0 → ``A``, 25 → ``Z``, 26 → ``AA``: how spreadsheet users name columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _error(code: str, row: int | None, column: str | None, message: str) -> ParseProblem:
    return ParseProblem("error", code, row, column, message)


def _warning(code: str, row: int | None, column: str | None, message: str) -> ParseProblem:
    return ParseProblem("warning", code, row, column, message)


# Marks people type in a schedule cell; anything else in a month cell is reported, not guessed at.
_MARKS: Final = frozenset({"x", "✓", "✔", "☑", "✅"})


def _is_mark(value: str) -> bool:
    return value.strip().casefold() in _MARKS


# Matched on whitespace-collapsed text. "No"/"N°"/"Nº"/"Nro."/"#" may precede the number; the number
# may be missing when the name is there ("EJE ESTRATÉGICO: CONTROL SOCIAL EN SALUD").
_AXIS_RE: Final = re.compile(
    r"^eje\b(?P<strategic>\s+estrat[eé]gico)?\s*"
    r"(?:(?:(?:no|n[°º]|nro|n[uú]m(?:ero)?)\.?\s*|#\s*)?(?P<number>\d{1,2})(?!\d))?"
    r"(?:\s*[.:)\-–—]+)?\s*(?P<name>.*)$",
    re.IGNORECASE,
)
# Distinctive words of each official eje name (folded), enough to tell them apart as sheets write them.
_AXIS_PHRASES: Final[dict[Axis, tuple[str, ...]]] = {
    Axis.E1: ("fortalecimiento institucional",),
    Axis.E2: ("empoderamiento",),
    Axis.E3: ("cultura de la salud", "cultura en salud", "cultura de salud", "impulso a la cultura"),
    Axis.E4: ("control social",),
    Axis.E5: ("gestion y garantia", "garantia en salud", "proceso de decision"),
}
_LINES_RE: Final = re.compile(
    r"^l[ií]neas?\s+(?:del\s+eje|de\s+acci[oó]n(?:\s+del\s+eje)?)\s*:?\s*(?P<text>.*)$", re.IGNORECASE
)
_OBJECTIVE_RE: Final = re.compile(r"^objetivo(?:\s+(?:general|estrat[eé]gico))?\s*:\s*(?P<text>.*)$", re.IGNORECASE)
_EAPB_RE: Final = re.compile(
    r"^(?:nombre\s+de\s+la\s+)?(?:eapb|eps)(?:\s*/\s*(?:eapb|eps))?\s*:\s*(?P<text>.*)$", re.IGNORECASE
)
_RESPONSIBLE_RE: Final = re.compile(r"^responsables?\s*:\s*(?P<text>.*)$", re.IGNORECASE)
_BULLETS: Final = "•▪◦●○■□‣⁃➢►▸·-*–—"
_BULLET_RE: Final = re.compile(rf"^[{re.escape(_BULLETS)}]\s*(?P<text>.*)$")
# "1." / "1)" / "1.1." / "1.1 " before the goal text. The text must start with a non-digit so that
# figures ("3.000 usuarios", "2025 asociados") are never taken for a number.
_GOAL_NUMBER_RE: Final = re.compile(
    r"^(?P<number>\d{1,3}(?:\.\d{1,2})*[.)]|\d{1,3}(?:\.\d{1,2})+(?=\s))\s*(?P<text>[^\d\s].*)$"
)
_BASELINE_RE: Final = re.compile(r"l[ií]nea\s+(?:de\s+)?base\b[^;()\n]*", re.IGNORECASE)
_YEAR_RE: Final = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_LEGAL_REFERENCE_RE: Final = re.compile(r"\b(?:resoluci[oó]n|decreto|ley|circular|acuerdo)\b", re.IGNORECASE)
_CODE_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,9}$")
_MADE_UP_CODE_RE: Final = re.compile(r"^(?P<base>M\d+)[A-Z]\d*$")
_QUANTITY_RE: Final = re.compile(r"^\d{1,9}$")


def _split_goal_number(text: str) -> tuple[str | None, str]:
    match = _GOAL_NUMBER_RE.match(text)
    if match is None:
        return None, text
    return match["number"], match["text"]


def _number_parts(number: str | None) -> tuple[int, ...]:
    """``1.2.`` → ``(1, 2)``; ``()`` without a number."""
    if number is None:
        return ()
    return tuple(int(part) for part in re.findall(r"\d+", number))


def _find_baseline(text: str) -> str | None:
    """The ``Línea de base …`` phrase up to its last comma-separated part holding a figure."""
    match = _BASELINE_RE.search(text)
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


def _bullet_text(filled: list[tuple[int, str]]) -> str | None:
    """The text of a bullet row: ``• texto`` alone, or a bare bullet cell followed by one text cell."""
    if len(filled) == 1:
        match = _BULLET_RE.match(filled[0][1])
        return match["text"] if match is not None and match["text"] else None
    if len(filled) == 2 and len(filled[0][1]) == 1 and filled[0][1] in _BULLETS:
        return filled[1][1]
    return None


def _letter_suffixes() -> Iterator[str]:
    """``A`` … ``Z``, then ``A1`` … ``Z9``, ``A10`` …: suffixes for codes the parser makes up."""
    letters = [chr(code) for code in range(ord("A"), ord("Z") + 1)]
    yield from letters
    number = 1
    while True:
        for letter in letters:
            yield f"{letter}{number}"
        number += 1


# --------------------------------------------------------------------------------------------------
# Header and month row
# --------------------------------------------------------------------------------------------------

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

# Exact header keys (see _header_key) for each column; indicator/cronograma/responsable go by prefix.
_HEADER_SYNONYMS: Final[dict[str, _ColumnName]] = {
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
_HEADER_PREFIXES: Final[tuple[tuple[str, _ColumnName], ...]] = (
    ("indicador", "indicator"),
    ("cronograma", "schedule"),
    ("responsable", "responsible"),
)


@dataclass(frozen=True, slots=True)
class _Columns:
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


_HEADER_CELL_MAX: Final = 40


@functools.lru_cache(maxsize=4096)
def _header_name(cell: str) -> _ColumnName | None:
    key = _header_key(cell)
    if not key:
        return None
    name = _HEADER_SYNONYMS.get(key)
    if name is not None:
        return name
    for prefix, prefixed in _HEADER_PREFIXES:
        if key.startswith(prefix):
            return prefixed
    return None


def _header_columns(cells: Sequence[str]) -> _Columns | None:
    """Locate the plan columns by their normalised names; ``None`` without a goal column and Actividades."""
    found: dict[_ColumnName, int] = {}
    titled: list[int] = []
    for index, cell in enumerate(cells):
        # Every row is tried as a header, so long texts (goals, activities) are skipped unfolded.
        if not cell or len(cell) > _HEADER_CELL_MAX or not cell.strip():
            continue
        titled.append(index)
        name = _header_name(cell)
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
    return _Columns(
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
_MONTH_FORMS: Final[tuple[frozenset[str], ...]] = tuple(
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
_MONTH_NAMES: Final = frozenset(name for forms in _MONTH_FORMS for name in forms if len(name) > 3)


def _month_run_at(keys: Sequence[str], start: int) -> bool:
    return start + 12 <= len(keys) and all(keys[start + offset] in _MONTH_FORMS[offset] for offset in range(12))


def _month_columns(cells: Sequence[str], preferred_start: int | None) -> tuple[int, ...] | None:
    """The twelve consecutive columns reading January … December (single letters only as a run)."""
    keys = [_key(cell) for cell in cells]
    starts = [preferred_start] if preferred_start is not None else []
    starts += [index for index, key in enumerate(keys) if key in _MONTH_FORMS[0]]
    for start in starts:
        if _month_run_at(keys, start):
            return tuple(range(start, start + 12))
    return None


def _mentions_months(cells: Sequence[str]) -> bool:
    """Whether a row names months without forming a full January–December run (a broken month row)."""
    return sum(_key(cell) in _MONTH_NAMES for cell in cells) >= 3


# --------------------------------------------------------------------------------------------------
# The row-by-row parser
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Layout:
    columns: _Columns
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


@dataclass(slots=True)
class _GoalDraft:
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
        baseline = self.baseline or _find_baseline(self.text)
        for activity in self.activities:
            baseline = baseline or _find_baseline(activity.text)
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
class _AxisDraft:
    axis: Axis
    name: str
    row: int
    column: int
    lines: list[str] = field(default_factory=list)
    last_line_bullet: bool = False
    goals: list[_GoalDraft] = field(default_factory=list)

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


class _Parser:
    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.problems: list[ParseProblem] = []
        self.title: str | None = None
        self.objective: str | None = None
        self.eapb: str | None = None
        self.responsible: str | None = None
        self.title_block: list[tuple[int, str]] = []
        self.axes: dict[Axis, _AxisDraft] = {}
        self.axis: _AxisDraft | None = None
        # After an eje row with an impossible number, its rows are skipped: the eje error already blocks.
        self.inside_invalid_axis = False
        self.layout: _Layout | None = None
        self.goal: _GoalDraft | None = None
        self.goal_numbers: set[int] = set()
        self.highest_goal_number = 0
        self.goal_codes: set[str] = set()
        """Every goal code given so far, for made-up codes to avoid."""
        self.written_goal_codes: set[tuple[Axis, str | None, str]] = set()
        self.last_target: str | None = None

    # -- rows ------------------------------------------------------------------------------------

    def feed(self, row: int, cells: Sequence[str]) -> None:
        filled = [(index, _clean(cell)) for index, cell in enumerate(cells) if cell and not cell.isspace()]
        if not filled:
            return
        first_index, first_text = filled[0]

        if self.layout is not None and self.layout.awaiting_month_row:
            if self._month_row(row, cells):
                return

        # The header first: a header may start with an «EJE ESTRATÉGICO» column, an eje row is never a header.
        columns = _header_columns(cells)
        if columns is not None:
            self._header_row(row, cells, columns)
            return
        axis_match = _AXIS_RE.match(first_text) if first_text[:3].casefold() == "eje" else None
        if axis_match is not None and self._axis_row(row, first_index, axis_match, filled):
            return
        lines_match = _LINES_RE.match(first_text)
        if lines_match is not None:
            self._lines_row(row, lines_match["text"] or _next_text(filled))
            return
        if self.axis is not None and not self.axis.goals and (bullet := _bullet_text(filled)) is not None:
            self.axis.add_bullet(bullet)
            return
        if self.layout is None:
            self._title_row(row, first_text, filled)
            return
        self._data_row(row, cells)

    def _header_row(self, row: int, cells: Sequence[str], columns: _Columns) -> None:
        self.layout = _Layout(columns=columns, header_row=row)
        months = _month_columns(cells, columns.schedule)
        if months is not None:
            # Some sheets write the months in the header row itself.
            self.layout.set_months(months)
            self.layout.awaiting_month_row = False

    def _month_row(self, row: int, cells: Sequence[str]) -> bool:
        """Read the row under the header; ``True`` when it was the month row."""
        assert self.layout is not None
        layout = self.layout
        layout.awaiting_month_row = False
        months = _month_columns(cells, layout.columns.schedule)
        if months is not None:
            executed: tuple[int, ...] = ()
            start = layout.columns.executed
            if start is not None:
                keys = [_key(cell) for cell in cells]
                if start not in months and _month_run_at(keys, start):
                    executed = tuple(range(start, start + 12))
                else:
                    self.problems.append(
                        _warning(
                            "executed_without_months",
                            row,
                            _column_letter(start),
                            "La columna «Ejecutado» no tiene los doce meses debajo; las cantidades ejecutadas "
                            "no se leyeron.",
                        )
                    )
            layout.set_months(months, executed)
            return True
        schedule = layout.columns.schedule
        if _mentions_months(cells):
            self.problems.append(
                _error(
                    "invalid_month_header",
                    row,
                    None,
                    "La fila de meses no tiene los doce meses seguidos de enero a diciembre; "
                    + (
                        "se usan las doce columnas desde «Cronograma»."
                        if schedule is not None
                        else "no se puede leer el cronograma."
                    ),
                )
            )
        elif schedule is not None:
            self.problems.append(
                _warning(
                    "missing_month_row",
                    layout.header_row,
                    _column_letter(schedule),
                    "No hay fila de meses bajo el encabezado; se toman como enero a diciembre las doce "
                    "columnas que empiezan en «Cronograma».",
                )
            )
        else:
            self.problems.append(
                _error(
                    "missing_month_columns",
                    layout.header_row,
                    None,
                    "El encabezado no tiene columna «Cronograma» ni fila de meses: no se puede leer "
                    "el cronograma de las actividades.",
                )
            )
        if schedule is not None:
            layout.set_months(tuple(range(schedule, schedule + 12)))
        # A broken month row is consumed; any other row is data and is read as such.
        return _mentions_months(cells)

    def _axis_row(self, row: int, column: int, match: re.Match[str], filled: list[tuple[int, str]]) -> bool:
        """Read an eje row; ``False`` when the row only starts with the word «eje» and is no eje row."""
        written_name = match["name"] or (_next_text(filled) if match["number"] or match["strategic"] else "")
        by_name = axis_from_name(written_name) if written_name else None
        number = int(match["number"]) if match["number"] else None
        if number is None and by_name is None:
            if not match["strategic"]:
                return False  # "Ejecutar …", "Eje temático …": not an eje row
            self._invalid_axis(
                row,
                column,
                f"La fila «{filled[0][1]}» no dice el número del eje estratégico y su nombre no es el de "
                "ninguno de los cinco ejes de la Resolución 2063 de 2017. Las metas de este eje no se leyeron.",
            )
            return True
        if by_name is not None:
            axis = by_name
            if number is not None and number != int(axis.value[1:]):
                self.problems.append(
                    _warning(
                        "axis_number_mismatch",
                        row,
                        _column_letter(column),
                        f"El eje dice el número {number} pero su nombre es el del eje {axis.value[1:]} "
                        f"({AXIS_LABELS[axis]}); se tomó el eje {axis.value[1:]} por su nombre.",
                    )
                )
        else:
            assert number is not None
            if not 1 <= number <= 5:
                self._invalid_axis(
                    row,
                    column,
                    f"El eje estratégico {number} no existe: la Resolución 2063 de 2017 define los "
                    "ejes 1 a 5. Las metas de este eje no se leyeron.",
                )
                return True
            axis = Axis(f"E{number}")
        self.goal = None
        self.inside_invalid_axis = False
        existing = self.axes.get(axis)
        if existing is not None:
            self.problems.append(
                _warning(
                    "duplicate_axis",
                    row,
                    _column_letter(column),
                    f"El eje estratégico {axis.value[1:]} ya apareció en la fila {existing.row}; sus metas se "
                    "agregan a ese eje.",
                )
            )
            self.axis = existing
            return True
        name = written_name or AXIS_LABELS[axis]
        self.axis = self.axes[axis] = _AxisDraft(axis=axis, name=name, row=row, column=column)
        return True

    def _invalid_axis(self, row: int, column: int, message: str) -> None:
        self.goal = None
        self.axis = None
        self.inside_invalid_axis = True
        self.problems.append(_error("invalid_axis", row, _column_letter(column), message))

    def _lines_row(self, row: int, text: str) -> None:
        if self.axis is not None:
            if text:
                self.axis.add_lines_text(text)
        elif not self.inside_invalid_axis:
            self.problems.append(
                _warning(
                    "lines_without_axis",
                    row,
                    None,
                    "Fila «Líneas del eje» antes de cualquier «Eje Estratégico»; se ignoró.",
                )
            )

    def _title_row(self, row: int, text: str, filled: list[tuple[int, str]]) -> None:
        objective = _OBJECTIVE_RE.match(text)
        if objective is not None:
            if self.objective is None:
                self.objective = objective["text"] or _next_text(filled) or None
            return
        eapb = _EAPB_RE.match(text)
        if eapb is not None:
            if self.eapb is None:
                self.eapb = eapb["text"] or _next_text(filled) or None
            return
        responsible = _RESPONSIBLE_RE.match(text)
        if responsible is not None:
            if self.responsible is None:
                self.responsible = responsible["text"] or _next_text(filled) or None
            return
        if self.axis is None and not self.inside_invalid_axis:
            self.title_block.append((row, text))
            if self.title is None:
                self.title = text

    def _data_row(self, row: int, cells: Sequence[str]) -> None:
        assert self.layout is not None
        columns = self.layout.columns

        def cell(index: int | None) -> str:
            return _cell_text(cells, index)

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
                    _warning(
                        "goal_without_activity",
                        row,
                        _column_letter(columns.activity),
                        "La meta no tiene texto de actividad en esta fila; se registró la meta sin "
                        "esta actividad (su cronograma y responsable no se leyeron).",
                    )
                )
            elif not self.inside_invalid_axis:
                self.problems.append(
                    _warning(
                        "row_ignored",
                        row,
                        None,
                        "La fila no tiene meta ni actividad; se ignoró.",
                    )
                )
            return
        if self.goal is None:
            if not self.inside_invalid_axis:
                self.problems.append(
                    _error(
                        "activity_without_goal",
                        row,
                        _column_letter(columns.activity),
                        "Actividad sin meta: ni esta fila ni las anteriores del eje tienen texto en la columna "
                        f"«{'Acciones a desarrollar' if columns.action_layout else 'Meta'}».",
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
            return goal_code == goal.written_code and _line_letter(line) == goal.line
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
                    _error(
                        "goal_without_axis",
                        row,
                        _column_letter(columns.goal),
                        "Meta sin eje: falta una fila «Eje Estratégico No N.» antes de esta meta.",
                    )
                )
            return False
        axis = self.axis
        number, text = _split_goal_number(source_text)
        line = _line_letter(line_cell)
        if line_cell and line is None:
            assert columns.line is not None
            self.problems.append(
                _warning(
                    "invalid_line",
                    row,
                    _column_letter(columns.line),
                    f"La línea «{line_cell}» no es una letra (a, b, c…); la meta queda sin línea.",
                )
            )
        code: str | None = None
        if written_code:
            assert columns.goal_code is not None
            key = (axis.axis, line, written_code)
            if _CODE_RE.match(written_code) is None:
                self._code_problem("invalid_code", row, columns.goal_code, f"El código de meta «{written_code}»")
            elif key in self.written_goal_codes:
                self._code_problem("duplicate_code", row, columns.goal_code, f"El código de meta {written_code}")
            else:
                code = written_code
                self.written_goal_codes.add(key)
        if code is None:
            if columns.action_layout:
                code = self._action_code(row, number, axis)
            else:
                code = self._numbered_code(row, number)
        self.goal_codes.add(code)
        self.goal = _GoalDraft(
            code=code,
            number=number,
            text=text,
            source_text=source_text,
            row=row,
            axis=axis.axis,
            line=line,
            written_code=written_code,
            baseline=baseline or None,
            parts=_number_parts(number),
        )
        axis.goals.append(self.goal)
        return True

    def _code_problem(self, code: str, row: int, column: int, subject: str) -> None:
        reason = "no es válido (hasta 10 letras, dígitos, «.», «_» o «-»)" if code == "invalid_code" else "ya se usó"
        self.problems.append(
            _warning(code, row, _column_letter(column), f"{subject} {reason}; se le asignó otro código.")
        )

    def _numbered_code(self, row: int, number: str | None) -> str:
        """Association layout: ``M`` + the written number, numbered per plan."""
        assert self.layout is not None
        written = int(number.rstrip(".)")) if number is not None and number[:-1].isdigit() else None
        code_number = written
        if written is None or written == 0 or written in self.goal_numbers or f"M{written:02d}" in self.goal_codes:
            code_number = self.highest_goal_number + 1
            while f"M{code_number:02d}" in self.goal_codes:
                code_number += 1
            if written is not None and written in self.goal_numbers:
                self.problems.append(
                    _warning(
                        "duplicate_goal_number",
                        row,
                        _column_letter(self.layout.columns.goal),
                        f"El número de meta {number} ya se usó en este plan; la meta recibe el código "
                        f"M{code_number:02d}.",
                    )
                )
        assert code_number is not None
        self.goal_numbers.add(code_number)
        self.highest_goal_number = max(self.highest_goal_number, code_number)
        return f"M{code_number:02d}"

    def _action_code(self, row: int, number: str | None, axis: _AxisDraft) -> str:
        """EPS annex: two digits per level of the action's number (``1.2.`` → ``M0102``), else a lettered code."""
        assert self.layout is not None
        parts = _number_parts(number)
        if parts and len(parts) <= 4 and all(1 <= part <= 99 for part in parts):
            code = "M" + "".join(f"{part:02d}" for part in parts)
            if code not in self.goal_codes:
                return code
            self.problems.append(
                _warning(
                    "duplicate_goal_number",
                    row,
                    _column_letter(self.layout.columns.goal),
                    f"El número de acción {number} ya se usó en este plan; se le asignó un código con letra.",
                )
            )
        # Base: the previous action of the eje (its code without a letter suffix), or the eje itself.
        axis_code = f"M{axis.axis.value[1:].zfill(2)}"
        previous = axis.goals[-1].code if axis.goals else axis_code
        made_up = _MADE_UP_CODE_RE.match(previous)
        base = made_up["base"] if made_up is not None else previous
        for suffix in _letter_suffixes():
            candidate = base + suffix
            if len(candidate) > 10:
                base = axis_code
                continue
            if candidate not in self.goal_codes:
                return candidate
        raise AssertionError("unreachable: the suffixes never end")

    def _add_activity(
        self, row: int, cells: Sequence[str], text: str, indicator: str | None, target: str | None
    ) -> None:
        assert self.layout is not None
        assert self.goal is not None
        layout = self.layout
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
                if _is_mark(value):
                    months.append(month)
                else:
                    self.problems.append(
                        _warning(
                            "invalid_month_mark",
                            row,
                            _column_letter(column),
                            f"La celda del mes {month} contiene «{_clean(value)}» y no una X; el mes no se marcó.",
                        )
                    )
                continue
            month = executed_of.get(column)
            if month is not None:
                quantity = value.strip()
                if _QUANTITY_RE.match(quantity):
                    executed.append((month, int(quantity)))
                else:
                    self.problems.append(
                        _warning(
                            "invalid_executed_quantity",
                            row,
                            _column_letter(column),
                            f"La cantidad ejecutada del mes {month} es «{_clean(value)}» y no un número entero "
                            "no negativo; no se leyó.",
                        )
                    )
            elif column not in text_columns and _is_mark(value):
                self.problems.append(
                    _warning(
                        "mark_outside_months",
                        row,
                        _column_letter(column),
                        "Hay una X fuera de las doce columnas de enero a diciembre; no se tomó como mes programado.",
                    )
                )

        responsible: str | None = None
        if columns.responsible is not None and layout.months and columns.responsible < min(layout.months):
            # A Responsable column left of the months is where it says it is.
            value = cells[columns.responsible] if columns.responsible < len(cells) else ""
            responsible = _clean(value) or None
        else:
            # The responsible sits after the months, not necessarily under its header (the seed has it
            # two columns right of it): take the last text that is not a mark, before the next titled column.
            start, end = layout.responsible_span()
            for value in reversed(cells[start:end]):
                if value.strip() and not _is_mark(value):
                    responsible = _clean(value)
                    break

        goal = self.goal
        code = self._activity_code(row, _cell_text(cells, columns.activity_code), goal)
        goal.activity_codes.add(code)
        goal.activities.append(
            ParsedActivity(
                code=code,
                text=text,
                indicator_text=indicator,
                schedule_months=tuple(months),
                responsible=responsible,
                row=row,
                target_text=target,
                executed_by_month=tuple(sorted(executed)),
            )
        )

    def _activity_code(self, row: int, written: str, goal: _GoalDraft) -> str:
        assert self.layout is not None
        column = self.layout.columns.activity_code
        if written:
            assert column is not None
            if _CODE_RE.match(written) is None:
                self._code_problem("invalid_code", row, column, f"El código de actividad «{written}»")
            elif written in goal.activity_codes:
                self._code_problem("duplicate_code", row, column, f"El código de actividad {written}")
            else:
                return written
        number = len(goal.activities) + 1
        while f"A{number:02d}" in goal.activity_codes:
            number += 1
        return f"A{number:02d}"

    # -- end of file -----------------------------------------------------------------------------

    def finish(self) -> ParsedPlan:
        if self.layout is None:
            self.problems.append(
                _error(
                    "missing_header",
                    None,
                    None,
                    "No se encontró la fila de encabezado con las columnas «Meta» (o «Acciones a desarrollar») "
                    "y «Actividades»; el archivo no tiene el formato de un plan de acción.",
                )
            )
        for axis in self.axes.values():
            if not axis.goals:
                self.problems.append(
                    _warning(
                        "empty_axis",
                        axis.row,
                        _column_letter(axis.column),
                        f"El eje estratégico {axis.axis.value[1:]} no tiene metas.",
                    )
                )
        if self.layout is not None and not any(axis.goals for axis in self.axes.values()):
            self.problems.append(
                _error("no_goals", None, None, "El archivo no tiene ninguna meta con su eje estratégico.")
            )
        title = self.title or PurePath(self.file_name).stem
        if not title:
            self.problems.append(
                _warning("missing_title", None, None, "El archivo no tiene fila de título antes del encabezado.")
            )
        year = self._year()
        if year is None and self.layout is not None:
            self.problems.append(
                _error("missing_year", None, None, "El archivo no indica el año del plan; envíe el campo year.")
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

    def _year(self) -> int | None:
        candidates = [text for _, text in self.title_block[:1]]
        candidates += [text for _, text in self.title_block[1:] if not _LEGAL_REFERENCE_RE.search(text)]
        for text in candidates:
            match = _YEAR_RE.search(text)
            if match is not None:
                return int(match.group(1))
        match = _YEAR_RE.search(PurePath(self.file_name).name)
        if match is not None:
            self.problems.append(
                _warning(
                    "year_from_file_name",
                    None,
                    None,
                    f"El título no dice el año del plan; se tomó {match.group(1)} del nombre del archivo.",
                )
            )
            return int(match.group(1))
        return None


def _cell_text(cells: Sequence[str], index: int | None) -> str:
    return _clean(cells[index]) if index is not None and index < len(cells) else ""


def _line_letter(value: str) -> str | None:
    """``a``, ``B``, ``Lb``, ``E1Lb`` → the línea letter, lower case; ``None`` for anything else."""
    match = re.fullmatch(r"(?:e\d)?l?([a-z])", _fold(value).replace(" ", ""))
    return match.group(1) if match is not None else None


def _next_text(filled: list[tuple[int, str]]) -> str:
    """The second non-empty cell of a row: where a label's value lands when the label has its own cell."""
    return filled[1][1] if len(filled) > 1 else ""
