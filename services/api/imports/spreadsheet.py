"""Plan files in any supported container: format detection from content, guarded XLSX reading, dispatch.

Pure functions: bytes in, rows or a :class:`ParsedPlan` out, every problem reported, nothing raised.

* :func:`detect_format` looks at the bytes, not at the name (see its docstring for the tie rules).
* :func:`read_xlsx_rows` reads one sheet of a workbook with openpyxl into the rows the layout parser
  takes. Untrusted bytes are checked **before openpyxl sees them**: the total size, the zip directory (a
  zip bomb declares huge uncompressed sizes; Python's ``zipfile`` also never inflates a member past its
  declared size, so a member that lies about its size cannot blow up either), the parts every workbook
  has. The XML parser under openpyxl is the standard library's expat (2.4+), which refuses
  billion-laughs entity expansion and never fetches external entities.
* :func:`read_plan_file` is the one entry point for an uploaded plan: delimited text and XLSX go to
  :mod:`services.api.imports.association_layout`; PISIS files have their own importer.

**Merged cells.** The workbook is opened in normal (not read-only) mode because only then does openpyxl
expose the merged ranges. A **vertical** merge is filled down: a goal cell merged over its three
activity rows means the same goal in each row, and a row of the layout must say so on its own. A
**horizontal** merge keeps its value only in its top-left cell: the title, eje and líneas rows are merged
across the whole table and the ``Cronograma`` header across the twelve months; copying them to the right
would put the eje's name in every column, turn every month column into «Cronograma» and hand the
responsible rule (the last text after the months) a copy of the goal. A vertical merge is only filled
into rows that have content of their own: a title or eje row drawn two rows tall is one row, not two.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import PurePath
from typing import Final, Literal

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from services.api.imports.association_layout import (
    ParsedPlan,
    ParseProblem,
    SheetRow,
    decode_spreadsheet_bytes,
    is_plan_header,
    parse_association_rows,
    read_delimited_rows,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FileFormat",
    "MAX_COMPRESSION_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "detect_format",
    "read_plan_file",
    "read_xlsx_rows",
]

FileFormat = Literal["xlsx", "pisis", "delimited"]

DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
"""Largest upload read (10 MB): a 10,000-activity plan is well under 2 MB as XLSX or CSV."""
MAX_UNCOMPRESSED_BYTES: Final = 100 * 1024 * 1024
"""Largest sum of the uncompressed sizes of a workbook's parts."""
MAX_COMPRESSION_RATIO: Final = 100
"""Largest uncompressed:compressed ratio of one part; real sheet XML compresses about 10–20:1."""
RATIO_FLOOR_BYTES: Final = 1024 * 1024
"""Parts smaller than this are not ratio-checked: a tiny part cannot hurt, and its ratio means little."""
MAX_ZIP_MEMBERS: Final = 10_000

_ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XLSX_EXTENSIONS: Final = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm"})
_PISIS_NAME_RE: Final = re.compile(r"^PPS190[PS]PPS", re.IGNORECASE)
_PISIS_HEADER_RE: Final = re.compile(rb"^\s*1\|NI\|", re.IGNORECASE)


# --------------------------------------------------------------------------------------------------
# Format detection
# --------------------------------------------------------------------------------------------------


def detect_format(data: bytes, file_name: str) -> FileFormat:
    """Which reader a file needs, from its content; the name only breaks ties.

    * A zip archive holding ``[Content_Types].xml`` is XLSX, whatever its name.
    * A first line starting ``1|NI|`` (the PISIS header record) is PISIS, whatever its name.
    * Any other zip archive, or an OLE2 compound file (old ``.xls``, password-protected workbooks), is
      handed to the XLSX reader too: binary containers are never text, and that reader says exactly
      what is wrong (truncated, ``.xls``, OpenDocument, encrypted).
    * Ties, where the content proves nothing: an empty file, or pipe-separated lines without the
      PISIS header (detail lines only, another identification type). Then an ``.xlsx``-family name
      means XLSX, a ``PPS190PPPS``/``PPS190SPPS`` name means PISIS, anything else delimited text.
    """
    content = data.removeprefix(b"\xef\xbb\xbf")
    if content.startswith(_ZIP_MAGIC):
        return "xlsx"
    if content.startswith(_OLE2_MAGIC):
        return "xlsx"
    if _PISIS_HEADER_RE.match(content[:64]):
        return "pisis"
    first_line = content[:4096].lstrip().split(b"\n", 1)[0]
    if content.strip() and b"|" not in first_line:
        return "delimited"
    name = PurePath(file_name).name
    if PurePath(name).suffix.lower() in _XLSX_EXTENSIONS:
        return "xlsx"
    if _PISIS_NAME_RE.match(name):
        return "pisis"
    return "delimited"


# --------------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------------


def read_xlsx_rows(
    data: bytes, *, sheet: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[SheetRow], list[ParseProblem]]:
    """The rows of one sheet of an XLSX workbook, numbered as Excel numbers them (1-based).

    ``sheet`` chooses a sheet by name (case and surrounding spaces ignored; hidden sheets too). Without
    it, the first visible sheet holding a plan header is read, or the first visible sheet when none
    does (the parser then reports the missing header). Cell values become strings: integral numbers
    without ``.0``, percentages as shown (``34%``), dates as ISO ``2026-03-01``, formulas as their
    last computed value. Vertically merged cells are filled down (see the module docstring).

    A file that cannot be read gives no rows and one error: ``file_too_large``, ``zip_bomb``,
    ``invalid_xlsx`` or ``unknown_sheet``. Never raises.
    """
    guard = _guard_xlsx(data, max_bytes)
    if guard is not None:
        return [], [guard]
    try:
        with warnings.catch_warnings():
            # openpyxl warns about every extension it drops (data validation, slicers…): not the user's problem.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_links=False)
    except Exception:  # openpyxl raises KeyError, ValueError, TypeError, zip and XML errors on damaged parts
        return [], [_invalid_xlsx("Una parte interna del libro está dañada y no se pudo leer.")]
    try:
        worksheets = [item for item in workbook.worksheets if isinstance(item, Worksheet)]
        if not worksheets:
            return [], [_invalid_xlsx("El libro no tiene ninguna hoja de cálculo.")]
        if sheet is not None:
            wanted = sheet.strip().casefold()
            chosen = next((item for item in worksheets if item.title.strip().casefold() == wanted), None)
            if chosen is None:
                names = ", ".join(f"«{item.title}»" for item in worksheets)
                return [], [
                    ParseProblem(
                        "error",
                        "unknown_sheet",
                        None,
                        None,
                        f"El libro no tiene una hoja llamada «{sheet}»; sus hojas son: {names}.",
                    )
                ]
            return _sheet_rows(chosen), []
        visible = [item for item in worksheets if item.sheet_state == "visible"] or worksheets
        first_rows: list[SheetRow] | None = None
        for candidate in visible:
            rows = _sheet_rows(candidate)
            if first_rows is None:
                first_rows = rows
            if any(is_plan_header(cells) for _, cells in rows):
                return rows, []
        assert first_rows is not None
        return first_rows, []
    except Exception:  # a sheet whose cells openpyxl accepted but cannot hand back
        return [], [_invalid_xlsx("El contenido de una hoja está dañado y no se pudo leer.")]
    finally:
        workbook.close()


def _guard_xlsx(data: bytes, max_bytes: int) -> ParseProblem | None:
    """Everything checked before openpyxl touches the bytes."""
    if len(data) > max_bytes:
        return _too_large(len(data), max_bytes)
    if data.startswith(_OLE2_MAGIC):
        return _invalid_xlsx(
            "Es un libro de Excel 97-2003 (.xls) o un libro protegido con contraseña; guárdelo como libro de "
            "Excel (.xlsx) sin contraseña."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, RuntimeError):
        return _invalid_xlsx("El archivo no es un libro XLSX válido: está truncado o dañado.")
    if len(members) > MAX_ZIP_MEMBERS:
        return _zip_bomb(f"tiene {len(members)} partes internas")
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        return _zip_bomb(f"se descomprime a {total // (1024 * 1024)} MB")
    for member in members:
        if member.file_size > RATIO_FLOOR_BYTES and member.file_size > MAX_COMPRESSION_RATIO * max(
            member.compress_size, 1
        ):
            return _zip_bomb(f"la parte «{member.filename}» se comprime más de {MAX_COMPRESSION_RATIO} a 1")
    names = {member.filename for member in members}
    if any(member.flag_bits & 0x1 for member in members):
        return _invalid_xlsx("El libro tiene partes cifradas; guárdelo sin contraseña.")
    if "[Content_Types].xml" not in names:
        if "mimetype" in names or "content.xml" in names:
            return _invalid_xlsx("Es una hoja de cálculo OpenDocument (.ods); guárdela como libro de Excel (.xlsx).")
        return _invalid_xlsx("El archivo es un .zip pero no un libro de Excel: le falta [Content_Types].xml.")
    if not any(name.casefold().endswith("workbook.xml") for name in names):
        return _invalid_xlsx("Al libro le falta la parte del libro de trabajo (xl/workbook.xml).")
    return None


def _sheet_rows(worksheet: Worksheet) -> list[SheetRow]:
    values: dict[int, dict[int, str]] = {}
    # The worksheet's own cell store, not iter_rows: iter_rows creates every cell of the used range,
    # which a stray format in cell XFD1048576 makes billions of.
    for (row, column), cell in worksheet._cells.items():
        value = cell.value
        if value is None:
            continue
        text = _cell_string(value, cell.number_format)
        if text:
            values.setdefault(row, {})[column] = text
    rows_with_content = set(values)
    for merged in worksheet.merged_cells.ranges:
        if merged.max_row == merged.min_row:
            continue
        anchor = values.get(merged.min_row, {}).get(merged.min_col)
        if anchor is None:
            continue
        for row in range(merged.min_row + 1, merged.max_row + 1):
            if row in rows_with_content:
                values[row][merged.min_col] = anchor
    rows: list[SheetRow] = []
    for row in sorted(values):
        row_values = values[row]
        width = max(row_values)
        rows.append((row, [row_values.get(column, "") for column in range(1, width + 1)]))
    return rows


def _cell_string(value: object, number_format: str) -> str:
    """A cell value as the sheet shows it, for a parser that reads text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "VERDADERO" if value else "FALSO"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if "%" in number_format:
            return f"{round(value * 100, 10):g}%"
        if value.is_integer():
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _too_large(size: int, max_bytes: int) -> ParseProblem:
    return ParseProblem(
        "error",
        "file_too_large",
        None,
        None,
        f"El archivo pesa {size / (1024 * 1024):.1f} MB y el máximo es {max_bytes / (1024 * 1024):.0f} MB; "
        "divida el plan o quite imágenes y hojas que no sean del plan.",
    )


def _zip_bomb(reason: str) -> ParseProblem:
    return ParseProblem(
        "error",
        "zip_bomb",
        None,
        None,
        f"El archivo se rechazó sin abrirlo: {reason}, lo que no corresponde a un plan de acción "
        "(posible bomba de compresión).",
    )


def _invalid_xlsx(reason: str) -> ParseProblem:
    return ParseProblem("error", "invalid_xlsx", None, None, reason)


# --------------------------------------------------------------------------------------------------
# One entry point
# --------------------------------------------------------------------------------------------------


def read_plan_file(
    data: bytes, *, file_name: str, sheet: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParsedPlan:
    """Read an uploaded plan file (delimited text or XLSX) in the association or EPS annex layout.

    PISIS files are detected and refused with ``unsupported_format``: their importer is another one.
    A file that cannot be read at all gives a plan with no axes and that one error.
    """
    if len(data) > max_bytes:
        return _unread(file_name, [_too_large(len(data), max_bytes)])
    if not data.strip():
        return _unread(file_name, [ParseProblem("error", "empty_file", None, None, "El archivo está vacío.")])
    file_format = detect_format(data, file_name)
    if file_format == "pisis":
        return _unread(
            file_name,
            [
                ParseProblem(
                    "error",
                    "unsupported_format",
                    None,
                    None,
                    "El archivo es un plano PISIS (PPS190PPPS/PPS190SPPS), no una hoja de cálculo del plan; "
                    "cárguelo como archivo PISIS.",
                )
            ],
        )
    if file_format == "xlsx":
        rows, problems = read_xlsx_rows(data, sheet=sheet, max_bytes=max_bytes)
        if _blocks(problems):
            return _unread(file_name, problems)
        return parse_association_rows(rows, file_name=file_name, problems=problems)
    text, decoding = decode_spreadsheet_bytes(data)
    problems = list(decoding)
    if _blocks(problems):
        return _unread(file_name, problems)
    if sheet is not None:
        problems.append(
            ParseProblem(
                "warning",
                "sheet_ignored",
                None,
                None,
                f"Se pidió la hoja «{sheet}», pero el archivo es texto delimitado (CSV/TSV) y no tiene hojas.",
            )
        )
    rows, row_problems = read_delimited_rows(text)
    return parse_association_rows(rows, file_name=file_name, problems=[*problems, *row_problems])


def _blocks(problems: Sequence[ParseProblem]) -> bool:
    return any(problem.severity == "error" for problem in problems)


def _unread(file_name: str, problems: Sequence[ParseProblem]) -> ParsedPlan:
    return ParsedPlan(title=PurePath(file_name).stem, year=None, objective=None, axes=(), problems=tuple(problems))
