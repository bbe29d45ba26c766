"""The SQL every record table shares: scoped reads, keyset pages, versioned updates, tombstones.

Area repositories bind it to their table and add their own filters; nothing outside repositories writes SQL.
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import col

from services.api.auth.scope import Caller
from services.api.models.base import RecordColumns
from services.api.pagination import PageParams, fetch_page

RowT = TypeVar("RowT", bound=RecordColumns)


class RecordRepository(Generic[RowT]):
    """Queries over one table of records that carry `organization_id`, `version` and `deleted_at`."""

    def __init__(
        self,
        model: type[RowT],
        *,
        sortable: Sequence[str] = ("created_at", "updated_at"),
        default_sort: str = "created_at",
    ) -> None:
        self.model = model
        self.default_sort = default_sort
        self.sortable: dict[str, InstrumentedAttribute[Any]] = {name: getattr(model, name) for name in sortable}
        for name, attribute in self.sortable.items():
            # Keyset pages compare (value, id) tuples: a NULL value would silently end the walk early.
            if attribute.property.columns[0].nullable:
                raise ValueError(f"{model.__name__}.{name} admits NULL and cannot be a keyset sort column")

    def column(self, name: str) -> InstrumentedAttribute[Any]:
        attribute: InstrumentedAttribute[Any] = getattr(self.model, name)
        return attribute

    def readable_statement(self, caller: Caller) -> Select[RowT]:
        """Every read starts here: the caller's organisations only (all of them for admin keys)."""
        statement = select(self.model)
        if caller.visible_ids is not None:
            statement = statement.where(col(self.model.organization_id).in_(caller.visible_ids))
        return statement

    async def get_live(self, session: AsyncSession, caller: Caller, row_id: uuid.UUID) -> RowT | None:
        statement = self.readable_statement(caller).where(
            col(self.model.id) == row_id, col(self.model.deleted_at).is_(None)
        )
        return (await session.execute(statement)).scalar_one_or_none()

    async def page(
        self,
        session: AsyncSession,
        caller: Caller,
        params: PageParams,
        filters: Mapping[str, Any],
    ) -> tuple[Sequence[RowT], str | None]:
        """One page of the caller's records; `filters` are equality filters on columns, None means absent."""
        statement = self.readable_statement(caller)
        for name, value in filters.items():
            if value is not None:
                statement = statement.where(self.column(name) == value)
        return await fetch_page(
            session,
            statement,
            params,
            id_column=self.column("id"),
            sortable=self.sortable,
            default_sort=self.default_sort,
            updated_column=self.column("updated_at"),
            deleted_column=self.column("deleted_at"),
        )

    async def insert(self, session: AsyncSession, values: Mapping[str, Any]) -> RowT:
        statement = insert(self.model).values(**values).returning(self.model)
        row: RowT = (await session.execute(statement)).scalar_one()
        return row

    async def update_versioned(
        self, session: AsyncSession, row_id: uuid.UUID, expected_version: int, values: Mapping[str, Any]
    ) -> RowT | None:
        """Write only if the row is still at the version the client read; None tells the caller it lost the race.

        The version check is in the UPDATE itself, so two concurrent writers with one ETag cannot both win:
        the second waits for the first's row lock, re-reads the row, and matches nothing.
        """
        statement = (
            update(self.model)
            .where(
                col(self.model.id) == row_id,
                col(self.model.version) == expected_version,
                col(self.model.deleted_at).is_(None),
            )
            .values(**values, version=col(self.model.version) + 1, updated_at=func.now())
            .returning(self.model)
            .execution_options(populate_existing=True)
        )
        return (await session.execute(statement)).scalar_one_or_none()

    async def soft_delete(self, session: AsyncSession, row_id: uuid.UUID, expected_version: int) -> RowT | None:
        return await self.update_versioned(session, row_id, expected_version, {"deleted_at": func.now()})

    async def soft_delete_where(self, session: AsyncSession, **equals: Any) -> int:
        """Tombstone every live row matching the equality filters (cascades); returns how many."""
        statement = update(self.model).where(col(self.model.deleted_at).is_(None))
        for name, value in equals.items():
            statement = statement.where(self.column(name) == value)
        statement = statement.values(deleted_at=func.now(), updated_at=func.now(), version=col(self.model.version) + 1)
        result = await session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def soft_delete_in(self, session: AsyncSession, column_name: str, ids: Select[Any]) -> int:
        """Tombstone every live row whose `column_name` is among the ids a subquery selects."""
        statement = (
            update(self.model)
            .where(col(self.model.deleted_at).is_(None), self.column(column_name).in_(ids))
            .values(deleted_at=func.now(), updated_at=func.now(), version=col(self.model.version) + 1)
        )
        result = await session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def exists_live(self, session: AsyncSession, **equals: Any) -> bool:
        statement = select(func.count()).select_from(self.model).where(col(self.model.deleted_at).is_(None))
        for name, value in equals.items():
            statement = statement.where(self.column(name) == value)
        return bool((await session.execute(statement.limit(1))).scalar_one())
