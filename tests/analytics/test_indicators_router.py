"""GET /v1/analytics/indicators end to end: indicators, measurements and execution written through the real
API on PostgreSQL, figures read through analytics with exact values.

- «Capacitación de líderes» on A01: measured 1 of 2 in 2026S1 and 2 of 2 in 2026S2.
- «Reuniones con la EPS» on A02 (10 programmed in the even months): never measured, so derived from
  execution: 5 in April, 1 in October.
- «Visitas» (a count with target 4) on A03: measured 6 in 2026.
"""

import csv
import io
import uuid
from typing import Any

import httpx
import openpyxl
import pytest

from tests.api.conftest import Actor, assert_problem, eps, other_eps
from tests.factories import (
    create_plan,
    fetch,
    make_activity,
    make_goal,
    make_indicator,
    make_measurement,
    make_progress,
    move_status,
)

__all__ = ["eps", "other_eps"]

FORMULA = "Capacitaciones programadas / Capacitaciones asistidas"


async def measured_plan(client: httpx.AsyncClient, actor: Actor) -> dict[str, Any]:
    plan = await create_plan(client, actor)
    goal = await make_goal(client, actor, plan["id"])
    trainings = await make_activity(client, actor, goal["id"], code="A01", planned_quantity=2, schedule_months=[3, 9])
    meetings = await make_activity(
        client, actor, goal["id"], code="A02", planned_quantity=10, schedule_months=[2, 4, 6, 8, 10, 12]
    )
    visits = await make_activity(client, actor, goal["id"], code="A03", planned_quantity=4, schedule_months=[5])
    leaders = await make_indicator(
        client,
        actor,
        trainings["id"],
        name="Capacitación de líderes",
        formula_text=FORMULA,
        numerator_label="Capacitaciones asistidas",
        denominator_label="Capacitaciones programadas",
    )
    reunions = await make_indicator(client, actor, meetings["id"], name="Reuniones con la EPS", formula_text=None)
    counted = await make_indicator(client, actor, visits["id"], name="Visitas", kind="conteo", target=4)
    await make_measurement(client, actor, leaders["id"], period="2026S1", numerator=1, denominator=2)
    await make_measurement(client, actor, leaders["id"], period="2026S2", numerator=2, denominator=2)
    await make_measurement(client, actor, counted["id"], period="2026", numerator=6, denominator=None)
    plan = await move_status(client, actor, await fetch(client, actor, "plans", plan["id"]), "formulado")
    await make_progress(client, actor, meetings["id"], month="2026-04", executed_quantity=5)
    await make_progress(client, actor, meetings["id"], month="2026-10", executed_quantity=1)
    return {"plan": plan, "leaders": leaders, "reunions": reunions, "counted": counted}


async def report(analytics: httpx.AsyncClient, actor: Actor, plan_id: str, **params: str) -> httpx.Response:
    return await analytics.get("/v1/analytics/indicators", params={"plan_id": plan_id, **params}, headers=actor.headers)


def core(figure: dict[str, Any]) -> tuple[Any, ...]:
    return (figure["numerator"], figure["denominator"], figure["value"], figure["reason"], figure["method"])


async def test_the_year(client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor) -> None:
    made = await measured_plan(client, eps)
    response = await report(analytics, eps, made["plan"]["id"], as_of="2026-12")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["plan_id"], body["period"]) == (made["plan"]["id"], "2026")
    items = {item["indicator_id"]: item for item in body["items"]}
    leaders = items[made["leaders"]["id"]]
    assert core(leaders) == (3, 4, 75.0, None, "achieved_over_programmed")
    assert (leaders["formula_text"], leaders["numerator_label"], leaders["period"], leaders["source_records"]) == (
        FORMULA,
        "Capacitaciones asistidas",
        "2026",
        2,
    )
    assert core(items[made["reunions"]["id"]]) == (6, 10, 60.0, None, "derived_from_activity_progress")
    counted = items[made["counted"]["id"]]
    assert core(counted) == (6, 4, 150.0, None, "achieved_over_programmed")
    assert (counted["over_100"], counted["kind"], counted["target"]) == (True, "conteo", 4.0)


@pytest.mark.parametrize(
    ("period", "leaders", "reunions"),
    [
        # The first semester holds 3 of A02's 6 months: 10 × 3 ÷ 6 = 5 programmed, 5 executed.
        ("2026S1", (1, 2, 50.0), (5, 5, 100.0)),
        ("2026S2", (2, 2, 100.0), (1, 5, 20.0)),
        # The second quarter holds April and June: 10 × 2 ÷ 6 programmed.
        ("2026Q2", None, (5, 10 / 3, 150.0)),
    ],
)
async def test_periods_inside_the_year(
    client: httpx.AsyncClient,
    analytics: httpx.AsyncClient,
    eps: Actor,
    period: str,
    leaders: tuple[float, float, float] | None,
    reunions: tuple[float, float, float],
) -> None:
    made = await measured_plan(client, eps)
    body = (await report(analytics, eps, made["plan"]["id"], period=period, as_of="2026-12")).json()
    assert body["period"] == period
    items = {item["indicator_id"]: item for item in body["items"]}
    figure = items[made["reunions"]["id"]]
    assert (figure["numerator"], figure["denominator"], figure["value"]) == reunions
    if leaders is not None:
        figure = items[made["leaders"]["id"]]
        assert (figure["numerator"], figure["denominator"], figure["value"]) == leaders
    else:
        # No measurement inside the quarter, and A01 has none of its months (March, September) in it.
        assert core(items[made["leaders"]["id"]]) == (
            0,
            0,
            None,
            "sin mediciones en el periodo ni cantidad programada en sus meses",
            "derived_from_activity_progress",
        )


async def test_the_cut_off_limits_derived_execution(
    client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor
) -> None:
    made = await measured_plan(client, eps)
    body = (await report(analytics, eps, made["plan"]["id"], as_of="2026-06")).json()
    reunions = next(item for item in body["items"] if item["indicator_id"] == made["reunions"]["id"])
    assert core(reunions) == (5, 10, 50.0, None, "derived_from_activity_progress")
    # A semester that starts after the cut-off has no execution yet.
    later = (await report(analytics, eps, made["plan"]["id"], period="2026S2", as_of="2026-03")).json()
    reunions = next(item for item in later["items"] if item["indicator_id"] == made["reunions"]["id"])
    assert (reunions["numerator"], reunions["denominator"]) == (0, 5)


async def test_the_default_period_is_the_plans_year(
    client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor
) -> None:
    made = await measured_plan(client, eps)
    body = (await report(analytics, eps, made["plan"]["id"])).json()
    assert body["period"] == "2026"
    assert len(body["items"]) == 3


async def test_csv_and_xlsx_keep_the_accents(
    client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor
) -> None:
    made = await measured_plan(client, eps)
    response = await report(analytics, eps, made["plan"]["id"], as_of="2026-12", format="csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="indicadores-2026.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Indicador", "Fórmula (como se escribió)", "Numerador"]
    records = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    leaders = records["Capacitación de líderes"]
    assert (leaders["Fórmula (como se escribió)"], leaders["Cumplimiento"], leaders["Método"]) == (
        FORMULA,
        "75",
        "achieved_over_programmed",
    )
    assert records["Visitas"]["Supera 100"] == "sí"

    response = await report(analytics, eps, made["plan"]["id"], as_of="2026-12", format="xlsx")
    assert response.status_code == 200, response.text
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Indicadores del plan de acción"
    header_index = next(index for index, row in enumerate(values) if row[0] == "Indicador")
    names = [row[0] for row in values[header_index + 1 :]]
    assert "Capacitación de líderes" in names
    assert "Fórmula (como se escribió)" in values[header_index]


async def test_scope_and_bad_parameters(
    client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor, other_eps: Actor
) -> None:
    made = await measured_plan(client, eps)
    assert_problem(await report(analytics, other_eps, made["plan"]["id"]), 404)
    assert_problem(await report(analytics, eps, str(uuid.uuid4())), 404)
    assert_problem(await report(analytics, eps, made["plan"]["id"], period="2026X1"), 422, "period")
    assert_problem(await report(analytics, eps, made["plan"]["id"], as_of="2026-00"), 422, "as_of")
    assert_problem(await analytics.get("/v1/analytics/indicators", headers=eps.headers), 422, "plan_id")
    assert_problem(await analytics.get("/v1/analytics/indicators", params={"plan_id": made["plan"]["id"]}), 401)
