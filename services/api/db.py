"""Database engine and the per-request session: the request owns the transaction."""

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import Annotated, Any, TypeAlias

import asyncpg
from fastapi import Depends, Request
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import greenlet_spawn

from services.api.config import Settings
from services.api.faults import BROKEN_CONNECTION


def create_engine(settings: Settings) -> AsyncEngine:
    """One pool per process; created in the lifespan, disposed on shutdown."""
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # A request that cannot get a connection in time answers 503 instead of queueing without end.
        pool_timeout=settings.db_pool_timeout_seconds,
        # Timestamps are stored as timestamptz and compared in UTC.
        connect_args={
            "server_settings": {
                "timezone": "UTC",
                "application_name": "participa-api",
                # A client that vanished without closing (a host lost, a partition) must not keep its
                # transaction, its row locks and its Idempotency-Key claim for the hours TCP waits by
                # default: keepalives find it within a minute, and no request idles in a transaction for 2.
                "tcp_keepalives_idle": "30",
                "tcp_keepalives_interval": "10",
                "tcp_keepalives_count": "3",
                "idle_in_transaction_session_timeout": "120000",
            },
            # asyncpg waits 60 s for an unreachable server by default; a client should hear 503 sooner.
            "timeout": settings.db_connect_timeout_seconds,
        },
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session: a write's unit of work owns its session and commits it; a read gets one of
    its own, in autocommit, closed as soon as the handler returns."""
    unit_of_work: AsyncSession | None = getattr(request.state, "session", None)
    if unit_of_work is not None:
        yield unit_of_work
        return
    database: Database = request.app.state.database
    async with database.read_session() as session:
        yield session


# `scope="function"`: the session is released when the handler returns, before the response is sent.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

# asyncpg's Connection is generic only to type checkers.
DriverConnection: TypeAlias = "asyncpg.Connection[Any]"


class FairGate:
    """At most `size` holders at once, served strictly in arrival order.

    SQLAlchemy's async pool hands a returned connection to whichever task asks first, so under load a
    waiter can be overtaken again and again (measured: a few ms at the median, seconds at the maximum).
    Raw reads pass this gate first, sized to the pool, so they never queue inside the pool: a slot freed
    goes to the longest waiter, and p99 follows the median.
    """

    def __init__(self, size: int, *, timeout: float | None = None) -> None:
        self.free = size
        self.timeout = timeout
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def __aenter__(self) -> None:
        if self.free > 0 and not self._waiters:
            self.free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.timeout):
                await waiter
        except TimeoutError:
            self._discard(waiter)
            # The same answer as the pool's own wait: a 503 the client may retry.
            raise PoolTimeout("no connection became free in time") from None
        except BaseException:
            self._discard(waiter)
            raise

    def _discard(self, waiter: "asyncio.Future[None]") -> None:
        if waiter.done() and not waiter.cancelled():
            self._release()  # handed a slot just as it was cancelled: pass it on
        elif waiter in self._waiters:
            self._waiters.remove(waiter)

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
    read) costs no session at all.
    """
    return asynccontextmanager(get_session)(request)


@asynccontextmanager
async def read_connection(request: Request) -> AsyncIterator[DriverConnection]:
    """The driver (asyncpg) connection of one pooled connection, for reads that skip the ORM."""
    database: Database = request.app.state.database
    async with database.raw_connection() as connection:
        yield connection


class Database:
    """Where the requests of one app get their sessions and raw connections: one engine's pool.

    Tests hand the app a subclass bound to their rolled-back transaction; production code only ever asks
    this object, so it never needs to know whether it runs under a test.
    """

    def __init__(self, engine: AsyncEngine, *, gate_size: int, wait_seconds: float | None = None) -> None:
        self.engine = engine
        self._write_sessions = create_sessionmaker(engine)
        # Reads run without BEGIN/COMMIT: two round trips fewer on every GET (see bench/).
        self._read_sessions = create_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))
        self.read_gate = FairGate(gate_size, timeout=wait_seconds)

    def write_session(self) -> AsyncSession:
        """A session whose transaction the caller commits (the unit of work) or rolls back."""
        return self._write_sessions()

    def read_session(self) -> AsyncSession:
        return self._read_sessions()

    @asynccontextmanager
    async def raw_connection(self) -> AsyncIterator[DriverConnection]:
        """No session and no transaction: statements run in autocommit, one round trip each, with asyncpg's
        own prepared-statement cache. Returning the connection costs no round trip either (the pool's reset
        rolls back only a transaction SQLAlchemy began, and none was)."""
        async with self.read_gate:
            pooled = await self.engine.raw_connection()
            try:
                driver = pooled.driver_connection
                assert driver is not None
                yield driver
            except BROKEN_CONNECTION:
                await greenlet_spawn(pooled.invalidate)
                raise
            finally:
                # Inside a greenlet: returning an overflow connection closes it, which awaits the driver.
                await greenlet_spawn(pooled.close)
