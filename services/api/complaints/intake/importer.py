"""Complaint imports: check a whole file, then write it in one step or not at all, and keep its report.

The plan importer's rules: the dry run and the commit run the very same writes inside a savepoint (the dry
run rolls it back), so a dry run that passes guarantees the commit passes; any error rejects the file with
nothing written; warnings block until accepted. Rows are written with COPY (one statement for the
complaints, one for their people), never row by row. Personal data go to `complaint_people` and never into
the report: its messages name the column, not the value.
"""

import uuid
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.api import bulk_copy
from services.api.access import messages
from services.api.access.caller import Caller
from services.api.complaints import intake, repository
from services.api.complaints.deadlines import derived_columns, filing_instant, now_utc
from services.api.complaints.filing import radicado_prefix
from services.api.files.budget import ParseBudget
from services.api.files.importing import ImportOutcome, Upload, keep_report, write_or_roll_back
from services.api.files.problems import ParseProblem, problem
from services.api.models import ImportRow, OrganizationRow
from services.api.organizations import service as organizations_service
from services.api.people import service as people_service
from services.kit.errors import NotFound, field_error
from shared import deadlines
from shared.periods import BOGOTA

MAX_PROBLEMS_PER_CODE = 200
"""Row problems listed per code; the rest are summed up in one more problem, so a report stays small."""


class _Problems:
    """The report's problems, at most :data:`MAX_PROBLEMS_PER_CODE` rows listed per code."""

    def __init__(self, outcome: ImportOutcome) -> None:
        self.outcome = outcome
        self.seen: Counter[str] = Counter()

    def add(self, problem: ParseProblem) -> None:
        self.seen[problem.code] += 1
        if self.seen[problem.code] <= MAX_PROBLEMS_PER_CODE:
            self.outcome.add_parse_problems([problem])

    def summarise(self) -> None:
        for code, count in self.seen.items():
            extra = count - MAX_PROBLEMS_PER_CODE
            if extra > 0:
                severity = next(p["severity"] for p in self.outcome.problems if p["code"] == code)
                self.outcome.problems.append(
                    {
                        "severity": severity,
                        "code": code,
                        "row": None,
                        "column": None,
                        "message": f"Y {extra} filas más con el mismo problema ({code}).",
                    }
                )


async def _organization(session: AsyncSession, caller: Caller, organization_id: uuid.UUID | None) -> OrganizationRow:
    caller.ensure_allowed()  # the route's policy refuses bi_readonly keys before any lookup, as it always did
    target = organization_id or caller.organization_id
    if target is None:
        raise field_error("organization_id", "Una clave admin debe indicar la organización receptora.")
    try:
        organization = await organizations_service.get_organization(session, caller, target)
    except NotFound:
        raise field_error("organization_id", messages.NO_SUCH_ORGANIZATION) from None
    caller.ensure_writable(organization.id, "una organización")
    return organization


async def _context(
    session: AsyncSession, organization: OrganizationRow, year: int | None, now: datetime
) -> intake.Context:
    motives = [
        intake.CatalogueMotive(row.code, row.name, row.valid_from, row.valid_to)
        for row in await repository.list_motives(session)
    ]
    register = intake.Register(
        intake.Entity(id=entity_id, nit=nit, name=name, reps_code=reps_code)
        for entity_id, nit, name, reps_code in await repository.entities(session)
    )
    return intake.Context(organization.id, motives, register, year=year, now=now.astimezone(BOGOTA))


async def import_complaints_file(
    session: AsyncSession,
    caller: Caller,
    *,
    data: bytes,
    file_name: str,
    organization_id: uuid.UUID | None,
    year: int | None,
    dry_run: bool,
    accepted_warnings: set[str] | None,
    sheet: str | None,
    size_bytes: int | None = None,
    sha256: str | None = None,
    now: datetime | None = None,
    parse_timeout_s: float | None = None,
) -> ImportRow:
    """Check a complaint file and, unless it is a dry run or it has blocking problems, store it. Always reported.

    Reading the file and drafting its rows run in a worker thread within `parse_timeout_s` (the settings' by
    default), else `ParseTimeout` (422).
    """
    budget = ParseBudget.within(parse_timeout_s)
    now = now or now_utc()
    upload = Upload(data, file_name, size_bytes, sha256)
    organization = await _organization(session, caller, organization_id)
    outcome = ImportOutcome()
    problems = _Problems(outcome)
    counts = {"complaints": 0, "already_present": 0, "people": 0}
    parsed: intake.ComplaintFile | None = None
    drafts: list[intake.Draft] = []
    if not outcome.refuse_too_large(upload.size, "divídalo en varios archivos."):
        parsed = await budget.run(intake.read_complaint_file, data, file_name=file_name, sheet=sheet)
        for found in parsed.problems:
            problems.add(found)
        if parsed.profile is not None and not outcome.has_errors:
            context = await _context(session, organization, year, now)
            drafts = await budget.run(intake.draft_rows, parsed, context, on_problem=problems.add)

    # Radicados already registered in the organisation: reported, never duplicated.
    present = await repository.taken_radicados(
        session, organization.id, [draft.complaint.radicado for draft in drafts if draft.complaint.radicado]
    )
    if present:
        radicado_column = parsed.columns.get("radicado") if parsed else None
        for draft in drafts:
            if draft.complaint.radicado in present:
                problems.add(
                    problem(
                        "warning",
                        "already_present",
                        f"La queja {draft.complaint.radicado} ya está registrada en la organización; no se "
                        "importa de nuevo.",
                        draft.row,
                        radicado_column,
                    )
                )
        drafts = [draft for draft in drafts if draft.complaint.radicado not in present]
        counts["already_present"] = len(present)
    counts["complaints"] = len(drafts)
    without_radicado = sum(1 for draft in drafts if draft.complaint.radicado is None)
    if without_radicado:
        problems.add(
            problem(
                "warning",
                "radicado_generated",
                f"{without_radicado} filas no traen radicado: se les genera uno, y si el archivo se vuelve a "
                "importar esas filas se registran otra vez.",
            )
        )
    problems.summarise()

    async def write() -> None:
        if not drafts:
            return  # every row was already there (and accepted as such): a commit that adds nothing
        try:
            counts["people"] = await _write(session, organization, drafts, now)
        except bulk_copy.CopyConflict:
            outcome.error(
                "concurrent_import",
                "Otra solicitud registró al mismo tiempo quejas con estos radicados; envíe el archivo de nuevo.",
            )
        except bulk_copy.CopyRejected as rejected:
            outcome.error(
                "write_rejected",
                f"La base de datos rechazó las filas (código {rejected.sqlstate}); no se guardó nada. "
                "Revise el archivo o informe el código al administrador.",
            )

    status = await write_or_roll_back(
        session, outcome, write, ready=True, dry_run=dry_run, accepted_warnings=accepted_warnings
    )
    return await keep_report(
        session,
        caller,
        kind="complaints",
        resource="complaint_import",
        organization_id=organization.id,
        upload=upload,
        status=status,
        outcome=outcome,
        file_format=parsed.format if parsed else "unknown",
        layout=parsed.profile if parsed else None,
        year=year,
        counts=counts,
    )


async def _radicados(
    session: AsyncSession, organization: OrganizationRow, drafts: list[intake.Draft]
) -> dict[int, str]:
    """Generated radicados for the drafts without one (by position), numbers reserved per year in one step."""
    wanted: dict[int, list[int]] = {}
    for position, draft in enumerate(drafts):
        if draft.complaint.radicado is None:
            wanted.setdefault(draft.complaint.filed_at.astimezone(BOGOTA).year, []).append(position)
    prefix = radicado_prefix(organization)
    generated: dict[int, str] = {}
    for year, positions in wanted.items():
        pending = list(positions)
        while pending:
            last = await repository.reserve_sequence(session, organization.id, year, len(pending))
            candidates = [f"{prefix}-{year}-{number:06d}" for number in range(last - len(pending) + 1, last + 1)]
            # Numbers typed by hand may already be taken: skip them, as single filings do.
            taken = await repository.taken_radicados(session, organization.id, candidates)
            free = [radicado for radicado in candidates if radicado not in taken]
            for position, radicado in zip(pending, free, strict=False):
                generated[position] = radicado
            pending = pending[len(free) :]
    return generated


async def _write(
    session: AsyncSession, organization: OrganizationRow, drafts: list[intake.Draft], now: datetime
) -> int:
    """Insert the checked drafts (COPY) and their people; returns how many people rows were written."""
    await repository.lock_receivers(session, [organization.id])
    generated = await _radicados(session, organization, drafts)
    rows: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    # Rows of a file share filing instants (a month, a day without time): their deadline is computed once.
    states: dict[tuple[Any, ...], deadlines.DeadlineState] = {}
    for position, draft in enumerate(drafts):
        complaint = draft.complaint
        filed_at = filing_instant(complaint.filed_at, complaint.date_precision)
        key = (filed_at, complaint.type, complaint.risk, complaint.minor, complaint.date_precision)
        if key not in states:
            try:
                states[key] = deadlines.compute_deadline(
                    filed_at,
                    complaint.type,
                    complaint.risk,
                    complaint.minor,
                    (),
                    now=now,
                    precision=complaint.date_precision,
                )
            except ValueError as error:
                raise field_error("filed_at", f"Fila {draft.row}: {error}") from None
        state = states[key]
        complaint_id = uuid.uuid4()
        rows.append(
            {
                "id": complaint_id,
                "organization_id": organization.id,
                "entity_id": complaint.entity_id,
                "radicado": complaint.radicado or generated[position],
                "filed_at": filed_at,
                "date_precision": complaint.date_precision.value,
                "type": complaint.type.value,
                "channel": complaint.channel.value,
                "risk": complaint.risk.value if complaint.risk else None,
                "minor": complaint.minor,
                "municipality_code": complaint.municipality_code,
                "motive_code": complaint.motive_code,
                "text": complaint.text,
                "attachments": [],
                "transferred_from_id": None,
                **derived_columns(state, filed_at),
            }
        )
        people += people_service.people_rows(
            complaint_id,
            organization.id,
            petitioner=complaint.person,
            affected=complaint.affected_person,
            with_consent=False,
        )
    await repository.insert_complaints(session, rows)
    await people_service.copy_people(session, people)
    return len(people)
