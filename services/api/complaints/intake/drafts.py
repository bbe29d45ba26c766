"""Drafts: each row of a complaint file checked into a `ComplaintCreate`, with its problems by row and
column; the catalogue of motives and the register of entities come in as a `Context`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from services.api.complaints.intake.files import ComplaintFile, FileRow, Profile
from services.api.complaints.intake.values import (
    CHANNELS,
    RISKS,
    TYPES,
    YEAR_MONTH,
    minor_from_age_range,
    nit_number,
    parse_boolean,
    parse_instant,
    parse_month,
    value_key,
)
from services.api.complaints.motives import name_key
from services.api.complaints.schemas import ComplaintCreate
from services.api.files.budget import check_deadline
from services.api.files.problems import ParseProblem, problem
from services.api.people.schemas import PersonIn
from services.kit.errors import validation_errors
from shared.enums import Channel, ComplaintType, DatePrecision, Risk
from shared.periods import BOGOTA

# --------------------------------------------------------------------------------------------------
# Drafts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CatalogueMotive:
    code: str
    name: str
    valid_from: date
    valid_to: date | None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class Entity:
    id: uuid.UUID
    nit: str | None
    name: str
    reps_code: str | None


class Register:
    """The entities a file may name: by id, NIT number, REPS code or (normalised) name."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self.by_id: dict[uuid.UUID, Entity] = {}
        self.by_nit: dict[str, Entity] = {}
        self.by_name: dict[str, Entity] = {}
        self.by_code: dict[str, Entity] = {}
        for entity in entities:
            self.by_id[entity.id] = entity
            if entity.nit:
                self.by_nit.setdefault(nit_number(entity.nit), entity)
            if entity.reps_code:
                self.by_code.setdefault(entity.reps_code.strip().upper(), entity)
            self.by_name.setdefault(name_key(entity.name), entity)


@dataclass(slots=True)
class Draft:
    """One row checked as `POST /v1/complaints` would check it, ready to be written."""

    row: int
    complaint: ComplaintCreate


@dataclass(slots=True)
class Context:
    receiver_id: uuid.UUID
    motives: Sequence[CatalogueMotive]
    register: Register
    year: int | None = None
    now: datetime = field(default_factory=lambda: datetime.now(BOGOTA))
    _keys: list[tuple[CatalogueMotive, str]] = field(init=False, default_factory=list)
    _found: dict[tuple[str, date], str | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._keys = [(motive, name_key(motive.name)) for motive in self.motives]

    def motive_code(self, text: str, filed_on: date) -> str | None:
        """The code of a motive written as a code or as its name, in the catalogue valid on `filed_on`."""
        # A file repeats a few motives over thousands of rows.
        if (text, filed_on) not in self._found:
            wanted_code = text.strip().upper()
            wanted_name = name_key(text)
            self._found[(text, filed_on)] = next(
                (
                    motive.code
                    for motive, key in self._keys
                    if motive.valid_on(filed_on) and (motive.code == wanted_code or key == wanted_name)
                ),
                None,
            )
        return self._found[(text, filed_on)]


MISSING = frozenset({"0", "-", "n/a", "na", "sin dato", "sin informacion", "null", "none"})
"""Cells that mean "no value" in exported data (Supersalud writes ``0`` for a missing value)."""


class _RowProblems:
    def __init__(self, row: int, columns: Mapping[str, str]) -> None:
        self.row = row
        self.columns = columns
        self.problems: list[ParseProblem] = []

    def error(self, code: str, name: str | None, message: str) -> None:
        self.problems.append(problem("error", code, message, self.row, self._column(name)))

    def warning(self, code: str, name: str | None, message: str) -> None:
        self.problems.append(problem("warning", code, message, self.row, self._column(name)))

    def _column(self, name: str | None) -> str | None:
        return self.columns.get(name, name) if name else None

    @property
    def failed(self) -> bool:
        return any(problem.severity == "error" for problem in self.problems)


def _cell(row: FileRow, name: str) -> str | None:
    value = row.cells.get(name)
    if value is None or value.casefold() in MISSING:
        return None
    return value


def _choice(row: FileRow, name: str, vocabulary: Mapping[str, str], problems: _RowProblems, label: str) -> str | None:
    text = _cell(row, name)
    if text is None:
        return None
    found = vocabulary.get(value_key(text))
    if found is None:
        allowed = ", ".join(sorted(set(vocabulary.values())))
        problems.error("unknown_value", name, f"{label} «{text[:60]}» no se reconoce; use uno de: {allowed}.")
    return found


def _filing(row: FileRow, context: Context, problems: _RowProblems) -> tuple[datetime, DatePrecision] | None:
    text = _cell(row, "filed_at")
    precision_text = _cell(row, "date_precision")
    wants_month = precision_text is not None and value_key(precision_text) in ("month", "mes")
    if text is not None:
        moment = parse_instant(text)
        if moment is None and (month := parse_month(text, _year(row, context))) is not None:
            return datetime(month[0], month[1], 1, tzinfo=BOGOTA), DatePrecision.MONTH
        if moment is None:
            problems.error(
                "invalid_date",
                "filed_at",
                f"La fecha «{text[:40]}» no se entiende: use AAAA-MM-DD, AAAA-MM-DDThh:mm con zona, DD/MM/AAAA "
                "o el número de serie de fecha de Excel.",
            )
            return None
        return moment, DatePrecision.MONTH if wants_month else DatePrecision.DAY
    month_text = _cell(row, "month")
    if month_text is None:
        problems.error(
            "missing_value", "filed_at", "Falta la fecha de radicación (o el mes, si solo se conoce el mes)."
        )
        return None
    month = parse_month(month_text, _year(row, context))
    if month is None:
        year_known = _year(row, context) is not None or bool(YEAR_MONTH.fullmatch(value_key(month_text)))
        problems.error(
            "invalid_month" if year_known else "missing_year",
            "month",
            f"El mes «{month_text[:40]}» no se entiende: use AAAA-MM, o el número o nombre del mes con una "
            "columna de año."
            if year_known
            else "El archivo trae el mes pero no el año: agregue una columna de año o envíe el campo year.",
        )
        return None
    return datetime(month[0], month[1], 1, tzinfo=BOGOTA), DatePrecision.MONTH


def _year(row: FileRow, context: Context) -> int | None:
    text = _cell(row, "year")
    if text is not None and text.isascii() and text.isdigit() and len(text) == 4:
        return int(text)
    return context.year


def _lookup(register: Register, name: str, text: str) -> Entity | None:
    if name == "entity_id":
        entity_id = _as_uuid(text)
        return register.by_id.get(entity_id) if entity_id else None
    if name == "entity_nit":
        return register.by_nit.get(nit_number(text))
    if name == "entity_code":
        return register.by_code.get(text.strip().upper())
    return register.by_name.get(name_key(text))


_ENTITY_LABELS = {"entity_id": "identificador", "entity_nit": "NIT", "entity_code": "código", "entity_name": "nombre"}


def _entity(row: FileRow, context: Context, problems: _RowProblems) -> uuid.UUID | None:
    """The entity complained about, by id, NIT, REPS code or name; the receiver when the file names none."""
    for name, label in _ENTITY_LABELS.items():
        text = _cell(row, name)
        if text is None:
            continue
        entity = _lookup(context.register, name, text)
        if entity is not None:
            return entity.id
        if name == "entity_code" and _cell(row, "entity_name") is not None:
            continue  # Supersalud's SNS code is not ours: the name that follows may still match.
        problems.error(
            "unknown_entity",
            name,
            f"No hay una organización registrada con el {label} «{text[:80]}»; regístrela (POST /v1/organizations) "
            "o corrija la celda.",
        )
        return None
    return context.receiver_id


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        return None


def _municipality(row: FileRow, profile: Profile, problems: _RowProblems) -> str | None:
    text = _cell(row, "municipality_code")
    if text is None:
        return None
    digits = text.split(".")[0] if re.fullmatch(r"[0-9]+(\.0+)?", text) else text
    if digits.isascii() and digits.isdigit() and 4 <= len(digits) <= 5:
        # A spreadsheet that took the code for a number dropped its leading zero (05001 → 5001).
        return digits.zfill(5)
    if profile == "supersalud":
        problems.warning(
            "unknown_municipality",
            "municipality_code",
            f"El municipio «{text[:60]}» no es un código DANE de 5 dígitos; la queja se importa sin municipio.",
        )
        return None
    problems.error("invalid_value", "municipality_code", "El municipio debe ser un código DANE de 5 dígitos.")
    return None


def _risk(row: FileRow, complaint_type: str | None, profile: Profile, problems: _RowProblems) -> str | None:
    risk = _choice(row, "risk", RISKS, problems, "El riesgo")
    if risk is None and (life := _cell(row, "life_risk")) is not None:
        answer = parse_boolean(life)
        if answer is None:
            problems.error("unknown_value", "life_risk", f"RIESGO_VIDA «{life[:20]}» debe ser SI o NO.")
        # Before the 2023 classification only "riesgo de vida" was recorded: SI is riesgo_vital, NO nothing.
        risk = Risk.RIESGO_VITAL if answer else None
    column = "risk" if "risk" in row.cells else "life_risk"
    if risk is not None and complaint_type not in (None, ComplaintType.RECLAMO):
        if profile == "supersalud":
            problems.warning(
                "risk_ignored",
                column,
                "La clasificación de riesgo solo aplica a un reclamo; se importa sin riesgo.",
            )
            return None
        problems.error("invalid_value", column, "La clasificación de riesgo solo se admite en un reclamo.")
        return None
    return risk


def _minor(row: FileRow, problems: _RowProblems) -> bool:
    text = _cell(row, "minor")
    if text is not None:
        answer = parse_boolean(text)
        if answer is None:
            problems.error("unknown_value", "minor", f"«{text[:20]}» no es sí ni no.")
        return bool(answer)
    age = _cell(row, "age_range")
    return bool(age and minor_from_age_range(age))


_PERSON_LABELS = {
    "document_type": "el tipo de documento",
    "document_number": "el número de documento",
    "first_names": "los nombres",
    "last_names": "los apellidos",
    "phone": "el teléfono",
    "email": "el correo",
    "address": "la dirección",
    "birth_date": "la fecha de nacimiento",
    "sex": "el sexo",
}


def _person(row: FileRow, prefix: str, problems: _RowProblems) -> PersonIn | None:
    """Personal data of one role; problems name the column and never repeat the value (it is personal)."""
    values: dict[str, Any] = {}
    for name, text in row.cells.items():
        if not name.startswith(prefix):
            continue
        key = name.removeprefix(prefix)
        if key == "birth_date":
            moment = parse_instant(text)
            if moment is None:
                problems.error("invalid_value", name, "La fecha de nacimiento no es una fecha válida.")
                continue
            values[key] = moment.date()
        elif key == "document_type":
            values[key] = text.strip().upper().replace(".", "")
        else:
            values[key] = text.strip()
    if not values:
        return None
    try:
        return PersonIn.model_validate(values)
    except ValidationError as error:
        for problem in error.errors():
            key = str(problem["loc"][0]) if problem.get("loc") else ""
            problems.error(
                "invalid_value", f"{prefix}{key}", f"Dato personal inválido en {_PERSON_LABELS.get(key, key)}."
            )
        return None


def draft_row(
    row: FileRow, profile: Profile, context: Context, columns: Mapping[str, str]
) -> tuple[Draft | None, list[ParseProblem]]:
    """Check one row; a draft when it has no error, and its problems either way."""
    problems = _RowProblems(row.row, columns)
    complaint_type = _choice(row, "type", TYPES, problems, "El tipo")
    if _cell(row, "type") is None:
        problems.error("missing_value", "type", "Falta el tipo de la petición (peticion, queja, reclamo…).")
    channel = _choice(row, "channel", CHANNELS, problems, "El canal")
    if _cell(row, "channel") is None:
        problems.error("missing_value", "channel", "Falta el canal por el que se recibió.")
    filing = _filing(row, context, problems)
    risk = _risk(row, complaint_type, profile, problems)
    minor = _minor(row, problems)
    entity_id = _entity(row, context, problems)
    municipality = _municipality(row, profile, problems)
    motive_code: str | None = None
    motive_text = _cell(row, "motive_code")
    if motive_text is not None and filing is not None:
        filed_on = filing[0].astimezone(BOGOTA).date()
        motive_code = context.motive_code(motive_text, filed_on)
        if motive_code is None:
            message = (
                f"El motivo «{motive_text[:80]}» no está en el catálogo de Supersalud vigente el "
                f"{filed_on.isoformat()}. Consulte los códigos vigentes en "
                "GET /v1/complaint-motives?valid_on=AAAA-MM-DD (fecha de radicación)."
            )
            if profile == "supersalud":
                problems.warning("unknown_motive", "motive_code", message + " Se importa sin motivo.")
            else:
                problems.error("invalid_motive", "motive_code", message)
    text = _cell(row, "text")
    if text is None and profile == "supersalud":
        text = f"Motivo: {motive_text}" if motive_text else "Registro de datos abiertos de Supersalud."
    if text is None:
        problems.error("missing_value", "text", "Falta la descripción de la queja.")
    if _cell(row, "status") is not None:
        # One warning per file is enough; `draft_rows` keeps the first.
        problems.warning(
            "status_not_imported",
            "status",
            "La columna de estado no se importa: las quejas entran radicadas y su historia se registra con "
            "eventos (POST /v1/complaints/{id}/events).",
        )
    person = _person(row, "person.", problems)
    affected = _person(row, "affected.", problems)
    if problems.failed or filing is None or complaint_type is None or channel is None or text is None:
        return None, problems.problems
    assert entity_id is not None  # only None with an unknown_entity error
    filed_at, precision = filing
    if filed_at > context.now + timedelta(minutes=5):
        problems.error(
            "future_date", "filed_at" if "filed_at" in row.cells else "month", "La radicación no puede ser futura."
        )
        return None, problems.problems
    try:
        complaint = ComplaintCreate(
            entity_id=entity_id,
            radicado=_cell(row, "radicado"),
            filed_at=filed_at,
            date_precision=precision,
            type=ComplaintType(complaint_type),
            channel=Channel(channel),
            risk=Risk(risk) if risk else None,
            minor=minor,
            municipality_code=municipality,
            motive_code=motive_code,
            text=text,
            person=person,
            affected_person=affected,
        )
    except ValidationError as error:
        for problem in validation_errors(error.errors()):
            name = problem.field.split(".")[0]
            problems.error("invalid_value", name, f"{name}: {problem.message}")
        return None, problems.problems
    return Draft(row.row, complaint), problems.problems


def draft_rows(parsed: ComplaintFile, context: Context, *, on_problem: Callable[[ParseProblem], None]) -> list[Draft]:
    """Every row of a read file checked; each problem is handed to `on_problem` in row order."""
    assert parsed.profile is not None
    drafts: list[Draft] = []
    seen: dict[str, int] = {}
    status_warned = False
    for row in parsed.rows:
        check_deadline()
        draft, problems = draft_row(row, parsed.profile, context, parsed.columns)
        for found in problems:
            if found.code == "status_not_imported":
                if status_warned:
                    continue
                status_warned = True
                found = problem(found.severity, found.code, found.message, None, found.column)
            on_problem(found)
        if draft is None:
            continue
        radicado = draft.complaint.radicado
        if radicado is not None:
            if radicado in seen:
                on_problem(
                    problem(
                        "error",
                        "duplicate_radicado",
                        f"El radicado {radicado} ya aparece en la fila {seen[radicado]} del archivo.",
                        row.row,
                        parsed.columns.get("radicado"),
                    )
                )
                continue
            seen[radicado] = row.row
        drafts.append(draft)
    return drafts
