"""Plan files in any supported container: the one entry point for an uploaded plan spreadsheet.

Pure functions: bytes in, a :class:`ParsedPlan` out, every problem reported, nothing raised. Delimited
text and XLSX (read by :mod:`services.api.files`) go to :mod:`services.api.imports.association_layout`;
PISIS files have their own importer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from services.api.files.decoding import decode_spreadsheet_bytes
from services.api.files.delimited import read_delimited_rows
from services.api.files.formats import detect_format
from services.api.files.problems import ParseProblem, blocks, problem
from services.api.files.xlsx import read_xlsx_rows
from services.api.files.xlsx_guards import DEFAULT_MAX_BYTES, too_large
from services.api.imports.association_layout import is_plan_header, parse_association_rows
from services.api.imports.parsed_plan import ParsedPlan

__all__ = ["read_plan_file"]


def read_plan_file(
    data: bytes, *, file_name: str, sheet: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParsedPlan:
    """Read an uploaded plan file (delimited text or XLSX) in the association or EPS annex layout.

    PISIS files are detected and refused with ``unsupported_format``: their importer is another one.
    A file that cannot be read at all gives a plan with no axes and that one error.
    """
    if len(data) > max_bytes:
        return _unread(file_name, [too_large(len(data), max_bytes)])
    if not data.strip():
        return _unread(file_name, [problem("error", "empty_file", "El archivo está vacío.")])
    file_format = detect_format(data, file_name)
    if file_format == "pisis":
        return _unread(
            file_name,
            [
                problem(
                    "error",
                    "unsupported_format",
                    "El archivo es un plano PISIS (PPS190PPPS/PPS190SPPS), no una hoja de cálculo del plan; "
                    "cárguelo como archivo PISIS.",
                )
            ],
        )
    if file_format == "xlsx":
        rows, problems = read_xlsx_rows(data, sheet=sheet, max_bytes=max_bytes, is_header=is_plan_header)
        if blocks(problems):
            return _unread(file_name, problems)
        return parse_association_rows(rows, file_name=file_name, problems=problems)
    text, decoding = decode_spreadsheet_bytes(data)
    problems = list(decoding)
    if blocks(problems):
        return _unread(file_name, problems)
    if sheet is not None:
        problems.append(
            problem(
                "warning",
                "sheet_ignored",
                f"Se pidió la hoja «{sheet}», pero el archivo es texto delimitado (CSV/TSV) y no tiene hojas.",
            )
        )
    rows, row_problems = read_delimited_rows(text, is_header=is_plan_header)
    return parse_association_rows(rows, file_name=file_name, problems=[*problems, *row_problems])


def _unread(file_name: str, problems: Sequence[ParseProblem]) -> ParsedPlan:
    return ParsedPlan(title=PurePath(file_name).stem, year=None, objective=None, axes=(), problems=tuple(problems))
