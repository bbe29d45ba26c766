"""Reading a complaint file: the header row found by normalised synonyms, the profile it tells, the rows
under it (the readers are the file platform's)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Literal

from services.api.files.budget import check_deadline
from services.api.files.cells import SheetRow, column_letter, fold
from services.api.files.decoding import decode_spreadsheet_bytes
from services.api.files.delimited import read_delimited_rows
from services.api.files.formats import FileFormat, detect_format
from services.api.files.problems import ParseProblem, blocks, problem
from services.api.files.xlsx import read_xlsx_rows

Profile = Literal["plain", "supersalud"]

HEADER_SEARCH_ROWS = 30
"""The header must be among the first rows (a title block may come before it)."""


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
