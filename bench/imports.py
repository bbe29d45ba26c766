"""The import scenario of `make bench`: a 10,000-activity association sheet through `POST /v1/plans:import`,
beside a bare reference that stores the same rows with the csv module and asyncpg COPY, in the same run.

Each round, on a fresh seeded organisation each time:

* **product import**: the TSV posted to the running product server (admin key, `dry_run=false`,
  `accept_warnings=true`), timed end to end by the client: upload, detection, parsing, validation, the
  savepoint's bulk writes, the commit and the JSON report;
* **product re-import**: the same file again over the plan it created (the idempotent path: every goal
  and activity compared, nothing written);
* **reference**: the same bytes decoded and split by `csv.reader`, the rows mapped to the same plan,
  goal, activity and indicator records (axis and goal numbers, X marks to months and dates, indicator
  kind from the text) and written with `copy_records_to_table` in one transaction, in this process: the
  floor for "this file in these tables", with no HTTP, framework, ORM or checks;
* **exports**: `GET /v1/plans/{id}/export` of the imported plan as CSV and XLSX.

The issue's target is the product import under 5 s; the ratio to the reference says how much of that is
the product's own work. The server's and PostgreSQL's CPU seconds are reported beside the wall times.
"""

import asyncio
import calendar
import csv
import io
import random
import re
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx

from bench.measure import HOST, PostgresCpu, process_cpu_seconds, wait_idle
from bench.seed import ACTIVITY_TEXTS, GOAL_TEXTS, INDICATOR_NAMES, RESPONSIBLES, TARGET_TEXTS
from shared.enums import AXIS_LABELS, Axis

YEAR = 2027
TARGET_SECONDS = 5.0
REQUEST_TIMEOUT_SECONDS = 120.0
MONTHS: tuple[str, ...] = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre")
MONTHS += ("Octubre", "Noviembre", "Diciembre")
PLACES = ("sede principal", "sede rural", "puesto de salud", "centro de atención", "unidad móvil", "sede norte")
COUNT_INDICATORS = ("Número de actas firmadas", "Número de asociados asistentes", "Número de visitas realizadas")


@dataclass(frozen=True)
class ImportShape:
    goals: int = 1_000
    activities_per_goal: int = 10

    @property
    def activities(self) -> int:
        return self.goals * self.activities_per_goal


# --------------------------------------------------------------------------------------------------
# The file
# --------------------------------------------------------------------------------------------------


def _indicator(rng: random.Random) -> str:
    if rng.random() < 0.6:
        _, numerator, denominator = INDICATOR_NAMES[rng.randrange(len(INDICATOR_NAMES))]
        return f"{denominator} / {numerator}"
    return COUNT_INDICATORS[rng.randrange(len(COUNT_INDICATORS))]


def association_tsv(shape: ImportShape, *, year: int = YEAR, random_seed: int = 2063) -> bytes:
    """A plan in the association layout (the seed sheet's), UTF-8: five ejes, numbered goals over them,
    each goal's text on its first activity row only, an indicator and one to six X marks per activity."""
    rng = random.Random(random_seed)
    width = 16
    lines: list[list[str]] = [
        [f"PLAN DE ACCIÓN {year} ASOCIACIÓN DE USUARIOS DE LA RED DE SALUD DEL BENCH"],
        ["RESOLUCIÓN 2063 DE 2017 MINISTERIO DE SALUD Y PROTECCIÓN SOCIAL POLÍTICA PARTICIPACIÓN SOCIAL EN SALUD"],
        [
            "OBJETIVO: Programar acciones organizadas, inclusivas y transparentes que promuevan el ejercicio de "
            "derechos y el cumplimiento de deberes de los usuarios."
        ],
    ]
    axes = list(Axis)
    per_axis = -(-shape.goals // len(axes))
    number = 0
    for axis_index, axis in enumerate(axes, start=1):
        goals_here = min(per_axis, shape.goals - number)
        if goals_here <= 0:
            break
        lines.append([f"Eje Estratégico No {axis_index}. {AXIS_LABELS[axis]}."])
        lines.append(["Líneas del eje: Fortalecer la participación de los usuarios en la gestión de la salud."])
        lines.append(["Meta", "Actividades", "Indicador", "Cronograma", *[""] * 11, "Responsable"])
        lines.append(["", "", "", *MONTHS, ""])
        for _ in range(goals_here):
            number += 1
            place = PLACES[rng.randrange(len(PLACES))]
            goal = f"{number}. {GOAL_TEXTS[rng.randrange(len(GOAL_TEXTS))]} ({place} {number})"
            if number % 3 == 0:
                goal += f" Línea de base {year - 1}: {rng.randint(10, 90)} asociados."
            for activity in range(shape.activities_per_goal):
                months = set(rng.sample(range(1, 13), rng.randint(1, 6)))
                text = ACTIVITY_TEXTS[rng.randrange(len(ACTIVITY_TEXTS))]
                target = TARGET_TEXTS[rng.randrange(len(TARGET_TEXTS))]
                if target:
                    text = f"{text} Meta: {target}"
                lines.append(
                    [
                        goal if activity == 0 else "",
                        text,
                        _indicator(rng),
                        *("X" if month in months else "" for month in range(1, 13)),
                        RESPONSIBLES[rng.randrange(len(RESPONSIBLES))],
                    ]
                )
    output = io.StringIO()
    writer = csv.writer(output, delimiter="\t", lineterminator="\r\n")
    for cells in lines:
        writer.writerow([*cells, *[""] * (width - len(cells))])
    return output.getvalue().encode("utf-8")


# --------------------------------------------------------------------------------------------------
# The reference: csv module + asyncpg COPY into the same tables
# --------------------------------------------------------------------------------------------------

_AXIS_ROW = re.compile(r"^Eje Estrat[ée]gico No (\d)\.", re.IGNORECASE)
_GOAL_NUMBER = re.compile(r"^(\d+)\.\s*(.*)$", re.DOTALL)
_BASELINE = re.compile(r"L[íi]nea de base[^.]*\d[^.]*", re.IGNORECASE)

PLAN_COLUMNS = ("id", "organization_id", "year", "title", "objective", "status", "period_start", "period_end")
GOAL_COLUMNS = ("id", "organization_id", "plan_id", "axis", "line", "code", "text", "baseline")
ACTIVITY_COLUMNS = (
    "id",
    "organization_id",
    "plan_id",
    "goal_id",
    "code",
    "text",
    "responsible",
    "planned_quantity",
    "start_date",
    "end_date",
    "planned_budget",
    "schedule_months",
)
INDICATOR_COLUMNS = (
    "id",
    "organization_id",
    "plan_id",
    "activity_id",
    "name",
    "formula_text",
    "numerator_label",
    "denominator_label",
    "factor",
    "periodicity",
    "kind",
)


@dataclass
class ReferenceRows:
    plan: tuple[Any, ...]
    goals: list[tuple[Any, ...]] = field(default_factory=list)
    activities: list[tuple[Any, ...]] = field(default_factory=list)
    indicators: list[tuple[Any, ...]] = field(default_factory=list)


def reference_rows(data: bytes, organization_id: uuid.UUID, year: int) -> ReferenceRows:
    """The sheet's rows as the records the product stores, with the fewest steps that get them right."""
    plan_id = uuid.uuid4()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter="\t"))
    title = rows[0][0]
    result = ReferenceRows(
        (plan_id, organization_id, year, title, None, "formulado", date(year, 1, 1), date(year, 12, 31))
    )
    axis = "E1"
    goal_id: uuid.UUID | None = None
    activity_number = 0
    for cells in rows[1:]:
        first = cells[0]
        axis_match = _AXIS_ROW.match(first)
        if axis_match:
            axis = f"E{axis_match.group(1)}"
            continue
        if len(cells) < 16 or not cells[1] or cells[1] == "Actividades":
            continue
        if first:
            number_match = _GOAL_NUMBER.match(first)
            number, text = (int(number_match.group(1)), number_match.group(2)) if number_match else (0, first)
            baseline = _BASELINE.search(text)
            goal_id = uuid.uuid4()
            result.goals.append(
                (
                    goal_id,
                    organization_id,
                    plan_id,
                    axis,
                    "a",
                    f"M{number:02d}",
                    text,
                    baseline.group(0) if baseline else None,
                )
            )
            activity_number = 0
        assert goal_id is not None
        activity_number += 1
        months = [month for month in range(1, 13) if cells[2 + month].strip().upper() == "X"]
        activity_id = uuid.uuid4()
        result.activities.append(
            (
                activity_id,
                organization_id,
                plan_id,
                goal_id,
                f"A{activity_number:02d}",
                cells[1],
                cells[15] or None,
                len(months),
                date(year, months[0], 1),
                date(year, months[-1], calendar.monthrange(year, months[-1])[1]),
                0,
                months,
            )
        )
        # "Programadas / Realizadas": the achieved (second) term is the numerator, as the product reads it.
        indicator = cells[2]
        programmed, _, achieved = (part.strip() for part in indicator.partition(" / "))
        proportion = bool(achieved)
        result.indicators.append(
            (
                uuid.uuid4(),
                organization_id,
                plan_id,
                activity_id,
                indicator,
                indicator,
                achieved if proportion else indicator,
                programmed if proportion else None,
                100,
                "anual",
                "proporcion" if proportion else "conteo",
            )
        )
    return result


async def reference_import(url: str, data: bytes, organization_id: uuid.UUID, year: int) -> tuple[float, int]:
    """Seconds from the file's bytes to the committed rows, and how many activities were written."""
    connection = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        rows = reference_rows(data, organization_id, year)
        async with connection.transaction():
            await connection.copy_records_to_table("plans", records=[rows.plan], columns=PLAN_COLUMNS)
            await connection.copy_records_to_table("goals", records=rows.goals, columns=GOAL_COLUMNS)
            await connection.copy_records_to_table("activities", records=rows.activities, columns=ACTIVITY_COLUMNS)
            await connection.copy_records_to_table("indicators", records=rows.indicators, columns=INDICATOR_COLUMNS)
        return time.perf_counter() - started, len(rows.activities)
    finally:
        await connection.close()


# --------------------------------------------------------------------------------------------------
# Rounds
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    """One timed step: wall seconds seen by the client, and the CPU the server and PostgreSQL spent on it."""

    seconds: float
    server_cpu_seconds: float | None = None
    postgres_cpu_seconds: float | None = None
    bytes: int = 0


@dataclass
class ImportRound:
    round: int
    product_import: Timed
    product_reimport: Timed
    reference: Timed
    export_csv: Timed
    export_xlsx: Timed

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ImportSetup:
    url: str
    port: int
    server_pid: int
    application_name: str
    admin_key: str
    shape: ImportShape


async def organization_ids(url: str, count: int) -> list[uuid.UUID]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT id FROM organizations ORDER BY created_at, id LIMIT $1", count)
        return [row["id"] for row in rows]
    finally:
        await connection.close()


class _Probe:
    """Wall time of a step plus the product server's and its PostgreSQL backends' CPU over it."""

    def __init__(self, setup: ImportSetup, postgres: PostgresCpu) -> None:
        self.setup = setup
        self.postgres = postgres

    async def run(self, step: Callable[[], httpx.Response]) -> tuple[Timed, httpx.Response]:
        wait_idle(self.setup.server_pid)
        pg_before = await self.postgres.snapshot(self.setup.application_name)
        cpu_before = process_cpu_seconds(self.setup.server_pid)
        started = time.perf_counter()
        response = await asyncio.to_thread(step)
        seconds = time.perf_counter() - started
        wait_idle(self.setup.server_pid)
        server_cpu = process_cpu_seconds(self.setup.server_pid) - cpu_before
        pg_after = await self.postgres.snapshot(self.setup.application_name)
        pg_cpu = None
        if pg_before is not None and pg_after is not None:
            pg_cpu = sum(value - pg_before.get(pid, 0.0) for pid, value in pg_after.items())
        return Timed(seconds, server_cpu, pg_cpu, len(response.content)), response


def _checked_report(response: httpx.Response, shape: ImportShape, what: str) -> dict[str, Any]:
    if response.status_code != 200:
        raise RuntimeError(f"{what}: {response.status_code} {response.text[:2000]}")
    report: dict[str, Any] = response.json()
    if report["status"] != "committed" or report["counts"]["activities"] != shape.activities:
        raise RuntimeError(f"{what}: unexpected report {str(report)[:2000]}")
    return report


async def run_import_rounds(setup: ImportSetup, rounds: int, say: Callable[..., None]) -> list[ImportRound]:
    data = association_tsv(setup.shape)
    say(f"Import file: {setup.shape.activities:,} activities, {len(data) / 2**20:.1f} MB TSV")
    organizations = await organization_ids(setup.url, 2 * rounds)
    if len(organizations) < 2 * rounds:
        raise RuntimeError(f"the import scenario needs {2 * rounds} seeded organisations")
    base = f"http://{HOST}:{setup.port}"
    headers = {"Authorization": f"Bearer {setup.admin_key}"}
    postgres = await PostgresCpu.open(setup.url)
    results: list[ImportRound] = []
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS) as client:
            probe = _Probe(setup, postgres)

            def post(organization_id: uuid.UUID) -> Callable[[], httpx.Response]:
                fields = {"organization_id": str(organization_id), "dry_run": "false", "accept_warnings": "true"}
                return lambda: client.post("/v1/plans:import", files={"file": ("plan_bench.tsv", data)}, data=fields)

            def get(path: str) -> Callable[[], httpx.Response]:
                return lambda: client.get(path)

            for number in range(1, rounds + 1):
                product_org, reference_org = organizations[2 * number - 2], organizations[2 * number - 1]
                say(f"  import round {number}/{rounds} …", end="")

                async def reference(organization_id: uuid.UUID = reference_org) -> Timed:
                    seconds, written = await reference_import(setup.url, data, organization_id, YEAR)
                    if written != setup.shape.activities:
                        raise RuntimeError(f"reference wrote {written} activities")
                    return Timed(seconds)

                # Alternate which side goes first, so drift on the host does not always favour one.
                reference_first = number % 2 == 0
                reference_timed = await reference() if reference_first else None
                imported, response = await probe.run(post(product_org))
                report = _checked_report(response, setup.shape, "product import")
                again, response = await probe.run(post(product_org))
                repeated = _checked_report(response, setup.shape, "product re-import")
                if repeated["differences"]:
                    raise RuntimeError(f"re-import changed the plan: {repeated['differences'][:5]}")
                if reference_timed is None:
                    reference_timed = await reference()
                exports: dict[str, Timed] = {}
                for file_format in ("csv", "xlsx"):
                    exports[file_format], response = await probe.run(
                        get(f"/v1/plans/{report['plan_id']}/export?format={file_format}")
                    )
                    if response.status_code != 200:
                        raise RuntimeError(f"export {file_format}: {response.status_code} {response.text[:500]}")
                row = ImportRound(number, imported, again, reference_timed, exports["csv"], exports["xlsx"])
                results.append(row)
                say(
                    f" import {imported.seconds:.2f} s, re-import {again.seconds:.2f} s, reference "
                    f"{reference_timed.seconds:.2f} s, CSV {exports['csv'].seconds:.2f} s, "
                    f"XLSX {exports['xlsx'].seconds:.2f} s"
                )
    finally:
        await postgres.close()
    return results


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------


def _median(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def _seconds(values: list[float | None]) -> str:
    present = [value for value in values if value is not None]
    if not present:
        return "-"
    median, low, high = _median(present)
    return f"{median:.2f} [{low:.2f}–{high:.2f}]"


def summarise_imports(rounds: list[ImportRound]) -> dict[str, Any]:
    product = [row.product_import.seconds for row in rounds]
    reference = [row.reference.seconds for row in rounds]
    per_round = [row.product_import.seconds / row.reference.seconds for row in rounds]
    median = statistics.median(product)
    return {
        "product_import_seconds": _median(product),
        "reference_seconds": _median(reference),
        "ratio": (median / statistics.median(reference), min(per_round), max(per_round)),
        "target_seconds": TARGET_SECONDS,
        "target_met": median < TARGET_SECONDS,
    }


def import_markdown(rounds: list[ImportRound], shape: ImportShape, file_bytes: int) -> list[str]:
    summary = summarise_imports(rounds)
    ratio, ratio_low, ratio_high = summary["ratio"]
    steps: list[tuple[str, Callable[[ImportRound], Timed]]] = [
        ("product `POST /v1/plans:import` (commit, new plan)", lambda row: row.product_import),
        ("product re-import of the same file (idempotent, nothing written)", lambda row: row.product_reimport),
        ("reference: csv module + asyncpg COPY into the same tables", lambda row: row.reference),
        ("product `GET /v1/plans/{id}/export?format=csv`", lambda row: row.export_csv),
        ("product `GET /v1/plans/{id}/export?format=xlsx`", lambda row: row.export_xlsx),
    ]
    lines = [
        f"## Import: a {shape.activities:,}-activity plan file",
        "",
        f"One association-layout TSV ({len(rounds)} rounds): {shape.goals:,} goals × {shape.activities_per_goal} "
        f"activities over the five ejes, {shape.activities:,} indicators, 1–6 X marks per activity, "
        f"{file_bytes / 2**20:.1f} MB. Posted by the bench process to the product server (admin key, "
        "`dry_run=false`, `accept_warnings=true`), a fresh organisation and plan each round; wall time as the "
        "client sees it (upload, parse, checks, writes, commit, report). The reference stores the same records "
        "from the same bytes with `csv.reader` and `copy_records_to_table` in one transaction, in-process.",
        "",
        "| | product import ÷ reference | target | met |",
        "|---|---|---|---|",
        f"| import of {shape.activities:,} activities | {ratio:.1f}× [{ratio_low:.1f}–{ratio_high:.1f}] | "
        f"< {TARGET_SECONDS:g} s | {'yes' if summary['target_met'] else '**no**'} |",
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
        "Medians of the rounds [min–max]. server CPU: user+system of the product's uvicorn process from the request "
        "until it is idle again; postgres CPU: its backends (the reference's COPY runs on its own connection and is "
        "in its wall time only).",
        "",
    ]
    return lines


def imports_json(rounds: list[ImportRound], shape: ImportShape, file_bytes: int) -> dict[str, Any]:
    return {
        "shape": asdict(shape),
        "file_bytes": file_bytes,
        "summary": summarise_imports(rounds),
        "rounds": [row.as_dict() for row in rounds],
        "measured_at": datetime.now(UTC).isoformat(),
    }
