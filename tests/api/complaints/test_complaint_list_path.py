"""The hot list `GET /v1/complaints`: driver page query, JSON without validation, the same pages as the ORM.

Every filter, sort, cursor and `updated_since` walk (with tombstones) must answer byte for byte what the ORM
page (`service.list_complaints` + `page_json`) gives for the same request and caller.
"""

import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.access.authentication import authenticate
from services.api.access.caller import Caller
from services.api.complaints import reads
from services.api.complaints import service as complaints_service
from services.api.complaints.router import _bound
from services.api.models import ComplaintRow
from services.api.pagination import page_params
from shared import deadlines
from shared.enums import Channel, ComplaintStatus, ComplaintType, Risk, Role, Timeliness
from tests.api.complaints.test_complaint_read_path import complaints_in_every_state
from tests.api.complaints.test_complaints import COMPLAINTS, file_complaint, recent
from tests.api.conftest import Actor, MakeKey, MakeOrg, assert_problem

EnumT = TypeVar("EnumT", bound=StrEnum)

NOW = datetime.now(UTC)
ADMIN = Caller(api_key_id=uuid.uuid4(), role=Role.ADMIN, organization_id=None, organization_kind=None, visible_ids=None)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(complaints_service, "now_utc", lambda: NOW)


@pytest.fixture
async def other(make_org: MakeOrg, make_key: MakeKey) -> Actor:
    organization = await make_org("ips", name="IPS receptora", municipality_code="05001")
    return await make_key(organization, "eps_ips")


def _member(enum: type[EnumT], value: str | None) -> EnumT | None:
    return enum(value) if value is not None else None


async def orm_page(session: AsyncSession, caller: Caller, query: dict[str, Any]) -> bytes:
    """The page the ORM path gives for the same query string."""
    params = await page_params(
        limit=int(query.get("limit", 50)),
        cursor=query.get("cursor"),
        sort=query.get("sort"),
        updated_since=query.get("updated_since"),
    )
    entity_id = query.get("entity_id")
    filters = complaints_service.ComplaintFilters(
        entity_id=uuid.UUID(entity_id) if entity_id else None,
        type=_member(ComplaintType, query.get("type")),
        channel=_member(Channel, query.get("channel")),
        risk=_member(Risk, query.get("risk")),
        status=_member(ComplaintStatus, query.get("status")),
        timeliness=_member(Timeliness, query.get("timeliness")),
        municipality_code=query.get("municipality_code"),
        filed_from=_bound("filed_from", query.get("filed_from"), end_of_day=False),
        filed_before=_bound("filed_to", query.get("filed_to"), end_of_day=True),
        due_before=_bound("due_before", query.get("due_before"), end_of_day=False),
        q=query.get("q"),
    )
    session.expunge_all()
    rows, cursor = await complaints_service.list_complaints(session, caller, params, filters)
    return reads.page_json(rows, cursor, NOW)


async def walk_both(
    client: httpx.AsyncClient, session: AsyncSession, actor: Actor, query: dict[str, Any]
) -> list[dict[str, Any]]:
    """Walk every page of the hot list, comparing each page's bytes with the ORM page; returns the items."""
    caller = await authenticate(session, actor.key)
    items: list[dict[str, Any]] = []
    page_query = dict(query)
    for _ in range(50):
        response = await client.get(COMPLAINTS, params=page_query, headers=actor.headers)
        assert response.status_code == 200, (query, response.text)
        assert response.headers["content-type"] == "application/json"
        assert response.content == await orm_page(session, caller, page_query), page_query
        body = response.json()
        items.extend(body["items"])
        if body["next_cursor"] is None:
            return items
        page_query = {**query, "cursor": body["next_cursor"]}
    raise AssertionError("the walk did not end")


async def test_hot_list_equals_the_orm_list_for_every_filter_sort_and_cursor(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor, eps: Actor, other: Actor
) -> None:
    ids = await complaints_in_every_state(client, eps, other)
    await file_complaint(client, other, filed_at=recent(4), municipality_code="05001", channel="telefono")
    await file_complaint(client, eps, filed_at=recent(6), text="La farmacia no entregó los medicamentos.")
    cases: list[dict[str, Any]] = [
        {},
        {"limit": 2},
        {"limit": 3, "sort": "-filed_at"},
        {"limit": 2, "sort": "created_at"},
        {"limit": 2, "sort": "-updated_at"},
        {"limit": 2, "sort": "due_at"},
        {"limit": 2, "sort": "-due_at"},
        {"entity_id": str(other.organization_id)},
        {"type": "queja"},
        {"type": "reclamo", "risk": "riesgo_vital"},
        {"channel": "buzon_sugerencias"},
        {"status": "trasladado"},
        {"timeliness": "vencida_sin_respuesta"},
        {"timeliness": "en_tramite_vigente", "limit": 2},
        {"timeliness": "en_termino"},
        {"municipality_code": "05001"},
        {"filed_from": "2026-01-01", "filed_to": "2026-01-31"},
        {"filed_from": recent(10), "limit": 2, "sort": "-filed_at"},
        {"due_before": datetime.now(UTC).isoformat()},
        {"due_before": "2030-01-01", "sort": "due_at", "limit": 2},
        {"q": "medicamentos"},
        {"q": "   "},
        {"q": "especialista", "type": "peticion", "channel": "web", "municipality_code": "11001", "limit": 1},
    ]
    found: dict[str, int] = {}
    for actor in (eps, other, admin):
        for query in cases:
            items = await walk_both(client, session, actor, query)
            if actor is eps:
                found[repr(query)] = len(items)
    # The filters select something, so equal pages are not just equally empty ones.
    for query in ({"timeliness": "vencida_sin_respuesta"}, {"q": "medicamentos"}, {"status": "trasladado"}):
        assert found[repr(query)] >= 1, query
    assert found[repr({"limit": 2})] == found[repr({})] >= 8
    everything = await walk_both(client, session, admin, {"limit": 2})
    assert {item["id"] for item in everything} >= set(ids.values())


async def test_hot_sync_walk_equals_the_orm_one_with_tombstones(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor, eps: Actor, other: Actor
) -> None:
    ids = await complaints_in_every_state(client, eps, other)
    since = (await client.get(f"{COMPLAINTS}/{ids['answered']}", headers=eps.headers)).json()["created_at"]
    gone = uuid.UUID(ids["running"])
    await session.execute(
        update(ComplaintRow)
        .where(col(ComplaintRow.id) == gone)
        .values(deleted_at=func.now(), updated_at=func.now(), version=col(ComplaintRow.version) + 1)
    )
    for actor in (eps, other, admin):
        for query in (
            {"updated_since": since},
            {"updated_since": since, "limit": 2},
            {"updated_since": since, "type": "queja"},
        ):
            items = await walk_both(client, session, actor, query)
            if actor is not other and "type" not in query:
                tombstones = [item for item in items if item["deleted_at"] is not None]
                assert [item["id"] for item in tombstones] == [str(gone)]
    live = await walk_both(client, session, eps, {})
    assert str(gone) not in {item["id"] for item in live}


async def test_hot_list_problems_are_unchanged(client: httpx.AsyncClient, eps: Actor) -> None:
    await file_complaint(client, eps)
    await file_complaint(client, eps)
    first = (await client.get(COMPLAINTS, params={"limit": 1}, headers=eps.headers)).json()
    assert first["next_cursor"] is not None
    wrong_order = await client.get(
        COMPLAINTS, params={"limit": 1, "sort": "-filed_at", "cursor": first["next_cursor"]}, headers=eps.headers
    )
    assert_problem(wrong_order, 422, "cursor")
    bad_sort = await client.get(COMPLAINTS, params={"sort": "radicado"}, headers=eps.headers)
    assert_problem(bad_sort, 422, "sort")
    garbage = await client.get(COMPLAINTS, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=eps.headers)
    assert_problem(garbage, 422, "cursor")
    both = await client.get(COMPLAINTS, params={"sort": "filed_at", "updated_since": recent(1)}, headers=eps.headers)
    assert_problem(both, 422, "sort")
    for name, value in (
        ("limit", "0"),
        ("limit", "501"),
        ("type", "rumor"),
        ("municipality_code", "110"),
        ("q", "x" * 201),
    ):
        invalid = await client.get(COMPLAINTS, params={name: value}, headers=eps.headers)
        assert_problem(invalid, 422, name)
    for name in ("filed_from", "filed_to", "due_before", "updated_since"):
        assert_problem(await client.get(COMPLAINTS, params={name: "ayer"}, headers=eps.headers), 422, name)
    unauthenticated = await client.get(COMPLAINTS)
    assert_problem(unauthenticated, 401)


async def test_clock_values_answer_what_the_deadline_engine_does_in_every_state(
    client: httpx.AsyncClient, session: AsyncSession, eps: Actor, other: Actor
) -> None:
    ids = await complaints_in_every_state(client, eps, other)
    session.expunge_all()
    for state, complaint_id in ids.items():
        row = await session.get(ComplaintRow, uuid.UUID(complaint_id))
        assert row is not None
        columns = row.model_dump()
        stored = reads.stored_state(columns)
        for now in (NOW, NOW - timedelta(days=400), NOW + timedelta(days=400)):
            timeliness = deadlines.timeliness(stored, now)
            left = deadlines.time_left(stored, now)
            expected = (
                timeliness.value if timeliness else None,
                int(left.total_seconds()) if left is not None else None,
            )
            assert reads.clock_values(columns, now) == expected, (state, now)
