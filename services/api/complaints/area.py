"""The complaints area: PQRD with their legal terms, events, aggregates and intake (their people are the
people area's)."""

from services.api.areas import Area
from services.api.complaints.router import calendar_router, complaints_router, deadlines_router, motives_router
from services.api.models import (
    ComplaintEventRow,
    ComplaintMonthlyCountRow,
    ComplaintMotiveRow,
    ComplaintResponseDaysRow,
    ComplaintRow,
    ComplaintSequenceRow,
)

AREA = Area(
    package="complaints",
    tag="complaints",
    tag_description="PQRD con su término legal (Ley 1755 de 2015, Supersalud), eventos y datos personales.",
    routers=(complaints_router, deadlines_router, calendar_router, motives_router),
    tables=(
        ComplaintRow,
        ComplaintEventRow,
        ComplaintSequenceRow,
        ComplaintMotiveRow,
        ComplaintMonthlyCountRow,
        ComplaintResponseDaysRow,
    ),
)
