"""The bare reference of `make bench`: FastAPI with raw-asyncpg primary-key routes and nothing else.

It is the "fastapi w1 /pk/asyncpg/" anchor of reference/performance.md: `/pk/{id}` reads the same `plans` row
the product's `GET /v1/plans/{id}` reads, `/pk-complaint/{id}` the same `complaints` row (every column but
the full-text vector) as `GET /v1/complaints/{id}`; no authentication, no ORM, no session, no middleware,
FastAPI's default JSON encoding of the row. The product is measured against them in the same run.

    BENCH_DATABASE_URL=postgresql://... uvicorn bench.reference_app:create_app --factory
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException, Request

APPLICATION_NAME = "bench-reference"
PLAN_BY_ID = (
    "SELECT id, organization_id, created_at, updated_at, deleted_at, version, year, title, objective, status, "
    "previous_plan_id, period_start, period_end FROM plans WHERE id = $1"
)
# The complaint's columns are read from the catalogue at start-up, so columns added later are read too.
COMPLAINT_COLUMNS = (
    "SELECT column_name FROM information_schema.columns "
    "WHERE table_name = 'complaints' AND column_name <> 'search' ORDER BY ordinal_position"
)


def create_app() -> FastAPI:
    dsn = os.environ["BENCH_DATABASE_URL"]
    pool_size = int(os.environ.get("BENCH_POOL_SIZE", "10"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # asyncpg's default pool (with its reset query on release), as in the anchor row.
        pool = await asyncpg.create_pool(
            dsn,
            min_size=pool_size,
            max_size=pool_size,
            server_settings={"timezone": "UTC", "application_name": APPLICATION_NAME},
        )
        app.state.pool = pool
        columns = [row["column_name"] for row in await pool.fetch(COMPLAINT_COLUMNS)]
        app.state.complaint_by_id = f"SELECT {', '.join(columns)} FROM complaints WHERE id = $1"
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(title="bench reference", lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/pk/{plan_id}")
    async def plan_by_pk(request: Request, plan_id: uuid.UUID) -> dict[str, Any]:
        row = await request.app.state.pool.fetchrow(PLAN_BY_ID, plan_id)
        if row is None:
            raise HTTPException(status_code=404)
        return dict(row)

    @app.get("/pk-complaint/{complaint_id}")
    async def complaint_by_pk(request: Request, complaint_id: uuid.UUID) -> dict[str, Any]:
        row = await request.app.state.pool.fetchrow(request.app.state.complaint_by_id, complaint_id)
        if row is None:
            raise HTTPException(status_code=404)
        return dict(row)

    return app
