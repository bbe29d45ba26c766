"""Every table model, imported here so the mapper registry and Alembic see all of them."""

from services.api.models.access import ApiKeyRow, AuditEventRow, IdempotencyRow
from services.api.models.base import metadata
from services.api.models.complaint import (
    ComplaintEventRow,
    ComplaintMonthlyCountRow,
    ComplaintMotiveRow,
    ComplaintPersonRow,
    ComplaintResponseDaysRow,
    ComplaintRow,
    ComplaintSequenceRow,
    PersonalDataAccessRow,
)
from services.api.models.imports import ImportRow
from services.api.models.organization import AffiliateCountRow, OrganizationRow, OversightRow
from services.api.models.plan import (
    ActivityProgressRow,
    ActivityRow,
    GoalRow,
    IndicatorRow,
    MeasurementRow,
    PlanRow,
)

__all__ = [
    "ActivityProgressRow",
    "ActivityRow",
    "AffiliateCountRow",
    "ApiKeyRow",
    "AuditEventRow",
    "ComplaintEventRow",
    "ComplaintMonthlyCountRow",
    "ComplaintMotiveRow",
    "ComplaintPersonRow",
    "ComplaintResponseDaysRow",
    "ComplaintRow",
    "ComplaintSequenceRow",
    "GoalRow",
    "IdempotencyRow",
    "ImportRow",
    "IndicatorRow",
    "MeasurementRow",
    "OrganizationRow",
    "OversightRow",
    "PersonalDataAccessRow",
    "PlanRow",
    "metadata",
]
