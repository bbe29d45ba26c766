"""The upload form every importer takes: the file read within bounds, its flags, and the report as the answer."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated

from fastapi import Form, UploadFile
from fastapi.responses import Response
from starlette.requests import Request

from services.api.models import ImportRow
from services.kit.errors import Unprocessable, error_response, field_error
from services.kit.responses import json_response
from shared.contract.imports import ImportReport

__all__ = [
    "CHUNK",
    "MAX_IMPORT_BYTES",
    "AcceptWarningsForm",
    "DryRunForm",
    "ImportRejected",
    "accepted_warnings_of",
    "form_boolean",
    "form_uuid",
    "form_year",
    "read_upload",
    "report_response",
    "SheetForm",
]

MAX_IMPORT_BYTES = 10 * 1024 * 1024
"""Largest file an importer reads (10 MB): a 10,000-activity plan is well under 2 MB as XLSX or CSV."""
CHUNK = 64 * 1024

# The form fields every import endpoint takes, described once for the OpenAPI document.
DryRunForm = Annotated[str | None, Form(description="true (por defecto): revisar sin escribir.")]
AcceptWarningsForm = Annotated[str | None, Form(description="true, o códigos de advertencia separados por comas.")]
SheetForm = Annotated[str | None, Form(description="Hoja del XLSX; por defecto la primera con encabezado.")]

_YES = ("true", "1", "yes", "si", "sí")
_NO = ("false", "0", "no")


def accepted_warnings_of(value: str | None) -> set[str] | None:
    """`true` accepts every warning; a comma-separated list accepts those codes; nothing accepts none."""
    if value is None or value.strip().lower() in ("", *_NO):
        return set()
    if value.strip().lower() in _YES:
        return None
    return {code.strip() for code in value.split(",") if code.strip()}


def form_boolean(name: str, value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise field_error(name, "Debe ser true o false.")


def form_year(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    # isascii: isdigit() also takes superscripts ("²⁰²⁶"), which int() refuses with a ValueError (a 500).
    if not (value.isascii() and value.isdigit()) or not 2000 <= int(value) <= 2100:
        raise field_error("year", "El año debe ser un número entre 2000 y 2100.")
    return int(value)


def form_uuid(name: str, value: str | None) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise field_error(name, "Debe ser un identificador UUID.") from None


async def read_upload(file: UploadFile) -> tuple[bytes, int, str]:
    """The upload's first `MAX_IMPORT_BYTES + 1` bytes, its whole size and its sha256.

    Only what the importer may read is kept in memory; the rest is streamed through the hash, so a
    too-large file is reported with its real size and fingerprint instead of those of its first 10 MB.
    """
    digest = hashlib.sha256()
    kept = bytearray()
    size = 0
    while chunk := await file.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if len(kept) <= MAX_IMPORT_BYTES:
            kept += chunk[: MAX_IMPORT_BYTES + 1 - len(kept)]
    return bytes(kept), size, digest.hexdigest()


class ImportRejected(Unprocessable):
    """A file that cannot be taken as it is: the whole report goes with the problem, under `report`."""

    slug = "import-rejected"
    title = "Importación rechazada"


def report_response(request: Request, row: ImportRow, accepted: set[str] | None) -> Response:
    """The report as the answer of an import: 200, or a 422 problem carrying it when the file was rejected."""
    report = ImportReport.model_validate(row)
    if report.status == "rejected":
        errors = sum(1 for problem in report.problems if problem.severity == "error")
        # Only the warnings still to accept: the ones listed in accept_warnings no longer block.
        pending = sorted(
            {
                p.code
                for p in report.problems
                if p.severity == "warning" and accepted is not None and p.code not in accepted
            }
        )
        warnings = sum(1 for p in report.problems if p.severity == "warning" and p.code in pending)
        detail = (
            f"El archivo tiene {errors} {'error' if errors == 1 else 'errores'}; no se escribió nada."
            if errors
            else f"El archivo tiene {warnings} {'advertencia' if warnings == 1 else 'advertencias'} sin aceptar "
            f"({', '.join(pending)}); revíselas y envíe accept_warnings con esos códigos, o true."
        )
        # Returned, not raised: the request still commits, so the rejected report is kept under /v1/imports.
        return error_response(request, ImportRejected(detail, extra={"report": report.model_dump(mode="json")}))
    return json_response(report)
