"""COPY of many checked rows on the request's own connection, for the bulk writes of imports.

Below the areas: the complaints and their people are copied the same way, and a refusal says only which
table and which SQLSTATE (the server's message can quote the rows' values, personal data among them).
"""

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncSession


class CopyConflict(Exception):
    """A bulk write hit a unique index: the savepoint must be rolled back."""


class CopyRejected(Exception):
    """PostgreSQL refused a bulk write for another reason; `sqlstate` says which (never the row's values)."""

    def __init__(self, table: str, sqlstate: str | None) -> None:
        super().__init__(table, sqlstate)
        self.table = table
        self.sqlstate = sqlstate


async def copy_rows(
    session: AsyncSession, table: str, rows: Sequence[Mapping[str, Any]], *, jsonb: Sequence[str] = ()
) -> None:
    """COPY rows that all have the same keys inside the request's transaction and savepoint; columns left out
    take their defaults.

    COPY hands values to the server's binary input functions, which take JSONB as its text: those columns
    are encoded here (SQLAlchemy would do it for an INSERT).
    """
    if not rows:
        return
    columns = list(rows[0].keys())
    encoded = [index for index, column in enumerate(columns) if column in jsonb]
    records = []
    for row in rows:
        values = [row[column] for column in columns]
        for index in encoded:
            if values[index] is not None:
                values[index] = orjson.dumps(values[index]).decode()
        records.append(tuple(values))
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    try:
        await driver.copy_records_to_table(table, records=records, columns=columns)
    except asyncpg.exceptions.UniqueViolationError:
        # Another request wrote the same keys (radicados) between the check and the COPY.
        raise CopyConflict(table) from None
    except asyncpg.PostgresError as error:
        # The message can quote the offending values (personal data): only the SQLSTATE travels on.
        raise CopyRejected(table, error.sqlstate) from None
