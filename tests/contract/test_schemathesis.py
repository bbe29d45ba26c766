"""Property-based fuzzing of both services from their own OpenAPI: no 5xx, and every response matches
the documented status codes, media types and schemas. Runs in its own database, since it commits."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from services.analytics.main import create_app as create_analytics_app
from services.api.access.keys import display_prefix, generate_api_key, hash_api_key
from services.api.config import Settings, asyncpg_url
from services.api.main import attach_database, create_app
from services.api.models import ApiKeyRow
from services.local.database import drop_database
from tests.conftest import migrated_database

pytestmark = [pytest.mark.contract]

ADMIN_KEY = generate_api_key()
# schemathesis.toml authenticates every fuzzed request with this key (and knows when to leave it out).
os.environ["PARTICIPA_FUZZ_KEY"] = ADMIN_KEY


def _api_app() -> FastAPI:
    url = migrated_database(f"participa_test_fuzz_{uuid.uuid4().hex[:8]}")

    async def seed_admin() -> None:
        engine = create_async_engine(asyncpg_url(url))
        async with engine.begin() as connection:
            await connection.execute(
                ApiKeyRow.__table__.insert().values(  # type: ignore[attr-defined]
                    id=uuid.uuid4(),
                    role="admin",
                    name="fuzzing",
                    prefix=display_prefix(ADMIN_KEY),
                    key_hash=hash_api_key(ADMIN_KEY),
                )
            )
        await engine.dispose()

    asyncio.run(seed_admin())
    app = create_app(Settings(database_url=url))
    # Every request of the sync test client runs in a fresh event loop: pooled connections cannot follow.
    attach_database(app, create_async_engine(asyncpg_url(url), poolclass=NullPool))
    app.state.fuzz_database_url = url
    return app


API_APP = _api_app()
api_schema = schemathesis.openapi.from_asgi("/openapi.json", API_APP)
# Analytics reads the fuzzed API app itself, so its figures run end to end (with the same admin key).
analytics_schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_analytics_app(api_transport=httpx.ASGITransport(app=API_APP))
)


@pytest.fixture(scope="module", autouse=True)
def drop_fuzz_database() -> Iterator[None]:
    yield
    asyncio.run(drop_database(API_APP.state.fuzz_database_url))


FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@api_schema.parametrize()
@FUZZ
def test_api(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()


@analytics_schema.parametrize()
@FUZZ
def test_analytics(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()
