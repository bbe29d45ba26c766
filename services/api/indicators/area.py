"""The indicators area: a plan's indicators and their measurements."""

from services.api.areas import Area
from services.api.indicators.router import indicators_router, measurements_router
from services.api.models import IndicatorRow, MeasurementRow

AREA = Area(
    package="indicators",
    tag="plans",
    tag_description="Planes de acción PPSS: metas, actividades, indicadores, ejecución.",
    routers=(indicators_router, measurements_router),
    tables=(IndicatorRow, MeasurementRow),
)
