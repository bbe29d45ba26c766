"""kill -9 of the API in the middle of a complaint import's COPY: nothing half-written, and the client's
retry with the same Idempotency-Key runs (the claim died with the process's connection)."""

import threading
import time
import uuid

import asyncpg
import httpx
import pytest

from tests.faults.conftest import ADMIN_SECRET, PLANTED, LiveService, assert_clean_log

pytestmark = pytest.mark.slow

ADMIN = {"Authorization": f"Bearer {ADMIN_SECRET}"}
ROWS = 20_000


def import_file(prefix: str) -> bytes:
    header = "radicado,fecha_radicacion,tipo,canal,riesgo,menor,entity_nit,municipio,motivo,descripcion\n"
    rows = "".join(
        f"{prefix}-{index},2026-06-26T10:00:00-05:00,queja,web,,no,830113831-0,11001,,{PLANTED['diagnosis']} {index}\n"
        for index in range(ROWS)
    )
    return (header + rows).encode()


async def complaint_count(url: str, prefix: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM complaints WHERE radicado LIKE $1", f"{prefix}-%"))
    finally:
        await connection.close()


async def copy_in_progress(url: str) -> bool:
    connection = await asyncpg.connect(url)
    try:
        found = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'participa-api' "
            "AND state = 'active' AND query ILIKE 'COPY%'"
        )
        return bool(found)
    finally:
        await connection.close()


async def test_kill_9_mid_import_leaves_nothing_and_the_retry_runs(
    fault_database_url: str, live_api: LiveService
) -> None:
    with httpx.Client(timeout=120) as http:
        organization = http.post(
            f"{live_api.url}/v1/organizations",
            json={"kind": "eps", "name": f"EPS {uuid.uuid4().hex[:6]}", "nit": "830113831-0"},
            headers=ADMIN,
        )
        assert organization.status_code == 201, organization.text
        entity_id = organization.json()["id"]
        key = http.post(
            f"{live_api.url}/v1/api-keys",
            json={"organization_id": entity_id, "role": "eps_ips", "name": "importador"},
            headers=ADMIN,
        ).json()["key"]
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())}
    prefix = f"CRASH{uuid.uuid4().hex[:8]}"
    content = import_file(prefix)

    def send(base_url: str) -> httpx.Response | BaseException:
        try:
            with httpx.Client(timeout=300) as http:
                return http.post(
                    f"{base_url}/v1/complaints:import",
                    files={"file": ("quejas.csv", content)},
                    data={"dry_run": "false", "entity_id": entity_id},
                    headers=headers,
                )
        except BaseException as error:
            return error

    outcome: list[httpx.Response | BaseException] = []
    sender = threading.Thread(target=lambda: outcome.append(send(live_api.url)))
    sender.start()
    deadline = time.monotonic() + 120
    while not await copy_in_progress(fault_database_url):
        assert time.monotonic() < deadline, "the import's COPY never started"
        assert sender.is_alive(), f"the import finished before the COPY was seen: {outcome}"
        time.sleep(0.01)
    live_api.kill()
    sender.join(timeout=60)
    assert isinstance(outcome[0], httpx.HTTPError), outcome

    # PostgreSQL rolls the dead connection's transaction back: not one row of the file is there.
    assert await complaint_count(fault_database_url, prefix) == 0

    live_api.start()
    retried = send(live_api.url)
    assert isinstance(retried, httpx.Response), retried
    assert retried.status_code == 200, retried.text
    assert "idempotent-replayed" not in retried.headers
    assert await complaint_count(fault_database_url, prefix) == ROWS
    report = retried.json()
    assert report["status"] == "committed"
    assert_clean_log(live_api.log_text())
