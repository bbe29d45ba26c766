"""Complaints (PQRD): the complaint with its derived legal deadline, its event log, and personal data.

The complaint read model never carries personal data; the petitioner and the affected person are read
only through `/v1/complaints/{id}/person` (:class:`ComplaintPeople`), and every such read is logged.
"""

from datetime import date, datetime
from uuid import UUID

from pydantic import Field, StrictInt

from shared.contract.base import ContractModel, PlainTextModel, Record, WireBool, WireInstant
from shared.enums import (
    Channel,
    Clock,
    ComplaintStatus,
    ComplaintType,
    DatePrecision,
    EventKind,
    MotiveLevel,
    Risk,
    TermUnit,
    Timeliness,
)


class ComplaintAttachment(ContractModel, PlainTextModel):
    """Metadata of a document attached to a complaint; the file itself lives elsewhere."""

    name: str = Field(min_length=1, max_length=300, description="Nombre del archivo.")
    media_type: str | None = Field(default=None, max_length=100, description="Tipo MIME, `application/pdf`.")
    size_bytes: StrictInt | None = Field(default=None, ge=0, le=10**12)
    url: str | None = Field(default=None, max_length=2000, description="Dónde está guardado el archivo.")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class ComplaintTerm(ContractModel):
    """The legal term that applies: `length` business days or calendar hours, with its legal basis."""

    unit: TermUnit
    length: int
    basis: str = Field(description="Norma que fija el término.")


class Complaint(Record):
    """A complaint (PQRD) with its legal deadline derived from the event log; never personal data.

    `organization_id` is the receiving organisation. `status`, `clock`, `due_at`, `due_date`, `term`,
    `extended` and `answered_at` are derived from the event log and read-only. `timeliness` and
    `time_left` are computed at read time against the current instant.
    """

    entity_id: UUID = Field(description="Organización contra la que se presenta (puede ser la misma receptora).")
    radicado: str = Field(description="Número de radicado, único en la organización receptora.")
    filed_at: datetime = Field(description="Instante de radicación.")
    date_precision: DatePrecision = Field(
        default=DatePrecision.DAY,
        description="`month`: solo se conoce el mes de radicación (datos abiertos de Supersalud); `filed_at` es "
        "el primer instante de ese mes en Bogotá y la queja no tiene término.",
    )
    type: ComplaintType
    channel: Channel
    risk: Risk | None = Field(default=None, description="Clasificación de riesgo; solo para `reclamo`.")
    minor: bool = Field(description="La persona afectada es menor de edad.")
    municipality_code: str | None = Field(default=None, description="Código DANE del municipio de la persona.")
    motive_code: str | None = Field(default=None, description="Código de motivo (catálogo de Supersalud).")
    text: str
    attachments: list[ComplaintAttachment]
    transferred_from_id: UUID | None = Field(
        default=None, description="Queja de la que esta nació por traslado, si la hay."
    )
    status: ComplaintStatus
    clock: Clock = Field(description="Estado del término: corre, suspendido, detenido o sin término.")
    due_at: datetime | None = Field(
        default=None,
        description="Vencimiento: último instante del último día hábil (Bogotá) o radicación + N horas; "
        "nulo sin término o con el término suspendido.",
    )
    due_date: date | None = Field(default=None, description="Fecha de vencimiento en Bogotá.")
    term: ComplaintTerm | None = Field(default=None, description="Término legal aplicable; nulo si no tiene.")
    extended: bool = Field(description="El término fue prorrogado.")
    information_due_date: date | None = Field(
        default=None, description="Último día del peticionario para completar la información pedida."
    )
    answered_at: datetime | None = None
    response_business_days: int | None = Field(
        default=None,
        description="Días hábiles entre radicación y respuesta (el día 1 es el primer día hábil siguiente).",
    )
    flags: list[str] = Field(
        description="Irregularidades registradas (`late_transfer`, `late_information_request`, …)."
    )
    timeliness: Timeliness | None = Field(
        default=None, description="Oportunidad calculada en el momento de la lectura; nula sin término."
    )
    time_left: int | None = Field(
        default=None,
        description="Segundos hasta `due_at` mientras el término corre (negativo si ya venció); nulo si no corre.",
    )


class ComplaintMotive(ContractModel):
    """A motive of the Supersalud catalogue, valid for complaints filed from `valid_from` to `valid_to`."""

    code: str = Field(description="Código propio y estable (`ME23-01`); la fuente no trae códigos.")
    level: MotiveLevel
    name: str = Field(description="Nombre del motivo como lo escribe Supersalud.")
    parent_code: str | None = Field(default=None, description="Motivo del nivel superior, si se conoce.")
    valid_from: date = Field(description="Primer día de radicación en que rige (inclusive).")
    valid_to: date | None = Field(
        default=None, description="Último día en que rige (inclusive); nulo si sigue vigente."
    )
    source: str = Field(description="De dónde se tomó.")


class ComplaintMotives(ContractModel):
    """Motives of the catalogue, ordered by code."""

    items: list[ComplaintMotive]


class ComplaintAnswer(ContractModel, PlainTextModel):
    """The answer given to the petitioner and the medium it went through."""

    text: str = Field(min_length=1, max_length=20000)
    medium: Channel = Field(description="Medio por el que se envió la respuesta (el que eligió el peticionario).")


class ComplaintEvent(ContractModel):
    """One event of a complaint's log (append-only)."""

    id: int = Field(description="Orden del evento en el registro.")
    complaint_id: UUID
    organization_id: UUID
    kind: EventKind
    occurred_at: datetime
    note: str | None = None
    answer: ComplaintAnswer | None = None
    new_due_date: date | None = None
    reason: str | None = None
    to_organization_id: UUID | None = None
    transferred_complaint_id: UUID | None = Field(
        default=None, description="Queja creada en la organización receptora del traslado."
    )
    created_at: datetime


class ComplaintEvents(ContractModel):
    """The whole event log of a complaint, in log order."""

    items: list[ComplaintEvent]


class Consent(ContractModel, PlainTextModel):
    """Consent to the processing of personal data (Ley 1581 de 2012)."""

    given: WireBool
    text_version: str | None = Field(default=None, max_length=50)
    channel: Channel | None = None
    at: WireInstant | None = Field(default=None, description="Instante RFC 3339 en que se dio el consentimiento.")


class ComplaintPerson(ContractModel):
    """Personal data of the petitioner or the affected person."""

    document_type: str | None = None
    document_number: str | None = None
    first_names: str | None = None
    last_names: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    population_group: str | None = None
    consent: Consent | None = None


class ComplaintPeople(ContractModel):
    """The petitioner (`person`) and, when different, the affected person of a complaint."""

    complaint_id: UUID
    person: ComplaintPerson | None = None
    affected_person: ComplaintPerson | None = None


class DeadlinePreview(ContractModel):
    """The deadline a complaint filed at that instant would get."""

    due_at: datetime | None
    due_date: date | None
    term: ComplaintTerm | None


class CalendarHoliday(ContractModel):
    """A Colombian national holiday."""

    date: date
    name: str


class BusinessDays(ContractModel):
    """Business days (Monday–Friday minus national holidays) between two dates, both included."""

    business_days: int
    holidays: list[CalendarHoliday]


#: The names `group_by` accepts in `/v1/complaints/counts` and `/stats`, and the item key each one fills.
COMPLAINT_GROUP_KEYS: dict[str, str] = {
    "month": "month",
    "entity": "entity_id",
    "type": "type",
    "channel": "channel",
    "risk": "risk",
    "motive": "motive_code",
    "municipality": "municipality_code",
    "status": "status",
    "timeliness": "timeliness",
}


#: What `/v1/complaints/stats?include=` (and the analytics consolidation) adds on request: figures that need
#: every answer's value, so the API reads the complaints instead of its monthly rollup.
COMPLAINT_STATS_INCLUDES: tuple[str, ...] = ("median_response_hours",)


class ComplaintGroup(ContractModel):
    """The group keys of an aggregate; only the keys asked for in `group_by` are present."""

    month: str | None = Field(default=None, description="Mes de radicación en Bogotá, `AAAA-MM`.")
    entity_id: UUID | None = None
    type: ComplaintType | None = None
    channel: Channel | None = None
    risk: Risk | None = None
    municipality_code: str | None = None
    motive_code: str | None = None
    status: ComplaintStatus | None = None
    timeliness: Timeliness | None = Field(default=None, description="Oportunidad contra el instante actual.")


class ComplaintCount(ComplaintGroup):
    """How many live complaints fall in one group."""

    count: int


class ComplaintCounts(ContractModel):
    """Complaint counts per group, ordered by the group keys."""

    items: list[ComplaintCount]


class ComplaintStat(ComplaintGroup):
    """Response-time and timeliness figures of one group of live complaints."""

    count: int
    answered: int = Field(description="Quejas con respuesta.")
    answered_in_term: int = Field(description="Respondidas dentro del término.")
    answered_out_of_term: int = Field(description="Respondidas fuera del término.")
    overdue_unanswered: int = Field(description="Sin respuesta y con el término vencido ahora.")
    mean_response_hours: float | None = Field(
        default=None, description="Media de horas entre radicación y respuesta; nula si ninguna fue respondida."
    )
    median_response_hours: float | None = Field(
        default=None,
        description="Mediana de horas entre radicación y respuesta; nula si ninguna fue respondida. Solo con "
        "`include=median_response_hours`.",
    )
    mean_response_business_days: float | None = Field(
        default=None,
        description="Media de días hábiles entre radicación y respuesta (el día 1 es el primer día hábil "
        "siguiente a la radicación); nula si ninguna fue respondida.",
    )
    median_response_business_days: float | None = Field(
        default=None,
        description="Mediana de días hábiles entre radicación y respuesta; nula si ninguna fue respondida.",
    )


class ComplaintStats(ContractModel):
    """Complaint statistics per group, ordered by the group keys."""

    items: list[ComplaintStat]
