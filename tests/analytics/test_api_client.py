"""ApiClient over httpx.MockTransport: API errors become problems, ETags revalidate the cache."""

import hashlib

import httpx
import pytest

from services.analytics.clients.api import ApiClient, ApiResponseCache
from services.analytics.errors import ApiBadGateway, ApiGatewayTimeout, ApiTooManyRequests, ApiUnavailable
from services.kit.errors import ApiError, Forbidden, NotFound, Unauthorized, Unprocessable
from shared.contract.complaints import ComplaintCounts

KEY = "Bearer pk_test_secret"


def client_for(handler: httpx.MockTransport, cache: ApiResponseCache | None = None) -> ApiClient:
    http = httpx.AsyncClient(transport=handler, base_url="http://api.test")
    return ApiClient(http, KEY, cache if cache is not None else ApiResponseCache())


def problem(status: int, detail: str, **extra: object) -> httpx.Response:
    return httpx.Response(
        status,
        json={"type": "x", "title": "t", "status": status, "detail": detail, **extra},
        headers={"content-type": "application/problem+json"},
    )


@pytest.mark.parametrize(
    ("response", "error", "status"),
    [
        (problem(401, "Clave inválida."), Unauthorized, 401),
        (problem(403, "Rol sin permiso."), Forbidden, 403),
        (problem(404, "No existe."), NotFound, 404),
        (problem(422, "Malo.", errors=[{"field": "group_by", "message": "No."}]), Unprocessable, 422),
        (httpx.Response(429, headers={"Retry-After": "7"}), ApiTooManyRequests, 429),
        (httpx.Response(500, text="boom"), ApiBadGateway, 502),
        (httpx.Response(503), ApiUnavailable, 503),
        (httpx.Response(302), ApiBadGateway, 502),
    ],
)
async def test_api_errors_become_problems(response: httpx.Response, error: type[ApiError], status: int) -> None:
    api = client_for(httpx.MockTransport(lambda request: response))
    with pytest.raises(error) as raised:
        await api.complaint_counts(["entity"])
    assert raised.value.status_code == status
    if status in (401, 403, 404, 422):
        assert raised.value.detail == response.json()["detail"]
    if status == 422:
        assert raised.value.errors is not None
        assert raised.value.errors[0].field == "group_by"
    if status == 429:
        assert raised.value.headers["Retry-After"] == "7"
    if status == 503:
        assert raised.value.headers["Retry-After"] == "5"


async def test_refused_connection_is_503_with_retry_after() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ApiUnavailable) as raised:
        await client_for(httpx.MockTransport(refuse)).complaint_counts([])
    assert raised.value.status_code == 503
    assert raised.value.headers == {"Retry-After": "5"}


async def test_timeout_is_504() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(ApiGatewayTimeout):
        await client_for(httpx.MockTransport(slow)).complaint_counts([])


async def test_body_not_matching_the_contract_is_502() -> None:
    api = client_for(httpx.MockTransport(lambda request: httpx.Response(200, json={"rows": []})))
    with pytest.raises(ApiBadGateway):
        await api.complaint_counts([])


async def test_forwards_the_callers_key_and_query() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [{"type": "queja", "count": 3}]})

    counts = await client_for(httpx.MockTransport(answer)).complaint_counts(["type", "month"], filed_to=None)
    assert counts == ComplaintCounts.model_validate({"items": [{"type": "queja", "count": 3}]})
    assert seen[0].headers["authorization"] == KEY
    assert seen[0].url.params["group_by"] == "type,month"
    assert "filed_to" not in seen[0].url.params


async def test_etag_revalidation_reuses_the_cached_body() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304, headers={"ETag": '"v1"'})
        return httpx.Response(200, json={"items": [{"count": 9}]}, headers={"ETag": '"v1"'})

    cache = ApiResponseCache()
    api = client_for(httpx.MockTransport(answer), cache)
    first = await api.complaint_counts([])
    second = await api.complaint_counts([])
    assert first == second
    assert first.items[0].count == 9
    assert "if-none-match" not in seen[0].headers
    assert seen[1].headers["if-none-match"] == '"v1"'
    # The cache key holds a hash of the key, never the key itself.
    (key,) = cache._entries
    assert "pk_test_secret" not in key
    assert key.startswith(hashlib.sha256(KEY.encode()).hexdigest())


def test_cache_evicts_the_least_recently_used() -> None:
    cache = ApiResponseCache(max_entries=2)
    cache.put("a", '"1"', b"a")
    cache.put("b", '"1"', b"b")
    assert cache.get("a") is not None
    cache.put("c", '"1"', b"c")
    assert cache.get("b") is None
    assert len(cache) == 2
