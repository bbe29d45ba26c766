"""Complaint figures end to end: analytics -> the real API app -> PostgreSQL, data made through the API."""

import csv
import io
from typing import Any

import httpx
import openpyxl
import pytest

from tests.analytics.conftest import analytics_over
from tests.api.conftest import Actor, MakeKey, MakeOrg, assert_problem
from tests.factories import answer_complaint, file_complaint

BIMONTHLY = "/v1/analytics/complaints/bimonthly"
TREND = "/v1/analytics/complaints/trend"
PRIORITIES = "/v1/analytics/priorities"
AS_OF = "2026-03-15T12:00:00-05:00"


async def add_affiliates(client: httpx.AsyncClient, actor: Actor, month: str, count: int) -> None:
    response = await client.post(
        f"/v1/organizations/{actor.organization_id}/affiliates",
        json={"month": month, "municipality_code": "47001", "count": count},
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text


@pytest.fixture
async def magdalena(client: httpx.AsyncClient, make_org: MakeOrg, make_key: MakeKey) -> dict[str, Any]:
    """A departmental secretaría (jurisdiction 47); an EPS with complaints in 2025B1, 2025B6, 2026B1; an IPS without."""
    secretaria = await make_org(
        "secretaria_departamental",
        name="Secretaría de Salud del Magdalena",
        municipality_code="47001",
        jurisdiction=["47"],
    )
    eps = await make_key(await make_org("eps", name="EPS Ñuñoa Salud Ciénaga", municipality_code="47001"), "eps_ips")
    ips = await make_org("ips", name="IPS Aracataca", municipality_code="47053")
    await add_affiliates(client, eps, "2026-01", 10_000)
    await add_affiliates(client, eps, "2026-02", 12_000)
    for filed_at in ("2025-01-10", "2025-02-10", "2025-11-10", "2025-12-10"):
        await file_complaint(client, eps, filed_at=f"{filed_at}T09:00:00-05:00")
    in_term = await file_complaint(client, eps, filed_at="2026-01-05T09:00:00-05:00")
    await answer_complaint(client, eps, in_term, "2026-01-07T09:00:00-05:00")
    late = await file_complaint(client, eps, filed_at="2026-01-06T09:00:00-05:00", channel="telefono")
    await answer_complaint(client, eps, late, "2026-03-10T09:00:00-05:00")
    await file_complaint(client, eps, filed_at="2026-01-20T09:00:00-05:00", type="reclamo", risk="riesgo_vital")
    await file_complaint(client, eps, filed_at="2026-02-03T09:00:00-05:00")
    await file_complaint(client, eps, filed_at="2026-02-27T09:00:00-05:00", channel="telefono")
    return {
        "secretaria": await make_key(secretaria, "secretaria"),
        "secretaria_org": secretaria,
        "eps": eps,
        "ips": ips,
        "answered": [in_term, late],
    }


async def test_bimonthly_by_entity_with_comparisons(
    analytics: httpx.AsyncClient, client: httpx.AsyncClient, magdalena: dict[str, Any]
) -> None:
    secretaria: Actor = magdalena["secretaria"]
    response = await analytics.get(BIMONTHLY, params={"period": "2026B1", "as_of": AS_OF}, headers=secretaria.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == "2026B1"
    assert body["dhis2_period"] == "202601B"
    assert body["complete"] is True
    assert body["group_by"] == ["entity"]
    assert body["compare"] == ["previous", "same_last_year"]
    (item,) = body["items"]
    assert item["entity_id"] == str(magdalena["eps"].organization_id)
    assert item["entity_name"] == "EPS Ñuñoa Salud Ciénaga"
    assert item["count"] == 5
    # Affiliates: mean of January (10,000) and February (12,000).
    rate = item["rate_per_10k"]
    assert (rate["numerator"], rate["denominator"], rate["factor"], rate["value"]) == (5, 11_000, 10_000, 4.55)
    assert rate["method"] == "count_over_mean_monthly_affiliates"
    assert rate["period"] == "2026B1"
    # At the cut-off (15 March): one answered in term, one late, two overdue (the petición of 27 February is
    # due on 20 March, still running at the cut-off whatever the date today): 1 ÷ (1 + 1 + 2).
    assert (item["answered"], item["answered_in_term"], item["overdue_unanswered"]) == (2, 1, 2)
    assert item["timeliness"]["value"] == 25.0
    assert item["timeliness"]["method"] == "answered_in_term_over_due"
    assert item["mean_response_hours"] == pytest.approx((48 + 63 * 24) / 2)
    # In business days, the unit of the legal terms: both from the API's rollup, the median exact.
    days = [
        (await client.get(f"/v1/complaints/{complaint['id']}", headers=magdalena["eps"].headers)).json()[
            "response_business_days"
        ]
        for complaint in magdalena["answered"]
    ]
    assert item["mean_response_business_days"] == item["median_response_business_days"] == sum(days) / 2
    # The median of hours needs every answer: only on request.
    assert item["median_response_hours"] is None
    response = await analytics.get(
        BIMONTHLY,
        params={"period": "2026B1", "as_of": AS_OF, "include": "median_response_hours"},
        headers=secretaria.headers,
    )
    assert response.json()["items"][0]["median_response_hours"] == pytest.approx((48 + 63 * 24) / 2)
    assert_problem(
        await analytics.get(BIMONTHLY, params={"include": "moda"}, headers=secretaria.headers), 422, "include"
    )
    # B1's previous bimester is B6 of the year before.
    assert item["previous"] == {
        "period": "2025B6",
        "complete": True,
        "count": 2,
        "change": 3,
        "change_pct": 150.0,
        "reason": None,
    }
    assert item["same_last_year"]["period"] == "2025B1"
    assert item["same_last_year"]["change_pct"] == 150.0


async def test_period_codes_and_group_keys(analytics: httpx.AsyncClient, magdalena: dict[str, Any]) -> None:
    headers = magdalena["secretaria"].headers
    canonical = await analytics.get(BIMONTHLY, params={"period": "2026B1", "as_of": AS_OF}, headers=headers)
    for params in ({"period": "202601B"}, {"year": 2026, "bimester": 1}):
        same = await analytics.get(BIMONTHLY, params={**params, "as_of": AS_OF}, headers=headers)
        assert same.json()["items"] == canonical.json()["items"]
    by_channel = await analytics.get(
        BIMONTHLY,
        params={"period": "2026B1", "as_of": AS_OF, "group_by": "channel", "compare": "previous", "method": "ese_siau"},
        headers=headers,
    )
    assert by_channel.status_code == 200, by_channel.text
    items = by_channel.json()["items"]
    assert [(item["channel"], item["count"], item["previous"]["count"]) for item in items] == [
        ("telefono", 2, 0),
        ("web", 3, 2),
    ]
    assert "entity_id" not in items[0] or items[0]["entity_id"] is None
    assert items[0]["same_last_year"] is None
    assert items[0]["previous"]["change_pct"] is None
    assert items[0]["previous"]["reason"] == "el periodo de comparación no tiene PQRD (base 0)"
    # ese_siau: answered in term ÷ filed; the late answer was by phone.
    assert items[0]["timeliness"] == {**items[0]["timeliness"], "numerator": 0, "denominator": 2, "value": 0.0}
    assert items[1]["timeliness"]["value"] == pytest.approx(33.33)


async def test_incomplete_bimester_is_never_compared(analytics: httpx.AsyncClient, magdalena: dict[str, Any]) -> None:
    response = await analytics.get(
        BIMONTHLY, params={"period": "2026B2", "as_of": AS_OF}, headers=magdalena["secretaria"].headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["complete"] is False
    assert "termina después del corte" in body["incomplete_reason"]
    for item in body["items"]:
        assert item["previous"]["change"] is None
        assert item["previous"]["change_pct"] is None
        assert item["previous"]["reason"].startswith("no se compara")


async def test_bimonthly_problems(analytics: httpx.AsyncClient, magdalena: dict[str, Any]) -> None:
    headers = magdalena["secretaria"].headers
    assert_problem(
        await analytics.get(BIMONTHLY, params={"group_by": "entity,color"}, headers=headers), 422, "group_by"
    )
    assert_problem(await analytics.get(BIMONTHLY, params={"period": "2026Q1"}, headers=headers), 422, "period")
    assert_problem(await analytics.get(BIMONTHLY, params={"period": "2026B9"}, headers=headers), 422, "period")
    assert_problem(await analytics.get(BIMONTHLY, params={"year": 2026}, headers=headers), 422, "bimester")
    assert_problem(await analytics.get(BIMONTHLY, params={"compare": "ayer"}, headers=headers), 422, "compare")
    future = await analytics.get(BIMONTHLY, params={"period": "2026B4", "as_of": AS_OF}, headers=headers)
    assert_problem(future, 422, "period")
    assert_problem(await analytics.get(BIMONTHLY, params={"format": "pdf"}, headers=headers), 422, "format")
    for as_of in ("0.5", "2026-02-30", "0001-01-01T00:00:00Z"):
        assert_problem(await analytics.get(BIMONTHLY, params={"as_of": as_of}, headers=headers), 422, "as_of")
    assert_problem(await analytics.get(BIMONTHLY, params={"period": "0001B1"}, headers=headers), 422, "period")


async def test_as_of_a_date_means_the_end_of_that_day(analytics: httpx.AsyncClient, magdalena: dict[str, Any]) -> None:
    headers = magdalena["secretaria"].headers
    response = await analytics.get(BIMONTHLY, params={"as_of": "2026-02-28"}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    # The last complete bimester at the end of 28 February is 2026B1 itself.
    assert (body["period"], body["complete"]) == ("2026B1", True)
    assert body["as_of"] == "2026-03-01T04:59:59.999999Z"  # the end of 2026-02-28 in Bogotá
    assert body["items"][0]["count"] == 5


async def test_bimonthly_csv_for_a_spanish_excel(analytics: httpx.AsyncClient, magdalena: dict[str, Any]) -> None:
    response = await analytics.get(
        BIMONTHLY,
        params={"period": "2026B1", "as_of": AS_OF, "format": "csv"},
        headers=magdalena["secretaria"].headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="consolidado-pqrd-2026B1.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, row = rows[0], rows[1]
    assert header[:3] == ["Entidad", "Identificador de la entidad", "PQRD radicadas"]
    record = dict(zip(header, row, strict=True))
    assert record["Entidad"] == "EPS Ñuñoa Salud Ciénaga"
    assert record["Tasa por 10.000 afiliados"] == "4,55"
    assert record["Variación (%)"] == "150"
    assert record["Bimestre anterior"] == "2025B6"
    assert "Mediana del tiempo de respuesta (días hábiles)" in record
    # The median of hours is a column only when asked for.
    assert "Mediana del tiempo de respuesta (horas)" not in record


async def test_bimonthly_xlsx_is_the_consolidado(analytics: httpx.AsyncClient, magdalena: dict[str, Any]) -> None:
    response = await analytics.get(
        BIMONTHLY,
        params={"period": "2026B1", "as_of": AS_OF, "format": "xlsx"},
        headers=magdalena["secretaria"].headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="consolidado-pqrd-2026B1.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Consolidado bimestral de PQRD"
    assert values[1][:2] == ("Periodo", "2026B1 (2026-01-01 a 2026-02-28)")
    assert values[2][:2] == ("Estado del periodo", "completo")
    assert values[3][0] == "Corte de los datos"
    assert values[4][0] == "Generado el"
    header_index = next(index for index, row in enumerate(values) if row[0] == "Entidad")
    record = dict(zip(values[header_index], values[header_index + 1], strict=True))
    assert record["Entidad"] == "EPS Ñuñoa Salud Ciénaga"
    assert record["PQRD radicadas"] == 5
    assert record["Tasa por 10.000 afiliados"] == 4.55
    assert record["Variación (%)"] == 150.0
    total = dict(zip(values[header_index], values[header_index + 2], strict=True))
    assert (total["Entidad"], total["PQRD radicadas"], total["PQRD del bimestre anterior"]) == ("Total", 5, 2)
    assert total["Tasa por 10.000 afiliados"] is None


async def test_trend_by_month_and_bimester(analytics: httpx.AsyncClient, magdalena: dict[str, Any]) -> None:
    headers = magdalena["secretaria"].headers
    monthly = await analytics.get(TREND, params={"from": "2025-11", "to": "2026-03", "as_of": AS_OF}, headers=headers)
    assert monthly.status_code == 200, monthly.text
    assert [(point["period"], point["count"], point["complete"]) for point in monthly.json()["items"]] == [
        ("2025-11", 1, True),
        ("2025-12", 1, True),
        ("2026-01", 3, True),
        ("2026-02", 2, True),
        ("2026-03", 0, False),
    ]
    bimonthly = await analytics.get(
        TREND,
        params={"from": "2025B6", "to": "2026B1", "granularity": "bimester", "group_by": "channel", "as_of": AS_OF},
        headers=headers,
    )
    assert [(point["period"], point["channel"], point["count"]) for point in bimonthly.json()["items"]] == [
        ("2025B6", "telefono", 0),
        ("2025B6", "web", 2),
        ("2026B1", "telefono", 2),
        ("2026B1", "web", 3),
    ]
    yearly = await analytics.get(
        TREND, params={"from": "2025", "to": "2026", "granularity": "year", "as_of": AS_OF}, headers=headers
    )
    assert [(point["period"], point["count"]) for point in yearly.json()["items"]] == [("2025", 4), ("2026", 5)]
    backwards = await analytics.get(TREND, params={"from": "2026-05", "to": "2026-01"}, headers=headers)
    assert_problem(backwards, 422, "to")


async def test_priorities_rank_the_entities_of_the_scope(
    analytics: httpx.AsyncClient, magdalena: dict[str, Any]
) -> None:
    secretaria_id = magdalena["secretaria_org"]["id"]
    response = await analytics.get(
        PRIORITIES,
        params={"secretaria_id": secretaria_id, "period": "2026B1", "as_of": AS_OF},
        headers=magdalena["secretaria"].headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["weights"] == {"rate": 0.4, "growth": 0.2, "vital_risk": 0.2, "out_of_term": 0.2}
    first, second = body["items"]
    assert (first["rank"], first["entity_name"], first["count"]) == (1, "EPS Ñuñoa Salud Ciénaga", 5)
    assert first["growth"]["value"] == 150.0
    assert first["vital_risk"]["value"] == 20.0
    # Out of term at the cut-off: one late answer and two overdue ÷ (two answered with a term + two overdue).
    assert first["out_of_term"]["value"] == 75.0
    assert first["components"] == {"rate": 1.0, "growth": 1.0, "vital_risk": 1.0, "out_of_term": 1.0}
    assert first["score"] == 100.0
    assert (second["rank"], second["entity_name"], second["count"], second["score"]) == (2, "IPS Aracataca", 0, 0.0)
    assert second["rate_per_10k"]["value"] is None
    assert second["rate_per_10k"]["reason"] == "sin conteos de afiliados en el periodo"

    xlsx = await analytics.get(
        PRIORITIES,
        params={"secretaria_id": secretaria_id, "period": "2026B1", "as_of": AS_OF, "format": "xlsx"},
        headers=magdalena["secretaria"].headers,
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet["A1"].value == "Priorización de entidades para asistencia técnica"


async def test_priorities_problems(analytics: httpx.AsyncClient, magdalena: dict[str, Any]) -> None:
    headers = magdalena["secretaria"].headers
    not_a_secretaria = await analytics.get(
        PRIORITIES, params={"secretaria_id": magdalena["ips"]["id"]}, headers=headers
    )
    assert_problem(not_a_secretaria, 404)
    zero = {f"weight_{name}": 0 for name in ("rate", "growth", "vital_risk", "out_of_term")}
    no_weights = await analytics.get(
        PRIORITIES, params={"secretaria_id": magdalena["secretaria_org"]["id"], **zero}, headers=headers
    )
    assert_problem(no_weights, 422, "weight_rate")
    assert_problem(await analytics.get(PRIORITIES, headers=headers), 422, "secretaria_id")


async def test_without_a_key_is_401_before_calling_the_api() -> None:
    calls: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={"items": []})

    async with analytics_over(httpx.MockTransport(record)) as analytics:
        for path in (BIMONTHLY, TREND, f"{PRIORITIES}?secretaria_id=00000000-0000-0000-0000-000000000000"):
            response = await analytics.get(path)
            assert_problem(response, 401)
            assert response.headers["www-authenticate"] == "Bearer"
    assert calls == []


async def test_an_unknown_key_is_the_apis_401(analytics: httpx.AsyncClient) -> None:
    response = await analytics.get(BIMONTHLY, headers={"Authorization": "Bearer pk_nope"})
    assert_problem(response, 401)


async def test_api_down_is_503_with_retry_after() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with analytics_over(httpx.MockTransport(refuse)) as analytics:
        response = await analytics.get(BIMONTHLY, headers={"Authorization": "Bearer pk_x"})
    assert_problem(response, 503)
    assert response.headers["retry-after"] == "5"


async def test_api_failure_is_502_never_a_bare_500() -> None:
    async with analytics_over(httpx.MockTransport(lambda request: httpx.Response(500, text="boom"))) as analytics:
        response = await analytics.get(TREND, headers={"Authorization": "Bearer pk_x"})
    assert_problem(response, 502)
    assert "boom" not in response.text


async def test_json_answers_carry_an_etag(analytics: httpx.AsyncClient, magdalena: dict[str, Any]) -> None:
    headers = magdalena["secretaria"].headers
    params = {"period": "2026B1", "as_of": AS_OF}
    first = await analytics.get(BIMONTHLY, params=params, headers=headers)
    etag = first.headers["etag"]
    again = await analytics.get(BIMONTHLY, params=params, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    other = await analytics.get(BIMONTHLY, params={**params, "group_by": "type"}, headers=headers)
    assert other.headers["etag"] != etag
