"""Base shapes of the wire contract: records, pages, problems, and the one rule every input text obeys."""

import re
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator

# C0 controls but tab, newline and carriage return; DEL and the C1 controls; lone UTF-16 surrogates (JSON
# escapes such as "\ud800" decode to them). PostgreSQL refuses NUL in text and cannot encode a surrogate, so
# letting them through turns a typo into a 500; no person types the others, and they break exports and logs.
_FORBIDDEN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

#: What a client reads when a text carries one of those characters.
FORBIDDEN_TEXT_MESSAGE = "El texto contiene caracteres no permitidos (caracteres de control)."


def has_forbidden_characters(value: str) -> bool:
    """True when `value` holds a control character (other than tab, newline, CR) or a lone surrogate."""
    return _FORBIDDEN_TEXT.search(value) is not None


def _check_plain_text(value: Any) -> None:
    # Containers of texts (lists of codes, mappings) are walked; nested models check their own fields, and
    # a model that does not (a response shape reused in a body) is walked here so nothing slips through.
    if isinstance(value, str):
        if _FORBIDDEN_TEXT.search(value) is not None:
            raise ValueError(FORBIDDEN_TEXT_MESSAGE)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check_plain_text(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_plain_text(key)
            _check_plain_text(item)
    elif isinstance(value, BaseModel) and not isinstance(value, PlainTextModel):
        for item in value.__dict__.values():
            _check_plain_text(item)


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


class PlainTextModel(BaseModel):
    """A shape clients send: every text in it, at any depth, obeys the plain-text rule above.

    One validator on every field rather than a constrained `str` type on each: no field can forget it,
    and the OpenAPI schema stays as it is. It runs after the field's own validation, so the error names
    the field (`person.first_names`) and the fields' own checks still report first.
    """

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        _check_plain_text(value)
        return value


class InputModel(PlainTextModel):
    """The base of every request body: unknown fields refused, texts plain."""

    model_config = ConfigDict(extra="forbid")


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
