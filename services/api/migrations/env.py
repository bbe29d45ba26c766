"""Async Alembic environment: the URL comes from the caller (config attribute) or the API settings."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.api.areas import all_tables, metadata
from services.api.config import asyncpg_url, get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# Built from the area list: every area's tables (and the platform's) are imported and known to the metadata.
all_tables()
target_metadata = metadata


def database_url() -> str:
    url = config.attributes.get("database_url") or get_settings().database_url
    return asyncpg_url(str(url))


def run_with_connection(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_async_engine(database_url())
    async with engine.connect() as connection:
        await connection.run_sync(run_with_connection)
    await engine.dispose()


def run_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with_connection(connection)
    else:
        asyncio.run(run_online())
