"""The committed OpenAPI files are exactly what the apps generate: clients can trust openapi/."""

import json

import pytest

from services.local.openapi import SPEC_DIR, generated_specs, render

pytestmark = pytest.mark.contract


@pytest.mark.parametrize("name", ["api.json", "analytics.json"])
def test_committed_spec_matches_the_app(name: str) -> None:
    committed = (SPEC_DIR / name).read_text(encoding="utf-8")
    assert committed == render(generated_specs()[name]), f"openapi/{name} is stale: run `make openapi`"


@pytest.mark.parametrize("name", ["api.json", "analytics.json"])
def test_every_operation_is_documented(name: str) -> None:
    """Stable operation ids, a one-line description, and problem responses on every operation."""
    spec = json.loads((SPEC_DIR / name).read_text(encoding="utf-8"))
    seen: set[str] = set()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            assert operation["operationId"] not in seen, f"duplicate operation id on {method} {path}"
            seen.add(operation["operationId"])
            assert operation.get("description"), f"{method} {path} has no description"
            if not path.startswith("/health"):  # probes are public
                assert "401" in operation["responses"], f"{method} {path} does not document 401"
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert "application/problem+json" in response.get("content", {}), (method, path, status)


def test_request_bodies_carry_examples() -> None:
    spec = json.loads((SPEC_DIR / "api.json").read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody")
            if body is None:
                continue
            if "application/json" not in body["content"]:
                continue  # file uploads: the form fields are described one by one
            reference = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            assert schemas[reference].get("examples"), f"{method} {path}: {reference} has no example"
