"""The activities area: a plan's activities with their monthly schedule, and their monthly progress."""

from services.api.activities.router import activities_router, progress_router
from services.api.areas import Area
from services.api.models import ActivityProgressRow, ActivityRow

AREA = Area(
    package="activities",
    tag="plans",
    tag_description="Planes de acción PPSS: metas, actividades, indicadores, ejecución.",
    routers=(activities_router, progress_router),
    tables=(ActivityRow, ActivityProgressRow),
)
