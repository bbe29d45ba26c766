"""Complaint files without a database: headers by synonyms, both profiles, dates, vocabularies, motives."""

import io
import uuid
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest

from services.api.complaints import intake, motives
from services.api.files.problems import ParseProblem
from shared.enums import Channel, ComplaintType, DatePrecision, Risk
from shared.periods import BOGOTA

RECEIVER = uuid.UUID(int=1)
EPS = intake.Entity(uuid.UUID(int=2), "830113831-0", "Aliansalud EPS", None)
IPS = intake.Entity(uuid.UUID(int=3), None, "Hospital San Vicente", "0560400001")


def context(**fields: Any) -> intake.Context:
    catalogue = [intake.CatalogueMotive(m.code, m.name, m.valid_from, m.valid_to) for m in motives.catalogue()]
    values: dict[str, Any] = {
        "receiver_id": RECEIVER,
        "motives": catalogue,
        "register": intake.Register([EPS, IPS]),
        "now": datetime(2026, 12, 1, tzinfo=BOGOTA),
        **fields,
    }
    return intake.Context(**values)


def drafts_of(content: bytes, name: str = "quejas.csv", **fields: Any) -> tuple[list[intake.Draft], list[ParseProblem]]:
    parsed = intake.read_complaint_file(content, file_name=name)
    problems = list(parsed.problems)
    if parsed.profile is None:
        return [], problems
    return intake.draft_rows(parsed, context(**fields), on_problem=problems.append), problems


# --- the catalogue ----------------------------------------------------------------------------------------


def test_catalogue_codes_are_stable_and_versioned() -> None:
    catalogue = motives.catalogue()
    assert [m.code for m in catalogue] == [f"ME21-{n:02d}" for n in range(1, 11)] + [
        f"ME23-{n:02d}" for n in range(1, 11)
    ]
    by_code = {m.code: m for m in catalogue}
    assert by_code["ME21-01"].name == (
        "FALTA DE OPORTUNIDAD EN LA ASIGNACIÓN DE CITAS DE CONSULTA MÉDICA ESPECIALIZADA"
    )
    assert by_code["ME23-03"].name == "FALTA DE OPORTUNIDAD EN LAS CITAS O CONSULTAS"
    assert by_code["ME21-06"].name == "NO APLICACIÓN DE NORMAS, GUÍAS O PROTOCOLOS DE ATENCIÓN"
    assert by_code["ME21-10"].valid_on(date(2023, 6, 30))
    assert not by_code["ME21-10"].valid_on(date(2023, 7, 1))
    assert by_code["ME23-01"].valid_on(date(2030, 1, 1))
    assert not by_code["ME23-01"].valid_on(date(2023, 6, 30))
    assert all(m.source.startswith("Supersalud (analiticapersoneriamedellin") for m in catalogue)


# --- headers and profiles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["Radicado", "Fecha de Radicación", "Tipo", "Canal", "Descripción"], ("plain", "filed_at", 1)),
        (["radicado", "filed_at", "type", "channel", "text"], ("plain", "filed_at", 1)),
        (["NUMERO_SOLICITUD_PQRSF", "TIPO_SOLICITUD", "fecha_creacion_caso"], ("plain", "type", 1)),
        (["PQR_TIPOPETICION", "PQR_CANAL", "MES", "MOTIVO_ESPECIFICO"], ("supersalud", "month", 2)),
    ],
)
def test_headers_are_matched_by_normalised_synonyms(cells: list[str], expected: tuple[str, str, int]) -> None:
    profile, field_name, _ = expected
    header = intake.find_header([(1, ["Reporte"]), (2, cells)])
    assert header is not None
    assert header.row == 2
    assert header.profile == profile
    assert field_name in header.columns


def test_header_position_does_not_matter_and_unknown_columns_are_reported() -> None:
    content = b"Observaciones,canal,tipo,fecha,radicado,Color favorito\nAlgo,web,queja,2026-06-26,Q-1,azul\n"
    drafts, problems = drafts_of(content)
    assert [(d.complaint.radicado, d.complaint.type, d.complaint.text) for d in drafts] == [
        ("Q-1", ComplaintType.QUEJA, "Algo")
    ]
    assert [(p.severity, p.code) for p in problems] == [("warning", "unknown_column")]
    assert "Color favorito" in problems[0].message


def test_a_file_without_a_header_is_one_error() -> None:
    parsed = intake.read_complaint_file(b"uno,dos\n1,2\n", file_name="x.csv")
    assert parsed.profile is None
    assert [p.code for p in parsed.problems] == ["missing_header"]


# --- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-26", datetime(2026, 6, 26, tzinfo=BOGOTA)),
        ("2026-06-26T10:30:00-05:00", datetime(2026, 6, 26, 10, 30, tzinfo=BOGOTA)),
        ("2026-06-26T15:30:00Z", datetime(2026, 6, 26, 10, 30, tzinfo=BOGOTA)),
        ("2026-06-26 10:30", datetime(2026, 6, 26, 10, 30, tzinfo=BOGOTA)),
        ("26/06/2026", datetime(2026, 6, 26, tzinfo=BOGOTA)),
        ("26/06/2026 08:05", datetime(2026, 6, 26, 8, 5, tzinfo=BOGOTA)),
        ("20260626", datetime(2026, 6, 26, tzinfo=BOGOTA)),
        ("46199", datetime(2026, 6, 26, tzinfo=BOGOTA)),
        ("46199.75", datetime(2026, 6, 26, 18, tzinfo=BOGOTA)),
        ("46199,5", datetime(2026, 6, 26, 12, tzinfo=BOGOTA)),
        ("45474", datetime(2024, 7, 1, tzinfo=BOGOTA)),
    ],
)
def test_dates_iso_day_first_and_excel_serials(text: str, expected: datetime) -> None:
    assert intake.parse_instant(text) == expected


@pytest.mark.parametrize("text", ["ayer", "31/02/2026", "0", "2026-13-01"])
def test_dates_that_are_not_dates(text: str) -> None:
    assert intake.parse_instant(text) is None


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("3", 2022, (2022, 3)),
        ("03", 2022, (2022, 3)),
        ("MARZO", 2022, (2022, 3)),
        ("Septiembre", 2016, (2016, 9)),
        ("2016-09", None, (2016, 9)),
        ("201609", None, (2016, 9)),
        ("marzo 2021", None, (2021, 3)),
        ("3", None, None),
        ("13", 2022, None),
        ("Trim I", 2022, None),
    ],
)
def test_months(text: str, year: int | None, expected: tuple[int, int] | None) -> None:
    assert intake.parse_month(text, year) == expected


# --- plain template ---------------------------------------------------------------------------------------


def test_plain_rows_become_complaints() -> None:
    content = (
        "radicado;fecha_radicacion;tipo;canal;riesgo;menor;nit_entidad;municipio;motivo;descripcion\n"
        "A-1;2026-06-26T10:00:00-05:00;Petición;Web;;No;830.113.831-0;11001;me23-03;Cita\n"
        "A-2;46199;reclamo;Telefónico;Riesgo vital;Sí;;5001;FALTA DE OPORTUNIDAD EN LAS CITAS O CONSULTAS;Urgencias\n"
    ).encode()
    drafts, problems = drafts_of(content)
    assert problems == []
    first, second = (draft.complaint for draft in drafts)
    assert (first.entity_id, first.type, first.channel, first.motive_code, first.minor) == (
        EPS.id,
        ComplaintType.PETICION,
        Channel.WEB,
        "ME23-03",
        False,
    )
    assert (second.entity_id, second.risk, second.channel, second.minor, second.municipality_code) == (
        RECEIVER,
        Risk.RIESGO_VITAL,
        Channel.TELEFONO,
        True,
        "05001",
    )
    assert second.motive_code == "ME23-03"
    assert second.date_precision is DatePrecision.DAY


def test_plain_errors_name_row_and_column() -> None:
    content = (
        "radicado,fecha,tipo,canal,riesgo,motivo,descripcion,entidad\n"
        "A-1,2026-06-26,queja,web,simple,,Texto,\n"
        "A-2,2026-06-26,pqr,web,,ME21-01,Texto,\n"
        "A-3,2027-06-26,queja,,,,,Clínica Inexistente\n"
        "A-1,2026-06-26,queja,web,,,Texto,Aliansalud EPS\n"
    ).encode()
    drafts, problems = drafts_of(content)
    # Only valid rows count for repeated radicados: the first A-1 failed, so the second one stands.
    assert [draft.row for draft in drafts] == [5]
    assert [(p.code, p.row, p.column) for p in problems] == [
        ("invalid_value", 2, "E"),
        ("unknown_value", 3, "C"),
        ("invalid_motive", 3, "F"),
        ("missing_value", 4, "D"),
        ("unknown_entity", 4, "H"),
        ("missing_value", 4, "G"),
    ]
    assert all(p.severity == "error" for p in problems)


def test_a_future_filing_and_a_repeated_radicado() -> None:
    content = (
        b"radicado,fecha,tipo,canal,descripcion\n"
        b"F-1,2027-06-26,queja,web,x\nF-2,2026-06-26,queja,web,x\nF-2,2026-06-27,queja,web,y\n"
    )
    drafts, problems = drafts_of(content)
    assert [d.complaint.radicado for d in drafts] == ["F-2"]
    assert [(p.code, p.row, p.column) for p in problems] == [("future_date", 2, "B"), ("duplicate_radicado", 4, "A")]


def test_personal_data_problems_never_repeat_the_value() -> None:
    content = b"fecha,tipo,canal,descripcion,correo,tipo_documento\n2026-06-26,queja,web,x,secreto@,ZZ\n"
    _, problems = drafts_of(content)
    assert {(p.code, p.column) for p in problems} == {("invalid_value", "E"), ("invalid_value", "F")}
    assert not any("secreto" in p.message or "ZZ" in p.message for p in problems)


# --- Supersalud open data ---------------------------------------------------------------------------------


def test_supersalud_vocabularies_and_month_rows() -> None:
    content = (
        "PQR_TIPOPETICION,PQR_CANAL,RIESGO_VIDA,MES,MOTIVO_ESPECIFICO,ENT_COD_SNS,ENT_NOMBRE,AFEC_EDADR,AFEC_GENERO\n"
        "reclamo ,Personalizado,SI,2022-03,DEFICIENCIAS EN LA SEGURIDAD DEL PACIENTE,EPS037,ALIANSALUD EPS,"
        "DE 13 A 17 AÑOS,Mujer\n"
        "queja (funcionario de la supersalud),Redes Sociales,SI,ENERO,,EPS037,Aliansalud eps,Mayor de 63 AÑOS,\n"
        "seguimiento a cumplimiento fallos de tutela,Escrito,NO,12,,,,DE 25 A 29 AÑOS,\n"
        "0,Web,NO,12,,,,,\n"
    ).encode()
    drafts, problems = drafts_of(content, year=2022)
    assert [(p.code, p.row) for p in problems] == [("risk_ignored", 3), ("missing_value", 5)]
    assert problems[0].severity == "warning"
    first, second, third = (draft.complaint for draft in drafts)
    assert (first.type, first.channel, first.risk, first.minor, first.motive_code, first.entity_id) == (
        ComplaintType.RECLAMO,
        Channel.PRESENCIAL,
        Risk.RIESGO_VITAL,
        True,
        "ME21-07",
        EPS.id,
    )
    assert (first.filed_at, first.date_precision) == (datetime(2022, 3, 1, tzinfo=BOGOTA), DatePrecision.MONTH)
    assert first.affected_person is not None
    assert first.affected_person.sex == "Mujer"
    assert first.text == "Motivo: DEFICIENCIAS EN LA SEGURIDAD DEL PACIENTE"
    assert (second.type, second.channel, second.risk, second.filed_at) == (
        ComplaintType.QUEJA,
        Channel.REDES_SOCIALES,
        None,
        datetime(2022, 1, 1, tzinfo=BOGOTA),
    )
    assert (third.type, third.channel, third.entity_id, third.minor) == (
        ComplaintType.PETICION,
        Channel.ESCRITO,
        RECEIVER,
        False,
    )


def test_supersalud_motive_of_another_version_is_a_warning() -> None:
    content = (
        b"PQR_TIPOPETICION,PQR_CANAL,MES,MOTIVO_ESPECIFICO\n"
        b"reclamo,Web,2024-02,FALTA DE OPORTUNIDAD EN LA ENTREGA DE MEDICAMENTOS POS\n"
        b"reclamo,Web,2024-02,falta de oportunidad en las citas o consultas\n"
    )
    drafts, problems = drafts_of(content)
    assert [(p.severity, p.code, p.row, p.column) for p in problems] == [("warning", "unknown_motive", 2, "D")]
    assert [d.complaint.motive_code for d in drafts] == [None, "ME23-03"]


def test_channels_map_to_ours() -> None:
    expected = {
        "Chat": Channel.WHATSAPP,
        "Correo": Channel.CORREO,
        "Escrito": Channel.ESCRITO,
        "Personalizado": Channel.PRESENCIAL,
        "Redes Sociales": Channel.REDES_SOCIALES,
        "Telefónico": Channel.TELEFONO,
        "Web": Channel.WEB,
        "buzon_sugerencias": Channel.BUZON_SUGERENCIAS,
    }
    assert {text: intake.CHANNELS[intake.value_key(text)] for text in expected} == expected


# --- XLSX -------------------------------------------------------------------------------------------------


def test_xlsx_cells_serials_and_dates() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Tipo", "Canal", "Fecha", "Descripción", "Municipio"])
    sheet.append(["queja", "web", 46199, "serial", 5001])
    sheet.append(["queja", "web", datetime(2026, 6, 25, 9, 15), "fecha", "11001"])
    sheet["C3"].number_format = "yyyy-mm-dd hh:mm"
    buffer = io.BytesIO()
    book.save(buffer)
    drafts, problems = drafts_of(buffer.getvalue(), "pqrd.xlsx")
    assert problems == []
    assert [(d.row, d.complaint.filed_at, d.complaint.municipality_code) for d in drafts] == [
        (2, datetime(2026, 6, 26, tzinfo=BOGOTA), "05001"),
        (3, datetime(2026, 6, 25, 9, 15, tzinfo=BOGOTA), "11001"),
    ]


def test_supersalud_petitioner_and_affected_person_columns() -> None:
    content = (
        "PQR_CODIGO,PQR_CANAL,FECHA_CREACION,PET_TIPODOC,PET_NUMDOC,PET_NOMBRES,AFEC_TIPODOC,AFEC_NUMDOC,"
        "AFEC_POBESPECIAL,PQR_TIPOPETICION,OBSERVACION\n"
        "2026900001,Web,2026-06-26,CC,52123456,Marta,TI,1012345678,Víctimas del conflicto,reclamo,Sin medicamentos\n"
    ).encode()
    drafts, problems = drafts_of(content)
    assert problems == []
    complaint = drafts[0].complaint
    assert (complaint.radicado, complaint.text) == ("2026900001", "Sin medicamentos")
    assert complaint.person is not None
    assert complaint.affected_person is not None
    assert (complaint.person.document_number, complaint.person.first_names) == ("52123456", "Marta")
    assert (complaint.affected_person.document_type, complaint.affected_person.population_group) == (
        "TI",
        "Víctimas del conflicto",
    )


def test_xlsx_reads_the_first_sheet_with_a_complaint_header() -> None:
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Instrucciones"
    notes.append(["Diligencie una queja por fila en la hoja PQRD."])
    sheet = book.create_sheet("PQRD")
    sheet.append(["radicado", "tipo", "canal", "fecha", "texto"])
    sheet.append(["H-1", "sugerencia", "buzon de sugerencias", "2026-06-26", "Más sillas"])
    buffer = io.BytesIO()
    book.save(buffer)
    drafts, problems = drafts_of(buffer.getvalue(), "pqrd.xlsx")
    assert problems == []
    assert [(d.complaint.radicado, d.complaint.channel) for d in drafts] == [("H-1", Channel.BUZON_SUGERENCIAS)]
