"""Request bodies are bounded while they are read, and never read before the API key is checked."""

from collections.abc import MutableMapping
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from tests.api.conftest import Actor, assert_problem


async def _call(app: FastAPI, headers: dict[str, str], chunks: list[bytes]) -> tuple[int, dict[str, Any], int]:
    """POST a body in `chunks` straight through ASGI; returns the status, the problem and how many chunks the
    app asked for (what it read)."""
    sent: list[MutableMapping[str, Any]] = []
    asked = 0

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if asked <= len(chunks):
            return {"type": "http.request", "body": chunks[asked - 1], "more_body": asked < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/organizations",
        "raw_path": b"/v1/organizations",
        "query_string": b"",
        "root_path": "",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 1234),
        "server": ("participa.test", 80),
        "state": {},
        "app": app,
    }
    await app(scope, receive, send)
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return start["status"], orjson.loads(body) if body else {}, asked


MEGABYTE_CHUNK = b" " * (1024 * 1024)


async def test_a_declared_json_body_over_the_limit_is_a_413_before_anything_is_read(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    oversized = b'{"kind": "eps", "name": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    response = await client.post(
        "/v1/organizations", content=oversized, headers={**admin.headers, "Content-Type": "application/json"}
    )
    problem = assert_problem(response, 413)
    assert "8 MB" in problem["detail"]


async def test_a_streamed_body_stops_at_the_limit(app: FastAPI, admin: Actor) -> None:
    # No Content-Length: the body is counted as it arrives, and the read stops one chunk past the limit.
    status, problem, asked = await _call(
        app, {**admin.headers, "content-type": "application/json"}, [MEGABYTE_CHUNK] * 50
    )
    assert status == 413
    assert problem["status"] == 413
    assert asked <= 10


@pytest.mark.parametrize("authorization", [None, "Bearer pk_not-a-key-0123456789abcdefghij"])
async def test_no_body_is_read_before_the_key_is_checked(app: FastAPI, authorization: str | None) -> None:
    headers = {"content-type": "application/json", "idempotency-key": "k-1"}
    if authorization:
        headers["authorization"] = authorization
    status, problem, asked = await _call(app, headers, [MEGABYTE_CHUNK] * 50)
    assert status == 401
    assert problem["status"] == 401
    assert asked == 0


async def test_an_upload_has_its_own_larger_limit(client: httpx.AsyncClient, admin: Actor) -> None:
    # 9 MB is over the JSON limit but within the upload limit: the import answers with its report.
    content = b"x\t" * (9 * 512 * 1024)
    response = await client.post(
        "/v1/complaints:import", files={"file": ("quejas.tsv", content)}, headers=admin.headers
    )
    assert response.status_code != 413, response.text
