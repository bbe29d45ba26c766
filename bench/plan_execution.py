"""`python -m bench.run --only plan-execution`: plan execution of a 2,000-activity plan with 12 months of
progress, timed through analytics -> API -> PostgreSQL, beside the bare SQL of the progress summary.

1. A fresh database (PARTICIPA_BENCH_DATABASE, default `participa_bench`), migrated, seeded with COPY:
   the small background data of bench/seed.py (so the plan is not alone in its tables), then one more
   EPS with a 2026 plan of 400 goals (80 per axis) × 5 activities = 2,000 activities, each with a
   progress row in each of the 12 months (24,000 rows, a few «no ejecutada» with a quantity), and an
   `eps_ips` key of that EPS (scoped reads, as an integrator would make them).
2. Two uvicorn servers (1 worker each, uvloop + httptools): the API and analytics pointed at it.
3. Sequential requests on one keep-alive connection, warm (a few unmeasured first), for each path:
   - `sql`: the progress summary's GROUP BY run with asyncpg on one connection, rows fetched;
   - `api`: `GET /v1/plans/{id}/progress-summary?as_of=2026-12`, whole body;
   - `analytics`: `GET /v1/analytics/plans/{id}/execution?as_of=2026-12` (sum, and mean_capped): analytics
     revalidates its cached summary with the API's ETag (the API still runs the query; it answers 304);
   - `analytics_changed`: the same after one progress row changed before each request, so the API sends
     the whole summary again;
   - `analytics_xlsx`: the same as an XLSX download.
4. Median, p95 and min per path, the analytics ÷ SQL ratio, the servers' peak RSS; a Markdown table on
   stdout and in bench/results/plan-execution-latest.md, every timing in bench/results/plan-execution-<UTC>.json.

The target (issue 6): plan execution of this plan < 200 ms warm.
"""

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil  # type: ignore[import-untyped]  # no stubs in the lock file

from bench.measure import HOST, latency_summary, peak_rss_mib
from bench.run import DATABASE, RESULTS, Servers, free_port, say
from bench.seed import ACTIVITY_COLUMNS as SEED_ACTIVITY_COLUMNS
from bench.seed import (
    ACTIVITY_TEXTS,
    GOAL_COLUMNS,
    GOAL_TEXTS,
    ORGANIZATION_COLUMNS,
    PLAN_COLUMNS,
    YEAR,
    SeedShape,
    seed,
)
from services.api.access.keys import display_prefix, generate_api_key, hash_api_key
from services.local.database import REPO_ROOT, drop_database, server_url, with_database
from services.local.migrate import upgrade
from shared.enums import Axis

__all__ = ["run_plan_execution"]

GOALS_PER_AXIS = 80
ACTIVITIES_PER_GOAL = 5
TARGET_MS = 200.0
WARM_UP_REQUESTS = 5
REQUESTS_PER_ROUND = 20

PROGRESS_COLUMNS = (
    "id",
    "organization_id",
    "created_at",
    "updated_at",
    "version",
    "plan_id",
    "activity_id",
    "month",
    "executed_quantity",
    "people_reached",
    "executed_budget",
    "evidence_url",
    "executed",
    "note",
)

# The progress summary's query as the API's repository writes it (services/api/plans/repository.py).
SUMMARY_SQL = """
SELECT a.id, a.goal_id, g.axis, g.line, g.code AS goal_code, a.code, a.planned_quantity, a.planned_budget,
       a.schedule_months,
       coalesce(t.executed_quantity, 0), coalesce(t.people_reached, 0), coalesce(t.executed_budget, 0),
       coalesce(t.months_reported, 0), t.flagged_months
FROM activities a
JOIN goals g ON g.id = a.goal_id
LEFT JOIN (
    SELECT activity_id, sum(executed_quantity) AS executed_quantity, sum(people_reached) AS people_reached,
           sum(executed_budget) AS executed_budget, count(*) AS months_reported,
           array_agg(month ORDER BY month) FILTER (WHERE executed IS false AND executed_quantity > 0)
               AS flagged_months
    FROM activity_progress
    WHERE plan_id = $1 AND deleted_at IS NULL AND month <= $2
    GROUP BY activity_id
) t ON t.activity_id = a.id
WHERE a.plan_id = $1 AND a.deleted_at IS NULL AND g.deleted_at IS NULL
ORDER BY g.axis, g.line, length(g.code), g.code, length(a.code), a.code, a.id
"""


def _plan_rows(rng: random.Random) -> tuple[uuid.UUID, uuid.UUID, dict[str, list[tuple[Any, ...]]]]:
    """The EPS, its plan, goals, activities and 12 months of progress of each activity."""
    at = datetime(YEAR, 1, 10, 12, 0, tzinfo=UTC)
    organization_id, plan_id = uuid.uuid4(), uuid.uuid4()
    organizations: list[tuple[Any, ...]] = [
        (organization_id, organization_id, at, at, 1, "eps", "EPS Plan Grande", "900123456-1", "11001", None, [])
    ]
    plans = [
        (
            plan_id,
            organization_id,
            at,
            at,
            1,
            YEAR,
            f"Plan de acción PPSS {YEAR} - EPS Plan Grande",
            "Plan de 2.000 actividades para medir la ejecución.",
            "en_ejecucion",
            date(YEAR, 1, 1),
            date(YEAR, 12, 31),
        )
    ]
    goals: list[tuple[Any, ...]] = []
    activities: list[tuple[Any, ...]] = []
    progress: list[tuple[Any, ...]] = []
    sequence = 0
    for axis in Axis:
        for goal_number in range(1, GOALS_PER_AXIS + 1):
            goal_id = uuid.uuid4()
            goals.append(
                (
                    goal_id,
                    organization_id,
                    at,
                    at,
                    1,
                    plan_id,
                    axis.value,
                    "a",
                    f"M{goal_number:02d}",
                    GOAL_TEXTS[goal_number % len(GOAL_TEXTS)],
                    None,
                )
            )
            for activity_number in range(1, ACTIVITIES_PER_GOAL + 1):
                activity_id = uuid.uuid4()
                months = sorted(rng.sample(range(1, 13), rng.randint(1, 12)))
                planned = len(months) * rng.randint(1, 3)
                sequence += 1
                activities.append(
                    (
                        activity_id,
                        organization_id,
                        at,
                        at,
                        1,
                        plan_id,
                        goal_id,
                        f"A{activity_number:02d}",
                        ACTIVITY_TEXTS[sequence % len(ACTIVITY_TEXTS)],
                        None,
                        "Oficina de atención al usuario",
                        planned,
                        "actividades",
                        date(YEAR, months[0], 1),
                        date(YEAR, 12, 31),
                        rng.choice((0, 250_000, 1_200_000)),
                        months,
                        sequence,
                        None,
                        "11001",
                    )
                )
                for month in range(1, 13):
                    executed = rng.random() > 0.03
                    progress.append(
                        (
                            uuid.uuid4(),
                            organization_id,
                            at,
                            at,
                            1,
                            plan_id,
                            activity_id,
                            f"{YEAR}-{month:02d}",
                            rng.randint(0, 3),
                            rng.randint(0, 60),
                            rng.choice((0, 0, 50_000, 120_000)),
                            None,
                            executed,
                            None,
                        )
                    )
    return (
        organization_id,
        plan_id,
        {
            "organizations": organizations,
            "plans": plans,
            "goals": goals,
            "activities": activities,
            "activity_progress": progress,
        },
    )


async def seed_plan(url: str) -> tuple[uuid.UUID, str, dict[str, int]]:
    """Background data, then the big plan and a scoped key of its EPS; returns the plan id and the key."""
    background = await seed(url, SeedShape(organizations=20, goals_per_plan=10, activities_per_goal=5, complaints=0))
    organization_id, plan_id, tables = _plan_rows(random.Random(2063))
    columns = {
        "organizations": ORGANIZATION_COLUMNS,
        "plans": PLAN_COLUMNS,
        "goals": GOAL_COLUMNS,
        "activities": SEED_ACTIVITY_COLUMNS,
        "activity_progress": PROGRESS_COLUMNS,
    }
    key = generate_api_key()
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            for table, records in tables.items():
                await connection.copy_records_to_table(table, records=records, columns=columns[table])
            await connection.execute(
                "INSERT INTO api_keys (id, organization_id, role, name, prefix, key_hash) "
                "VALUES ($1, $2, 'eps_ips', 'bench plan execution', $3, $4)",
                uuid.uuid4(),
                organization_id,
                display_prefix(key),
                hash_api_key(key),
            )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    rows = {table: len(table_rows) for table, table_rows in tables.items()}
    rows["background_activities"] = background.rows.get("activities", 0)
    return plan_id, key, rows


def _time_http(client: httpx.Client, path: str, headers: dict[str, str], before: Callable[[], None] | None) -> float:
    if before is not None:
        before()
    started = time.perf_counter()
    response = client.get(path, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
    return elapsed


async def _time_sql(url: str, plan_id: uuid.UUID, requests: int) -> list[float]:
    connection = await asyncpg.connect(url)
    try:
        statement = await connection.prepare(SUMMARY_SQL)
        for _ in range(WARM_UP_REQUESTS):
            await statement.fetch(plan_id, f"{YEAR}-12")
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            rows = await statement.fetch(plan_id, f"{YEAR}-12")
            samples.append((time.perf_counter() - started) * 1000)
            if len(rows) != 5 * GOALS_PER_AXIS * ACTIVITIES_PER_GOAL:
                raise RuntimeError(f"the summary query returned {len(rows)} rows")
        return samples
    finally:
        await connection.close()


def _touch(url: str, plan_id: uuid.UUID) -> Callable[[], None]:
    """Change one progress row (and so the summary's ETag), as a new monthly report would."""

    def touch() -> None:
        async def update() -> None:
            connection = await asyncpg.connect(url)
            try:
                await connection.execute(
                    "UPDATE activity_progress SET people_reached = people_reached + 1, version = version + 1, "
                    "updated_at = now() WHERE id = (SELECT id FROM activity_progress WHERE plan_id = $1 "
                    "ORDER BY id LIMIT 1)",
                    plan_id,
                )
            finally:
                await connection.close()

        asyncio.run(update())

    return touch


def _cpu_seconds(process: Any) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _cpu_cell(row: dict[str, float], key: str) -> str:
    value = row.get(f"{key}_cpu_ms_per_request")
    return "-" if value is None else f"{value:.1f}"


def run_plan_execution(args: argparse.Namespace) -> int:
    """The whole scenario; returns the exit code (1 with `--check` when the target is missed)."""
    started = datetime.now(UTC)
    server, embedded = server_url(stop_at_exit=True)
    url = with_database(server, DATABASE)
    say(f"PostgreSQL: {'embedded' if embedded else 'DATABASE_URL'}; database {DATABASE}")
    servers: Servers | None = None
    created = False
    results: dict[str, dict[str, float]] = {}
    peaks: dict[str, float | None] = {}
    scratch_directory = tempfile.TemporaryDirectory(prefix="participa-bench-plan-")
    scratch = scratch_directory.name
    try:
        asyncio.run(drop_database(url))
        created = True
        upgrade(url)
        seed_started = time.perf_counter()
        plan_id, key, rows = asyncio.run(seed_plan(url))
        say(f"Seeded {rows} in {time.perf_counter() - seed_started:.1f} s")

        servers = Servers(Path(scratch))
        env = {name: value for name, value in os.environ.items() if name != "PARTICIPA_ADMIN_API_KEY"}
        env.update(DATABASE_URL=url, PYTHONPATH=str(REPO_ROOT))
        api_port, analytics_port = free_port(), free_port()
        api = servers.start("product", "services.api.main:create_app", api_port, env)
        servers.wait_ready("product", f"http://{HOST}:{api_port}/health")
        analytics = servers.start(
            "analytics",
            "services.analytics.main:create_app",
            analytics_port,
            env | {"API_BASE_URL": f"http://{HOST}:{api_port}"},
        )
        servers.wait_ready("analytics", f"http://{HOST}:{analytics_port}/health")

        requests = REQUESTS_PER_ROUND * max(args.rounds, 1)
        headers = {"Authorization": f"Bearer {key}"}
        results["sql"] = latency_summary(asyncio.run(_time_sql(url, plan_id, requests)))
        paths: list[tuple[str, str, Callable[[], None] | None]] = [
            ("api", f"http://{HOST}:{api_port}/v1/plans/{plan_id}/progress-summary?as_of={YEAR}-12", None),
            (
                "analytics",
                f"http://{HOST}:{analytics_port}/v1/analytics/plans/{plan_id}/execution?as_of={YEAR}-12",
                None,
            ),
            (
                "analytics_mean_capped",
                f"http://{HOST}:{analytics_port}/v1/analytics/plans/{plan_id}/execution?as_of={YEAR}-12&method=mean_capped",
                None,
            ),
            (
                "analytics_changed",
                f"http://{HOST}:{analytics_port}/v1/analytics/plans/{plan_id}/execution?as_of={YEAR}-12",
                _touch(url, plan_id),
            ),
            (
                "analytics_xlsx",
                f"http://{HOST}:{analytics_port}/v1/analytics/plans/{plan_id}/execution?as_of={YEAR}-12&format=xlsx",
                None,
            ),
        ]
        processes = {"api": psutil.Process(api.pid), "analytics": psutil.Process(analytics.pid)}
        with httpx.Client(timeout=60) as client:
            for name, path, before in paths:
                say(f"  {name} …", end="")
                for _ in range(WARM_UP_REQUESTS):
                    _time_http(client, path, headers, before)
                cpu_before = {key: _cpu_seconds(process) for key, process in processes.items()}
                results[name] = latency_summary([_time_http(client, path, headers, before) for _ in range(requests)])
                for key, process in processes.items():
                    spent = _cpu_seconds(process) - cpu_before[key]
                    results[name][f"{key}_cpu_ms_per_request"] = spent * 1000 / requests
                say(f" median {results[name]['median_ms']:.1f} ms")
            servers.check_alive()
        peaks = {"api_peak_rss_mib": peak_rss_mib(api.pid), "analytics_peak_rss_mib": peak_rss_mib(analytics.pid)}
    except KeyboardInterrupt:
        say("\ninterrupted; stopping the servers and dropping the database", error=True)
        return 130
    finally:
        if servers is not None:
            servers.stop()
        if created and not args.keep_database:
            with suppress(Exception):
                asyncio.run(drop_database(url))
        scratch_directory.cleanup()

    ratio = results["analytics"]["median_ms"] / results["sql"]["median_ms"]
    target_met = (
        results["analytics"]["median_ms"] < TARGET_MS and results["analytics_mean_capped"]["median_ms"] < TARGET_MS
    )
    labels = {
        "sql": "bare SQL of the progress summary (asyncpg, prepared)",
        "api": "API GET /v1/plans/{id}/progress-summary",
        "analytics": "analytics GET …/execution (sum; summary revalidated, API 304)",
        "analytics_mean_capped": "analytics GET …/execution?method=mean_capped",
        "analytics_changed": "analytics after a progress change (whole summary sent)",
        "analytics_xlsx": "analytics GET …/execution?format=xlsx",
    }
    lines = [
        f"# bench plan-execution - {started.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        "",
        f"Plan: {rows['activities']:,} activities, {rows['activity_progress']:,} progress rows (12 months); "
        f"sequential warm requests, {results['sql']['n']:.0f} per path.",
        "",
        "| path | median ms | p95 ms | min ms | API CPU ms/req | analytics CPU ms/req |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {labels[name]} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} | {row['min_ms']:.1f} | "
            f"{_cpu_cell(row, 'api')} | {_cpu_cell(row, 'analytics')} |"
            for name, row in results.items()
        ),
        "",
        f"Analytics ÷ bare SQL (medians): {ratio:.1f}×. Target < {TARGET_MS:.0f} ms warm: "
        f"{'met' if target_met else 'MISSED'}.",
        "Peak RSS: "
        + ", ".join(f"{name.removesuffix('_peak_rss_mib')} {value:.0f} MiB" for name, value in peaks.items() if value),
        "",
    ]
    table = "\n".join(lines)
    say()
    say(table)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = started.strftime("%Y%m%dT%H%M%SZ")
        report = {
            "started_at": started.isoformat(),
            "rows": rows,
            "results": results,
            "ratio_analytics_over_sql": ratio,
            "target_ms": TARGET_MS,
            "target_met": target_met,
            **peaks,
        }
        (RESULTS / f"plan-execution-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        (RESULTS / "plan-execution-latest.md").write_text(table, encoding="utf-8")
    return 1 if args.check and not target_met else 0
