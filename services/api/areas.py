"""The list of areas: each domain area declares itself once, and the app, Alembic, the OpenAPI tags and the
conventions tests are built from this list.

An area is a package under `services/api/` with the one shape (router → service → repository → schemas)
and an `area.py` that declares its `AREA`: its routers, its tables, its OpenAPI tag. Adding an area is a new
package and one line in `AREA_PACKAGES` (see CONTRIBUTING.md).
"""

from dataclasses import dataclass
from importlib import import_module

from fastapi import APIRouter
from sqlmodel import SQLModel

from services.api.models import AuditEventRow, IdempotencyRow, metadata


@dataclass(frozen=True)
class Area:
    """What one area brings to the app."""

    package: str  # its package under services.api, e.g. "plans"
    tag: str  # the OpenAPI tag of its operations
    tag_description: str  # the tag's Spanish description in /docs
    routers: tuple[APIRouter, ...]
    tables: tuple[type[SQLModel], ...]  # the table models it owns (its SQL lives in its repository)


# Routing tries the routers in this order, about 2 µs per route passed over: the complaints, the most read
# resource, come first (at the end of the list, finding a complaint cost ~110 µs a request).
AREA_PACKAGES: tuple[str, ...] = (
    "complaints",
    "people",
    "auth",
    "organizations",
    "imports",
    "plans",
    "activities",
    "indicators",
)

# Tables of the platform under the areas, written for every area alike.
PLATFORM_TABLES: tuple[type[SQLModel], ...] = (IdempotencyRow, AuditEventRow)


def _load() -> tuple[Area, ...]:
    # Each area.py imports `Area` from this module, which is defined by the time this runs.
    areas = tuple(import_module(f"services.api.{package}.area").AREA for package in AREA_PACKAGES)
    for area, package in zip(areas, AREA_PACKAGES, strict=True):
        if not isinstance(area, Area) or area.package != package:
            raise TypeError(f"services/api/{package}/area.py must declare AREA = Area(package={package!r}, …)")
    return areas


AREAS: tuple[Area, ...] = _load()


def openapi_tags() -> list[dict[str, str]]:
    """The tags of /docs: health first, then each area's tag once, in the order of the list."""
    tags: dict[str, str] = {"health": "Estado del servicio."}
    for area in AREAS:
        if tags.setdefault(area.tag, area.tag_description) != area.tag_description:
            raise ValueError(f"two descriptions of the tag {area.tag!r}")
    return [{"name": name, "description": description} for name, description in tags.items()]


def routers() -> list[APIRouter]:
    return [router for area in AREAS for router in area.routers]


def all_tables() -> list[type[SQLModel]]:
    """Every table model, each owned by one area or by the platform (a test holds this to the metadata)."""
    tables = [*PLATFORM_TABLES, *(table for area in AREAS for table in area.tables)]
    if len(tables) != len(set(tables)):
        raise ValueError("a table is declared by two areas")
    return tables


__all__ = ["AREAS", "AREA_PACKAGES", "PLATFORM_TABLES", "Area", "all_tables", "metadata", "openapi_tags", "routers"]
