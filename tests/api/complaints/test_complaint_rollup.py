"""The monthly rollup equals the complaints table after every kind of write, and `counts` reads it only when
the question fits it; response times in business days over a holiday."""

import random
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.complaints.test_complaint_counts import COUNTS, STATS, get_items, without_median_hours
from tests.api.complaints.test_complaint_events import add_event
from tests.api.complaints.test_complaints import COMPLAINTS, file_complaint
from tests.api.conftest import Actor, MakeOrg

# The rollup as the triggers keep it, and the same groups recomputed from the table.
MEASURES = (
    "count, answered, answered_in_term, answered_out_of_term, timed, response_seconds, timed_business_days, "
    "response_business_days"
)
ROLLUP = f"""
SELECT organization_id, entity_id, month, type, risk, {MEASURES} FROM complaint_monthly_counts
ORDER BY organization_id, entity_id, month, type, risk NULLS FIRST
"""
GROUP = "organization_id, entity_id, (date_trunc('month', filed_at AT TIME ZONE 'America/Bogota'))::date, type, risk"
TIMED = "answered_at IS NOT NULL AND date_precision = 'day'"
FROM_TABLE = f"""
SELECT {GROUP}, count(*) AS count,
    count(*) FILTER (WHERE answered_at IS NOT NULL),
    count(*) FILTER (WHERE term_unit IS NOT NULL AND answered_at IS NOT NULL AND answered_at <= due_at),
    count(*) FILTER (WHERE term_unit IS NOT NULL AND answered_at IS NOT NULL
                     AND (due_at IS NULL OR answered_at > due_at)),
    count(*) FILTER (WHERE {TIMED}),
    coalesce(sum(extract(epoch FROM answered_at - filed_at)) FILTER (WHERE {TIMED}), 0),
    count(*) FILTER (WHERE {TIMED} AND response_business_days IS NOT NULL),
    coalesce(sum(response_business_days) FILTER (WHERE {TIMED}), 0)
FROM complaints WHERE deleted_at IS NULL AND status <> 'trasladado'
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5 NULLS FIRST
"""
HISTOGRAM = """
SELECT organization_id, entity_id, month, type, risk, business_days, count FROM complaint_response_days
ORDER BY 1, 2, 3, 4, 5 NULLS FIRST, 6
"""
HISTOGRAM_FROM_TABLE = f"""
SELECT {GROUP}, response_business_days, count(*) FROM complaints
WHERE deleted_at IS NULL AND status <> 'trasladado' AND {TIMED} AND response_business_days IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5 NULLS FIRST, 6
"""
# Every group's latest answer is at most the rollup's `last_answered_at` (which is never lowered).
ANSWERS_AFTER_THE_ROLLUP = """
SELECT count(*) FROM complaints c JOIN complaint_monthly_counts r
    ON r.organization_id = c.organization_id AND r.entity_id = c.entity_id AND r.type = c.type
    AND r.month = (date_trunc('month', c.filed_at AT TIME ZONE 'America/Bogota'))::date
    AND r.risk IS NOT DISTINCT FROM c.risk
WHERE c.deleted_at IS NULL AND c.status <> 'trasladado' AND c.answered_at IS NOT NULL
    AND (r.last_answered_at IS NULL OR c.answered_at > r.last_answered_at)
"""


ANSWERED_IDS = "SELECT id FROM complaints WHERE answered_at IS NOT NULL AND deleted_at IS NULL ORDER BY id"

TYPES = ("peticion", "queja", "reclamo", "consulta", "felicitacion")
RISKS = ("simple", "priorizado", "riesgo_vital")
CHANNELS = ("web", "telefono", "presencial")


async def assert_rollup_current(session: AsyncSession) -> None:
    for kept, recomputed in ((ROLLUP, FROM_TABLE), (HISTOGRAM, HISTOGRAM_FROM_TABLE)):
        rollup = [tuple(row) for row in (await session.execute(text(kept))).all()]
        table = [tuple(row) for row in (await session.execute(text(recomputed))).all()]
        assert rollup == table
    assert (await session.execute(text(ANSWERS_AFTER_THE_ROLLUP))).scalar_one() == 0


def approx_means(item: dict[str, Any]) -> dict[str, Any]:
    """Means summed in the rollup and averaged over the table agree to the last few bits of a float."""
    return {
        name: pytest.approx(value) if name.startswith("mean_") and value is not None else value
        for name, value in item.items()
    }


def random_filing(generator: random.Random, entities: list[str]) -> dict[str, Any]:
    kind = generator.choice(TYPES)
    # Around month ends in Bogotá: 23:30 on the last day is still that month, 00:30 UTC is not.
    month = generator.randint(1, 10)
    day, hour = generator.choice([(1, "00:30"), (15, "10:00"), (28, "23:30")])
    return {
        "entity_id": generator.choice(entities),
        "filed_at": f"2026-{month:02d}-{day:02d}T{hour}:00-05:00",
        "type": kind,
        "risk": generator.choice(RISKS) if kind == "reclamo" else None,
        "channel": generator.choice(CHANNELS),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_rollup_equals_the_table_after_every_write(
    client: httpx.AsyncClient, session: AsyncSession, eps: Actor, other_eps: Actor, make_org: MakeOrg, seed: int
) -> None:
    generator = random.Random(seed)
    ips = await make_org("ips", name="IPS del rollup", municipality_code="05001")
    entities = [str(eps.organization_id), ips["id"]]
    filed = [await file_complaint(client, eps, **random_filing(generator, entities)) for _ in range(12)]
    await assert_rollup_current(session)

    # Events rewrite the derived columns (one UPDATE each): the groups must not move, answers add up.
    running = generator.sample(filed, 4)
    for complaint in running:
        await add_event(client, eps, complaint, kind="en_tramite", occurred_at="2026-11-01T09:00:00-05:00")
    answered = generator.sample([complaint for complaint in filed if complaint not in running], 5)
    for complaint in answered:
        # Some in term, some late, one on the day of filing.
        month, day = int(complaint["filed_at"][5:7]), int(complaint["filed_at"][8:10])
        at = generator.choice([f"2026-{month + 1:02d}-{min(day, 28):02d}T11:00:00-05:00", "2026-11-20T11:00:00-05:00"])
        await answer_at(client, eps, complaint, at)
    await assert_rollup_current(session)

    # A transfer inserts a linked complaint for the other organisation.
    moved = next(complaint for complaint in filed if complaint["type"] != "felicitacion" and complaint not in answered)
    await add_event(
        client,
        eps,
        moved,
        kind="trasladado",
        occurred_at="2026-11-02T09:00:00-05:00",
        to_organization_id=str(other_eps.organization_id),
    )
    await assert_rollup_current(session)

    # Updates that move a complaint between groups, soft deletes, restores and hard deletes.
    ids = [complaint["id"] for complaint in filed]
    await session.execute(
        text(
            "UPDATE complaints SET filed_at = filed_at - interval '40 days', type = 'queja', risk = NULL WHERE id = :id"
        ),
        {"id": ids[1]},
    )
    await session.execute(
        text("UPDATE complaints SET deleted_at = now() WHERE id = ANY(CAST(:ids AS uuid[]))"), {"ids": ids[2:5]}
    )
    await assert_rollup_current(session)
    await session.execute(text("UPDATE complaints SET deleted_at = NULL WHERE id = :id"), {"id": ids[3]})
    await session.execute(text("DELETE FROM complaint_events WHERE complaint_id = :id"), {"id": ids[6]})
    await session.execute(text("DELETE FROM complaints WHERE id = :id"), {"id": ids[6]})
    await assert_rollup_current(session)
    # An answer moved, an answer withdrawn, a filing date known only to the month.
    answered_ids = [row[0] for row in (await session.execute(text(ANSWERED_IDS))).all()]
    await session.execute(
        text("UPDATE complaints SET answered_at = answered_at + interval '3 days' WHERE id = :id"),
        {"id": answered_ids[0]},
    )
    await session.execute(
        text("UPDATE complaints SET answered_at = NULL, response_business_days = NULL WHERE id = :id"),
        {"id": answered_ids[1]},
    )
    await session.execute(
        text("UPDATE complaints SET date_precision = 'month' WHERE id = :id"), {"id": answered_ids[-1]}
    )
    await assert_rollup_current(session)

    # And `counts` answers the same from the rollup as the table does, for every key set it holds.
    for group_by in ("month", "month,entity", "entity,type,risk", "type", "month,type,risk", ""):
        for actor in (eps, other_eps):
            from_rollup = await get_items(client, COUNTS, actor, group_by=group_by, filed_from="2026-01-01")
            # A microsecond off the month boundary sends the same question to the table.
            from_table = await get_items(
                client, COUNTS, actor, group_by=group_by, filed_from="2025-12-31T23:59:59.999999-05:00"
            )
            assert from_rollup == from_table, group_by
            # `stats` too: without `include` from the rollup, with it from the table.
            from_rollup = await get_items(client, STATS, actor, group_by=group_by, filed_from="2026-01-01")
            from_table = await get_items(
                client, STATS, actor, group_by=group_by, filed_from="2026-01-01", include="median_response_hours"
            )
            assert from_rollup == [approx_means(item) for item in without_median_hours(from_table)], group_by


async def test_truncate_and_rebuild(client: httpx.AsyncClient, session: AsyncSession, eps: Actor) -> None:
    await file_complaint(client, eps, filed_at="2026-03-10T09:00:00-05:00")
    await file_complaint(client, eps, filed_at="2026-04-10T09:00:00-05:00", type="queja")
    await session.execute(text("DELETE FROM complaint_monthly_counts"))
    await session.execute(text("SELECT complaint_monthly_counts_rebuild()"))
    await assert_rollup_current(session)
    assert len((await session.execute(text(ROLLUP))).all()) == 2
    await session.execute(text("TRUNCATE complaints CASCADE"))
    assert (await session.execute(text(ROLLUP))).all() == []


async def test_counts_and_stats_read_the_rollup_only_when_it_fits(
    client: httpx.AsyncClient, session: AsyncSession, eps: Actor
) -> None:
    await file_complaint(client, eps, filed_at="2026-03-10T09:00:00-05:00")
    # Inflate the rollup inside the test transaction: an answer of 1001 proves the rollup was read.
    await session.execute(text("UPDATE complaint_monthly_counts SET count = count + 1000"))
    assert await get_items(client, COUNTS, eps, group_by="month,entity") == [
        {"month": "2026-03", "entity_id": str(eps.organization_id), "count": 1001}
    ]
    assert await get_items(client, COUNTS, eps, group_by="month", filed_from="2026-03-01", filed_to="2026-03-31") == [
        {"month": "2026-03", "count": 1001}
    ]
    # Keys, filters or bounds the rollup does not hold: the table.
    assert await get_items(client, COUNTS, eps, group_by="month,channel") == [
        {"month": "2026-03", "channel": "web", "count": 1}
    ]
    assert await get_items(client, COUNTS, eps, group_by="month", channel="web") == [{"month": "2026-03", "count": 1}]
    assert await get_items(client, COUNTS, eps, group_by="month", filed_from="2026-03-10") == [
        {"month": "2026-03", "count": 1}
    ]
    assert await get_items(client, COUNTS, eps, group_by="status") == [{"status": "radicado", "count": 1}]
    # `stats` the same way; the median of hours needs every answer, so asking for it reads the table.
    assert [item["count"] for item in await get_items(client, STATS, eps, group_by="entity")] == [1001]
    assert [item["count"] for item in await get_items(client, STATS, eps, include="median_response_hours")] == [1]
    assert [item["count"] for item in await get_items(client, STATS, eps, channel="web")] == [1]


async def answer_at(client: httpx.AsyncClient, actor: Actor, complaint: dict[str, Any], at: str) -> None:
    await add_event(client, actor, complaint, kind="en_tramite", occurred_at=at)
    await add_event(
        client, actor, complaint, kind="respondido", occurred_at=at, answer={"text": "Respuesta.", "medium": "web"}
    )


async def test_response_business_days_over_a_holiday_monday(client: httpx.AsyncClient, eps: Actor) -> None:
    # Friday 9 January 2026; Monday 12 January is a holiday (Reyes Magos), so day 1 is Tuesday 13.
    friday = "2026-01-09T16:00:00-05:00"
    on_holiday = await file_complaint(client, eps, filed_at=friday)
    day_one = await file_complaint(client, eps, filed_at=friday)
    day_four = await file_complaint(client, eps, filed_at=friday)
    await answer_at(client, eps, on_holiday, "2026-01-12T10:00:00-05:00")
    await answer_at(client, eps, day_one, "2026-01-13T08:00:00-05:00")
    # 23:30 on Friday 16 in Bogotá is already Saturday in UTC: still day 4.
    await answer_at(client, eps, day_four, "2026-01-16T23:30:00-05:00")
    for complaint, expected in ((on_holiday, 0), (day_one, 1), (day_four, 4)):
        response = await client.get(f"{COMPLAINTS}/{complaint['id']}", headers=eps.headers)
        assert response.json()["response_business_days"] == expected
    [stat] = await get_items(client, STATS, eps, include="median_response_hours")
    assert stat["mean_response_business_days"] == pytest.approx(5 / 3)
    assert stat["median_response_business_days"] == 1.0
    assert (stat["mean_response_hours"], stat["median_response_hours"]) == (pytest.approx((66 + 88 + 175.5) / 3), 88.0)


async def test_unanswered_complaints_have_no_business_days(client: httpx.AsyncClient, eps: Actor) -> None:
    complaint = await file_complaint(client, eps, filed_at="2026-01-09T16:00:00-05:00")
    response = await client.get(f"{COMPLAINTS}/{complaint['id']}", headers=eps.headers)
    assert response.json()["response_business_days"] is None
    [stat] = await get_items(client, STATS, eps)
    assert (stat["mean_response_business_days"], stat["median_response_business_days"]) == (None, None)


async def test_a_transferred_complaint_is_counted_once(
    client: httpx.AsyncClient, session: AsyncSession, admin: Actor, eps: Actor, other_eps: Actor, make_org: MakeOrg
) -> None:
    ips = await make_org("ips", name="IPS trasladada", municipality_code="05001")
    filed = await file_complaint(
        client, eps, entity_id=ips["id"], filed_at="2026-10-15T10:00:00-05:00", type="queja", channel="web"
    )
    await add_event(
        client,
        eps,
        filed,
        kind="trasladado",
        occurred_at="2026-10-16T09:00:00-05:00",
        to_organization_id=str(other_eps.organization_id),
    )
    await assert_rollup_current(session)
    # The rollup path (whole months) and the table path (a bound inside a month) agree: one complaint.
    for bounds in ({}, {"filed_from": "2026-10-02"}):
        response = await client.get(
            "/v1/complaints/counts",
            params={"group_by": "entity", "entity_id": ips["id"], **bounds},
            headers=admin.headers,
        )
        assert response.status_code == 200
        assert response.json()["items"] == [{"entity_id": ips["id"], "count": 1}]
