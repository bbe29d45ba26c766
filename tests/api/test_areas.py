"""The area list is the one place areas are wired: everything else is built from it or held to it."""

import tomllib
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute

from services.api.areas import AREA_PACKAGES, AREAS, PLATFORM_TABLES, all_tables, metadata
from services.api.main import create_app

REPO_ROOT = Path(__file__).resolve().parents[2]
API = REPO_ROOT / "services" / "api"
# What every area has: the one shape. An area whose tables are all the platform's (plan files keep their
# reports in services/api/files/) has no repository of its own.
AREA_FILES = ("area.py", "router.py", "service.py")


def _with_repository() -> set[str]:
    return {f"services.api.{package}" for package in AREA_PACKAGES if (API / package / "repository.py").is_file()}


def test_every_table_belongs_to_exactly_one_area_or_the_platform() -> None:
    declared = {table.__table__.name for table in all_tables()}  # type: ignore[attr-defined]
    assert declared == set(metadata.tables)
    assert len(all_tables()) == len(declared)
    assert PLATFORM_TABLES


def test_every_area_has_the_one_shape() -> None:
    packages = {path.parent.name for path in API.glob("*/area.py")}
    assert packages == set(AREA_PACKAGES), "an area.py outside the list, or a listed area without one"
    for package in AREA_PACKAGES:
        for name in AREA_FILES:
            assert (API / package / name).is_file(), f"services/api/{package}/{name}"


def test_the_app_serves_every_area_router_under_its_tag() -> None:
    app = create_app()
    # Included routers nest their routes (FastAPI's `_IncludedRouter`): the spec lists what is served.
    served = set(app.openapi()["paths"])
    tags = [tag["name"] for tag in app.openapi_tags or []]
    for area in AREAS:
        assert area.tag in tags
        for router in area.routers:
            for route in router.routes:
                assert isinstance(route, APIRoute)
                assert route.path_format in served
                assert route.tags == [area.tag], (area.package, route.path)


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_the_import_contracts_name_every_area() -> None:
    packages = {f"services.api.{package}" for package in AREA_PACKAGES}
    repositories = _with_repository()
    api_layers = next(
        contract
        for contract in _contracts()
        if contract["type"] == "layers" and contract["containers"][0].startswith("services.api.")
    )
    assert set(api_layers["containers"]) == repositories
    boundaries = {
        contract["source_modules"][0]: set(contract["forbidden_modules"])
        for contract in _contracts()
        if contract["type"] == "forbidden" and contract["name"].endswith("never their repositories")
    }
    assert set(boundaries) == packages
    for package in packages:
        assert boundaries[package] == {f"{other}.repository" for other in repositories - {package}}, package
