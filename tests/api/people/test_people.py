"""Personal data of complaints: only at the person endpoint, only for the roles and parties that need it,
every read logged."""

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.complaints import service as complaints_service
from services.api.models import PersonalDataAccessRow
from tests.api.complaints.test_complaints import AFFECTED, COMPLAINTS, PERSON, file_complaint
from tests.api.complaints.test_complaints import secretaria as secretaria  # a fixture this module uses
from tests.api.conftest import Actor, MakeKey, MakeOrg, assert_problem


async def _access_rows(session: AsyncSession, complaint_id: str) -> list[PersonalDataAccessRow]:
    statement = select(PersonalDataAccessRow).where(col(PersonalDataAccessRow.complaint_id) == uuid.UUID(complaint_id))
    return list((await session.execute(statement.order_by(col(PersonalDataAccessRow.id)))).scalars())


async def test_personal_data_only_at_the_person_endpoint_and_every_read_logged(
    client: httpx.AsyncClient,
    session: AsyncSession,
    eps: Actor,
    secretaria: Actor,
    other_eps: Actor,
    admin: Actor,
    make_key: MakeKey,
    make_org: MakeOrg,
) -> None:
    created = await file_complaint(
        client, secretaria, entity_id=str(eps.organization_id), person=PERSON, affected_person=AFFECTED
    )
    path = f"{COMPLAINTS}/{created['id']}"
    # Never in list, get, PATCH or events responses.
    for response in (
        await client.get(path, headers=eps.headers),
        await client.get(COMPLAINTS, headers=secretaria.headers),
        await client.get(f"{path}/events", headers=secretaria.headers),
        await client.patch(path, json={"motive_code": "ME23-02"}, headers={**secretaria.headers, "If-Match": '"1"'}),
    ):
        assert response.status_code == 200, response.text
        for secret in ("1020304050", "Pérez", "ana@example.com", "1122334455"):
            assert secret not in response.text
    # Denied roles: 403, and nothing logged.
    reader = await make_key(secretaria.organization, "bi_readonly")
    assert_problem(await client.get(f"{path}/person", headers=reader.headers), 403)
    association_org = await make_org("asociacion_usuarios", parent_id=str(eps.organization_id))
    association = await make_key(association_org, "asociacion")
    assert_problem(await client.get(f"{path}/person", headers=association.headers), 404)
    assert_problem(await client.get(f"{path}/person", headers=other_eps.headers), 404)
    assert await _access_rows(session, created["id"]) == []
    # Allowed: the receiving secretaría, the EPS complained about, admin; each read logged.
    readers = (secretaria, eps, admin)
    for actor in readers:
        response = await client.get(f"{path}/person", headers=actor.headers)
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"] == "no-store"
        body = response.json()
        assert body["person"]["document_number"] == "1020304050"
        assert body["person"]["consent"]["given"] is True
        assert body["affected_person"]["birth_date"] == "2014-03-02"
    rows = await _access_rows(session, created["id"])
    assert len(rows) == len(readers)
    assert [row.organization_id for row in rows] == [secretaria.organization_id, eps.organization_id, None]
    assert all(row.purpose == complaints_service.PERSON_ROUTE for row in rows)


async def test_asociacion_of_the_receiver_gets_403_on_person(
    client: httpx.AsyncClient, make_org: MakeOrg, make_key: MakeKey, eps: Actor
) -> None:
    association_org = await make_org("asociacion_usuarios", parent_id=str(eps.organization_id))
    association = await make_key(association_org, "asociacion")
    created = await file_complaint(client, association)
    response = await client.get(f"{COMPLAINTS}/{created['id']}/person", headers=association.headers)
    assert_problem(response, 403)


async def test_complaint_without_person_reads_nulls(client: httpx.AsyncClient, eps: Actor) -> None:
    created = await file_complaint(client, eps)
    response = await client.get(f"{COMPLAINTS}/{created['id']}/person", headers=eps.headers)
    assert response.status_code == 200
    assert response.json() == {"complaint_id": created["id"], "person": None, "affected_person": None}


# --- preview and calendar ----------------------------------------------------------------------------------
