"""The one import flow: check a whole file, write it inside a savepoint, keep it or roll it back, report.

Every importer (plans, complaints) reads its file its own way and writes its own rows; what they share is
written here once. The writes of a dry run and of a commit are the very same, run inside a savepoint that
the dry run rolls back, so a dry run that passes guarantees the commit passes. Any error rejects the file
with nothing written; warnings block until the caller accepts them. Whatever happens, the attempt is kept
as a report (:mod:`services.api.files.reports`), answered by
:func:`~services.api.files.uploads.report_response` with 200, or 422 carrying the report.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.api.access.caller import Caller
from services.api.files.problems import ParseProblem
from services.api.files.reports import store_report
from services.api.files.uploads import MAX_IMPORT_BYTES
from services.api.models import ImportRow
from services.kit.errors import ApiError

__all__ = ["ImportOutcome", "ImportStatus", "Upload", "keep_report", "write_or_roll_back"]

ImportStatus = Literal["committed", "rejected", "dry_run"]


@dataclass
class ImportOutcome:
    """What checking and writing a file found, before it becomes a stored report."""

    problems: list[dict[str, Any]] = field(default_factory=list)
    differences: list[dict[str, Any]] = field(default_factory=list)

    def error(self, code: str, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.problems.append({"severity": "error", "code": code, "row": row, "column": column, "message": message})

    def warning(self, code: str, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.problems.append({"severity": "warning", "code": code, "row": row, "column": column, "message": message})

    def add_parse_problems(self, problems: Iterable[ParseProblem]) -> None:
        for found in problems:
            self.problems.append(
                {
                    "severity": found.severity,
                    "code": found.code,
                    "row": found.row,
                    "column": found.column,
                    "message": found.message,
                }
            )

    @property
    def has_errors(self) -> bool:
        return any(found["severity"] == "error" for found in self.problems)

    def unaccepted_warnings(self, accepted: set[str] | None) -> list[dict[str, Any]]:
        """Warnings the caller did not accept; `accepted` None means all of them were accepted."""
        if accepted is None:
            return []
        return [p for p in self.problems if p["severity"] == "warning" and p["code"] not in accepted]

    def refuse_too_large(self, size: int, advice: str) -> bool:
        """Report `file_too_large` (and answer True) for a file over the limit, which is then not read at all."""
        if size <= MAX_IMPORT_BYTES:
            return False
        megabytes = f"{size / (1024 * 1024):.1f}".replace(".", ",")  # the decimal comma Colombian users read
        self.error(
            "file_too_large",
            f"El archivo pesa {megabytes} MB y el máximo es {MAX_IMPORT_BYTES // (1024 * 1024)} MB; {advice}",
        )
        return True


@dataclass(frozen=True)
class Upload:
    """The file as received: possibly only its first `MAX_IMPORT_BYTES + 1` bytes, with the whole one's size
    and sha256 (then the report states the real size and fingerprint, not those of what was kept)."""

    data: bytes
    file_name: str
    size_bytes: int | None = None
    sha256: str | None = None

    @property
    def size(self) -> int:
        return max(self.size_bytes or 0, len(self.data))

    @property
    def fingerprint(self) -> str:
        return self.sha256 or hashlib.sha256(self.data).hexdigest()


async def write_or_roll_back(
    session: AsyncSession,
    outcome: ImportOutcome,
    write: Callable[[], Awaitable[None]],
    *,
    ready: bool,
    dry_run: bool,
    accepted_warnings: set[str] | None,
    on_rollback: Callable[[], None] | None = None,
) -> ImportStatus:
    """Run `write` inside a savepoint, keep it only for a commit with nothing blocking; the import's status.

    `ready`: the file was read far enough to be written. `write` reports what breaks a rule into
    `outcome` (or raises an `ApiError`, reported as `rule_violation`); any error rolls the savepoint back,
    and so do the warnings (of the reading or of the writing) the caller did not accept. `on_rollback`
    forgets whatever the rolled-back writes created (a report must not point at a row that is gone).
    """
    blocked = outcome.has_errors or bool(outcome.unaccepted_warnings(accepted_warnings))
    applied = False
    if ready and not outcome.has_errors:
        savepoint = await session.begin_nested()
        try:
            await write()
        except ApiError as error:
            outcome.error("rule_violation", error.detail)
        # Writing can add problems of its own (`second_code_not_kept`): they block like the reader's.
        blocked = outcome.has_errors or bool(outcome.unaccepted_warnings(accepted_warnings))
        if dry_run or blocked:
            await savepoint.rollback()
            if on_rollback is not None:
                on_rollback()
        else:
            await savepoint.commit()
            applied = True
    if applied:
        return "committed"
    return "rejected" if blocked else "dry_run"


async def keep_report(
    session: AsyncSession,
    caller: Caller,
    *,
    kind: str,
    resource: str,
    organization_id: uuid.UUID,
    upload: Upload,
    status: ImportStatus,
    outcome: ImportOutcome,
    file_format: str,
    layout: str | None,
    year: int | None,
    counts: dict[str, int],
    plan_id: uuid.UUID | None = None,
) -> ImportRow:
    """Store the report of one import attempt, whatever its status."""
    return await store_report(
        session,
        caller,
        {
            "id": uuid.uuid4(),
            "kind": kind,
            "organization_id": organization_id,
            "api_key_id": caller.api_key_id,
            "file_name": upload.file_name[:300],
            "sha256": upload.fingerprint,
            "size_bytes": upload.size,
            "format": file_format,
            "layout": layout,
            "status": status,
            "plan_id": plan_id,
            "year": year,
            "counts": counts,
            "problems": outcome.problems,
            "differences": outcome.differences,
        },
        resource=resource,
    )
