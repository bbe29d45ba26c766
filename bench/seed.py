"""Synthetic but realistic data for the benchmarks, written with COPY (asyncpg `copy_records_to_table`).

Shape: N health organisations (EPS, IPS, ESE) in real DANE municipalities, one 2026 PPSS action plan each,
goals spread over the five axes, activities with a monthly schedule inside 2026, an indicator on every
other activity, complaints (PQRD) of every type filed during 2026 with their event logs and the deadline
columns the engine derives from them, and one admin API key (only its SHA-256 hash is stored, as the API
does).
The random generator is seeded, so two runs benchmark the same rows; only the admin secret is new each run.
"""

import calendar
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import orjson

from services.api.access.keys import display_prefix, generate_api_key, hash_api_key
from services.api.complaints.service import derived_columns
from shared import deadlines
from shared.enums import Axis, Channel, ComplaintType, EventKind, PlanStatus, Risk

YEAR = 2026

MUNICIPALITIES = (
    ("11001", "Bogotá"),
    ("05001", "Medellín"),
    ("76001", "Cali"),
    ("08001", "Barranquilla"),
    ("13001", "Cartagena"),
    ("68001", "Bucaramanga"),
    ("54001", "Cúcuta"),
    ("66001", "Pereira"),
    ("17001", "Manizales"),
    ("73001", "Ibagué"),
    ("52001", "Pasto"),
    ("23001", "Montería"),
    ("20001", "Valledupar"),
    ("41001", "Neiva"),
    ("50001", "Villavicencio"),
    ("63001", "Armenia"),
    ("19001", "Popayán"),
    ("15001", "Tunja"),
)

KINDS = (("eps", "EPS"), ("ips", "IPS"), ("ips", "Clínica"), ("ese", "E.S.E. Hospital"))
NAME_WORDS = (
    "San Rafael",
    "Santa Clara",
    "del Norte",
    "Nuestra Señora de la Candelaria",
    "Salud Vida",
    "Los Andes",
    "del Caribe",
    "San Vicente de Paúl",
    "La Esperanza",
    "Sagrado Corazón",
    "del Pacífico",
    "Universitaria",
)

GOAL_TEXTS = (
    "Fortalecer las capacidades de los usuarios mediante la participación en las capacitaciones convocadas.",
    "Acompañar y direccionar al usuario sobre los trámites necesarios para acceder a los servicios de salud.",
    "Promover la participación social para que los usuarios ejerzan de manera efectiva sus derechos y deberes.",
    "Impulsar la gestión interna de la asociación con reuniones, asambleas y mesas de trabajo.",
    "Fortalecer el control social sobre la calidad de los servicios mediante veedurías ciudadanas.",
    "Incentivar la vinculación de nuevos asociados a través de los canales definidos por la entidad.",
    "Socializar la política de participación social en salud con los usuarios y sus familias.",
    "Garantizar espacios de diálogo entre los usuarios y la institución para la toma de decisiones.",
)
ACTIVITY_TEXTS = (
    "Participar en las capacitaciones dirigidas a usuarios y asociados sobre derechos y deberes en salud.",
    "Diseñar un cronograma de acompañamiento a los usuarios en las IPS y oficinas de atención al usuario.",
    "Publicar una frase alusiva a la asociación en el boletín mensual y enviar piezas comunicativas.",
    "Realizar la asamblea general de asociados y levantar el acta correspondiente.",
    "Conformar un comité de trabajo para revisar y proponer la actualización de los estatutos.",
    "Visitar los servicios de urgencias y consulta externa para verificar la oportunidad de la atención.",
    "Convocar mesas de trabajo con la gerencia para revisar las peticiones, quejas y reclamos del periodo.",
    "Socializar con los usuarios los resultados de la encuesta de satisfacción.",
    "Apoyar la rendición de cuentas de la entidad con la participación de los asociados.",
    "Capacitar a los integrantes de la junta directiva en mecanismos de participación ciudadana.",
)
TARGET_TEXTS = (
    "100 % de las capacitaciones programadas con asistencia de la asociación.",
    "Cuatro acompañamientos en el año, con informe escrito.",
    "Doce publicaciones en el año.",
    "Una asamblea con quórum y acta firmada.",
    None,
)
RESPONSIBLES = (
    "Integrantes de la Asociación de Usuarios",
    "Junta directiva",
    "Oficina de atención al usuario",
    "Coordinación de participación social",
)
UNITS = ("capacitaciones", "reuniones", "publicaciones", "visitas", "informes", "actas")
INDICATOR_NAMES = (
    ("Cobertura de capacitaciones", "Capacitaciones realizadas", "Capacitaciones programadas"),
    ("Cumplimiento del cronograma", "Actividades ejecutadas", "Actividades programadas"),
    ("Participación de asociados", "Asociados asistentes", "Asociados convocados"),
)
PLAN_STATUSES = (PlanStatus.EN_EJECUCION, PlanStatus.EN_EJECUCION, PlanStatus.FORMULADO, PlanStatus.BORRADOR)

ORGANIZATION_COLUMNS = (
    "id",
    "organization_id",
    "created_at",
    "updated_at",
    "version",
    "kind",
    "name",
    "nit",
    "municipality_code",
    "reps_code",
    "jurisdiction",
)
PLAN_COLUMNS = (
    "id",
    "organization_id",
    "created_at",
    "updated_at",
    "version",
    "year",
    "title",
    "objective",
    "status",
    "period_start",
    "period_end",
)
GOAL_COLUMNS = (
    "id",
    "organization_id",
    "created_at",
    "updated_at",
    "version",
    "plan_id",
    "axis",
    "line",
    "code",
    "text",
    "baseline",
)
ACTIVITY_COLUMNS = (
    "id",
    "organization_id",
    "created_at",
    "updated_at",
    "version",
    "plan_id",
    "goal_id",
    "code",
    "text",
    "target_text",
    "responsible",
    "planned_quantity",
    "unit",
    "start_date",
    "end_date",
    "planned_budget",
    "schedule_months",
    "sequence",
    "target_group_code",
    "municipality_code",
)
INDICATOR_COLUMNS = (
    "id",
    "organization_id",
    "created_at",
    "updated_at",
    "version",
    "plan_id",
    "activity_id",
    "name",
    "formula_text",
    "numerator_label",
    "denominator_label",
    "factor",
    "target",
    "periodicity",
    "kind",
)


COMPLAINT_COLUMNS = (
    "id",
    "organization_id",
    "created_at",
    "updated_at",
    "version",
    "entity_id",
    "radicado",
    "filed_at",
    "type",
    "channel",
    "risk",
    "minor",
    "municipality_code",
    "motive_code",
    "text",
    "attachments",
)
EVENT_COLUMNS = ("complaint_id", "organization_id", "kind", "occurred_at", "note", "payload", "created_at")
# Roughly the mix of Supersalud's open data: mostly claims and petitions, few congratulations.
COMPLAINT_TYPES = (
    (ComplaintType.RECLAMO, 40),
    (ComplaintType.PETICION, 25),
    (ComplaintType.QUEJA, 12),
    (ComplaintType.SOLICITUD_INFORMACION, 8),
    (ComplaintType.CONSULTA, 5),
    (ComplaintType.SUGERENCIA, 4),
    (ComplaintType.DENUNCIA, 2),
    (ComplaintType.FELICITACION, 4),
)
COMPLAINT_TEXTS = (
    "Solicito la autorización de la cita con el especialista en ortopedia ordenada hace dos meses; en la línea "
    "de atención me indican que no hay agenda disponible.",
    "El medicamento formulado para el tratamiento de mi madre no ha sido entregado por el dispensario desde "
    "hace tres semanas y no nos dan fecha.",
    "En el servicio de urgencias esperamos más de seis horas sin triage para un menor con fiebre alta.",
    "Pido información sobre los requisitos para el traslado de mi afiliación y de mi grupo familiar.",
    "La IPS se niega a realizar la resonancia autorizada porque el contrato con la EPS no está vigente.",
    "Felicito al personal de enfermería del tercer piso por la atención humana y oportuna durante la "
    "hospitalización de mi padre.",
    "Sugiero habilitar la asignación de citas por WhatsApp: por teléfono nunca contestan.",
    "Denuncio el cobro de una cuota no autorizada por la entrega de un medicamento del plan de beneficios.",
)
MOTIVE_CODES = ("SS-01-02", "SS-01-05", "SS-02-01", "SS-03-04", "SS-05-02", None)


@dataclass(frozen=True)
class SeedShape:
    organizations: int = 200
    goals_per_plan: int = 10
    activities_per_goal: int = 5
    complaints: int = 5_000


@dataclass(frozen=True)
class Seeded:
    admin_key: str
    plan_ids: list[uuid.UUID]
    rows: dict[str, int]
    seconds: float
    complaint_ids: list[uuid.UUID]


def _nit(rng: random.Random) -> str:
    """A 9-digit NIT with its DIAN check digit."""
    number = str(rng.randint(800_000_000, 901_999_999))
    weights = (41, 37, 29, 23, 19, 17, 13, 7, 3)
    total = sum(int(digit) * weight for digit, weight in zip(number, weights, strict=True))
    remainder = total % 11
    check = remainder if remainder < 2 else 11 - remainder
    return f"{number}-{check}"


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class _Clock:
    """Distinct, increasing creation instants inside 2026 (keyset pages order by created_at, id)."""

    def __init__(self) -> None:
        self.now = datetime(YEAR, 1, 12, 13, 0, tzinfo=UTC)

    def tick(self) -> datetime:
        self.now += timedelta(milliseconds=1_537)
        return self.now


def build_rows(shape: SeedShape, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    clock = _Clock()
    organizations: list[tuple[Any, ...]] = []
    plans: list[tuple[Any, ...]] = []
    goals: list[tuple[Any, ...]] = []
    activities: list[tuple[Any, ...]] = []
    indicators: list[tuple[Any, ...]] = []
    axes = list(Axis)
    for number in range(1, shape.organizations + 1):
        kind, label = KINDS[number % len(KINDS)]
        municipality, city = MUNICIPALITIES[number % len(MUNICIPALITIES)]
        name = f"{label} {NAME_WORDS[number % len(NAME_WORDS)]} {city} {number:03d}"
        org_id = _uuid(rng)
        at = clock.tick()
        reps = f"{municipality}{rng.randint(10000, 99999)}" if kind != "eps" else None
        organizations.append((org_id, org_id, at, at, 1, kind, name, _nit(rng), municipality, reps, []))

        plan_id = _uuid(rng)
        at = clock.tick()
        status = PLAN_STATUSES[number % len(PLAN_STATUSES)].value
        objective = (
            "Programar acciones organizadas, inclusivas y transparentes que promuevan el ejercicio de derechos y el "
            f"cumplimiento de deberes de los usuarios de {name}."
        )
        plans.append(
            (
                plan_id,
                org_id,
                at,
                at,
                1,
                YEAR,
                f"Plan de acción PPSS {YEAR} - {name}",
                objective,
                status,
                date(YEAR, 1, 1),
                date(YEAR, 12, 31),
            )
        )
        sequence = 0
        for goal_number in range(shape.goals_per_plan):
            goal_id = _uuid(rng)
            axis = axes[goal_number % len(axes)].value
            at = clock.tick()
            goal_text = GOAL_TEXTS[rng.randrange(len(GOAL_TEXTS))]
            baseline = f"Línea de base {YEAR - 1}: {rng.randint(10, 90)} asociados" if goal_number % 3 == 0 else None
            goals.append(
                (goal_id, org_id, at, at, 1, plan_id, axis, "a", f"M{goal_number + 1:02d}", goal_text, baseline)
            )
            for activity_number in range(shape.activities_per_goal):
                activity_id = _uuid(rng)
                months = sorted(rng.sample(range(1, 13), rng.randint(1, 6)))
                start = date(YEAR, months[0], 1)
                end = date(YEAR, months[-1], calendar.monthrange(YEAR, months[-1])[1])
                sequence += 1
                at = clock.tick()
                activities.append(
                    (
                        activity_id,
                        org_id,
                        at,
                        at,
                        1,
                        plan_id,
                        goal_id,
                        f"A{activity_number + 1:02d}",
                        ACTIVITY_TEXTS[rng.randrange(len(ACTIVITY_TEXTS))],
                        TARGET_TEXTS[rng.randrange(len(TARGET_TEXTS))],
                        RESPONSIBLES[rng.randrange(len(RESPONSIBLES))],
                        len(months),
                        UNITS[rng.randrange(len(UNITS))],
                        start,
                        end,
                        rng.choice((0, 0, 250_000, 1_200_000, 4_500_000)),
                        months,
                        sequence,
                        f"{rng.randint(1, 12):02d}" if activity_number % 4 == 0 else None,
                        municipality,
                    )
                )
                if activity_number % 2 == 0:
                    indicator, numerator, denominator = INDICATOR_NAMES[rng.randrange(len(INDICATOR_NAMES))]
                    indicators.append(
                        (
                            _uuid(rng),
                            org_id,
                            at,
                            at,
                            1,
                            plan_id,
                            activity_id,
                            indicator,
                            f"{numerator} / {denominator} x 100",
                            numerator,
                            denominator,
                            100,
                            float(rng.choice((80, 90, 100))),
                            rng.choice(("trimestral", "semestral", "anual")),
                            "proporcion",
                        )
                    )
    complaints, events = build_complaints(shape, rng, organizations)
    return {
        "organizations": organizations,
        "plans": plans,
        "goals": goals,
        "activities": activities,
        "indicators": indicators,
        "complaints": complaints,
        "complaint_events": events,
    }


def _complaint_events(
    rng: random.Random, kind: ComplaintType, filed_at: datetime, now: datetime
) -> list[deadlines.DeadlineEvent]:
    """A plausible log: about half answered (some closed), some waiting for the petitioner, the rest open."""
    if kind is ComplaintType.FELICITACION:
        return []
    draw = rng.random()
    started = filed_at + timedelta(hours=rng.randint(1, 30))
    if started >= now:
        return []
    log = [deadlines.DeadlineEvent(EventKind.EN_TRAMITE, started)]
    if draw < 0.50:
        hours = rng.randint(6, 72) if kind is ComplaintType.RECLAMO else rng.randint(24, 30 * 24)
        answered = started + timedelta(hours=hours)
        if answered < now:
            log.append(deadlines.DeadlineEvent(EventKind.RESPONDIDO, answered))
            if draw < 0.30 and answered + timedelta(days=3) < now:
                log.append(deadlines.DeadlineEvent(EventKind.CERRADO, answered + timedelta(days=3)))
    elif draw < 0.60 and kind is not ComplaintType.RECLAMO:
        log.append(
            deadlines.DeadlineEvent(EventKind.PENDIENTE_INFORMACION, started + timedelta(days=rng.randint(1, 6)))
        )
    return [event for event in log if event.occurred_at < now]


def build_complaints(
    shape: SeedShape, rng: random.Random, organizations: list[tuple[Any, ...]]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Complaints filed during 2026 with their logs, and the deadline columns the engine derives from them."""
    now = datetime.now(UTC)
    start = datetime(YEAR, 1, 2, 12, 0, tzinfo=UTC)
    span = max((min(now, datetime(YEAR, 12, 31, tzinfo=UTC)) - start).total_seconds(), 86_400.0)
    types = [kind for kind, _ in COMPLAINT_TYPES]
    weights = [weight for _, weight in COMPLAINT_TYPES]
    channels = list(Channel)
    risks = list(Risk)
    sequences: dict[uuid.UUID, int] = {}
    complaints: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for number in range(shape.complaints):
        receiver = organizations[rng.randrange(len(organizations))]
        entity = receiver if rng.random() < 0.7 else organizations[rng.randrange(len(organizations))]
        filed_at = start + timedelta(seconds=int(rng.random() * span))
        kind = rng.choices(types, weights)[0]
        risk = rng.choice(risks) if kind is ComplaintType.RECLAMO and rng.random() < 0.8 else None
        minor = rng.random() < 0.12
        log = _complaint_events(rng, kind, filed_at, now)
        try:
            state = deadlines.compute_deadline(filed_at, kind, risk, minor, log, now=now)
        except deadlines.DeadlineRuleError:
            log = []
            state = deadlines.compute_deadline(filed_at, kind, risk, minor, log, now=now)
        derived = derived_columns(state, filed_at)
        sequences[receiver[0]] = sequence = sequences.get(receiver[0], 0) + 1
        complaint_id = _uuid(rng)
        updated_at = max([filed_at, *(event.occurred_at for event in log)])
        attachments = (
            [
                {
                    "name": f"soporte-{number}.pdf",
                    "media_type": "application/pdf",
                    "size_bytes": rng.randint(10**4, 10**6),
                }
            ]
            if rng.random() < 0.3
            else []
        )
        complaints.append(
            (
                complaint_id,
                receiver[0],
                filed_at,
                updated_at,
                1 + len(log),
                entity[0],
                f"{receiver[7].split('-')[0]}-{YEAR}-{sequence:06d}",
                filed_at,
                kind.value,
                rng.choice(channels).value,
                risk.value if risk else None,
                minor,
                receiver[8],
                MOTIVE_CODES[rng.randrange(len(MOTIVE_CODES))],
                COMPLAINT_TEXTS[number % len(COMPLAINT_TEXTS)],
                orjson.dumps(attachments).decode(),
                # The engine's derived columns, whichever it stores (COPY takes JSONB as text).
                *(orjson.dumps(value).decode() if name == "flags" else value for name, value in derived.items()),
            )
        )
        events.extend(
            (complaint_id, receiver[0], event.kind.value, event.occurred_at, None, "{}", event.occurred_at)
            for event in log
        )
    return complaints, events


def complaint_columns() -> tuple[str, ...]:
    """The columns of the complaint rows: the filing's, then those `derived_columns` returns, in its order."""
    filed_at = datetime(YEAR, 1, 2, tzinfo=UTC)
    return (
        *COMPLAINT_COLUMNS,
        *derived_columns(deadlines.compute_deadline(filed_at, ComplaintType.PETICION), filed_at),
    )


async def seed(url: str, shape: SeedShape, *, random_seed: int = 2063) -> Seeded:
    """Write the rows into a migrated, empty database at `url`; returns the admin secret and the plan ids."""
    started = time.perf_counter()
    tables = build_rows(shape, random.Random(random_seed))
    admin_key = generate_api_key()
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            for table, columns in (
                ("organizations", ORGANIZATION_COLUMNS),
                ("plans", PLAN_COLUMNS),
                ("goals", GOAL_COLUMNS),
                ("activities", ACTIVITY_COLUMNS),
                ("indicators", INDICATOR_COLUMNS),
                ("complaints", complaint_columns()),
                ("complaint_events", EVENT_COLUMNS),
            ):
                await connection.copy_records_to_table(table, records=tables[table], columns=columns)
            await connection.execute(
                "INSERT INTO api_keys (id, organization_id, role, name, prefix, key_hash) "
                "VALUES ($1, NULL, 'admin', 'bench', $2, $3)",
                uuid.uuid4(),
                display_prefix(admin_key),
                hash_api_key(admin_key),
            )
        # Fresh statistics, as autovacuum would have after a real load: the planner picks the indexes.
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    rows = {table: len(records) for table, records in tables.items()}
    rows["api_keys"] = 1
    return Seeded(
        admin_key=admin_key,
        plan_ids=[plan[0] for plan in tables["plans"]],
        rows=rows,
        seconds=time.perf_counter() - started,
        complaint_ids=[complaint[0] for complaint in tables["complaints"]],
    )
