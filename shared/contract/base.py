"""Base shapes of the wire contract: records, pages, problems."""

from datetime import date, datetime
from typing import Annotated, Generic, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool


def _text_not_number(value: object) -> object:
    # Pydantic reads a bare number as Unix seconds; on the wire dates and instants are ISO 8601 strings.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("Debe ser una fecha o un instante en texto ISO 8601, no un número.")
    return value


#: An instant as RFC 3339 text on the wire (never a number of seconds).
WireInstant = Annotated[datetime, BeforeValidator(_text_not_number)]
#: An instant with its UTC offset, as RFC 3339 text on the wire.
WireAwareInstant = Annotated[AwareDatetime, BeforeValidator(_text_not_number)]
#: A calendar day as `YYYY-MM-DD` text on the wire (never a number of seconds).
WireDate = Annotated[date, BeforeValidator(_text_not_number)]
#: `true` or `false` only (not 0/1, "yes" or "off").
WireBool = StrictBool


class ContractModel(BaseModel):
    """A response shape both services exchange: strict, immutable, readable from ORM rows."""

    model_config = ConfigDict(extra="forbid", frozen=True, from_attributes=True)


class Record(ContractModel):
    """Fields every stored record carries (DESIGN.md §4)."""

    id: UUID
    organization_id: UUID = Field(description="Organización dueña del registro (tenencia).")
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = Field(
        default=None, description="Presente solo en lápidas (registros borrados) de una sincronización."
    )
    version: int = Field(description="Versión del registro; el ETag es esta versión entre comillas.")


ItemT = TypeVar("ItemT")


class Page(ContractModel, Generic[ItemT]):
    """One page of a keyset-paginated list; `next_cursor` is null on the last page."""

    items: list[ItemT]
    next_cursor: str | None = None


class ProblemFieldError(ContractModel):
    """One invalid input: the field path (`schedule_months[0]`) and a Spanish message."""

    field: str
    message: str


class Problem(ContractModel):
    """RFC 9457 problem details, the body of every 4xx and 5xx response."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[ProblemFieldError] | None = None


class BatchItemResult(ContractModel):
    """What happened to one item of a batch: its position, status, and the new id or the problem."""

    index: int
    status: int
    id: UUID | None = None
    problem: Problem | None = None


class BatchResult(ContractModel):
    """The 207 answer of `POST /v1/<resource>:batch`: each item applied or rejected on its own."""

    results: list[BatchItemResult]
