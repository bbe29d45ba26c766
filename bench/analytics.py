"""`python -m bench.run --only analytics`: the bimonthly complaint comparison over 1,000,000 complaints,
timed through analytics -> API -> PostgreSQL, beside bare SQL run with asyncpg in the same run.

1. A fresh database (PARTICIPA_BENCH_DATABASE, default `participa_bench`), migrated; the organisations and
   admin key of bench/seed.py (200 organisations); `bench.complaints_seed` writes the complaints (default
   1,000,000, filed 2025-01 .. 2026-11) and rebuilds the monthly rollup; one affiliate count per
   organisation and month, written with SQL.
2. Two uvicorn servers (1 worker each): the API, and analytics pointed at it.
3. Sequential warm requests on one keep-alive connection (a few unmeasured first), as the admin key (the
   whole country), for bimester 2026B5 against 2026B4 and 2025B5, cut-off 2026-12-01:
   - `sql_rollup`: counts per entity of the three bimesters from `complaint_monthly_counts` alone;
   - `sql_rollup_same_figures`: the bare SQL rollup query of the figures analytics serves (the reference of
     issue 6): those counts, then the bimester's answered / in term / out of term and mean response times from
     the rollup, the median business days from its histogram `complaint_response_days`, and the overdue
     backlog from the partial index of unanswered complaints, as the API reads them;
   - `sql_same_figures`: the same figures with the bimester's part over the `complaints` table;
   - `api_stats`: `GET /v1/complaints/stats?group_by=entity` for the bimester (the costliest call analytics makes);
   - `analytics`: `GET /v1/analytics/complaints/bimonthly?period=2026B5&group_by=entity&as_of=…`;
   - `analytics_entity_type`: the same grouped by entity and type;
   - `analytics_xlsx`: the consolidation as XLSX.
4. Median, p95 and min per path; analytics ÷ each SQL reference; the servers' peak RSS (VmHWM). A Markdown
   table on stdout and in bench/results/analytics-latest.md, every timing in bench/results/analytics-<UTC>.json.

Targets (issue 6): < 1 s warm and ≤ 3× the bare SQL rollup query of the same figures.
"""

import argparse
import asyncio
import json
import os
import tempfile
import time
from contextlib import suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.complaints_seed import seed_complaints
from bench.measure import HOST, latency_summary, peak_rss_mib
from bench.run import DATABASE, RESULTS, Servers, free_port, say
from bench.seed import SeedShape, seed
from services.local.database import REPO_ROOT, drop_database, server_url, with_database
from services.local.migrate import upgrade

__all__ = ["run_analytics"]

TARGET_SECONDS = 1.0
TARGET_RATIO = 3.0
WARM_UP_REQUESTS = 3
REQUESTS_PER_ROUND = 10
PERIOD = "2026B5"
AS_OF = "2026-12-01T00:00:00-05:00"
# 2026B5 (Sep-Oct 2026), its previous bimester 2026B4 and the same bimester of 2025, as month ranges.
CURRENT = ("2026-09-01", "2026-11-01")
PREVIOUS = ("2026-07-01", "2026-09-01")
LAST_YEAR = ("2025-09-01", "2025-11-01")

AFFILIATES_SQL = """
INSERT INTO affiliate_counts (id, organization_id, created_at, updated_at, version, month, municipality_code, count)
SELECT gen_random_uuid(), o.id, now(), now(), 1, to_char(m, 'YYYY-MM'), coalesce(o.municipality_code, '11001'),
       20000 + (abs(hashtext(o.id::text)) % 400000) + extract(month FROM m)::int * 150
FROM organizations o
CROSS JOIN generate_series('2025-01-01'::date, '2026-11-01'::date, interval '1 month') AS m
WHERE o.deleted_at IS NULL
"""

ROLLUP_SQL = """
SELECT entity_id,
       sum(count) FILTER (WHERE month >= $1 AND month < $2) AS current,
       sum(count) FILTER (WHERE month >= $3 AND month < $4) AS previous,
       sum(count) FILTER (WHERE month >= $5 AND month < $6) AS same_last_year
FROM complaint_monthly_counts
WHERE (month >= $1 AND month < $2) OR (month >= $3 AND month < $4) OR (month >= $5 AND month < $6)
GROUP BY entity_id
ORDER BY entity_id
"""

# The bimester's figures per entity as the API's stats compute them over the table (timeliness against the
# cut-off, the medians from every answer).
STATS_SQL = """
SELECT entity_id,
       count(*) AS count,
       count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE term_unit IS NOT NULL AND answered_at IS NOT NULL AND answered_at <= due_at) AS in_term,
       count(*) FILTER (WHERE term_unit IS NOT NULL AND answered_at IS NOT NULL AND answered_at > due_at) AS late,
       count(*) FILTER (WHERE term_unit IS NOT NULL AND answered_at IS NULL
                        AND status NOT IN ('trasladado', 'desistido') AND $3 > due_at) AS overdue,
       avg(extract(epoch FROM answered_at - filed_at) / 3600)::float8 AS mean_hours,
       avg(response_business_days)::float8 AS mean_business_days,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY response_business_days) AS median_business_days
FROM complaints
WHERE deleted_at IS NULL AND status <> 'trasladado'
  AND filed_at >= ($1::date)::timestamp AT TIME ZONE 'America/Bogota'
  AND filed_at < ($2::date)::timestamp AT TIME ZONE 'America/Bogota'
GROUP BY entity_id
ORDER BY entity_id
"""

# The same figures from the rollup, as the API reads them: the sums, the exact median from the histogram of
# business days, and the overdue backlog from the partial index of unanswered complaints.
ROLLUP_STATS_SQL = """
SELECT entity_id, sum(count) AS count, sum(answered) AS answered, sum(answered_in_term) AS in_term,
       sum(answered_out_of_term) AS late,
       (sum(response_seconds) / nullif(sum(timed), 0) / 3600)::float8 AS mean_hours,
       (sum(response_business_days)::numeric / nullif(sum(timed_business_days), 0))::float8 AS mean_business_days,
       max(last_answered_at) AS last_answered_at
FROM complaint_monthly_counts
WHERE month >= $1 AND month < $2
GROUP BY entity_id
ORDER BY entity_id
"""
ROLLUP_MEDIAN_SQL = """
WITH days AS (
    SELECT entity_id, business_days, sum(count) AS answers FROM complaint_response_days
    WHERE month >= $1 AND month < $2 GROUP BY entity_id, business_days
), ranked AS (
    SELECT entity_id, business_days,
           sum(answers) OVER (PARTITION BY entity_id ORDER BY business_days) AS up_to,
           sum(answers) OVER (PARTITION BY entity_id) AS answers
    FROM days
)
SELECT entity_id, ((min(business_days) FILTER (WHERE up_to > floor((answers - 1) / 2))
                  + min(business_days) FILTER (WHERE up_to > ceil((answers - 1) / 2))) / 2.0)::float8 AS median
FROM ranked GROUP BY entity_id
"""
OVERDUE_SQL = """
SELECT entity_id, count(*) AS overdue FROM complaints
WHERE answered_at IS NULL AND term_unit IS NOT NULL AND deleted_at IS NULL
  AND status NOT IN ('trasladado', 'desistido') AND due_at < $3
  AND filed_at >= ($1::date)::timestamp AT TIME ZONE 'America/Bogota'
  AND filed_at < ($2::date)::timestamp AT TIME ZONE 'America/Bogota'
GROUP BY entity_id
"""


async def _time_sql(url: str, requests: int) -> dict[str, list[float]]:
    """The references, each round: the rollup counts of the three bimesters, then the bimester's stats over the
    rollup (the same figures as analytics) and over the table."""
    ranges = [date.fromisoformat(day) for pair in (CURRENT, PREVIOUS, LAST_YEAR) for day in pair]
    cut_off = datetime.fromisoformat(AS_OF)
    connection = await asyncpg.connect(url)
    try:
        rollup = await connection.prepare(ROLLUP_SQL)
        rollup_stats = [await connection.prepare(sql) for sql in (ROLLUP_STATS_SQL, ROLLUP_MEDIAN_SQL)]
        overdue = await connection.prepare(OVERDUE_SQL)
        stats = await connection.prepare(STATS_SQL)
        samples: dict[str, list[float]] = {"sql_rollup": [], "sql_rollup_same_figures": [], "sql_same_figures": []}
        for round_number in range(WARM_UP_REQUESTS + requests):
            started = time.perf_counter()
            rows = await rollup.fetch(*ranges)
            rollup_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            figures = [await statement.fetch(ranges[0], ranges[1]) for statement in rollup_stats]
            figures.append(await overdue.fetch(ranges[0], ranges[1], cut_off))
            rollup_stats_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            table_figures = await stats.fetch(ranges[0], ranges[1], cut_off)
            stats_ms = (time.perf_counter() - started) * 1000
            if not rows or not all(figures) or not table_figures:
                raise RuntimeError("the reference queries returned no rows")
            if round_number >= WARM_UP_REQUESTS:
                samples["sql_rollup"].append(rollup_ms)
                samples["sql_rollup_same_figures"].append(rollup_ms + rollup_stats_ms)
                samples["sql_same_figures"].append(rollup_ms + stats_ms)
        return samples
    finally:
        await connection.close()


def _time_http(client: httpx.Client, url: str, headers: dict[str, str], requests: int) -> list[float]:
    samples: list[float] = []
    for number in range(WARM_UP_REQUESTS + requests):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:300]}")
        if number >= WARM_UP_REQUESTS:
            samples.append(elapsed)
    return samples


async def _seed_affiliates(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        status = await connection.execute(AFFILIATES_SQL)
        await connection.execute("ANALYZE affiliate_counts")
        return int(status.split()[-1])
    finally:
        await connection.close()


def run_analytics(args: argparse.Namespace) -> int:
    """The whole scenario; returns the exit code (1 with `--check` when a target is missed)."""
    started = datetime.now(UTC)
    server, embedded = server_url(stop_at_exit=True)
    url = with_database(server, DATABASE)
    say(f"PostgreSQL: {'embedded' if embedded else 'DATABASE_URL'}; database {DATABASE}")
    servers: Servers | None = None
    created = False
    results: dict[str, dict[str, float]] = {}
    peaks: dict[str, float | None] = {}
    facts: dict[str, Any] = {}
    scratch_directory = tempfile.TemporaryDirectory(prefix="participa-bench-analytics-")
    try:
        asyncio.run(drop_database(url))
        created = True
        upgrade(url)
        seeded = asyncio.run(seed(url, SeedShape(args.organizations, 1, 1, 0)))
        bulk = asyncio.run(seed_complaints(url, args.bulk_complaints))
        affiliates = asyncio.run(_seed_affiliates(url))
        facts = {
            "complaints": bulk.count,
            "complaints_seed_seconds": round(bulk.seconds, 1),
            "rollup_rows": bulk.rollup_rows,
            "organizations": args.organizations,
            "affiliate_counts": affiliates,
        }
        say(f"Seeded {bulk.count:,} complaints in {bulk.seconds:.1f} s (rollup {bulk.rollup_rows:,} rows)")

        servers = Servers(Path(scratch_directory.name))
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
        for name, samples in asyncio.run(_time_sql(url, requests)).items():
            results[name] = latency_summary(samples)
        headers = {"Authorization": f"Bearer {seeded.admin_key}"}
        base = f"http://{HOST}:{analytics_port}/v1/analytics/complaints/bimonthly?period={PERIOD}&as_of={AS_OF}"
        paths = {
            "api_stats": f"http://{HOST}:{api_port}/v1/complaints/stats?group_by=entity"
            f"&filed_from={CURRENT[0]}&filed_to=2026-10-31",
            "analytics": f"{base}&group_by=entity",
            "analytics_entity_type": f"{base}&group_by=entity,type",
            "analytics_xlsx": f"{base}&group_by=entity&format=xlsx",
        }
        with httpx.Client(timeout=120) as client:
            for name, path in paths.items():
                say(f"  {name} …", end="")
                results[name] = latency_summary(_time_http(client, path, headers, requests))
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

    analytics_ms = results["analytics"]["median_ms"]
    ratio_rollup = analytics_ms / results["sql_rollup_same_figures"]["median_ms"]
    ratio_counts = analytics_ms / results["sql_rollup"]["median_ms"]
    ratio_same = analytics_ms / results["sql_same_figures"]["median_ms"]
    under_second = analytics_ms < TARGET_SECONDS * 1000
    within_ratio = ratio_rollup <= TARGET_RATIO
    labels = {
        "sql_rollup": "bare SQL: counts of 3 bimesters per entity from the rollup (asyncpg, prepared)",
        "sql_rollup_same_figures": "bare SQL rollup query of the same figures: those counts + the bimester's "
        "stats from the rollup, its histogram and the unanswered index",
        "sql_same_figures": "bare SQL of the same figures with the bimester's stats over the complaints table",
        "api_stats": "API GET /v1/complaints/stats?group_by=entity (the bimester)",
        "analytics": f"analytics GET …/bimonthly?period={PERIOD}&group_by=entity",
        "analytics_entity_type": "analytics GET …/bimonthly, group_by=entity,type",
        "analytics_xlsx": "analytics GET …/bimonthly, group_by=entity, format=xlsx",
    }
    lines = [
        f"# bench analytics - {started.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        "",
        f"{facts['complaints']:,} complaints (2025-01 .. 2026-11) over {facts['organizations']} organisations, "
        f"rollup {facts['rollup_rows']:,} rows, {facts['affiliate_counts']:,} affiliate counts; admin key; "
        f"sequential warm requests, {results['sql_rollup']['n']:.0f} per path.",
        "",
        "| path | median ms | p95 ms | min ms |",
        "|---|---:|---:|---:|",
        *(
            f"| {labels[name]} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} | {row['min_ms']:.1f} |"
            for name, row in results.items()
        ),
        "",
        f"Analytics ÷ bare SQL rollup query of the same figures: {ratio_rollup:.1f}× (target ≤ "
        f"{TARGET_RATIO:.0f}×: {'met' if within_ratio else 'MISSED'}); ÷ the rollup counts alone: "
        f"{ratio_counts:.1f}×; ÷ the same figures over the table: {ratio_same:.1f}×.",
        f"Analytics < {TARGET_SECONDS:.0f} s warm: {'met' if under_second else 'MISSED'}.",
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
            "facts": facts,
            "results": results,
            "ratio_analytics_over_rollup_sql": ratio_rollup,
            "ratio_analytics_over_rollup_counts_sql": ratio_counts,
            "ratio_analytics_over_same_figures_sql": ratio_same,
            "target_seconds": TARGET_SECONDS,
            "target_ratio": TARGET_RATIO,
            "target_met": under_second and within_ratio,
            **peaks,
        }
        (RESULTS / f"analytics-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        (RESULTS / "analytics-latest.md").write_text(table, encoding="utf-8")
    return 1 if args.check and not (under_second and within_ratio) else 0
