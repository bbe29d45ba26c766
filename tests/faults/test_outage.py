"""The database goes away under both services, then comes back: 503 with Retry-After, one log line per
failure, liveness unaffected, and recovery without a restart."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.api import idempotency
from services.api.config import Settings
from services.api.db import create_engine
from services.api.main import attach_database, create_app
from services.api.models import ApiKeyRow, IdempotencyRow
from tests.api.conftest import insert_admin_key
from tests.faults.conftest import ADMIN_SECRET, PLANTED, LiveService, assert_clean_log, wait_for
from tests.faults.server import FaultServer

pytestmark = pytest.mark.slow

ADMIN = {"Authorization": f"Bearer {ADMIN_SECRET}"}


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"].isdigit()
    assert response.json()["status"] == 503


async def test_an_outage_answers_503_and_both_services_recover_without_a_restart(
    fault_server: FaultServer, live_api: LiveService, live_analytics: LiveService
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        organization = await http.post(
            f"{live_api.url}/v1/organizations",
            json={"kind": "eps", "name": f"EPS {uuid.uuid4().hex[:6]}", "nit": "830113831-0"},
            headers=ADMIN,
        )
        assert organization.status_code == 201, organization.text
        complaint_path = f"{live_api.url}/v1/complaints/{uuid.uuid4()}"
        before_outage = len(live_api.log_text().splitlines())

        fault_server.stop("fast")
        try:
            # A key the process has not seen yet (nothing remembered) and the admin key it has.
            stranger = {"Authorization": "Bearer pk_never-seen-before-0123456789abcdef"}
            requests = [
                http.get(f"{live_api.url}/v1/organizations", headers=ADMIN),
                http.get(f"{live_api.url}/v1/complaints", headers=ADMIN),
                http.get(complaint_path, headers=ADMIN),
                http.get(f"{live_api.url}/v1/organizations", headers=stranger),
                http.post(
                    f"{live_api.url}/v1/organizations",
                    json={"kind": "ips", "name": PLANTED["first_names"]},
                    headers={**ADMIN, "Idempotency-Key": str(uuid.uuid4())},
                ),
                http.get(f"{live_api.url}/health/ready"),
                http.get(f"{live_api.url}/health"),
                http.get(
                    f"{live_analytics.url}/v1/analytics/complaints/bimonthly",
                    params={"period": "2026B1"},
                    headers=ADMIN,
                ),
                http.get(f"{live_analytics.url}/health/ready"),
            ]
            answers = await asyncio.gather(*requests)
            for answer in answers:
                assert_unavailable(answer)
            # Liveness does not depend on the database: no pod is restarted for an outage.
            assert (await http.get(f"{live_api.url}/health/live")).status_code == 200
            assert (await http.get(f"{live_analytics.url}/health/live")).status_code == 200
        finally:
            fault_server.start()

        async def api_recovered() -> bool:
            answer = await http.get(f"{live_api.url}/v1/organizations", headers=ADMIN)
            return answer.status_code == 200

        await wait_for(api_recovered)
        assert (await http.get(f"{live_api.url}/health/ready")).status_code == 200
        assert (await http.get(f"{live_analytics.url}/health/ready")).status_code == 200
        assert (await http.get(complaint_path, headers=ADMIN)).status_code == 404

    api_log = live_api.log_text()
    assert_clean_log(api_log)
    assert_clean_log(live_analytics.log_text())
    # One line per failed request (and a few for the pool noticing the restart), not a traceback each.
    outage_lines = api_log.splitlines()[before_outage:]
    assert len(outage_lines) <= 3 * len(requests), "\n".join(outage_lines)


async def test_no_free_connection_in_time_is_a_503(fault_database_url: str, caplog: pytest.LogCaptureFixture) -> None:

    settings = Settings(database_url=fault_database_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout_seconds=0.3)
    engine = create_engine(settings)
    app = create_app(settings)
    attach_database(app, engine)

    async with AsyncSession(engine) as session:
        admin = await insert_admin_key(session)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://participa.test") as http:
            assert (await http.get("/v1/organizations", headers=admin.headers)).status_code == 200
            async with engine.connect() as held:
                await held.execute(text("SELECT 1"))  # the pool's only connection, kept busy
                for path in ("/v1/organizations", f"/v1/complaints/{uuid.uuid4()}"):
                    assert_unavailable(await http.get(path, headers=admin.headers))
                assert_unavailable(
                    await http.post("/v1/organizations", json={"kind": "ips", "name": "x"}, headers=admin.headers)
                )
            assert (await http.get("/v1/organizations", headers=admin.headers)).status_code == 200
    finally:
        await engine.dispose()
    assert_clean_log(caplog.text)


async def test_expired_idempotency_answers_are_swept(fault_database_url: str) -> None:

    engine = create_engine(Settings(database_url=fault_database_url))
    try:
        async with AsyncSession(engine) as session:
            admin = await insert_admin_key(session)
            key_id = (
                await session.execute(select(col(ApiKeyRow.id)).order_by(col(ApiKeyRow.created_at).desc()).limit(1))
            ).scalar_one()
        now = datetime.now(UTC)
        async with engine.begin() as connection:
            for name, expires in (("old", now - timedelta(minutes=1)), ("live", now + timedelta(hours=1))):
                await connection.execute(
                    insert(IdempotencyRow).values(
                        id=uuid.uuid4(),
                        api_key_id=key_id,
                        idempotency_key=f"{name}-{admin.key[-6:]}",
                        request_hash="0" * 64,
                        status_code=201,
                        expires_at=expires,
                    )
                )
        assert await idempotency.sweep_expired(engine) >= 1
        async with engine.connect() as connection:
            left = (
                (
                    await connection.execute(
                        select(col(IdempotencyRow.idempotency_key)).where(col(IdempotencyRow.api_key_id) == key_id)
                    )
                )
                .scalars()
                .all()
            )
        assert left == [f"live-{admin.key[-6:]}"]
    finally:
        await engine.dispose()
