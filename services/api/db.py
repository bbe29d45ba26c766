"""Database engine and the per-request session: the request owns the transaction."""

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import Annotated, Any, TypeAlias

import asyncpg
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import greenlet_spawn

from services.api.config import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    """One pool per process; created in the lifespan, disposed on shutdown."""
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # Timestamps are stored as timestamptz and compared in UTC.
        connect_args={"server_settings": {"timezone": "UTC", "application_name": "participa-api"}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Commit when the handler succeeds, roll back when it raises; services only flush."""
    # Safe methods read only: they skip the transaction round trips; writes get one transaction each.
    if request.method in ("GET", "HEAD", "OPTIONS"):
        sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.read_sessionmaker
    else:
        sessionmaker = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


SessionDep = Annotated[AsyncSession, Depends(get_session)]

# asyncpg's Connection is generic only to type checkers.
DriverConnection: TypeAlias = "asyncpg.Connection[Any]"
# Failures after which a pooled connection cannot be trusted again (as opposed to an SQL error).
_BROKEN_CONNECTION = (OSError, asyncpg.InterfaceError, asyncpg.ConnectionDoesNotExistError)


class FairGate:
    """At most `size` holders at once, served strictly in arrival order.

    SQLAlchemy's async pool hands a returned connection to whichever task asks first, so under load a
    waiter can be overtaken again and again (measured: a few ms at the median, seconds at the maximum).
    Raw reads pass this gate first, sized to the pool, so they never queue inside the pool: a slot freed
    goes to the longest waiter, and p99 follows the median.
    """

    def __init__(self, size: int) -> None:
        self.free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def __aenter__(self) -> None:
        if self.free > 0 and not self._waiters:
            self.free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed a slot just as it was cancelled: pass it on
            else:
                self._waiters.remove(waiter)
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._release()

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


def on_demand_session(request: Request) -> AbstractAsyncContextManager[AsyncSession]:
    """The session `get_session` gives this request, for code that needs one only sometimes.

    Hot read paths declare no session, so a request they answer without one (a remembered caller, a raw
    read) costs no session at all. An override of `get_session` (the tests' session inside their
    transaction) is honoured; it must take no parameters.
    """
    override = request.app.dependency_overrides.get(get_session)
    if override is not None:
        return asynccontextmanager(override)()
    return asynccontextmanager(get_session)(request)


@asynccontextmanager
async def read_connection(request: Request) -> AsyncIterator[DriverConnection]:
    """The driver (asyncpg) connection of one pooled connection, for reads that skip the ORM.

    No session and no transaction: statements run in autocommit, one round trip each, with asyncpg's own
    prepared-statement cache. Returning the connection costs no round trip either (the pool's reset rolls
    back only a transaction SQLAlchemy began, and none was).
    """
    if get_session in request.app.dependency_overrides:
        async with on_demand_session(request) as session:
            connection = await session.connection()
            raw = await connection.get_raw_connection()
            assert raw.driver_connection is not None
            yield raw.driver_connection
        return
    engine: AsyncEngine = request.app.state.engine
    gate: FairGate = request.app.state.read_gate
    async with gate:
        pooled = await engine.raw_connection()
        try:
            driver = pooled.driver_connection
            assert driver is not None
            yield driver
        except _BROKEN_CONNECTION:
            await greenlet_spawn(pooled.invalidate)
            raise
        finally:
            # Inside a greenlet: returning an overflow connection closes it, which awaits the driver.
            await greenlet_spawn(pooled.close)
