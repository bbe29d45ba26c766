"""What an XLSX upload is checked for before openpyxl sees it: size, zip bombs, sheets, styles.

Untrusted bytes are checked **before openpyxl sees them**: the total size, the zip directory (a zip bomb
declares huge uncompressed sizes; Python's ``zipfile`` also never inflates a member past its declared size,
so a member that lies about its size cannot blow up either), the parts every workbook has, sheets listed
twice over one part, and styles whose number formats openpyxl would take quadratic time over.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from typing import Final
from xml.etree import ElementTree

from services.api.files.budget import check_deadline
from services.api.files.formats import OLE2_MAGIC
from services.api.files.problems import ParseProblem, problem

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_CELL_FORMATS",
    "MAX_COMPRESSION_RATIO",
    "MAX_NUMBER_FORMAT_CHARS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_ZIP_MEMBERS",
    "RATIO_FLOOR_BYTES",
    "BoundedBytes",
    "guard_xlsx",
    "invalid_xlsx",
]

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


def guard_xlsx(data: bytes, max_bytes: int) -> ParseProblem | None:
    """Everything checked before openpyxl touches the bytes."""
    if len(data) > max_bytes:
        return too_large(len(data), max_bytes)
    if data.startswith(OLE2_MAGIC):
        return invalid_xlsx(
            "Es un libro de Excel 97-2003 (.xls) o un libro protegido con contraseña; guárdelo como libro de "
            "Excel (.xlsx) sin contraseña."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, RuntimeError):
        return invalid_xlsx("El archivo no es un libro XLSX válido: está truncado o dañado.")
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
        return invalid_xlsx("El libro tiene partes cifradas; guárdelo sin contraseña.")
    if "[Content_Types].xml" not in names:
        if "mimetype" in names or "content.xml" in names:
            return invalid_xlsx("Es una hoja de cálculo OpenDocument (.ods); guárdela como libro de Excel (.xlsx).")
        return invalid_xlsx("El archivo es un .zip pero no un libro de Excel: le falta [Content_Types].xml.")
    if not any(name.casefold().endswith("workbook.xml") for name in names):
        return invalid_xlsx("Al libro le falta la parte del libro de trabajo (xl/workbook.xml).")
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
        return invalid_xlsx(
            "El libro lista varias hojas sobre la misma parte interna, algo que Excel no escribe; "
            "copie la hoja del plan a un libro nuevo."
        )
    return None


_STYLES_PART: Final = "xl/styles.xml"  # where openpyxl reads the styles from, whatever the relationships say


class BoundedBytes(io.BytesIO):
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
                        return invalid_xlsx(
                            f"El libro tiene más de {MAX_CELL_FORMATS} formatos de celda, más de los que Excel "
                            "admite; cópielo a un libro nuevo."
                        )
                elif name == "numFmt" and _slow_number_format(element.get("formatCode", "")):
                    return invalid_xlsx(
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


def too_large(size: int, max_bytes: int) -> ParseProblem:
    return problem(
        "error",
        "file_too_large",
        f"El archivo pesa {size / (1024 * 1024):.1f} MB y el máximo es {max_bytes / (1024 * 1024):.0f} MB; "
        "divida el plan o quite imágenes y hojas que no sean del plan.",
    )


def _zip_bomb(reason: str) -> ParseProblem:
    return problem(
        "error",
        "zip_bomb",
        f"El archivo se rechazó sin abrirlo: {reason}, lo que no corresponde a un plan de acción "
        "(posible bomba de compresión).",
    )


def invalid_xlsx(reason: str) -> ParseProblem:
    return problem("error", "invalid_xlsx", reason)
