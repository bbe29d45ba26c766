"""The people area: personal data (Ley 1581 de 2012) kept apart from the records that name them.

Today the petitioner and affected person of complaints; association members next. Its one route is a
complaint's (`/v1/complaints/{id}/person`), served by the complaints router through `people.service`, so it
is documented under the complaints tag.
"""

from services.api.areas import Area
from services.api.complaints.area import AREA as COMPLAINTS
from services.api.models import ComplaintPersonRow, PersonalDataAccessRow

AREA = Area(
    package="people",
    tag=COMPLAINTS.tag,
    tag_description=COMPLAINTS.tag_description,
    routers=(),
    tables=(ComplaintPersonRow, PersonalDataAccessRow),
)
