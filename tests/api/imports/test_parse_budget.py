"""File parsing runs off the event loop within `PARTICIPA_PARSE_TIMEOUT_S`: a file over the budget answers
422 `parse_timeout`, and the service keeps answering while a file is being read."""

import asyncio
import threading
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.api.imports import spreadsheet
from tests.api.conftest import Actor, assert_problem
from tests.files import hostile_workbooks as hostile

# Past before the parser's first check: the answer does not depend on how fast this machine reads the file.
SPENT_BUDGET_S = 1e-6


async def upload(client: httpx.AsyncClient, actor: Actor, path: str, content: bytes) -> httpx.Response:
    files = {"file": ("hostil.xlsx", content)}
    return await client.post(path, files=files, headers=actor.headers)


@pytest.mark.parametrize("path", ["/v1/plans:import", "/v1/complaints:import"])
@pytest.mark.parametrize("content", [hostile.long_attribute(), hostile.huge_merges()], ids=["attribute", "merges"])
async def test_a_file_over_the_parse_budget_answers_parse_timeout(
    app: FastAPI, client: httpx.AsyncClient, eps: Actor, path: str, content: bytes
) -> None:
    app.state.parse_timeout_s = SPENT_BUDGET_S
    response = await upload(client, eps, path, content)
    body = assert_problem(response, 422, "file")
    assert body["type"].endswith("/parse-timeout")
    assert body["code"] == "parse_timeout"


@pytest.mark.parametrize("content", [hostile.long_attribute(), hostile.huge_merges()], ids=["attribute", "merges"])
async def test_hostile_files_within_the_budget_get_their_report(
    client: httpx.AsyncClient, eps: Actor, content: bytes
) -> None:
    response = await upload(client, eps, "/v1/plans:import", content)
    # Three rows without a plan header: read in full and rejected for what they hold, not for the time.
    body = assert_problem(response, 422)
    assert body["type"].endswith("/import-rejected")
    assert "parse_timeout" not in {problem["code"] for problem in body["report"]["problems"]}


async def test_health_answers_while_a_file_is_being_read(
    client: httpx.AsyncClient, eps: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()
    read_plan_file = spreadsheet.read_plan_file

    def slow_reader(*args: Any, **kwargs: Any) -> Any:
        # Holds the parser until the health check has answered (10 s at most: on the event loop, as the
        # parser once ran, this would block the health check too, and the test fails instead of hanging).
        started.set()
        release.wait(10)
        return read_plan_file(*args, **kwargs)

    # The reading step holds its own name for the reader (imported from spreadsheet): that is the one to replace.
    monkeypatch.setattr("services.api.imports.reading.read_plan_file", slow_reader)
    finished: list[str] = []

    async def importing() -> httpx.Response:
        response = await upload(client, eps, "/v1/plans:import", hostile.huge_merges())
        finished.append("import")
        return response

    task = asyncio.create_task(importing())
    assert await asyncio.to_thread(started.wait, 10)
    health = await client.get("/health/live")
    finished.append("health")
    release.set()
    imported = await task
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert finished == ["health", "import"]
    assert imported.status_code == 422
    assert imported.json()["type"].endswith("/import-rejected")
