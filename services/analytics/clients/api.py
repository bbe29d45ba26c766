"""`ApiClient`: the only way analytics reads data. It calls the API over the lifespan's httpx client with
the caller's own `Authorization` header, so every figure respects the caller's scope.

API failures become problems the caller can act on (never a bare 500): 401/403/404/422 keep the API's
status and detail, 429 and 503 keep `Retry-After`, a refused connection is 503 with `Retry-After`, a
timeout 504, any other 5xx or an unreadable body 502. GET responses that carry an ETag are kept in an
in-process cache keyed by a hash of the caller's key and the URL (raw keys are never stored) and
revalidated with `If-None-Match`, so an unchanged resource costs the API a 304 instead of a body.
"""

import asyncio
import hashlib
import logging
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

import httpx
import orjson
from pydantic import BaseModel, ValidationError

from services.analytics.errors import (
    RETRY_AFTER_SECONDS,
    ApiBadGateway,
    ApiGatewayTimeout,
    ApiTooManyRequests,
    ApiUnavailable,
)
from services.kit.errors import ApiError, Forbidden, NotFound, Unauthorized, Unprocessable
from shared.contract import Page, ProblemFieldError
from shared.contract.analytics import AffiliateMonthlyCounts, ScopeEntities
from shared.contract.complaints import ComplaintCounts, ComplaintStats
from shared.contract.organizations import Organization
from shared.enums import Risk

__all__ = ["ApiClient", "ApiResponseCache", "QueryValue", "concurrently"]

logger = logging.getLogger("participa.analytics")

ModelT = TypeVar("ModelT", bound=BaseModel)
QueryValue = str | int | float | bool | uuid.UUID | date | datetime | None

# Lists are read whole for figures; the API caps a page at 500 items.
_PAGE_LIMIT = 500


@dataclass(frozen=True)
class _Cached:
    etag: str
    body: bytes


class ApiResponseCache:
    """ETag-validated bodies, least recently used evicted first. Keys never contain the caller's raw key."""

    def __init__(self, max_entries: int = 1024) -> None:
        self._entries: OrderedDict[str, _Cached] = OrderedDict()
        self._max_entries = max_entries

    @staticmethod
    def key(authorization: str, url: str) -> str:
        return hashlib.sha256(authorization.encode()).hexdigest() + " " + url

    def get(self, key: str) -> _Cached | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: str, etag: str, body: bytes) -> None:
        self._entries[key] = _Cached(etag, body)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


@asynccontextmanager
async def concurrently() -> AsyncIterator[asyncio.TaskGroup]:
    """A task group for API calls made side by side: when one fails, the others are cancelled (no request is
    left running for nobody) and the first failure is raised as itself, so it renders as its problem."""
    try:
        async with asyncio.TaskGroup() as group:
            yield group
    except BaseExceptionGroup as failures:
        first: BaseException = failures
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None


def _query_text(value: QueryValue) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _params(params: Mapping[str, QueryValue | Sequence[str]]) -> httpx.QueryParams:
    """Query pairs in a stable order (the cache key), dropping absent values; sequences join with commas."""
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    for name in sorted(params):
        value = params[name]
        if isinstance(value, list | tuple):
            if value:
                pairs.append((name, ",".join(str(item) for item in value)))
            continue
        text = _query_text(value)  # type: ignore[arg-type]
        if text is not None:
            pairs.append((name, text))
    return httpx.QueryParams(pairs)


def _api_problem(response: httpx.Response) -> tuple[str | None, list[ProblemFieldError] | None]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    detail = body.get("detail") if isinstance(body.get("detail"), str) else None
    errors = None
    if isinstance(body.get("errors"), list):
        errors = [
            ProblemFieldError(field=str(item.get("field", "")), message=str(item.get("message", "")))
            for item in body["errors"]
            if isinstance(item, dict)
        ]
    return detail, errors


def _error_for(response: httpx.Response) -> ApiError:
    """The problem analytics answers for an API error response."""
    status = response.status_code
    detail, errors = _api_problem(response)
    if status == 401:
        return Unauthorized(detail or "La API rechazó la clave enviada en Authorization.")
    if status == 403:
        return Forbidden(detail or "El rol de la clave no permite leer estos datos en la API.")
    if status == 404:
        return NotFound(detail or "La API no encontró el recurso, o está fuera del alcance de la clave.")
    if status == 422:
        return Unprocessable(detail or "La API rechazó los parámetros de la consulta.", errors=errors)
    retry_after = response.headers.get("retry-after", str(RETRY_AFTER_SECONDS))
    if status == 429:
        return ApiTooManyRequests(
            detail or "La API limitó las solicitudes de esta clave; reintente más tarde.",
            headers={"Retry-After": retry_after},
        )
    if status == 503:
        return ApiUnavailable(
            "La API de Participa no está disponible; reintente en unos segundos.",
            retry_after=int(retry_after) if retry_after.isdecimal() and retry_after.isascii() else RETRY_AFTER_SECONDS,
        )
    if status >= 500:
        return ApiBadGateway(f"La API respondió con el estado {status}; reintente más tarde.")
    return ApiBadGateway(f"La API respondió con un estado inesperado ({status}).")


class ApiClient:
    """Typed reads of the API on behalf of one caller (one instance per request)."""

    def __init__(self, http: httpx.AsyncClient, authorization: str, cache: ApiResponseCache) -> None:
        self._http = http
        self._authorization = authorization
        self._cache = cache

    # -- generic -------------------------------------------------------------------------------

    async def get_bytes(self, path: str, params: Mapping[str, QueryValue | Sequence[str]] | None = None) -> bytes:
        """The body of a 200 answer to GET `path`, revalidated against the cache when the API gave an ETag."""
        pairs = _params(params or {})
        url = self._http.build_request("GET", path, params=pairs).url
        key = ApiResponseCache.key(self._authorization, str(url))
        cached = self._cache.get(key)
        headers = {"Authorization": self._authorization}
        if cached is not None:
            headers["If-None-Match"] = cached.etag
        try:
            response = await self._http.get(path, params=pairs, headers=headers)
        except httpx.TimeoutException:
            # A connect timeout means the API is unreachable; a read timeout means it is too slow.
            raise ApiGatewayTimeout("La API no respondió a tiempo; reintente o acote el periodo.") from None
        except httpx.TransportError as exc:
            logger.warning("API unreachable: %s", type(exc).__name__)
            raise ApiUnavailable("No se pudo conectar con la API de Participa; reintente en unos segundos.") from None
        if response.status_code == 304 and cached is not None:
            return cached.body
        if response.status_code != 200:
            raise _error_for(response)
        etag = response.headers.get("etag")
        if etag:
            self._cache.put(key, etag, response.content)
        return response.content

    async def get(
        self, path: str, model: type[ModelT], params: Mapping[str, QueryValue | Sequence[str]] | None = None
    ) -> ModelT:
        """GET `path` and validate the body as a `shared.contract` model (502 when it does not match)."""
        body = await self.get_bytes(path, params)
        try:
            return model.model_validate_json(body)
        except ValidationError:
            logger.warning("API answer to %s does not match %s", path, model.__name__)
            raise ApiBadGateway("La API respondió con un formato inesperado.") from None

    async def get_all(
        self, path: str, item: type[ModelT], params: Mapping[str, QueryValue | Sequence[str]] | None = None
    ) -> list[ModelT]:
        """Every item of a cursor-paginated list (small lists only: figures come from aggregates)."""
        items: list[ModelT] = []
        cursor: str | None = None
        while True:
            page = await self.get(
                path,
                Page[item],  # type: ignore[valid-type]
                {**(params or {}), "limit": _PAGE_LIMIT, "cursor": cursor},
            )
            items.extend(page.items)
            cursor = page.next_cursor
            if not cursor:
                return items

    # -- complaints ------------------------------------------------------------------------------

    async def complaint_counts(
        self,
        group_by: Sequence[str],
        *,
        filed_from: date | datetime | None = None,
        filed_to: date | datetime | None = None,
        entity_id: uuid.UUID | None = None,
        risk: Risk | None = None,
    ) -> ComplaintCounts:
        """`GET /v1/complaints/counts`: counts per group; `filed_to` inclusive (a date means its whole day)."""
        params: dict[str, QueryValue | Sequence[str]] = {
            "group_by": list(group_by),
            "filed_from": filed_from,
            "filed_to": filed_to,
            "entity_id": entity_id,
            "risk": risk.value if risk else None,
        }
        return await self.get("/v1/complaints/counts", ComplaintCounts, params)

    async def complaint_stats(
        self,
        group_by: Sequence[str],
        *,
        filed_from: date | datetime | None = None,
        filed_to: date | datetime | None = None,
        entity_id: uuid.UUID | None = None,
        as_of: datetime | None = None,
        include: Sequence[str] = (),
    ) -> ComplaintStats:
        """`GET /v1/complaints/stats`: answered in/out of term, overdue, response times per group, at `as_of`
        (`include=median_response_hours` makes the API read every answer instead of its monthly rollup)."""
        params: dict[str, QueryValue | Sequence[str]] = {
            "group_by": list(group_by),
            "filed_from": filed_from,
            "filed_to": filed_to,
            "entity_id": entity_id,
            "as_of": as_of,
            "include": list(include),
        }
        return await self.get("/v1/complaints/stats", ComplaintStats, params)

    # -- organisations -----------------------------------------------------------------------------

    async def organization(self, organization_id: uuid.UUID) -> Organization:
        return await self.get(f"/v1/organizations/{organization_id}", Organization)

    async def organizations(self, **filters: QueryValue) -> list[Organization]:
        """Every organisation the caller sees (`kind=`, `municipality_code=`, `parent_id=` filters)."""
        return await self.get_all("/v1/organizations", Organization, filters)

    async def scope_entities(self, secretaria_id: uuid.UUID) -> list[Organization]:
        """The EPS, IPS and ESE in a secretaría's scope (its jurisdiction and the EPS it oversees)."""
        entities = await self.get(f"/v1/organizations/{secretaria_id}/entities", ScopeEntities)
        return list(entities.items)

    async def affiliate_counts(
        self,
        from_month: str,
        to_month: str,
        *,
        organization_id: uuid.UUID | None = None,
        by_municipality: bool = False,
    ) -> AffiliateMonthlyCounts:
        """`GET /v1/affiliate-counts`: monthly members of every organisation in scope, months `AAAA-MM` inclusive."""
        params: dict[str, QueryValue | Sequence[str]] = {
            "from": from_month,
            "to": to_month,
            "organization_id": organization_id,
            "group_by": "municipality" if by_municipality else None,
        }
        return await self.get("/v1/affiliate-counts", AffiliateMonthlyCounts, params)
