"""Delimited text (TSV, ``;``- or ``,``-CSV) → numbered rows, with the delimiter sniffed from the rows."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Final

from services.api.files.budget import check_deadline
from services.api.files.cells import SheetRow
from services.api.files.decoding import normalise_newlines
from services.api.files.problems import ParseProblem, problem

__all__ = ["HeaderTest", "detect_delimiter", "read_delimited_rows"]

HeaderTest = Callable[[Sequence[str]], bool]
"""Whether a row is the header of the importer's layout: it tells the delimiter and the XLSX sheet."""

_DELIMITERS: Final = ("\t", ";", ",")
_SNIFF_RECORDS: Final = 100


def detect_delimiter(text: str, is_header: HeaderTest) -> str:
    """Choose the cell delimiter of a delimited export: tab, ``;`` or ``,``.

    Each candidate splits the first rows; the winner is the one under which the importer's header
    (``is_header``: a plan's ``Meta``/``Actividades``, a complaint file's columns) falls into separate cells,
    then the one giving the most rows of the same width (spreadsheets export every row with the same number
    of cells, while the commas of Spanish prose do not line up). Ties go to tab, the seed's delimiter.
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
                header_found = header_found or is_header(record)
        except csv.Error:
            continue
        width, rows = widths.most_common(1)[0] if widths else (0, 0)
        score = (header_found, rows if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_delimited_rows(text: str, *, is_header: HeaderTest) -> tuple[list[SheetRow], list[ParseProblem]]:
    """Split delimited text into numbered rows, with quoted cells that span lines.

    Each row carries the line number where it starts, so problems point at the line a text editor
    shows. A quoted cell left open (a truncated file) is an error; other stray quotes are read
    leniently and reported as a warning.
    """
    text = normalise_newlines(text.removeprefix("\ufeff"))
    delimiter = detect_delimiter(text, is_header)
    problems: list[ParseProblem] = []
    try:
        return _read_rows(text, delimiter, strict=True), problems
    except _RowError as exc:
        if exc.at_end_of_data:
            problems.append(
                problem(
                    "error",
                    "unterminated_quote",
                    "Una celda entre comillas abre en esta fila y no se cierra antes del final del "
                    "archivo: el archivo puede estar truncado o mal exportado.",
                    exc.row,
                )
            )
        else:
            problems.append(
                problem(
                    "warning",
                    "malformed_quotes",
                    "Las comillas de esta fila no siguen el formato CSV; se leyó la fila tal como está, "
                    "revise que las celdas queden en su columna.",
                    exc.row,
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
