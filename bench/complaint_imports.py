"""`python -m bench.run --only complaint-import`: a 10,000-row complaint file through `POST /v1/complaints:import`,
beside a bare reference that stores the same rows with the csv module and asyncpg COPY, in the same run.

1. A fresh database (PARTICIPA_BENCH_DATABASE, default `participa_bench`), migrated, seeded with COPY: the
   small background of bench/seed.py (organisations with valid NITs, their plans, no complaints) and one
   admin key.
2. The product API in a uvicorn server (1 worker, uvloop + httptools), exactly as deployed.
3. A CSV in our template, generated once (seeded): 10,000 complaints filed during 2026 with unique
   radicados, weighted types, every channel, health-claim risks, minors, Spanish texts, DANE municipalities,
   motives of the July 2023 catalogue (ME23-01..ME23-10), the entity complained about by NIT (three EPS) or
   left empty (the receiver itself), and the petitioner's document and names on most rows.
4. Each round, on fresh receiving organisations (none has complaints yet):
   - **product dry run**: the file posted by the bench process (admin key, `organization_id`), timed end to
     end; the report must say `dry_run` with 10,000 complaints;
   - **product commit**: the same with `dry_run=false`, `accept_warnings=true`; `committed`, 10,000
     complaints and their people;
   - **reference**: in this process, the same bytes through `csv.reader`, mapped to complaint and people
     records (entity by NIT, instant, vocabularies as written, constant derived deadline columns) and
     written with `copy_records_to_table` in one transaction, on another fresh organisation: the floor for
     "this file in these tables" with no HTTP, framework, checks or deadline engine. Product and reference
     alternate which goes first.
   Each product step also reports the CPU seconds of the product server and of its PostgreSQL backends.
5. Medians [min–max], ratios to the reference, met or missed against DESIGN §5 (a 10,000-row complaint
   file imports in under 5 s); a Markdown table on stdout and in bench/results/complaint-import-latest.md,
   every figure in bench/results/complaint-import-<UTC>.json.
"""

import argparse
import asyncio
import csv
import io
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson

from bench.imports import Timed
from bench.measure import HOST, PostgresCpu, backend_cpu_delta, process_cpu_seconds, wait_idle
from bench.run import DATABASE, PRODUCT_APPLICATION_NAME, RESULTS, Servers, free_port, say
from bench.seed import COMPLAINT_TEXTS, COMPLAINT_TYPES, MUNICIPALITIES, SeedShape, seed
from services.api.complaints.service import derived_columns
from services.local.database import REPO_ROOT, drop_database, server_url, with_database
from services.local.migrate import upgrade
from shared import deadlines
from shared.enums import Channel, ComplaintType, Risk
from shared.periods import BOGOTA

__all__ = ["run_complaint_import"]

ROWS = 10_000
YEAR = 2026
TARGET_SECONDS = 5.0
REQUEST_TIMEOUT_SECONDS = 180.0
BACKGROUND_ORGANIZATIONS = 12
REFERENCE_APPLICATION_NAME = "participa-bench-complaint-import"
ENTITIES = 3
"""EPS of the background named by NIT in the file (the rest of the rows complain about the receiver)."""

HEADER = (
    "radicado",
    "fecha_radicacion",
    "tipo",
    "canal",
    "riesgo",
    "menor",
    "entity_nit",
    "municipio",
    "motivo",
    "descripcion",
    "tipo_documento",
    "numero_documento",
    "nombres",
    "apellidos",
)
FIRST_NAMES = (
    "Ana María",
    "Luis Fernando",
    "Carmen Rosa",
    "José Alejandro",
    "Luz Marina",
    "Juan Pablo",
    "María José",
    "Jhon Jairo",
    "Diana Patricia",
    "Andrés Felipe",
    "Yolanda",
    "Óscar Iván",
)
LAST_NAMES = (
    "Pérez Gómez",
    "Rodríguez Martínez",
    "García López",
    "Hernández Muñoz",
    "Ramírez Castaño",
    "Sánchez Ospina",
    "Díaz Cárdenas",
    "Torres Quintero",
    "Rojas Peña",
    "Vargas Zuluaga",
)
DETAILS = (
    "Llevo varias semanas esperando respuesta.",
    "Ya presenté la solicitud por otro canal sin resultado.",
    "Adjunto la orden médica y la autorización vencida.",
    "Es la tercera vez que me comunico por este motivo.",
    "",
)
MOTIVES = tuple(f"ME23-{number:02d}" for number in range(1, 11))
PERSON_SHARE = 0.85
"""Rows that carry the petitioner's document and names (anonymous filings leave them empty)."""

COMPLAINT_COLUMNS = (
    "id",
    "organization_id",
    "entity_id",
    "radicado",
    "filed_at",
    "date_precision",
    "type",
    "channel",
    "risk",
    "minor",
    "municipality_code",
    "motive_code",
    "text",
    "attachments",
)
PEOPLE_COLUMNS = (
    "id",
    "complaint_id",
    "organization_id",
    "role",
    "document_type",
    "document_number",
    "first_names",
    "last_names",
)


# --------------------------------------------------------------------------------------------------
# The file
# --------------------------------------------------------------------------------------------------


def complaints_csv(entity_nits: list[str], *, rows: int = ROWS, random_seed: int = 2063) -> tuple[bytes, int]:
    """Our template's CSV, UTF-8: `rows` complaints filed during 2026 (before December), seeded; and how many
    rows carry personal data."""
    rng = random.Random(random_seed)
    types = [kind for kind, _ in COMPLAINT_TYPES]
    weights = [weight for _, weight in COMPLAINT_TYPES]
    channels = [channel for channel in Channel if channel is not Channel.API]
    start = datetime(YEAR, 1, 2, 7, 0, tzinfo=BOGOTA)
    span_seconds = int((datetime(YEAR, 11, 30, 18, 0, tzinfo=BOGOTA) - start).total_seconds())
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(HEADER)
    people = 0
    for number in range(1, rows + 1):
        kind = rng.choices(types, weights)[0]
        risk = rng.choice(list(Risk)).value if kind is ComplaintType.RECLAMO and rng.random() < 0.8 else ""
        minor = rng.random() < 0.12
        filed_at = start + timedelta(seconds=rng.randrange(span_seconds))
        text = f"{COMPLAINT_TEXTS[rng.randrange(len(COMPLAINT_TEXTS))]} {DETAILS[rng.randrange(len(DETAILS))]}"
        person: tuple[str, str, str, str] = ("", "", "", "")
        if rng.random() < PERSON_SHARE:
            person = (
                "TI" if minor else rng.choice(("CC", "CC", "CC", "CE", "PPT")),
                str(rng.randint(1_000_000_000, 1_199_999_999) if minor else rng.randint(10_000_000, 1_099_999_999)),
                FIRST_NAMES[rng.randrange(len(FIRST_NAMES))],
                LAST_NAMES[rng.randrange(len(LAST_NAMES))],
            )
            people += 1
        writer.writerow(
            (
                f"QB-{YEAR}-{number:06d}",
                filed_at.isoformat(timespec="seconds"),
                kind.value,
                rng.choice(channels).value,
                risk,
                "sí" if minor else "no",
                entity_nits[rng.randrange(len(entity_nits))] if rng.random() < 0.4 else "",
                MUNICIPALITIES[rng.randrange(len(MUNICIPALITIES))][0],
                MOTIVES[rng.randrange(len(MOTIVES))] if rng.random() < 0.9 else "",
                text.strip(),
                *person,
            )
        )
    return output.getvalue().encode("utf-8"), people


# --------------------------------------------------------------------------------------------------
# The reference: csv module + asyncpg COPY into the same tables
# --------------------------------------------------------------------------------------------------


def _constant_derived() -> dict[str, Any]:
    """The deadline columns of one filed petition, stored on every reference row (the engine is not the floor)."""
    filed_at = datetime(YEAR, 6, 1, 12, 0, tzinfo=UTC)
    derived = derived_columns(deadlines.compute_deadline(filed_at, ComplaintType.PETICION), filed_at)
    return {name: orjson.dumps(value).decode() if name == "flags" else value for name, value in derived.items()}


def reference_rows(
    data: bytes, organization_id: uuid.UUID, entities: dict[str, uuid.UUID]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], tuple[str, ...]]:
    """The file's rows as complaint and people records, with the fewest steps that store them."""
    derived = _constant_derived()
    derived_values = tuple(derived.values())
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header = next(reader)
    at = {name: index for index, name in enumerate(header)}
    radicado, filed, kind, channel, risk, minor = (at[name] for name in HEADER[:6])
    nit, municipality, motive, text, document_type, document_number, first, last = (at[name] for name in HEADER[6:])
    complaints: list[tuple[Any, ...]] = []
    people: list[tuple[Any, ...]] = []
    for cells in reader:
        complaint_id = uuid.uuid4()
        complaints.append(
            (
                complaint_id,
                organization_id,
                entities[cells[nit].split("-")[0]] if cells[nit] else organization_id,
                cells[radicado],
                datetime.fromisoformat(cells[filed]),
                "day",
                cells[kind],
                cells[channel],
                cells[risk] or None,
                cells[minor] == "sí",
                cells[municipality],
                cells[motive] or None,
                cells[text],
                "[]",
                *derived_values,
            )
        )
        if cells[document_number]:
            people.append(
                (
                    uuid.uuid4(),
                    complaint_id,
                    organization_id,
                    "petitioner",
                    cells[document_type],
                    cells[document_number],
                    cells[first],
                    cells[last] or None,
                )
            )
    return complaints, people, (*COMPLAINT_COLUMNS, *derived)


async def reference_import(
    url: str, data: bytes, organization_id: uuid.UUID, entities: dict[str, uuid.UUID], postgres: PostgresCpu
) -> tuple[Timed, int, int]:
    """From the file's bytes to the committed rows: wall seconds, this process's CPU and its backend's (the
    reference's "server" is the bench process), and how many complaints and people were written."""
    connection = await asyncpg.connect(url, server_settings={"application_name": REFERENCE_APPLICATION_NAME})
    try:
        pg_before = await postgres.snapshot(REFERENCE_APPLICATION_NAME)
        cpu_before = time.process_time()
        started = time.perf_counter()
        complaints, people, columns = reference_rows(data, organization_id, entities)
        async with connection.transaction():
            await connection.copy_records_to_table("complaints", records=complaints, columns=columns)
            await connection.copy_records_to_table("complaint_people", records=people, columns=PEOPLE_COLUMNS)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        pg_cpu = backend_cpu_delta(pg_before, await postgres.snapshot(REFERENCE_APPLICATION_NAME))
        return Timed(seconds, cpu, pg_cpu), len(complaints), len(people)
    finally:
        await connection.close()


# --------------------------------------------------------------------------------------------------
# Rounds
# --------------------------------------------------------------------------------------------------


@dataclass
class ComplaintImportRound:
    round: int
    product_dry_run: Timed
    product_commit: Timed
    reference: Timed

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Setup:
    url: str
    port: int
    server_pid: int
    admin_key: str
    receivers: list[uuid.UUID]
    entities: dict[str, uuid.UUID]


async def _organizations(url: str) -> tuple[list[uuid.UUID], dict[str, uuid.UUID], list[str]]:
    """Receivers (every organisation but the EPS named in the file), the NIT number → id of those EPS, and
    their NITs as a file writes them (with the check digit)."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT id, kind, nit FROM organizations ORDER BY created_at, id")
    finally:
        await connection.close()
    named = [row for row in rows if row["kind"] == "eps"][:ENTITIES]
    entities = {str(row["nit"]).split("-")[0]: row["id"] for row in named}
    receivers = [row["id"] for row in rows if row["id"] not in entities.values()]
    return receivers, entities, [str(row["nit"]) for row in named]


async def _probe(
    setup: Setup, postgres: PostgresCpu, step: Callable[[], httpx.Response]
) -> tuple[Timed, httpx.Response]:
    """Wall time of one request plus the product server's and its PostgreSQL backends' CPU over it."""
    wait_idle(setup.server_pid)
    pg_before = await postgres.snapshot(PRODUCT_APPLICATION_NAME)
    cpu_before = process_cpu_seconds(setup.server_pid)
    started = time.perf_counter()
    response = await asyncio.to_thread(step)
    seconds = time.perf_counter() - started
    wait_idle(setup.server_pid)
    server_cpu = process_cpu_seconds(setup.server_pid) - cpu_before
    pg_cpu = backend_cpu_delta(pg_before, await postgres.snapshot(PRODUCT_APPLICATION_NAME))
    return Timed(seconds, server_cpu, pg_cpu, len(response.content)), response


def _checked(response: httpx.Response, status: str, people: int, what: str) -> dict[str, Any]:
    if response.status_code != 200:
        raise RuntimeError(f"{what}: {response.status_code} {response.text[:2000]}")
    report: dict[str, Any] = response.json()
    counts = report["counts"]
    if (
        report["status"] != status
        or counts["complaints"] != ROWS
        or (status == "committed" and counts["people"] != people)
    ):
        raise RuntimeError(f"{what}: unexpected report {str(report)[:2000]}")
    return report


async def run_rounds(setup: Setup, data: bytes, people: int, rounds: int) -> list[ComplaintImportRound]:
    if len(setup.receivers) < 2 * rounds:
        raise RuntimeError(f"the complaint import needs {2 * rounds} fresh receiving organisations")
    headers = {"Authorization": f"Bearer {setup.admin_key}"}
    postgres = await PostgresCpu.open(setup.url)
    results: list[ComplaintImportRound] = []
    try:
        with httpx.Client(
            base_url=f"http://{HOST}:{setup.port}", headers=headers, timeout=REQUEST_TIMEOUT_SECONDS
        ) as client:

            def post(organization_id: uuid.UUID, dry_run: bool) -> Callable[[], httpx.Response]:
                fields = {"organization_id": str(organization_id), "dry_run": str(dry_run).lower()}
                if not dry_run:
                    fields["accept_warnings"] = "true"
                return lambda: client.post(
                    "/v1/complaints:import", files={"file": ("quejas_bench.csv", data, "text/csv")}, data=fields
                )

            for number in range(1, rounds + 1):
                product_org, reference_org = setup.receivers[2 * number - 2], setup.receivers[2 * number - 1]
                say(f"  complaint import round {number}/{rounds} …", end="")

                async def reference(organization_id: uuid.UUID = reference_org) -> Timed:
                    timed, complaints, written_people = await reference_import(
                        setup.url, data, organization_id, setup.entities, postgres
                    )
                    if (complaints, written_people) != (ROWS, people):
                        raise RuntimeError(f"reference wrote {complaints} complaints and {written_people} people")
                    return timed

                # Alternate which side goes first, so drift on the host does not always favour one.
                reference_timed = await reference() if number % 2 == 0 else None
                dry, response = await _probe(setup, postgres, post(product_org, True))
                _checked(response, "dry_run", people, "product dry run")
                commit, response = await _probe(setup, postgres, post(product_org, False))
                _checked(response, "committed", people, "product commit")
                if reference_timed is None:
                    reference_timed = await reference()
                results.append(ComplaintImportRound(number, dry, commit, reference_timed))
                say(
                    f" dry run {dry.seconds:.2f} s, commit {commit.seconds:.2f} s "
                    f"(server CPU {commit.server_cpu_seconds or 0:.2f} s), reference {reference_timed.seconds:.2f} s"
                )
    finally:
        await postgres.close()
    return results


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------


def _spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def _seconds(values: list[float | None]) -> str:
    present = [value for value in values if value is not None]
    if not present:
        return "-"
    median, low, high = _spread(present)
    return f"{median:.2f} [{low:.2f}–{high:.2f}]"


def _ratio(rounds: list[ComplaintImportRound], pick: Callable[[ComplaintImportRound], Timed]) -> list[float]:
    per_round = [pick(row).seconds / row.reference.seconds for row in rounds]
    median = statistics.median(pick(row).seconds for row in rounds) / statistics.median(
        row.reference.seconds for row in rounds
    )
    return [median, min(per_round), max(per_round)]


def summarise(rounds: list[ComplaintImportRound]) -> dict[str, Any]:
    commit = statistics.median(row.product_commit.seconds for row in rounds)
    return {
        "product_dry_run_seconds": _spread([row.product_dry_run.seconds for row in rounds]),
        "product_commit_seconds": _spread([row.product_commit.seconds for row in rounds]),
        "reference_seconds": _spread([row.reference.seconds for row in rounds]),
        "dry_run_ratio": _ratio(rounds, lambda row: row.product_dry_run),
        "commit_ratio": _ratio(rounds, lambda row: row.product_commit),
        "target_seconds": TARGET_SECONDS,
        "target_met": commit < TARGET_SECONDS
        and statistics.median(row.product_dry_run.seconds for row in rounds) < TARGET_SECONDS,
    }


def markdown(title: str, rounds: list[ComplaintImportRound], file_bytes: int, people: int) -> str:
    summary = summarise(rounds)
    steps: list[tuple[str, Callable[[ComplaintImportRound], Timed]]] = [
        ("product `POST /v1/complaints:import` dry run (checked, nothing kept)", lambda row: row.product_dry_run),
        ("product `POST /v1/complaints:import` commit (`dry_run=false`)", lambda row: row.product_commit),
        ("reference: csv module + asyncpg COPY into the same tables", lambda row: row.reference),
    ]
    met = "met" if summary["target_met"] else "**missed**"
    lines = [
        f"# {title}",
        "",
        f"One CSV in the product's template ({len(rounds)} rounds): {ROWS:,} complaints filed during {YEAR}, "
        f"{people:,} with the petitioner's document and names, {file_bytes / 2**20:.1f} MB. Posted by the bench "
        "process to the product server (admin key, `organization_id` of a fresh receiving organisation each "
        "round), wall time as the client sees it (upload, parse, checks, deadlines, COPY, commit, report). The "
        "reference stores the same complaint and people records from the same bytes with `csv.reader` and "
        "`copy_records_to_table` in one transaction, in-process, on another fresh organisation.",
        "",
        "| | product ÷ reference | target | |",
        "|---|---|---|---|",
    ]
    for label, key in (("dry run", "dry_run_ratio"), ("commit", "commit_ratio")):
        ratio, low, high = summary[key]
        lines.append(
            f"| {label} of {ROWS:,} complaints | {ratio:.1f}× [{low:.1f}–{high:.1f}] | < {TARGET_SECONDS:g} s | {met} |"
        )
    lines += [
        "",
        "| step | wall s | server CPU s | postgres CPU s | response bytes |",
        "|---|---|---|---|---|",
    ]
    for label, pick in steps:
        timed = [pick(row) for row in rounds]
        size = statistics.median(item.bytes for item in timed)
        lines.append(
            f"| {label} | {_seconds([item.seconds for item in timed])} | "
            f"{_seconds([item.server_cpu_seconds for item in timed])} | "
            f"{_seconds([item.postgres_cpu_seconds for item in timed])} | "
            f"{f'{size:,.0f}' if size else '-'} |"
        )
    lines += [
        "",
        "Medians of the rounds [min–max]; a ratio is the ratio of the medians [per-round range]. server CPU: "
        "user+system of the product's uvicorn process from the request until it is idle again (for the reference, "
        "the bench process's own CPU: it is its server); postgres CPU: the backends of each side. DESIGN §5: a "
        f"{ROWS:,}-row complaint file imports in under {TARGET_SECONDS:g} s.",
        "",
    ]
    return "\n".join(lines)


def run_complaint_import(args: argparse.Namespace) -> int:
    """The whole scenario; returns the exit code (1 with `--check` when the target is missed)."""
    started = datetime.now(UTC)
    server, embedded = server_url(stop_at_exit=True)
    url = with_database(server, DATABASE)
    say(f"PostgreSQL: {'embedded' if embedded else 'DATABASE_URL'}; database {DATABASE}")
    rounds = max(args.rounds, 1)
    servers: Servers | None = None
    created = False
    results: list[ComplaintImportRound] = []
    scratch_directory = tempfile.TemporaryDirectory(prefix="participa-bench-complaints-")
    try:
        asyncio.run(drop_database(url))
        created = True
        upgrade(url)
        organizations = max(BACKGROUND_ORGANIZATIONS, 2 * rounds + 2 * ENTITIES)
        seeded = asyncio.run(seed(url, SeedShape(organizations, goals_per_plan=5, activities_per_goal=2, complaints=0)))
        say(f"Seeded {seeded.rows} in {seeded.seconds:.1f} s")
        receivers, entities, nits = asyncio.run(_organizations(url))
        data, people = complaints_csv(nits)
        say(f"Complaint file: {ROWS:,} rows, {people:,} with personal data, {len(data) / 2**20:.1f} MB CSV")

        servers = Servers(Path(scratch_directory.name))
        env = {name: value for name, value in os.environ.items() if name != "PARTICIPA_ADMIN_API_KEY"}
        env.update(DATABASE_URL=url, PYTHONPATH=str(REPO_ROOT))
        port = free_port()
        product = servers.start("product", "services.api.main:create_app", port, env)
        servers.wait_ready("product", f"http://{HOST}:{port}/health")
        setup = Setup(url, port, product.pid, seeded.admin_key, receivers, entities)
        results = asyncio.run(run_rounds(setup, data, people, rounds))
        servers.check_alive()
    except KeyboardInterrupt:
        say("\ninterrupted; stopping the server and dropping the database", error=True)
        return 130
    finally:
        if servers is not None:
            servers.stop()
        if created and not args.keep_database:
            with suppress(Exception):
                asyncio.run(drop_database(url))
        scratch_directory.cleanup()

    title = f"bench complaint-import - {started.strftime('%Y-%m-%d %H:%M:%S')} UTC"
    table = markdown(title, results, len(data), people)
    say()
    say(table)
    summary = summarise(results)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = started.strftime("%Y%m%dT%H%M%SZ")
        report = {
            "started_at": started.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "rows": ROWS,
            "people": people,
            "file_bytes": len(data),
            "load_average_end": os.getloadavg()[0],
            "summary": summary,
            "rounds": [row.as_dict() for row in results],
        }
        target = RESULTS / f"complaint-import-{stamp}.json"
        target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (RESULTS / "complaint-import-latest.md").write_text(table, encoding="utf-8")
        say(f"Results: {target.relative_to(REPO_ROOT)} and bench/results/complaint-import-latest.md")
    return 1 if args.check and not summary["target_met"] else 0
