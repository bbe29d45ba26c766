"""SQL expressions the platform and the areas' repositories share (no table of their own).

Below both the record repository and the access platform's scope filter, so neither imports the other.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, String, Text, any_, bindparam, cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.types import TypeDecorator


def among(expression: Any, values: Iterable[Any], item_type: Any = None) -> ColumnElement[bool]:
    """`expression = ANY(:values)`: membership with one array parameter, however many values.

    `expression.in_(values)` binds one parameter per value, and asyncpg refuses a statement past 32,767 of
    them: a complaint file with that many radicados answered 500 (logging every value). Use this for any
    list whose length comes from the input or the data. `item_type` is the SQL type of the elements, by
    default `expression`'s own (a column or mapped attribute); strings go as `text[]`, since a cast to the
    column's `varchar(n)[]` would silently truncate a longer value into a false match.
    """
    element_type = item_type if item_type is not None else expression.type
    if isinstance(element_type.impl_instance if isinstance(element_type, TypeDecorator) else element_type, String):
        element_type = Text()
    if isinstance(element_type, NullType):
        raise TypeError("among() needs item_type for an expression without an SQL type")
    array_type = ARRAY(element_type)
    # The cast types the array also where it is rendered as a literal (exports): `ARRAY[...]` alone is text[].
    membership: ColumnElement[bool] = expression == any_(
        cast(bindparam(None, list(values), type_=array_type), array_type)
    )
    return membership
