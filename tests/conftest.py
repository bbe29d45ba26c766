"""Test databases on a real PostgreSQL: one per xdist worker, migrated by Alembic; each test in a
transaction that is rolled back. Tests that need real commits (concurrency, fuzzing) get their own database.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from services.api.config import Settings, asyncpg_url, get_settings
from services.api.db import Database, DriverConnection
from services.api.main import attach_database, create_app
from services.local.database import drop_database, server_url, with_database
from services.local.migrate import upgrade


def _server_url() -> str:
    configured = os.environ.get("PARTICIPA_TEST_SERVER_URL")
    if configured:
        return configured
    url, _ = server_url(stop_at_exit=True)
    os.environ["PARTICIPA_TEST_SERVER_URL"] = url
    return url


def migrated_database(name: str) -> str:
    """A fresh database migrated to head; returns its plain postgresql:// URL."""
    url = with_database(_server_url(), name)
    asyncio.run(drop_database(url))
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def worker_id_suffix(request: pytest.FixtureRequest) -> str:
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    return f"{worker}_{os.getpid()}"


@pytest.fixture(scope="session")
def database_url(worker_id_suffix: str) -> Iterator[str]:
    url = migrated_database(f"participa_test_{worker_id_suffix}")
    yield url
    asyncio.run(drop_database(url))


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    get_settings.cache_clear()
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(settings.database_url, pool_size=5, max_overflow=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """The test's outer transaction: whatever a test writes is rolled back after it."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        await session.close()


class _AutocommitLikeSession(AsyncSession):
    """A read session in the test transaction that keeps what it wrote, as autocommit does in production
    (reads of personal data write their audit rows on the read session)."""

    async def close(self) -> None:
        if self.in_transaction():
            await self.commit()
        await super().close()


class TransactionDatabase(Database):
    """The app's sessions and raw connections, all inside the test's outer transaction.

    A write's unit of work commits a savepoint, so a test sees what the request wrote and the outer rollback
    removes it afterwards.
    """

    def __init__(self, engine: AsyncEngine, connection: AsyncConnection) -> None:
        super().__init__(engine, gate_size=5)
        self.connection = connection

    def write_session(self) -> AsyncSession:
        return AsyncSession(
            bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False, autoflush=False
        )

    def read_session(self) -> AsyncSession:
        return _AutocommitLikeSession(
            bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False, autoflush=False
        )

    @asynccontextmanager
    async def raw_connection(self) -> AsyncIterator[DriverConnection]:
        raw = await self.connection.get_raw_connection()
        assert raw.driver_connection is not None
        yield raw.driver_connection


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine, connection: AsyncConnection) -> FastAPI:
    """The real API app; each request's session joins the test transaction through a savepoint."""
    application = create_app(settings)
    attach_database(application, engine)
    application.state.database = TransactionDatabase(engine, connection)
    return application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://participa.test") as client:
        yield client


def unique_name(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


__all__ = ["asyncpg_url", "migrated_database", "unique_name"]
