"""The deadline columns of a complaint: derived from its event log by `shared.deadlines`, stored so lists can
filter and sort on them in SQL, and re-derived in bulk when the rules change; the preview and calendar
questions portals ask before filing.

The event log is the source of truth. Every accepted event is validated by replaying the whole log with
`shared.deadlines.compute_deadline`, and the derived columns are stored from the resulting state.
"""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.api.complaints import repository
from services.api.models import ComplaintEventRow, ComplaintRow
from services.api.models.complaint import NO_DUE_AT
from services.kit.errors import field_error
from shared import calendar, deadlines
from shared.contract.complaints import (
    BusinessDays,
    CalendarHoliday,
    ComplaintTerm,
    DeadlinePreview,
)
from shared.enums import (
    ComplaintType,
    DatePrecision,
    EventKind,
    Risk,
)
from shared.periods import bogota_date

logger = logging.getLogger("participa.api.complaints")


# Clock skew tolerated between a client and the server for "now" (filings and events cannot be future).
FUTURE_TOLERANCE = timedelta(minutes=5)
# Longest range the business-days endpoint counts over (ten years).
MAX_CALENDAR_SPAN = timedelta(days=3660)


def now_utc() -> datetime:
    return datetime.now(UTC)


# --- derived columns --------------------------------------------------------------------------------------


def response_business_days(filed_at: datetime, answered_at: datetime | None) -> int | None:
    """Business days from filing to answer, day 1 being the first business day after the filing date.

    An answer on the filing day, or before the first business day after it, took 0 business days.
    """
    if answered_at is None:
        return None
    return calendar.business_days_between(bogota_date(filed_at) + timedelta(days=1), answered_at)


def derived_columns(state: deadlines.DeadlineState, filed_at: datetime) -> dict[str, Any]:
    """The stored columns of a derived deadline state of a complaint filed at `filed_at`."""
    term = state.term
    return {
        "status": state.status.value,
        "clock": state.clock.value,
        "due_at": state.due_at,
        "due_date": state.due_date,
        "due_sort_at": state.due_at or NO_DUE_AT,
        "answered_at": state.answered_at,
        "term_unit": term.unit.value if term else None,
        "term_length": term.length if term else None,
        "term_basis": term.basis if term else None,
        "term_rule_id": term.rule_id if term else None,
        "extended": state.extended,
        "information_due_date": state.information_due_date,
        "flags": list(state.flags),
        "response_business_days": response_business_days(filed_at, state.answered_at),
    }


def deadline_event(kind: str, occurred_at: datetime, payload: dict[str, Any]) -> deadlines.DeadlineEvent:
    new_due_date = payload.get("new_due_date")
    return deadlines.DeadlineEvent(
        kind=EventKind(kind),
        occurred_at=occurred_at,
        new_due_date=date.fromisoformat(new_due_date) if new_due_date else None,
    )


def replay(
    row: ComplaintRow, events: Sequence[ComplaintEventRow], now: datetime, extra: Sequence[deadlines.DeadlineEvent] = ()
) -> deadlines.DeadlineState:
    """Run the engine over a complaint's log (plus `extra` events not stored yet)."""
    logged = [deadline_event(event.kind, event.occurred_at, event.payload) for event in events]
    return deadlines.compute_deadline(
        row.filed_at,
        row.type,
        row.risk,
        row.minor,
        [*logged, *extra],
        now=max(now, row.filed_at),
        precision=row.date_precision,
    )


def compute_or_422(compute: Any, field: str) -> deadlines.DeadlineState:
    try:
        state: deadlines.DeadlineState = compute()
    except ValueError as error:
        raise field_error(field, str(error)) from None
    return state


def filing_instant(filed_at: datetime, precision: DatePrecision) -> datetime:
    """The stored `filed_at`: a month-precision filing is the first instant of its Bogotá month."""
    return deadlines.month_start(filed_at) if precision is DatePrecision.MONTH else filed_at


# --- calendar and preview ---------------------------------------------------------------------------------


def preview_deadline(filed_at: datetime, type: ComplaintType, risk: Risk | None, minor: bool) -> DeadlinePreview:
    if risk is not None and type is not ComplaintType.RECLAMO:
        raise field_error("risk", "La clasificación de riesgo solo se admite en un reclamo.")
    try:
        due_at, due_date, term = deadlines.preview(filed_at, type, risk, minor)
    except ValueError as error:
        raise field_error("filed_at", str(error)) from None
    return DeadlinePreview(
        due_at=due_at,
        due_date=due_date,
        term=ComplaintTerm(unit=term.unit, length=term.length, basis=term.basis) if term else None,
    )


def business_days(start: date, end: date) -> BusinessDays:
    if end < start:
        raise field_error("to", "La fecha final es anterior a la inicial.")
    if end - start > MAX_CALENDAR_SPAN:
        raise field_error("to", "El rango no puede pasar de diez años.")
    try:
        count = calendar.business_days_between(start, end)
        holidays = calendar.holidays_between(start, end)
    except ValueError as error:
        raise field_error("from", str(error)) from None
    return BusinessDays(
        business_days=count,
        holidays=[CalendarHoliday(date=holiday.day, name=holiday.name) for holiday in holidays],
    )


# --- bulk re-derivation -----------------------------------------------------------------------------------


@dataclass
class RederiveCounts:
    scanned: int = 0
    changed: int = 0
    failed: int = 0


async def rederive_batch(
    session: AsyncSession, after: uuid.UUID | None, size: int, counts: RederiveCounts, *, now: datetime | None = None
) -> uuid.UUID | None:
    """Re-run the engine over one batch of complaints (id order after `after`); returns the last id, or None.

    A log the current rules no longer accept keeps its stored columns and is counted as failed: a person
    must look at it (the complaint id is logged, never its content).
    """
    now = now or now_utc()
    rows = await repository.batch_after(session, after, size)
    if not rows:
        return None
    logs = await repository.events_of_many(session, [row.id for row in rows])
    for row in rows:
        counts.scanned += 1
        try:
            values = derived_columns(replay(row, logs[row.id], now), row.filed_at)
        except (deadlines.DeadlineRuleError, ValueError) as error:
            counts.failed += 1
            logger.warning("complaint %s: log not accepted by the current rules (%s)", row.id, type(error).__name__)
            continue
        if any(getattr(row, name) != value for name, value in values.items()):
            await repository.write_derived(session, row.id, values)
            counts.changed += 1
    return rows[-1].id
