"""Complaint aggregates and bulk rows over a million complaints, each beside a bare reference in the same run.

Scenarios (each round, product and reference alternating which goes first):
- counts: `GET /v1/complaints/counts?group_by=month,entity` (admin key, answered from the monthly rollup)
  beside the same GROUP BY run with asyncpg on the raw table (no rollup) and the rollup query alone;
- Arrow export: `GET /v1/complaints/export?format=arrow` read fully by httpx into a pyarrow Table, beside
  the reference app of this module (`reference_app`: one Starlette route streaming the same query through
  ADBC COPY BINARY -> Arrow IPC, no authentication, session or audit), with the product's peak RSS growth;
- CSV export: `GET /v1/complaints/export?format=csv` read fully (COPY passed through).
"""

import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import adbc_driver_postgresql.dbapi as adbc
import asyncpg
import httpx
import psutil  # type: ignore[import-untyped]  # no stubs in the lock file
import pyarrow as pa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

from services.api.access.caller import Caller
from services.api.complaints import aggregates_repository
from shared.enums import Role

COUNTS_TARGET_SECONDS = 1.0
EXPORT_TARGET_RATIO = 2.0
RAW_COUNTS_SQL = """
SELECT to_char(timezone('America/Bogota', filed_at), 'YYYY-MM') AS month, entity_id, count(*) AS count
FROM complaints WHERE deleted_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2
"""
ROLLUP_COUNTS_SQL = """
SELECT to_char(month, 'YYYY-MM') AS month, entity_id, sum(count)::bigint AS count
FROM complaint_monthly_counts GROUP BY 1, 2 HAVING sum(count) > 0 ORDER BY 1, 2
"""
REFERENCE_BATCH_BYTES = 8 * 1024 * 1024


def export_sql() -> str:
    """The product's export query for an admin (every complaint, no filter): the reference streams the same."""
    admin = Caller(
        api_key_id=uuid.uuid4(), role=Role.ADMIN, organization_id=None, organization_kind=None, visible_ids=None
    )
    return aggregates_repository.export_sql(admin, equals={}, filed_from=None, filed_before=None)


def reference_app() -> Starlette:
    """`GET /arrow`: the export query as an Arrow IPC stream straight from ADBC, nothing else."""
    url = os.environ["BENCH_DATABASE_URL"]
    sql = export_sql()

    def stream() -> Iterator[bytes]:
        with adbc.connect(url, autocommit=True) as connection, connection.cursor() as cursor:
            cursor.adbc_statement.set_options(**{"adbc.postgresql.batch_size_hint_bytes": str(REFERENCE_BATCH_BYTES)})
            cursor.execute(sql)
            reader = cursor.fetch_record_batch()
            yield reader.schema.serialize().to_pybytes()
            for batch in reader:
                yield batch.serialize().to_pybytes()
        yield b"\xff\xff\xff\xff\x00\x00\x00\x00"

    async def arrow(request: Request) -> StreamingResponse:
        return StreamingResponse(stream(), media_type="application/vnd.apache.arrow.stream")

    async def health(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/arrow", arrow), Route("/health", health)])


@dataclass
class BulkSetup:
    url: str
    product_port: int
    reference_port: int
    product_pid: int
    admin_key: str


@dataclass
class BulkRound:
    counts_product_s: float
    counts_raw_sql_s: float
    counts_rollup_sql_s: float
    counts_groups: int
    arrow_product_s: float
    arrow_reference_s: float
    arrow_rows: int
    arrow_mb: float
    csv_product_s: float
    csv_mb: float
    product_peak_rss_growth_mb: float
    extra: dict[str, Any] = field(default_factory=dict)


class PeakRss:
    """Samples a process's RSS every 20 ms in a thread; `growth_mb` is the peak over the start value."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.start = self.peak = int(self.process.memory_info().rss)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self) -> None:
        while not self.stopped.wait(0.02):
            self.peak = max(self.peak, int(self.process.memory_info().rss))

    def __enter__(self) -> "PeakRss":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 1e6


async def _timed_get(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> tuple[float, bytes]:
    started = time.perf_counter()
    response = await client.get(url, headers=headers)
    content = response.content
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.text[:300]}")
    return elapsed, content


async def _timed_arrow(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> tuple[float, pa.Table, int]:
    """Until the client holds the whole pyarrow Table."""
    started = time.perf_counter()
    response = await client.get(url, headers=headers)
    table = pa.ipc.open_stream(response.content).read_all()
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return elapsed, table, len(response.content)


async def _sql_seconds(connection: asyncpg.Connection, sql: str) -> tuple[float, int]:
    started = time.perf_counter()
    rows = await connection.fetch(sql)
    return time.perf_counter() - started, len(rows)


async def run_bulk_rounds(setup: BulkSetup, rounds: int, say: Callable[..., None]) -> list[BulkRound]:
    product = f"http://127.0.0.1:{setup.product_port}"
    reference = f"http://127.0.0.1:{setup.reference_port}"
    headers = {"Authorization": f"Bearer {setup.admin_key}"}
    counts_url = f"{product}/v1/complaints/counts?group_by=month,entity"
    results: list[BulkRound] = []
    connection = await asyncpg.connect(setup.url)
    try:
        async with httpx.AsyncClient(timeout=300) as client:
            # Warm: caches, the caller cache, both servers' imports.
            await _timed_get(client, counts_url, headers)
            await _sql_seconds(connection, RAW_COUNTS_SQL)
            for number in range(rounds):
                product_first = number % 2 == 0
                say(f"complaints-bulk round {number + 1}/{rounds}", end=" ")
                if product_first:
                    counts_product, body = await _timed_get(client, counts_url, headers)
                    raw, groups = await _sql_seconds(connection, RAW_COUNTS_SQL)
                else:
                    raw, groups = await _sql_seconds(connection, RAW_COUNTS_SQL)
                    counts_product, body = await _timed_get(client, counts_url, headers)
                rollup, rollup_groups = await _sql_seconds(connection, ROLLUP_COUNTS_SQL)
                if not groups == rollup_groups == body.count(b'"count"'):
                    raise RuntimeError(f"group counts differ: raw {groups}, rollup {rollup_groups}")
                with PeakRss(setup.product_pid) as rss:
                    if product_first:
                        arrow_product, table, arrow_bytes = await _timed_arrow(
                            client, f"{product}/v1/complaints/export?format=arrow", headers
                        )
                        arrow_reference, reference_table, _ = await _timed_arrow(client, f"{reference}/arrow", {})
                    else:
                        arrow_reference, reference_table, _ = await _timed_arrow(client, f"{reference}/arrow", {})
                        arrow_product, table, arrow_bytes = await _timed_arrow(
                            client, f"{product}/v1/complaints/export?format=arrow", headers
                        )
                    csv_product, csv_body = await _timed_get(
                        client, f"{product}/v1/complaints/export?format=csv", headers
                    )
                if len(table) != len(reference_table):
                    raise RuntimeError(f"export rows differ: product {len(table)}, reference {len(reference_table)}")
                results.append(
                    BulkRound(
                        counts_product_s=counts_product,
                        counts_raw_sql_s=raw,
                        counts_rollup_sql_s=rollup,
                        counts_groups=groups,
                        arrow_product_s=arrow_product,
                        arrow_reference_s=arrow_reference,
                        arrow_rows=len(table),
                        arrow_mb=arrow_bytes / 1e6,
                        csv_product_s=csv_product,
                        csv_mb=len(csv_body) / 1e6,
                        product_peak_rss_growth_mb=rss.growth_mb,
                    )
                )
                del table, reference_table, csv_body
                say(f"counts {counts_product:.3f} s, arrow {arrow_product:.2f} s, csv {csv_product:.2f} s")
    finally:
        await connection.close()
    return results


def _median(rounds: list[BulkRound], name: str) -> float:
    return float(statistics.median(getattr(row, name) for row in rounds))


def _spread(rounds: list[BulkRound], name: str, digits: int) -> str:
    values = [getattr(row, name) for row in rounds]
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}–{max(values):.{digits}f}]"


def bulk_summary(rounds: list[BulkRound]) -> dict[str, Any]:
    counts = _median(rounds, "counts_product_s")
    arrow_ratio = statistics.median(row.arrow_product_s / row.arrow_reference_s for row in rounds)
    return {
        "counts_product_s": counts,
        "counts_raw_sql_s": _median(rounds, "counts_raw_sql_s"),
        "counts_rollup_sql_s": _median(rounds, "counts_rollup_sql_s"),
        "counts_product_over_raw_sql": statistics.median(row.counts_product_s / row.counts_raw_sql_s for row in rounds),
        "counts_target_met": counts < COUNTS_TARGET_SECONDS,
        "arrow_product_s": _median(rounds, "arrow_product_s"),
        "arrow_reference_s": _median(rounds, "arrow_reference_s"),
        "arrow_product_over_reference": arrow_ratio,
        "arrow_target_met": arrow_ratio <= EXPORT_TARGET_RATIO,
        "csv_product_s": _median(rounds, "csv_product_s"),
        "product_peak_rss_growth_mb": max(row.product_peak_rss_growth_mb for row in rounds),
    }


def bulk_json(rounds: list[BulkRound], complaints: int, seed_seconds: float, rollup_rows: int) -> dict[str, Any]:
    return {
        "complaints": complaints,
        "seed_seconds": seed_seconds,
        "rollup_rows": rollup_rows,
        "summary": bulk_summary(rounds),
        "rounds": [asdict(row) for row in rounds],
    }


def bulk_markdown(rounds: list[BulkRound], complaints: int, seed_seconds: float, rollup_rows: int) -> list[str]:
    summary = bulk_summary(rounds)
    met = {True: "met", False: "**missed**"}
    first = rounds[0]
    return [
        f"## Complaint aggregates and bulk export ({complaints:,} complaints, {len(rounds)} rounds)",
        "",
        f"Seeded in {seed_seconds:.1f} s; the monthly rollup holds {rollup_rows:,} rows. "
        f"Medians [min–max] in seconds; {first.counts_groups:,} month × entity groups; "
        f"{first.arrow_rows:,} rows exported ({first.arrow_mb:.1f} MB Arrow, {first.csv_mb:.1f} MB CSV).",
        "",
        "| scenario | product s | reference s | ratio | target |",
        "|---|---|---|---|---|",
        f"| counts month × entity (reference: raw GROUP BY, asyncpg) | {_spread(rounds, 'counts_product_s', 3)} "
        f"| {_spread(rounds, 'counts_raw_sql_s', 3)} | {summary['counts_product_over_raw_sql']:.2f} "
        f"| < {COUNTS_TARGET_SECONDS:.0f} s: {met[summary['counts_target_met']]} |",
        f"| the rollup query alone (asyncpg) | - | {_spread(rounds, 'counts_rollup_sql_s', 3)} | - | - |",
        f"| Arrow export into a pyarrow Table (reference: bare ADBC → IPC route) "
        f"| {_spread(rounds, 'arrow_product_s', 2)} | {_spread(rounds, 'arrow_reference_s', 2)} "
        f"| {summary['arrow_product_over_reference']:.2f} "
        f"| ≤ {EXPORT_TARGET_RATIO:.0f}×: {met[summary['arrow_target_met']]} |",
        f"| CSV export (COPY pass-through), read fully | {_spread(rounds, 'csv_product_s', 2)} | - | - | - |",
        "",
        f"Peak RSS growth of the product server during the exports: {summary['product_peak_rss_growth_mb']:.0f} MB.",
        "",
    ]
