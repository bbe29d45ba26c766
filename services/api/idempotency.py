"""`Idempotency-Key` on POST: a retried request gets the stored answer instead of a second write.

The unit of work (services/api/unit_of_work.py) calls `claim` once the caller is authenticated and its
transaction is open, and `store` before it commits:

- The claim is a transaction-level advisory lock on (calling key id, Idempotency-Key). It is held by the
  request's own database connection, so it ends exactly when the request's transaction ends: at commit, at
  rollback, or when the process dies and PostgreSQL closes its connection. A retry while the original is
  alive gets 409; a retry after a crash runs again, because nothing of the original was committed.
- The answer is stored in the same transaction as the write it answers: it exists if and only if the write
  was committed. A failed commit stores nothing, so the client's retry runs again.
- Only answers the handler returned are stored (2xx, and 4xx such as a file report); raised errors, 401,
  403 and 5xx are not: the retry runs again and answers afresh.
- Records belong to the calling key's id and are kept 24 hours; `sweep_expired` deletes the old ones on a
  schedule.
"""

import asyncio
import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from services.api.access.caller import Caller
from services.api.models import IdempotencyRow
from services.kit.errors import Conflict, Unprocessable, field_error
from shared.contract import ProblemFieldError
from shared.contract.base import FORBIDDEN_TEXT_MESSAGE, has_forbidden_characters

logger = logging.getLogger("participa.api.idempotency")

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
# Replayed responses keep the headers a client needs to act on them.
REPLAYED_HEADERS = ("content-type", "location", "etag")
# What a response marked `Cache-Control: no-store` (a new API key's secret) leaves in place of its body.
NOT_STORED = {"cache-control": "no-store"}
# Answers that depend on the caller's credentials or on a passing fault, never replayed.
_NEVER_STORED = frozenset({401, 403, 409, 429})


class IdempotencyKeyReused(Unprocessable):
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reutilizada"


class IdempotencyKeyInProgress(Conflict):
    slug = "idempotency-key-in-progress"
    title = "Solicitud en curso"


class IdempotencyAnswerNotStored(Conflict):
    slug = "idempotency-answer-not-stored"
    title = "Solicitud ya procesada"


@dataclass
class Claim:
    """The key this request holds, and the stored answer to replay when an earlier request left one."""

    api_key_id: uuid.UUID
    key: str
    request_hash: str
    ttl: timedelta
    replay: Response | None = None


async def claim(request: Request, session: AsyncSession) -> Claim | None:
    """Claim the request's Idempotency-Key in `session`'s transaction; None when it carries none."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise field_error("Idempotency-Key", f"Idempotency-Key debe tener entre 1 y {MAX_KEY_LENGTH} caracteres.")
    if has_forbidden_characters(key):
        raise field_error("Idempotency-Key", FORBIDDEN_TEXT_MESSAGE)
    caller: Caller = request.state.caller
    request_hash = await _request_hash(request)
    ttl = timedelta(hours=request.app.state.idempotency_ttl_hours)
    held = Claim(api_key_id=caller.api_key_id, key=key, request_hash=request_hash, ttl=ttl)
    locked = await session.scalar(select(func.pg_try_advisory_xact_lock(_lock_id(caller.api_key_id, key))))
    if not locked:
        raise IdempotencyKeyInProgress(
            "Una solicitud con esta Idempotency-Key todavía se está procesando; reintente en unos segundos.",
            headers={"Retry-After": "2"},
        )
    stored = (
        await session.execute(
            select(
                col(IdempotencyRow.request_hash),
                col(IdempotencyRow.status_code),
                col(IdempotencyRow.response_body),
                col(IdempotencyRow.response_headers),
            ).where(
                col(IdempotencyRow.api_key_id) == caller.api_key_id,
                col(IdempotencyRow.idempotency_key) == key,
                col(IdempotencyRow.expires_at) > func.now(),
            )
        )
    ).one_or_none()
    if stored is not None:
        held.replay = _replay(request_hash, *stored)
    return held


async def store(session: AsyncSession, held: Claim, response: Response) -> None:
    """Keep the answer in the request's transaction, so it is committed with the write or not at all."""
    status = response.status_code
    if status >= 500 or status in _NEVER_STORED:
        return
    headers = {name: value for name, value in response.headers.items() if name.lower() in REPLAYED_HEADERS}
    body: bytes | None = getattr(response, "body", None)
    if body is None or "no-store" in response.headers.get("cache-control", ""):
        # A streamed answer cannot be kept; a secret (a new key) must not sit here for 24 hours.
        headers, body = dict(NOT_STORED), None
    values: dict[str, Any] = {
        "request_hash": held.request_hash,
        "status_code": status,
        "response_body": body,
        "response_headers": headers,
        "created_at": func.now(),
        "expires_at": func.now() + held.ttl,
    }
    statement = insert(IdempotencyRow).values(
        id=uuid.uuid4(), api_key_id=held.api_key_id, idempotency_key=held.key, **values
    )
    # An expired answer under the same key is replaced: the key is free again after its 24 hours.
    await session.execute(
        statement.on_conflict_do_update(index_elements=["api_key_id", "idempotency_key"], set_=values)
    )


def _replay(
    request_hash: str,
    stored_hash: str,
    status_code: int,
    body: bytes | None,
    headers: dict[str, Any] | None,
) -> Response:
    if stored_hash != request_hash:
        message = "Esta Idempotency-Key ya se usó con otra solicitud; use una clave nueva para cada operación distinta."
        raise IdempotencyKeyReused(message, errors=[ProblemFieldError(field="Idempotency-Key", message=message)])
    if headers == NOT_STORED:
        raise IdempotencyAnswerNotStored(
            f"La solicitud con esta Idempotency-Key ya se procesó (estado {status_code}), pero su respuesta no "
            "se guarda (contenía un secreto o era un flujo). Consulte el recurso; si era una clave nueva y perdió "
            "su secreto, revóquela y cree otra."
        )
    replayed = Response(content=body or b"", status_code=status_code)
    for name, value in (headers or {}).items():
        replayed.headers[name] = str(value)
    replayed.headers["idempotent-replayed"] = "true"
    return replayed


def _lock_id(api_key_id: uuid.UUID, key: str) -> int:
    """A signed 64-bit advisory-lock id for (key id, Idempotency-Key); a collision only means a spurious 409."""
    digest = hashlib.blake2b(f"{api_key_id}\n{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def _request_hash(request: Request) -> str:
    # The query string is part of the request: `?cascade=true` or a filter makes it another operation.
    digest = hashlib.sha256(request.url.path.encode() + b"?" + request.url.query.encode() + b"\n")
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        # A client's retry of an upload picks a new multipart boundary: what counts is the fields and files.
        # The parsed form is kept on the request, so the handler does not parse it again.
        form = await request.form()
        for name, value in form.multi_items():
            digest.update(name.encode() + b"=")
            if isinstance(value, str):
                digest.update(value.encode())
            else:
                # The file's name is part of the operation: a PISIS file's name carries its NIT and period.
                digest.update(f"{value.filename}\n{value.content_type}\n".encode())
                digest.update(hashlib.sha256(await value.read()).digest())
                await value.seek(0)
            digest.update(b"\n")
    else:
        digest.update(_canonical(await request.body()))
    return digest.hexdigest()


def _canonical(body: bytes) -> bytes:
    """The same JSON with other spacing or key order is the same request.

    orjson refuses nesting deeper than 1,024 levels instead of recursing: such a body is hashed as sent.
    """
    try:
        return orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONDecodeError, TypeError):
        return body


async def sweep_expired(engine: AsyncEngine) -> int:
    """Delete the answers past their 24 hours; returns how many."""
    async with engine.begin() as connection:
        result = await connection.execute(delete(IdempotencyRow).where(col(IdempotencyRow.expires_at) < func.now()))
    return int(getattr(result, "rowcount", 0) or 0)


async def sweep_forever(engine: AsyncEngine, every_seconds: float) -> None:
    """The schedule the lifespan runs: an outage only skips a sweep, it never ends the loop."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            swept = await sweep_expired(engine)
        except Exception as error:
            logger.warning("idempotency sweep skipped: %s", type(error).__name__)
        else:
            if swept:
                logger.info("idempotency sweep: %d expired answers deleted", swept)
