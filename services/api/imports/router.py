"""Endpoints of plan files: `POST /v1/plans:import`, `/v1/imports`, `GET /v1/plans/{id}/export`."""

import hashlib
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse

from services.api.auth.dependencies import CallerDep
from services.api.db import SessionDep
from services.api.imports import service
from services.api.imports.deadline import parse_timeout_of
from services.api.imports.export import ExportFormat, export_plan
from services.api.models import ImportRow
from services.api.pagination import PageParamsDep
from services.api.routing import IMPORT_PROBLEMS, READ_PROBLEMS, page_response, record_response
from services.api.unit_of_work import api_router
from services.kit.errors import field_error, problem_response
from services.kit.openapi import problem_responses
from services.kit.plain_text import plain_text_form
from services.kit.responses import json_response
from shared.contract import Page
from shared.contract.imports import ImportReport

router = api_router(tags=["plan files"], responses=READ_PROBLEMS)

CHUNK = 64 * 1024


def accepted_warnings_of(value: str | None) -> set[str] | None:
    """`true` accepts every warning; a comma-separated list accepts those codes; nothing accepts none."""
    if value is None or value.strip().lower() in ("", "false", "0", "no"):
        return set()
    if value.strip().lower() in ("true", "1", "yes", "si", "sí"):
        return None
    return {code.strip() for code in value.split(",") if code.strip()}


def form_boolean(name: str, value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "si", "sí"):
        return True
    if lowered in ("false", "0", "no"):
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
        if len(kept) <= service.MAX_IMPORT_BYTES:
            kept += chunk[: service.MAX_IMPORT_BYTES + 1 - len(kept)]
    return bytes(kept), size, digest.hexdigest()


@router.post(
    "/v1/plans:import",
    response_model=ImportReport,
    responses=IMPORT_PROBLEMS,
    dependencies=[Depends(plain_text_form)],
)
async def import_plan(
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="TSV/CSV, XLSX o archivo PISIS PPS190PPPS/PPS190SPPS.")],
    organization_id: Annotated[str | None, Form(description="Por defecto, la organización de la clave.")] = None,
    year: Annotated[str | None, Form(description="Año del plan; por defecto el del archivo.")] = None,
    dry_run: Annotated[str | None, Form(description="true (por defecto): revisar sin escribir.")] = None,
    accept_warnings: Annotated[
        str | None, Form(description="true, o códigos de advertencia separados por comas.")
    ] = None,
    sheet: Annotated[str | None, Form(description="Hoja del XLSX; por defecto la primera con encabezado.")] = None,
) -> Response:
    """Import a plan file (dry run by default): all or nothing, every problem reported with row and column."""
    query = request.query_params

    def pick(form_value: str | None, name: str) -> str | None:
        return form_value if form_value is not None else query.get(name)

    data, size, sha256 = await read_upload(file)
    accepted = accepted_warnings_of(pick(accept_warnings, "accept_warnings"))
    row = await service.import_plan_file(
        session,
        caller,
        data=data,
        file_name=file.filename or "archivo",
        organization_id=form_uuid("organization_id", pick(organization_id, "organization_id")),
        year=form_year(pick(year, "year")),
        dry_run=form_boolean("dry_run", pick(dry_run, "dry_run"), True),
        accepted_warnings=accepted,
        sheet=pick(sheet, "sheet"),
        size_bytes=size,
        sha256=sha256,
        parse_timeout_s=parse_timeout_of(request),
    )
    return report_response(request, row, accepted)


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
        return problem_response(
            request,
            status=422,
            slug="import-rejected",
            title="Importación rechazada",
            detail=detail,
            extra={"report": report.model_dump(mode="json")},
        )
    return json_response(report)


@router.get("/v1/imports", response_model=Page[ImportReport])
async def list_imports(
    caller: CallerDep,
    session: SessionDep,
    params: PageParamsDep,
    plan_id: uuid.UUID | None = None,
    status: Annotated[str | None, Query(pattern="^(dry_run|committed|rejected)$")] = None,
    kind: Annotated[str | None, Query(pattern="^(plan|complaints)$", description="Planes o quejas.")] = None,
) -> Response:
    """List import reports, newest first: who sent which file, when, and what it held."""
    rows, cursor = await service.list_imports(session, caller, params, plan_id=plan_id, status=status, kind=kind)
    return page_response(ImportReport, rows, cursor)


@router.get("/v1/imports/{import_id}", response_model=ImportReport, responses=problem_responses(304))
async def get_import(request: Request, caller: CallerDep, session: SessionDep, import_id: uuid.UUID) -> Response:
    """Read one import report."""
    row = await service.get_import(session, caller, import_id)
    return record_response(request, ImportReport, row)


def _chunks(content: bytes) -> Iterator[bytes]:
    for start in range(0, len(content), CHUNK):
        yield content[start : start + CHUNK]


EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "El archivo del plan.",
        "content": {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            "text/csv": {},
            "text/plain": {},
        },
    },
    **problem_responses(409),
}


@router.get("/v1/plans/{plan_id}/export", response_class=StreamingResponse, responses=EXPORT_RESPONSES)
async def export_plan_file(
    caller: CallerDep,
    session: SessionDep,
    plan_id: uuid.UUID,
    format: Annotated[ExportFormat, Query(description="xlsx, csv, pisis-ppps o pisis-spps.")] = ExportFormat.XLSX,
) -> StreamingResponse:
    """Download the plan as a spreadsheet (association layout) or as the Ministry's PISIS file."""
    exported = await export_plan(session, caller, plan_id, format)
    return StreamingResponse(
        _chunks(exported.content),
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.file_name}"'},
    )
