"""SQL for import reports."""

from services.api.models import ImportRow
from services.api.repository import RecordRepository

imports = RecordRepository(ImportRow, sortable=("created_at", "updated_at"), default_sort="-created_at")
