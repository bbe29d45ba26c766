"""`?format=` rendering: CSV for a Spanish-locale Excel and XLSX with a title block, accents intact."""

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pandas as pd

from services.analytics.output import Document, csv_bytes, xlsx_bytes
from shared.enums import Risk

COLUMNS = {"name": "Entidad", "value": "Tasa (%)", "complete": "Completo", "risk": "Riesgo", "missing": "No está"}
FRAME = pd.DataFrame(
    [
        {"name": "E.S.E. Hospital San Vicente de Paúl", "value": 56.76, "complete": True, "risk": Risk.RIESGO_VITAL},
        {"name": "Añoranza IPS", "value": None, "complete": False, "risk": None},
        {"name": "Entero", "value": 100.0, "complete": True, "risk": Risk.SIMPLE},
    ]
)


def test_csv_has_bom_semicolons_decimal_comma_and_no_sep_line() -> None:
    body = csv_bytes(FRAME, COLUMNS)
    assert body.startswith(b"\xef\xbb\xbfEntidad;")
    assert b"sep=" not in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Entidad", "Tasa (%)", "Completo", "Riesgo"],
        ["E.S.E. Hospital San Vicente de Paúl", "56,76", "sí", "riesgo_vital"],
        ["Añoranza IPS", "", "no", ""],
        ["Entero", "100", "sí", "simple"],
    ]
    assert body.count(b"\r\n") == 4


def test_xlsx_title_block_header_and_native_numbers() -> None:
    document = Document(
        title="Consolidado bimestral de PQRD", filename="x", lines=[("Periodo", "2026B1")], sheet="Hoja"
    )
    generated = datetime(2026, 3, 15, 17, 0, tzinfo=UTC)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(FRAME, COLUMNS, document, generated))).active
    assert sheet is not None
    assert sheet.title == "Hoja"
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Consolidado bimestral de PQRD"
    assert rows[1][:2] == ("Periodo", "2026B1")
    assert rows[2][:2] == ("Generado el", "2026-03-15 12:00 (hora de Colombia)")
    assert rows[4] == ("Entidad", "Tasa (%)", "Completo", "Riesgo")
    assert rows[5] == ("E.S.E. Hospital San Vicente de Paúl", 56.76, "sí", "riesgo_vital")
    assert rows[6] == ("Añoranza IPS", None, "no", None)
    assert sheet.freeze_panes == "A6"
    assert sheet["A5"].font.bold
