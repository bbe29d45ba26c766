import httpx

from tests.api.conftest import Actor, create_plan


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_plan_round_trip(client: httpx.AsyncClient, eps: Actor) -> None:
    plan = await create_plan(client, eps)
    response = await client.get(f"/v1/plans/{plan['id']}", headers=eps.headers)
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json()["status"] == "borrador"
