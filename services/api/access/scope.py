"""The caller-scope filter, written once: which rows a caller may read, as an SQL condition.

Repositories own their SQL; they ask this module for the condition "this row belongs to an organisation
the caller sees" and add it to their statements. A row is in scope when any of its organisation columns
(e.g. a complaint's receiver or the entity complained about) names a visible organisation.
"""

import uuid
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, or_
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from services.api.access.caller import Caller
from services.api.sql import among

SCOPE_PARAMETER = "visible_ids"
"""The name of the per-execution parameter of a prepared statement's scope condition."""


def visible_to(caller: Caller, *organization_columns: Any, prepared: bool = False) -> ColumnElement[bool] | None:
    """The condition that a row's `organization_columns` name an organisation the caller sees; None for a
    caller who sees every organisation (admin), so its statements carry no condition at all.

    `prepared=True` is for statements compiled once and run many times (the driver read paths): the ids
    become the named parameter `SCOPE_PARAMETER`, given per execution by `scope_arguments`, instead of
    values fixed in the statement.
    """
    if caller.visible_ids is None:
        return None
    if prepared:
        ids = bindparam(SCOPE_PARAMETER, None, type_=ARRAY(UUID(as_uuid=True)))
        return or_(*(column == any_(ids) for column in organization_columns))
    return or_(*(among(column, caller.visible_ids) for column in organization_columns))


def scope_arguments(caller: Caller) -> dict[str, list[uuid.UUID]]:
    """The value of a prepared statement's scope parameter for this caller (none for an admin)."""
    if caller.visible_ids is None:
        return {}
    return {SCOPE_PARAMETER: list(caller.visible_ids)}
