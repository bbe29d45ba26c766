"""Workbooks built in memory for the spreadsheet tests: rows in, XLSX bytes out."""

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook


@dataclass
class SheetSpec:
    rows: Sequence[Sequence[object]]
    merges: Sequence[str] = ()
    """Ranges such as ``A12:A14``; the cells other than the top-left one must be empty in ``rows``."""
    state: str = "visible"
    cell_formats: dict[str, str] = field(default_factory=dict)
    """Number formats by cell reference (``D3`` → ``0%``)."""


def xlsx_bytes(sheets: dict[str, SheetSpec]) -> bytes:
    """One workbook with the given sheets, in order; empty strings and ``None`` leave cells empty."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    for title, spec in sheets.items():
        sheet = workbook.create_sheet(title)
        for row_number, row in enumerate(spec.rows, start=1):
            for column, value in enumerate(row, start=1):
                if value is not None and value != "":
                    sheet.cell(row=row_number, column=column, value=value)
        for reference, number_format in spec.cell_formats.items():
            sheet[reference].number_format = number_format
        for merged in spec.merges:
            sheet.merge_cells(merged)
        sheet.sheet_state = spec.state
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def tsv_rows(text: str) -> list[list[str]]:
    """A TSV fixture as rows of cells (no quoting in the fixtures)."""
    return [line.split("\t") for line in text.splitlines()]
