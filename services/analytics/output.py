"""`?format=json|csv|xlsx` on every analytics endpoint.

- JSON (default): the contract model.
- CSV for a Spanish-locale Excel: UTF-8 with a BOM (Excel reads the accents right only with it), `;` between
  fields and a decimal comma, because a Spanish-locale Excel uses `;` as its list separator and `,` for
  decimals, so a double click opens the file in columns with numbers as numbers. There is deliberately no
  `sep=;` first line: Excel does not need it in that locale, and when it is present Excel ignores the BOM
  and garbles the accents. BI tools should read JSON.
- XLSX: one sheet with a title block (title, period, cut-off, generated at) above a header row of Spanish
  column names, for the documents people file.

Each endpoint gives the table as a DataFrame whose columns are listed, in order, with their Spanish headers.
"""

import csv
import hashlib
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import pandas as pd
from fastapi import Query, Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from pydantic import BaseModel

from services.kit.responses import JSON_MEDIA_TYPE
from shared.periods import BOGOTA

__all__ = ["CSV_MEDIA_TYPE", "XLSX_MEDIA_TYPE", "Document", "FormatDep", "OutputFormat", "csv_bytes", "respond"]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OutputFormat(StrEnum):
    """Representation of an analytics answer."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


FormatDep = Annotated[
    OutputFormat,
    Query(
        alias="format",
        description="`json` (por defecto), `csv` (UTF-8 con BOM, separador `;`, coma decimal: Excel en español) "
        "o `xlsx`.",
    ),
]

# Documented alternatives: a `format=` query parameter is how BI tools and browsers pick the representation.
FORMAT_RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "No ha cambiado desde el ETag enviado en If-None-Match."},
    200: {
        "content": {
            CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    },
}


@dataclass(frozen=True)
class Document:
    """What a spreadsheet says above its table, and the base of its file name."""

    title: str
    filename: str
    lines: Sequence[tuple[str, str]] = field(default_factory=tuple)
    sheet: str = "Datos"
    # Columns summed in a bold "Total" row under the table (XLSX only: CSV stays one row per group).
    totals: Sequence[str] = field(default_factory=tuple)


def _text(value: Any, *, decimal_comma: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, float):
        text = repr(round(value, 6)).removesuffix(".0") if value.is_integer() else repr(round(value, 6))
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, datetime):
        return value.astimezone(BOGOTA).isoformat(timespec="seconds") if value.tzinfo else value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return str(value)


def _cell(value: Any) -> Any:
    """A value openpyxl stores natively: numbers stay numbers, datetimes lose their zone (shown in Bogotá)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(BOGOTA).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, int | float | date):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    return str(value)


def _rows(frame: pd.DataFrame, columns: Mapping[str, str]) -> list[list[Any]]:
    present = [name for name in columns if name in frame.columns]
    return [list(row) for row in frame[present].astype(object).itertuples(index=False, name=None)]


def csv_bytes(frame: pd.DataFrame, columns: Mapping[str, str]) -> bytes:
    """The table as CSV for a Spanish-locale Excel (see the module docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([label for name, label in columns.items() if name in frame.columns])
    for row in _rows(frame, columns):
        writer.writerow([_text(value, decimal_comma=True) for value in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame, columns: Mapping[str, str], document: Document, generated_at: datetime) -> bytes:
    """One sheet: the title block, a bold header row with a filter, then the rows; panes frozen below the header."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = document.sheet[:31]
    sheet.append([document.title])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in document.lines:
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append(["Generado el", generated_at.astimezone(BOGOTA).strftime("%Y-%m-%d %H:%M (hora de Colombia)")])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([])
    headers = [label for name, label in columns.items() if name in frame.columns]
    sheet.append(headers)
    header_row = sheet.max_row
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index in range(1, len(headers) + 1):
        header_cell = sheet.cell(row=header_row, column=index)
        header_cell.font = Font(bold=True)
        header_cell.fill = fill
        header_cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in _rows(frame, columns):
        sheet.append([_cell(value) for value in row])
    if document.totals and not frame.empty:
        present = [name for name in columns if name in frame.columns]
        total_row: list[Any] = [
            _cell(frame[name].fillna(0).sum()) if name in document.totals else None for name in present
        ]
        total_row[0] = "Total"
        sheet.append(total_row)
        for index in range(1, len(present) + 1):
            sheet.cell(row=sheet.max_row, column=index).font = Font(bold=True)
    for index, header in enumerate(headers, start=1):
        values = [len(str(header))] + [
            len(str(sheet.cell(row=row, column=index).value or ""))
            for row in range(header_row + 1, min(sheet.max_row, header_row + 200) + 1)
        ]
        sheet.column_dimensions[get_column_letter(index)].width = min(max(values) + 2, 60)
    if headers:
        sheet.freeze_panes = f"A{header_row + 1}"
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{max(sheet.max_row, header_row)}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _json(model: BaseModel, request: Request | None) -> Response:
    """JSON with an ETag digest of the body; `If-None-Match` with it answers 304 (same cut-off, same data)."""
    body = model.model_dump_json().encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    sent = request.headers.get("if-none-match") if request is not None else None
    if sent and (sent.strip() == "*" or etag in [value.strip().removeprefix("W/") for value in sent.split(",")]):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type=JSON_MEDIA_TYPE, headers={"ETag": etag})


def respond(
    output: OutputFormat,
    model: BaseModel,
    *,
    table: Callable[[], pd.DataFrame],
    columns: Mapping[str, str],
    document: Document,
    generated_at: datetime,
    request: Request | None = None,
) -> Response:
    """The answer in the asked format; CSV and XLSX come as attachments named after the document. With the
    request, JSON carries an ETag and honours If-None-Match.

    `table` builds the spreadsheet rows, only for CSV and XLSX: flattening every item costs about as much as
    the rest of a JSON answer (measured on the consolidation).
    """
    if output is OutputFormat.JSON:
        return _json(model, request)
    if output is OutputFormat.CSV:
        return Response(
            csv_bytes(table(), columns),
            media_type=CSV_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{document.filename}.csv"'},
        )
    return Response(
        xlsx_bytes(table(), columns, document, generated_at),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{document.filename}.xlsx"'},
    )
