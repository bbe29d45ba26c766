"""Endpoints of /v1/organizations: thin handlers over the organisations service."""

import hashlib
import uuid
from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from services.api.access import messages
from services.api.access.caller import Caller
from services.api.access.policies import ReadsScope, Writes, admin_only
from services.api.db import SessionDep, read_connection
from services.api.organizations import service
from services.api.organizations.schemas import (
    AffiliateCountCreate,
    OrganizationCreate,
    OrganizationUpdate,
    OversightCreate,
)
from services.api.pagination import PageParamsDep
from services.api.routing import (
    READ_PROBLEMS,
    WRITE_PROBLEMS,
    ExpectedVersion,
    no_content,
    page_json_response,
    record_json_response,
    record_response,
)
from services.api.unit_of_work import after_commit, api_router
from services.kit.openapi import problem_responses
from services.kit.responses import json_response, tagged_response
from shared.contract import Page
from shared.contract.analytics import AffiliateMonthlyCounts, ScopeEntities
from shared.contract.base import ContractModel
from shared.contract.organizations import AffiliateCount, Organization, OversightLink
from shared.enums import OrganizationKind

# What widens a secretaría's scope (a new organisation, a retired one, an oversight link) is an
# administrator's; an organisation edits itself (`Writes`, the service checks it is its own).
RegistersOrganizations = Annotated[Caller, Depends(admin_only(messages.ADMIN_REGISTERS_ORGANIZATIONS))]
RetiresOrganizations = Annotated[Caller, Depends(admin_only(messages.ADMIN_RETIRES_ORGANIZATIONS, after_lookup=True))]
GrantsOversight = Annotated[Caller, Depends(admin_only(messages.ADMIN_GRANTS_OVERSIGHT, after_lookup=True))]

router = api_router(prefix="/v1/organizations", tags=["organizations"], responses=READ_PROBLEMS)
affiliate_counts_router = api_router(prefix="/v1/affiliate-counts", tags=["organizations"], responses=READ_PROBLEMS)


class OversightList(ContractModel):
    """The EPS a secretaría oversees beyond its DANE jurisdiction."""

    items: list[OversightLink]


@router.get("", response_model=Page[Organization])
async def list_organizations(
    request: Request,
    caller: ReadsScope,
    params: PageParamsDep,
    kind: OrganizationKind | None = None,
    municipality_code: Annotated[str | None, Query(max_length=5)] = None,
    parent_id: uuid.UUID | None = None,
    nit: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """List the organisations the caller can see, filtered and sorted (`sort=name`)."""
    async with read_connection(request) as connection:
        rows, cursor = await service.list_organizations(
            connection, caller, params, kind=kind, municipality_code=municipality_code, parent_id=parent_id, nit=nit
        )
    return page_json_response(Organization, rows, cursor)


@router.post("", status_code=201, response_model=Organization, responses=WRITE_PROBLEMS)
async def create_organization(
    request: Request, caller: RegistersOrganizations, session: SessionDep, body: OrganizationCreate
) -> Response:
    """Register an organisation (administrators); the NIT's check digit is validated."""
    row = await service.create_organization(session, caller, body)
    return record_response(
        request, Organization, row, status_code=201, location_route="get_organization", organization_id=row.id
    )


@router.get("/{organization_id}", response_model=Organization, responses=problem_responses(304))
async def get_organization(request: Request, caller: ReadsScope, organization_id: uuid.UUID) -> Response:
    """Read one organisation; `If-None-Match` with its ETag answers 304."""
    async with read_connection(request) as connection:
        record = await service.read_organization(connection, caller, organization_id)
    return record_json_response(request, Organization, record)


@router.patch("/{organization_id}", response_model=Organization, responses=WRITE_PROBLEMS)
async def update_organization(
    request: Request,
    caller: Writes,
    session: SessionDep,
    organization_id: uuid.UUID,
    body: OrganizationUpdate,
    version: ExpectedVersion,
) -> Response:
    """Change an organisation's fields (the organisation itself or an administrator); needs If-Match."""
    row = await service.update_organization(session, caller, organization_id, body, version)
    # Scopes are remembered per process for a few seconds; a change here must be seen at once.
    after_commit(request, request.app.state.caller_cache.clear)
    return record_response(request, Organization, row)


@router.delete("/{organization_id}", status_code=204, responses=WRITE_PROBLEMS)
async def delete_organization(
    request: Request,
    caller: RetiresOrganizations,
    session: SessionDep,
    organization_id: uuid.UUID,
    version: ExpectedVersion,
) -> Response:
    """Retire an organisation (administrators): it stays as a tombstone for sync clients."""
    await service.delete_organization(session, caller, organization_id, version)
    # Scopes are remembered per process for a few seconds; a change here must be seen at once.
    after_commit(request, request.app.state.caller_cache.clear)
    return no_content()


@router.get("/{organization_id}/entities", response_model=ScopeEntities, responses=problem_responses(304))
async def list_scope_entities(
    request: Request, caller: ReadsScope, session: SessionDep, organization_id: uuid.UUID
) -> Response:
    """List the EPS, IPS and ESE in a secretaría's scope (jurisdiction and oversight) that the caller can read."""
    rows = await service.list_scope_entities(session, caller, organization_id)
    body = ScopeEntities(items=[Organization.model_validate(row) for row in rows])
    return _content_tagged(request, body)


def _content_tagged(request: Request, body: ContractModel) -> Response:
    """Aggregates have no version: their ETag is a digest of the body, so analytics revalidates with a 304."""
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()[:32]
    return tagged_response(request, body, f'"{digest}"')


@router.get("/{organization_id}/oversight", response_model=OversightList)
async def list_oversight(caller: ReadsScope, session: SessionDep, organization_id: uuid.UUID) -> Response:
    """List the EPS a secretaría oversees in its territory beyond its DANE jurisdiction."""
    links = await service.list_oversight(session, caller, organization_id)
    return json_response(OversightList(items=[OversightLink.model_validate(link) for link in links]))


@router.post("/{organization_id}/oversight", status_code=201, response_model=OversightLink, responses=WRITE_PROBLEMS)
async def add_oversight(
    request: Request,
    caller: GrantsOversight,
    session: SessionDep,
    organization_id: uuid.UUID,
    body: OversightCreate,
) -> Response:
    """Record (administrators) that a secretaría oversees an EPS of its territory; its records become visible."""
    link = await service.add_oversight(session, caller, organization_id, body)
    # Scopes are remembered per process for a few seconds; a change here must be seen at once.
    after_commit(request, request.app.state.caller_cache.clear)
    location = request.url_for("get_oversight", organization_id=link.secretaria_id, overseen_id=link.organization_id)
    return json_response(OversightLink.model_validate(link), status_code=201, headers={"Location": str(location)})


@router.get("/{organization_id}/oversight/{overseen_id}", response_model=OversightLink)
async def get_oversight(
    caller: ReadsScope, session: SessionDep, organization_id: uuid.UUID, overseen_id: uuid.UUID
) -> Response:
    """Read one oversight link of a secretaría."""
    link = await service.get_oversight(session, caller, organization_id, overseen_id)
    return json_response(OversightLink.model_validate(link))


@router.delete("/{organization_id}/oversight/{overseen_id}", status_code=204, responses=WRITE_PROBLEMS)
async def remove_oversight(
    request: Request, caller: Writes, session: SessionDep, organization_id: uuid.UUID, overseen_id: uuid.UUID
) -> Response:
    """Stop overseeing an EPS outside the jurisdiction."""
    await service.remove_oversight(session, caller, organization_id, overseen_id)
    # Scopes are remembered per process for a few seconds; a change here must be seen at once.
    after_commit(request, request.app.state.caller_cache.clear)
    return no_content()


@router.get("/{organization_id}/affiliates", response_model=Page[AffiliateCount])
async def list_affiliate_counts(
    request: Request,
    caller: ReadsScope,
    params: PageParamsDep,
    organization_id: uuid.UUID,
    month: Annotated[str | None, Query(max_length=7, description="Mes `YYYY-MM`.")] = None,
    municipality_code: Annotated[str | None, Query(max_length=5)] = None,
) -> Response:
    """List monthly member counts per municipality, the denominators of rates per 10,000."""
    async with read_connection(request) as connection:
        rows, cursor = await service.list_affiliates(
            connection, caller, organization_id, params, month=month, municipality_code=municipality_code
        )
    return page_json_response(AffiliateCount, rows, cursor)


@router.post("/{organization_id}/affiliates", status_code=201, response_model=AffiliateCount, responses=WRITE_PROBLEMS)
async def create_affiliate_count(
    request: Request,
    caller: Writes,
    session: SessionDep,
    organization_id: uuid.UUID,
    body: AffiliateCountCreate,
) -> Response:
    """Record the members of the organisation in one municipality and month."""
    row = await service.add_affiliate_count(session, caller, organization_id, body)
    return record_response(
        request,
        AffiliateCount,
        row,
        status_code=201,
        location_route="get_affiliate_count",
        organization_id=row.organization_id,
        affiliate_count_id=row.id,
    )


@router.get(
    "/{organization_id}/affiliates/{affiliate_count_id}",
    response_model=AffiliateCount,
    responses=problem_responses(304),
)
async def get_affiliate_count(
    request: Request,
    caller: ReadsScope,
    organization_id: uuid.UUID,
    affiliate_count_id: uuid.UUID,
) -> Response:
    """Read one monthly member count."""
    async with read_connection(request) as connection:
        record = await service.read_affiliate_count(connection, caller, organization_id, affiliate_count_id)
    return record_json_response(request, AffiliateCount, record)


@router.delete("/{organization_id}/affiliates/{affiliate_count_id}", status_code=204, responses=WRITE_PROBLEMS)
async def delete_affiliate_count(
    caller: Writes,
    session: SessionDep,
    organization_id: uuid.UUID,
    affiliate_count_id: uuid.UUID,
    version: ExpectedVersion,
) -> Response:
    """Delete a monthly member count (a tombstone remains for sync clients)."""
    await service.delete_affiliate_count(session, caller, organization_id, affiliate_count_id, version)
    return no_content()


@affiliate_counts_router.get("", response_model=AffiliateMonthlyCounts, responses=problem_responses(304))
async def list_monthly_affiliate_counts(
    request: Request,
    caller: ReadsScope,
    session: SessionDep,
    first_month: Annotated[str, Query(alias="from", max_length=7, description="Primer mes `AAAA-MM`.")],
    last_month: Annotated[str, Query(alias="to", max_length=7, description="Último mes `AAAA-MM`, inclusive.")],
    organization_id: uuid.UUID | None = None,
    group_by: Annotated[
        Literal["municipality"] | None, Query(description="`municipality`: un conteo por municipio.")
    ] = None,
) -> Response:
    """Monthly member counts of every organisation in the caller's scope, summed over municipalities."""
    body = await service.monthly_affiliate_totals(
        session,
        caller,
        first_month=first_month,
        last_month=last_month,
        organization_id=organization_id,
        by_municipality=group_by == "municipality",
    )
    return _content_tagged(request, body)
