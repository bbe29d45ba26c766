"""The organisations area: EPS, IPS, ESE, secretarías and user associations, oversight and affiliates."""

from services.api.areas import Area
from services.api.models import AffiliateCountRow, OrganizationRow, OversightRow
from services.api.organizations.router import affiliate_counts_router, router

AREA = Area(
    package="organizations",
    tag="organizations",
    tag_description="EPS, IPS, ESE, secretarías y asociaciones de usuarios.",
    routers=(router, affiliate_counts_router),
    tables=(OrganizationRow, OversightRow, AffiliateCountRow),
)
