"""The analytics service: figures computed from the API's aggregates. `create_app()` is the uvicorn factory.

It never touches the database: it reads the API over HTTP with the caller's key, so every figure respects
the caller's scope.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.responses import Response

from services.analytics.config import Settings, get_settings
from services.kit.app import install_conventions
from services.kit.openapi import stable_operation_id
from services.kit.responses import json_response
from shared.contract.base import ContractModel


class Health(ContractModel):
    status: str


def create_app(settings: Settings | None = None, *, api_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One pooled client for the whole process; tests pass an ASGI transport onto the real API app.
        async with httpx.AsyncClient(
            base_url=settings.api_base_url, timeout=settings.api_timeout_seconds, transport=api_transport
        ) as client:
            app.state.api = client
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
        openapi_tags=[{"name": "health", "description": "Estado del servicio."}],
    )
    install_conventions(app)

    @app.get("/health", tags=["health"], response_model=Health)
    async def health() -> Response:
        """Answer 200 once the service is up."""
        return json_response(Health(status="ok"))

    return app
