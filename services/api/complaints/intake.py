"""Complaint files: read a CSV/TSV/XLSX of complaints and turn each row into a checked complaint draft.

Pure: bytes in, drafts and problems out; the catalogue of motives and the register of entities come in
as arguments, so nothing here touches the database. The file readers, encodings and format detection are
the file platform's (`services.api.files`), the same the plan importer reads with.

Two column profiles, told apart by the header row (found among the first rows, matched by normalised
synonyms, never by position):

* ``plain``, our template: ``radicado, filed_at, type, channel, risk, minor, entity_nit`` (or
  ``entity_id``), ``municipality_code, motive_code, text`` and the Spanish names people write
  (``fecha_radicacion``, ``tipo``, ``canal``, ``riesgo``, ``municipio``, ``motivo``, ``descripcion``…),
  plus optional personal data of the petitioner (``tipo_documento``, ``numero_documento``, ``nombres``,
  ``apellidos``, ``telefono``, ``correo``, ``direccion``, ``fecha_nacimiento``, ``sexo``).
* ``supersalud``, the columns of Supersalud's open data (``PQR_TIPOPETICION``, ``PQR_CANAL``,
  ``RIESGO_VIDA``, ``MES``, ``MOTIVO_ESPECIFICO``, ``ENT_NOMBRE``, ``AFEC_MPIO``, ``AFEC_EDADR``…). Its
  vocabularies are mapped to ours (channels as in the reference mapping: Personalizado → presencial,
  Telefónico → telefono, Chat → whatsapp…); a row with a month and no day is kept with
  ``date_precision`` ``month`` (no legal term, statistics only).

Both profiles read the same vocabularies (ours and Supersalud's), dates as ISO dates or instants, as
``dd/mm/aaaa`` or as Excel serial days, and a motive as one of our codes or as its name in the catalogue
valid on the filing date.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import PurePath
from typing import Any, Literal

from pydantic import ValidationError

from services.api.complaints.motives import name_key
from services.api.complaints.schemas import ComplaintCreate, PersonIn
from services.api.files.budget import check_deadline
from services.api.files.cells import SheetRow, column_letter, fold
from services.api.files.decoding import decode_spreadsheet_bytes
from services.api.files.delimited import read_delimited_rows
from services.api.files.formats import FileFormat, detect_format
from services.api.files.problems import ParseProblem, blocks, problem
from services.api.files.xlsx import read_xlsx_rows
from services.kit.errors import validation_errors
from shared.enums import Channel, ComplaintType, DatePrecision, Risk
from shared.periods import BOGOTA

Profile = Literal["plain", "supersalud"]

HEADER_SEARCH_ROWS = 30
"""The header must be among the first rows (a title block may come before it)."""
EXCEL_EPOCH = datetime(1899, 12, 30, tzinfo=BOGOTA)
"""Day 0 of Excel's 1900 date system (it counts the fictitious 29 February 1900, so day 60 is skipped)."""

# --------------------------------------------------------------------------------------------------
# Header
# --------------------------------------------------------------------------------------------------


def header_key(cell: str) -> str:
    """A header cell reduced for matching: ``Fecha de Radicación`` → ``fecha_de_radicacion``."""
    return "_".join(re.findall(r"[a-z0-9]+", fold(cell)))


def _synonyms(**fields: Iterable[str]) -> dict[str, str]:
    return {header_key(name): field_name for field_name, names in fields.items() for name in names}


# Normalised header → the field it fills. Personal fields start with `person.` or `affected.`.
HEADERS: Mapping[str, str] = _synonyms(
    radicado=(
        "radicado",
        "numero_radicado",
        "numero de radicado",
        "no_radicado",
        "radicado_numero",
        "numero_solicitud_pqrsf",
        "numero_solicitud",
        "pqr_radicado",
        "pqr_codigo",
    ),
    filed_at=(
        "filed_at",
        "fecha_radicacion",
        "fecha de radicacion",
        "fecha_hora_radicacion",
        "fecha y hora de radicacion",
        "fecha",
        "fecha_creacion_caso",
        "fecha_creacion",
        "fecha_recepcion",
        "fecha de recepcion",
        "pqr_fecha_radicacion",
        "pqr_fecharadicacion",
    ),
    month=("mes", "month", "mes_radicacion", "mes de radicacion"),
    year=("ano", "anio", "year", "vigencia", "ano_radicacion"),
    date_precision=("date_precision", "precision_fecha"),
    type=("type", "tipo", "tipo_solicitud", "tipo_pqrd", "tipo_peticion", "tipo de peticion", "pqr_tipopeticion"),
    channel=("channel", "canal", "canal_recepcion", "canal de recepcion", "medio_recepcion", "pqr_canal"),
    risk=("risk", "riesgo", "clasificacion_riesgo", "clasificacion_de_riesgo", "tipo_de_riesgo", "tipo_riesgo"),
    life_risk=("riesgo_vida", "riesgo_de_vida"),
    minor=("minor", "menor", "menor_de_edad", "nna"),
    age_range=("afec_edadr", "rango_edad", "rango de edad"),
    entity_id=("entity_id", "id_entidad"),
    entity_nit=("entity_nit", "nit_entidad", "nit", "ent_nit", "nit de la entidad"),
    entity_name=("entity_name", "entidad", "nombre_entidad", "ent_nombre"),
    entity_code=("ent_cod_sns", "codigo_entidad", "cod_entidad"),
    municipality_code=(
        "municipality_code",
        "municipio",
        "codigo_municipio",
        "cod_municipio",
        "codigo_dane",
        "mpio",
        "afec_mpio",
        "afec_cod_mpio",
        "mpio_afiliacion",
    ),
    motive_code=("motive_code", "motivo", "codigo_motivo", "motivo_codigo", "motivo_especifico"),
    text=(
        "text",
        "texto",
        "descripcion",
        "detalle",
        "descripcion_caso",
        "hechos",
        "asunto",
        "observaciones",
        "observacion",
    ),
    status=("pqr_estado", "estado", "estado_caso"),
)
HEADERS = {
    **HEADERS,
    **_synonyms(
        **{
            "person.document_type": (
                "pet_tipodoc",
                "document_type",
                "tipo_documento",
                "tipo_identificacion",
                "tipo de documento",
            ),
            "person.document_number": (
                "pet_numdoc",
                "document_number",
                "numero_documento",
                "documento",
                "identificacion",
                "cedula",
                "numero de documento",
                "numero_identificacion",
            ),
            "person.first_names": ("pet_nombres", "first_names", "nombres", "nombre"),
            "person.last_names": ("pet_apellidos", "last_names", "apellidos", "apellido"),
            "person.phone": ("pet_telefono", "phone", "telefono", "celular", "telefono_contacto"),
            "person.email": ("pet_mail", "email", "correo", "correo_electronico", "e_mail"),
            "person.address": ("pet_direccion", "address", "direccion", "direccion_residencia"),
            "person.birth_date": ("birth_date", "fecha_nacimiento", "fecha de nacimiento"),
            "person.sex": ("pet_genero", "sex", "sexo", "genero"),
            "affected.sex": ("afec_genero", "afec_sexo", "sexo_afectado"),
            "affected.document_type": ("afec_tipodoc", "afec_tipodo", "tipo_documento_afectado"),
            "affected.document_number": ("afec_numdoc", "identificacion_afectado", "documento_afectado"),
            "affected.first_names": ("afec_nombres", "nombres_afectado"),
            "affected.last_names": ("afec_apellidos", "apellidos_afectado"),
            "affected.phone": ("afec_telefono",),
            "affected.email": ("afec_mail",),
            "affected.birth_date": ("fecha_nacimiento_afectado", "afec_fechanacimiento"),
            "affected.population_group": ("afec_pobespecial", "grupo_poblacional"),
        }
    ),
}
# Only Supersalud's open data names its columns like this.
SUPERSALUD_HEADERS = frozenset(
    header_key(name)
    for name in (
        "PQR_TIPOPETICION",
        "PQR_CANAL",
        "PQR_ESTADO",
        "RIESGO_VIDA",
        "MOTIVO_ESPECIFICO",
        "ENT_COD_SNS",
        "ENT_NOMBRE",
        "AFEC_MPIO",
        "AFEC_EDADR",
        "TRIM",
    )
)
# Read by nobody, but known: they are not reported as unknown columns.
IGNORED_HEADERS = frozenset(
    header_key(name)
    for name in (
        "TRIM",
        "MACROMOTIVO",
        "MOTIVO_GENERAL",
        "PQR_TIPOATENCION",
        "AFEC_REGAFILIACION",
        "AFEC_DPTO",
        "AFEC_PARENTESCO",
        "PET_TIPOPER",
        "CIE_10",
        "AFEC_ID",
        "AFEC_TIPOPER",
        "AFEC_EDUC",
        "PQR_CLASE_SNS",
        "PQR_GRUPOALERTA",
        "PQR_NURC",
        "PATOLOGIA_1",
        "PATOLOGIA_TIPO",
    )
)
_KEY_FIELDS = frozenset({"type", "filed_at", "month", "radicado"})


@dataclass(frozen=True, slots=True)
class Header:
    row: int
    columns: dict[str, int]
    """Field → index of the cell that fills it (the first matching column wins)."""
    profile: Profile
    unknown: tuple[str, ...]
    """Header cells that match no field, as written."""


def find_header(rows: Sequence[SheetRow]) -> Header | None:
    """The first row (among the first :data:`HEADER_SEARCH_ROWS`) naming at least three fields, one a key."""
    for number, cells in rows[:HEADER_SEARCH_ROWS]:
        keys = [header_key(cell) for cell in cells]
        columns: dict[str, int] = {}
        unknown: list[str] = []
        for index, key in enumerate(keys):
            name = HEADERS.get(key)
            if name is not None:
                columns.setdefault(name, index)
            elif key and key not in IGNORED_HEADERS:
                unknown.append(" ".join(cells[index].split()))
        if len(columns) >= 3 and _KEY_FIELDS & columns.keys():
            profile: Profile = "supersalud" if SUPERSALUD_HEADERS & set(keys) else "plain"
            return Header(number, columns, profile, tuple(unknown))
    return None


def is_complaint_header(cells: Sequence[str]) -> bool:
    return find_header([(1, cells)]) is not None


# --------------------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileRow:
    row: int
    cells: dict[str, str]
    """Field → the cell's text, stripped; only non-empty cells."""


@dataclass(slots=True)
class ComplaintFile:
    format: FileFormat
    profile: Profile | None
    columns: dict[str, str] = field(default_factory=dict)
    """Field → column letter, to locate problems."""
    rows: list[FileRow] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)


def read_complaint_file(data: bytes, *, file_name: str, sheet: str | None = None) -> ComplaintFile:
    """Split an uploaded complaint file into rows under its header; never raises."""
    file_format = detect_format(data, file_name)
    result = ComplaintFile(format=file_format, profile=None)
    if not data.strip():
        result.problems.append(problem("error", "empty_file", "El archivo está vacío."))
        return result
    if file_format == "pisis":
        result.problems.append(
            problem("error", "unsupported_format", "El archivo es un plano PISIS de planes, no un archivo de quejas.")
        )
        return result
    if file_format == "xlsx":
        rows, problems = read_xlsx_rows(data, sheet=sheet, is_header=is_complaint_header)
    else:
        text, decoding = decode_spreadsheet_bytes(data)
        problems = list(decoding)
        rows = []
        if not blocks(problems):
            rows, row_problems = read_delimited_rows(text, is_header=is_complaint_header)
            problems += row_problems
    result.problems.extend(problems)
    if blocks(problems):
        return result
    header = find_header(rows)
    if header is None:
        result.problems.append(
            problem(
                "error",
                "missing_header",
                "No se encontró la fila de encabezado: debe nombrar al menos tres columnas conocidas, entre ellas "
                "el tipo, la fecha de radicación, el mes o el radicado (plantilla: radicado, filed_at, type, "
                "channel, risk, minor, entity_nit, municipality_code, motive_code, text; o las columnas de datos "
                f"abiertos de Supersalud). Archivo: {PurePath(file_name).name}.",
            )
        )
        return result
    result.profile = header.profile
    result.columns = {name: column_letter(index) for name, index in header.columns.items()}
    for name in header.unknown:
        result.problems.append(
            problem(
                "warning", "unknown_column", f"La columna «{name[:80]}» no corresponde a ningún campo y no se importa."
            )
        )
    for number, cells in rows:
        check_deadline()
        if number <= header.row:
            continue
        values = {
            name: cells[index].strip()
            for name, index in header.columns.items()
            if index < len(cells) and cells[index].strip()
        }
        if values:
            result.rows.append(FileRow(number, values))
    if not result.rows:
        result.problems.append(
            problem("error", "no_rows", "El archivo no tiene quejas debajo del encabezado.", header.row)
        )
    return result


# --------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def value_key(text: str) -> str:
    """A cell value reduced for vocabulary matching: lower case, no accents, `_` as a space, single spaces."""
    return " ".join(fold(text.replace("_", " ")).split())


def _vocabulary(pairs: Mapping[str, Iterable[str]]) -> dict[str, str]:
    return {value_key(word): value for value, words in pairs.items() for word in (value, *words)}


TYPES = _vocabulary(
    {
        ComplaintType.PETICION: ("peticion general", "seguimiento a cumplimiento fallos de tutela"),
        ComplaintType.SOLICITUD_INFORMACION: (
            "solicitud de informacion",
            "peticion de informacion",
            "solicitud informacion documentos",
            "solicitud de documentos",
        ),
        ComplaintType.CONSULTA: ("consulta y/o solicitud de informacion",),
        ComplaintType.QUEJA: ("queja (funcionario de la supersalud)",),
        ComplaintType.RECLAMO: ("reclamo en salud",),
        ComplaintType.SUGERENCIA: (),
        ComplaintType.DENUNCIA: (),
        ComplaintType.FELICITACION: ("felicitaciones",),
    }
)
CHANNELS = _vocabulary(
    {
        Channel.PRESENCIAL: ("personalizado", "personal", "ventanilla"),
        Channel.BUZON_SUGERENCIAS: ("buzon", "buzon de sugerencias"),
        Channel.TELEFONO: ("telefonico", "telefonica", "linea telefonica", "call center"),
        # Supersalud has no WhatsApp: its «Chat» is the nearest (reference mapping, to be confirmed).
        Channel.WHATSAPP: ("chat",),
        Channel.CORREO: ("correo electronico", "email", "e-mail"),
        Channel.WEB: ("pagina web", "portal web", "formulario web"),
        Channel.REDES_SOCIALES: ("redes",),
        Channel.ESCRITO: ("carta", "oficio"),
        Channel.API: (),
    }
)
RISKS = _vocabulary({Risk.SIMPLE: (), Risk.PRIORIZADO: (), Risk.RIESGO_VITAL: ("vital",)})
_TRUE = frozenset({"si", "s", "true", "verdadero", "1", "x", "yes"})
_FALSE = frozenset({"no", "n", "false", "falso", "0"})
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("enero", "ene", "jan"),
            ("febrero", "feb"),
            ("marzo", "mar"),
            ("abril", "abr", "apr"),
            ("mayo", "may"),
            ("junio", "jun"),
            ("julio", "jul"),
            ("agosto", "ago", "aug"),
            ("septiembre", "setiembre", "sep", "sept"),
            ("octubre", "oct"),
            ("noviembre", "nov"),
            ("diciembre", "dic", "dec"),
        ),
        start=1,
    )
    for name in names
}
_SERIAL = re.compile(r"[0-9]{1,5}(?:[.,][0-9]+)?")
_DAY_FIRST = re.compile(
    r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})(?:[ T]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?"
)
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_YEAR_MONTH = re.compile(r"([0-9]{4})[-/]?([0-9]{1,2})")
_AGE_RANGE = re.compile(r"de ([0-9]+) a ([0-9]+)")


def parse_instant(text: str) -> datetime | None:
    """An ISO instant or date, ``dd/mm/aaaa [hh:mm]``, ``aaaammdd`` or Excel serial days; None if none of these.

    A date without time is its first instant in Bogotá; an instant without zone is Bogotá time; Excel
    serials count days from 1899-12-30 (the 1900 system), their fraction is the time of day.
    """
    text = text.strip()
    if _SERIAL.fullmatch(text):
        serial = float(text.replace(",", "."))
        if serial < 1:
            return None
        return EXCEL_EPOCH + timedelta(days=serial)
    if compact := _COMPACT_DATE.fullmatch(text):
        try:
            return datetime.combine(date(*map(int, compact.groups())), time.min, tzinfo=BOGOTA)
        except ValueError:
            return None
    if day_first := _DAY_FIRST.fullmatch(text):
        day, month, year, hour, minute, second = day_first.groups()
        try:
            return datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=BOGOTA
            )
        except ValueError:
            return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=BOGOTA)


def parse_month(text: str, year: int | None) -> tuple[int, int] | None:
    """``(year, month)`` of a month cell: ``2016-03``, ``201603``, ``3``, ``marzo`` (with ``year``), ``marzo 2016``."""
    key = value_key(text)
    if match := _YEAR_MONTH.fullmatch(key):
        found_year, month = int(match.group(1)), int(match.group(2))
        return (found_year, month) if 1 <= month <= 12 else None
    words = key.replace("-", " ").replace("/", " ").split()
    month_number: int | None = None
    for word in words:
        # isascii: isdigit() also takes superscripts and circled digits ("²⁰²⁶", "⓵"), which int() refuses.
        if word.isascii() and word.isdigit() and len(word) == 4:
            year = int(word)
        elif word.isascii() and word.isdigit() and 1 <= int(word) <= 12:
            month_number = int(word)
        elif word in MONTHS:
            month_number = MONTHS[word]
        else:
            return None
    if month_number is None or year is None:
        return None
    return year, month_number


def parse_boolean(text: str) -> bool | None:
    key = value_key(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return None


def minor_from_age_range(text: str) -> bool | None:
    """Supersalud's ``AFEC_EDADR``: ``DE 13 A 17 AÑOS`` is a minor, ``Mayor de 63 AÑOS`` is not."""
    key = value_key(text)
    if match := _AGE_RANGE.search(key):
        return int(match.group(2)) < 18
    if key.startswith("mayor"):
        return False
    return None


@functools.lru_cache(maxsize=4096)
def nit_number(text: str) -> str:
    """The NIT's number without dots, check digit or leading zeros: ``830.113.831-0`` → ``830113831``."""
    return text.split("-")[0].replace(".", "").replace(" ", "").lstrip("0")


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
        year_known = _year(row, context) is not None or bool(_YEAR_MONTH.fullmatch(value_key(month_text)))
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
