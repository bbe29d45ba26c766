"""A million synthetic complaints in the bench database, in one `INSERT ... SELECT` over `generate_series`.

Shape (seeded, so two runs write the same rows): filings spread over 2025-01-01 .. 2026-11-30 (Bogotá),
receiving organisations skewed (the first ones receive most, as large EPS do), 30 % of complaints against
one of three EPS of the receiver (among the first ten organisations), types, channels and health risks with realistic
weights, motive codes (from the motive catalogue when the database has one), the receivers' municipalities,
Spanish texts of ~200 characters, and the derived deadline columns the API would store: the term of
`shared.deadlines` for each type and risk, `due_at`/`due_date` counted over the real business-day calendar
(`shared.calendar`, loaded into a temporary table), ~85 % of the complaints older than a month answered (some
out of term) with `response_business_days`, the others open. The data set is a snapshot at the end of
LAST_DAY: an answer that would come later is not there. The load skips the per-row triggers and index updates
(the bench connects as a superuser), then rebuilds the indexes and the rollup `complaint_monthly_counts` (with
its histogram) once and vacuums, as autovacuum would on a live database.

Usage from code: `await seed_complaints(url, 1_000_000)` on a migrated database that has organisations
(`bench.seed.seed` makes 200); from the shell: `python -m bench.complaints_seed URL [COUNT]`.
"""

import asyncio
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg

from shared import calendar, deadlines
from shared.enums import Channel, ComplaintType, Risk
from shared.periods import BOGOTA

FIRST_DAY = date(2025, 1, 1)
LAST_DAY = date(2026, 11, 30)
# Complaints filed after this day are still open: the data set is "as of" the day after LAST_DAY.
ANSWERED_BEFORE = date(2026, 11, 1)
SEED = 0.2026

# (type, risk, weight in %): weights of a Colombian EPS' PQRD (Supersalud open data, rounded).
KINDS: tuple[tuple[ComplaintType, Risk | None, int], ...] = (
    (ComplaintType.PETICION, None, 30),
    (ComplaintType.RECLAMO, Risk.SIMPLE, 18),
    (ComplaintType.RECLAMO, Risk.PRIORIZADO, 9),
    (ComplaintType.RECLAMO, Risk.RIESGO_VITAL, 3),
    (ComplaintType.QUEJA, None, 15),
    (ComplaintType.SOLICITUD_INFORMACION, None, 8),
    (ComplaintType.CONSULTA, None, 5),
    (ComplaintType.SUGERENCIA, None, 5),
    (ComplaintType.FELICITACION, None, 4),
    (ComplaintType.DENUNCIA, None, 3),
)
CHANNELS: tuple[tuple[Channel, int], ...] = (
    (Channel.WEB, 28),
    (Channel.PRESENCIAL, 20),
    (Channel.TELEFONO, 16),
    (Channel.CORREO, 12),
    (Channel.WHATSAPP, 8),
    (Channel.ESCRITO, 6),
    (Channel.BUZON_SUGERENCIAS, 5),
    (Channel.REDES_SOCIALES, 3),
    (Channel.API, 2),
)
MUNICIPALITIES = ("11001", "05001", "76001", "08001", "13001", "68001", "54001", "66001", "17001", "73001")
TEXTS = (
    "Solicito la autorización de la cita con el especialista en ortopedia que me ordenaron hace dos meses; "
    "he llamado varias veces a la línea de atención y no me dan respuesta sobre la fecha asignada.",
    "Presento queja porque en el servicio de urgencias esperé más de seis horas para ser atendido, sin "
    "información sobre mi turno, y el personal de la ventanilla no me orientó sobre el procedimiento.",
    "La farmacia no entregó completos los medicamentos formulados para el tratamiento de la hipertensión; "
    "me indicaron volver en quince días, lo que interrumpe el tratamiento que el médico ordenó.",
    "Requiero información sobre los documentos necesarios para el traslado de EPS de mi núcleo familiar y "
    "sobre los tiempos del trámite, porque nos cambiamos de municipio por motivos de trabajo.",
    "Reclamo por la negación del procedimiento quirúrgico ordenado por el especialista tratante; la EPS "
    "argumenta que no está incluido en el plan de beneficios, aunque cuento con la orden médica vigente.",
    "Felicito al equipo de enfermería del tercer piso por la atención humana y oportuna que recibió mi "
    "madre durante la hospitalización; la información a la familia fue clara y constante en todo momento.",
    "Sugiero habilitar más horarios para la asignación de citas de medicina general en la sede del barrio, "
    "porque las personas que trabajamos no podemos acudir en el horario de la mañana entre semana.",
    "Solicito copia de la historia clínica de la atención recibida en el mes anterior, para presentarla "
    "ante el médico laboral de la empresa donde trabajo como soporte de la incapacidad que me dieron.",
)
MOTIVES = tuple(f"M{number:02d}" for number in range(1, 41))


@dataclass(frozen=True)
class SeededComplaints:
    """What `seed_complaints` wrote."""

    count: int
    organizations: list[uuid.UUID]
    filed_from: datetime
    filed_to: datetime
    seconds: float
    rollup_rows: int


def _slots(weights: list[int]) -> list[int]:
    """Index of the weighted item for each of 100 slots (weights add up to 100)."""
    assert sum(weights) == 100, weights
    return [index for index, weight in enumerate(weights) for _ in range(weight)]


def _calendar_rows() -> list[tuple[date, int, bool]]:
    """Every day of the seed's range (plus room for terms), with the count of business days up to it."""
    rows: list[tuple[date, int, bool]] = []
    ordinal = 0
    day = FIRST_DAY - timedelta(days=7)
    while day <= LAST_DAY + timedelta(days=120):
        business = calendar.is_business_day(day)
        ordinal += business
        rows.append((day, ordinal, business))
        day += timedelta(days=1)
    return rows


def _kind_rows() -> list[tuple[int, str, str | None, str | None, int | None, str | None, str | None]]:
    rows = []
    for slot, index in enumerate(_slots([weight for _, _, weight in KINDS])):
        kind, risk, _ = KINDS[index]
        term = deadlines.term_for(kind, risk, date(2026, 1, 15))
        rows.append(
            (
                slot,
                kind.value,
                risk.value if risk else None,
                term.unit.value if term else None,
                term.length if term else None,
                term.basis if term else None,
                term.rule_id if term else None,
            )
        )
    return rows


_SETUP = """
CREATE TEMP TABLE seed_days (day date PRIMARY KEY, ordinal int NOT NULL, business boolean NOT NULL);
CREATE TEMP TABLE seed_kinds (slot int PRIMARY KEY, type text, risk text, term_unit text, term_length int,
    term_basis text, term_rule_id text);
CREATE TEMP TABLE seed_channels (slot int PRIMARY KEY, channel text);
"""

# Random draws per row first (OFFSET 0 keeps them evaluated once), then the derived columns.
_INSERT = """
WITH draws AS (
    SELECT g,
        1 + floor(power(random(), 2) * $2::int)::int AS org_index,
        random() AS entity_draw,
        $3::timestamptz + random() * ($4::timestamptz - $3::timestamptz) AS filed_at,
        floor(random() * 100)::int AS kind_slot,
        floor(random() * 100)::int AS channel_slot,
        1 + floor(power(random(), 1.5) * cardinality($5::text[]))::int AS motive_index,
        1 + floor(random() * cardinality($6::text[]))::int AS municipality_index,
        random() AS answer_draw,
        random() AS speed_draw,
        random() AS hour_draw,
        random() AS status_draw
    FROM generate_series(1, $7::int) AS g
    OFFSET 0
), placed AS (
    -- 30 % against one of three EPS (among the first ten organisations) that the receiver works with.
    SELECT draws.*, CASE WHEN entity_draw < 0.3
        THEN 1 + (org_index + floor(entity_draw * 10)::int) % least($2::int, 10) END AS entity_index
    FROM draws
), shaped AS (
    SELECT d.*, k.*, c.channel, f.ordinal AS filed_ordinal,
        (d.filed_at AT TIME ZONE 'America/Bogota')::date AS filed_day,
        k.term_unit IS NOT NULL AND d.answer_draw < 0.85
            AND (d.filed_at AT TIME ZONE 'America/Bogota')::date < $8::date AS answered
    FROM placed d
    JOIN seed_kinds k ON k.slot = d.kind_slot
    JOIN seed_channels c ON c.slot = d.channel_slot
    JOIN seed_days f ON f.day = (d.filed_at AT TIME ZONE 'America/Bogota')::date
), timed AS (
    SELECT s.*,
        CASE WHEN s.term_unit = 'business_days' THEN due.day END AS business_due_day,
        CASE
            WHEN NOT s.answered THEN NULL
            WHEN s.term_unit = 'hours'
                THEN s.filed_at + make_interval(secs => s.speed_draw * 1.4 * s.term_length * 3600)
            ELSE (answer_day.day + make_interval(hours => 8 + floor(s.hour_draw * 9)::int))
                AT TIME ZONE 'America/Bogota'
        END AS answered_at
    FROM shaped s
    LEFT JOIN seed_days due ON s.term_unit = 'business_days' AND due.business
        AND due.ordinal = s.filed_ordinal + s.term_length
    LEFT JOIN seed_days answer_day ON s.answered AND s.term_unit = 'business_days' AND answer_day.business
        AND answer_day.ordinal = s.filed_ordinal + 1 + floor(power(s.speed_draw, 1.3) * 1.35 * s.term_length)::int
), dated AS (
    SELECT t.*,
        CASE
            WHEN t.term_unit = 'hours' THEN t.filed_at + make_interval(hours => t.term_length)
            WHEN t.term_unit = 'business_days'
                THEN ((t.business_due_day + 1)::timestamp AT TIME ZONE 'America/Bogota') - interval '1 microsecond'
        END AS due_at
    FROM timed t
), snapshot AS (
    -- The data set is a snapshot at the end of LAST_DAY: an answer that would come later has not come yet.
    SELECT d.*, d.answered AND d.answered_at < $4 AS settled FROM dated d
)
INSERT INTO complaints (
    id, organization_id, created_at, updated_at, version, entity_id, radicado, filed_at, type, channel, risk,
    minor, municipality_code, motive_code, text, attachments, status, clock, due_at, due_date, due_sort_at,
    answered_at, term_unit, term_length, term_basis, term_rule_id, extended, flags, response_business_days
)
SELECT
    md5('complaint-' || $9::text || '-' || g)::uuid,
    ($1::uuid[])[org_index],
    filed_at, CASE WHEN settled THEN answered_at ELSE filed_at END, CASE WHEN settled THEN 3 ELSE 1 END,
    coalesce(($1::uuid[])[entity_index], ($1::uuid[])[org_index]),
    'BENCH-' || to_char(filed_at AT TIME ZONE 'America/Bogota', 'YYYY') || '-' || lpad(g::text, 7, '0'),
    filed_at, type, channel, risk, false,
    ($6::text[])[municipality_index], ($5::text[])[motive_index],
    ($10::text[])[1 + g % cardinality($10::text[])],
    '[]'::jsonb,
    CASE
        WHEN settled AND status_draw < 0.3 THEN 'cerrado'
        WHEN settled THEN 'respondido'
        WHEN status_draw < 0.5 THEN 'en_tramite'
        ELSE 'radicado'
    END,
    CASE WHEN term_unit IS NULL THEN 'none' WHEN settled THEN 'stopped' ELSE 'running' END,
    due_at,
    (due_at AT TIME ZONE 'America/Bogota')::date,
    coalesce(due_at, '9999-12-31T00:00:00+00:00'::timestamptz),
    CASE WHEN settled THEN answered_at END, term_unit, term_length, term_basis, term_rule_id, false, '[]'::jsonb,
    CASE WHEN settled THEN
        (SELECT a.ordinal FROM seed_days a WHERE a.day = (answered_at AT TIME ZONE 'America/Bogota')::date)
        - filed_ordinal
    END
FROM snapshot
"""


async def _motive_codes(connection: asyncpg.Connection) -> list[str]:
    """Specific motives of the catalogue when the database has one; synthetic codes otherwise."""
    if await connection.fetchval("SELECT to_regclass('complaint_motives')") is None:
        return list(MOTIVES)
    rows = await connection.fetch(
        "SELECT code FROM complaint_motives WHERE level = 'especifico' AND valid_to IS NULL ORDER BY code LIMIT 40"
    )
    return [row["code"] for row in rows] or list(MOTIVES)


async def seed_complaints(
    url: str, count: int = 1_000_000, *, organizations: list[uuid.UUID] | None = None, seed: float = SEED
) -> SeededComplaints:
    """Insert `count` complaints into the migrated database at `url` (plain `postgresql://` URL).

    `organizations` receive and are complained about (default: every organisation in the database, in id
    order). The rollup is current when this returns, and the table analysed.
    """
    started = time.perf_counter()
    connection = await asyncpg.connect(url)
    try:
        if organizations is None:
            organizations = [row["id"] for row in await connection.fetch("SELECT id FROM organizations ORDER BY id")]
        if not organizations:
            raise ValueError("The database has no organisations: seed them first (bench.seed.seed).")
        await connection.execute(_SETUP)
        await connection.copy_records_to_table("seed_days", records=_calendar_rows())
        await connection.copy_records_to_table("seed_kinds", records=_kind_rows())
        channel_slots = _slots([weight for _, weight in CHANNELS])
        await connection.copy_records_to_table(
            "seed_channels", records=[(slot, CHANNELS[index][0].value) for slot, index in enumerate(channel_slots)]
        )
        filed_from = datetime.combine(FIRST_DAY, datetime.min.time(), tzinfo=BOGOTA)
        filed_to = datetime.combine(LAST_DAY + timedelta(days=1), datetime.min.time(), tzinfo=BOGOTA)
        motives = await _motive_codes(connection)
        async with connection.transaction():
            # Bulk load: no per-row foreign-key or rollup triggers (the ids are valid by construction and the
            # rollup is rebuilt once), and the secondary indexes built once afterwards instead of row by row.
            await connection.execute("SET LOCAL session_replication_role = replica")
            indexes = await connection.fetch(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'complaints' "
                "AND indexname <> 'pk_complaints'"
            )
            for index in indexes:
                await connection.execute(f'DROP INDEX "{index["indexname"]}"')
            await connection.execute("SELECT setseed($1)", seed)
            await connection.execute(
                _INSERT,
                organizations,
                len(organizations),
                filed_from,
                filed_to,
                motives,
                list(MUNICIPALITIES),
                count,
                ANSWERED_BEFORE,
                str(seed),
                list(TEXTS),
            )
            for index in indexes:
                await connection.execute(index["indexdef"])
            await connection.execute("SELECT complaint_monthly_counts_rebuild()")
        # What autovacuum does to a live table: statistics, and the visibility map index-only scans rely on.
        for table in ("complaints", "complaint_monthly_counts", "complaint_response_days"):
            await connection.execute(f"VACUUM (ANALYZE) {table}")
        rollup_rows = int(await connection.fetchval("SELECT count(*) FROM complaint_monthly_counts"))
    finally:
        await connection.close()
    return SeededComplaints(
        count=count,
        organizations=organizations,
        filed_from=filed_from.astimezone(UTC),
        filed_to=filed_to.astimezone(UTC),
        seconds=time.perf_counter() - started,
        rollup_rows=rollup_rows,
    )


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        return 2
    asyncio.run(seed_complaints(argv[0], int(argv[1]) if len(argv) > 1 else 1_000_000))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
