"""Fault tests: their own PostgreSQL cluster (stopped and started at will), real commits, real processes.

- `fault_database`: a migrated database on that cluster, written with real commits (no rolled-back test
  transaction: a commit that fails must be seen failing).
- `fault_app` / `fault_client`: the real API app on it, in process.
- `LiveService`: the API or analytics as a uvicorn process of its own, for outages and kill -9; its log is
  kept in a file the tests read.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.api.config import Settings
from services.api.main import attach_database, create_app
from services.local.database import ensure_database, with_database
from services.local.migrate import upgrade
from tests.api.conftest import Actor, insert_admin_key
from tests.faults.server import FaultServer, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
# A person's data planted in requests: the logs of every fault test are searched for them.
PLANTED = {
    "document_number": "7391846205",
    "first_names": "Eduvigis Plantada",
    "last_names": "Zúñiga Testigo",
    "diagnosis": "diagnóstico plantado de leucemia",
}


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="session")
def fault_database_url(fault_server: FaultServer) -> str:
    url = with_database(fault_server.url(), "participa_faults")
    ensure_database(url)
    upgrade(url)
    return url


@pytest.fixture
async def fault_engine(fault_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(Settings(database_url=fault_database_url).database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
def fault_app(fault_database_url: str, fault_engine: AsyncEngine) -> FastAPI:
    application = create_app(Settings(database_url=fault_database_url))
    attach_database(application, fault_engine)
    return application


@pytest.fixture
async def fault_client(fault_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=fault_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://participa.test") as client:
        yield client


@pytest.fixture
async def fault_admin(fault_engine: AsyncEngine) -> Actor:
    from sqlalchemy.ext.asyncio import AsyncSession

    async with AsyncSession(fault_engine) as session:
        return await insert_admin_key(session)


async def new_eps(client: httpx.AsyncClient, admin: Actor) -> Actor:
    """An EPS with a writing key; each test gets its own, so tests never see each other's rows."""
    suffix = uuid.uuid4().hex[:6]
    organization = await client.post(
        "/v1/organizations",
        json={"kind": "eps", "name": f"EPS de fallas {suffix}", "nit": "830113831-0", "municipality_code": "11001"},
        headers=admin.headers,
    )
    assert organization.status_code == 201, organization.text
    created = organization.json()
    key = await client.post(
        "/v1/api-keys",
        json={"organization_id": created["id"], "role": "eps_ips", "name": "fallas"},
        headers=admin.headers,
    )
    assert key.status_code == 201, key.text
    return Actor(key=key.json()["key"], organization_id=uuid.UUID(created["id"]), organization=created)


class LiveService:
    """One service as its own uvicorn process, its output in a log file."""

    def __init__(self, module: str, env: dict[str, str], log: Path) -> None:
        self.module = module
        self.port = free_port()
        self.env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **env}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            f"{self.module}:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-access-log",
        ]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=self.env, stdout=output, stderr=output)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/health/live", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.module} did not start: {self.log.read_text()}")

    def kill(self) -> None:
        """kill -9: no shutdown, no cleanup, exactly as a crashed or OOM-killed process."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


ADMIN_SECRET = "pk_fault-tests-admin-key-0123456789abcdef"


@pytest.fixture
def live_api(fault_database_url: str, tmp_path: Path) -> Iterator[LiveService]:
    service = LiveService(
        "services.api.main",
        {"DATABASE_URL": fault_database_url, "PARTICIPA_ADMIN_API_KEY": ADMIN_SECRET},
        tmp_path / "api.log",
    )
    service.start()
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def live_analytics(live_api: LiveService, tmp_path: Path) -> Iterator[LiveService]:
    service = LiveService("services.analytics.main", {"API_BASE_URL": live_api.url}, tmp_path / "analytics.log")
    service.start()
    try:
        yield service
    finally:
        service.stop()


def assert_clean_log(text: str) -> None:
    """No traceback for an expected fault, and no value of a person's data."""
    assert "Traceback" not in text, text[-4000:]
    for value in PLANTED.values():
        assert value not in text, value


async def wait_for(check: Any, *, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("condition not reached in time")
