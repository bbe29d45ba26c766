"""The batch convention: `POST /v1/<resource>:batch` applies or rejects each item on its own (207).

The request validates only the envelope (`{"items": [...]}`, its length, items being JSON objects); each
item is then validated on its own against the single-item body, so an item of an unknown `type` or with a
forbidden character is that item's 422 and the others are still created. Each item runs in its own
savepoint, so a rejected item leaves nothing behind while the others commit with the request.
"""

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, ValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.faults import classify
from services.kit.errors import ApiError, Conflict, Unprocessable, field_error, validation_errors
from shared.contract import BatchItemResult, BatchResult, Problem, ProblemFieldError

ItemT = TypeVar("ItemT", bound=BaseModel)

MAX_BATCH_ITEMS = 500

RawItems = list[dict[str, Any]]
"""The items as the request carries them: JSON objects, each validated later by :func:`run_batch`."""


class ItemsDocumentedAs:
    """`Annotated` metadata for a batch's raw `items`: the OpenAPI schema shows them as `model`.

    Clients (and the contract tests) read the item schema of the single-item endpoint, while validation
    keeps the items raw so that one bad item cannot reject the whole request.
    """

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)  # the array with its bounds
        schema["items"] = handler(self.model.__pydantic_core_schema__)  # a reference to the item's schema
        return schema


class BatchRequest(BaseModel):
    """Up to 500 items, each validated by :func:`run_batch` like the single-item endpoint's body.

    A resource subclasses it and redeclares `items` with `ItemsDocumentedAs(<its item model>)` and its own
    `max_length` (passing the same cap to :func:`run_batch`), so the item schema and the cap show in its
    OpenAPI schema. Deliberately not an `InputModel`: its plain-text rule would walk the raw items and
    refuse the whole batch for one item's text; each item's own model applies the rule to that item.
    """

    model_config = ConfigDict(extra="forbid")

    items: Annotated[RawItems, Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


def _item_problem(request: Request, index: int, error: ApiError) -> Problem:
    return error.problem(f"{request.url.path}#/items/{index}")


def _invalid_item(error: ValidationError, index: int) -> Unprocessable:
    # The paths are relative to the item (`person.email`), as in the other per-item problems; an error of
    # the item as a whole (a model rule) has no path and names the item as the envelope's errors do.
    errors = [
        problem if problem.field else ProblemFieldError(field=f"items[{index}]", message=problem.message)
        for problem in validation_errors(error.errors())
    ]
    count = len(errors)
    detail = "El elemento tiene 1 error." if count == 1 else f"El elemento tiene {count} errores."
    return Unprocessable(detail, errors=errors)


def _checked(model: type[ItemT], raw: Mapping[str, Any], index: int) -> ItemT | Unprocessable:
    try:
        # As FastAPI validates the single-item body (the JSON already decoded), so both accept the same items.
        return model.model_validate(raw)
    except ValidationError as error:
        return _invalid_item(error, index)


async def run_batch(
    request: Request,
    session: AsyncSession,
    items: Sequence[Mapping[str, Any]],
    model: type[ItemT],
    apply: Callable[[ItemT], Awaitable[uuid.UUID]],
    *,
    max_items: int = MAX_BATCH_ITEMS,
    prepare: Callable[[Sequence[ItemT]], Awaitable[None]] | None = None,
) -> BatchResult:
    """Validate each raw item against `model` and apply the valid ones, each in its own savepoint.

    `prepare` gets the valid items before any is applied (to take the locks the whole batch needs).
    """
    if len(items) > max_items:
        raise field_error("items", f"Un lote admite hasta {max_items} elementos; se recibieron {len(items)}.")
    checked = [_checked(model, raw, index) for index, raw in enumerate(items)]
    if prepare is not None:
        await prepare([item for item in checked if not isinstance(item, Unprocessable)])
    results: list[BatchItemResult] = []
    for index, item in enumerate(checked):
        if isinstance(item, Unprocessable):
            results.append(BatchItemResult(index=index, status=422, problem=_item_problem(request, index, item)))
            continue
        try:
            async with session.begin_nested():
                new_id = await apply(item)
        except ApiError as error:
            results.append(
                BatchItemResult(index=index, status=error.status_code, problem=_item_problem(request, index, error))
            )
        except IntegrityError:
            conflict = Conflict("El elemento viola una regla de unicidad o integridad.")
            results.append(BatchItemResult(index=index, status=409, problem=_item_problem(request, index, conflict)))
        except DBAPIError as error:
            # A value the models let through but PostgreSQL refuses (SQLSTATE class 22, data exception) is
            # this item's fault: its 422, never a 500 for all. Anything else (an outage) still fails the request.
            fault = classify(error)
            if fault is None or fault.retryable or not (fault.sqlstate or "").startswith("22"):
                raise
            message = f"La base de datos rechazó un valor del elemento (código {fault.sqlstate})."
            # The server's message names no field and may quote the value (personal data): not passed on.
            refused = Unprocessable(message)
            results.append(BatchItemResult(index=index, status=422, problem=_item_problem(request, index, refused)))
        else:
            results.append(BatchItemResult(index=index, status=201, id=new_id))
    return BatchResult(results=results)
