"""The PISIS reader and writer, on the real PPS190PPPS file of ESE Hospital San Vicente de Paúl (Remedios)
and on small hand-made files, one per check."""

import dataclasses
import hashlib
import random
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from services.api.imports.pisis import (
    MAX_PROBLEMS,
    FollowUpLine,
    ParsedPisis,
    PisisFileName,
    PisisKind,
    ProgrammingLine,
    follow_up_key,
    format_file_name,
    parse_file_name,
    programming_key,
)
from services.api.imports.pisis_read import parse_pisis
from services.api.imports.pisis_write import (
    PisisWriteError,
    format_follow_up_line,
    format_programming_line,
    write_follow_up,
    write_programming,
)
from shared.enums import Axis

ROOT = Path(__file__).resolve().parents[3]
REAL_NAME = "PPS190PPPS20211231NI000890985092.TXT"
REAL = ROOT / "tests" / "fixtures" / REAL_NAME
REAL_SHA256 = "01ea4e12ff45465c5170ad128ff6b83b2ae591b353baeb4d1e9f8f596c39366b"
FOLLOW_UP_NAME = "PPS190SPPS20211231NI000890985092.TXT"

ProblemKey = tuple[str, str, int | None, str | None]


def problem_keys(parsed: ParsedPisis) -> list[ProblemKey]:
    return [(item.severity, item.code, item.row, item.column) for item in parsed.problems]


def parse_real() -> ParsedPisis:
    return parse_pisis(REAL.read_bytes(), file_name=REAL_NAME)


# --------------------------------------------------------------------------------------------------
# The real file
# --------------------------------------------------------------------------------------------------


def test_fixture_is_the_published_file_byte_for_byte() -> None:
    data = REAL.read_bytes()
    assert hashlib.sha256(data).hexdigest() == REAL_SHA256
    assert data.count(b"\r\n") == 42
    assert not data.endswith(b"\n")


def test_real_file_has_only_the_nit_mismatch_warning() -> None:
    parsed = parse_real()

    assert problem_keys(parsed) == [("warning", "nit_mismatch", 1, "nit")]
    assert "890999888" in parsed.problems[0].message
    assert "890985092" in parsed.problems[0].message
    assert not parsed.has_errors
    assert parsed.kind is PisisKind.PROGRAMMING
    assert parsed.file_name_info == PisisFileName(PisisKind.PROGRAMMING, date(2021, 12, 31), "890985092")
    assert parsed.header is not None
    assert (parsed.header.id_type, parsed.header.nit) == ("NI", "890999888")
    assert (parsed.header.start_date, parsed.header.end_date) == (date(2021, 1, 1), date(2021, 12, 31))
    assert parsed.header.declared_count == 42
    assert parsed.follow_up == ()


def test_real_file_detail_lines() -> None:
    lines = parse_real().programming

    assert len(lines) == 42
    assert [line.consecutive for line in lines] == list(range(1, 43))
    assert [line.line for line in lines] == list(range(2, 44))
    assert lines[0] == ProgrammingLine(
        line=2,
        consecutive=1,
        municipality_code="05604",
        axis=Axis.E1,
        line_letter="a",
        goal_code="M01",
        goal_text="SEGUIMIENTO DE LA EJECUCIÓN DEL PLAN DE ACCIÓN PPSS 2020 REPORTADO EN PISIS",
        activity_code="A01",
        activity_text="CARGUE DE SEGUIMIENTO DE EJECUCIÓN DE PLAN DE ACCIÓN PPSS 2020 EN LA PLATAFORMA PISIS",
        planned_quantity=1,
        target_group_code="26",
        start_date=date(2021, 1, 1),
        end_date=date(2021, 2, 20),
        planned_budget=0,
    )
    assert lines[-1] == ProgrammingLine(
        line=43,
        consecutive=42,
        municipality_code="05604",
        axis=Axis.E5,
        line_letter="d",
        goal_code="M01",
        goal_text="JUNTA DIRECTIVA DE LA ESE HOSPITAL FUNCIONANDO DE ACUERDO A LO DEFINIDO EN LA NORMATIVIDAD VIGENTE",
        activity_code="A02",
        activity_text="JUNTA DIRECTIVA REUNIENDOSE PERIODICAMENTE CON SUS INTEGRANTES",
        planned_quantity=6,
        target_group_code="26",
        start_date=date(2021, 2, 10),
        end_date=date(2021, 12, 31),
        planned_budget=0,
    )
    # The only budgeted activity: the staff assigned to participation (line 5).
    assert [(line.line, line.planned_budget) for line in lines if line.planned_budget] == [(5, 74288325)]
    assert {line.municipality_code for line in lines} == {"05604"}
    assert {line.target_group_code for line in lines} == {"01", "03", "04", "07", "25", "26"}
    assert sum(line.planned_quantity for line in lines) == 135


def test_real_file_axes_lines_and_goal_texts() -> None:
    lines = parse_real().programming

    assert {(str(line.axis), line.line_letter) for line in lines} == {
        ("E1", "a"),
        ("E1", "b"),
        ("E1", "e"),
        ("E1", "g"),
        ("E1", "h"),
        ("E2", "a"),
        ("E2", "b"),
        ("E2", "c"),
        ("E2", "d"),
        ("E2", "e"),
        ("E3", "a"),
        ("E3", "b"),
        ("E3", "c"),
        ("E3", "d"),
        ("E4", "a"),
        ("E4", "b"),
        ("E4", "c"),
        ("E4", "d"),
        ("E4", "e"),
        ("E5", "a"),
        ("E5", "b"),
        ("E5", "d"),
    }
    goals: dict[tuple[str, str, str], set[str]] = {}
    for line in lines:
        goals.setdefault((str(line.axis), line.line_letter, line.goal_code), set()).add(line.goal_text)
    assert all(len(texts) == 1 for texts in goals.values())
    texts = {key: next(iter(value)) for key, value in goals.items()}
    assert len(texts) == 31
    # Texts are kept as written: double spaces, typos, accents.
    assert texts["E1", "e", "M01"].startswith(
        "ACTORES DEL SGSSS PRESENTES EN EL MUNICIPIO PERSONERIA Y OTRAS INST  HACIENDO PARTE DEL EQUIPO "
        "INTERINSTITUCIONAL  PARA"
    )
    assert texts["E1", "g", "M01"].startswith("PPSS  Y PLANES DE ACCION")
    assert texts["E2", "e", "M02"] == "ASOCIACION DE USUARIOS CONSTITUIDA Y FUNCIONANDO"
    assert texts["E2", "e", "M03"] == (
        "COMITE DE ETICA DE LA IPS CONSTITUIDO Y FUNCIONANDO CON LAS REPRESENTACIONES DEFINIDAS EN LA "
        "NORMAAATIVIDAD VIGENTE"
    )
    assert texts["E4", "b", "M02"] == "PROCEDIMIENTO DE PQRS IMPLEMENTADO"
    # One goal text is shared by six eje+línea pairs: a goal code is unique within its eje+línea only.
    shared = "IMPLEMENTACION DE LA ESTRATEGIA PEDAGOGICA DISENADA INTERINSTITUCIONALMENTE PARA CUALIFICAR"
    assert sorted(key for key, text in texts.items() if text.startswith(shared)) == [
        ("E2", "a", "M01"),
        ("E2", "c", "M01"),
        ("E3", "c", "M01"),
        ("E4", "a", "M01"),
        ("E4", "d", "M01"),
        ("E4", "e", "M01"),
    ]
    assert "COORDINACION CON  DLS y EAPB" in lines[6].activity_text


# --------------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------------


def test_real_file_round_trips_byte_for_byte() -> None:
    data = REAL.read_bytes()
    parsed = parse_real()
    assert parsed.header is not None
    header = parsed.header

    assert write_programming(header.nit, header.start_date, header.end_date, parsed.programming) == data
    assert all(format_programming_line(line) == line.raw for line in parsed.programming)
    # Lines coming from the database have no raw text: the typed fields alone give the same bytes.
    from_database = [dataclasses.replace(line, raw=None) for line in parsed.programming]
    assert write_programming(header.nit, header.start_date, header.end_date, from_database) == data
    assert header.raw == data.split(b"\r\n")[0].decode("latin-1")


def test_number_spellings_are_kept_from_raw_unless_the_value_changed() -> None:
    line_text = "2|01|05604|E1La|M01|META|A01|ACTIVIDAD|007|26|2021-01-01|2021-02-20|0100"
    data = f"1|NI|890985092|2021-01-01|2021-12-31|1\r\n{line_text}".encode("latin-1")
    parsed = parse_pisis(data, file_name=REAL_NAME)
    assert problem_keys(parsed) == []
    (line,) = parsed.programming
    assert (line.consecutive, line.planned_quantity, line.planned_budget) == (1, 7, 100)

    assert format_programming_line(line) == line_text
    assert format_programming_line(dataclasses.replace(line, planned_quantity=8)) == (
        "2|01|05604|E1La|M01|META|A01|ACTIVIDAD|8|26|2021-01-01|2021-02-20|0100"
    )
    assert format_programming_line(dataclasses.replace(line, raw=None)) == (
        "2|1|05604|E1La|M01|META|A01|ACTIVIDAD|7|26|2021-01-01|2021-02-20|100"
    )


def synthetic_follow_up(programming: tuple[ProgrammingLine, ...]) -> list[FollowUpLine]:
    """What the hospital would report at year end: everything done, but one activity not executed."""
    lines = []
    for item in programming:
        not_executed = item.consecutive == 13
        lines.append(
            FollowUpLine(
                line=0,
                consecutive=item.consecutive,
                municipality_code=item.municipality_code,
                axis=item.axis,
                line_letter=item.line_letter,
                goal_code=item.goal_code,
                activity_code=item.activity_code,
                # The not-executed one still reports 1 done: the contradiction the warning is for.
                executed_quantity=1 if not_executed else item.planned_quantity,
                target_group_code=item.target_group_code,
                people_reached=0 if not_executed else item.planned_quantity * 12,
                executed_budget=item.planned_budget,
                second_code=item.target_group_code,
                evidence_url=None
                if not_executed
                else f"https://hsvp.example/ppss/2021/evidencia-{item.consecutive}.pdf",
                not_executed=not_executed,
                evidence_description="SIN RECURSOS  PARA CERTIFICADOS"
                if not_executed
                else f"ACTA {item.activity_code}",
            )
        )
    return lines


def test_synthetic_follow_up_parses_and_round_trips() -> None:
    programming = parse_real().programming
    built = synthetic_follow_up(programming)
    data = write_follow_up("890985092", date(2021, 1, 1), date(2021, 12, 31), built)
    name = format_file_name(PisisKind.FOLLOW_UP, date(2021, 12, 31), "890985092")
    assert name == FOLLOW_UP_NAME

    parsed = parse_pisis(data, file_name=name)

    assert problem_keys(parsed) == [("warning", "not_executed_with_quantity", 14, "cantidad")]
    assert parsed.kind is PisisKind.FOLLOW_UP
    assert parsed.programming == ()
    assert [dataclasses.replace(line, line=0) for line in parsed.follow_up] == built
    assert {follow_up_key(line) for line in parsed.follow_up} == {programming_key(line) for line in programming}
    assert write_follow_up("890985092", date(2021, 1, 1), date(2021, 12, 31), parsed.follow_up) == data
    assert all(format_follow_up_line(line) == line.raw for line in parsed.follow_up)
    not_executed = parsed.follow_up[12]
    assert (not_executed.not_executed, not_executed.evidence_url) == (True, None)
    assert not_executed.raw is not None
    assert "|NO EJECUTADA|SIN RECURSOS  PARA CERTIFICADOS" in not_executed.raw
    assert data.decode("latin-1").split("\r\n")[2] == (
        "2|2|05604|E1La|M02|A01|1|26|12|0|26|https://hsvp.example/ppss/2021/evidencia-2.pdf|ACTA A01"
    )


def test_not_executed_spelling_is_kept() -> None:
    line_text = "2|1|05604|E1La|M01|A01|0|26|0|0|26| No ejecutada |SIN EVIDENCIA"
    data = f"1|NI|890985092|2021-01-01|2021-12-31|1\r\n{line_text}".encode("latin-1")
    parsed = parse_pisis(data, file_name=FOLLOW_UP_NAME)
    assert problem_keys(parsed) == []
    (line,) = parsed.follow_up
    assert line.not_executed
    assert format_follow_up_line(line) == line_text
    assert format_follow_up_line(dataclasses.replace(line, raw=None)).endswith("|NO EJECUTADA|SIN EVIDENCIA")


# --------------------------------------------------------------------------------------------------
# Writer errors
# --------------------------------------------------------------------------------------------------


def first_real_line() -> ProgrammingLine:
    return dataclasses.replace(parse_real().programming[0], raw=None)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"goal_text": "META CON COMILLAS ‘CURVAS’"}, "meta", "U+2018"),
        ({"activity_text": "UNO | DOS"}, "actividad", "«|»"),
        ({"activity_text": "UNO\r\nDOS"}, "actividad", "salto de línea"),
        ({"planned_budget": -5}, "presupuesto", "negativo"),
    ],
)
def test_writer_refuses_what_pisis_cannot_hold(change: dict[str, object], field: str, words: str) -> None:
    good = first_real_line()
    bad = dataclasses.replace(good, **change)  # type: ignore[arg-type]

    with pytest.raises(PisisWriteError) as caught:
        write_programming("890985092", date(2021, 1, 1), date(2021, 12, 31), [good, bad])

    assert isinstance(caught.value, ValueError)
    assert (caught.value.line, caught.value.field_name) == (3, field)
    message = str(caught.value)
    assert message.startswith(f"Línea 3 del archivo (consecutivo 1), campo «{field}»")
    assert words in message


def test_writer_refuses_a_bad_header_nit_and_a_not_executed_line_with_url() -> None:
    with pytest.raises(PisisWriteError, match="nit"):
        write_programming("890985092-1", date(2021, 1, 1), date(2021, 12, 31), [])
    follow_up = synthetic_follow_up(parse_real().programming)[0]
    with pytest.raises(PisisWriteError, match="NO EJECUTADA"):
        format_follow_up_line(dataclasses.replace(follow_up, not_executed=True))


def test_writer_of_an_empty_plan_writes_the_header_only() -> None:
    assert write_programming("890985092", date(2021, 1, 1), date(2021, 12, 31), []) == (
        b"1|NI|890985092|2021-01-01|2021-12-31|0"
    )


# --------------------------------------------------------------------------------------------------
# Every check on a small hand-made file
# --------------------------------------------------------------------------------------------------

HEADER = ["1", "NI", "890985092", "2021-01-01", "2021-12-31", "3"]
LINES = [
    ["2", "1", "05604", "E1La", "M01", "META UNO", "A01", "ACTIVIDAD UNO", "1", "26", "2021-01-01", "2021-02-20", "0"],
    [
        "2",
        "2",
        "05604",
        "E1La",
        "M01",
        "META UNO",
        "A02",
        "ACTIVIDAD DOS",
        "2",
        "01",
        "2021-02-01",
        "2021-06-30",
        "1000",
    ],
    ["2", "3", "05604", "E2Le", "M02", "META DOS", "A01", "ACTIVIDAD TRES", "3", "04", "2021-02-01", "2021-12-30", "0"],
]
FOLLOW_UP_HEADER = ["1", "NI", "890985092", "2021-01-01", "2021-12-31", "2"]
FOLLOW_UP_LINES = [
    ["2", "1", "05604", "E1La", "M01", "A01", "1", "26", "15", "0", "26", "https://hsvp.example/e/1.pdf", "ACTA"],
    ["2", "2", "05604", "E1La", "M01", "A02", "0", "01", "0", "0", "01", "NO EJECUTADA", "SIN RECURSOS"],
]


def text(
    header: list[str] | None = None,
    lines: list[list[str]] | None = None,
    *,
    newline: str = "\r\n",
) -> str:
    rows = [header if header is not None else HEADER, *(lines if lines is not None else LINES)]
    return newline.join("|".join(cells) for cells in rows)


def changed(lines: list[list[str]], row: int, index: int, value: str) -> list[list[str]]:
    """The detail lines with one field replaced; ``row`` is the file line (the header is line 1)."""
    copy = [list(cells) for cells in lines]
    copy[row - 2][index] = value
    return copy


def test_hand_made_file_is_clean() -> None:
    parsed = parse_pisis(text().encode("latin-1"), file_name=REAL_NAME)
    assert problem_keys(parsed) == []
    assert len(parsed.programming) == 3
    follow_up = parse_pisis(text(FOLLOW_UP_HEADER, FOLLOW_UP_LINES).encode("latin-1"), file_name=FOLLOW_UP_NAME)
    assert problem_keys(follow_up) == []
    assert [line.not_executed for line in follow_up.follow_up] == [False, True]
    assert follow_up.follow_up[0].evidence_url == "https://hsvp.example/e/1.pdf"


PROGRAMMING_CASES: list[tuple[str, Callable[[], bytes], list[ProblemKey]]] = [
    (
        "count_mismatch",
        lambda: text([*HEADER[:5], "4"]).encode("latin-1"),
        [("error", "count_mismatch", 1, "cantidad_registros")],
    ),
    (
        "nit_mismatch",
        lambda: text(["1", "NI", "890999888", *HEADER[3:]]).encode("latin-1"),
        [("warning", "nit_mismatch", 1, "nit")],
    ),
    (
        "header_field_count",
        lambda: text(HEADER[:5]).encode("latin-1"),
        [("error", "field_count", 1, None)],
    ),
    (
        "field_count",
        lambda: text(lines=[LINES[0], LINES[1][:12], LINES[2]]).encode("latin-1"),
        [("error", "field_count", 3, None)],
    ),
    (
        "invalid_date_month",
        lambda: text(lines=changed(LINES, 2, 10, "2021-13-01")).encode("latin-1"),
        [("error", "invalid_date", 2, "fecha_inicio")],
    ),
    (
        "invalid_date_format",
        lambda: text(lines=changed(LINES, 3, 11, "30/06/2021")).encode("latin-1"),
        [("error", "invalid_date", 3, "fecha_fin")],
    ),
    (
        "invalid_date_header",
        lambda: text([*HEADER[:3], "2021-02-29", *HEADER[4:]]).encode("latin-1"),
        [("error", "invalid_date", 1, "fecha_inicio")],
    ),
    (
        "date_order",
        lambda: text(lines=changed(LINES, 2, 10, "2021-03-01")).encode("latin-1"),
        [("error", "date_order", 2, "fecha_fin")],
    ),
    (
        "date_order_header",
        lambda: text([*HEADER[:3], "2021-12-31", "2021-01-01", "3"]).encode("latin-1"),
        [("error", "date_order", 1, "fecha_fin")],
    ),
    (
        "date_outside_period_end",
        lambda: text(lines=changed(LINES, 4, 11, "2022-01-15")).encode("latin-1"),
        [("error", "date_outside_period", 4, "fecha_fin")],
    ),
    (
        "date_outside_period_start",
        lambda: text(lines=changed(LINES, 2, 10, "2020-12-01")).encode("latin-1"),
        [("error", "date_outside_period", 2, "fecha_inicio")],
    ),
    (
        "invalid_integer_quantity",
        lambda: text(lines=changed(LINES, 2, 8, "-1")).encode("latin-1"),
        [("error", "invalid_integer", 2, "cantidad")],
    ),
    (
        "invalid_integer_budget",
        lambda: text(lines=changed(LINES, 3, 12, "1.000")).encode("latin-1"),
        [("error", "invalid_integer", 3, "presupuesto")],
    ),
    (
        "invalid_integer_consecutive",
        lambda: text(lines=changed(LINES, 4, 1, "tres")).encode("latin-1"),
        [("error", "invalid_integer", 4, "consecutivo")],
    ),
    (
        "invalid_integer_header_count",
        lambda: text([*HEADER[:5], " 3"]).encode("latin-1"),
        [("error", "invalid_integer", 1, "cantidad_registros")],
    ),
    (
        "invalid_axis",
        lambda: text(lines=changed(LINES, 2, 3, "E6La")).encode("latin-1"),
        [("error", "invalid_axis_line", 2, "eje_linea")],
    ),
    (
        "invalid_line_letter",
        lambda: text(lines=changed(LINES, 4, 3, "E2Li")).encode("latin-1"),
        [("error", "invalid_axis_line", 4, "eje_linea")],
    ),
    (
        "invalid_axis_line_case",
        lambda: text(lines=changed(LINES, 4, 3, "E2LE")).encode("latin-1"),
        [("error", "invalid_axis_line", 4, "eje_linea")],
    ),
    (
        "invalid_municipality",
        lambda: text(lines=changed(LINES, 3, 2, "5604")).encode("latin-1"),
        [("error", "invalid_municipality", 3, "municipio")],
    ),
    (
        "goal_text_conflict",
        lambda: text(lines=changed(LINES, 3, 5, "META UNO ")).encode("latin-1"),
        [("error", "goal_text_conflict", 3, "meta")],
    ),
    (
        "duplicate_activity",
        lambda: text(lines=changed(LINES, 3, 6, "A01")).encode("latin-1"),
        [("error", "duplicate_activity", 3, "codigo_actividad")],
    ),
    (
        "duplicate_consecutive",
        lambda: text(lines=changed(LINES, 4, 1, "1")).encode("latin-1"),
        [("error", "duplicate_consecutive", 4, "consecutivo")],
    ),
    (
        "invalid_record_type",
        lambda: text(lines=changed(LINES, 3, 0, "3")).encode("latin-1"),
        [("error", "invalid_record_type", 3, "tipo_registro")],
    ),
    (
        "second_header",
        lambda: text(lines=[LINES[0], HEADER, LINES[2]]).encode("latin-1"),
        [("error", "invalid_record_type", 3, "tipo_registro")],
    ),
    (
        "missing_header_empty_file",
        lambda: b"",
        [("error", "missing_header", None, None)],
    ),
    (
        "missing_header_blank_lines",
        lambda: b"\r\n\r\n",
        [("error", "missing_header", None, None)],
    ),
    (
        "missing_header_details_only",
        lambda: "\r\n".join("|".join(cells) for cells in LINES).encode("latin-1"),
        [("error", "missing_header", 1, "tipo_registro")],
    ),
    (
        "trailing_newline",
        lambda: (text() + "\r\n").encode("latin-1"),
        [("warning", "trailing_newline", 4, None)],
    ),
    (
        "trailing_blank_lines",
        lambda: (text() + "\r\n\r\n\r\n").encode("latin-1"),
        [("warning", "trailing_newline", 4, None)],
    ),
    (
        "line_endings",
        lambda: text(newline="\n").encode("latin-1"),
        [("warning", "line_endings", 1, None)],
    ),
    (
        "line_endings_mixed",
        lambda: (text(lines=LINES[:2]) + "\n" + "|".join(LINES[2])).encode("latin-1"),
        [("warning", "line_endings", 3, None)],
    ),
    (
        "empty_line",
        lambda: text(lines=[LINES[0], [""], LINES[1], LINES[2]]).encode("latin-1"),
        [("error", "empty_line", 3, None)],
    ),
    (
        "empty_lines",
        lambda: text(lines=[LINES[0], [""], [""], [""], LINES[1], LINES[2]]).encode("latin-1"),
        [("error", "empty_line", 3, None)],
    ),
    (
        "stray_carriage_return",
        lambda: text(lines=changed(LINES, 2, 7, "ACTIVIDAD\rUNO")).encode("latin-1"),
        [("error", "stray_carriage_return", 2, None)],
    ),
    (
        "encoding_utf8",
        lambda: text(lines=changed(LINES, 2, 7, "EJECUCIÓN")).encode("utf-8"),
        [("warning", "encoding_utf8", None, None)],
    ),
    (
        "encoding_utf8_bom",
        lambda: b"\xef\xbb\xbf" + text().encode("utf-8"),
        [("warning", "encoding_utf8", None, None)],
    ),
    (
        "not_latin1",
        lambda: text(lines=changed(LINES, 2, 7, "ACTIVIDAD “UNO”")).encode("utf-8"),
        [("warning", "not_latin1", 2, "actividad"), ("warning", "encoding_utf8", None, None)],
    ),
    (
        "invalid_code_target",
        lambda: text(lines=changed(LINES, 2, 9, "1")).encode("latin-1"),
        [("warning", "invalid_code", 2, "codigo_poblacion")],
    ),
    (
        "invalid_code_goal",
        lambda: text(lines=changed(changed(LINES, 2, 4, "M1"), 3, 4, "M1")).encode("latin-1"),
        [("warning", "invalid_code", 2, "codigo_meta"), ("warning", "invalid_code", 3, "codigo_meta")],
    ),
    (
        "empty_field",
        lambda: text(lines=changed(LINES, 4, 7, " ")).encode("latin-1"),
        [("error", "empty_field", 4, "actividad")],
    ),
    (
        "count_mismatch_with_a_bad_header_date",
        lambda: text([*HEADER[:3], "2021-1-1", HEADER[4], "2"]).encode("latin-1"),
        [("error", "invalid_date", 1, "fecha_inicio"), ("error", "count_mismatch", 1, "cantidad_registros")],
    ),
    (
        "not_text_utf16",
        lambda: text().encode("utf-16"),
        [("error", "not_text", None, None)],
    ),
    (
        "not_text_zip",
        lambda: b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 100,
        [("error", "not_text", None, None)],
    ),
    (
        "invalid_id_type",
        lambda: text(["1", "CC", *HEADER[2:]]).encode("latin-1"),
        [("error", "invalid_id_type", 1, "tipo_identificacion")],
    ),
    (
        "invalid_nit",
        lambda: text(["1", "NI", "890.985.092", *HEADER[3:]]).encode("latin-1"),
        [("error", "invalid_nit", 1, "nit")],
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"),
    [pytest.param(data, expected, id=name) for name, data, expected in PROGRAMMING_CASES],
)
def test_each_check_of_a_programming_file(data: Callable[[], bytes], expected: list[ProblemKey]) -> None:
    parsed = parse_pisis(data(), file_name=REAL_NAME)
    assert problem_keys(parsed) == expected
    assert all(problem.message for problem in parsed.problems)


FOLLOW_UP_CASES: list[tuple[str, list[list[str]], list[ProblemKey]]] = [
    (
        "not_executed_with_quantity",
        changed(FOLLOW_UP_LINES, 3, 6, "1"),
        [("warning", "not_executed_with_quantity", 3, "cantidad")],
    ),
    (
        "not_executed_any_case",
        changed(changed(FOLLOW_UP_LINES, 3, 11, "  no Ejecutada"), 3, 6, "2"),
        [("warning", "not_executed_with_quantity", 3, "cantidad")],
    ),
    (
        "evidence_not_url",
        changed(FOLLOW_UP_LINES, 2, 11, "ACTA EN ARCHIVO FÍSICO"),
        [("warning", "evidence_not_url", 2, "evidencia")],
    ),
    (
        "evidence_empty",
        changed(FOLLOW_UP_LINES, 2, 11, ""),
        [("warning", "evidence_not_url", 2, "evidencia")],
    ),
    (
        "evidence_without_scheme",
        changed(FOLLOW_UP_LINES, 2, 11, "www.hsvp.example/e/1.pdf"),
        [("warning", "evidence_not_url", 2, "evidencia")],
    ),
    (
        "invalid_integer_people",
        changed(FOLLOW_UP_LINES, 2, 8, "quince"),
        [("error", "invalid_integer", 2, "personas_alcanzadas")],
    ),
    (
        "duplicate_activity",
        changed(FOLLOW_UP_LINES, 3, 5, "A01"),
        [("error", "duplicate_activity", 3, "codigo_actividad")],
    ),
]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [pytest.param(lines, expected, id=name) for name, lines, expected in FOLLOW_UP_CASES],
)
def test_each_check_of_a_follow_up_file(lines: list[list[str]], expected: list[ProblemKey]) -> None:
    parsed = parse_pisis(text(FOLLOW_UP_HEADER, lines).encode("latin-1"), file_name=FOLLOW_UP_NAME)
    assert problem_keys(parsed) == expected


def test_lines_with_unreadable_fields_are_left_out_and_the_others_kept() -> None:
    lines = changed(changed(LINES, 2, 8, "uno"), 3, 10, "2021-06-31")
    parsed = parse_pisis(text(lines=lines).encode("latin-1"), file_name=REAL_NAME)
    assert [line.consecutive for line in parsed.programming] == [3]
    date_order = parse_pisis(text(lines=changed(LINES, 2, 10, "2021-03-01")).encode("latin-1"), file_name=REAL_NAME)
    assert len(date_order.programming) == 3


def test_kind_comes_from_the_content_when_the_name_is_not_pisis() -> None:
    parsed = parse_pisis(text(FOLLOW_UP_HEADER, FOLLOW_UP_LINES).encode("latin-1"), file_name="seguimiento.txt")
    assert problem_keys(parsed) == [("warning", "invalid_file_name", None, None)]
    assert parsed.kind is PisisKind.FOLLOW_UP
    assert len(parsed.follow_up) == 2


def test_a_programming_uploaded_under_a_follow_up_name_is_one_clear_error() -> None:
    parsed = parse_pisis(REAL.read_bytes(), file_name=FOLLOW_UP_NAME)
    assert problem_keys(parsed) == [("warning", "nit_mismatch", 1, "nit"), ("error", "kind_mismatch", 2, None)]
    assert parsed.kind is PisisKind.PROGRAMMING
    assert len(parsed.programming) == 42


# --------------------------------------------------------------------------------------------------
# Malformed files
# --------------------------------------------------------------------------------------------------


def test_truncated_file_says_so() -> None:
    data = REAL.read_bytes()
    start_of_line_21 = data.index(b"\r\n2|20|") + 2
    parsed = parse_pisis(data[: start_of_line_21 + 40], file_name=REAL_NAME)

    assert problem_keys(parsed) == [
        ("warning", "nit_mismatch", 1, "nit"),
        ("error", "count_mismatch", 1, "cantidad_registros"),
        ("error", "field_count", 21, None),
    ]
    count, field_count = parsed.problems[1:]
    assert "declara 42" in count.message
    assert "tiene 20" in count.message
    assert "se esperaban 13, hay 6" in field_count.message
    assert "truncado" in field_count.message
    assert len(parsed.programming) == 19


def test_file_cut_inside_its_last_number_is_caught_by_the_count() -> None:
    data = REAL.read_bytes()
    cut = data[: data.index(b"|74288325") + 4]
    parsed = parse_pisis(cut, file_name=REAL_NAME)
    assert ("error", "count_mismatch", 1, "cantidad_registros") in problem_keys(parsed)
    assert parsed.programming[-1].planned_budget == 742


TWENTY_MB = 20 * 1024 * 1024


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: random.Random(2063).randbytes(TWENTY_MB), id="random_bytes"),
        # Without NUL bytes random bytes are "text": every line is read and found wrong.
        pytest.param(
            lambda: random.Random(2017).randbytes(TWENTY_MB).replace(b"\x00", b"|"), id="random_bytes_without_nul"
        ),
        pytest.param(lambda: b"\r\n" * (TWENTY_MB // 2), id="line_breaks"),
        pytest.param(lambda: b"x" * TWENTY_MB, id="one_long_line"),
        pytest.param(lambda: b"2|" * (TWENTY_MB // 2), id="separators"),
        pytest.param(
            lambda: REAL.read_bytes() + (b"\r\n" + REAL.read_bytes().split(b"\r\n")[1]) * (TWENTY_MB // 200),
            id="repeated_detail_line",
        ),
        pytest.param(lambda: b"\r\n" * (TWENTY_MB // 2) + b"x", id="line_breaks_then_text"),
    ],
)
def test_twenty_megabytes_of_garbage_gives_errors_quickly(make: Callable[[], bytes]) -> None:
    data = make()
    assert len(data) >= TWENTY_MB * 0.99

    started = time.perf_counter()
    parsed = parse_pisis(data, file_name=REAL_NAME)
    elapsed = time.perf_counter() - started

    assert elapsed < 10
    assert parsed.has_errors
    assert len(parsed.problems) <= MAX_PROBLEMS + 1
    if len(parsed.problems) > MAX_PROBLEMS:
        assert parsed.problems[-1].code == "too_many_problems"
        assert parsed.problems[-1].severity == "error"
    assert all(len(problem.message) < 400 for problem in parsed.problems)
    if b"\x00" not in data and len(parsed.problems) > 1:
        assert parsed.problems[0].code != "not_text"


@pytest.mark.slow
def test_twenty_megabytes_of_plausible_lines_are_read_in_bounded_time() -> None:
    count = 90_000  # about 20 MB at some 230 bytes a line
    lines = []
    for number in range(1, count + 1):
        axis_line, goal, activity = number // 10_000, number // 100 % 100, number % 100
        eje_linea = f"E{axis_line // 8 + 1}L{'abcdefgh'[axis_line % 8]}"
        lines.append(
            ["2", str(number), "05604", eje_linea, f"M{goal:02d}", f"META {eje_linea} {goal} " + "X" * 100]
            + [f"A{activity:02d}", f"ACTIVIDAD {number} " + "Y" * 100, "1", "26", "2021-01-01", "2021-12-31", "0"]
        )
    data = text([*HEADER[:5], str(count + 1)], lines).encode("latin-1")
    assert len(data) >= TWENTY_MB

    started = time.perf_counter()
    parsed = parse_pisis(data, file_name=REAL_NAME)
    elapsed = time.perf_counter() - started

    assert elapsed < 15
    assert problem_keys(parsed) == [("error", "count_mismatch", 1, "cantidad_registros")]
    assert len(parsed.programming) == count


def test_problem_limit() -> None:
    lines = [changed(LINES, 2, 8, "x")[0] for _ in range(MAX_PROBLEMS + 50)]
    parsed = parse_pisis(text([*HEADER[:5], str(len(lines))], lines).encode("latin-1"), file_name=REAL_NAME)
    codes = [problem.code for problem in parsed.problems]
    assert len(codes) == MAX_PROBLEMS + 1
    assert codes[-1] == "too_many_problems"
    assert set(codes[:-1]) == {"invalid_integer", "duplicate_consecutive", "duplicate_activity"}


# --------------------------------------------------------------------------------------------------
# File names
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (REAL_NAME, PisisFileName(PisisKind.PROGRAMMING, date(2021, 12, 31), "890985092")),
        (FOLLOW_UP_NAME, PisisFileName(PisisKind.FOLLOW_UP, date(2021, 12, 31), "890985092")),
        ("pps190spps20221231ni000800123456.txt", PisisFileName(PisisKind.FOLLOW_UP, date(2022, 12, 31), "800123456")),
        ("PPS190PPPS20211231NI000890985092.txt", PisisFileName(PisisKind.PROGRAMMING, date(2021, 12, 31), "890985092")),
        (
            "C:\\Users\\hsvp\\Downloads\\PPS190PPPS20211231NI000890985092 (1).TXT",
            PisisFileName(PisisKind.PROGRAMMING, date(2021, 12, 31), "890985092"),
        ),
        (
            "uploads/PPS190PPPS20211231NI000890985092.TXT",
            PisisFileName(PisisKind.PROGRAMMING, date(2021, 12, 31), "890985092"),
        ),
        ("PPS190XPPS20211231NI000890985092.TXT", None),
        ("PPS190PPPS20211331NI000890985092.TXT", None),
        ("PPS190PPPS20211231NI00890985092.TXT", None),
        ("PPS190PPPS20211231CC000890985092.TXT", None),
        ("PPS190PPPS20211231NI000890985092", None),
        ("PPS190PPPS20211231NI000890985092.CSV", None),
        ("PPS190PPPS20211231NI000890985092.TXT\n", None),
        ("", None),
    ],
)
def test_parse_file_name(name: str, expected: PisisFileName | None) -> None:
    assert parse_file_name(name) == expected


@pytest.mark.parametrize(
    ("kind", "cut_off", "nit"),
    [
        (PisisKind.PROGRAMMING, date(2021, 12, 31), "890985092"),
        (PisisKind.FOLLOW_UP, date(2024, 12, 31), "8001234567"),
        (PisisKind.FOLLOW_UP, date(2025, 6, 30), "1"),
    ],
)
def test_file_name_round_trip(kind: PisisKind, cut_off: date, nit: str) -> None:
    name = format_file_name(kind, cut_off, nit)
    assert name.endswith(".TXT")
    assert len(name) == len(REAL_NAME)
    info = parse_file_name(name)
    assert info is not None
    assert info == PisisFileName(kind, cut_off, nit)
    assert info.name == name
    assert parse_file_name(name.lower()) == info


def test_format_file_name_examples_and_refusals() -> None:
    assert format_file_name(PisisKind.PROGRAMMING, date(2021, 12, 31), "890985092") == REAL_NAME
    assert PisisKind.PROGRAMMING.annex == "PPS190PPPS"
    assert PisisKind.FOLLOW_UP.annex == "PPS190SPPS"
    for nit in ("890985092-1", "", "1234567890123", "89O985092"):
        with pytest.raises(ValueError, match="NIT"):
            format_file_name(PisisKind.PROGRAMMING, date(2021, 12, 31), nit)
