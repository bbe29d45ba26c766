"""The complaint workflow as events: the engine's rules through real requests, and the stored deadline."""

from datetime import datetime
from typing import Any

import httpx

from tests.api.complaints.test_complaints import COMPLAINTS, PERSON, file_complaint, recent
from tests.api.conftest import Actor, MakeKey, MakeOrg, assert_problem, list_all


async def post_event(client: httpx.AsyncClient, actor: Actor, complaint: dict[str, Any], **body: Any) -> httpx.Response:
    return await client.post(f"{COMPLAINTS}/{complaint['id']}/events", json=body, headers=actor.headers)


async def add_event(client: httpx.AsyncClient, actor: Actor, complaint: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = await post_event(client, actor, complaint, **body)
    assert response.status_code == 201, response.text
    event: dict[str, Any] = response.json()
    return event


async def read(client: httpx.AsyncClient, actor: Actor, complaint: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"{COMPLAINTS}/{complaint['id']}", headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def events(client: httpx.AsyncClient, actor: Actor, complaint: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get(f"{COMPLAINTS}/{complaint['id']}/events", headers=actor.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def assert_unchanged(client: httpx.AsyncClient, actor: Actor, before: dict[str, Any], count: int) -> None:
    after = await read(client, actor, before)
    assert after["version"] == before["version"]
    assert after["due_date"] == before["due_date"]
    assert after["status"] == before["status"]
    assert len(await events(client, actor, before)) == count


async def test_pause_example_of_formats_md(client: httpx.AsyncClient, eps: Actor) -> None:
    complaint = await file_complaint(client, eps)
    assert complaint["due_date"] == "2026-07-22"
    response = await post_event(
        client, eps, complaint, kind="pendiente_informacion", occurred_at="2026-07-01T09:00:00-05:00", note="Falta"
    )
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"2"'
    paused = await read(client, eps, complaint)
    # The petitioner's month ran out on 2026-08-03 (the sandbox's now is later): a person must confirm it.
    assert paused["status"] == "desistimiento_pendiente"
    assert paused["information_due_date"] == "2026-08-03"
    assert paused["clock"] == "paused"
    assert paused["due_at"] is None
    assert paused["due_date"] is None
    assert paused["time_left"] is None
    await add_event(client, eps, complaint, kind="informacion_recibida", occurred_at="2026-07-08T15:00:00-05:00")
    resumed = await read(client, eps, complaint)
    assert resumed["status"] == "en_tramite"
    assert resumed["clock"] == "running"
    assert resumed["due_date"] == "2026-07-29"
    assert resumed["version"] == 3
    history = await events(client, eps, complaint)
    assert [event["kind"] for event in history] == ["pendiente_informacion", "informacion_recibida"]
    assert history[0]["note"] == "Falta"
    assert history[0]["id"] < history[1]["id"]


async def test_extension_up_to_twice_the_term(client: httpx.AsyncClient, eps: Actor) -> None:
    complaint = await file_complaint(client, eps)
    too_far = await post_event(
        client,
        eps,
        complaint,
        kind="prorroga",
        occurred_at="2026-07-20T09:00:00-05:00",
        new_due_date="2026-08-14",
        reason="Se requiere concepto de la junta médica.",
    )
    problem = assert_problem(too_far, 409)
    assert "doble" in problem["detail"]
    assert "2026-08-13" in problem["detail"]
    assert "prorroga" in problem["allowed"]
    await assert_unchanged(client, eps, complaint, 0)
    await add_event(
        client,
        eps,
        complaint,
        kind="prorroga",
        occurred_at="2026-07-21T09:00:00-05:00",
        new_due_date="2026-08-13",
        reason="Se requiere concepto de la junta médica.",
    )
    extended = await read(client, eps, complaint)
    assert extended["due_date"] == "2026-08-13"
    assert extended["extended"] is True
    history = await events(client, eps, complaint)
    assert history[0]["new_due_date"] == "2026-08-13"
    assert history[0]["reason"] == "Se requiere concepto de la junta médica."


async def test_extension_after_expiry_is_refused(client: httpx.AsyncClient, eps: Actor) -> None:
    complaint = await file_complaint(client, eps)
    response = await post_event(
        client,
        eps,
        complaint,
        kind="prorroga",
        occurred_at="2026-07-23T08:00:00-05:00",
        new_due_date="2026-08-05",
        reason="Tarde.",
    )
    problem = assert_problem(response, 409)
    assert "antes del vencimiento" in problem["detail"]
    assert "prorroga" not in problem["allowed"]
    await assert_unchanged(client, eps, complaint, 0)


async def test_extension_needs_its_fields(client: httpx.AsyncClient, eps: Actor) -> None:
    complaint = await file_complaint(client, eps)
    response = await post_event(client, eps, complaint, kind="prorroga", occurred_at="2026-07-01T08:00:00-05:00")
    assert_problem(response, 422, "new_due_date", "reason")
    response = await post_event(client, eps, complaint, kind="en_tramite", new_due_date="2026-08-01")
    assert_problem(response, 422, "new_due_date")
    await assert_unchanged(client, eps, complaint, 0)


async def test_hour_clock_is_never_paused_nor_extended(client: httpx.AsyncClient, eps: Actor) -> None:
    complaint = await file_complaint(client, eps, filed_at=recent(2), type="reclamo", risk="riesgo_vital")
    assert complaint["term"]["length"] == 24
    pause = await post_event(client, eps, complaint, kind="pendiente_informacion", occurred_at=recent(1))
    problem = assert_problem(pause, 409)
    assert "no se suspende ni se prorroga" in problem["detail"]
    assert "pendiente_informacion" not in problem["allowed"]
    assert "prorroga" not in problem["allowed"]
    await assert_unchanged(client, eps, complaint, 0)
    await add_event(client, eps, complaint, kind="en_tramite", occurred_at=recent(1.5))
    await add_event(client, eps, complaint, kind="respondido", answer={"text": "Se autorizó.", "medium": "telefono"})
    answered = await read(client, eps, complaint)
    assert answered["status"] == "respondido"
    assert answered["clock"] == "stopped"
    assert answered["timeliness"] == "en_termino"
    assert answered["time_left"] is None


async def test_invalid_transition_is_a_409_listing_the_allowed_kinds(client: httpx.AsyncClient, eps: Actor) -> None:
    complaint = await file_complaint(client, eps, filed_at=recent())
    response = await post_event(client, eps, complaint, kind="cerrado")
    problem = assert_problem(response, 409)
    assert problem["allowed"] == ["en_tramite", "pendiente_informacion", "prorroga", "trasladado", "desistido"]
    assert "radicado" in problem["detail"]
    await assert_unchanged(client, eps, complaint, 0)
    before_filing = await post_event(client, eps, complaint, kind="en_tramite", occurred_at="2026-01-01T00:00:00Z")
    assert_problem(before_filing, 409)
    unknown = await post_event(client, eps, complaint, kind="archivado")
    assert_problem(unknown, 422, "kind")
    future = await post_event(client, eps, complaint, kind="en_tramite", occurred_at="2099-01-01T00:00:00Z")
    assert_problem(future, 422, "occurred_at")
    extra = await post_event(client, eps, complaint, kind="en_tramite", status="cerrado")
    assert_problem(extra, 422, "status")
    await assert_unchanged(client, eps, complaint, 0)


async def test_answer_close_and_reopen(client: httpx.AsyncClient, eps: Actor) -> None:
    complaint = await file_complaint(client, eps)
    await add_event(client, eps, complaint, kind="en_tramite", occurred_at="2026-06-29T09:00:00-05:00")
    missing = await post_event(client, eps, complaint, kind="respondido", occurred_at="2026-07-10T09:00:00-05:00")
    assert_problem(missing, 422, "answer")
    await add_event(
        client,
        eps,
        complaint,
        kind="respondido",
        occurred_at="2026-07-10T09:00:00-05:00",
        answer={"text": "Su cita quedó asignada.", "medium": "correo"},
    )
    answered = await read(client, eps, complaint)
    assert answered["timeliness"] == "en_termino"
    assert datetime.fromisoformat(answered["answered_at"]) == datetime.fromisoformat("2026-07-10T09:00:00-05:00")
    await add_event(client, eps, complaint, kind="cerrado", occurred_at="2026-07-11T09:00:00-05:00")
    await add_event(client, eps, complaint, kind="reabierto", occurred_at="2026-07-31T09:00:00-05:00")
    reopened = await read(client, eps, complaint)
    assert reopened["status"] == "reabierto"
    assert reopened["answered_at"] is None
    assert reopened["due_date"] == "2026-08-25"  # 15 business days from 07-31 (08-07 and 08-17 are holidays)
    history = await events(client, eps, complaint)
    assert history[1]["answer"] == {"text": "Su cita quedó asignada.", "medium": "correo"}
    assert [item["id"] for item in await list_all(client, COMPLAINTS, eps, timeliness="vencida_sin_respuesta")] == [
        complaint["id"]
    ]


async def test_late_answer_is_fuera_de_termino(client: httpx.AsyncClient, eps: Actor) -> None:
    complaint = await file_complaint(client, eps)
    await add_event(client, eps, complaint, kind="en_tramite", occurred_at="2026-06-29T09:00:00-05:00")
    await add_event(
        client,
        eps,
        complaint,
        kind="respondido",
        occurred_at="2026-07-23T09:00:00-05:00",
        answer={"text": "Respuesta.", "medium": "web"},
    )
    assert (await read(client, eps, complaint))["timeliness"] == "fuera_de_termino"
    listed = await list_all(client, COMPLAINTS, eps, timeliness="fuera_de_termino")
    assert [item["id"] for item in listed] == [complaint["id"]]


async def test_transfer_creates_the_linked_complaint_at_the_receiver(
    client: httpx.AsyncClient, eps: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    receiver_org = await make_org("ips", name="Clínica Receptora", nit="900123456-8", municipality_code="11001")
    receiver = await make_key(receiver_org, "eps_ips")
    complaint = await file_complaint(client, eps, person=PERSON)
    unknown = await post_event(
        client,
        eps,
        complaint,
        kind="trasladado",
        occurred_at="2026-06-30T10:00:00-05:00",
        to_organization_id="00000000-0000-0000-0000-000000000001",
    )
    assert_problem(unknown, 422, "to_organization_id")
    assert await list_all(client, COMPLAINTS, receiver) == []
    event = await add_event(
        client,
        eps,
        complaint,
        kind="trasladado",
        occurred_at="2026-07-03T11:00:00-05:00",
        to_organization_id=receiver_org["id"],
        note="No es de nuestra competencia.",
    )
    assert event["to_organization_id"] == receiver_org["id"]
    linked_id = event["transferred_complaint_id"]
    original = await read(client, eps, complaint)
    assert original["status"] == "trasladado"
    assert original["clock"] == "stopped"
    assert original["timeliness"] is None
    # After 5 business days (06-30, 07-01, 07-02 ... 07-03 is the 4th): no flag here.
    assert original["flags"] == []
    received = await client.get(f"{COMPLAINTS}/{linked_id}", headers=receiver.headers)
    assert received.status_code == 200, received.text
    linked = received.json()
    assert linked["organization_id"] == receiver_org["id"]
    assert linked["transferred_from_id"] == complaint["id"]
    assert linked["radicado"] == "900123456-2026-000001"
    assert datetime.fromisoformat(linked["filed_at"]) == datetime.fromisoformat("2026-07-03T11:00:00-05:00")
    assert linked["due_date"] == "2026-07-28"  # 15 business days from its reception, not from the first filing
    assert linked["status"] == "radicado"
    person = await client.get(f"{COMPLAINTS}/{linked_id}/person", headers=receiver.headers)
    assert person.json()["person"]["document_number"] == PERSON["document_number"]
    after = await post_event(client, eps, complaint, kind="en_tramite")
    assert after.json()["allowed"] == []


async def test_late_transfer_is_flagged(client: httpx.AsyncClient, eps: Actor) -> None:
    complaint = await file_complaint(client, eps)
    await add_event(client, eps, complaint, kind="trasladado", occurred_at="2026-07-08T10:00:00-05:00")
    assert (await read(client, eps, complaint))["flags"] == ["late_transfer"]


async def test_if_match_is_optional_but_checked(client: httpx.AsyncClient, eps: Actor) -> None:
    complaint = await file_complaint(client, eps, filed_at=recent())
    path = f"{COMPLAINTS}/{complaint['id']}/events"
    stale = await client.post(path, json={"kind": "en_tramite"}, headers={**eps.headers, "If-Match": '"7"'})
    assert_problem(stale, 412)
    await assert_unchanged(client, eps, complaint, 0)
    fresh = await client.post(path, json={"kind": "en_tramite"}, headers={**eps.headers, "If-Match": '"1"'})
    assert fresh.status_code == 201, fresh.text
    assert fresh.headers["ETag"] == '"2"'


async def test_only_the_receiving_organisation_adds_events(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor, make_key: MakeKey, make_org: MakeOrg
) -> None:
    secretaria_org = await make_org(
        "secretaria_distrital", name="Secretaría", municipality_code="11001", jurisdiction=["11001"]
    )
    secretaria = await make_key(secretaria_org, "secretaria")
    complaint = await file_complaint(client, eps, filed_at=recent())
    reader = await make_key(eps.organization, "bi_readonly")
    assert_problem(await post_event(client, reader, complaint, kind="en_tramite"), 403)
    assert_problem(await post_event(client, secretaria, complaint, kind="en_tramite"), 403)
    assert_problem(await post_event(client, other_eps, complaint, kind="en_tramite"), 404)
    assert_problem(await client.get(f"{COMPLAINTS}/{complaint['id']}/events", headers=other_eps.headers), 404)
    await assert_unchanged(client, eps, complaint, 0)
