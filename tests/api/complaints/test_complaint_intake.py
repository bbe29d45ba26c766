"""Complaint intake through the API: the motive catalogue, month precision, `:batch` and `:import`.

Every rejected file is checked for the report in the 422 problem (code, row, column) and for nothing
written: the complaint and people tables hold what they held before.
"""

import io
import json
import uuid
from datetime import datetime
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api.complaints import motives, repository
from services.api.complaints import service as complaints_service
from services.api.models import ComplaintMotiveRow, ComplaintPersonRow, ComplaintRow
from tests.api.conftest import Actor, MakeKey, MakeOrg, assert_problem, field_message, list_all

COMPLAINTS = "/v1/complaints"
MOTIVES = "/v1/complaint-motives"

PLAIN_HEADER = "radicado,fecha_radicacion,tipo,canal,riesgo,menor,entity_nit,municipio,motivo,descripcion"


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


async def table_counts(session: AsyncSession) -> tuple[int, int]:
    complaints = (await session.execute(select(func.count()).select_from(ComplaintRow))).scalar_one()
    people = (await session.execute(select(func.count()).select_from(ComplaintPersonRow))).scalar_one()
    return int(complaints), int(people)


async def post_file(client: httpx.AsyncClient, actor: Actor, name: str, content: bytes, **form: str) -> httpx.Response:
    return await client.post(f"{COMPLAINTS}:import", files={"file": (name, content)}, data=form, headers=actor.headers)


def report_of(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    report: dict[str, Any] = body["report"] if "report" in body else body
    return report


def codes(report: dict[str, Any]) -> set[str]:
    return {problem["code"] for problem in report["problems"]}


@pytest.fixture
async def hospital(make_org: MakeOrg, make_key: MakeKey) -> Actor:
    organization = await make_org("ese", name="E.S.E. Hospital San Vicente de Paúl", nit="890985092-3")
    return await make_key(organization, "eps_ips")


# --- the motive catalogue ------------------------------------------------------------------------------------


async def test_the_catalogue_is_the_packaged_file_with_our_codes(
    client: httpx.AsyncClient, eps: Actor, session: AsyncSession
) -> None:
    stored = (await session.execute(select(ComplaintMotiveRow).order_by(col(ComplaintMotiveRow.code)))).scalars()
    assert [(row.code, row.name, row.valid_from, row.valid_to) for row in stored] == [
        (motive.code, motive.name, motive.valid_from, motive.valid_to) for motive in motives.catalogue()
    ]
    response = await client.get(MOTIVES, headers=eps.headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 20
    assert {item["level"] for item in items} == {"especifico"}
    by_code = {item["code"]: item for item in items}
    assert by_code["ME23-03"]["name"] == "FALTA DE OPORTUNIDAD EN LAS CITAS O CONSULTAS"
    assert by_code["ME21-01"]["valid_to"] == "2023-06-30"


async def test_the_catalogue_by_filing_date_and_level(client: httpx.AsyncClient, eps: Actor) -> None:
    before = (await client.get(MOTIVES, params={"valid_on": "2023-06-30"}, headers=eps.headers)).json()["items"]
    after = (await client.get(MOTIVES, params={"valid_on": "2023-07-01"}, headers=eps.headers)).json()["items"]
    assert {item["code"][:4] for item in before} == {"ME21"}
    assert {item["code"][:4] for item in after} == {"ME23"}
    assert (await client.get(MOTIVES, params={"level": "macro"}, headers=eps.headers)).json()["items"] == []
    assert_problem(await client.get(MOTIVES, params={"valid_on": "julio"}, headers=eps.headers), 422, "valid_on")
    assert_problem(await client.get(MOTIVES), 401)


async def test_motive_codes_are_checked_against_the_catalogue_at_filing(client: httpx.AsyncClient, eps: Actor) -> None:
    valid = await client.post(COMPLAINTS, json=complaint_body(eps, motive_code="ME23-03"), headers=eps.headers)
    assert valid.status_code == 201, valid.text
    assert valid.json()["motive_code"] == "ME23-03"
    # The 2021-2023 taxonomy does not apply to a filing of 2026, nor an unknown code to anything.
    for code in ("ME21-01", "M01"):
        refused = await client.post(COMPLAINTS, json=complaint_body(eps, motive_code=code), headers=eps.headers)
        problem = assert_problem(refused, 422, "motive_code")
        assert "/v1/complaint-motives" in field_message(problem, "motive_code")
    old = await client.post(
        COMPLAINTS,
        json=complaint_body(eps, filed_at="2022-03-01T10:00:00-05:00", motive_code="ME21-01"),
        headers=eps.headers,
    )
    assert old.status_code == 201, old.text
    path = f"{COMPLAINTS}/{valid.json()['id']}"
    patched = await client.patch(path, json={"motive_code": "ME21-02"}, headers={**eps.headers, "If-Match": '"1"'})
    assert_problem(patched, 422, "motive_code")


# --- date precision ------------------------------------------------------------------------------------------


async def test_a_month_precision_complaint_starts_its_month_and_has_no_term(
    client: httpx.AsyncClient, eps: Actor
) -> None:
    response = await client.post(
        COMPLAINTS,
        json=complaint_body(
            eps, type="reclamo", risk="simple", filed_at="2026-03-17T15:00:00-05:00", date_precision="month"
        ),
        headers=eps.headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["date_precision"] == "month"
    assert created["filed_at"] == "2026-03-01T05:00:00Z"
    assert (created["clock"], created["due_at"], created["due_date"], created["term"]) == ("none", None, None, None)
    assert created["timeliness"] is None
    # Its events still move the status.
    event = await client.post(
        f"{COMPLAINTS}/{created['id']}/events",
        json={"kind": "en_tramite"},
        headers=eps.headers,
    )
    assert event.status_code == 201, event.text
    read = (await client.get(f"{COMPLAINTS}/{created['id']}", headers=eps.headers)).json()
    assert (read["status"], read["clock"]) == ("en_tramite", "none")
    day = await client.post(COMPLAINTS, json=complaint_body(eps), headers=eps.headers)
    assert day.json()["date_precision"] == "day"


# --- :batch --------------------------------------------------------------------------------------------------


async def test_batch_applies_each_item_on_its_own(client: httpx.AsyncClient, eps: Actor, session: AsyncSession) -> None:
    person = {"document_type": "CC", "document_number": "1020304050", "first_names": "Ana"}
    items = [
        complaint_body(eps, radicado="L-1", person=person),
        complaint_body(eps, radicado="L-2", motive_code="ME21-01", person=person),
        complaint_body(eps, radicado="L-1"),
        complaint_body(eps, entity_id=str(uuid.uuid4())),
        complaint_body(eps, type="queja", risk="simple"),
        complaint_body(eps, radicado="L-3", type="reclamo", risk="riesgo_vital"),
    ]
    response = await client.post(f"{COMPLAINTS}:batch", json={"items": items}, headers=eps.headers)
    assert response.status_code == 207, response.text
    results = response.json()["results"]
    assert [result["status"] for result in results] == [201, 422, 409, 422, 422, 201]
    assert results[1]["problem"]["errors"][0]["field"] == "motive_code"
    assert results[1]["problem"]["instance"].endswith("#/items/1")
    assert results[2]["problem"]["errors"][0]["field"] == "radicado"
    assert results[3]["problem"]["errors"][0]["field"] == "entity_id"
    assert results[4]["problem"]["errors"][0]["field"] == "risk"
    stored = {item["radicado"]: item for item in await list_all(client, COMPLAINTS, eps)}
    assert set(stored) == {"L-1", "L-3"}
    assert stored["L-3"]["term"]["unit"] == "hours"
    assert {stored["L-1"]["id"], stored["L-3"]["id"]} == {results[0]["id"], results[5]["id"]}
    # The refused item with personal data left none behind: one person, the first item's.
    assert await table_counts(session) == (2, 1)


async def test_each_batch_item_is_validated_on_its_own(
    client: httpx.AsyncClient, eps: Actor, session: AsyncSession
) -> None:
    """A bad item is that item's 422 naming its field (relative to the item); the others are created."""
    items = [
        complaint_body(eps, radicado="V-1"),
        complaint_body(eps, type="tutela"),
        complaint_body(eps, text="Cita con\x00especialista"),
        complaint_body(eps, filed_at=20260626, minor="sí"),
        complaint_body(eps, color="rojo"),
        complaint_body(eps, person={"document_type": "XX", "first_names": "Ana"}),
        complaint_body(eps, radicado="V-2", person={"first_names": "Luz"}),
        {**complaint_body(eps), "\ud800": "clave inválida"},
    ]
    # Encoded here: the lone surrogate travels as a JSON escape, as a client would send it.
    headers = {**eps.headers, "Content-Type": "application/json"}
    response = await client.post(f"{COMPLAINTS}:batch", content=json.dumps({"items": items}).encode(), headers=headers)
    assert response.status_code == 207, response.text
    results = response.json()["results"]
    assert [result["status"] for result in results] == [201, 422, 422, 422, 422, 422, 201, 422]
    named = {
        result["index"]: sorted(error["field"] for error in result["problem"]["errors"])
        for result in results
        if result["status"] == 422
    }
    assert named == {
        1: ["type"],
        2: ["text"],
        3: ["filed_at", "minor"],
        4: ["color"],
        5: ["person.document_type"],
        # A rule of the item as a whole (a key that is no plain text) names the item.
        7: ["items[7]"],
    }
    for result in results:
        if result["status"] == 422:
            problem = result["problem"]
            assert (problem["status"], problem["title"]) == (422, "Datos inválidos")
            assert problem["instance"].endswith(f"#/items/{result['index']}")
            assert problem["detail"].startswith("El elemento tiene")
            assert all(error["message"] for error in problem["errors"])
    stored = {item["radicado"]: item["id"] for item in await list_all(client, COMPLAINTS, eps)}
    assert stored == {"V-1": results[0]["id"], "V-2": results[6]["id"]}
    assert await table_counts(session) == (2, 1)


async def test_a_value_the_database_refuses_is_the_item_s_problem(
    client: httpx.AsyncClient, eps: Actor, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the models, a data exception of PostgreSQL (SQLSTATE class 22) still fails that item alone."""
    create = complaints_service.create_complaint

    async def refusing(db: AsyncSession, caller: Any, data: Any, **options: Any) -> Any:
        if data.radicado == "D-2":
            await db.execute(text("SELECT 1 / 0"))  # 22012, as a value the server cannot take
        return await create(db, caller, data, **options)

    monkeypatch.setattr(complaints_service, "create_complaint", refusing)
    items = [complaint_body(eps, radicado=f"D-{number}") for number in (1, 2, 3)]
    response = await client.post(f"{COMPLAINTS}:batch", json={"items": items}, headers=eps.headers)
    assert response.status_code == 207, response.text
    results = response.json()["results"]
    assert [result["status"] for result in results] == [201, 422, 201]
    assert "22012" in results[1]["problem"]["detail"]
    assert {item["radicado"] for item in await list_all(client, COMPLAINTS, eps)} == {"D-1", "D-3"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{"type": "queja"}], "body"),
        ({"items": "todas"}, "items"),
        ({"items": [{"type": "queja"}, "otra"]}, "items[1]"),
        ({"items": [{"type": "queja"}], "dry_run": True}, "dry_run"),
        ({}, "items"),
    ],
    ids=["not-an-object", "items-not-a-list", "item-not-an-object", "unknown-envelope-field", "no-items"],
)
async def test_a_bad_envelope_rejects_the_whole_batch(
    client: httpx.AsyncClient, eps: Actor, session: AsyncSession, body: Any, field: str
) -> None:
    assert_problem(await client.post(f"{COMPLAINTS}:batch", json=body, headers=eps.headers), 422, field)
    assert await table_counts(session) == (0, 0)


async def test_batch_caps_at_one_thousand_items(client: httpx.AsyncClient, eps: Actor) -> None:
    body = {"items": [complaint_body(eps)] * 1001}
    assert_problem(await client.post(f"{COMPLAINTS}:batch", json=body, headers=eps.headers), 422, "items")
    assert_problem(await client.post(f"{COMPLAINTS}:batch", json={"items": []}, headers=eps.headers), 422, "items")


async def test_batch_needs_a_writing_key(client: httpx.AsyncClient, eps: Actor, make_key: MakeKey) -> None:
    reader = await make_key(eps.organization, "bi_readonly")
    response = await client.post(f"{COMPLAINTS}:batch", json={"items": [complaint_body(eps)]}, headers=reader.headers)
    assert response.status_code == 207, response.text
    assert response.json()["results"][0]["status"] == 403


# --- :import, plain template ---------------------------------------------------------------------------------

PLAIN = (
    PLAIN_HEADER
    + "\n"
    + "\n".join(
        [
            "R-001,2026-06-26T10:00:00-05:00,peticion,web,,no,830113831-0,11001,ME23-03,"
            '"Cita con especialista, urgente"',
            "R-002,46199,queja,Telefónico,,sí,830113831-0,5001,,Mala atención en urgencias",
            "R-003,26/06/2026,reclamo,presencial,priorizado,no,,11001,FALTA DE OPORTUNIDAD EN LAS CITAS O CONSULTAS,"
            "Negación de medicamentos",
        ]
    )
    + "\n"
).encode()


async def test_plain_template_dry_run_then_commit(client: httpx.AsyncClient, eps: Actor, session: AsyncSession) -> None:
    dry = await post_file(client, eps, "quejas.csv", PLAIN)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert (report["kind"], report["status"], report["format"], report["layout"]) == (
        "complaints",
        "dry_run",
        "delimited",
        "plain",
    )
    assert report["counts"]["complaints"] == 3
    assert report["problems"] == []
    assert await table_counts(session) == (0, 0)

    committed = await post_file(client, eps, "quejas.csv", PLAIN, dry_run="false")
    assert committed.status_code == 200, committed.text
    assert committed.json()["status"] == "committed"
    stored = {item["radicado"]: item for item in await list_all(client, COMPLAINTS, eps)}
    assert set(stored) == {"R-001", "R-002", "R-003"}
    first, second, third = stored["R-001"], stored["R-002"], stored["R-003"]
    assert (first["type"], first["channel"], first["motive_code"], first["text"]) == (
        "peticion",
        "web",
        "ME23-03",
        "Cita con especialista, urgente",
    )
    assert first["due_date"] is not None
    assert first["clock"] == "running"
    # Excel serial 46199 is 2026-06-26; «Telefónico» is telefono; 5001 lost its leading zero in a spreadsheet.
    assert second["filed_at"] == "2026-06-26T05:00:00Z"
    assert (second["channel"], second["minor"], second["municipality_code"]) == ("telefono", True, "05001")
    # A motive written by its name; no entity column value means the receiver itself.
    assert (third["motive_code"], third["risk"], third["entity_id"]) == (
        "ME23-03",
        "priorizado",
        str(eps.organization_id),
    )
    assert third["term"]["unit"] == "hours"

    kept = await client.get(f"/v1/imports/{committed.json()['id']}", headers=eps.headers)
    assert kept.status_code == 200
    assert kept.json()["kind"] == "complaints"
    kinds = await client.get("/v1/imports", params={"kind": "complaints"}, headers=eps.headers)
    assert {item["status"] for item in kinds.json()["items"]} == {"dry_run", "committed"}


async def test_reimporting_reports_what_is_already_there(
    client: httpx.AsyncClient, eps: Actor, session: AsyncSession
) -> None:
    assert (await post_file(client, eps, "quejas.csv", PLAIN, dry_run="false")).status_code == 200
    again = await post_file(client, eps, "quejas.csv", PLAIN, dry_run="false")
    problem = assert_problem(again, 422)
    report = problem["report"]
    assert report["status"] == "rejected"
    assert report["counts"]["already_present"] == 3
    present = [p for p in report["problems"] if p["code"] == "already_present"]
    assert [(p["severity"], p["row"], p["column"]) for p in present] == [
        ("warning", 2, "A"),
        ("warning", 3, "A"),
        ("warning", 4, "A"),
    ]
    accepted = await post_file(client, eps, "quejas.csv", PLAIN, dry_run="false", accept_warnings="already_present")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "committed"
    assert (await table_counts(session))[0] == 3


async def test_an_error_rejects_the_file_with_row_and_column(
    client: httpx.AsyncClient, eps: Actor, session: AsyncSession
) -> None:
    content = (
        PLAIN_HEADER
        + "\nE-1,2026-06-26,peticion,web,,no,,11001,,Bien\n"
        + "E-2,ayer,peticion,paloma,,no,,11001,,Mal\n"
        + "E-3,2026-06-26,queja,web,vital,no,999999999,11001,ME21-01,Mal\n"
        + "E-1,2026-06-26,peticion,web,,no,,11001,,Repetida\n"
    ).encode()
    response = await post_file(client, eps, "errores.csv", content, dry_run="false", accept_warnings="true")
    problem = assert_problem(response, 422)
    located = {(p["code"], p["row"], p["column"]) for p in problem["report"]["problems"]}
    assert {
        ("invalid_date", 3, "B"),
        ("unknown_value", 3, "D"),
        ("invalid_motive", 4, "I"),
        ("invalid_value", 4, "E"),
        ("unknown_entity", 4, "G"),
        ("duplicate_radicado", 5, "A"),
    } <= located
    assert all(p["severity"] == "error" for p in problem["report"]["problems"])
    assert await table_counts(session) == (0, 0)
    listed = await client.get("/v1/imports", params={"status": "rejected"}, headers=eps.headers)
    assert listed.json()["items"][0]["id"] == problem["report"]["id"]


async def test_personal_data_go_to_the_people_table_never_to_the_report(
    client: httpx.AsyncClient, eps: Actor, session: AsyncSession
) -> None:
    content = (
        "radicado,fecha,tipo,canal,descripcion,tipo_documento,numero_documento,nombres,apellidos,telefono,correo\n"
        "P-1,2026-06-26,peticion,web,Cita,CC,1020304050,Ana María,Pérez Gómez,3001234567,ana@example.com\n"
        "P-2,2026-06-26,peticion,web,Cita,XX,1122334455,Luis,Rojas,3009999999,no-es-correo\n"
    ).encode()
    rejected = await post_file(client, eps, "personas.csv", content)
    problem = assert_problem(rejected, 422)
    located = {(p["code"], p["row"], p["column"]) for p in problem["report"]["problems"]}
    assert {("invalid_value", 3, "F"), ("invalid_value", 3, "K")} <= located
    for secret in ("1122334455", "Rojas", "no-es-correo", "1020304050"):
        assert secret not in rejected.text
    fixed = content.replace(b"XX", b"TI").replace(b"no-es-correo", b"luis@example.com")
    committed = await post_file(client, eps, "personas.csv", fixed, dry_run="false")
    assert committed.status_code == 200, committed.text
    assert committed.json()["counts"]["people"] == 2
    assert "1020304050" not in committed.text
    people = (
        await session.execute(select(ComplaintPersonRow).order_by(col(ComplaintPersonRow.document_number)))
    ).scalars()
    assert [(p.role, p.document_type, p.document_number, p.first_names) for p in people] == [
        ("petitioner", "CC", "1020304050", "Ana María"),
        ("petitioner", "TI", "1122334455", "Luis"),
    ]
    complaint = next(item for item in await list_all(client, COMPLAINTS, eps) if item["radicado"] == "P-1")
    person = await client.get(f"{COMPLAINTS}/{complaint['id']}/person", headers=eps.headers)
    assert person.json()["person"]["last_names"] == "Pérez Gómez"


# --- :import, Supersalud open data ---------------------------------------------------------------------------

SUPERSALUD = (
    "PQR_TIPOPETICION;PQR_CANAL;PQR_ESTADO;RIESGO_VIDA;MES;TRIM;MOTIVO_ESPECIFICO;ENT_NOMBRE;AFEC_MPIO;AFEC_EDADR\n"
    "reclamo ;Personalizado;Cerrado;SI;3;Trim I;FALTA DE OPORTUNIDAD EN LA ENTREGA DE MEDICAMENTOS POS;"
    "ALIANSALUD EPS;11001;DE 6 A 12 AÑOS\n"
    "peticion de informacion;Chat;Pendiente (Avance);NO;7;Trim III;MOTIVO QUE NO ESTÁ EN EL CATÁLOGO;"
    "Aliansalud EPS;MEDELLIN;DE 25 A 29 AÑOS\n"
    "consulta y/o solicitud de informacion;Telefónico;Cerrado;0;12;Trim IV;;ALIANSALUD EPS;05001;Mayor de 63 AÑOS\n"
).encode("cp1252")


async def test_supersalud_open_data_rows_by_month(client: httpx.AsyncClient, eps: Actor) -> None:
    no_year = await post_file(client, eps, "Base_PQRD_2022.csv", SUPERSALUD)
    assert "missing_year" in codes(assert_problem(no_year, 422)["report"])

    dry = await post_file(client, eps, "Base_PQRD_2022.csv", SUPERSALUD, year="2022")
    report = assert_problem(dry, 422)["report"]
    assert report["layout"] == "supersalud"
    assert all(p["severity"] == "warning" for p in report["problems"])
    assert codes(report) == {"status_not_imported", "unknown_motive", "unknown_municipality", "radicado_generated"}
    unknown = next(p for p in report["problems"] if p["code"] == "unknown_motive")
    assert (unknown["row"], unknown["column"]) == (3, "G")

    committed = await post_file(
        client, eps, "Base_PQRD_2022.csv", SUPERSALUD, year="2022", dry_run="false", accept_warnings="true"
    )
    assert committed.status_code == 200, committed.text
    stored = sorted(await list_all(client, COMPLAINTS, eps), key=lambda item: item["filed_at"])
    assert [item["filed_at"] for item in stored] == [
        "2022-03-01T05:00:00Z",
        "2022-07-01T05:00:00Z",
        "2022-12-01T05:00:00Z",
    ]
    assert {item["date_precision"] for item in stored} == {"month"}
    assert {(item["clock"], item["due_at"]) for item in stored} == {("none", None)}
    march, july, december = stored
    assert (march["type"], march["channel"], march["risk"], march["minor"], march["motive_code"]) == (
        "reclamo",
        "presencial",
        "riesgo_vital",
        True,
        "ME21-02",
    )
    assert (july["type"], july["channel"], july["motive_code"], july["municipality_code"]) == (
        "solicitud_informacion",
        "whatsapp",
        None,
        None,
    )
    assert (december["type"], december["channel"], december["minor"]) == ("consulta", "telefono", False)
    assert all(item["radicado"].startswith("830113831-2022-") for item in stored)
    # Kept for statistics: counted by month like any other complaint.
    counts = await client.get(f"{COMPLAINTS}/counts", params={"group_by": "month"}, headers=eps.headers)
    assert counts.json()["items"] == [
        {"month": "2022-03", "count": 1},
        {"month": "2022-07", "count": 1},
        {"month": "2022-12", "count": 1},
    ]


# --- :import, XLSX -------------------------------------------------------------------------------------------


def workbook(rows: list[list[Any]], *, date_format: bool = False) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "PQRD"
    sheet.append(["Reporte de PQRD del hospital"])
    sheet.append([])
    for row in rows:
        sheet.append(row)
    if date_format:
        for cell in sheet["B"][3:]:
            cell.number_format = "dd/mm/yyyy hh:mm"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_xlsx_with_excel_serials_and_dates(client: httpx.AsyncClient, hospital: Actor, eps: Actor) -> None:
    header = ["Radicado", "Fecha de radicación", "Tipo", "Canal", "NIT entidad", "Descripción"]
    serials = workbook(
        [
            header,
            ["X-1", 46199.5, "Petición", "Correo", "830.113.831-0", "Cita"],
            ["X-2", 46198, "Queja", "web", None, "Trato"],
        ]
    )
    response = await post_file(client, hospital, "pqrd.xlsx", serials, dry_run="false")
    assert response.status_code == 200, response.text
    assert response.json()["format"] == "xlsx"
    stored = {item["radicado"]: item for item in await list_all(client, COMPLAINTS, hospital)}
    # 46199.5 is noon of 2026-06-26 in Bogotá; the NIT names the EPS, a blank cell the hospital itself.
    assert stored["X-1"]["filed_at"] == "2026-06-26T17:00:00Z"
    assert stored["X-1"]["entity_id"] == str(eps.organization_id)
    assert stored["X-2"]["entity_id"] == str(hospital.organization_id)

    dated = workbook([header, ["X-3", datetime(2026, 6, 25, 8, 30), "reclamo", "web", None, "Cita"]], date_format=True)
    response = await post_file(client, hospital, "pqrd.xlsx", dated, dry_run="false")
    assert response.status_code == 200, response.text
    stored = {item["radicado"]: item for item in await list_all(client, COMPLAINTS, hospital)}
    assert stored["X-3"]["filed_at"] == "2026-06-25T13:30:00Z"


async def test_an_unreadable_file_is_a_report(client: httpx.AsyncClient, eps: Actor) -> None:
    no_header = await post_file(client, eps, "otro.csv", b"a,b\n1,2\n")
    assert codes(assert_problem(no_header, 422)["report"]) == {"missing_header"}
    empty = await post_file(client, eps, "vacio.csv", b"")
    assert codes(assert_problem(empty, 422)["report"]) == {"empty_file"}
    reader_problem = await post_file(client, eps, "roto.xlsx", b"PK\x03\x04roto")
    assert "invalid_xlsx" in codes(assert_problem(reader_problem, 422)["report"])


async def test_import_roles(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor, make_key: MakeKey, admin: Actor
) -> None:
    reader = await make_key(eps.organization, "bi_readonly")
    assert_problem(await post_file(client, reader, "quejas.csv", PLAIN), 403)
    assert_problem(await post_file(client, admin, "quejas.csv", PLAIN), 422, "organization_id")
    foreign = await post_file(client, other_eps, "quejas.csv", PLAIN, organization_id=str(eps.organization_id))
    assert foreign.status_code in (403, 404, 422)
    as_admin = await post_file(client, admin, "quejas.csv", PLAIN, organization_id=str(eps.organization_id))
    assert as_admin.status_code == 200, as_admin.text


# --- bulk path -----------------------------------------------------------------------------------------------


async def test_a_large_file_goes_through_copy_and_a_dry_run_leaves_nothing(
    client: httpx.AsyncClient, eps: Actor, session: AsyncSession
) -> None:
    lines = [PLAIN_HEADER] + [
        f"B-{number:05d},2026-06-{1 + number % 25:02d},{'queja' if number % 2 else 'peticion'},web,,no,,11001,"
        f"ME23-0{1 + number % 9},Queja número {number}"
        for number in range(1500)
    ]
    content = ("\n".join(lines) + "\n").encode()
    dry = await post_file(client, eps, "grande.csv", content)
    assert dry.status_code == 200, dry.text
    assert dry.json()["counts"]["complaints"] == 1500
    assert await table_counts(session) == (0, 0)
    committed = await post_file(client, eps, "grande.csv", content, dry_run="false")
    assert committed.status_code == 200, committed.text
    assert (await table_counts(session))[0] == 1500
    page = (await client.get(COMPLAINTS, params={"q": "número", "limit": 5}, headers=eps.headers)).json()
    assert len(page["items"]) == 5
    assert all(item["due_date"] for item in page["items"])


BIG_IMPORT_ROWS = 40_000
"""More rows than asyncpg's 32,767 parameters per statement: a per-row bind anywhere fails the file."""


def big_file(rows: int, *, prefix: str = "G") -> bytes:
    lines = [PLAIN_HEADER] + [
        f"{prefix}-{number:06d},2026-05-{1 + number % 28:02d},{'queja' if number % 2 else 'peticion'},web,,no,,"
        f"11001,ME23-0{1 + number % 9},Queja {number}"
        for number in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.slow
async def test_a_file_past_the_driver_parameter_limit_imports(
    client: httpx.AsyncClient, eps: Actor, session: AsyncSession
) -> None:
    content = big_file(BIG_IMPORT_ROWS)
    dry = await post_file(client, eps, "enorme.csv", content)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["status"], dry.json()["counts"]["complaints"]) == ("dry_run", BIG_IMPORT_ROWS)
    assert await table_counts(session) == (0, 0)
    committed = await post_file(client, eps, "enorme.csv", content, dry_run="false")
    assert committed.status_code == 200, committed.text
    assert (committed.json()["status"], committed.json()["counts"]["complaints"]) == ("committed", BIG_IMPORT_ROWS)
    assert (await table_counts(session))[0] == BIG_IMPORT_ROWS
    # Again: now every radicado is already there, and the check over 40,000 of them still is one statement.
    again = await post_file(client, eps, "enorme.csv", content)
    assert again.status_code == 422, again.text
    assert report_of(again)["counts"] == {"complaints": 0, "already_present": BIG_IMPORT_ROWS, "people": 0}


async def test_bulk_lookups_bind_one_array_whatever_their_length(
    session: AsyncSession, eps: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The radicado check (given ones and generated candidates) and the event lookup bind one array each."""
    assert eps.organization_id is not None
    connection = await session.connection()
    counted: list[int] = []

    def count(*args: Any) -> None:
        parameters = args[3]
        counted.append(len(parameters) if isinstance(parameters, (list, tuple, dict)) else 0)

    sync_engine = connection.sync_connection
    assert sync_engine is not None
    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        radicados = [f"P-{number:06d}" for number in range(BIG_IMPORT_ROWS)]
        assert await repository.taken_radicados(session, eps.organization_id, radicados) == set()
        ids = [uuid.uuid4() for _ in range(BIG_IMPORT_ROWS)]
        assert all(events == [] for events in (await repository.events_of_many(session, ids)).values())
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    assert counted
    assert max(counted) <= 3, counted


async def test_a_file_over_the_size_limit_is_a_problem_naming_it(client: httpx.AsyncClient, eps: Actor) -> None:
    content = big_file(1) + b"#" * (10 * 1024 * 1024)
    report = assert_problem(await post_file(client, eps, "enorme.csv", content), 422)["report"]
    problem = next(problem for problem in report["problems"] if problem["code"] == "file_too_large")
    assert "10 MB" in problem["message"]


async def test_a_radicado_written_meanwhile_rejects_the_file(
    client: httpx.AsyncClient, eps: Actor, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await post_file(client, eps, "quejas.csv", PLAIN, dry_run="false")).status_code == 200

    async def nothing_taken(*_: Any) -> set[str]:
        return set()

    # As if another request committed the same radicados between the check and the COPY.
    monkeypatch.setattr(repository, "taken_radicados", nothing_taken)
    again = await post_file(client, eps, "quejas.csv", PLAIN, dry_run="false")
    assert codes(assert_problem(again, 422)["report"]) == {"concurrent_import"}
    assert (await table_counts(session))[0] == 3
