"""Format detection, guarded XLSX reading (merged cells, sheets, bombs, damage) and the one entry point."""

import codecs
import datetime as dt
import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from services.api.files.decoding import decode_spreadsheet_text
from services.api.files.formats import detect_format
from services.api.files.xlsx import read_xlsx_rows
from services.api.imports.association_layout import is_plan_header, parse_association_plan
from services.api.imports.parsed_plan import ParsedPlan
from services.api.imports.spreadsheet import read_plan_file
from tests.files.workbooks import SheetSpec, tsv_rows, xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "fixtures" / "plan_accion_asociacion_usuarios_2026.tsv"
MONTHS = ["Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio"] + [
    "Julio",
    "Agosto",
    "Septiembre",
    "Octubre",
    "Noviembre",
    "Diciembre",
]
PISIS_HEADER = b"1|NI|890999888|2021-01-01|2021-12-31|1\r\n"


def problem_keys(plan: ParsedPlan) -> list[tuple[str, str, int | None, str | None]]:
    return [(item.severity, item.code, item.row, item.column) for item in plan.problems]


def codes(problems: object) -> list[str]:
    assert isinstance(problems, list | tuple)
    return [problem.code for problem in problems]


def months(*marked: int) -> list[str]:
    return ["X" if month in marked else "" for month in range(1, 13)]


def plan_rows(*data: list[object]) -> list[list[object]]:
    """An association-layout sheet: title in row 1, eje in row 3, header in rows 5–6, data from row 7."""
    return [
        ["PLAN DE ACCIÓN 2026 ASOCIACIÓN DE USUARIOS"],
        [],
        ["Eje Estratégico No 1. Fortalecimiento institucional"],
        ["Líneas del eje: Fortalecer la asociación."],
        ["Meta", "Actividades", "Indicador", "Cronograma", *[""] * 11, "Responsable"],
        ["", "", "", *MONTHS, ""],
        *data,
    ]


# --------------------------------------------------------------------------------------------------
# detect_format
# --------------------------------------------------------------------------------------------------


class TestDetectFormat:
    def test_xlsx_by_content_whatever_the_name(self) -> None:
        data = xlsx_bytes({"Plan": SheetSpec(plan_rows())})
        assert detect_format(data, "plan.csv") == "xlsx"
        assert detect_format(data, "") == "xlsx"

    def test_text_by_content_whatever_the_name(self) -> None:
        assert detect_format(SEED.read_bytes(), "plan.xlsx") == "delimited"
        assert detect_format("Meta;Actividades\r\n".encode("cp1252"), "plan.txt") == "delimited"
        assert detect_format("Meta\tActividades".encode("utf-16"), "plan.txt") == "delimited"

    @pytest.mark.parametrize("prefix", [b"", codecs.BOM_UTF8, b"  "])
    def test_pisis_by_its_header_record(self, prefix: bytes) -> None:
        data = prefix + PISIS_HEADER + b"2|1|05604|E1La|M01|Meta|A01|Actividad|1|04|2021-01-01|2021-12-31|0"
        assert detect_format(data, "cualquier_nombre.csv") == "pisis"

    def test_ties_go_to_the_name(self) -> None:
        detail_only = b"2|1|05604|E1La|M01|Meta|A01|Actividad|1|04|2021-01-01|2021-12-31|0\r\n"
        assert detect_format(detail_only, "PPS190PPPS20211231NI000890985092.TXT") == "pisis"
        assert detect_format(detail_only, "plan.txt") == "delimited"
        assert detect_format(b"", "plan.xlsx") == "xlsx"
        assert detect_format(b"  \n", "PPS190SPPS20211231NI000890985092.txt") == "pisis"
        assert detect_format(b"", "plan.csv") == "delimited"

    def test_other_binary_containers_go_to_the_xlsx_reader(self) -> None:
        assert detect_format(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "plan.xls") == "xlsx"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        assert detect_format(buffer.getvalue(), "plan.ods") == "xlsx"


# --------------------------------------------------------------------------------------------------
# Merged cells
# --------------------------------------------------------------------------------------------------


class TestMergedCells:
    def test_goal_merged_over_three_activity_rows(self) -> None:
        rows = plan_rows(
            ["1. Meta combinada", "Primera", "Número de talleres", *months(1), "Junta"],
            ["", "Segunda", "Número de visitas", *months(2), "Junta"],
            ["", "Tercera", "Número de actas", *months(3), "Tesorero"],
            ["2. Otra meta", "Cuarta", "", *months(4), "Junta"],
        )
        data = xlsx_bytes({"Plan": SheetSpec(rows, merges=["A7:A9", "A1:P1", "A3:P3"])})
        plan = read_plan_file(data, file_name="plan.xlsx")
        assert plan.problems == ()
        first, second = plan.goals
        assert (first.code, first.text, first.row) == ("M01", "Meta combinada", 7)
        assert [(a.code, a.text, a.row, a.schedule_months, a.responsible) for a in first.activities] == [
            ("A01", "Primera", 7, (1,), "Junta"),
            ("A02", "Segunda", 8, (2,), "Junta"),
            ("A03", "Tercera", 9, (3,), "Tesorero"),
        ]
        assert [a.text for a in second.activities] == ["Cuarta"]

    def test_vertical_merges_fill_down_horizontal_ones_do_not(self) -> None:
        rows: list[list[object]] = [
            ["Título alto"],
            [],
            ["Meta", "Actividades", "Cronograma", "", ""],
            ["", "", "Enero", "Febrero", "Marzo"],
            ["Meta", "", "X", "", ""],
            ["", "", "b", "", ""],
        ]
        # A title drawn two rows tall, a header cell over two rows, a heading over three months, a
        # block two columns wide and two rows tall.
        merges = ["A1:E2", "A3:A4", "C3:E3", "A5:B6"]
        data = xlsx_bytes({"Hoja": SheetSpec(rows, merges=merges)})
        result, problems = read_xlsx_rows(data, is_header=is_plan_header)
        assert problems == []
        assert result == [
            (1, ["Título alto"]),  # row 2 has nothing of its own: a tall title, not two titles
            (3, ["Meta", "Actividades", "Cronograma"]),
            (4, ["Meta", "", "Enero", "Febrero", "Marzo"]),
            (5, ["Meta", "", "X"]),
            (6, ["Meta", "", "b"]),  # only the block's first column is filled down
        ]

    def test_merged_header_cells_over_the_month_row(self) -> None:
        rows = plan_rows(["1. Meta", "Actividad", "Indicador", *months(6), "Junta"])
        merges = ["A5:A6", "B5:B6", "C5:C6", "D5:O5", "P5:P6"]
        plan = read_plan_file(xlsx_bytes({"Plan": SheetSpec(rows, merges=merges)}), file_name="plan.xlsx")
        assert plan.problems == ()
        assert plan.activities[0].schedule_months == (6,)
        assert plan.activities[0].responsible == "Junta"


# --------------------------------------------------------------------------------------------------
# Cell values and rows
# --------------------------------------------------------------------------------------------------


class TestValues:
    def test_values_as_the_sheet_shows_them(self) -> None:
        rows: list[list[object]] = [
            [
                3,
                3.0,
                2.5,
                0.34,
                1.0,
                dt.datetime(2026, 3, 1),
                dt.datetime(2026, 3, 1, 14, 30),
                dt.date(2026, 12, 31),
                True,
                "=SUM(A1:B1)",
                "  ",
                "texto",
            ]
        ]
        data = xlsx_bytes({"Hoja": SheetSpec(rows, cell_formats={"D1": "0%", "E1": "0.0%"})})
        result, problems = read_xlsx_rows(data, is_header=is_plan_header)
        assert problems == []
        # A formula written by openpyxl has no computed value; a blank cell is empty.
        assert result == [
            (
                1,
                [
                    "3",
                    "3",
                    "2.5",
                    "34%",
                    "100%",
                    "2026-03-01",
                    "2026-03-01T14:30:00",
                    "2026-12-31",
                    "VERDADERO",
                    "",
                    "",
                    "texto",
                ],
            )
        ]

    def test_rows_keep_their_excel_numbers(self) -> None:
        rows: list[list[object]] = [[], [], ["fila 3"], [], ["", "", "fila 5, columna C"]]
        result, _ = read_xlsx_rows(xlsx_bytes({"Hoja": SheetSpec(rows)}), is_header=is_plan_header)
        assert result == [(3, ["fila 3"]), (5, ["", "", "fila 5, columna C"])]

    def test_workbook_as_excel_writes_it(self) -> None:
        result, problems = read_xlsx_rows(excel_like_workbook(), is_header=is_plan_header)
        assert problems == []
        assert result == [
            (1, ["Meta", "Actividades", " con espacio "]),
            (
                3,
                [
                    "3",
                    "2.5",
                    "34%",
                    "2026-03-01",
                    "2026-03-01T12:00:00",
                    "VERDADERO",
                    "#REF!",
                    "3x",
                    "2026-03-01",
                    "en línea & más",
                ],
            ),
            (4, ["sin referencia", "", "tercera"]),
        ]

    def test_namespace_prefixes(self) -> None:
        result, problems = read_xlsx_rows(excel_like_workbook(prefix="x:"), is_header=is_plan_header)
        assert problems == []
        assert result[0] == (1, ["Meta", "Actividades", " con espacio "])
        assert len(result) == 3


# --------------------------------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------------------------------


def workbook_with_sheets() -> bytes:
    plan = SheetSpec(plan_rows(["1. Meta", "Actividad", "", *months(1), "Junta"]))
    hidden = SheetSpec(plan_rows(["1. Meta oculta", "Actividad", "", *months(2), "Junta"]), state="hidden")
    other = SheetSpec(plan_rows(["1. Meta 2025", "Actividad", "", *months(3), "Junta"]))
    return xlsx_bytes(
        {
            "Instrucciones": SheetSpec([["Diligencie la hoja del plan."]]),
            "Borrador": hidden,
            "Plan 2026": plan,
            "Plan 2025": other,
        }
    )


class TestSheets:
    def test_first_visible_sheet_with_a_header(self) -> None:
        plan = read_plan_file(workbook_with_sheets(), file_name="plan.xlsx")
        assert plan.goals[0].text == "Meta"

    @pytest.mark.parametrize(
        ("name", "goal"), [("plan 2025", "Meta 2025"), (" PLAN 2026 ", "Meta"), ("borrador", "Meta oculta")]
    )
    def test_by_name_ignoring_case(self, name: str, goal: str) -> None:
        plan = read_plan_file(workbook_with_sheets(), file_name="plan.xlsx", sheet=name)
        assert plan.goals[0].text == goal

    def test_unknown_sheet_lists_the_sheets(self) -> None:
        rows, problems = read_xlsx_rows(workbook_with_sheets(), sheet="Plan 2030", is_header=is_plan_header)
        assert rows == []
        assert codes(problems) == ["unknown_sheet"]
        assert problems[0].severity == "error"
        assert problems[0].message == (
            "El libro no tiene una hoja llamada «Plan 2030»; sus hojas son: «Instrucciones», «Borrador», "
            "«Plan 2026», «Plan 2025»."
        )

    def test_no_sheet_with_a_header_reads_the_first_visible_one(self) -> None:
        data = xlsx_bytes({"Notas": SheetSpec([["PLAN 2026"], ["1. Meta", "Actividad"]]), "Otra": SheetSpec([["x"]])})
        plan = read_plan_file(data, file_name="plan.xlsx")
        assert problem_keys(plan) == [("error", "missing_header", None, None)]

    def test_a_sheet_name_on_delimited_text_is_a_warning(self) -> None:
        plan = read_plan_file(SEED.read_bytes(), file_name=SEED.name, sheet="Plan")
        assert ("warning", "sheet_ignored", None, None) in problem_keys(plan)
        assert len(plan.goals) == 6


# --------------------------------------------------------------------------------------------------
# Hostile and broken files
# --------------------------------------------------------------------------------------------------

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A workbook-looking zip whose sheet inflates to 200 MB of zeros (about 200 KB on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        chunk = bytes(1024 * 1024)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(200):
                member.write(chunk)
    return buffer.getvalue()


@pytest.fixture
def openpyxl_must_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl opened a file the guards should have refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


@pytest.mark.usefixtures("openpyxl_must_not_run")
class TestGuards:
    def test_zip_bomb_renamed_xlsx(self, zip_bomb: bytes) -> None:
        assert len(zip_bomb) < 1024 * 1024
        started = time.perf_counter()
        plan = read_plan_file(zip_bomb, file_name="plan_2026.xlsx")
        assert time.perf_counter() - started < 1  # refused from the zip directory, nothing inflated
        assert problem_keys(plan) == [("error", "zip_bomb", None, None)]
        assert "200 MB" in plan.problems[0].message
        assert plan.axes == ()

    def test_compression_ratio_of_one_part(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", CONTENT_TYPES)
            archive.writestr("xl/workbook.xml", b"<workbook/>")
            archive.writestr("xl/worksheets/sheet1.xml", bytes(5 * 1024 * 1024))
        _, problems = read_xlsx_rows(buffer.getvalue(), is_header=is_plan_header)
        assert codes(problems) == ["zip_bomb"]
        assert "se comprime más de 100 a 1" in problems[0].message

    def test_file_too_large(self) -> None:
        data = b"PK\x03\x04" + bytes(20 * 1024 * 1024)
        plan = read_plan_file(data, file_name="plan.xlsx")
        assert problem_keys(plan) == [("error", "file_too_large", None, None)]
        assert "20.0 MB" in plan.problems[0].message
        _, problems = read_xlsx_rows(data, is_header=is_plan_header)
        assert codes(problems) == ["file_too_large"]
        text = read_plan_file(b"Meta;Actividades\n" * (11 * 1024 * 1024 // 17), file_name="plan.csv")
        assert codes(text.problems) == ["file_too_large"]

    def test_size_limit_is_a_parameter(self) -> None:
        _, problems = read_xlsx_rows(xlsx_bytes({"Plan": SheetSpec([["x"]])}), max_bytes=1000, is_header=is_plan_header)
        assert codes(problems) == ["file_too_large"]

    def test_not_a_zip(self) -> None:
        _, problems = read_xlsx_rows(b"PK\x03\x04 no es un zip", is_header=is_plan_header)
        assert codes(problems) == ["invalid_xlsx"]

    def test_old_xls_or_protected_workbook(self) -> None:
        plan = read_plan_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), file_name="plan.xls")
        assert problem_keys(plan) == [("error", "invalid_xlsx", None, None)]
        assert ".xls" in plan.problems[0].message

    def test_opendocument(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            archive.writestr("content.xml", "<office:document-content/>")
        _, problems = read_xlsx_rows(buffer.getvalue(), is_header=is_plan_header)
        assert codes(problems) == ["invalid_xlsx"]
        assert "OpenDocument" in problems[0].message

    def test_zip_without_workbook(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        _, problems = read_xlsx_rows(buffer.getvalue(), is_header=is_plan_header)
        assert codes(problems) == ["invalid_xlsx"]


class TestDamagedWorkbooks:
    @pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.999])
    def test_truncated(self, keep: float) -> None:
        data = xlsx_bytes({"Plan": SheetSpec(plan_rows(["1. Meta", "Actividad", "", *months(1), "Junta"]))})
        plan = read_plan_file(data[: int(len(data) * keep)], file_name="plan.xlsx")
        assert problem_keys(plan) == [("error", "invalid_xlsx", None, None)]

    @pytest.mark.parametrize(
        ("member", "content"),
        [
            ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row><c"),
            ("xl/worksheets/sheet1.xml", b"no es xml"),
            ("xl/workbook.xml", b"<workbook"),
            ("xl/styles.xml", b"<styleSheet><cellXfs>"),
            ("[Content_Types].xml", b"<Types/>"),
        ],
    )
    def test_damaged_parts(self, member: str, content: bytes) -> None:
        data = xlsx_bytes({"Plan": SheetSpec(plan_rows(["1. Meta", "Actividad", "", *months(1), "Junta"]))})
        _, problems = read_xlsx_rows(rewrite_member(data, member, lambda _: content), is_header=is_plan_header)
        assert codes(problems) == ["invalid_xlsx"]

    def test_corrupted_bytes_inside_a_part(self) -> None:
        data = bytearray(xlsx_bytes({"Plan": SheetSpec(plan_rows(["1. Meta", "Actividad", "", *months(1), "J"]))}))
        start = data.find(b"xl/worksheets/sheet1.xml") + 60
        data[start : start + 40] = bytes(40)  # the CRC check fails when the part is read
        _, problems = read_xlsx_rows(bytes(data), is_header=is_plan_header)
        assert codes(problems) == ["invalid_xlsx"]


# --------------------------------------------------------------------------------------------------
# read_plan_file on text
# --------------------------------------------------------------------------------------------------


class TestTextFiles:
    def test_seed(self) -> None:
        plan = read_plan_file(SEED.read_bytes(), file_name=SEED.name)
        assert plan == parse_association_plan(decode_spreadsheet_text(SEED.read_bytes()), file_name=SEED.name)

    def test_seed_as_xlsx_is_the_same_plan(self) -> None:
        rows = tsv_rows(SEED.read_text(encoding="utf-8"))
        plan = read_plan_file(xlsx_bytes({"Plan": SheetSpec(rows)}), file_name=SEED.name)
        assert plan == read_plan_file(SEED.read_bytes(), file_name=SEED.name)

    def test_utf16_without_bom(self) -> None:
        data = SEED.read_text(encoding="utf-8").encode("utf-16-le")
        plan = read_plan_file(data, file_name=SEED.name)
        assert plan == read_plan_file(SEED.read_bytes(), file_name=SEED.name)

    def test_binary_file(self) -> None:
        png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20
        plan = read_plan_file(png, file_name="plan.csv")
        assert problem_keys(plan) == [("error", "binary_file", None, None)]

    def test_lines_in_another_encoding(self) -> None:
        text = SEED.read_text(encoding="utf-8")
        lines = text.split("\n")
        data = codecs.BOM_UTF8 + "\n".join(lines[:10]).encode() + b"\n" + "\n".join(lines[10:]).encode("cp1252")
        plan = read_plan_file(data, file_name=SEED.name)
        # Read right anyway, and the user is told from which line on the bytes were not UTF-8.
        assert plan.goals == read_plan_file(SEED.read_bytes(), file_name=SEED.name).goals
        assert ("warning", "mixed_encoding", 11, None) in problem_keys(plan)

    def test_double_encoded_text_is_repaired(self) -> None:
        # Read as Windows does (bytes cp1252 leaves undefined become U+0080–U+009F), saved as UTF-8 again.
        seed = SEED.read_bytes()
        misread = "".join(bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in seed)
        plan = read_plan_file(misread.encode("utf-8"), file_name=SEED.name)
        assert plan.title == "PLAN DE ACCIÓN 2026 ASOCIACIÓN DE USUARIOS DE ALIANSALUD EPS"
        assert plan.goals == read_plan_file(seed, file_name=SEED.name).goals
        assert [problem for problem in problem_keys(plan) if problem[1] != "mark_outside_months"] == [
            ("warning", "double_encoded_text", 3, None),  # the title (the seed starts with two empty lines)
            ("warning", "empty_axis", 16, "A"),
        ]

    def test_unknown_bytes_are_reported(self) -> None:
        data = SEED.read_text(encoding="utf-8").replace("Fortalecer", "Fortal\x81ecer", 1).encode("utf-8")
        plan = read_plan_file(data.replace("Fortal\x81".encode(), b"Fortal\x81"), file_name=SEED.name)
        assert "invalid_characters" in codes(plan.problems)

    def test_missing_header(self) -> None:
        plan = read_plan_file(b"PLAN 2026\n1. Meta\tActividad\n", file_name="plan.tsv")
        assert problem_keys(plan) == [("error", "missing_header", None, None)]

    def test_truncated_text(self) -> None:
        seed = SEED.read_bytes()
        plan = read_plan_file(seed + b'7. Meta\t"Actividad sin cerrar\n', file_name=SEED.name)
        assert ("error", "unterminated_quote", seed.count(b"\n") + 1, None) in problem_keys(plan)

    def test_pisis_is_refused_here(self) -> None:
        plan = read_plan_file(PISIS_HEADER, file_name="PPS190PPPS20211231NI000890985092.TXT")
        assert problem_keys(plan) == [("error", "unsupported_format", None, None)]
        assert plan.title == "PPS190PPPS20211231NI000890985092"

    def test_empty_file(self) -> None:
        assert problem_keys(read_plan_file(b" \r\n", file_name="plan.csv")) == [("error", "empty_file", None, None)]


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def rewrite_member(data: bytes, name: str, change: "object") -> bytes:
    assert callable(change)
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return output.getvalue()


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
SPREADSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def excel_like_workbook(prefix: str = "") -> bytes:
    """A workbook as Excel writes it: shared strings (one rich, one with a phonetic run), styles with a
    built-in date, a percent and a custom date format, booleans, errors, formula strings, ISO dates,
    inline strings, a row and cells without references, a merge over a row with no content."""
    p = prefix
    namespace = f'xmlns:{p[:-1]}="{MAIN}"' if p else f'xmlns="{MAIN}"'
    sheet = (
        f"<{p}worksheet {namespace}><{p}sheetData>"
        f'<{p}row r="1"><{p}c r="A1" t="s"><{p}v>0</{p}v></{p}c><{p}c r="B1" t="s"><{p}v>1</{p}v></{p}c>'
        f'<{p}c r="C1" t="s"><{p}v>2</{p}v></{p}c></{p}row>'
        f'<{p}row r="3"><{p}c r="A3"><{p}v>3</{p}v></{p}c><{p}c r="B3"><{p}v>2.5</{p}v></{p}c>'
        f'<{p}c r="C3" s="2"><{p}v>0.34</{p}v></{p}c><{p}c r="D3" s="1"><{p}v>46082</{p}v></{p}c>'
        f'<{p}c r="E3" s="3"><{p}v>46082.5</{p}v></{p}c><{p}c r="F3" t="b"><{p}v>1</{p}v></{p}c>'
        f'<{p}c r="G3" t="e"><{p}v>#REF!</{p}v></{p}c>'
        f'<{p}c r="H3" t="str"><{p}f>A3&amp;"x"</{p}f><{p}v>3x</{p}v></{p}c>'
        f'<{p}c r="I3" t="d"><{p}v>2026-03-01T00:00:00Z</{p}v></{p}c>'
        f'<{p}c r="J3" t="inlineStr"><{p}is><{p}t>en línea &amp; más</{p}t></{p}is></{p}c>'
        f'<{p}c r="K3" s="1"/></{p}row>'
        f'<{p}row><{p}c t="inlineStr"><{p}is><{p}t>sin referencia</{p}t></{p}is></{p}c><{p}c/>'
        f'<{p}c t="inlineStr"><{p}is><{p}r><{p}t>terc</{p}t></{p}r><{p}r><{p}t>era</{p}t></{p}r></{p}is></{p}c>'
        f"</{p}row></{p}sheetData>"
        f'<{p}mergeCells count="1"><{p}mergeCell ref="A1:A2"/></{p}mergeCells></{p}worksheet>'
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{SPREADSHEET_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SPREADSHEET_TYPE}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SPREADSHEET_TYPE}.sharedStrings+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{SPREADSHEET_TYPE}.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            '<sheet name="Plan" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/sharedStrings.xml": (
            f'<sst xmlns="{MAIN}" count="3" uniqueCount="3"><si><t>Meta</t></si>'
            "<si><r><t>Activi</t></r><r><rPr><b/></rPr><t>dades</t></r></si>"
            '<si><t xml:space="preserve"> con espacio </t><rPh sb="0" eb="1"><t>fonética</t></rPh></si></sst>'
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm"/>'
            '</numFmts><fonts count="1"><font/></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
            '<xf numFmtId="9" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>'
            "</styleSheet>"
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content.encode("utf-8"))
    return output.getvalue()
