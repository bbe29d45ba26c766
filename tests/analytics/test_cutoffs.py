"""A data cut-off never lies in the future: what has not happened yet cannot be complete or due."""

from datetime import UTC, datetime, timedelta

from services.analytics.complaints import service as complaints_service
from services.analytics.plans import service as plans_service
from shared.periods import Month


def test_a_future_cut_off_of_complaint_figures_is_now() -> None:
    before = datetime.now(UTC)
    cut = complaints_service.cut_off_instant("2099-12-31")
    assert before <= cut <= datetime.now(UTC) + timedelta(seconds=1)
    assert complaints_service.cut_off_instant("2099-01-01T00:00:00Z") <= datetime.now(UTC)


def test_a_past_cut_off_of_complaint_figures_is_kept_in_utc() -> None:
    assert complaints_service.cut_off_instant("2026-02-28") == datetime(2026, 3, 1, 4, 59, 59, 999999, tzinfo=UTC)


def test_a_future_cut_off_month_of_plan_execution_is_the_current_month() -> None:
    now = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
    assert plans_service.cut_off("2027-06", now) == Month(2026, 12)
    assert plans_service.cut_off("2027-06-15", now) == Month(2026, 12)
    assert plans_service.cut_off("2026-06", now) == Month(2026, 6)
    assert plans_service.cut_off(None, now) == Month(2026, 12)
