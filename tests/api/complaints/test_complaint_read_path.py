"""The hot read path of `GET /v1/complaints/{id}` (and `GET /v1/plans/{id}`): raw row, JSON without validation,
the same bytes as the contract.

It must answer exactly what the validated contract model gives for the same row, in every state of the
deadline, with the ETag and scope rules of every other read.
"""

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.access.cache import CallerCache
from services.api.access.caller import Caller
from services.api.complaints import service as complaints_service
from services.api.complaints.repository import complaints
from services.api.db import FairGate
from services.api.models import ComplaintRow, PlanRow
from shared.contract import Page
from shared.contract.complaints import Complaint
from shared.contract.plans import Plan
from shared.enums import Role
from tests.api.complaints.test_complaint_events import add_event
from tests.api.complaints.test_complaints import COMPLAINTS, file_complaint, recent
from tests.api.conftest import Actor, MakeKey, MakeOrg, assert_problem, create_plan

# Reads and the comparison use one instant (with its microseconds), so `time_left` compares to the second.
NOW = datetime.now(UTC)
ADMIN = Caller(api_key_id=uuid.uuid4(), role=Role.ADMIN, organization_id=None, organization_kind=None, visible_ids=None)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(complaints_service, "now_utc", lambda: NOW)


async def complaints_in_every_state(client: httpx.AsyncClient, eps: Actor, other: Actor) -> dict[str, str]:
    """One complaint per deadline state the read model distinguishes; returns their ids by state."""
    answered = await file_complaint(client, eps, filed_at=recent(24 * 6))
    await add_event(client, eps, answered, kind="en_tramite")
    await add_event(client, eps, answered, kind="respondido", answer={"text": "Se autorizó.", "medium": "correo"})
    paused = await file_complaint(client, eps, filed_at=recent(30), type="consulta")
    await add_event(client, eps, paused, kind="pendiente_informacion", note="Falta la fórmula médica")
    hours = await file_complaint(client, eps, filed_at=recent(2), type="reclamo", risk="riesgo_vital", minor=True)
    no_term = await file_complaint(client, eps, filed_at=recent(5), type="felicitacion", channel="buzon_sugerencias")
    overdue = await file_complaint(
        client,
        eps,
        filed_at="2026-01-05T08:00:00-05:00",
        type="queja",
        # Attachments with only some fields: the read model lists every field, in order.
        attachments=[{"name": "acta.pdf", "size_bytes": 1234}, {"name": "foto.jpg", "media_type": "image/jpeg"}],
    )
    transferred = await file_complaint(client, eps, filed_at=recent(3), entity_id=str(other.organization_id))
    await add_event(client, eps, transferred, kind="trasladado", to_organization_id=str(other.organization_id))
    states = {
        "answered": answered,
        "paused": paused,
        "hour_clock": hours,
        "no_term": no_term,
        "overdue": overdue,
        "transferred": transferred,
        "running": await file_complaint(client, eps, filed_at=recent(1)),
    }
    return {name: complaint["id"] for name, complaint in states.items()}


@pytest.fixture
async def other(make_org: MakeOrg, make_key: MakeKey) -> Actor:
    organization = await make_org("ips", name="IPS receptora", municipality_code="05001")
    return await make_key(organization, "eps_ips")


async def contract_json(session: AsyncSession, complaint_id: str) -> bytes:
    """What the validated contract model serialises for the stored row (the ORM path)."""
    session.expunge_all()
    row = await session.get(ComplaintRow, uuid.UUID(complaint_id))
    assert row is not None
    return complaints_service.to_contract(row, NOW).model_dump_json().encode()


async def test_fast_get_equals_the_contract_model_in_every_state(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor, eps: Actor, other: Actor
) -> None:
    ids = await complaints_in_every_state(client, eps, other)
    seen: dict[str, Any] = {}
    for state, complaint_id in ids.items():
        response = await client.get(f"{COMPLAINTS}/{complaint_id}", headers=eps.headers)
        assert response.status_code == 200, (state, response.text)
        assert response.headers["content-type"] == "application/json"
        expected = await contract_json(session, complaint_id)
        assert orjson.loads(response.content) == orjson.loads(expected), state  # field for field
        assert response.content == expected, state  # and byte for byte, in the contract's field order
        body = Complaint.model_validate_json(response.content)
        assert response.headers["ETag"] == f'"{body.version}"'
        seen[state] = body
    assert seen["answered"].timeliness == "en_termino"
    assert seen["answered"].time_left is None
    assert seen["paused"].clock == "paused"
    assert seen["paused"].time_left is None
    assert seen["hour_clock"].term is not None
    assert seen["hour_clock"].term.unit == "hours"
    assert seen["hour_clock"].time_left is not None
    assert 0 < seen["hour_clock"].time_left < 24 * 3600
    assert seen["no_term"].term is None
    assert seen["no_term"].timeliness is None
    assert seen["no_term"].clock == "none"
    assert seen["overdue"].timeliness == "vencida_sin_respuesta"
    assert seen["overdue"].time_left is not None
    assert seen["overdue"].time_left < 0
    assert [attachment.name for attachment in seen["overdue"].attachments] == ["acta.pdf", "foto.jpg"]
    assert seen["transferred"].status == "trasladado"
    assert seen["transferred"].timeliness is None
    assert seen["running"].timeliness == "en_tramite_vigente"
    assert seen["running"].time_left is not None
    # The admin key reads the same bytes.
    admin_read = await client.get(f"{COMPLAINTS}/{ids['answered']}", headers=admin.headers)
    assert admin_read.content == await contract_json(session, ids["answered"])


async def test_driver_record_serialises_like_the_orm_row(
    client: httpx.AsyncClient, session: AsyncSession, eps: Actor, other: Actor
) -> None:
    ids = await complaints_in_every_state(client, eps, other)
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    for state, complaint_id in ids.items():
        record = await complaints.fetch_live(driver, ADMIN, uuid.UUID(complaint_id))
        assert record is not None
        assert complaints_service.complaint_json(record, NOW) == await contract_json(session, complaint_id), state
    assert await complaints.fetch_live(driver, ADMIN, uuid.uuid4()) is None


async def test_list_pages_equal_the_contract_pages(
    client: httpx.AsyncClient, session: AsyncSession, eps: Actor, other: Actor
) -> None:
    ids = await complaints_in_every_state(client, eps, other)
    cursor: str | None = None
    listed: list[str] = []
    while True:
        params: dict[str, str | int] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = await client.get(COMPLAINTS, params=params, headers=eps.headers)
        assert response.status_code == 200, response.text
        page = orjson.loads(response.content)
        session.expunge_all()
        rows = [await session.get(ComplaintRow, uuid.UUID(item["id"])) for item in page["items"]]
        expected = Page[Complaint](
            items=[complaints_service.to_contract(row, NOW) for row in rows if row is not None],
            next_cursor=page["next_cursor"],
        )
        assert response.content == expected.model_dump_json().encode()
        listed += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert set(ids.values()) <= set(listed)


async def test_fast_plan_read_equals_the_contract_model(
    client: httpx.AsyncClient, session: AsyncSession, eps: Actor, other_eps: Actor
) -> None:
    plan = await create_plan(client, eps, objective="Fortalecer la participación social.")
    bare = await create_plan(client, eps, year=2027, title="Plan 2027")
    for created in (plan, bare):
        path = f"/v1/plans/{created['id']}"
        response = await client.get(path, headers=eps.headers)
        assert response.status_code == 200, response.text
        session.expunge_all()
        row = await session.get(PlanRow, uuid.UUID(created["id"]))
        assert response.content == Plan.model_validate(row).model_dump_json().encode()
        assert response.headers["ETag"] == '"1"'
        cached = await client.get(path, headers={**eps.headers, "If-None-Match": '"1"'})
        assert cached.status_code == 304
        assert_problem(await client.get(path, headers=other_eps.headers), 404)


async def test_etag_and_if_none_match(client: httpx.AsyncClient, eps: Actor) -> None:
    complaint = await file_complaint(client, eps, filed_at=recent(1))
    path = f"{COMPLAINTS}/{complaint['id']}"
    first = await client.get(path, headers=eps.headers)
    assert first.headers["ETag"] == '"1"'
    for header in ('"1"', 'W/"1"', '"0", "1"', "*"):
        cached = await client.get(path, headers={**eps.headers, "If-None-Match": header})
        assert cached.status_code == 304, header
        assert cached.headers["ETag"] == '"1"'
        assert cached.content == b""
    await add_event(client, eps, complaint, kind="en_tramite")
    changed = await client.get(path, headers={**eps.headers, "If-None-Match": '"1"'})
    assert changed.status_code == 200
    assert changed.headers["ETag"] == '"2"'
    assert changed.json()["status"] == "en_tramite"


async def test_scope_and_problems(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    received = await file_complaint(client, eps, filed_at=recent(1))
    against_other = await file_complaint(client, eps, filed_at=recent(1), entity_id=str(other_eps.organization_id))
    # The organisation complained about reads it (entity_id); a third one gets 404, not 403.
    assert (await client.get(f"{COMPLAINTS}/{against_other['id']}", headers=other_eps.headers)).status_code == 200
    outsider = await make_key(await make_org("ips", name="IPS ajena"), "eps_ips")
    for actor in (other_eps, outsider):
        hidden = await client.get(f"{COMPLAINTS}/{received['id']}", headers=actor.headers)
        assert_problem(hidden, 404)
    readonly = await make_key(eps.organization, "bi_readonly")
    assert (await client.get(f"{COMPLAINTS}/{received['id']}", headers=readonly.headers)).status_code == 200
    assert_problem(await client.get(f"{COMPLAINTS}/{uuid.uuid4()}", headers=eps.headers), 404)
    assert_problem(await client.get(f"{COMPLAINTS}/{received['id']}"), 401)
    unknown_key = {"Authorization": "Bearer pk_no-es-una-clave"}
    assert_problem(await client.get(f"{COMPLAINTS}/{received['id']}", headers=unknown_key), 401)
    assert "text" in (await client.get(f"{COMPLAINTS}/{received['id']}", headers=eps.headers)).json()


async def test_a_deleted_organisation_key_stops_reading(client: httpx.AsyncClient, eps: Actor, admin: Actor) -> None:
    """The remembered caller is dropped with its key: a revoked key answers 401 on the next read."""
    complaint = await file_complaint(client, eps, filed_at=recent(1))
    path = f"{COMPLAINTS}/{complaint['id']}"
    key = await client.post(
        "/v1/api-keys",
        json={"organization_id": str(eps.organization_id), "role": "eps_ips", "name": "temporal"},
        headers=admin.headers,
    )
    secret, key_id = key.json()["key"], key.json()["id"]
    headers = {"Authorization": f"Bearer {secret}"}
    assert (await client.get(path, headers=headers)).status_code == 200
    revoked = await client.delete(f"/v1/api-keys/{key_id}", headers={**admin.headers, "If-Match": '"1"'})
    assert revoked.status_code == 204, revoked.text
    assert_problem(await client.get(path, headers=headers), 401)


# --- the pieces ----------------------------------------------------------------------------------------------


async def test_concurrent_misses_share_one_lookup() -> None:
    cache = CallerCache(ttl_seconds=60)
    calls = 0
    release = asyncio.Event()

    async def load() -> Caller:
        nonlocal calls
        calls += 1
        await release.wait()
        return ADMIN

    waiting = [asyncio.ensure_future(cache.get_or_load("hash", load)) for _ in range(20)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == [ADMIN] * 20
    assert calls == 1
    assert await cache.get_or_load("hash", load) is ADMIN
    assert calls == 1


async def test_an_entry_near_its_expiry_is_refreshed_by_one_request(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = CallerCache(ttl_seconds=5)
    start = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: start)
    cache.put("hash", ADMIN)
    fresh = Caller(
        api_key_id=uuid.uuid4(), role=Role.ADMIN, organization_id=None, organization_kind=None, visible_ids=None
    )
    release = asyncio.Event()

    async def load() -> Caller:
        await release.wait()
        return fresh

    async def refuse() -> Caller:
        raise PermissionError

    assert await cache.get_or_load("hash", refuse) is ADMIN  # young entry: no lookup
    monkeypatch.setattr(time, "monotonic", lambda: start + 4.5)
    refreshing = asyncio.ensure_future(cache.get_or_load("hash", load))
    await asyncio.sleep(0)
    # While one request refreshes, the others keep the entry, still valid.
    assert await cache.get_or_load("hash", refuse) is ADMIN
    release.set()
    assert await refreshing is fresh
    assert cache.get("hash") is fresh
    # A refresh that finds the key gone forgets it at once.
    monkeypatch.setattr(time, "monotonic", lambda: start + 9)
    with pytest.raises(PermissionError):
        await cache.get_or_load("hash", refuse)
    assert cache.get("hash") is None


async def test_a_failed_lookup_is_not_remembered() -> None:
    cache = CallerCache(ttl_seconds=60)

    async def refuse() -> Caller:
        raise PermissionError

    for _ in range(2):
        with pytest.raises(PermissionError):
            await cache.get_or_load("hash", refuse)
    assert cache.get("hash") is None


async def test_fair_gate_serves_in_arrival_order_and_passes_on_cancelled_slots() -> None:
    gate = FairGate(1)
    order: list[int] = []

    async def hold(number: int) -> None:
        async with gate:
            order.append(number)
            await asyncio.sleep(0)

    await gate.__aenter__()
    tasks = [asyncio.ensure_future(hold(number)) for number in range(5)]
    await asyncio.sleep(0)
    tasks[1].cancel()  # a waiter that gives up keeps no slot
    await gate.__aexit__(None, None, None)
    await asyncio.gather(*tasks, return_exceptions=True)
    assert order == [0, 2, 3, 4]
    assert gate.free == 1
