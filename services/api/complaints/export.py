"""Streams of the bulk complaint export: Arrow IPC from ADBC (COPY BINARY decoded in C) and CSV from COPY.

Both read on a connection of their own, so they see committed data only, and both are streamed: memory
holds one record batch (ADBC's batch hint) or a few COPY chunks (a bounded queue), never the table.
"""

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import adbc_driver_postgresql.dbapi as adbc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.concurrency import run_in_threadpool

from services.api import audit
from services.api.access.caller import Caller
from services.api.complaints import aggregates_repository
from services.api.complaints.aggregates import AggregateFilters
from services.api.complaints.deadlines import now_utc
from shared.periods import BOGOTA

logger = logging.getLogger("participa.api.complaints.export")

ARROW_MEDIA_TYPE = "application/vnd.apache.arrow.stream"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
# Bytes of COPY BINARY data ADBC decodes into one record batch: the server's memory per export.
ARROW_BATCH_BYTES = 8 * 1024 * 1024
# COPY chunks waiting for the client: the CSV stream's memory is this many chunks (~128 KiB each).
CSV_QUEUE_CHUNKS = 16
# End of an Arrow IPC stream: continuation marker and a zero-length message.
_ARROW_END = b"\xff\xff\xff\xff\x00\x00\x00\x00"


def libpq_url(engine: AsyncEngine) -> str:
    """The engine's database as a libpq URI (what ADBC connects to)."""
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def arrow_stream(url: str, sql: str) -> Iterator[bytes]:
    """The rows of `sql` as an Arrow IPC stream: the schema, then one message per record batch.

    A sync generator: Starlette runs each step in its thread pool, so ADBC's blocking reads never hold the
    event loop.
    """
    started, rows = time.perf_counter(), 0
    with adbc.connect(url, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.adbc_statement.set_options(**{"adbc.postgresql.batch_size_hint_bytes": str(ARROW_BATCH_BYTES)})
        cursor.execute(sql)
        reader = cursor.fetch_record_batch()
        yield reader.schema.serialize().to_pybytes()
        for batch in reader:
            rows += batch.num_rows
            yield batch.serialize().to_pybytes()
    yield _ARROW_END
    logger.info("complaint export: arrow, %d rows, %.2f s", rows, time.perf_counter() - started)


async def csv_stream(engine: AsyncEngine, sql: str) -> AsyncIterator[bytes]:
    """The rows of `sql` as UTF-8 CSV with a header, passed through from `COPY ... TO STDOUT`.

    COPY pushes chunks into a bounded queue; when the client reads slower, the queue fills, COPY's writer
    waits and asyncpg stops reading the socket, so PostgreSQL waits too.
    """
    started, size = time.perf_counter(), 0
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=CSV_QUEUE_CHUNKS)

    async def put(chunk: bytes | bytearray) -> None:
        await queue.put(bytes(chunk))

    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None

        async def copy() -> None:
            try:
                await driver.copy_from_query(sql, output=put, format="csv", header=True, encoding="UTF8")
            except asyncio.CancelledError:
                raise  # the reader is gone: nobody waits for the end marker
            except BaseException:
                await queue.put(None)
                raise
            await queue.put(None)

        task = asyncio.create_task(copy())
        try:
            while (chunk := await queue.get()) is not None:
                size += len(chunk)
                yield chunk
            await task
        finally:
            if not task.done():
                task.cancel()
                # The connection goes back to the pool only once the cancelled COPY has let go of it.
                await asyncio.gather(task, return_exceptions=True)
    logger.info("complaint export: csv, %d bytes, %.2f s", size, time.perf_counter() - started)


async def started(stream: Iterator[bytes]) -> Iterator[bytes]:
    """`stream` with its first message already read (in the thread pool): a failure to connect or to run
    the query becomes an error response instead of a 200 cut short."""
    first = await run_in_threadpool(next, stream)
    return itertools.chain([first], stream)


async def started_async(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """`started` for an async stream."""
    first = await anext(stream)

    async def resumed() -> AsyncIterator[bytes]:
        yield first
        async for chunk in stream:
            yield chunk

    return resumed()


@dataclass(frozen=True)
class ComplaintExport:
    """What the router streams: the body, its media type and the file name of `Content-Disposition`."""

    body: Iterator[bytes] | AsyncIterator[bytes]
    media_type: str
    filename: str


async def export_complaints(
    session: AsyncSession, caller: Caller, engine: AsyncEngine, *, arrow: bool, filters: AggregateFilters
) -> ComplaintExport:
    """The caller's live complaints without personal data, as a stream; the export itself is audited.

    The route lets every role but asociacion call this (associations read aggregates, not rows).
    """
    sql = aggregates_repository.export_sql(
        caller,
        equals={"entity_id": filters.entity_id, "type": filters.type, "channel": filters.channel, "risk": filters.risk},
        filed_from=filters.filed_from,
        filed_before=filters.filed_before,
    )
    await audit.record(session, caller, "export", "complaints", None, caller.organization_id)
    stamp = now_utc().astimezone(BOGOTA).strftime("%Y%m%dT%H%M")
    if arrow:
        return ComplaintExport(
            body=await started(arrow_stream(libpq_url(engine), sql)),
            media_type=ARROW_MEDIA_TYPE,
            filename=f"quejas-{stamp}.arrows",
        )
    return ComplaintExport(
        body=await started_async(csv_stream(engine, sql)),
        media_type=CSV_MEDIA_TYPE,
        filename=f"quejas-{stamp}.csv",
    )
