"""Complaints (PQRD): filing, radicados, derived deadlines, filters, scope, personal data and the calendar."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.complaints import service as complaints_service
from services.api.models import ComplaintRow
from tests.api.conftest import Actor, MakeKey, MakeOrg, assert_problem, field_message, list_all

COMPLAINTS = "/v1/complaints"
PERSON = {
    "document_type": "CC",
    "document_number": "1020304050",
    "first_names": "Ana María",
    "last_names": "Pérez Gómez",
    "phone": "3001234567",
    "email": "ana@example.com",
    "consent": {"given": True, "text_version": "v1", "channel": "web", "at": "2026-06-26T10:00:00-05:00"},
}
AFFECTED = {"document_type": "TI", "document_number": "1122334455", "first_names": "Luis", "birth_date": "2014-03-02"}


def complaint_body(actor: Actor, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "entity_id": str(actor.organization_id),
        "filed_at": "2026-06-26T10:00:00-05:00",
        "type": "peticion",
        "channel": "web",
        "municipality_code": "11001",
        "text": "Solicito la autorización de la cita con el especialista.",
    }
    body.update(fields)
    return body


async def file_complaint(client: httpx.AsyncClient, actor: Actor, **fields: Any) -> dict[str, Any]:
    response = await client.post(COMPLAINTS, json=complaint_body(actor, **fields), headers=actor.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def recent(hours: float = 1) -> str:
    """An instant `hours` ago, in Bogotá time."""
    return (datetime.now(UTC) - timedelta(hours=hours)).astimezone().isoformat()


async def count_complaints(client: httpx.AsyncClient, admin: Actor) -> int:
    return len(await list_all(client, COMPLAINTS, admin))


@pytest.fixture
async def secretaria(make_org: MakeOrg, make_key: MakeKey) -> Actor:
    organization = await make_org(
        "secretaria_distrital", name="Secretaría Distrital de Salud", municipality_code="11001", jurisdiction=["11001"]
    )
    return await make_key(organization, "secretaria")


@pytest.fixture
async def ips(make_org: MakeOrg, make_key: MakeKey) -> Actor:
    organization = await make_org("ips", name="Hospital San Vicente", municipality_code="11001", reps_code="1100100001")
    return await make_key(organization, "eps_ips")


# --- filing ------------------------------------------------------------------------------------------------


async def test_create_generates_radicado_and_derives_the_deadline(client: httpx.AsyncClient, eps: Actor) -> None:
    response = await client.post(COMPLAINTS, json=complaint_body(eps, person=PERSON), headers=eps.headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["Location"].endswith(f"/v1/complaints/{created['id']}")
    assert response.headers["ETag"] == '"1"'
    assert created["radicado"] == "830113831-2026-000001"
    assert created["organization_id"] == str(eps.organization_id)
    assert created["status"] == "radicado"
    assert created["clock"] == "running"
    assert created["due_date"] == "2026-07-22"
    assert datetime.fromisoformat(created["due_at"]) == datetime.fromisoformat("2026-07-22T23:59:59.999999-05:00")
    assert created["term"]["unit"] == "business_days"
    assert created["term"]["length"] == 15
    assert "Ley 1755" in created["term"]["basis"]
    # Filed in June and never answered: overdue now, with negative time left.
    assert created["timeliness"] == "vencida_sin_respuesta"
    assert created["time_left"] < 0
    assert "person" not in created
    second = await file_complaint(client, eps, filed_at="2026-07-01T08:00:00-05:00")
    assert second["radicado"] == "830113831-2026-000002"
    next_year = await file_complaint(client, eps, filed_at="2025-12-31T23:30:00-05:00")
    assert next_year["radicado"] == "830113831-2025-000001"


async def test_radicado_prefix_without_nit_uses_reps_code(client: httpx.AsyncClient, ips: Actor) -> None:
    created = await file_complaint(client, ips)
    assert created["radicado"] == "1100100001-2026-000001"


async def test_generated_radicado_skips_one_taken_by_hand(client: httpx.AsyncClient, eps: Actor) -> None:
    await file_complaint(client, eps, radicado="830113831-2026-000001")
    generated = await file_complaint(client, eps)
    assert generated["radicado"] == "830113831-2026-000002"


async def test_duplicate_radicado_is_a_409_and_changes_nothing(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor, admin: Actor
) -> None:
    await file_complaint(client, eps, radicado="PQR-2026-77")
    before = await count_complaints(client, admin)
    response = await client.post(COMPLAINTS, json=complaint_body(eps, radicado="PQR-2026-77"), headers=eps.headers)
    assert_problem(response, 409, "radicado")
    assert await count_complaints(client, admin) == before
    # Unique per receiving organisation only.
    await file_complaint(client, other_eps, radicado="PQR-2026-77")


async def test_risk_is_only_for_reclamo(client: httpx.AsyncClient, eps: Actor, admin: Actor) -> None:
    response = await client.post(COMPLAINTS, json=complaint_body(eps, risk="simple"), headers=eps.headers)
    body = assert_problem(response, 422, "risk")
    assert "reclamo" in field_message(body, "risk")
    assert await count_complaints(client, admin) == 0
    created = await file_complaint(client, eps, type="reclamo", risk="simple", filed_at=recent())
    assert created["term"] == {
        "unit": "hours",
        "length": 72,
        "basis": created["term"]["basis"],
    }


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"status": "cerrado"}, "status"),
        ({"due_at": "2026-07-01T00:00:00Z"}, "due_at"),
        ({"person": {"nombre": "Ana"}}, "person.nombre"),
        ({"type": "tutela"}, "type"),
        ({"channel": "fax"}, "channel"),
        ({"filed_at": "2026-06-26T10:00:00"}, "filed_at"),
        ({"municipality_code": "1100"}, "municipality_code"),
        ({"text": ""}, "text"),
        ({"attachments": [{"name": "a.pdf", "color": "rojo"}]}, "attachments[0].color"),
    ],
)
async def test_invalid_or_unknown_fields_are_a_422_and_change_nothing(
    client: httpx.AsyncClient, eps: Actor, admin: Actor, fields: dict[str, Any], named: str
) -> None:
    response = await client.post(COMPLAINTS, json=complaint_body(eps, **fields), headers=eps.headers)
    assert_problem(response, 422, named)
    assert await count_complaints(client, admin) == 0


async def test_future_filing_is_a_422(client: httpx.AsyncClient, eps: Actor, admin: Actor) -> None:
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    response = await client.post(COMPLAINTS, json=complaint_body(eps, filed_at=future), headers=eps.headers)
    assert_problem(response, 422, "filed_at")
    assert await count_complaints(client, admin) == 0


async def test_receiving_organisation_rules(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor, admin: Actor, make_key: MakeKey
) -> None:
    # admin must name the receiving organisation
    response = await client.post(COMPLAINTS, json=complaint_body(eps), headers=admin.headers)
    assert_problem(response, 422, "organization_id")
    created = await file_complaint(client, admin, **complaint_body(eps, organization_id=str(eps.organization_id)))
    assert created["organization_id"] == str(eps.organization_id)
    # an EPS files only what it received
    body = complaint_body(eps, organization_id=str(other_eps.organization_id))
    assert_problem(await client.post(COMPLAINTS, json=body, headers=eps.headers), 403)
    # the entity complained about must exist, but may be outside the receiver's scope (an IPS receives
    # complaints against the patient's EPS)
    body = complaint_body(eps, entity_id=str(uuid.uuid4()))
    assert_problem(await client.post(COMPLAINTS, json=body, headers=eps.headers), 422, "entity_id")
    against_other = await client.post(
        COMPLAINTS, json=complaint_body(eps, entity_id=str(other_eps.organization_id)), headers=eps.headers
    )
    assert against_other.status_code == 201, against_other.text
    reader = await make_key(eps.organization, "bi_readonly")
    assert_problem(await client.post(COMPLAINTS, json=complaint_body(eps), headers=reader.headers), 403)
    assert await count_complaints(client, admin) == 2


# --- deadlines on filing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed_at", "type", "due_date"),
    [
        # Friday before the holiday Monday 2025-06-23 (and 06-30): 15 business days.
        ("2025-06-20T16:00:00-05:00", "peticion", "2025-07-15"),
        # Friday before the holiday Monday 2026-07-13 (Ley 2578 de 2026) and 07-20: 10 business days.
        ("2026-07-03T11:00:00-05:00", "solicitud_informacion", "2026-07-21"),
        ("2024-03-22T09:00:00-05:00", "queja", "2024-04-17"),
        ("2025-12-19T09:00:00-05:00", "reclamo", "2026-01-14"),
    ],
)
async def test_business_day_deadlines_of_formats_md(
    client: httpx.AsyncClient, eps: Actor, filed_at: str, type: str, due_date: str
) -> None:
    created = await file_complaint(client, eps, filed_at=filed_at, type=type)
    assert created["due_date"] == due_date
    assert created["clock"] == "running"


async def test_reclamo_riesgo_vital_runs_24_calendar_hours(client: httpx.AsyncClient, eps: Actor) -> None:
    created = await file_complaint(
        client, eps, filed_at="2026-11-20T22:30:00-05:00", type="reclamo", risk="riesgo_vital", minor=True
    )
    assert created["term"]["unit"] == "hours"
    assert created["term"]["length"] == 24
    assert datetime.fromisoformat(created["due_at"]) == datetime.fromisoformat("2026-11-21T22:30:00-05:00")
    assert created["due_date"] == "2026-11-21"


async def test_felicitacion_has_no_term(client: httpx.AsyncClient, eps: Actor) -> None:
    created = await file_complaint(client, eps, type="felicitacion")
    assert created["clock"] == "none"
    assert created["term"] is None
    assert created["due_at"] is None
    assert created["timeliness"] is None
    assert created["time_left"] is None


async def test_get_has_etag_and_304(client: httpx.AsyncClient, eps: Actor) -> None:
    created = await file_complaint(client, eps, filed_at=recent())
    response = await client.get(f"{COMPLAINTS}/{created['id']}", headers=eps.headers)
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    body = response.json()
    assert body["timeliness"] == "en_tramite_vigente"
    assert 0 < body["time_left"] <= 15 * 24 * 3600 * 2
    cached = await client.get(f"{COMPLAINTS}/{created['id']}", headers={**eps.headers, "If-None-Match": '"1"'})
    assert cached.status_code == 304


# --- PATCH -------------------------------------------------------------------------------------------------


async def test_patch_changes_only_descriptive_fields(client: httpx.AsyncClient, eps: Actor) -> None:
    created = await file_complaint(client, eps)
    path = f"{COMPLAINTS}/{created['id']}"
    assert_problem(await client.patch(path, json={"motive_code": "ME23-01"}, headers=eps.headers), 428)
    stale = await client.patch(path, json={"motive_code": "ME23-01"}, headers={**eps.headers, "If-Match": '"9"'})
    assert_problem(stale, 412)
    derived = await client.patch(path, json={"status": "cerrado"}, headers={**eps.headers, "If-Match": '"1"'})
    assert_problem(derived, 422, "status")
    null_text = await client.patch(path, json={"text": None}, headers={**eps.headers, "If-Match": '"1"'})
    assert_problem(null_text, 422, "text")
    response = await client.patch(
        path,
        json={"motive_code": "ME23-01", "attachments": [{"name": "orden.pdf", "media_type": "application/pdf"}]},
        headers={**eps.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == 2
    assert body["motive_code"] == "ME23-01"
    assert body["attachments"][0]["name"] == "orden.pdf"
    assert body["due_date"] == created["due_date"]


# --- lists, filters, scope ---------------------------------------------------------------------------------


async def test_scope_receiver_entity_and_secretaria(
    client: httpx.AsyncClient, eps: Actor, ips: Actor, other_eps: Actor, secretaria: Actor
) -> None:
    # The IPS files a complaint against itself; the EPS one against itself: then the scope of each reader.
    against_eps = await file_complaint(client, eps)
    against_ips = await file_complaint(client, ips)
    eps_seen = {item["id"] for item in await list_all(client, COMPLAINTS, eps)}
    assert eps_seen == {against_eps["id"]}
    assert {item["id"] for item in await list_all(client, COMPLAINTS, secretaria)} == {
        against_eps["id"],
        against_ips["id"],
    }
    assert await list_all(client, COMPLAINTS, other_eps) == []
    assert_problem(await client.get(f"{COMPLAINTS}/{against_eps['id']}", headers=other_eps.headers), 404)


async def test_entity_complained_about_sees_the_complaint_but_cannot_write(
    client: httpx.AsyncClient, eps: Actor, secretaria: Actor, admin: Actor
) -> None:
    # A secretaría receives a complaint against the EPS of its jurisdiction.
    created = await file_complaint(client, secretaria, entity_id=str(eps.organization_id))
    assert created["organization_id"] == str(secretaria.organization_id)
    seen = await client.get(f"{COMPLAINTS}/{created['id']}", headers=eps.headers)
    assert seen.status_code == 200
    assert [item["id"] for item in await list_all(client, COMPLAINTS, eps, entity_id=eps.organization_id)] == [
        created["id"]
    ]
    patch = await client.patch(
        f"{COMPLAINTS}/{created['id']}", json={"motive_code": "X"}, headers={**eps.headers, "If-Match": '"1"'}
    )
    assert_problem(patch, 403)


async def test_filters(client: httpx.AsyncClient, eps: Actor) -> None:
    old = await file_complaint(
        client, eps, text="Negaron la entrega de medicamentos para la diabetes.", channel="telefono"
    )
    fresh = await file_complaint(
        client, eps, filed_at=recent(), type="queja", municipality_code="05001", text="Mala atención en urgencias."
    )
    vital = await file_complaint(client, eps, filed_at=recent(30), type="reclamo", risk="riesgo_vital")

    async def ids(**params: Any) -> set[str]:
        return {item["id"] for item in await list_all(client, COMPLAINTS, eps, **params)}

    assert await ids(type="queja") == {fresh["id"]}
    assert await ids(channel="telefono") == {old["id"]}
    assert await ids(risk="riesgo_vital") == {vital["id"]}
    assert await ids(municipality_code="05001") == {fresh["id"]}
    assert await ids(status="radicado") == {old["id"], fresh["id"], vital["id"]}
    assert await ids(timeliness="vencida_sin_respuesta") == {old["id"], vital["id"]}
    assert await ids(timeliness="en_tramite_vigente") == {fresh["id"]}
    assert await ids(timeliness="en_termino") == set()
    assert await ids(filed_from="2026-06-26", filed_to="2026-06-26") == {old["id"]}
    assert await ids(filed_from="2026-06-27") == {fresh["id"], vital["id"]}
    assert await ids(filed_to="2026-06-25") == set()
    assert await ids(filed_to="2026-06-26T10:00:00-05:00") == {old["id"]}
    assert await ids(due_before="2026-07-23") == {old["id"]}
    assert await ids(q="medicamento") == {old["id"]}
    assert await ids(q="urgencias atención") == {fresh["id"]}
    assert await ids(q="tutela") == set()
    problem = await client.get(COMPLAINTS, params={"filed_from": "26/06/2026"}, headers=eps.headers)
    assert_problem(problem, 422, "filed_from")
    problem = await client.get(COMPLAINTS, params={"timeliness": "tarde"}, headers=eps.headers)
    assert_problem(problem, 422, "timeliness")


async def test_sort_by_due_at_walks_every_page(client: httpx.AsyncClient, eps: Actor) -> None:
    late = await file_complaint(client, eps, filed_at="2026-07-01T08:00:00-05:00")
    early = await file_complaint(client, eps)
    none = await file_complaint(client, eps, type="felicitacion")
    seen: list[str] = []
    params: dict[str, Any] = {"sort": "due_at", "limit": 1}
    while True:
        response = await client.get(COMPLAINTS, params=params, headers=eps.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [early["id"], late["id"], none["id"]]
    descending = await list_all(client, COMPLAINTS, eps, sort="-filed_at")
    assert descending[0]["id"] == late["id"]


async def test_deadline_preview(client: httpx.AsyncClient, eps: Actor) -> None:
    response = await client.get(
        "/v1/deadlines/preview",
        params={"filed_at": "2026-06-26T10:00:00-05:00", "type": "peticion"},
        headers=eps.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["due_date"] == "2026-07-22"
    assert body["term"]["length"] == 15
    hours = await client.get(
        "/v1/deadlines/preview",
        params={"filed_at": "2026-06-26T10:00:00-05:00", "type": "reclamo", "risk": "priorizado"},
        headers=eps.headers,
    )
    assert hours.json()["term"]["unit"] == "hours"
    assert datetime.fromisoformat(hours.json()["due_at"]) == datetime.fromisoformat("2026-06-28T10:00:00-05:00")
    none = await client.get(
        "/v1/deadlines/preview",
        params={"filed_at": "2026-06-26T10:00:00Z", "type": "felicitacion"},
        headers=eps.headers,
    )
    assert none.json() == {"due_at": None, "due_date": None, "term": None}
    bad = await client.get(
        "/v1/deadlines/preview",
        params={"filed_at": "2026-06-26T10:00:00Z", "type": "peticion", "risk": "simple"},
        headers=eps.headers,
    )
    assert_problem(bad, 422, "risk")
    naive = await client.get(
        "/v1/deadlines/preview", params={"filed_at": "2026-06-26T10:00:00", "type": "peticion"}, headers=eps.headers
    )
    assert_problem(naive, 422, "filed_at")
    assert_problem(await client.get("/v1/deadlines/preview", params={"type": "peticion"}), 401)


async def test_business_days(client: httpx.AsyncClient, eps: Actor) -> None:
    path = "/v1/calendar/business-days"
    response = await client.get(path, params={"from": "2026-06-27", "to": "2026-07-22"}, headers=eps.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["business_days"] == 15
    assert [holiday["date"] for holiday in body["holidays"]] == ["2026-06-29", "2026-07-13", "2026-07-20"]
    assert all(holiday["name"] for holiday in body["holidays"])
    year = await client.get(path, params={"from": "2026-01-01", "to": "2026-12-31"}, headers=eps.headers)
    assert year.json()["business_days"] == 242
    assert len(year.json()["holidays"]) == 19
    same_day = await client.get(path, params={"from": "2026-06-29", "to": "2026-06-29"}, headers=eps.headers)
    assert same_day.json()["business_days"] == 0
    assert_problem(
        await client.get(path, params={"from": "2026-07-22", "to": "2026-06-27"}, headers=eps.headers), 422, "to"
    )
    assert_problem(
        await client.get(path, params={"from": "2026-02-30", "to": "2026-03-01"}, headers=eps.headers), 422, "from"
    )


# --- bulk re-derivation ------------------------------------------------------------------------------------


async def test_rederive_restores_the_derived_columns(
    client: httpx.AsyncClient, session: AsyncSession, eps: Actor
) -> None:
    first = await file_complaint(client, eps)
    second = await file_complaint(client, eps, filed_at="2026-07-03T11:00:00-05:00", type="solicitud_informacion")
    # A calendar fix would change due dates: simulate stale stored columns.
    await session.execute(
        update(ComplaintRow)
        .where(col(ComplaintRow.id) == uuid.UUID(first["id"]))
        .values(due_date=datetime(2026, 7, 1).date(), status="cerrado")
    )
    counts = complaints_service.RederiveCounts()
    after = None
    while True:
        after = await complaints_service.rederive_batch(session, after, 1, counts)
        if after is None:
            break
    assert counts.changed == 1
    assert counts.scanned >= 2
    assert counts.failed == 0
    refreshed = (await client.get(f"{COMPLAINTS}/{first['id']}", headers=eps.headers)).json()
    assert refreshed["due_date"] == "2026-07-22"
    assert refreshed["status"] == "radicado"
    assert refreshed["version"] == 2
    untouched = (await client.get(f"{COMPLAINTS}/{second['id']}", headers=eps.headers)).json()
    assert untouched["version"] == 1
    total = await session.execute(select(func.count()).select_from(ComplaintRow))
    assert total.scalar_one() >= 2
