"""Participa's wire contract and domain arithmetic, shared by the API and analytics services.

Framework-free by rule: it imports only the standard library, pydantic and `holidays`.
"""

from shared.calendar import add_business_days, business_days_between, holidays_between, is_business_day
from shared.enums import (
    Axis,
    IndicatorKind,
    OrganizationKind,
    Periodicity,
    PlanStatus,
    Role,
)
from shared.nit import Nit, parse_nit
from shared.periods import Granularity, Month, Period, bimester_of, parse_month

__all__ = [
    "Axis",
    "Granularity",
    "IndicatorKind",
    "Month",
    "Nit",
    "OrganizationKind",
    "Period",
    "Periodicity",
    "PlanStatus",
    "Role",
    "add_business_days",
    "bimester_of",
    "business_days_between",
    "holidays_between",
    "is_business_day",
    "parse_month",
    "parse_nit",
]
