"""OpenAPI conventions: stable operation ids and the documented problem responses."""

from typing import Any

from fastapi.routing import APIRoute

from services.kit.errors import PROBLEM_MEDIA_TYPE
from shared.contract import Problem

_DESCRIPTIONS = {
    304: "No ha cambiado desde el ETag enviado en If-None-Match.",
    400: "Solicitud inválida.",
    401: "Falta la clave de API o no es válida.",
    403: "El rol de la clave no permite esta acción.",
    404: "No existe, o está fuera del alcance de la clave.",
    405: "Método no disponible en esta ruta; `Allow` lista los que sí.",
    409: "Conflicto con el estado actual (unicidad, transición no permitida, reglas del plan).",
    412: "El ETag de If-Match ya no es el vigente: otra persona cambió el recurso.",
    422: "Datos inválidos: `errors[]` nombra cada campo.",
    413: "El cuerpo supera el límite de tamaño (JSON o archivo); `detail` dice cuál.",
    428: "Falta el encabezado If-Match.",
    503: "Un servicio del que depende no responde; reintente tras Retry-After.",
}


def stable_operation_id(route: APIRoute) -> str:
    """Operation ids are the handler names (`list_plans`), so generated clients keep their method names."""
    return route.name


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries documenting problem+json bodies for the given status codes."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        if status == 304:
            responses[status] = {"description": _DESCRIPTIONS[status]}
            continue
        responses[status] = {
            "description": _DESCRIPTIONS.get(status, "Error."),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return responses


def problem_schema() -> dict[str, Any]:
    return Problem.model_json_schema(ref_template="#/components/schemas/{model}")
