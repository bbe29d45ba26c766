"""The analytics service: figures computed from the API's aggregates. `create_app()` is the uvicorn factory.

It never touches the database: it reads the API over HTTP with the caller's key, so every figure respects
the caller's scope.
"""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.responses import Response

from services.analytics.clients.api import ApiResponseCache
from services.analytics.complaints.router import priorities_router
from services.analytics.complaints.router import router as complaints_router
from services.analytics.config import Settings, get_settings
from services.analytics.errors import ApiUnavailable
from services.analytics.indicators.router import router as indicators_router
from services.analytics.plans.router import router as plans_router
from services.kit.app import install_conventions
from services.kit.openapi import problem_responses, stable_operation_id
from services.kit.responses import json_response
from shared.contract.base import ContractModel

logger = logging.getLogger("participa.analytics")

# A readiness probe must answer well within the probe's own timeout.
READINESS_TIMEOUT_SECONDS = 2.0


class Health(ContractModel):
    status: str


def create_app(settings: Settings | None = None, *, api_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or get_settings()
    # httpx logs every request's URL at INFO; the API calls' query strings carry what callers searched for.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One pooled client for the whole process; tests pass an ASGI transport onto the real API app.
        async with httpx.AsyncClient(
            base_url=settings.api_base_url, timeout=settings.api_timeout_seconds, transport=api_transport
        ) as client:
            app.state.api = client
            # Everything loaded at startup (pandas, pydantic schemas, routes) never dies: keeping it out of
            # the collector's full passes makes a 2,000-activity plan's figures ~1.5-2× cheaper in CPU.
            gc.freeze()
            yield

    app = FastAPI(
        title="Participa Analytics",
        version="1.0.0",
        summary="Cifras explicables de participación social en salud, calculadas sobre la API de Participa.",
        description=(
            "Indicadores, ejecución de planes y comparaciones bimestrales de PQRD. Lee la API con la clave "
            "del llamante (`Authorization: Bearer <clave>`), de modo que cada cifra respeta su alcance."
        ),
        lifespan=lifespan,
        generate_unique_id_function=stable_operation_id,
        openapi_tags=[
            {"name": "health", "description": "Estado del servicio."},
            {"name": "complaints", "description": "Consolidado bimestral, tendencias y priorización de PQRD."},
            {"name": "plans", "description": "Ejecución física y presupuestal de los planes PPSS y sus indicadores."},
        ],
    )
    install_conventions(app)
    # ETag-validated API answers, shared by every request of the process (keyed by caller key hash + URL).
    app.state.api_cache = ApiResponseCache()
    app.include_router(complaints_router)
    app.include_router(priorities_router)
    app.include_router(plans_router)
    app.include_router(indicators_router)

    @app.get("/health/live", tags=["health"], response_model=Health)
    async def liveness() -> Response:
        """Answer 200 while the process serves requests; the API is not asked (liveness probe)."""
        return json_response(Health(status="ok"))

    async def readiness() -> Response:
        """Answer 200 when the API answers its own readiness, 503 while it (or its database) is away."""
        client: httpx.AsyncClient = app.state.api
        try:
            response = await client.get("/health/ready", timeout=READINESS_TIMEOUT_SECONDS)
        except httpx.HTTPError as error:
            logger.warning("readiness: API unreachable (%s)", type(error).__name__)
            raise ApiUnavailable("La API de Participa no responde.") from None
        if response.status_code != 200:
            logger.warning("readiness: API not ready (status %d)", response.status_code)
            raise ApiUnavailable("La API de Participa no está lista.")
        return json_response(Health(status="ok"))

    # `/health` stays what scripts and compose poll: readiness.
    for path, name in (("/health/ready", "readiness"), ("/health", "health")):
        app.add_api_route(
            path,
            readiness,
            methods=["GET"],
            tags=["health"],
            response_model=Health,
            responses=problem_responses(503),
            name=name,
        )

    return app
