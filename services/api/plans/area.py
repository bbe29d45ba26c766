"""The plans area: PPSS action plans (Resolución 2063 de 2017) and their goals."""

from services.api.areas import Area
from services.api.models import GoalRow, PlanRow
from services.api.plans.router import goals_router, plans_router

AREA = Area(
    package="plans",
    tag="plans",
    tag_description="Planes de acción PPSS: metas, actividades, indicadores, ejecución.",
    routers=(plans_router, goals_router),
    tables=(PlanRow, GoalRow),
)
