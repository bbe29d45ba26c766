"""Complaint counts and statistics: one GROUP BY in PostgreSQL, Bogotá months, scope and timeliness."""

from typing import Any

import httpx
import pytest

from tests.api.complaints.test_complaint_events import add_event
from tests.api.complaints.test_complaints import COMPLAINTS, file_complaint
from tests.api.conftest import Actor, MakeOrg, assert_problem

COUNTS = f"{COMPLAINTS}/counts"
STATS = f"{COMPLAINTS}/stats"


async def get_items(client: httpx.AsyncClient, path: str, actor: Actor, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(path, params=params, headers=actor.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def answer(client: httpx.AsyncClient, actor: Actor, complaint: dict[str, Any], at: str) -> None:
    await add_event(client, actor, complaint, kind="en_tramite", occurred_at=at)
    await add_event(
        client, actor, complaint, kind="respondido", occurred_at=at, answer={"text": "Respuesta.", "medium": "web"}
    )


@pytest.fixture
async def filed(client: httpx.AsyncClient, eps: Actor, make_org: MakeOrg) -> dict[str, Any]:
    """Four complaints received by `eps`: January overdue, February in term, March late, March against an IPS."""
    ips = await make_org("ips", name="Clínica del Norte", municipality_code="05001")
    overdue = await file_complaint(client, eps, filed_at="2026-01-15T10:00:00-05:00")
    # 04:30 UTC on 1 March, still February in Bogotá.
    in_term = await file_complaint(client, eps, filed_at="2026-02-28T23:30:00-05:00", channel="correo")
    await answer(client, eps, in_term, "2026-03-02T10:00:00-05:00")
    late = await file_complaint(client, eps, filed_at="2026-03-10T09:00:00-05:00")
    await answer(client, eps, late, "2026-05-10T09:00:00-05:00")
    against_ips = await file_complaint(
        client, eps, entity_id=ips["id"], filed_at="2026-03-20T09:00:00-05:00", type="queja", channel="telefono"
    )
    return {"ips": ips, "overdue": overdue, "in_term": in_term, "late": late, "against_ips": against_ips}


async def test_counts_by_month_use_bogota_months(client: httpx.AsyncClient, eps: Actor, filed: dict[str, Any]) -> None:
    response = await client.get(COUNTS, params={"group_by": "month"}, headers=eps.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "items": [
            {"month": "2026-01", "count": 1},
            {"month": "2026-02", "count": 1},
            {"month": "2026-03", "count": 2},
        ]
    }
    # Compact JSON: no spaces after separators.
    assert b'{"month":"2026-01","count":1}' in response.content


async def test_counts_by_month_and_entity(client: httpx.AsyncClient, eps: Actor, filed: dict[str, Any]) -> None:
    own = str(eps.organization_id)
    ips = filed["ips"]["id"]
    march = sorted(
        [{"month": "2026-03", "entity_id": own, "count": 1}, {"month": "2026-03", "entity_id": ips, "count": 1}],
        key=lambda item: item["entity_id"],
    )
    assert await get_items(client, COUNTS, eps, group_by="month,entity") == [
        {"month": "2026-01", "entity_id": own, "count": 1},
        {"month": "2026-02", "entity_id": own, "count": 1},
        *march,
    ]


async def test_counts_by_type_channel_timeliness_and_total(
    client: httpx.AsyncClient, eps: Actor, filed: dict[str, Any]
) -> None:
    assert await get_items(client, COUNTS, eps, group_by="type") == [
        {"type": "peticion", "count": 3},
        {"type": "queja", "count": 1},
    ]
    assert await get_items(client, COUNTS, eps, group_by="channel") == [
        {"channel": "correo", "count": 1},
        {"channel": "telefono", "count": 1},
        {"channel": "web", "count": 2},
    ]
    assert await get_items(client, COUNTS, eps, group_by="timeliness") == [
        {"timeliness": "en_termino", "count": 1},
        {"timeliness": "fuera_de_termino", "count": 1},
        {"timeliness": "vencida_sin_respuesta", "count": 2},
    ]
    assert await get_items(client, COUNTS, eps, group_by="status,municipality,risk") == [
        {"status": "radicado", "municipality_code": "11001", "risk": None, "count": 2},
        {"status": "respondido", "municipality_code": "11001", "risk": None, "count": 2},
    ]
    assert await get_items(client, COUNTS, eps) == [{"count": 4}]


async def test_counts_filters(client: httpx.AsyncClient, eps: Actor, filed: dict[str, Any]) -> None:
    # A date means the whole Bogotá day: 28 February 23:30 is inside, 27 February is not.
    assert await get_items(client, COUNTS, eps, group_by="month", filed_from="2026-02-28", filed_to="2026-02-28") == [
        {"month": "2026-02", "count": 1}
    ]
    assert await get_items(client, COUNTS, eps, group_by="month", filed_to="2026-02-27") == [
        {"month": "2026-01", "count": 1}
    ]
    assert await get_items(client, COUNTS, eps, group_by="month", type="queja") == [{"month": "2026-03", "count": 1}]
    assert await get_items(client, COUNTS, eps, group_by="month", entity_id=filed["ips"]["id"]) == [
        {"month": "2026-03", "count": 1}
    ]
    assert await get_items(client, COUNTS, eps, group_by="month", channel="whatsapp") == []


def without_median_hours(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items as `stats` gives them without `include=median_response_hours`."""
    return [{name: value for name, value in item.items() if name != "median_response_hours"} for item in items]


async def test_stats_per_month_and_overall(client: httpx.AsyncClient, eps: Actor, filed: dict[str, Any]) -> None:
    """Without `include` these come from the monthly rollup; with it, from the table: the same figures."""
    per_month = [
        {
            "month": "2026-01",
            "count": 1,
            "answered": 0,
            "answered_in_term": 0,
            "answered_out_of_term": 0,
            "overdue_unanswered": 1,
            "mean_response_hours": None,
            "median_response_hours": None,
            "mean_response_business_days": None,
            "median_response_business_days": None,
        },
        {
            "month": "2026-02",
            "count": 1,
            "answered": 1,
            "answered_in_term": 1,
            "answered_out_of_term": 0,
            "overdue_unanswered": 0,
            # 2026-02-28T23:30 → 2026-03-02T10:00 (Bogotá).
            "mean_response_hours": 34.5,
            "median_response_hours": 34.5,
            # Filed on a Saturday: day 1 is Monday 2 March, the day of the answer.
            "mean_response_business_days": 1.0,
            "median_response_business_days": 1.0,
        },
        {
            "month": "2026-03",
            "count": 2,
            "answered": 1,
            "answered_in_term": 0,
            "answered_out_of_term": 1,
            "overdue_unanswered": 1,
            # 61 days.
            "mean_response_hours": 1464.0,
            "median_response_hours": 1464.0,
            # 11 March to Sunday 10 May: 43 weekdays minus San José, Holy Thursday, Good Friday and 1 May.
            "mean_response_business_days": 39.0,
            "median_response_business_days": 39.0,
        },
    ]
    overall = [
        {
            "count": 4,
            "answered": 2,
            "answered_in_term": 1,
            "answered_out_of_term": 1,
            "overdue_unanswered": 2,
            "mean_response_hours": 749.25,
            "median_response_hours": 749.25,
            "mean_response_business_days": 20.0,
            "median_response_business_days": 20.0,
        }
    ]
    include = {"include": "median_response_hours"}
    assert await get_items(client, STATS, eps, group_by="month", **include) == per_month
    assert await get_items(client, STATS, eps, group_by="month") == without_median_hours(per_month)
    assert await get_items(client, STATS, eps, **include) == overall
    assert await get_items(client, STATS, eps) == without_median_hours(overall)
    assert_problem(await client.get(STATS, params={"include": "mediana"}, headers=eps.headers), 422, "include")


async def test_stats_at_a_past_cut_off(client: httpx.AsyncClient, eps: Actor, filed: dict[str, Any]) -> None:
    # On 25 March the March petición was still running (due 1 April) and its May answer did not exist yet.
    # The May answer is after the cut-off: the rollup cannot say how things stood, so the table answers.
    at_cut_off = [
        {
            "count": 4,
            "answered": 1,
            "answered_in_term": 1,
            "answered_out_of_term": 0,
            "overdue_unanswered": 1,
            "mean_response_hours": 34.5,
            "median_response_hours": 34.5,
            "mean_response_business_days": 1.0,
            "median_response_business_days": 1.0,
        }
    ]
    assert await get_items(client, STATS, eps, as_of="2026-03-25", include="median_response_hours") == at_cut_off
    assert await get_items(client, STATS, eps, as_of="2026-03-25") == without_median_hours(at_cut_off)
    assert_problem(await client.get(STATS, params={"as_of": "ayer"}, headers=eps.headers), 422, "as_of")


async def test_scope_matches_the_list(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor, admin: Actor, filed: dict[str, Any]
) -> None:
    await file_complaint(client, other_eps, filed_at="2026-04-02T08:00:00-05:00")
    assert await get_items(client, COUNTS, other_eps, group_by="month") == [{"month": "2026-04", "count": 1}]
    assert [item["count"] for item in await get_items(client, STATS, other_eps)] == [1]
    assert await get_items(client, COUNTS, eps, group_by="month") == [
        {"month": "2026-01", "count": 1},
        {"month": "2026-02", "count": 1},
        {"month": "2026-03", "count": 2},
    ]
    assert await get_items(client, COUNTS, admin) == [{"count": 5}]


@pytest.mark.parametrize("path", [COUNTS, STATS])
@pytest.mark.parametrize("group_by", ["year", "month,nombre", "entity;type"])
async def test_unknown_group_by_is_a_422(client: httpx.AsyncClient, eps: Actor, path: str, group_by: str) -> None:
    response = await client.get(path, params={"group_by": group_by}, headers=eps.headers)
    assert_problem(response, 422, "group_by")
