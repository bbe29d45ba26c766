"""The plan-files area: plan spreadsheets and PISIS files in (import) and out (export)."""

from services.api.areas import Area
from services.api.imports.router import router
from services.api.models import ImportRow

AREA = Area(
    package="imports",
    tag="plan files",
    tag_description="Archivos de planes: importación (hoja de cálculo, PISIS) con ensayo previo, y exportación.",
    routers=(router,),
    tables=(ImportRow,),
)
