"""Endpoints of plan files: `POST /v1/plans:import`, `/v1/imports`, `GET /v1/plans/{id}/export`."""

import uuid
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse

from services.api.access.policies import ReadsScope, Writes
from services.api.db import SessionDep, read_connection
from services.api.files import reports
from services.api.files.budget import parse_timeout_of
from services.api.files.importing import Upload
from services.api.files.uploads import (
    CHUNK,
    AcceptWarningsForm,
    DryRunForm,
    SheetForm,
    accepted_warnings_of,
    form_boolean,
    form_uuid,
    form_year,
    read_upload,
    report_response,
)
from services.api.imports import service
from services.api.imports.export import ExportFormat, export_plan
from services.api.pagination import PageParamsDep
from services.api.routing import IMPORT_PROBLEMS, READ_PROBLEMS, page_response, record_response
from services.api.unit_of_work import api_router
from services.kit.openapi import problem_responses
from services.kit.plain_text import plain_text_form
from shared.contract import Page
from shared.contract.imports import ImportReport

router = api_router(tags=["plan files"], responses=READ_PROBLEMS)


@router.post(
    "/v1/plans:import",
    response_model=ImportReport,
    responses=IMPORT_PROBLEMS,
    dependencies=[Depends(plain_text_form)],
)
async def import_plan(
    request: Request,
    caller: Writes,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="TSV/CSV, XLSX o archivo PISIS PPS190PPPS/PPS190SPPS.")],
    organization_id: Annotated[str | None, Form(description="Por defecto, la organización de la clave.")] = None,
    year: Annotated[str | None, Form(description="Año del plan; por defecto el del archivo.")] = None,
    dry_run: DryRunForm = None,
    accept_warnings: AcceptWarningsForm = None,
    sheet: SheetForm = None,
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
        upload=Upload(data, file.filename or "archivo", size, sha256),
        organization_id=form_uuid("organization_id", pick(organization_id, "organization_id")),
        year=form_year(pick(year, "year")),
        dry_run=form_boolean("dry_run", pick(dry_run, "dry_run"), True),
        accepted_warnings=accepted,
        sheet=pick(sheet, "sheet"),
        parse_timeout_s=parse_timeout_of(request),
    )
    return report_response(request, row, accepted)


@router.get("/v1/imports", response_model=Page[ImportReport])
async def list_imports(
    request: Request,
    caller: ReadsScope,
    params: PageParamsDep,
    plan_id: uuid.UUID | None = None,
    status: Annotated[str | None, Query(pattern="^(dry_run|committed|rejected)$")] = None,
    kind: Annotated[str | None, Query(pattern="^(plan|complaints)$", description="Planes o quejas.")] = None,
) -> Response:
    """List import reports, newest first: who sent which file, when, and what it held."""
    async with read_connection(request) as connection:
        rows, cursor = await reports.list_reports(connection, caller, params, plan_id=plan_id, status=status, kind=kind)
    return page_response(ImportReport, rows, cursor)


@router.get("/v1/imports/{import_id}", response_model=ImportReport, responses=problem_responses(304))
async def get_import(request: Request, caller: ReadsScope, import_id: uuid.UUID) -> Response:
    """Read one import report."""
    async with read_connection(request) as connection:
        values = await reports.read_report(connection, caller, import_id)
    return record_response(request, ImportReport, values)


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
    caller: ReadsScope,
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
