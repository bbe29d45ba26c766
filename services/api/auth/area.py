"""The API-keys area: the keys callers authenticate with, their roles and their revocation."""

from services.api.areas import Area
from services.api.auth.router import router
from services.api.models import ApiKeyRow

AREA = Area(
    package="auth",
    tag="access",
    tag_description="Claves de API y roles.",
    routers=(router,),
    tables=(ApiKeyRow,),
)
