"""Plan files through the API: import (dry run, commit, re-import), reports, export round trips.

Every rejected file is checked three ways: the 422 problem carries the report with the problem's code,
row and column; the report is kept under `/v1/imports`; and the plan tables hold exactly what they held
before (`table_state`).
"""

import hashlib
import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.conftest import Actor, MakeKey, MakeOrg, assert_problem, create_plan, field_message
from tests.api.imports.import_files import (
    EDITED_TO,
    EPS_ANNEX,
    FOLLOW_UP_NAME,
    MERGED_GOAL,
    MERGED_INDICATOR,
    MERGED_RESPONSIBLE,
    NOT_EXECUTED,
    NOT_EXECUTED_WITH_QUANTITY,
    PISIS,
    SEED,
    TableState,
    details,
    edited_seed,
    follow_up_file,
    follow_up_lines,
    merged_workbook,
    table_state,
    with_changes,
    zip_bomb,
)

SEED_WARNINGS = "mark_outside_months,empty_axis"


@pytest.fixture
async def association(make_org: MakeOrg, make_key: MakeKey, eps: Actor) -> Actor:
    organization = await make_org(
        "asociacion_usuarios",
        name="Asociación de Usuarios de Aliansalud EPS",
        parent_id=eps.organization["id"],
        municipality_code="11001",
    )
    return await make_key(organization, "asociacion")


@pytest.fixture
async def hospital(make_org: MakeOrg, make_key: MakeKey) -> Actor:
    organization = await make_org(
        "ese", name="E.S.E. Hospital San Vicente de Paúl", nit="890985092-3", municipality_code="05604"
    )
    return await make_key(organization, "eps_ips")


async def post_file(client: httpx.AsyncClient, actor: Actor, path: Path, **fields: str) -> httpx.Response:
    files = {"file": (path.name, path.read_bytes())}
    return await client.post("/v1/plans:import", files=files, data=fields, headers=actor.headers)


async def upload(client: httpx.AsyncClient, actor: Actor, name: str, content: bytes, **fields: str) -> httpx.Response:
    """`POST /v1/plans:import` with `fields` as form fields."""
    return await upload_with_query(client, actor, name, content, {}, fields)


async def upload_with_query(
    client: httpx.AsyncClient,
    actor: Actor,
    name: str,
    content: bytes,
    query: dict[str, str],
    fields: dict[str, str] | None = None,
) -> httpx.Response:
    """`POST /v1/plans:import` with `query` as query parameters (and `fields` as form fields)."""
    files = {"file": (name, content)}
    return await client.post("/v1/plans:import", files=files, data=fields or {}, params=query, headers=actor.headers)


async def plan_count(client: httpx.AsyncClient, actor: Actor) -> int:
    response = await client.get("/v1/plans", headers=actor.headers)
    return len(response.json()["items"])


async def tree(client: httpx.AsyncClient, actor: Actor, plan_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/plans/{plan_id}/tree", headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def goals_of(plan_tree: dict[str, Any]) -> list[dict[str, Any]]:
    return [goal for axis in plan_tree["axes"] for goal in axis["goals"]]


def problems(report: dict[str, Any]) -> list[tuple[str, str, int | None, str | None]]:
    return [(p["severity"], p["code"], p["row"], p["column"]) for p in report["problems"]]


def codes(report: dict[str, Any]) -> set[str]:
    return {p["code"] for p in report["problems"]}


async def assert_rejected(
    client: httpx.AsyncClient, actor: Actor, response: httpx.Response, session: AsyncSession, before: TableState
) -> dict[str, Any]:
    """A 422 problem whose report is kept under /v1/imports, and the plan tables untouched."""
    body = assert_problem(response, 422)
    assert body["type"].endswith("/import-rejected"), body
    report: dict[str, Any] = body["report"]
    assert report["status"] == "rejected"
    kept = await client.get(f"/v1/imports/{report['id']}", headers=actor.headers)
    assert kept.status_code == 200, kept.text
    assert kept.json()["status"] == "rejected"
    assert kept.json()["problems"] == report["problems"]
    assert await table_state(session) == before
    return report


async def commit(client: httpx.AsyncClient, actor: Actor, name: str, content: bytes, **fields: str) -> dict[str, Any]:
    response = await upload(client, actor, name, content, dry_run="false", **fields)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    assert report["status"] == "committed"
    return report


async def import_seed(client: httpx.AsyncClient, actor: Actor) -> dict[str, Any]:
    return await commit(client, actor, SEED.name, SEED.read_bytes(), accept_warnings=SEED_WARNINGS)


async def import_programming(client: httpx.AsyncClient, hospital: Actor) -> dict[str, Any]:
    return await commit(client, hospital, PISIS.name, PISIS.read_bytes(), accept_warnings="nit_mismatch")


async def move_plan(client: httpx.AsyncClient, actor: Actor, plan_id: str, *steps: str) -> dict[str, Any]:
    plan: dict[str, Any] = (await client.get(f"/v1/plans/{plan_id}", headers=actor.headers)).json()
    for step in steps:
        headers = {**actor.headers, "If-Match": f'"{plan["version"]}"'}
        response = await client.patch(f"/v1/plans/{plan_id}", json={"status": step}, headers=headers)
        assert response.status_code == 200, response.text
        plan = response.json()
    return plan


async def progress_of(client: httpx.AsyncClient, actor: Actor, plan_id: str) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/activity-progress", params={"plan_id": plan_id, "limit": 500}, headers=actor.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# --------------------------------------------------------------------------------------------------
# The seed sheet (association layout)
# --------------------------------------------------------------------------------------------------


async def test_seed_dry_run_reports_and_writes_nothing(
    client: httpx.AsyncClient, association: Actor, session: AsyncSession
) -> None:
    before = await table_state(session)
    response = await post_file(client, association, SEED)
    # The warnings for the stray X marks are not accepted yet.
    report = await assert_rejected(client, association, response, session, before)
    assert {p["code"] for p in report["problems"]} >= {"mark_outside_months"}
    assert all(p["severity"] == "warning" for p in report["problems"])
    assert report["counts"]["goals"] == 6
    assert report["counts"]["activities"] == 6
    assert await plan_count(client, association) == 0

    accepted = await post_file(client, association, SEED, accept_warnings="true")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "dry_run"
    assert accepted.json()["plan_id"] is None
    assert await table_state(session) == before


async def test_seed_commit_matches_the_sheet(client: httpx.AsyncClient, association: Actor) -> None:
    response = await post_file(client, association, SEED, accept_warnings=SEED_WARNINGS, dry_run="false")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["status"] == "committed"
    # A new plan is one difference: its goals and activities are all added, as the counts say.
    assert report["differences"] == [{"change": "added", "kind": "plan", "key": "2026", "fields": []}]
    plan = await tree(client, association, report["plan_id"])
    assert plan["status"] == "formulado"
    assert plan["year"] == 2026
    e2 = next(axis for axis in plan["axes"] if axis["axis"] == "E2")
    assert [goal["code"] for goal in e2["goals"]] == ["M01", "M02", "M03", "M04", "M05", "M06"]
    first = e2["goals"][0]["activities"][0]
    assert first["schedule_months"] == [5, 7]
    assert first["planned_quantity"] == 2
    assert first["start_date"] == "2026-05-01"
    assert first["end_date"] == "2026-07-31"
    indicator = first["indicators"][0]
    assert indicator["kind"] == "proporcion"
    assert indicator["numerator_label"] == "Capacitaciones asistidas"
    assert indicator["denominator_label"] == "Capacitaciones programadas"
    assert e2["goals"][3]["baseline"]
    assert "34 asociados" in e2["goals"][3]["baseline"]

    listed = (await client.get("/v1/imports", headers=association.headers)).json()["items"]
    assert listed[0]["id"] == report["id"]
    assert listed[0]["sha256"] == hashlib.sha256(SEED.read_bytes()).hexdigest() == report["sha256"]
    assert listed[0]["file_name"] == SEED.name
    assert listed[0]["api_key_id"] == report["api_key_id"] is not None


async def test_reimporting_the_same_file_changes_nothing(
    client: httpx.AsyncClient, association: Actor, session: AsyncSession
) -> None:
    first = await import_seed(client, association)
    before = await table_state(session)
    for dry_run in ("true", "false"):
        again = await upload(
            client, association, SEED.name, SEED.read_bytes(), accept_warnings=SEED_WARNINGS, dry_run=dry_run
        )
        assert again.status_code == 200, again.text
        assert again.json()["plan_id"] == first["plan_id"]
        assert again.json()["differences"] == []
        assert again.json()["counts"] == first["counts"]
    assert await table_state(session) == before


async def test_year_missing_is_an_error_that_names_the_field(
    client: httpx.AsyncClient, association: Actor, session: AsyncSession
) -> None:
    content = SEED.read_bytes().replace(b"2026", b"")
    before = await table_state(session)
    response = await upload(client, association, "plan.tsv", content, accept_warnings="true", dry_run="false")
    report = await assert_rejected(client, association, response, session, before)
    assert ("error", "missing_year", None, None) in problems(report)
    ok = await upload(client, association, "plan.tsv", content, accept_warnings="true", year="2026")
    assert ok.status_code == 200, ok.text
    assert ok.json()["year"] == 2026


# --------------------------------------------------------------------------------------------------
# The EPS annex layout
# --------------------------------------------------------------------------------------------------


async def test_eps_annex_needs_a_year_and_then_imports_its_actions_as_goals(
    client: httpx.AsyncClient, eps: Actor, session: AsyncSession
) -> None:
    content = EPS_ANNEX.read_bytes()
    before = await table_state(session)
    # Named without its year: the title only cites "RESOLUCIÓN 2063 DE 2017", which is not the plan's year.
    refused = await upload(client, eps, "anexo_eps.tsv", content, dry_run="false", accept_warnings="true")
    report = await assert_rejected(client, eps, refused, session, before)
    assert problems(report) == [("error", "missing_year", None, None)]
    assert "year" in report["problems"][0]["message"]
    assert report["layout"] == "eps_annex"

    committed = await commit(client, eps, "anexo_eps.tsv", content, year="2026")
    assert committed["problems"] == []
    assert committed["counts"] == {
        "axes": 3,
        "goals": 6,
        "activities": 9,
        "indicators": 9,
        "schedule_months": 14,
        "progress_rows": 0,
    }
    plan = await tree(client, eps, committed["plan_id"])
    assert (plan["year"], plan["status"]) == (2026, "formulado")
    assert plan["objective"].startswith("Garantizar el derecho a la participación social en salud")
    # Each action is a goal coded from its number; the third eje is numbered 3 but named as eje 4.
    assert [(axis["axis"], [goal["code"] for goal in axis["goals"]]) for axis in plan["axes"] if axis["goals"]] == [
        ("E1", ["M0101", "M0102", "M0103"]),
        ("E2", ["M0201", "M0202"]),
        ("E4", ["M0301"]),
    ]
    capacitaciones = goals_of(plan)[0]
    assert capacitaciones["text"] == "Realizar capacitaciones a la Asociación de Usuarios"
    first, continuation = capacitaciones["activities"]
    # The META cell is the activity's target; the row with an empty action is a second activity of it.
    assert (first["code"], first["target_text"], first["schedule_months"]) == (
        "A01",
        "100% de asociaciones capacitadas",
        [3, 6, 9],
    )
    assert first["text"].startswith("Capacitar a las Asociaciones de Usuarios")
    assert (first["planned_quantity"], first["start_date"], first["end_date"]) == (3, "2026-03-01", "2026-09-30")
    assert first["indicators"][0]["kind"] == "proporcion"
    assert continuation["code"] == "A02"
    assert continuation["text"] == "Evaluar la apropiación de los contenidos con pre y post test a los asistentes"
    assert continuation["schedule_months"] == [6, 9]
    assert continuation["indicators"][0]["kind"] == "conteo"
    assert [len(goal["activities"]) for goal in goals_of(plan)] == [2, 1, 1, 2, 1, 2]
    talento = goals_of(plan)[1]["activities"][0]
    assert talento["target_text"] == "Un profesional de participación social por regional"
    assert talento["indicators"][0]["kind"] == "proporcion"


# --------------------------------------------------------------------------------------------------
# XLSX: merged cells and sheets
# --------------------------------------------------------------------------------------------------


async def test_xlsx_with_vertically_merged_cells_imports_goals_and_activities(
    client: httpx.AsyncClient, association: Actor
) -> None:
    report = await commit(client, association, "plan.xlsx", merged_workbook())
    assert report["format"] == "xlsx"
    assert report["problems"] == []
    assert report["counts"]["goals"] == 2
    assert report["counts"]["activities"] == 4
    plan = await tree(client, association, report["plan_id"])
    assert plan["title"] == "PLAN DE ACCIÓN 2026 ASOCIACIÓN DE USUARIOS DEL HOSPITAL SAN RAFAEL"
    first, second = goals_of(plan)
    assert (first["code"], second["code"]) == ("M01", "M02")
    assert first["text"] == MERGED_GOAL.removeprefix("1. ")
    assert first["baseline"] is not None
    assert "3 talleres" in first["baseline"]
    # The merged goal, indicator and responsible cells reach every row they cover.
    assert [(a["code"], a["schedule_months"], a["responsible"]) for a in first["activities"]] == [
        ("A01", [3], MERGED_RESPONSIBLE),
        ("A02", [6], MERGED_RESPONSIBLE),
        ("A03", [9, 10], MERGED_RESPONSIBLE),
    ]
    assert all([i["formula_text"] for i in a["indicators"]] == [MERGED_INDICATOR] for a in first["activities"])
    assert [(a["code"], a["planned_quantity"]) for a in second["activities"]] == [("A01", 4)]


async def test_sheet_chooses_the_sheet_and_an_unknown_one_is_an_error(
    client: httpx.AsyncClient, association: Actor, session: AsyncSession
) -> None:
    workbook = merged_workbook()
    default = await upload(client, association, "plan.xlsx", workbook)
    assert default.status_code == 200, default.text
    assert default.json()["counts"]["activities"] == 4  # the first sheet with a plan header, not "Instrucciones"

    chosen = await commit(client, association, "plan.xlsx", workbook, sheet=" borrador ")
    assert chosen["counts"]["activities"] == 1
    (goal,) = goals_of(await tree(client, association, chosen["plan_id"]))
    assert goal["text"] == "Promover el autocuidado entre los asociados."

    before = await table_state(session)
    missing = await upload(client, association, "plan.xlsx", workbook, sheet="Hoja9", dry_run="false")
    report = await assert_rejected(client, association, missing, session, before)
    assert problems(report) == [("error", "unknown_sheet", None, None)]
    message = report["problems"][0]["message"]
    assert all(name in message for name in ("Hoja9", "«Instrucciones»", "«Plan 2026»", "«Borrador»")), message


# --------------------------------------------------------------------------------------------------
# Form fields, query parameters, accepted warnings
# --------------------------------------------------------------------------------------------------


async def test_query_parameters_work_like_form_fields(
    client: httpx.AsyncClient, association: Actor, eps: Actor
) -> None:
    params = {"dry_run": "false", "accept_warnings": "true"}
    by_query = await upload_with_query(client, association, SEED.name, SEED.read_bytes(), params)
    assert by_query.status_code == 200, by_query.text
    assert by_query.json()["status"] == "committed"
    assert await plan_count(client, association) == 1

    annex = await upload_with_query(
        client, eps, "anexo.tsv", EPS_ANNEX.read_bytes(), {"year": "2026", "dry_run": "false"}
    )
    assert annex.status_code == 200, annex.text
    assert (annex.json()["status"], annex.json()["year"]) == ("committed", 2026)

    # A form field wins over the same query parameter.
    mixed = await upload_with_query(
        client, eps, "anexo.tsv", EPS_ANNEX.read_bytes(), {"year": "2026"}, {"year": "2027"}
    )
    assert mixed.status_code == 200, mixed.text
    assert (mixed.json()["status"], mixed.json()["year"]) == ("dry_run", 2027)


@pytest.mark.parametrize(("field", "value"), [("dry_run", "quizás"), ("year", "26"), ("organization_id", "no-es-uuid")])
async def test_bad_parameters_are_422_on_their_field(
    client: httpx.AsyncClient, association: Actor, session: AsyncSession, field: str, value: str
) -> None:
    before = await table_state(session)
    for response in (
        await upload(client, association, SEED.name, SEED.read_bytes(), **{field: value}),
        await upload_with_query(client, association, SEED.name, SEED.read_bytes(), {field: value}),
    ):
        assert_problem(response, 422, field)
    assert await table_state(session) == before


async def test_accept_warnings_lists_codes_and_a_missing_code_still_blocks(
    client: httpx.AsyncClient, association: Actor, session: AsyncSession
) -> None:
    before = await table_state(session)
    partial = await upload(
        client, association, SEED.name, SEED.read_bytes(), dry_run="false", accept_warnings="mark_outside_months"
    )
    report = await assert_rejected(client, association, partial, session, before)
    assert ("warning", "empty_axis", 16, "A") in problems(report)
    detail = partial.json()["detail"]
    # The detail counts the warnings still to accept, and names them.
    assert "1 advertencia sin aceptar (empty_axis)" in detail, detail
    assert await plan_count(client, association) == 0

    unknown_only = await upload(
        client, association, SEED.name, SEED.read_bytes(), dry_run="false", accept_warnings="nit_mismatch"
    )
    await assert_rejected(client, association, unknown_only, session, before)

    spaced = await upload(
        client,
        association,
        SEED.name,
        SEED.read_bytes(),
        dry_run="false",
        accept_warnings=" empty_axis , mark_outside_months ",
    )
    assert spaced.status_code == 200, spaced.text
    assert spaced.json()["status"] == "committed"


# --------------------------------------------------------------------------------------------------
# Who may import where
# --------------------------------------------------------------------------------------------------


async def test_admin_key_must_name_the_organization(
    client: httpx.AsyncClient, admin: Actor, association: Actor, session: AsyncSession
) -> None:
    before = await table_state(session)
    response = await upload(client, admin, SEED.name, SEED.read_bytes(), accept_warnings="true", dry_run="false")
    problem = assert_problem(response, 422, "organization_id")
    assert "admin" in field_message(problem, "organization_id")
    assert await table_state(session) == before

    named = await upload(
        client,
        admin,
        SEED.name,
        SEED.read_bytes(),
        accept_warnings="true",
        dry_run="false",
        organization_id=str(association.organization_id),
    )
    assert named.status_code == 200, named.text
    assert named.json()["organization_id"] == str(association.organization_id)
    assert await plan_count(client, association) == 1


async def test_an_eps_cannot_import_into_another_eps_nor_learn_it_exists(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor, session: AsyncSession
) -> None:
    before = await table_state(session)
    foreign = await upload(
        client, other_eps, SEED.name, SEED.read_bytes(), organization_id=str(eps.organization_id), dry_run="false"
    )
    unknown = await upload(
        client, other_eps, SEED.name, SEED.read_bytes(), organization_id=str(uuid.uuid4()), dry_run="false"
    )
    foreign_problem = assert_problem(foreign, 422, "organization_id")
    unknown_problem = assert_problem(unknown, 422, "organization_id")
    # Same answer as for an organisation that does not exist.
    assert foreign_problem["errors"] == unknown_problem["errors"]
    assert foreign_problem["detail"] == unknown_problem["detail"]
    assert await table_state(session) == before
    for actor in (eps, other_eps):
        assert (await client.get("/v1/imports", headers=actor.headers)).json()["items"] == []


async def test_bi_readonly_exports_but_cannot_import(
    client: httpx.AsyncClient, association: Actor, make_key: MakeKey, session: AsyncSession
) -> None:
    report = await import_seed(client, association)
    reader = await make_key(association.organization, "bi_readonly")
    before = await table_state(session)
    refused = await upload(client, reader, SEED.name, SEED.read_bytes(), accept_warnings="true", dry_run="false")
    assert_problem(refused, 403)
    assert await table_state(session) == before

    exported = await client.get(
        f"/v1/plans/{report['plan_id']}/export", params={"format": "csv"}, headers=reader.headers
    )
    assert exported.status_code == 200, exported.text
    assert exported.content.startswith(b"\xef\xbb\xbf")
    # It reads the organisation's import reports too.
    listed = (await client.get("/v1/imports", headers=reader.headers)).json()["items"]
    assert [item["id"] for item in listed] == [report["id"]]


async def test_import_reports_are_visible_only_to_their_organization(
    client: httpx.AsyncClient, eps: Actor, other_eps: Actor, admin: Actor
) -> None:
    committed = await commit(client, eps, "anexo.tsv", EPS_ANNEX.read_bytes(), year="2026")
    rejected = await upload(client, eps, "anexo.tsv", EPS_ANNEX.read_bytes())
    assert rejected.status_code == 422
    rejected_id = rejected.json()["report"]["id"]

    own = (await client.get("/v1/imports", headers=eps.headers)).json()["items"]
    # Both share the test transaction's timestamp, so their order is not asserted.
    assert sorted(item["id"] for item in own) == sorted([rejected_id, committed["id"]])
    only_rejected = await client.get("/v1/imports", params={"status": "rejected"}, headers=eps.headers)
    assert [item["id"] for item in only_rejected.json()["items"]] == [rejected_id]
    by_plan = await client.get("/v1/imports", params={"plan_id": committed["plan_id"]}, headers=eps.headers)
    assert [item["id"] for item in by_plan.json()["items"]] == [committed["id"]]

    assert (await client.get("/v1/imports", headers=other_eps.headers)).json()["items"] == []
    for report_id in (committed["id"], rejected_id):
        assert_problem(await client.get(f"/v1/imports/{report_id}", headers=other_eps.headers), 404)
    assert_problem(await client.get(f"/v1/imports/{uuid.uuid4()}", headers=eps.headers), 404)
    everything = await client.get("/v1/imports", params={"limit": 500}, headers=admin.headers)
    assert {committed["id"], rejected_id} <= {item["id"] for item in everything.json()["items"]}


# --------------------------------------------------------------------------------------------------
# PISIS: programming and follow-up
# --------------------------------------------------------------------------------------------------


async def test_pisis_programming_imports_once_nit_mismatch_is_accepted(
    client: httpx.AsyncClient, hospital: Actor, session: AsyncSession
) -> None:
    before = await table_state(session)
    refused = await post_file(client, hospital, PISIS, dry_run="false")
    report = await assert_rejected(client, hospital, refused, session, before)
    assert problems(report) == [("warning", "nit_mismatch", 1, "nit")]
    response = await post_file(client, hospital, PISIS, dry_run="false", accept_warnings="nit_mismatch")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["counts"]["activities"] == 42
    assert report["year"] == 2021
    assert (report["format"], report["layout"]) == ("pisis", "pisis_ppps")
    activity = goals_of(await tree(client, hospital, report["plan_id"]))[3]["activities"][0]
    # Quantities, budgets, consecutives, target codes and municipality are kept exactly.
    assert (
        activity["planned_quantity"],
        activity["planned_budget"],
        activity["sequence"],
        activity["target_group_code"],
        activity["municipality_code"],
    ) == (11, 74288325, 4, "26", "05604")

    exported = await client.get(
        f"/v1/plans/{report['plan_id']}/export", params={"format": "pisis-ppps"}, headers=hospital.headers
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-disposition"] == 'attachment; filename="PPS190PPPS20211231NI000890985092.TXT"'
    assert exported.headers["content-type"].startswith("text/plain")
    assert details(exported.content) == details(PISIS.read_bytes())
    assert not exported.content.endswith(b"\n")

    again = await post_file(client, hospital, PISIS, dry_run="false", accept_warnings="nit_mismatch")
    assert again.status_code == 200, again.text
    assert again.json()["differences"] == []


async def test_follow_up_becomes_progress_and_exports_back_byte_for_byte(
    client: httpx.AsyncClient, hospital: Actor, session: AsyncSession
) -> None:
    programmed = await import_programming(client, hospital)
    plan_id = programmed["plan_id"]
    content = follow_up_file()
    before = await table_state(session)

    warned = await upload(client, hospital, FOLLOW_UP_NAME, content, dry_run="false")
    report = await assert_rejected(client, hospital, warned, session, before)
    # The header is line 1, so the line of consecutive N is line N + 1.
    assert problems(report) == [("warning", "not_executed_with_quantity", NOT_EXECUTED_WITH_QUANTITY + 1, "cantidad")]
    assert (await client.get(f"/v1/plans/{plan_id}", headers=hospital.headers)).json()["status"] == "formulado"

    dry = await upload(client, hospital, FOLLOW_UP_NAME, content, accept_warnings="not_executed_with_quantity")
    assert dry.status_code == 200, dry.text
    assert (dry.json()["status"], dry.json()["plan_id"]) == ("dry_run", plan_id)
    assert dry.json()["counts"]["progress_rows"] == 42
    assert await table_state(session) == before

    report = await commit(client, hospital, FOLLOW_UP_NAME, content, accept_warnings="not_executed_with_quantity")
    assert (report["layout"], report["plan_id"]) == ("pisis_spps", plan_id)
    assert (await client.get(f"/v1/plans/{plan_id}", headers=hospital.headers)).json()["status"] == "en_ejecucion"
    rows = await progress_of(client, hospital, plan_id)
    assert len(rows) == 42
    assert {row["month"] for row in rows} == {"2021-12"}
    activities = {a["id"]: a for goal in goals_of(await tree(client, hospital, plan_id)) for a in goal["activities"]}
    by_sequence = {activities[row["activity_id"]]["sequence"]: row for row in rows}
    fourth = by_sequence[4]
    assert (fourth["executed_quantity"], fourth["people_reached"], fourth["executed_budget"]) == (
        11,
        48,
        74288325 // 2 + 4_000,
    )
    assert fourth["evidence_url"] == "https://hsvp.gov.co/pps/evidencias/2021/04.pdf"
    assert fourth["executed"] is True
    assert fourth["note"] == "Acta y listado de asistencia de la sesión 4"
    odd = by_sequence[NOT_EXECUTED_WITH_QUANTITY]
    assert (odd["executed"], odd["executed_quantity"], odd["evidence_url"]) == (False, 1, None)
    assert (by_sequence[NOT_EXECUTED]["executed"], by_sequence[NOT_EXECUTED]["executed_quantity"]) == (False, 0)

    exported = await client.get(
        f"/v1/plans/{plan_id}/export", params={"format": "pisis-spps"}, headers=hospital.headers
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-disposition"] == f'attachment; filename="{FOLLOW_UP_NAME}"'
    assert details(exported.content) == details(content)
    assert exported.content.split(b"\r\n")[0] == b"1|NI|890985092|2021-01-01|2021-12-31|42"

    # The same follow-up again: nothing new, nothing changed.
    settled = await table_state(session)
    again = await commit(client, hospital, FOLLOW_UP_NAME, content, accept_warnings="true")
    assert again["differences"] == []
    assert await table_state(session) == settled


async def test_follow_up_keys_must_match_the_programming(
    client: httpx.AsyncClient, hospital: Actor, session: AsyncSession
) -> None:
    plan_id = (await import_programming(client, hospital))["plan_id"]
    lines = follow_up_lines()
    lines[0] = with_changes(lines[0], goal_code="M09")  # no such goal in E1 línea a
    lines[1] = with_changes(lines[1], activity_code="A07")  # no such activity in the goal
    lines[2] = with_changes(lines[2], consecutive=99)  # right codes, another consecutive
    lines[3] = with_changes(lines[3], municipality_code="05001")  # right codes, another municipality
    lines[4] = with_changes(lines[4], target_group_code="04", second_code="04")  # another target group
    before = await table_state(session)
    response = await upload(client, hospital, FOLLOW_UP_NAME, follow_up_file(lines), accept_warnings="true")
    report = await assert_rejected(client, hospital, response, session, before)
    errors = [p for p in problems(report) if p[0] == "error"]
    assert errors == [
        ("error", "unknown_activity", 2, None),
        ("error", "unknown_activity", 3, None),
        ("error", "key_mismatch", 4, "consecutivo"),
        ("error", "key_mismatch", 5, "municipio"),
        ("error", "key_mismatch", 6, "codigo_poblacion"),
    ]
    messages = {p["row"]: p["message"] for p in report["problems"] if p["severity"] == "error"}
    assert "E1.a.M09/A01" in messages[2]
    assert "consecutivo 3 y el seguimiento trae 99" in messages[4]
    assert (await client.get(f"/v1/plans/{plan_id}", headers=hospital.headers)).json()["status"] == "formulado"
    assert await progress_of(client, hospital, plan_id) == []


async def test_a_second_code_other_than_the_target_group_is_a_warning(
    client: httpx.AsyncClient, hospital: Actor, session: AsyncSession
) -> None:
    await import_programming(client, hospital)
    lines = follow_up_lines()
    lines[10] = with_changes(lines[10], second_code="07")
    before = await table_state(session)
    response = await upload(
        client, hospital, FOLLOW_UP_NAME, follow_up_file(lines), accept_warnings="not_executed_with_quantity"
    )
    report = await assert_rejected(client, hospital, response, session, before)
    assert ("warning", "second_code_not_kept", 12, "segundo_codigo") in problems(report)


async def test_follow_up_before_its_programming_is_plan_not_found(
    client: httpx.AsyncClient, hospital: Actor, session: AsyncSession
) -> None:
    before = await table_state(session)
    response = await upload(client, hospital, FOLLOW_UP_NAME, follow_up_file(), accept_warnings="true")
    report = await assert_rejected(client, hospital, response, session, before)
    assert [p for p in problems(report) if p[0] == "error"] == [("error", "plan_not_found", None, None)]
    assert "PPS190PPPS" in next(p["message"] for p in report["problems"] if p["code"] == "plan_not_found")
    assert report["plan_id"] is None


# --------------------------------------------------------------------------------------------------
# Re-importing over a plan in execution, and over an evaluated one
# --------------------------------------------------------------------------------------------------


async def test_reimporting_a_changed_file_lists_the_differences_and_waits_for_the_commit(
    client: httpx.AsyncClient, association: Actor, session: AsyncSession
) -> None:
    plan_id = (await import_seed(client, association))["plan_id"]
    await move_plan(client, association, plan_id, "en_ejecucion")
    original = await tree(client, association, plan_id)
    before = await table_state(session)

    dry = await upload(client, association, SEED.name, edited_seed(), accept_warnings="true")
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert (report["status"], report["plan_id"]) == ("dry_run", plan_id)
    assert report["differences"] == [
        {"change": "changed", "kind": "activity", "key": "E2.a.M01/A01", "fields": ["text"]},
        {"change": "missing_in_file", "kind": "goal", "key": "E2.a.M06", "fields": []},
        {"change": "missing_in_file", "kind": "activity", "key": "E2.a.M06/A01", "fields": []},
    ]
    assert await table_state(session) == before
    assert await tree(client, association, plan_id) == original

    committed = await commit(client, association, SEED.name, edited_seed(), accept_warnings="true")
    assert committed["differences"] == report["differences"]
    changed = await tree(client, association, plan_id)
    assert changed["status"] == "en_ejecucion"
    goals = goals_of(changed)
    assert goals[0]["activities"][0]["text"].startswith(EDITED_TO)
    # A goal missing from the file is listed, never deleted: removing work is a decision for the plan's editor.
    assert [goal["code"] for goal in goals] == ["M01", "M02", "M03", "M04", "M05", "M06"]


async def test_an_evaluated_plan_refuses_a_reimport(
    client: httpx.AsyncClient, association: Actor, session: AsyncSession
) -> None:
    plan_id = (await import_seed(client, association))["plan_id"]
    await move_plan(client, association, plan_id, "en_ejecucion", "evaluado")
    before = await table_state(session)
    for content in (SEED.read_bytes(), edited_seed()):
        response = await upload(client, association, SEED.name, content, accept_warnings="true", dry_run="false")
        report = await assert_rejected(client, association, response, session, before)
        assert problems(report)[-1] == ("error", "rule_violation", None, None)
        assert "evaluado" in report["problems"][-1]["message"]
        assert report["plan_id"] == plan_id


async def test_a_plan_created_by_hand_takes_the_file_onto_it(client: httpx.AsyncClient, association: Actor) -> None:
    plan = await create_plan(client, association, title="Plan escrito a mano")
    report = await import_seed(client, association)
    assert report["plan_id"] == plan["id"]
    assert len(goals_of(await tree(client, association, plan["id"]))) == 6
    # Over an existing plan each new goal and activity is listed.
    assert [(d["change"], d["kind"], d["key"]) for d in report["differences"][:3]] == [
        ("added", "goal", "E2.a.M01"),
        ("added", "activity", "E2.a.M01/A01"),
        ("added", "goal", "E2.a.M02"),
    ]
    assert len(report["differences"]) == 12


# --------------------------------------------------------------------------------------------------
# Malformed files
# --------------------------------------------------------------------------------------------------


def _truncated_seed() -> bytes:
    content = SEED.read_bytes()
    return content[: content.index(b"4. Promover el fortalecimiento") - 200]


def _pisis_without_a_field() -> bytes:
    lines = PISIS.read_bytes().split(b"\r\n")
    fields = lines[5].split(b"|")
    lines[5] = b"|".join(fields[:9] + fields[10:])  # the target group code is gone
    return b"\r\n".join(lines)


MALFORMED: dict[str, tuple[str, bytes, str, int | None, str | None]] = {
    # case: (file name, content, problem code, row, column)
    "truncated TSV (open quote)": (
        "plan.tsv",
        SEED.read_bytes()[: SEED.read_bytes().index(b"Eje Estrat\xc3\xa9gico No 3")] + b'"1. Meta cortada\tAct',
        "unterminated_quote",
        16,
        None,
    ),
    "truncated TSV (cut row)": ("plan.tsv", _truncated_seed(), "activity_without_schedule", 12, None),
    "truncated PISIS": (PISIS.name, PISIS.read_bytes()[:-40], "field_count", 43, None),
    "UTF-16 PISIS": (PISIS.name, PISIS.read_bytes().decode("latin-1").encode("utf-16"), "not_text", None, None),
    "binary": ("plan.csv", bytes(range(256)) * 64, "binary_file", None, None),
    "TSV without header": (
        "plan.tsv",
        "PLAN DE ACCIÓN 2026\nMetas y tareas\tsin encabezado\n".encode(),
        "missing_header",
        None,
        None,
    ),
    "PISIS without header": (PISIS.name, PISIS.read_bytes().split(b"\r\n", 1)[1], "missing_header", 1, "tipo_registro"),
    "PISIS field count": (PISIS.name, _pisis_without_a_field(), "field_count", 6, None),
    # Over the 10 MB file limit, under the 12 MB limit of an upload's body: the report says why.
    "11 MB": ("plan.tsv", b"x\t" * (11 * 512 * 1024), "file_too_large", None, None),
    "zip bomb": ("plan.xlsx", zip_bomb(), "zip_bomb", None, None),
    "truncated XLSX": ("plan.xlsx", merged_workbook()[:3000], "invalid_xlsx", None, None),
    "empty": ("plan.tsv", b"", "empty_file", None, None),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_malformed_files_get_a_clear_problem_and_write_nothing(
    client: httpx.AsyncClient, hospital: Actor, session: AsyncSession, case: str
) -> None:
    name, content, code, row, column = MALFORMED[case]
    before = await table_state(session)
    response = await upload(client, hospital, name, content, dry_run="false", accept_warnings="true")
    report = await assert_rejected(client, hospital, response, session, before)
    assert ("error", code, row, column) in problems(report), report["problems"]
    problem = next(p for p in report["problems"] if p["code"] == code)
    assert len(problem["message"]) > 20
    # Nothing else is blamed on a file that could not be read.
    if code in ("not_text", "binary_file", "zip_bomb", "invalid_xlsx", "file_too_large", "empty_file"):
        assert [p["code"] for p in report["problems"] if p["severity"] == "error"] == [code]
    assert report["size_bytes"] == len(content)
    assert report["sha256"] == hashlib.sha256(content).hexdigest()
    assert report["plan_id"] is None
    assert await plan_count(client, hospital) == 0


async def test_a_file_over_the_limit_is_reported_with_its_real_size(
    client: httpx.AsyncClient, hospital: Actor, session: AsyncSession
) -> None:
    content = SEED.read_bytes() * (11 * 1024 * 1024 // len(SEED.read_bytes()) + 1)
    before = await table_state(session)
    response = await upload(client, hospital, "plan.tsv", content, dry_run="false", accept_warnings="true")
    report = await assert_rejected(client, hospital, response, session, before)
    assert problems(report) == [("error", "file_too_large", None, None)]
    assert "11,0 MB" in report["problems"][0]["message"]
    assert "10 MB" in report["problems"][0]["message"]


async def test_an_upload_over_the_body_limit_answers_413_naming_the_limit(
    client: httpx.AsyncClient, hospital: Actor, session: AsyncSession
) -> None:
    content = SEED.read_bytes() * (20 * 1024 * 1024 // len(SEED.read_bytes()) + 1)
    before = await table_state(session)
    response = await upload(client, hospital, "plan.tsv", content, dry_run="false", accept_warnings="true")
    problem = assert_problem(response, 413)
    assert "12 MB" in problem["detail"]
    assert await table_state(session) == before


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252", "utf-8-sig"])
async def test_other_encodings_of_the_seed_import_the_same_plan(
    client: httpx.AsyncClient, association: Actor, encoding: str
) -> None:
    content = SEED.read_text(encoding="utf-8").replace("\u2013", "-").replace("\n", "\r\n").encode(encoding)
    report = await commit(client, association, SEED.name, content, accept_warnings=SEED_WARNINGS)
    goals = goals_of(await tree(client, association, report["plan_id"]))
    assert len(goals) == 6
    assert goals[0]["text"].startswith("Fortalecer las capacidades de los usuarios a través de la participación")


# --------------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------------


async def test_exports_carry_their_file_names_and_formats(client: httpx.AsyncClient, association: Actor) -> None:
    plan_id = (await import_seed(client, association))["plan_id"]
    csv_file = await client.get(f"/v1/plans/{plan_id}/export", params={"format": "csv"}, headers=association.headers)
    assert csv_file.status_code == 200, csv_file.text
    assert csv_file.headers["content-type"].startswith("text/csv")
    assert csv_file.headers["content-disposition"] == 'attachment; filename="plan_accion_2026.csv"'
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    assert "Fortalecer las capacidades de los usuarios" in csv_file.content.decode("utf-8-sig")

    xlsx_file = await client.get(f"/v1/plans/{plan_id}/export", headers=association.headers)  # xlsx by default
    assert xlsx_file.status_code == 200, xlsx_file.text
    assert xlsx_file.headers["content-disposition"] == 'attachment; filename="plan_accion_2026.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_file.content))
    cells = [str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row if cell]  # type: ignore[union-attr]
    assert any(cell.startswith("1. Fortalecer las capacidades") for cell in cells)
    assert "Capacitaciones programadas / Capacitaciones asistidas" in cells

    unknown = await client.get(f"/v1/plans/{plan_id}/export", params={"format": "pdf"}, headers=association.headers)
    assert_problem(unknown, 422, "format")
    # The association has no NIT: a PISIS file cannot be named.
    no_nit = await client.get(
        f"/v1/plans/{plan_id}/export", params={"format": "pisis-ppps"}, headers=association.headers
    )
    assert_problem(no_nit, 409, "nit")


async def test_pisis_export_names_the_activities_without_target_group(
    client: httpx.AsyncClient, hospital: Actor
) -> None:
    plan_id = (await import_seed(client, hospital))["plan_id"]
    response = await client.get(
        f"/v1/plans/{plan_id}/export", params={"format": "pisis-ppps"}, headers=hospital.headers
    )
    problem = assert_problem(response, 409, "activities[E2.a.M01/A01].target_group_code")
    fields = [error["field"] for error in problem["errors"]]
    assert fields == [f"activities[E2.a.M0{n}/A01].target_group_code" for n in range(1, 7)]
    # The organisation's municipality stands in for the activities' own.
    assert not any(field.endswith("municipality_code") for field in fields)
    assert "E2.a.M03/A01" in field_message(problem, "activities[E2.a.M03/A01].target_group_code")


async def test_export_of_another_organizations_plan_is_404(
    client: httpx.AsyncClient, hospital: Actor, other_eps: Actor
) -> None:
    plan_id = (await import_programming(client, hospital))["plan_id"]
    response = await client.get(f"/v1/plans/{plan_id}/export", params={"format": "csv"}, headers=other_eps.headers)
    assert_problem(response, 404)


async def test_csv_and_xlsx_exports_import_back_to_the_same_plan(
    client: httpx.AsyncClient, association: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    first = await post_file(client, association, SEED, accept_warnings="true", dry_run="false")
    plan_id = first.json()["plan_id"]
    original = await tree(client, association, plan_id)
    for file_format in ("csv", "xlsx"):
        exported = await client.get(
            f"/v1/plans/{plan_id}/export", params={"format": file_format}, headers=association.headers
        )
        assert exported.status_code == 200, exported.text
        other = await make_key(
            await make_org("asociacion_usuarios", parent_id=association.organization["parent_id"]), "asociacion"
        )
        files = {"file": (f"plan.{file_format}", exported.content)}
        imported = await client.post("/v1/plans:import", files=files, data={"dry_run": "false"}, headers=other.headers)
        assert imported.status_code == 200, imported.text
        copy = await tree(client, other, imported.json()["plan_id"])
        assert _shape(copy) == _shape(original)
        # And over the plan it came from, it changes nothing.
        back = await client.post(
            "/v1/plans:import", files=files, data={"dry_run": "false"}, headers=association.headers
        )
        assert back.status_code == 200, back.text
        assert back.json()["differences"] == []


async def test_executed_quantities_round_trip_through_the_csv(
    client: httpx.AsyncClient, hospital: Actor, make_org: MakeOrg, make_key: MakeKey
) -> None:
    plan_id = (await import_programming(client, hospital))["plan_id"]
    await commit(client, hospital, FOLLOW_UP_NAME, follow_up_file(), accept_warnings="true")
    exported = await client.get(f"/v1/plans/{plan_id}/export", params={"format": "csv"}, headers=hospital.headers)
    assert exported.status_code == 200, exported.text
    other = await make_key(await make_org("ese", municipality_code="05604"), "eps_ips")
    copy = await commit(client, other, "plan_2021.csv", exported.content, accept_warnings="true")
    assert copy["counts"]["activities"] == 42
    rows = await progress_of(client, other, copy["plan_id"])
    original = await progress_of(client, hospital, plan_id)
    assert sorted(row["executed_quantity"] for row in rows if row["executed_quantity"]) == sorted(
        row["executed_quantity"] for row in original if row["executed_quantity"]
    )
    assert {row["month"] for row in rows} == {"2021-12"}


def _shape(tree: dict[str, Any]) -> list[Any]:
    return [
        (
            axis["axis"],
            goal["code"],
            goal["text"],
            goal["baseline"],
            [
                (
                    a["code"],
                    a["text"],
                    a["schedule_months"],
                    a["responsible"],
                    [i["formula_text"] for i in a["indicators"]],
                )
                for a in goal["activities"]
            ],
        )
        for axis in tree["axes"]
        for goal in axis["goals"]
    ]
