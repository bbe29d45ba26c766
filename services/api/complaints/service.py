"""The complaints area's operations, as its router and the rest of the code base (the demo, the local
commands, other areas) call them: one name for each, whatever module holds its rules.

The rules live in the module named for what they hold: `filing` (create, correct, batch items), `events`
(the log and its transitions), `deadlines` (the derived deadline columns and their bulk re-derivation),
`reads` (the read model, one complaint, the lists, the people through `people.service`), `aggregates`
(counts and statistics), `export`, and `intake` (complaint files). Each calls its repository module;
nothing here holds a rule of its own.
"""

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.api.access.caller import Caller
from services.api.complaints import export
from services.api.complaints.aggregates import (
    AggregateFilters,
    complaint_stats,
    count_complaints,
    parse_group_by,
    parse_stats_include,
)
from services.api.complaints.deadlines import (
    RederiveCounts,
    business_days,
    derived_columns,
    now_utc,
    preview_deadline,
    rederive_batch,
)
from services.api.complaints.events import add_event, event_contract, list_events
from services.api.complaints.export import ComplaintExport
from services.api.complaints.filing import create_complaint, lock_batch_receivers, update_complaint
from services.api.complaints.intake.importer import import_complaints_file
from services.api.complaints.reads import (
    PERSON_ROUTE,
    ComplaintFilters,
    complaint_json,
    get_complaint,
    list_complaint_records,
    list_complaints,
    list_motives,
    read_complaint,
    read_people,
    records_page_json,
    to_contract,
)


# Declared here: the OpenAPI names it by its module (another `ExportFormat` exists), as
# `services__api__complaints__service__ExportFormat`, and a docstring would become its description.
class ExportFormat(StrEnum):
    ARROW = "arrow"
    CSV = "csv"


async def export_complaints(
    session: AsyncSession, caller: Caller, engine: AsyncEngine, format: ExportFormat, filters: AggregateFilters
) -> ComplaintExport:
    """`export.export_complaints` in the format asked."""
    return await export.export_complaints(session, caller, engine, arrow=format is ExportFormat.ARROW, filters=filters)


__all__ = [
    "PERSON_ROUTE",
    "AggregateFilters",
    "ComplaintExport",
    "ComplaintFilters",
    "ExportFormat",
    "RederiveCounts",
    "add_event",
    "business_days",
    "complaint_json",
    "complaint_stats",
    "count_complaints",
    "create_complaint",
    "derived_columns",
    "event_contract",
    "export_complaints",
    "get_complaint",
    "import_complaints_file",
    "list_complaint_records",
    "list_complaints",
    "list_events",
    "list_motives",
    "lock_batch_receivers",
    "now_utc",
    "parse_group_by",
    "parse_stats_include",
    "preview_deadline",
    "read_complaint",
    "read_people",
    "records_page_json",
    "rederive_batch",
    "to_contract",
    "update_complaint",
]
