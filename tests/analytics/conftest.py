"""Analytics end to end: the analytics app reading the real API app (on the test database) through
httpx.ASGITransport, with the API tests' actors (admin key, organisations, keys per role)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import httpx
import pytest
from fastapi import FastAPI

from services.analytics.main import create_app as create_analytics_app
from tests.api.conftest import Actor, admin, make_key, make_org

__all__ = ["Actor", "SerialTransport", "admin", "analytics", "analytics_over", "make_key", "make_org"]


class SerialTransport(httpx.AsyncBaseTransport):
    """One request at a time: the test API shares one database connection (the test's transaction), which
    cannot run the concurrent requests analytics makes."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self._lock = asyncio.Lock()

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        await response.aread()
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self._lock:
            sending = asyncio.ensure_future(self._send(request))
            try:
                return await asyncio.shield(sending)
            except asyncio.CancelledError:
                # Analytics cancels sibling calls when one fails; the API must still finish the query it is
                # running on the shared connection before the next one (or the test's rollback) uses it.
                with suppress(Exception):
                    await sending
                raise


@asynccontextmanager
async def analytics_over(transport: httpx.AsyncBaseTransport) -> AsyncIterator[httpx.AsyncClient]:
    """An analytics client whose API calls go to `transport` (the real API app, or an httpx.MockTransport)."""
    application = create_analytics_app(api_transport=transport)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application, raise_app_exceptions=False),
            base_url="http://analytics.test",
        ) as client,
    ):
        yield client


@pytest.fixture
async def analytics(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Analytics over the real API app of the test (same transaction as the `client` fixture)."""
    async with analytics_over(SerialTransport(httpx.ASGITransport(app=app, raise_app_exceptions=False))) as client:
        yield client
