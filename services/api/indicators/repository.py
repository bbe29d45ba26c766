"""SQL for indicators and their measurements."""

from services.api.faults import register_unique_constraint
from services.api.models import IndicatorRow, MeasurementRow
from services.api.repository import RecordRepository

indicators = RecordRepository(IndicatorRow, sortable=("created_at", "updated_at", "name"), default_sort="created_at")
measurements = RecordRepository(MeasurementRow, sortable=("created_at", "updated_at", "period"), default_sort="period")

register_unique_constraint(
    "uq_measurements_indicator_period", "period", "Ya hay una medición de ese indicador en ese periodo."
)
