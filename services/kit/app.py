"""Application assembly both services share: OpenAPI with the Problem schema, handlers, health."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from services.kit.errors import install_error_handlers
from services.kit.plain_text import PlainTextQueryMiddleware
from shared.contract import Problem, ProblemFieldError


def install_openapi(app: FastAPI) -> None:
    """Generate the spec once, with the Problem schema every error response points at."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        _require_if_match(schema)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ProblemFieldError, Problem):
            definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
            definition.pop("$defs", None)
            components.setdefault(model.__name__, definition)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _require_if_match(schema: dict[str, Any]) -> None:
    """Document If-Match as required on writes. At run time its absence answers 428, a more precise
    answer than the generic 422 FastAPI would give a missing required header."""
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name") == "If-Match":
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string", "maxLength": 100}


def install_conventions(app: FastAPI) -> None:
    install_error_handlers(app)
    app.add_middleware(PlainTextQueryMiddleware)
    install_openapi(app)
