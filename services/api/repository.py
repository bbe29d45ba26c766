"""The SQL every record table shares: scoped reads, keyset pages, versioned updates, tombstones.

Area repositories bind it to their table and add their own filters; nothing outside repositories writes SQL.
"""

import uuid
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg
from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    bindparam,
    cast,
    func,
    insert,
    inspect,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import SQLModel

from services.api.access.caller import Caller
from services.api.access.scope import scope_arguments, visible_to
from services.api.db import DriverConnection
from services.api.pagination import PageOrder, PageParams, encode_cursor, page_order

RowT = TypeVar("RowT", bound=SQLModel)
PageRowT = TypeVar("PageRowT")

COPY_THRESHOLD = 200
"""From this many rows on, `insert_many` uses COPY instead of INSERT."""

_DRIVER_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]  # the dialect's __init__ is untyped


@dataclass(frozen=True)
class DriverStatement:
    """A Core statement compiled once to asyncpg's SQL (`$1`, `$2`, …) with the names of its parameters.

    Constants of the statement (the literals of an SQL expression) keep their compiled values; the others
    are named `bindparam`s given per execution.
    """

    sql: str
    names: tuple[str, ...]
    constants: Mapping[str, Any]

    @classmethod
    def compile(cls, statement: Select[Any]) -> "DriverStatement":
        # Expanding IN lists of constants are rendered into the SQL, so the text never depends on a value.
        compiled = statement.compile(dialect=_DRIVER_DIALECT, compile_kwargs={"render_postcompile": True})
        return cls(compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params))

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        return [values[name] if name in values else self.constants[name] for name in self.names]


def driver_param(name: str, like: Any = None) -> Any:
    """A parameter given per execution of a `DriverStatement`, of the SQL type of the column `like` (a
    column or mapped attribute, typed as its Python value by SQLModel) when there is one."""
    return bindparam(name, None, type_=like.type if like is not None else None)


class RecordRepository(Generic[RowT]):
    """Queries over one table of records that carry `organization_id`, `version` and `deleted_at`.

    `scope_columns` are the organisation columns a caller's visible organisations are matched against
    (any of them makes a row readable); a table without them (API keys, scoped by their own rules) names
    none, and one without `deleted_at` says `tombstones=False`, so its lists skip the live-rows condition.

    Reads (`fetch_live`, `page`, `driver_page`, `fetch_all_live`) run on the driver connection of
    `db.read_connection`; the session methods are the write path's.
    """

    def __init__(
        self,
        model: type[RowT],
        *,
        sortable: Sequence[str] = ("created_at", "updated_at"),
        default_sort: str = "created_at",
        scope_columns: Sequence[str] = ("organization_id",),
        tombstones: bool = True,
    ) -> None:
        self.model = model
        self.tombstones = tombstones
        self.default_sort = default_sort
        self.scope_columns = tuple(scope_columns)
        # The mapped columns only, so a column outside the mapper (a full-text vector) is never read back.
        self._mapped_columns = tuple(getattr(model, attribute.key) for attribute in inspect(model).column_attrs)
        self._live_by_id: dict[bool, DriverStatement] = {}
        self.sortable: dict[str, InstrumentedAttribute[Any]] = {name: getattr(model, name) for name in sortable}
        # Driver pages read JSONB as its text: the caller decodes it with orjson, several times cheaper per
        # value than the driver codec's json.loads, which a page of rows pays for every row.
        self._driver_columns = tuple(
            cast(column, Text).label(column.key) if isinstance(column.type, JSONB) else column
            for column in self._mapped_columns
        )
        self._driver_pages: dict[Hashable, DriverStatement] = {}
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
        in_scope = visible_to(caller, *self._scope())
        return statement if in_scope is None else statement.where(in_scope)

    def _scope(self) -> list[InstrumentedAttribute[Any]]:
        return [self.column(name) for name in self.scope_columns]

    async def fetch_live(
        self, connection: DriverConnection, caller: Caller, row_id: uuid.UUID
    ) -> asyncpg.Record | None:
        """The read of one record (`GET /…/{id}`): the mapped columns of one live row in the caller's scope.

        A driver record (no ORM instance, no session), from one prepared statement per table and scope kind.
        """
        scoped = caller.visible_ids is not None
        statement = self._live_by_id.get(scoped)
        if statement is None:
            conditions = [self.column("id") == driver_param("id", self.column("id"))]
            if self.tombstones:
                conditions.append(self.column("deleted_at").is_(None))
            in_scope = self._in_scope(caller)
            if in_scope is not None:
                conditions.append(in_scope)
            statement = self._live_by_id[scoped] = DriverStatement.compile(
                select(*self._mapped_columns).where(*conditions)
            )
        return await connection.fetchrow(statement.sql, *statement.arguments({"id": row_id, **scope_arguments(caller)}))

    async def fetch_all_live(
        self, connection: DriverConnection, *, shape: Hashable, order_by: Callable[[], Sequence[Any]], **equals: Any
    ) -> list[asyncpg.Record]:
        """Every live row matching the equality filters, in `order_by()`'s order, as driver records.

        For reads of whole sets the caller already checked access to (the rows of one plan for its tree):
        no scope condition. `shape` names the order; the statement is compiled once per shape and filters.
        """
        key = ("all", shape, tuple(equals))
        statement = self._driver_pages.get(key)
        if statement is None:
            conditions = [self.column(name) == driver_param(f"eq_{name}", self.column(name)) for name in equals]
            statement = self._driver_pages[key] = DriverStatement.compile(
                select(*self._driver_columns)
                .where(*conditions, self.column("deleted_at").is_(None))
                .order_by(*order_by())
            )
        values = {f"eq_{name}": value for name, value in equals.items()}
        return await connection.fetch(statement.sql, *statement.arguments(values))

    async def get_live(self, session: AsyncSession, caller: Caller, row_id: uuid.UUID) -> RowT | None:
        """The ORM row a write is about to change or check, through the write's session (reads use
        `fetch_live`)."""
        statement = self.readable_statement(caller).where(
            self.column("id") == row_id, self.column("deleted_at").is_(None)
        )
        return (await session.execute(statement)).scalar_one_or_none()

    async def all_live(self, session: AsyncSession, caller: Caller, **equals: Any) -> Sequence[RowT]:
        """Every live row matching the equality filters, within the caller's scope (whole-plan writes)."""
        statement = self.readable_statement(caller).where(self.column("deleted_at").is_(None))
        for name, value in equals.items():
            statement = statement.where(self.column(name) == value)
        return list((await session.execute(statement.order_by(self.column("id")))).scalars())

    async def page(
        self,
        connection: DriverConnection,
        caller: Caller,
        params: PageParams,
        filters: Mapping[str, Any],
    ) -> tuple[list[asyncpg.Record], str | None]:
        """One page of the caller's records; `filters` are equality filters on columns, None means absent."""
        present = {name: value for name, value in filters.items() if value is not None}
        names = tuple(present)
        return await self.driver_page(
            connection,
            caller,
            params,
            shape=("equals", names),
            where=lambda: [self.column(name) == driver_param(f"eq_{name}", self.column(name)) for name in names],
            values={f"eq_{name}": value for name, value in present.items()},
        )

    async def driver_page(
        self,
        connection: DriverConnection,
        caller: Caller,
        params: PageParams,
        *,
        shape: Hashable,
        where: Callable[[], Sequence[ColumnElement[bool]]],
        values: Mapping[str, Any],
    ) -> tuple[list[asyncpg.Record], str | None]:
        """The read of one list page: the caller's rows under `where()`, in keyset order, as driver records.

        JSONB columns come back as their JSON text (see `__init__`).

        `where()` gives the filter conditions written with `driver_param`s whose values are in `values`;
        `shape` names that set of conditions. The statement is compiled once per shape, scope kind, order
        and cursor presence, then runs as one prepared statement per request (no ORM, no session).
        """
        order = self._order(params)
        scoped = caller.visible_ids is not None
        key = (shape, scoped, order.column.key, order.descending, order.sync, order.after is not None)
        statement = self._driver_pages.get(key)
        if statement is None:
            base = select(*self._driver_columns).where(*where())
            in_scope = self._in_scope(caller)
            if in_scope is not None:
                base = base.where(in_scope)
            statement = self._driver_pages[key] = DriverStatement.compile(self._keyset(base, order))
        arguments = dict(values, **self._keyset_arguments(params, order), **scope_arguments(caller))
        rows = await connection.fetch(statement.sql, *statement.arguments(arguments))
        return self._cut(rows, params, order, lambda row, name: row[name])

    async def page_of(
        self, session: AsyncSession, statement: Select[RowT], params: PageParams
    ) -> tuple[Sequence[RowT], str | None]:
        """`driver_page` as ORM rows of an already scoped and filtered statement: the same keyset walk.

        Only the complaints area still calls it (its ORM list, until that area reads lists on the driver
        alone); no other list reads through the session.
        """
        order = self._order(params)
        result = await session.execute(self._keyset(statement, order), self._keyset_arguments(params, order))
        return self._cut(list(result.scalars()), params, order, getattr)

    def _in_scope(self, caller: Caller) -> ColumnElement[bool] | None:
        return visible_to(caller, *self._scope(), prepared=True) if self.scope_columns else None

    def _order(self, params: PageParams) -> PageOrder:
        updated = self.column("updated_at")
        return page_order(params, sortable=self.sortable, default_sort=self.default_sort, updated_column=updated)

    def _keyset(self, statement: Select[Any], order: PageOrder) -> Select[Any]:
        """Sync or live rows, after the cursor, in `(sort column, id)` order, limit + 1 to see the next page.

        The values are named parameters (`_keyset_arguments`), so one compiled statement serves every page.
        """
        sort_column, id_column = order.column, self.column("id")
        if order.sync:
            statement = statement.where(sort_column >= driver_param("updated_since", sort_column))
        elif self.tombstones:
            statement = statement.where(self.column("deleted_at").is_(None))
        if order.after is not None:
            position = tuple_(sort_column, id_column)
            bound = tuple_(driver_param("after_value", sort_column), driver_param("after_id", id_column))
            statement = statement.where(position < bound if order.descending else position > bound)
        by = (sort_column.desc(), id_column.desc()) if order.descending else (sort_column.asc(), id_column.asc())
        return statement.order_by(*by).limit(driver_param("limit"))

    @staticmethod
    def _keyset_arguments(params: PageParams, order: PageOrder) -> dict[str, Any]:
        arguments: dict[str, Any] = {"limit": params.limit + 1}
        if order.sync:
            arguments["updated_since"] = params.updated_since
        if order.after is not None:
            arguments["after_value"], arguments["after_id"] = order.after
        return arguments

    @staticmethod
    def _cut(
        rows: list[PageRowT], params: PageParams, order: PageOrder, value: Callable[[PageRowT, str], Any]
    ) -> tuple[list[PageRowT], str | None]:
        if len(rows) <= params.limit:
            return rows, None
        rows = rows[: params.limit]
        last = rows[-1]
        return rows, encode_cursor(order.cursor_key, value(last, order.column.key), value(last, "id"))

    async def insert(self, session: AsyncSession, values: Mapping[str, Any]) -> RowT:
        statement = insert(self.model).values(**values).returning(self.model)
        row: RowT = (await session.execute(statement)).scalar_one()
        return row

    async def insert_many(self, session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert many rows (imports); ids are generated by the caller and every row has the same keys.

        Large batches go through COPY on the request's own connection (inside its transaction and
        savepoint): for a 10,000-activity plan it is several times cheaper than batched INSERTs.
        Columns left out take their server defaults (timestamps, version).
        """
        if not rows:
            return
        if len(rows) < COPY_THRESHOLD:
            await session.execute(insert(self.model), [dict(row) for row in rows])
            return
        columns = list(rows[0].keys())
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.copy_records_to_table(
            self.model.__tablename__,
            records=[tuple(row[column] for column in columns) for row in rows],
            columns=columns,
        )

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
                self.column("id") == row_id,
                self.column("version") == expected_version,
                self.column("deleted_at").is_(None),
            )
            .values(**values, version=self.column("version") + 1, updated_at=func.now())
            .returning(self.model)
            .execution_options(populate_existing=True)
        )
        return (await session.execute(statement)).scalar_one_or_none()

    async def soft_delete(self, session: AsyncSession, row_id: uuid.UUID, expected_version: int) -> RowT | None:
        return await self.update_versioned(session, row_id, expected_version, {"deleted_at": func.now()})

    async def soft_delete_where(self, session: AsyncSession, **equals: Any) -> int:
        """Tombstone every live row matching the equality filters (cascades); returns how many."""
        statement = update(self.model).where(self.column("deleted_at").is_(None))
        for name, value in equals.items():
            statement = statement.where(self.column(name) == value)
        statement = statement.values(deleted_at=func.now(), updated_at=func.now(), version=self.column("version") + 1)
        result = await session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def soft_delete_in(self, session: AsyncSession, column_name: str, ids: Select[Any]) -> int:
        """Tombstone every live row whose `column_name` is among the ids a subquery selects."""
        statement = (
            update(self.model)
            .where(self.column("deleted_at").is_(None), self.column(column_name).in_(ids))
            .values(deleted_at=func.now(), updated_at=func.now(), version=self.column("version") + 1)
        )
        result = await session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def exists_live(self, session: AsyncSession, **equals: Any) -> bool:
        statement = select(func.count()).select_from(self.model).where(self.column("deleted_at").is_(None))
        for name, value in equals.items():
            statement = statement.where(self.column(name) == value)
        return bool((await session.execute(statement.limit(1))).scalar_one())
