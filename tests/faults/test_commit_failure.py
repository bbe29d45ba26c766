"""A write whose COMMIT fails is answered with an error, leaves nothing, and can be retried.

A deferred constraint trigger makes the COMMIT itself fail, after the handler has done all its work and
built its answer: the only moment at which "acknowledged before committed" could show. It is armed with
the SQLSTATE it raises: P0001 (a refusal: 500) or 40001 (a serialization failure: 503 with Retry-After).
"""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.conftest import Actor, assert_problem
from tests.faults.conftest import PLANTED, assert_clean_log, new_eps

pytestmark = pytest.mark.slow

WATCHED_TABLES = ("audit_events", "complaints", "complaint_events", "plans", "organizations", "idempotency_keys")

_INSTALL = [
    "CREATE TABLE IF NOT EXISTS fault_switch (sqlstate text NOT NULL)",
    """
    CREATE OR REPLACE FUNCTION fault_fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE armed text;
    BEGIN
        SELECT sqlstate INTO armed FROM fault_switch LIMIT 1;
        IF armed IS NOT NULL THEN
            RAISE EXCEPTION 'commit refused by the fault test' USING ERRCODE = armed;
        END IF;
        RETURN NULL;
    END $$
    """,
    *(f"DROP TRIGGER IF EXISTS fault_fail_commit ON {table}" for table in WATCHED_TABLES),
    *(
        f"""
        CREATE CONSTRAINT TRIGGER fault_fail_commit AFTER INSERT OR UPDATE OR DELETE ON {table}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fault_fail_commit()
        """
        for table in WATCHED_TABLES
    ),
]


class CommitSwitch:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def arm(self, sqlstate: str = "P0001") -> None:
        async with self.engine.begin() as connection:
            await connection.execute(text("DELETE FROM fault_switch"))
            await connection.execute(text("INSERT INTO fault_switch VALUES (:code)"), {"code": sqlstate})

    async def disarm(self) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(text("DELETE FROM fault_switch"))


@pytest.fixture
async def commits(fault_engine: AsyncEngine) -> AsyncIterator[CommitSwitch]:
    async with fault_engine.begin() as connection:
        for statement in _INSTALL:
            await connection.execute(text(statement))
    switch = CommitSwitch(fault_engine)
    await switch.disarm()
    try:
        yield switch
    finally:
        await switch.disarm()


async def stored_answers(engine: AsyncEngine, key: str) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(
            text("SELECT count(*) FROM idempotency_keys WHERE idempotency_key = :key"), {"key": key}
        )
    return int(count or 0)


def complaint(actor: Actor, **fields: Any) -> dict[str, Any]:
    return {
        "entity_id": str(actor.organization_id),
        "filed_at": "2026-06-26T10:00:00-05:00",
        "type": "queja",
        "channel": "web",
        "municipality_code": "11001",
        "text": f"Paciente con {PLANTED['diagnosis']}: no le entregan los medicamentos.",
        "person": {
            "document_type": "CC",
            "document_number": PLANTED["document_number"],
            "first_names": PLANTED["first_names"],
            "last_names": PLANTED["last_names"],
            "consent": {"given": True, "at": "2026-06-26T10:00:00-05:00", "channel": "web"},
        },
        **fields,
    }


async def complaint_ids(client: httpx.AsyncClient, actor: Actor) -> set[str]:
    response = await client.get("/v1/complaints", params={"limit": 500}, headers=actor.headers)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def assert_refused(response: httpx.Response, sqlstate: str) -> None:
    if sqlstate == "40001":
        assert_problem(response, 503)
        assert response.headers["retry-after"].isdigit()
    else:
        assert_problem(response, 500)
    assert "Location" not in response.headers
    assert "idempotent-replayed" not in response.headers
    for value in PLANTED.values():
        assert value not in response.text


@pytest.mark.parametrize("sqlstate", ["P0001", "40001"])
async def test_a_create_whose_commit_fails_is_an_error_stores_nothing_and_retries(
    fault_client: httpx.AsyncClient,
    fault_admin: Actor,
    fault_engine: AsyncEngine,
    commits: CommitSwitch,
    sqlstate: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    eps = await new_eps(fault_client, fault_admin)
    key = str(uuid.uuid4())
    headers = {**eps.headers, "Idempotency-Key": key}
    await commits.arm(sqlstate)
    refused = await fault_client.post("/v1/complaints", json=complaint(eps), headers=headers)
    assert_refused(refused, sqlstate)
    await commits.disarm()
    assert await complaint_ids(fault_client, eps) == set()
    assert await stored_answers(fault_engine, key) == 0
    # The same key runs again: the first attempt left no answer to replay.
    retried = await fault_client.post("/v1/complaints", json=complaint(eps), headers=headers)
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    assert await complaint_ids(fault_client, eps) == {retried.json()["id"]}
    # Read-your-writes: the id just answered is there for the next request, as is its ETag.
    read = await fault_client.get(retried.headers["location"], headers=eps.headers)
    assert read.status_code == 200
    assert read.headers["etag"] == retried.headers["etag"]
    replayed = await fault_client.post("/v1/complaints", json=complaint(eps), headers=headers)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json()["id"] == retried.json()["id"]
    assert_clean_log(caplog.text)


async def test_a_patch_and_a_delete_whose_commit_fails_change_nothing(
    fault_client: httpx.AsyncClient, fault_admin: Actor, commits: CommitSwitch, caplog: pytest.LogCaptureFixture
) -> None:
    eps = await new_eps(fault_client, fault_admin)
    plan = await fault_client.post("/v1/plans", json={"year": 2026, "title": "Plan 2026"}, headers=eps.headers)
    assert plan.status_code == 201, plan.text
    path = plan.headers["location"]
    etag = plan.headers["etag"]
    await commits.arm()
    patched = await fault_client.patch(path, json={"title": "Cambiado"}, headers={**eps.headers, "If-Match": etag})
    assert_refused(patched, "P0001")
    deleted = await fault_client.delete(path, headers={**eps.headers, "If-Match": etag})
    assert_refused(deleted, "P0001")
    await commits.disarm()
    read = await fault_client.get(path, headers=eps.headers)
    assert read.status_code == 200
    assert (read.json()["title"], read.json()["deleted_at"], read.headers["etag"]) == ("Plan 2026", None, etag)
    # The ETag the client holds is still the current one: its retry succeeds.
    retried = await fault_client.patch(path, json={"title": "Cambiado"}, headers={**eps.headers, "If-Match": etag})
    assert retried.status_code == 200, retried.text
    assert_clean_log(caplog.text)


async def test_a_batch_whose_commit_fails_creates_none_of_its_items(
    fault_client: httpx.AsyncClient, fault_admin: Actor, commits: CommitSwitch, caplog: pytest.LogCaptureFixture
) -> None:
    eps = await new_eps(fault_client, fault_admin)
    items = [complaint(eps, radicado=f"LOTE-{index}") for index in range(3)]
    await commits.arm()
    refused = await fault_client.post("/v1/complaints:batch", json={"items": items}, headers=eps.headers)
    assert_refused(refused, "P0001")
    await commits.disarm()
    assert await complaint_ids(fault_client, eps) == set()
    assert_clean_log(caplog.text)


IMPORT_FILE = (
    "radicado,fecha_radicacion,tipo,canal,riesgo,menor,entity_nit,municipio,motivo,descripcion\n"
    + "".join(
        f"IMP-{index},2026-06-26T10:00:00-05:00,queja,web,,no,830113831-0,11001,,{PLANTED['diagnosis']}\n"
        for index in range(50)
    )
).encode()


async def test_an_import_whose_commit_fails_writes_nothing_and_retries(
    fault_client: httpx.AsyncClient,
    fault_admin: Actor,
    fault_engine: AsyncEngine,
    commits: CommitSwitch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    eps = await new_eps(fault_client, fault_admin)
    key = str(uuid.uuid4())
    form = {"dry_run": "false", "entity_id": str(eps.organization_id)}

    async def post() -> httpx.Response:
        return await fault_client.post(
            "/v1/complaints:import",
            files={"file": ("quejas.csv", IMPORT_FILE)},
            data=form,
            headers={**eps.headers, "Idempotency-Key": key},
        )

    await commits.arm()
    assert_refused(await post(), "P0001")
    await commits.disarm()
    assert await complaint_ids(fault_client, eps) == set()
    assert await stored_answers(fault_engine, key) == 0
    retried = await post()
    assert retried.status_code == 200, retried.text
    assert len(await complaint_ids(fault_client, eps)) == 50
    assert_clean_log(caplog.text)


async def test_an_event_whose_commit_fails_is_not_recorded(
    fault_client: httpx.AsyncClient, fault_admin: Actor, commits: CommitSwitch, caplog: pytest.LogCaptureFixture
) -> None:
    eps = await new_eps(fault_client, fault_admin)
    created = await fault_client.post("/v1/complaints", json=complaint(eps), headers=eps.headers)
    assert created.status_code == 201, created.text
    events = f"/v1/complaints/{created.json()['id']}/events"
    await commits.arm()
    refused = await fault_client.post(
        events,
        json={"kind": "en_tramite", "note": PLANTED["diagnosis"]},
        headers=eps.headers,
    )
    assert_refused(refused, "P0001")
    await commits.disarm()
    history = await fault_client.get(events, headers=eps.headers)
    assert history.status_code == 200
    assert history.json()["items"] == []
    assert (await fault_client.get(f"/v1/complaints/{created.json()['id']}", headers=eps.headers)).json()[
        "status"
    ] == "radicado"
    assert_clean_log(caplog.text)
