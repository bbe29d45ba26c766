"""SQL for activities and their monthly progress."""

from services.api.faults import register_unique_constraint
from services.api.models import ActivityProgressRow, ActivityRow
from services.api.repository import RecordRepository

activities = RecordRepository(
    ActivityRow, sortable=("created_at", "updated_at", "code", "start_date"), default_sort="created_at"
)
progress = RecordRepository(ActivityProgressRow, sortable=("created_at", "updated_at", "month"), default_sort="month")

register_unique_constraint("uq_activities_goal_code", "code", "Ya existe una actividad con ese código en la meta.")
register_unique_constraint(
    "uq_activity_progress_activity_month",
    "month",
    "Ya hay ejecución registrada para esa actividad en ese mes.",
)
