"""Database engine and the per-request session: the request owns the transaction."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

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
