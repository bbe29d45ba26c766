"""How a route answers with personal data: who may call it and how the answer is sent.

The people's one route today is a complaint's (`GET /v1/complaints/{id}/person`), declared in the
complaints router at its place in the API; it takes this policy and answers with `people_response`.
"""

from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response

from services.api.access import messages
from services.api.access.caller import Caller
from services.api.access.policies import all_roles_but
from services.kit.responses import json_response
from shared.contract.complaints import ComplaintPeople
from shared.enums import Role

# Personal data is for the roles that handle complaints; which records an EPS or IPS may see it for (those
# it received or is complained about), the service decides once the record is found.
_READS_PEOPLE = all_roles_but(
    Role.BI_READONLY, Role.ASOCIACION, refusal=messages.ROLE_NO_PERSONAL_DATA, after_lookup=True
)
ReadsPersonalData = Annotated[Caller, Depends(_READS_PEOPLE)]


def people_response(people: ComplaintPeople) -> Response:
    """Personal data is never kept by a cache on the way."""
    return json_response(people, headers={"Cache-Control": "no-store"})
