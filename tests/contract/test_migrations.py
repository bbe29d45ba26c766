"""Migrations are the schema: applying them gives exactly the models, and the latest one reverts cleanly."""

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.api.complaints.motives import catalogue
from services.api.config import asyncpg_url
from services.api.models import metadata
from services.local.database import drop_database
from services.local.migrate import alembic_config
from tests.conftest import migrated_database


@pytest.fixture(scope="module")
def fresh_database() -> Iterator[str]:
    url = migrated_database(f"participa_test_migrations_{uuid.uuid4().hex[:8]}")
    yield url
    asyncio.run(drop_database(url))


def _differences(url: str) -> list[Any]:
    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async def run() -> list[Any]:
        engine = create_async_engine(asyncpg_url(url))
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(compare)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_models_and_migrations_agree(fresh_database: str) -> None:
    assert _differences(fresh_database) == []


def test_latest_migration_downgrades_and_upgrades_again(fresh_database: str) -> None:
    config = alembic_config(fresh_database)
    command.downgrade(config, "-1")
    command.upgrade(config, "head")
    assert _differences(fresh_database) == []


def test_the_migrated_motive_catalogue_is_the_packaged_one(fresh_database: str) -> None:
    """The migration freezes the catalogue; a change of the packaged file needs a new revision."""

    async def stored() -> list[tuple[Any, ...]]:
        connection = await asyncpg.connect(fresh_database)
        try:
            rows = await connection.fetch(
                "SELECT code, level, name, parent_code, valid_from, valid_to, source FROM complaint_motives "
                "ORDER BY code"
            )
        finally:
            await connection.close()
        return [tuple(row) for row in rows]

    packaged = sorted(
        (m.code, m.level.value, m.name, m.parent_code, m.valid_from, m.valid_to, m.source) for m in catalogue()
    )
    assert asyncio.run(stored()) == packaged
