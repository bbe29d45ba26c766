"""Complaints known only by their month: filed at the month's first Bogotá instant, with no legal term."""

from datetime import UTC, date, datetime

import pytest

from shared import deadlines
from shared.enums import Clock, ComplaintStatus, ComplaintType, DatePrecision, EventKind, Risk
from shared.periods import BOGOTA


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 17, 15, 0, tzinfo=BOGOTA), datetime(2026, 3, 1, tzinfo=BOGOTA)),
        # 1 April 03:00 UTC is still 31 March in Bogotá.
        (datetime(2026, 4, 1, 3, 0, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=BOGOTA)),
        (date(2022, 12, 31), datetime(2022, 12, 1, tzinfo=BOGOTA)),
    ],
)
def test_month_start_is_the_first_instant_of_the_bogota_month(moment: datetime | date, expected: datetime) -> None:
    assert deadlines.month_start(moment) == expected


@pytest.mark.parametrize(
    ("type", "risk"),
    [(ComplaintType.PETICION, None), (ComplaintType.RECLAMO, Risk.RIESGO_VITAL), (ComplaintType.CONSULTA, None)],
)
def test_a_month_precision_complaint_has_no_term(type: ComplaintType, risk: Risk | None) -> None:
    filed_at = datetime(2026, 3, 1, tzinfo=BOGOTA)
    day = deadlines.compute_deadline(filed_at, type, risk)
    month = deadlines.compute_deadline(filed_at, type, risk, precision=DatePrecision.MONTH)
    assert day.term is not None
    assert day.clock is Clock.RUNNING
    assert (month.term, month.clock, month.due_at, month.due_date) == (None, Clock.NONE, None, None)
    assert deadlines.timeliness(month, datetime(2027, 1, 1, tzinfo=BOGOTA)) is None
    assert deadlines.time_left(month, datetime(2027, 1, 1, tzinfo=BOGOTA)) is None


def test_events_still_move_a_month_precision_complaint() -> None:
    filed_at = datetime(2026, 3, 1, tzinfo=BOGOTA)
    events = [
        deadlines.DeadlineEvent(EventKind.EN_TRAMITE, datetime(2026, 3, 20, tzinfo=BOGOTA)),
        deadlines.DeadlineEvent(EventKind.RESPONDIDO, datetime(2026, 3, 21, tzinfo=BOGOTA)),
        deadlines.DeadlineEvent(EventKind.CERRADO, datetime(2026, 3, 22, tzinfo=BOGOTA)),
    ]
    state = deadlines.compute_deadline(filed_at, ComplaintType.QUEJA, events=events, precision="month")
    assert (state.status, state.clock, state.due_at) == (ComplaintStatus.CERRADO, Clock.NONE, None)
    assert state.answered_at == datetime(2026, 3, 21, tzinfo=BOGOTA)
