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

**Merged cells.** A **vertical** merge is filled down: a goal cell merged over its three activity rows
means the same goal in each row, and a row of the layout must say so on its own. A **horizontal** merge
keeps its value only in its top-left cell: the title, eje and líneas rows are merged across the whole
table and the ``Cronograma`` header across the twelve months; copying them to the right would put the
eje's name in every column, turn every month column into «Cronograma» and hand the responsible rule
(the last text after the months) a copy of the goal. A vertical merge is only filled into rows that
have content of their own: a title or eje row drawn two rows tall is one row, not two.

**Why not openpyxl's normal mode.** Only normal mode exposes merged ranges, but it costs ~25 µs per
cell and ~13 ms per bordered merged range (it re-formats the borders of every cell a merge covers): a
10,000-activity workbook took 3 s to load with plain cells and 37 s as a formatted table with merged
goals, against a 5 s budget for the whole import. So openpyxl opens the workbook in read-only mode
(package, sheet names and visibility, shared strings, number formats, date epoch) and
:class:`_SheetReader` streams the chosen sheet's cells and ``<mergeCell>`` ranges with the standard
library's pull parser, applying openpyxl's own cell rules: 1.7 s and 3.3 s for those two files, parse
included.

**Hostile files.** Reading is linear in the file's size: the empty-cell filter never backtracks, merged
ranges cost only the rows the sheet has, each sheet part is read once, and what openpyxl itself would
take quadratic time over (number formats with unclosed ``[``, many sheets over one part) is refused
before it loads the workbook. The row loops call :func:`~services.api.imports.deadline.check_deadline`,
so a read running under a parse budget stops when the budget is spent.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import posixpath
import re
import warnings
import zipfile
from collections.abc import Callable, Sequence
from pathlib import PurePath
from typing import Final, Literal
from xml.etree import ElementTree

import openpyxl
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from services.api.imports.association_layout import (
    ParsedPlan,
    ParseProblem,
    SheetRow,
    decode_spreadsheet_bytes,
    is_plan_header,
    parse_association_rows,
    read_delimited_rows,
)
from services.api.imports.deadline import ParseDeadlineExceeded, check_deadline

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
MAX_CELL_FORMATS: Final = 65_490
"""Most cell formats (``<xf>`` of ``cellXfs``) a workbook may have: Excel's own limit."""
MAX_NUMBER_FORMAT_CHARS: Final = 255
"""Longest number format code: Excel's own limit."""

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
    data: bytes,
    *,
    sheet: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    is_header: Callable[[Sequence[str]], bool] = is_plan_header,
) -> tuple[list[SheetRow], list[ParseProblem]]:
    """The rows of one sheet of an XLSX workbook, numbered as Excel numbers them (1-based).

    ``sheet`` chooses a sheet by name (case and surrounding spaces ignored; hidden sheets too). Without
    it, the first visible sheet holding a plan header is read, or the first visible sheet when none
    does (the parser then reports the missing header); ``is_header`` tells another importer's header
    (complaints). Cell values become strings: integral numbers
    without ``.0``, percentages as shown (``34%``), dates as ISO ``2026-03-01``, formulas as their
    last computed value, booleans as ``VERDADERO``/``FALSO``. Vertically merged cells are filled down
    (see the module docstring).

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
            workbook = openpyxl.load_workbook(_BoundedBytes(data), read_only=True, data_only=True, keep_links=False)
    except ParseDeadlineExceeded:
        raise
    except Exception:  # openpyxl raises KeyError, ValueError, TypeError, zip and XML errors on damaged parts
        return [], [_invalid_xlsx("Una parte interna del libro está dañada y no se pudo leer.")]
    try:
        worksheets = [item for item in workbook.worksheets if isinstance(item, ReadOnlyWorksheet)]
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
            candidates = [chosen]
        else:
            candidates = [item for item in worksheets if item.sheet_state == "visible"] or worksheets
        reader = _SheetReader(workbook, data)
        first_rows: list[SheetRow] | None = None
        # Sheets are looked at once per part: a workbook may list thousands of sheets that all name the same
        # part, and reading it again for each would cost the part's size times the number of sheets.
        looked_at: set[str] = set()
        for candidate in candidates:
            part = getattr(candidate, "_worksheet_path")  # noqa: B009
            if part in looked_at:
                continue
            looked_at.add(part)
            rows = reader.rows(candidate)
            if first_rows is None:
                first_rows = rows
            if len(candidates) == 1 or any(is_header(cells) for _, cells in rows):
                return rows, []
        assert first_rows is not None
        return first_rows, []
    except ParseDeadlineExceeded:
        raise
    except Exception:  # a part openpyxl accepted but whose XML or values are damaged
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
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(names):
            if name.casefold().endswith("workbook.xml"):
                problem = _guard_sheets(archive, name, names)
                if problem is not None:
                    return problem
    if _STYLES_PART in names:
        return _guard_styles(data)
    return None


def _guard_sheets(archive: zipfile.ZipFile, workbook_part: str, names: set[str]) -> ParseProblem | None:
    """Refuse a workbook listing several sheets over one part, before openpyxl loads it.

    openpyxl's read-only loading reads each listed sheet's part up to its dimension, through the whole
    ``<sheetData>`` when there is none: a thousand sheet entries naming one megabyte-sized part would
    parse it a thousand times. Excel gives every sheet its own part.
    """
    sheet_ids: list[str] = []
    folder, _, file_name = workbook_part.rpartition("/")
    relationships = f"{folder}/_rels/{file_name}.rels" if folder else f"_rels/{file_name}.rels"
    targets: dict[str, str] = {}
    try:
        with archive.open(workbook_part) as source:
            for _, element in ElementTree.iterparse(source):
                if element.tag.rsplit("}", 1)[-1] == "sheet":
                    sheet_ids.append(next((value for key, value in element.attrib.items() if key.endswith("}id")), ""))
                element.clear()
                check_deadline()
        if relationships in names:
            with archive.open(relationships) as source:
                for _, element in ElementTree.iterparse(source):
                    if element.tag.rsplit("}", 1)[-1] == "Relationship":
                        target = element.get("Target", "")
                        # As openpyxl resolves them: absolute from the package root, else from the folder.
                        resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                        targets[element.get("Id", "")] = posixpath.normpath(resolved)
                    element.clear()
                    check_deadline()
    except ElementTree.ParseError:
        return None  # damaged XML: openpyxl reports it, with the message the damaged parts have
    parts = [targets.get(sheet_id, sheet_id) for sheet_id in sheet_ids]
    if len(set(parts)) < len(parts):
        return _invalid_xlsx(
            "El libro lista varias hojas sobre la misma parte interna, algo que Excel no escribe; "
            "copie la hoja del plan a un libro nuevo."
        )
    return None


_STYLES_PART: Final = "xl/styles.xml"  # where openpyxl reads the styles from, whatever the relationships say


class _BoundedBytes(io.BytesIO):
    """The upload as openpyxl reads it, stopping at the parse deadline: openpyxl's loading has no loop of ours."""

    def read(self, size: int | None = -1, /) -> bytes:
        check_deadline()
        return super().read(size)


def _guard_styles(data: bytes) -> ParseProblem | None:
    """Refuse styles openpyxl would take quadratic time over, before it loads them.

    openpyxl tests every cell format's number format against a regular expression that backtracks on
    unclosed ``[`` (``[[[[…``): ~56 µs for 255 characters, ~5 s for 10,000, once per cell format. Excel
    writes at most 65,490 cell formats and 255-character format codes, with every ``[`` section closed.
    """
    cell_formats = 0
    in_cell_formats = False
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(_STYLES_PART) as source:
        try:
            for event, element in ElementTree.iterparse(source, events=("start", "end")):
                name = element.tag.rsplit("}", 1)[-1]
                if name == "cellXfs":
                    in_cell_formats = event == "start"
                elif event != "end":
                    continue
                elif name == "xf" and in_cell_formats:
                    cell_formats += 1
                    if cell_formats > MAX_CELL_FORMATS:
                        return _invalid_xlsx(
                            f"El libro tiene más de {MAX_CELL_FORMATS} formatos de celda, más de los que Excel "
                            "admite; cópielo a un libro nuevo."
                        )
                elif name == "numFmt" and _slow_number_format(element.get("formatCode", "")):
                    return _invalid_xlsx(
                        "El libro tiene un formato de número que Excel no escribiría (más de "
                        f"{MAX_NUMBER_FORMAT_CHARS} caracteres o un «[» sin cerrar); quítelo o cópielo a un "
                        "libro nuevo."
                    )
                element.clear()
                check_deadline()
        except ElementTree.ParseError:
            return None  # damaged XML: openpyxl reports it, with the message the damaged parts have
    return None


def _slow_number_format(code: str) -> bool:
    """Whether openpyxl's number-format expression would backtrack over ``code`` (see :func:`_guard_styles`).

    It skips ``"…"`` literals (on one line) and consumes each ``[…]`` section; a ``[`` that is never
    closed, or that opens inside another, makes it rescan the rest of the code from every ``[``.
    """
    if len(code) > MAX_NUMBER_FORMAT_CHARS:
        return True
    index = 0
    while index < len(code):
        char = code[index]
        if char == '"':
            end = code.find('"', index + 1)
            if end != -1 and "\n" not in code[index:end]:
                index = end + 1
                continue
        elif char == "[":
            end = code.find("]", index + 1)
            if end == -1 or "[" in code[index + 1 : end]:
                return True
            index = end + 1
            continue
        index += 1
    return False


class _SheetReader:
    """Streams a worksheet's cells and merged ranges out of its XML.

    openpyxl opens the workbook (read-only: the package, sheet names and visibility, shared strings,
    number formats, date epoch); the cells are read here with the standard library's pull parser, about
    3× faster than openpyxl's read-only rows and 4–14× faster than its normal mode, which also spends
    ~13 ms formatting every bordered merged range. The cell rules are openpyxl's own
    (``WorkSheetParser.parse_cell`` with ``data_only=True``). Reads attributes openpyxl does not document
    (a read-only sheet's part path and shared strings, the workbook's cell styles and custom number
    formats); the tests on a workbook shaped as Excel writes it pin them.
    """

    def __init__(self, workbook: Workbook, data: bytes) -> None:
        self.data = data
        self.shared_strings: Sequence[str] = ()
        self.epoch = workbook.epoch
        styles: Sequence[StyleArray] = getattr(workbook, "_cell_styles")  # noqa: B009
        custom: Sequence[str] = getattr(workbook, "_number_formats")  # noqa: B009
        self.formats = [
            BUILTIN_FORMATS.get(style.numFmtId, "General")
            if style.numFmtId < BUILTIN_FORMATS_MAX_SIZE
            else custom[style.numFmtId - BUILTIN_FORMATS_MAX_SIZE]
            for style in styles
        ]
        self.columns: dict[str, int] = {}
        # Whether each style's number format is a date or a duration, worked out once per style: openpyxl's
        # test is a regular expression, too slow to run again for every numeric cell.
        self.date_kinds: dict[int, tuple[bool, bool]] = {}

    def rows(self, worksheet: ReadOnlyWorksheet) -> list[SheetRow]:
        path: str = getattr(worksheet, "_worksheet_path")  # noqa: B009
        # The workbook's shared-string table, as openpyxl's reader hands it to each read-only sheet.
        self.shared_strings = getattr(worksheet, "_shared_strings")  # noqa: B009
        values: dict[int, dict[int, str]] = {}
        merged: list[tuple[int, int, int, int]] = []
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive, archive.open(path.lstrip("/")) as source:
            parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(events=("end",))
            row_tag = cell_tag = merge_tag = ""
            last_row = 0
            # The bytes after the last "<" seen, kept as parts: a tag spanning many chunks (a hostile
            # megabyte-long attribute) is joined once, not copied again with every chunk.
            pending: list[bytes] = []
            while True:
                check_deadline()
                chunk = source.read(_XML_CHUNK)
                if chunk:
                    # Every tag before the last "<" is complete ("<" never occurs inside a tag), so empty
                    # cells can be dropped from that part; the rest waits for the next chunk.
                    cut = chunk.rfind(b"<")
                    if cut < 0:
                        pending.append(chunk)
                        continue
                    complete = b"".join([*pending, chunk[:cut]])
                    pending = [chunk[cut:]]
                    parser.feed(_EMPTY_CELL.sub(b"", complete))
                else:
                    parser.feed(b"".join(pending))
                    pending = []
                for event in parser.read_events():
                    # Only "end" events were asked for: each is ("end", element).
                    element = event[-1] if isinstance(event, tuple) else None
                    if not isinstance(element, ElementTree.Element):
                        continue
                    tag = element.tag
                    if not row_tag:
                        namespace = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
                        row_tag, cell_tag, merge_tag = f"{namespace}row", f"{namespace}c", f"{namespace}mergeCell"
                        self.namespace = namespace
                    if tag == row_tag:
                        check_deadline()
                        written = element.get("r")
                        last_row = int(written) if written else last_row + 1
                        row_values = self._row_values(element, cell_tag)
                        if row_values:
                            values[last_row] = row_values
                        element.clear()
                    elif tag == merge_tag:
                        min_col, min_row, max_col, max_row = range_boundaries(element.get("ref", ""))
                        if min_col is not None and min_row is not None and max_col is not None and max_row is not None:
                            merged.append((min_col, min_row, max_col, max_row))
                if not chunk:
                    break
            parser.close()
        _fill_down(values, merged)
        rows: list[SheetRow] = []
        for row in sorted(values):
            row_values = values[row]
            width = max(row_values)
            rows.append((row, [row_values.get(column, "") for column in range(1, width + 1)]))
        return rows

    def _row_values(self, row: ElementTree.Element, cell_tag: str) -> dict[int, str]:
        row_values: dict[int, str] = {}
        column = 0
        skipped: str | None = None  # the reference of the last empty cell, resolved only when needed
        for cell in row:
            if cell.tag != cell_tag:
                continue
            reference = cell.get("r")
            if not len(cell):  # no <v> or <is>: a styled empty cell, most of a formatted table
                if reference is None:
                    column = (self._column(skipped) if skipped else column) + 1
                    skipped = None
                else:
                    skipped = reference
                continue
            if reference is not None:
                column = self._column(reference)
            else:  # generators that omit references write every cell in order
                column = (self._column(skipped) if skipped else column) + 1
            skipped = None
            text = self._value(cell)
            if text and not text.isspace():
                row_values[column] = text
        return row_values

    def _column(self, reference: str) -> int:
        letters = reference.rstrip("0123456789")
        column = self.columns.get(letters)
        if column is None:
            column = self.columns[letters] = column_index_from_string(letters)
        return column

    def _value(self, cell: ElementTree.Element) -> str:
        namespace = self.namespace
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(f"{namespace}is")
            if inline is None:
                return ""
            # <t> directly, or <r><t> runs of rich text; phonetic runs (<rPh>) are not the text.
            text_tag, run_tag = f"{namespace}t", f"{namespace}r"
            texts: list[str] = []
            for child in inline:
                if child.tag == text_tag:
                    texts.append(child.text or "")
                elif child.tag == run_tag:
                    texts.extend(part.text or "" for part in child if part.tag == text_tag)
            return "".join(texts)
        raw = cell.findtext(f"{namespace}v")
        if not raw:
            return ""
        if kind == "s":
            return self.shared_strings[int(raw)]
        if kind in {"str", "e"}:
            return raw
        if kind == "b":
            return "VERDADERO" if raw.strip() == "1" else "FALSO"
        if kind == "d":
            try:
                return _cell_string(dt.datetime.fromisoformat(raw.removesuffix("Z")), "General")
            except ValueError:
                return raw
        number: float = float(raw) if any(char in raw for char in ".eE") else int(raw)
        style = int(cell.get("s", "0"))
        number_format = self.formats[style] if style < len(self.formats) else "General"
        kind_of_date = self.date_kinds.get(style)
        if kind_of_date is None:
            is_date = is_date_format(number_format)
            kind_of_date = self.date_kinds[style] = (is_date, is_date and is_timedelta_format(number_format))
        is_date, is_duration = kind_of_date
        if is_date:
            try:
                moment = from_excel(number, self.epoch, timedelta=is_duration)
            except (OverflowError, ValueError):
                return raw
            return _cell_string(moment, number_format)
        return _cell_string(number, number_format)


_XML_CHUNK: Final = 1 << 20
# A self-closing cell with a reference holds no value: a styled empty cell, most of a bordered table. Dropped
# before the XML parser builds an element for it (a third of the parse on a formatted sheet). Cells without
# a reference are kept, since their position counts. Linear in the tag's length: the reference is looked for
# once, in a lookahead, and the possessive run to the end of the tag never backtracks. (The lazy form
# `[^<>]*?\br="…"[^<>]*/>` rescanned the rest of the tag from every `r="…"` it held: seconds for one
# long attribute.)
_EMPTY_CELL: Final = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\s(?=[^<>]*?\br="[A-Z]{1,3}[0-9]{1,7}")[^<>]*+(?<=/)>')


def _fill_down(values: dict[int, dict[int, str]], merged: Sequence[tuple[int, int, int, int]]) -> None:
    """Fill each vertical merge down its first column, into rows that have content of their own.

    The work follows the rows the sheet really has, not the ranges it declares: a merge drawn down to row
    50,000,000 visits only the rows with content inside it (bisected out of the sorted row numbers).
    Excel never writes overlapping merges; in a file that does, a merge starting inside an earlier one of
    the same column is ignored, so no row is filled twice and the work stays linear.
    """
    rows_with_content = sorted(values)
    covered_to: dict[int, int] = {}  # column → last row an earlier merge of that column reaches
    for min_col, min_row, _max_col, max_row in sorted(merged, key=lambda item: (item[0], item[1])):
        check_deadline()
        if max_row == min_row or min_row <= covered_to.get(min_col, 0):
            continue
        covered_to[min_col] = max_row
        anchor = values.get(min_row, {}).get(min_col)
        if anchor is None:
            continue
        first = bisect.bisect_right(rows_with_content, min_row)
        last = bisect.bisect_right(rows_with_content, max_row)
        for row in rows_with_content[first:last]:
            values[row][min_col] = anchor


def _cell_string(value: object, number_format: str) -> str:
    """A cell value as the sheet shows it, for a parser that reads text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "VERDADERO" if value else "FALSO"
    if isinstance(value, int | float):
        if "%" in number_format:
            return f"{round(value * 100, 10):g}%"
        if isinstance(value, int):
            return str(value)
        if value.is_integer():
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.timedelta):
        return str(value)
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
