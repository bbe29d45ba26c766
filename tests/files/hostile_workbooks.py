"""Small XLSX files built to make a naive reader slow: each is a few kilobytes, and each once held the event
loop for seconds (see `services/api/files/xlsx.py` and `xlsx_guards.py`). Shared by the tests and
`bench/hostile_files.py`."""

import io
import re
import zipfile
from collections.abc import Callable

from tests.files.workbooks import SheetSpec, xlsx_bytes

SHEET_PART = "xl/worksheets/sheet1.xml"
STYLES_PART = "xl/styles.xml"
HUGE_MERGE_ROWS = 50_000_000
"""Rows each hostile merged range declares, against the three rows the sheet really has."""


def rewrite_member(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one part changed, recompressed as tightly as zip allows."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            target.writestr(item.filename, change(body) if item.filename == name else body)
    return output.getvalue()


def three_row_sheet(*, numbers: bool = False) -> bytes:
    rows: list[list[object]] = [["EJE 1", 5], ["x", 6], ["y", 7]] if numbers else [["EJE 1"], ["x"], ["y"]]
    return xlsx_bytes({"Plan": SheetSpec(rows=rows)})


def long_attribute(repeats: int = 100_000) -> bytes:
    """Cell A1 with an attribute holding `repeats` copies of ` r="A1"` (the reference pattern the empty-cell
    filter looks for), so a backtracking filter rescans the rest of the tag from each copy."""

    def change(body: bytes) -> bytes:
        return body.replace(b'<c r="A1"', b"<c x='" + b' r="A1"' * repeats + b'\' r="A1"', 1)

    return rewrite_member(three_row_sheet(), SHEET_PART, change)


def long_attribute_empty_cell(repeats: int = 100_000) -> bytes:
    """The same attribute on a self-closing (empty) cell B1, which the filter must drop."""

    def change(body: bytes) -> bytes:
        empty = b"<c x='" + b' r="A1"' * repeats + b'\' r="B1" s="0"/>'
        return re.sub(rb"(<row [^>]*\br=\"1\"[^>]*>)", lambda found: found.group(1) + empty, body, count=1)

    return rewrite_member(three_row_sheet(), SHEET_PART, change)


def huge_merges(rows: int = HUGE_MERGE_ROWS) -> bytes:
    """Two vertical merged ranges, `A1:A{rows}` and `B1:B{rows}`, over a sheet of three rows."""

    def change(body: bytes) -> bytes:
        merges = b'<mergeCells count="2"><mergeCell ref="A1:A%d"/><mergeCell ref="B1:B%d"/></mergeCells>' % (
            rows,
            rows,
        )
        return body.replace(b"</sheetData>", b"</sheetData>" + merges, 1)

    return rewrite_member(three_row_sheet(), SHEET_PART, change)


def number_format(code: bytes) -> bytes:
    """Column B's numbers styled with the custom number format `code`, written as is into the XML attribute."""
    data = xlsx_bytes(
        {"Plan": SheetSpec(rows=[["EJE 1", 5], ["x", 6], ["y", 7]], cell_formats={"B1": "0.0", "B2": "0.0"})}
    )

    def change(body: bytes) -> bytes:
        formats = b'<numFmts count="1"><numFmt numFmtId="164" formatCode="' + code + b'"/></numFmts>'
        body = re.sub(rb"<numFmts[^>]*/>|<numFmts.*?</numFmts>", formats, body, count=1)
        # The builtin format of "0.0" does not exist, so openpyxl wrote it as a custom one: point it at ours.
        return re.sub(rb'numFmtId="16[4-9]"', b'numFmtId="164"', body)

    return rewrite_member(data, STYLES_PART, change)


def many_cell_formats(count: int) -> bytes:
    """A styles part declaring `count` cell formats."""

    def change(body: bytes) -> bytes:
        formats = b'<cellXfs count="%d">' % count + b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * count
        return re.sub(rb"<cellXfs.*?</cellXfs>", formats + b"</cellXfs>", body, count=1, flags=re.DOTALL)

    return rewrite_member(three_row_sheet(), STYLES_PART, change)
