"""`Idempotency-Key` on POST: a retried request gets the stored answer instead of a second write.

A pure ASGI middleware (no BaseHTTPMiddleware): it claims the key in its own short transaction before the
request runs, so a concurrent duplicate sees the claim at once and gets 409 instead of writing twice.
Keys are scoped to the calling API key and kept 24 hours.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.models import IdempotencyRow
from services.kit.errors import PROBLEM_BASE_URI, PROBLEM_MEDIA_TYPE

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
# Replayed responses keep the headers a client needs to act on them.
REPLAYED_HEADERS = ("content-type", "location", "etag")
# What a response marked `Cache-Control: no-store` (a new API key's secret) leaves in place of its body.
NOT_STORED = {"cache-control": "no-store"}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _owner_hash(scope: Scope) -> str:
    authorization = _header(scope, b"authorization") or ""
    token = authorization[7:] if authorization.lower().startswith("bearer ") else authorization
    return hashlib.sha256(token.encode()).hexdigest()


async def _problem(
    send: Send, scope: Scope, status: int, slug: str, title: str, detail: str, *, field: str | None = None
) -> None:
    problem: dict[str, Any] = {
        "type": PROBLEM_BASE_URI + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": scope.get("path"),
    }
    if field is not None:
        # Every 422 names what to fix, here the header rather than a body field.
        problem["errors"] = [{"field": field, "message": detail}]
    body = orjson.dumps(problem)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class StoredAnswer:
    request_hash: str
    state: str
    status_code: int | None
    response_body: bytes | None
    response_headers: dict[str, Any] | None


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, ttl: timedelta = timedelta(hours=24)) -> None:
        self.app = app
        self.ttl = ttl

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or _header(scope, HEADER) is None:
            await self.app(scope, receive, send)
            return
        key = _header(scope, HEADER) or ""
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            await _problem(
                send,
                scope,
                422,
                "validation",
                "Datos inválidos",
                f"Idempotency-Key debe tener entre 1 y {MAX_KEY_LENGTH} caracteres.",
                field="Idempotency-Key",
            )
            return
        engine: AsyncEngine = scope["app"].state.engine
        body_chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            body_chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(body_chunks)
        # The query string is part of the request: `?cascade=true` or a filter makes it another operation.
        target = scope["path"].encode() + b"?" + bytes(scope.get("query_string", b""))
        request_hash = hashlib.sha256(target + b"\n" + _canonical(body)).hexdigest()
        owner = _owner_hash(scope)
        now = datetime.now(UTC)

        async with engine.begin() as connection:
            await connection.execute(
                delete(IdempotencyRow).where(
                    col(IdempotencyRow.owner_hash) == owner,
                    col(IdempotencyRow.idempotency_key) == key,
                    col(IdempotencyRow.expires_at) < now,
                )
            )
            claimed = (
                await connection.execute(
                    insert(IdempotencyRow)
                    .values(
                        owner_hash=owner,
                        idempotency_key=key,
                        request_hash=request_hash,
                        state="running",
                        expires_at=now + self.ttl,
                    )
                    .on_conflict_do_nothing()
                    .returning(col(IdempotencyRow.id))
                )
            ).scalar_one_or_none()
            existing: StoredAnswer | None = None
            if claimed is None:
                found = (
                    await connection.execute(
                        select(
                            col(IdempotencyRow.request_hash),
                            col(IdempotencyRow.state),
                            col(IdempotencyRow.status_code),
                            col(IdempotencyRow.response_body),
                            col(IdempotencyRow.response_headers),
                        ).where(
                            col(IdempotencyRow.owner_hash) == owner,
                            col(IdempotencyRow.idempotency_key) == key,
                        )
                    )
                ).one_or_none()
                if found is not None:
                    existing = StoredAnswer(*found)

        if existing is not None:
            await self._answer_duplicate(existing, request_hash, scope, send)
            return
        if claimed is None:
            # The stored answer expired between our statements: treat the request as new next time.
            await _problem(
                send,
                scope,
                409,
                "idempotency-key-in-progress",
                "Solicitud en curso",
                "Reintente la solicitud.",
            )
            return

        replayed_body = [False]

        async def replay_receive() -> Message:
            if not replayed_body[0]:
                replayed_body[0] = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status_code = 500
        headers: list[tuple[bytes, bytes]] = []
        response_chunks: list[bytes] = []

        async def capture_send(message: Message) -> None:
            nonlocal status_code, headers
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                response_chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            async with engine.begin() as connection:
                if status_code >= 500:
                    # A failure wrote nothing durable: free the key so the client's retry runs again.
                    await connection.execute(delete(IdempotencyRow).where(col(IdempotencyRow.id) == claimed))
                else:
                    kept: dict[str, str] = {
                        k.decode("latin-1"): v.decode("latin-1")
                        for k, v in headers
                        if k.decode("latin-1").lower() in REPLAYED_HEADERS
                    }
                    stored_body: bytes | None = b"".join(response_chunks)
                    if _no_store(headers):
                        # Secrets are kept only as hashes: the plain key must not sit here for 24 hours.
                        kept, stored_body = dict(NOT_STORED), None
                    await connection.execute(
                        update(IdempotencyRow)
                        .where(col(IdempotencyRow.id) == claimed)
                        .values(
                            state="done",
                            status_code=status_code,
                            response_body=stored_body,
                            response_headers=kept,
                        )
                    )

    async def _answer_duplicate(self, stored: StoredAnswer, request_hash: str, scope: Scope, send: Send) -> None:
        if stored.request_hash != request_hash:
            await _problem(
                send,
                scope,
                422,
                "idempotency-key-reused",
                "Idempotency-Key reutilizada",
                "Esta Idempotency-Key ya se usó con otra solicitud; use una clave nueva para cada operación distinta.",
                field="Idempotency-Key",
            )
            return
        if stored.state != "done" or stored.status_code is None:
            await _problem(
                send,
                scope,
                409,
                "idempotency-key-in-progress",
                "Solicitud en curso",
                "Una solicitud con esta Idempotency-Key todavía se está procesando; reintente en unos segundos.",
            )
            return
        if stored.response_headers == NOT_STORED:
            await _problem(
                send,
                scope,
                409,
                "idempotency-answer-not-stored",
                "Solicitud ya procesada",
                f"La solicitud con esta Idempotency-Key ya se procesó (estado {stored.status_code}), pero su "
                "respuesta contenía un secreto que no se guarda. Si lo perdió, revoque la clave creada y cree otra.",
            )
            return
        body = stored.response_body or b""
        response_headers: dict[str, Any] = stored.response_headers or {}
        raw_headers = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in response_headers.items()]
        raw_headers += [(b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]
        await send({"type": "http.response.start", "status": stored.status_code, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})


def _no_store(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(key.lower() == b"cache-control" and b"no-store" in value.lower() for key, value in headers)


def _canonical(body: bytes) -> bytes:
    """The same JSON with other spacing or key order is the same request."""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        return body
