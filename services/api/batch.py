"""The batch convention: `POST /v1/<resource>:batch` applies or rejects each item on its own (207).

Each item runs in its own savepoint, so a rejected item leaves nothing behind while the others commit with
the request.
"""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.kit.errors import PROBLEM_BASE_URI, ApiError, field_error
from shared.contract import BatchItemResult, BatchResult, Problem

ItemT = TypeVar("ItemT", bound=BaseModel)

MAX_BATCH_ITEMS = 500


class BatchRequest(BaseModel, Generic[ItemT]):
    """Up to 500 items, each validated like the single-item endpoint's body.

    A resource with another cap subclasses it and redeclares `items` with its own `max_length` (and passes
    the same cap to :func:`run_batch`), so the cap shows in its OpenAPI schema.
    """

    model_config = ConfigDict(extra="forbid")

    items: Annotated[list[ItemT], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


async def run_batch(
    request: Request,
    session: AsyncSession,
    items: Sequence[ItemT],
    apply: Callable[[ItemT], Awaitable[uuid.UUID]],
    *,
    max_items: int = MAX_BATCH_ITEMS,
) -> BatchResult:
    if len(items) > max_items:
        raise field_error("items", f"Un lote admite hasta {max_items} elementos; se recibieron {len(items)}.")
    results: list[BatchItemResult] = []
    for index, item in enumerate(items):
        try:
            async with session.begin_nested():
                new_id = await apply(item)
        except ApiError as error:
            problem = Problem(
                type=PROBLEM_BASE_URI + error.slug,
                title=error.title,
                status=error.status_code,
                detail=error.detail,
                instance=f"{request.url.path}#/items/{index}",
                errors=error.errors,
            )
            results.append(BatchItemResult(index=index, status=error.status_code, problem=problem))
        except IntegrityError:
            problem = Problem(
                type=PROBLEM_BASE_URI + "conflict",
                title="Conflicto con el estado actual",
                status=409,
                detail="El elemento viola una regla de unicidad o integridad.",
                instance=f"{request.url.path}#/items/{index}",
            )
            results.append(BatchItemResult(index=index, status=409, problem=problem))
        else:
            results.append(BatchItemResult(index=index, status=201, id=new_id))
    return BatchResult(results=results)
