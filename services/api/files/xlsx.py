"""One sheet of an XLSX workbook → numbered rows, merged cells filled down, read in linear time.

:func:`read_xlsx_rows` reads one sheet of a workbook with openpyxl into the rows a layout parser takes,
after :func:`~services.api.files.xlsx_guards.guard_xlsx` has checked the bytes. The XML parser under
openpyxl is the standard library's expat (2.4+), which refuses billion-laughs entity expansion and never
fetches external entities.
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
before it loads the workbook. The row loops call :func:`~services.api.files.budget.check_deadline`,
so a read running under a parse budget stops when the budget is spent.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Sequence
from typing import Final
from xml.etree import ElementTree

import openpyxl
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from services.api.files.budget import ParseDeadlineExceeded, check_deadline
from services.api.files.cells import SheetRow
from services.api.files.delimited import HeaderTest
from services.api.files.problems import ParseProblem, problem
from services.api.files.xlsx_guards import DEFAULT_MAX_BYTES, BoundedBytes, guard_xlsx, invalid_xlsx

__all__ = ["read_xlsx_rows"]


def read_xlsx_rows(
    data: bytes,
    *,
    sheet: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    is_header: HeaderTest,
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
    guard = guard_xlsx(data, max_bytes)
    if guard is not None:
        return [], [guard]
    try:
        with warnings.catch_warnings():
            # openpyxl warns about every extension it drops (data validation, slicers…): not the user's problem.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(BoundedBytes(data), read_only=True, data_only=True, keep_links=False)
    except ParseDeadlineExceeded:
        raise
    except Exception:  # openpyxl raises KeyError, ValueError, TypeError, zip and XML errors on damaged parts
        return [], [invalid_xlsx("Una parte interna del libro está dañada y no se pudo leer.")]
    try:
        worksheets = [item for item in workbook.worksheets if isinstance(item, ReadOnlyWorksheet)]
        if not worksheets:
            return [], [invalid_xlsx("El libro no tiene ninguna hoja de cálculo.")]
        if sheet is not None:
            wanted = sheet.strip().casefold()
            chosen = next((item for item in worksheets if item.title.strip().casefold() == wanted), None)
            if chosen is None:
                names = ", ".join(f"«{item.title}»" for item in worksheets)
                return [], [
                    problem(
                        "error",
                        "unknown_sheet",
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
        return [], [invalid_xlsx("El contenido de una hoja está dañado y no se pudo leer.")]
    finally:
        workbook.close()


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
