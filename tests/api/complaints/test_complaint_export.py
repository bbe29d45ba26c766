"""Bulk export of complaints as Arrow IPC and CSV: the rows of the caller's scope, no personal data, streamed.

The export reads on connections of its own (ADBC, COPY), which see committed data only, so these tests
run the real app on a database of their own and commit for real (as the concurrency tests do).
"""

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pyarrow as pa
import pytest
from sqlalchemy import text

from services.api.complaints import aggregates_repository, export
from services.api.config import Settings
from services.api.db import create_sessionmaker
from services.api.main import create_app
from services.local.database import drop_database
from tests.api.complaints.test_complaint_events import add_event
from tests.api.complaints.test_complaints import COMPLAINTS, file_complaint
from tests.api.conftest import Actor, assert_problem, insert_admin_key
from tests.conftest import migrated_database

EXPORT = f"{COMPLAINTS}/export"
PERSONAL = ("text", "attachments", "minor", "document_number", "first_names", "last_names", "phone", "email")


@pytest.fixture(scope="module")
def export_database() -> Iterator[str]:
    url = migrated_database(f"participa_test_export_{uuid.uuid4().hex}")
    try:
        yield url
    finally:
        asyncio.run(drop_database(url))


class Live:
    def __init__(self, client: httpx.AsyncClient, app: Any, admin: Actor) -> None:
        self.client, self.app, self.admin = client, app, admin

    async def organization(self, kind: str = "eps", **fields: Any) -> dict[str, Any]:
        body = {"kind": kind, "name": f"{kind} {uuid.uuid4().hex[:8]}", "municipality_code": "11001", **fields}
        response = await self.client.post("/v1/organizations", json=body, headers=self.admin.headers)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def key(self, organization: dict[str, Any], role: str) -> Actor:
        body = {"organization_id": organization["id"], "role": role, "name": f"{role} export"}
        response = await self.client.post("/v1/api-keys", json=body, headers=self.admin.headers)
        assert response.status_code == 201, response.text
        return Actor(
            key=response.json()["key"], organization_id=uuid.UUID(organization["id"]), organization=organization
        )


@pytest.fixture
async def live(export_database: str) -> AsyncIterator[Live]:
    app = create_app(Settings(database_url=export_database, participa_admin_api_key=None))
    async with app.router.lifespan_context(app):
        async with create_sessionmaker(app.state.engine)() as session:
            admin = await insert_admin_key(session)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://participa.test") as client:
            yield Live(client, app, admin)


@pytest.fixture
async def scene(live: Live) -> dict[str, Any]:
    """Two EPS with complaints (one answered, one against an IPS), personal data on each."""
    eps_org, other_org = await live.organization(), await live.organization()
    ips = await live.organization("ips")
    eps, other = await live.key(eps_org, "eps_ips"), await live.key(other_org, "eps_ips")
    person = {"document_type": "CC", "document_number": "1020304050", "first_names": "Ana", "email": "ana@x.co"}
    mine = [
        await file_complaint(live.client, eps, filed_at="2026-01-09T16:00:00-05:00", person=person),
        await file_complaint(live.client, eps, filed_at="2026-02-15T10:00:00-05:00", type="queja", channel="correo"),
        await file_complaint(
            live.client, eps, filed_at="2026-03-02T08:00:00-05:00", entity_id=ips["id"], type="reclamo", risk="simple"
        ),
    ]
    for kind in ("en_tramite", "respondido"):
        await add_event(
            live.client,
            eps,
            mine[0],
            kind=kind,
            occurred_at="2026-01-16T10:00:00-05:00",
            answer={"text": "Respuesta.", "medium": "web"} if kind == "respondido" else None,
        )
    theirs = await file_complaint(live.client, other, filed_at="2026-01-20T10:00:00-05:00", person=person)
    return {"eps": eps, "other": other, "ips": ips, "mine": mine, "theirs": theirs, "eps_org": eps_org}


def read_arrow(content: bytes) -> pa.Table:
    return pa.ipc.open_stream(content).read_all()


async def test_arrow_export_reads_back_as_the_rows(live: Live, scene: dict[str, Any]) -> None:
    response = await live.client.get(EXPORT, params={"format": "arrow"}, headers=scene["eps"].headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == export.ARROW_MEDIA_TYPE
    assert response.headers["content-disposition"].startswith('attachment; filename="quejas-')
    assert response.headers["content-disposition"].endswith('.arrows"')
    table = read_arrow(response.content)
    rows = sorted(table.to_pylist(), key=lambda row: row["filed_at"])
    assert [row["id"] for row in rows] == [complaint["id"] for complaint in scene["mine"]]
    for row, complaint in zip(rows, scene["mine"], strict=True):
        for name in ("organization_id", "entity_id", "radicado", "type", "channel", "risk"):
            assert row[name] == complaint[name], name
        assert str(row["due_date"]) == complaint["due_date"]
        assert row["filed_at"].isoformat() == complaint["filed_at"].replace("Z", "+00:00")
    answered = rows[0]
    assert answered["status"] == "respondido"
    assert answered["response_business_days"] == 4
    assert answered["timeliness"] == "en_termino"
    assert rows[1]["response_business_days"] is None
    assert table.schema.field("filed_at").type == pa.timestamp("us", tz="UTC")
    assert not set(PERSONAL) & set(table.column_names)


async def test_csv_export_parses_as_the_same_rows(live: Live, scene: dict[str, Any]) -> None:
    arrow = read_arrow((await live.client.get(EXPORT, headers=scene["eps"].headers)).content)
    response = await live.client.get(EXPORT, params={"format": "csv"}, headers=scene["eps"].headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert list(rows[0]) == arrow.column_names
    assert sorted(row["id"] for row in rows) == sorted(arrow.column("id").to_pylist())
    assert sorted(row["radicado"] for row in rows) == sorted(arrow.column("radicado").to_pylist())
    assert not set(PERSONAL) & set(rows[0])
    assert "Ana" not in response.text
    assert "1020304050" not in response.text


async def test_export_is_scoped_and_filtered(live: Live, scene: dict[str, Any]) -> None:
    theirs = read_arrow((await live.client.get(EXPORT, headers=scene["other"].headers)).content)
    assert theirs.column("id").to_pylist() == [scene["theirs"]["id"]]
    everything = read_arrow((await live.client.get(EXPORT, headers=live.admin.headers)).content)
    # The database is the module's: earlier tests' complaints are there too.
    expected = {complaint["id"] for complaint in [*scene["mine"], scene["theirs"]]}
    assert expected <= set(everything.column("id").to_pylist())
    filtered = await live.client.get(
        EXPORT,
        params={"filed_from": "2026-02-01", "filed_to": "2026-02-28", "format": "csv"},
        headers=scene["eps"].headers,
    )
    rows = list(csv.DictReader(io.StringIO(filtered.text)))
    assert [row["id"] for row in rows] == [scene["mine"][1]["id"]]
    against_ips = read_arrow(
        (await live.client.get(EXPORT, params={"entity_id": scene["ips"]["id"]}, headers=scene["eps"].headers)).content
    )
    assert against_ips.column("id").to_pylist() == [scene["mine"][2]["id"]]
    empty = read_arrow(
        (await live.client.get(EXPORT, params={"channel": "whatsapp"}, headers=scene["eps"].headers)).content
    )
    assert len(empty) == 0
    assert "radicado" in empty.column_names


async def test_roles_and_audit(live: Live, scene: dict[str, Any]) -> None:
    bi = await live.key(scene["eps_org"], "bi_readonly")
    response = await live.client.get(EXPORT, headers=bi.headers)
    assert response.status_code == 200, response.text
    assert len(read_arrow(response.content)) == 3
    association = await live.organization("asociacion_usuarios", parent_id=scene["eps_org"]["id"])
    members = await live.key(association, "asociacion")
    assert_problem(await live.client.get(EXPORT, headers=members.headers), 403)
    assert_problem(await live.client.get(EXPORT, params={"format": "xml"}, headers=bi.headers), 422, "format")
    assert_problem(await live.client.get(EXPORT), 401)
    async with create_sessionmaker(live.app.state.engine)() as session:
        audited = (
            await session.execute(
                text("SELECT count(*) FROM audit_events WHERE action = 'export' AND resource = 'complaints'")
            )
        ).scalar_one()
    assert audited >= 2


def test_arrow_stream_is_read_in_bounded_batches(export_database: str) -> None:
    """The server holds one record batch at a time: with a tiny batch hint, 3,000 rows come in many batches."""
    url = export_database
    sql = "SELECT g AS n, repeat('x', 200) AS padding FROM generate_series(1, 3000) AS g"
    original = export.ARROW_BATCH_BYTES
    export.ARROW_BATCH_BYTES = 64 * 1024
    try:
        messages = list(export.arrow_stream(url, sql))
    finally:
        export.ARROW_BATCH_BYTES = original
    # Schema, record batches, end marker; no message holds the whole result.
    assert len(messages) > 5
    assert max(len(message) for message in messages) < 3000 * 200 / 2
    table = pa.ipc.open_stream(b"".join(messages)).read_all()
    assert table.column("n").to_pylist() == list(range(1, 3001))


@pytest.mark.parametrize("format", ["arrow", "csv"])
async def test_a_failing_query_is_an_error_not_a_truncated_200(
    live: Live, scene: dict[str, Any], monkeypatch: pytest.MonkeyPatch, format: str
) -> None:
    monkeypatch.setattr(
        aggregates_repository, "export_sql", lambda *args, **kwargs: "SELECT no_such_column FROM complaints"
    )
    response = await live.client.get(EXPORT, params={"format": format}, headers=scene["eps"].headers)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_csv_stream_passes_copy_chunks_through(live: Live) -> None:
    """COPY's chunks reach the client one by one (a bounded queue), never joined into one body."""
    sql = "SELECT g AS n, repeat('x', 200) AS padding FROM generate_series(1, 20000) AS g"
    chunks = [chunk async for chunk in export.csv_stream(live.app.state.engine, sql)]
    body = b"".join(chunks)
    assert len(chunks) > 10
    assert max(len(chunk) for chunk in chunks) < len(body) / 10
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert [int(row["n"]) for row in rows] == list(range(1, 20001))
