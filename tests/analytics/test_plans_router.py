"""GET /v1/analytics/plans/{id}/execution end to end: a plan built through the real API on PostgreSQL,
figures read through analytics, checked to the last decimal.

The plan (2026), cut-off 2026-09:
- E2 M01 A01: programmed 3 in March, June, September, budget 300,000; executed 1 + 2 + 1 = 4 (over-executed).
- E2 M01 A02: programmed 10 in the even months; executed 5 in April; 4 of its 6 months due.
- E1 M02 A01: programmed 2 in April and May, budget 100,000; nothing executed; both months due.
"""

import csv
import io
import uuid
from typing import Any

import httpx
import openpyxl
import pytest

from services.analytics.plans.frames import EXECUTION_TABLE_COLUMNS
from shared.contract.analytics_plans import PlanExecution
from tests.analytics.conftest import analytics_over
from tests.api.conftest import Actor, MakeKey, MakeOrg, assert_problem, eps, other_eps
from tests.factories import create_plan, fetch, make_activity, make_goal, make_progress, move_status

__all__ = ["eps", "other_eps"]


async def executing_plan(client: httpx.AsyncClient, actor: Actor) -> dict[str, Any]:
    plan = await create_plan(client, actor, title="Plan de acción de participación 2026")
    e2 = await make_goal(client, actor, plan["id"], axis="E2", code="M01")
    e1 = await make_goal(client, actor, plan["id"], axis="E1", code="M02")
    trainings = await make_activity(
        client, actor, e2["id"], code="A01", planned_quantity=3, schedule_months=[3, 6, 9], planned_budget=300_000
    )
    meetings = await make_activity(
        client, actor, e2["id"], code="A02", planned_quantity=10, schedule_months=[2, 4, 6, 8, 10, 12]
    )
    visits = await make_activity(
        client, actor, e1["id"], code="A01", planned_quantity=2, schedule_months=[4, 5], planned_budget=100_000
    )
    plan = await move_status(client, actor, await fetch(client, actor, "plans", plan["id"]), "formulado")
    for month, quantity, budget in (("2026-03", 1, 100_000), ("2026-06", 2, 150_000), ("2026-09", 1, 0)):
        await make_progress(
            client, actor, trainings["id"], month=month, executed_quantity=quantity, executed_budget=budget
        )
    await make_progress(client, actor, meetings["id"], month="2026-04", executed_quantity=5, people_reached=40)
    return {"plan": plan, "trainings": trainings, "meetings": meetings, "visits": visits, "e1": e1, "e2": e2}


def core(figure: dict[str, Any]) -> tuple[Any, ...]:
    return (figure["numerator"], figure["denominator"], figure["value"], figure["reason"], figure["over_100"])


async def execution(analytics: httpx.AsyncClient, actor: Actor, plan_id: str, **params: str) -> httpx.Response:
    return await analytics.get(f"/v1/analytics/plans/{plan_id}/execution", params=params, headers=actor.headers)


async def test_sum_method_figures(client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor) -> None:
    made = await executing_plan(client, eps)
    response = await execution(analytics, eps, made["plan"]["id"], as_of="2026-09")
    assert response.status_code == 200, response.text
    body = response.json()
    # The JSON is written straight from the computed data: it must be exactly the contract.
    assert PlanExecution.model_validate(body).model_dump(mode="json")["activities"] == body["activities"]
    assert (body["plan_id"], body["year"], body["method"], body["cut_off_month"]) == (
        made["plan"]["id"],
        2026,
        "sum",
        "2026-09",
    )
    assert body["thresholds"] == {"green": 0.9, "amber": 0.7}
    assert body["as_of"].startswith("2026-09-30T23:59:59")

    plan = body["plan"]
    assert core(plan) == (9, 15, 60.0, None, False)
    assert (plan["method"], plan["period"], plan["source_records"]) == ("sum_executed_over_sum_programmed", "2026", 4)
    assert core(plan["expected_to_date"]) == (9, 11, 81.82, None, False)
    assert plan["traffic_light"] == "amarillo"  # (9 × 11) / (15 × 9) = 0.73

    goals = {goal["code"]: goal for goal in body["goals"]}
    assert core(goals["M01"]) == (9, 13, 69.23, None, False)
    assert core(goals["M01"]["expected_to_date"]) == (7, 9, 77.78, None, False)
    assert goals["M01"]["traffic_light"] == "amarillo"  # 81 / 91 = 0.89
    assert core(goals["M02"]) == (0, 2, 0.0, None, False)
    assert goals["M02"]["traffic_light"] == "rojo"

    axes = {axis["axis"]: axis for axis in body["axes"]}
    assert list(axes) == ["E1", "E2", "E3", "E4", "E5"]
    assert core(axes["E2"]) == (9, 13, 69.23, None, False)
    assert core(axes["E4"]) == (0, 0, None, "el eje no tiene actividades", False)

    activities = {activity["activity_id"]: activity for activity in body["activities"]}
    trainings = activities[made["trainings"]["id"]]
    assert core(trainings) == (4, 3, 133.33, None, True)
    assert (trainings["uncapped_value"], trainings["traffic_light"], trainings["executed_budget"]) == (
        133.33,
        "verde",
        250_000,
    )
    assert core(activities[made["meetings"]["id"]]) == (5, 10, 50.0, None, False)
    assert activities[made["meetings"]["id"]]["people_reached"] == 40

    assert core(body["budget"]) == (250_000, 400_000, 62.5, None, False)
    assert core(body["completed_activities"]) == (1, 3, 33.33, None, False)
    assert body["over_executed"] == [made["trainings"]["id"]]


async def test_mean_capped_method(client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor) -> None:
    made = await executing_plan(client, eps)
    response = await execution(analytics, eps, made["plan"]["id"], as_of="2026-09", method="mean_capped")
    assert response.status_code == 200, response.text
    body = response.json()
    PlanExecution.model_validate(body)
    assert core(body["plan"]) == (1.5, 3, 50.0, None, False)
    assert body["plan"]["method"] == "mean_of_capped_activity_ratios"
    assert body["plan"]["traffic_light"] == "rojo"  # (1.5 × 11) / (3 × 9) = 0.61
    trainings = next(item for item in body["activities"] if item["activity_id"] == made["trainings"]["id"])
    assert core(trainings) == (4, 3, 100.0, None, True)
    assert trainings["uncapped_value"] == 133.33
    assert body["over_executed"] == [made["trainings"]["id"]]


async def test_an_earlier_cut_off_counts_less(
    client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor
) -> None:
    made = await executing_plan(client, eps)
    body = (await execution(analytics, eps, made["plan"]["id"], as_of="2026-06")).json()
    # Up to June: A01 3 of 3 (September's 1 not yet), A02 5, A03 0 → 8 of 15; months due 2 + 3 + 2 of 11.
    assert core(body["plan"]) == (8, 15, 53.33, None, False)
    assert core(body["plan"]["expected_to_date"]) == (7, 11, 63.64, None, False)
    assert body["plan"]["traffic_light"] == "amarillo"  # 88 / 105 = 0.84
    assert body["over_executed"] == []
    # Thresholds are parameters: with green at 0.8 the same plan is green.
    lenient = (await execution(analytics, eps, made["plan"]["id"], as_of="2026-06", green="0.8")).json()
    assert lenient["plan"]["traffic_light"] == "verde"


async def test_a_plan_without_activities_has_no_values(
    client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor
) -> None:
    plan = await create_plan(client, eps)
    body = (await execution(analytics, eps, plan["id"], as_of="2026-06")).json()
    assert core(body["plan"]) == (0, 0, None, "el plan no tiene actividades", False)
    assert core(body["budget"]) == (0, 0, None, "el plan no tiene actividades", False)
    assert body["plan"]["traffic_light"] is None
    assert (body["goals"], body["activities"], body["over_executed"]) == ([], [], [])


async def test_csv_for_a_spanish_excel(client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor) -> None:
    made = await executing_plan(client, eps)
    response = await execution(analytics, eps, made["plan"]["id"], as_of="2026-09", format="csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="ejecucion-plan-2026-2026-09.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header == list(EXECUTION_TABLE_COLUMNS.values())
    assert header[7:13] == [
        "Ejecución física (%)",
        "Ejecución sin tope (%)",
        "Sobre-ejecución",
        "Motivo sin valor",
        "Avance esperado a la fecha (%)",
        "Semáforo",
    ]
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [record["Nivel"] for record in records] == ["Plan"] + ["Eje"] * 5 + ["Meta"] * 2 + ["Actividad"] * 3
    plan = records[0]
    assert plan["Nombre"] == "Plan de acción de participación 2026"
    assert (plan["Ejecución física (%)"], plan["Avance esperado a la fecha (%)"], plan["Semáforo"]) == (
        "60",
        "81,82",
        "amarillo",
    )
    e1 = records[1]
    assert (e1["Eje"], e1["Nombre"]) == ("E1", "Fortalecimiento institucional")
    over = next(record for record in records if record["Sobre-ejecución"] == "sí")
    assert (over["Actividad"], over["Ejecución física (%)"], over["Presupuesto ejecutado (COP)"]) == (
        "A01",
        "133,33",
        "250000",
    )
    assert records[3]["Motivo sin valor"] == "el eje no tiene actividades"


async def test_xlsx_with_its_title_block(client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor) -> None:
    made = await executing_plan(client, eps)
    response = await execution(analytics, eps, made["plan"]["id"], as_of="2026-09", format="xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="ejecucion-plan-2026-2026-09.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Ejecución del plan de acción: Plan de acción de participación 2026"
    lines = {row[0]: row[1] for row in values[1:6]}
    assert lines["Corte"] == "2026-09"
    assert lines["Ejecución presupuestal (%)"] == "62,50"
    assert lines["Actividades cumplidas (%)"] == "33,33"
    header_index = next(index for index, row in enumerate(values) if row[0] == "Nivel")
    header = values[header_index]
    plan = dict(zip(header, values[header_index + 1], strict=True))
    assert (plan["Ejecución física (%)"], plan["Semáforo"], plan["Programado (denominador)"]) == (60.0, "amarillo", 15)


async def test_the_api_scope_applies(
    client: httpx.AsyncClient,
    analytics: httpx.AsyncClient,
    eps: Actor,
    other_eps: Actor,
    make_org: MakeOrg,
    make_key: MakeKey,
) -> None:
    made = await executing_plan(client, eps)
    assert_problem(await execution(analytics, other_eps, made["plan"]["id"], as_of="2026-09"), 404)
    assert_problem(await execution(analytics, eps, str(uuid.uuid4()), as_of="2026-09"), 404)
    reader = await make_key(eps.organization, "bi_readonly")
    assert (await execution(analytics, reader, made["plan"]["id"], as_of="2026-09")).status_code == 200
    response = await analytics.get(f"/v1/analytics/plans/{made['plan']['id']}/execution")
    assert_problem(response, 401)


async def test_unchanged_answers_are_revalidated_and_changes_seen(
    client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor
) -> None:
    made = await executing_plan(client, eps)
    first = (await execution(analytics, eps, made["plan"]["id"], as_of="2026-09")).json()
    assert (await execution(analytics, eps, made["plan"]["id"], as_of="2026-09")).json()["plan"] == first["plan"]
    await make_progress(client, eps, made["visits"]["id"], month="2026-05", executed_quantity=2)
    after = (await execution(analytics, eps, made["plan"]["id"], as_of="2026-09")).json()
    assert core(after["plan"]) == (11, 15, 73.33, None, False)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": "2026-13"}, "as_of"),
        ({"as_of": "septiembre"}, "as_of"),
        ({"method": "media"}, "method"),
        ({"green": "1.5"}, "green"),
        ({"green": "0.6", "amber": "0.8"}, "amber"),
        ({"format": "pdf"}, "format"),
    ],
)
async def test_bad_parameters_are_422_naming_them(
    client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor, params: dict[str, str], field: str
) -> None:
    plan = await create_plan(client, eps)
    assert_problem(await execution(analytics, eps, plan["id"], **params), 422, field)


async def test_api_down_is_503_with_retry_after() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with analytics_over(httpx.MockTransport(refuse)) as down:
        response = await down.get(
            f"/v1/analytics/plans/{uuid.uuid4()}/execution", headers={"Authorization": "Bearer pk_x"}
        )
    assert_problem(response, 503)
    assert response.headers["retry-after"]


@pytest.mark.parametrize("as_of", ["2026-09", "2026-09-15", "2026-10-01T04:00:00Z", "2026-09-30T23:00:00-05:00"])
async def test_a_date_or_instant_cuts_at_its_bogota_month(
    client: httpx.AsyncClient, analytics: httpx.AsyncClient, eps: Actor, as_of: str
) -> None:
    plan = await create_plan(client, eps)
    response = await execution(analytics, eps, plan["id"], as_of=as_of)
    assert response.status_code == 200, response.text
    assert response.json()["cut_off_month"] == "2026-09"
