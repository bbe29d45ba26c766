"""The association-layout parser, on the customer's seed and on small hand-written sheets."""

from pathlib import Path

import pytest

from services.api.files.decoding import decode_spreadsheet_bytes, decode_spreadsheet_text
from services.api.files.delimited import detect_delimiter
from services.api.imports.association_layout import is_plan_header, parse_association_plan
from services.api.imports.parsed_plan import ParsedGoal, ParsedPlan
from shared.enums import Axis

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "tests" / "fixtures" / "plan_accion_asociacion_usuarios_2026.tsv"
DEMO = ROOT / "services" / "api" / "demo" / "plan_accion_asociacion_usuarios_2026.tsv"

MEMBERS = "Integrantes de la Asociación de Usuarios"
MONTHS = [
    "Enero",
    "Febrero",
    "Marzo",
    "Abril",
    "Mayo",
    "Junio",
    "Julio",
    "Agosto",
    "Septiembre",
    "Octubre",
    "Noviembre",
    "Diciembre",
]


def parse_seed() -> ParsedPlan:
    return parse_association_plan(decode_spreadsheet_text(SEED.read_bytes()), file_name=SEED.name)


def goal(plan: ParsedPlan, code: str) -> ParsedGoal:
    return next(item for item in plan.goals if item.code == code)


def problem_keys(plan: ParsedPlan) -> list[tuple[str, str, int | None, str | None]]:
    return [(item.severity, item.code, item.row, item.column) for item in plan.problems]


def sheet(*rows: list[str], delimiter: str = "\t", newline: str = "\n") -> str:
    """Rows of cells as a spreadsheet exports them (cells are quoted by the caller when needed)."""
    return newline.join(delimiter.join(cells) for cells in rows) + newline


def header(months: list[str] | None = None) -> list[list[str]]:
    """The association header and its month row; cells A–C text, D–O months, P responsible."""
    return [
        ["Meta", "Actividades", "Indicador", "Cronograma", *[""] * 11, "Responsable"],
        ["", "", "", *(months or MONTHS), ""],
    ]


def schedule(*months: int) -> list[str]:
    return ["X" if month in months else "" for month in range(1, 13)]


# --------------------------------------------------------------------------------------------------
# The seed
# --------------------------------------------------------------------------------------------------


class TestSeed:
    def test_demo_copy_is_the_fixture(self) -> None:
        assert DEMO.read_bytes() == SEED.read_bytes()

    def test_title_year_and_objective(self) -> None:
        plan = parse_seed()
        assert plan.title == "PLAN DE ACCIÓN 2026 ASOCIACIÓN DE USUARIOS DE ALIANSALUD EPS"
        # 2017 from the RESOLUCIÓN row must not win.
        assert plan.year == 2026
        assert plan.objective is not None
        assert plan.objective.startswith("Programar acciones organizadas, inclusivas y transparentes")
        assert plan.objective.endswith("espacios de diálogos entre usuarios e instituciones.")

    def test_axes(self) -> None:
        plan = parse_seed()
        assert [axis.axis for axis in plan.axes] == [Axis.E2, Axis.E3]
        e2, e3 = plan.axes
        assert e2.name == "Empoderamiento a la ciudadanía y a las organizaciones sociales en salud."
        assert e2.row == 6
        assert e2.lines_text is not None
        assert e2.lines_text.startswith("Fomentar el desarrollo de capacidades en cada uno de los asociados")
        assert e3.name == "Impulso a la cultura de la salud."
        assert e3.row == 16
        assert e3.lines_text is not None
        assert e3.lines_text.startswith("Fomentar la apropiación de la salud en la vida cotidiana")
        assert e3.goals == ()

    def test_counts(self) -> None:
        plan = parse_seed()
        assert len(plan.axes) == 2
        assert len(plan.goals) == 6
        assert len(plan.activities) == 6
        assert [len(item.activities) for item in plan.goals] == [1, 1, 1, 1, 1, 1]

    @pytest.mark.parametrize(
        ("code", "number", "row", "text_start"),
        [
            ("M01", "1.", 10, "Fortalecer las capacidades de los usuarios a través de la participación"),
            ("M02", "2.", 11, "Acompañar y direccionar al Usuario sobre los trámites necesarios"),
            ("M03", "3.", 12, "Promover la participación social para que ejerzan de manera efectiva"),
            ("M04", "4.", 13, "Promover el fortalecimiento de la Asociación de usuarios"),
            ("M05", "5.", 14, "Impulsar la gestión interna de la asociación"),
            ("M06", "6.", 15, "Fortalecer la organización interna de la Asociación de Usuarios"),
        ],
    )
    def test_goals(self, code: str, number: str, row: int, text_start: str) -> None:
        item = goal(parse_seed(), code)
        assert item.number == number
        assert item.row == row
        assert item.text.startswith(text_start)
        assert [activity.code for activity in item.activities] == ["A01"]
        assert item.activities[0].row == row

    def test_goal_texts_are_whole_and_single_spaced(self) -> None:
        plan = parse_seed()
        assert goal(plan, "M03").text.endswith(
            "(Frase boletín – piezas comunicativas por medio de WhatsApp para asociados)."
        )
        for item in plan.goals:
            assert "  " not in item.text
            assert not item.text[0].isdigit()

    def test_baseline_only_where_written(self) -> None:
        plan = parse_seed()
        assert {item.code: item.baseline for item in plan.goals} == {
            "M01": None,
            "M02": None,
            "M03": None,
            "M04": "Línea de base 2025, 34 asociados",
            "M05": None,
            "M06": None,
        }

    @pytest.mark.parametrize(
        ("code", "months"),
        [
            ("M01", (5, 7)),
            ("M02", (7,)),
            ("M03", tuple(range(1, 13))),
            ("M04", tuple(range(1, 13))),
            ("M05", tuple(range(1, 13))),
            ("M06", (3,)),
        ],
    )
    def test_schedules(self, code: str, months: tuple[int, ...]) -> None:
        assert goal(parse_seed(), code).activities[0].schedule_months == months

    def test_responsible_is_read_past_the_stray_marks(self) -> None:
        assert [activity.responsible for activity in parse_seed().activities] == [MEMBERS] * 6

    def test_activities_and_indicators_as_written(self) -> None:
        plan = parse_seed()
        first = goal(plan, "M01").activities[0]
        # The numbered list is the topics of one activity: one row, one schedule, one activity.
        assert first.text == (
            "Participar en las capacitaciones dirigidas a usuarios y asociados. "
            "1. Certificado de Discapacidad y RLCPD 2. Derecho Fundamental a Morir Dignamente"
        )
        assert first.indicator_text == "Capacitaciones programadas / Capacitaciones asistidas"
        assert goal(plan, "M02").activities[0].indicator_text == "Diseñar un conograma de acompañamiento"
        assert goal(plan, "M03").activities[0].indicator_text == "Frase en boletín publicado Piezas enviadas"
        assert goal(plan, "M05").activities[0].indicator_text == "Número de interacciones realizadas"
        assert goal(plan, "M06").activities[0].text.endswith("se realizará mediante asamblea.")

    def test_problems(self) -> None:
        plan = parse_seed()
        assert not plan.has_errors
        assert problem_keys(plan) == [
            ("warning", "mark_outside_months", 11, "Q"),
            ("warning", "mark_outside_months", 12, "P"),
            ("warning", "mark_outside_months", 12, "Q"),
            ("warning", "mark_outside_months", 13, "P"),
            ("warning", "mark_outside_months", 13, "Q"),
            ("warning", "mark_outside_months", 14, "P"),
            ("warning", "mark_outside_months", 14, "Q"),
            ("warning", "empty_axis", 16, "A"),
        ]
        assert "fuera de las doce columnas" in plan.problems[0].message

    @pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-16"])
    def test_same_plan_in_other_encodings_and_crlf(self, encoding: str) -> None:
        text = SEED.read_text(encoding="utf-8").replace("\n", "\r\n")
        again = parse_association_plan(decode_spreadsheet_text(text.encode(encoding)), file_name=SEED.name)
        assert again == parse_seed()

    def test_is_detected_as_tab_separated(self) -> None:
        assert detect_delimiter(SEED.read_text(encoding="utf-8"), is_plan_header) == "\t"


# --------------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------------


class TestDecode:
    def test_utf8_with_and_without_bom(self) -> None:
        assert decode_spreadsheet_text("Línea\tAcción\n".encode()) == "Línea\tAcción\n"
        assert decode_spreadsheet_text("\ufeffLínea\n".encode()) == "Línea\n"

    def test_latin1_and_cp1252(self) -> None:
        assert decode_spreadsheet_text("Línea de base – “año”".encode("cp1252")) == "Línea de base – “año”"
        assert decode_spreadsheet_text("Participación ñ".encode("latin-1")) == "Participación ñ"
        # 0x81 is undefined in cp1252: Latin-1 still decodes it rather than failing.
        assert decode_spreadsheet_text(b"a\x81\xe9") == "a\x81é"

    def test_line_endings(self) -> None:
        assert decode_spreadsheet_text(b"a\r\nb\rc\n") == "a\nb\nc\n"


# --------------------------------------------------------------------------------------------------
# Hand-written sheets
# --------------------------------------------------------------------------------------------------


def small_plan(*data: list[str], months: list[str] | None = None) -> list[list[str]]:
    return [
        ["PLAN DE ACCIÓN 2027 ASOCIACIÓN DE USUARIOS HOSPITAL SAN JUAN"],
        ["OBJETIVO: Promover la participación."],
        ["Eje Estratégico No 1. Fortalecimiento institucional"],
        ["Líneas del eje: Fortalecer la asociación."],
        *header(months),
        *data,
    ]


def activity_row(goal_text: str, activity: str, *months: int, responsible: str = "Junta") -> list[str]:
    return [goal_text, activity, "Número de reuniones", *schedule(*months), responsible]


class TestSmallSheets:
    def test_latin1_crlf_sheet(self) -> None:
        text = sheet(*small_plan(activity_row("1. Reunión mensual", "Convocar la asamblea", 2)), newline="\r\n")
        plan = parse_association_plan(decode_spreadsheet_text(text.encode("latin-1")))
        assert plan.year == 2027
        assert plan.objective == "Promover la participación."
        assert plan.axes[0].axis == Axis.E1
        assert plan.axes[0].lines_text == "Fortalecer la asociación."
        activity = plan.activities[0]
        assert (activity.text, activity.schedule_months, activity.responsible) == (
            "Convocar la asamblea",
            (2,),
            "Junta",
        )
        assert plan.goals[0].text == "Reunión mensual"
        assert plan.problems == ()

    def test_quoted_cells_with_line_breaks_keep_row_numbers(self) -> None:
        rows = small_plan(
            activity_row('"1. Meta en\ndos líneas"', '"Actividad\r\ncon salto"', 3),
            activity_row("2. Otra meta", "Otra actividad", 4),
        )
        rows[-1].append("X")  # a stray mark past the responsible column
        plan = parse_association_plan(decode_spreadsheet_text(sheet(*rows).encode()))
        first, second = plan.goals
        assert (first.text, first.row) == ("Meta en dos líneas", 7)
        assert first.activities[0].text == "Actividad con salto"
        # The first row's quoted cells span lines 7–9, so the next row starts on line 10.
        assert second.row == 10
        assert problem_keys(plan) == [("warning", "mark_outside_months", 10, "Q")]
        assert second.activities[0].responsible == "Junta"

    @pytest.mark.parametrize(
        "months",
        [
            ["E", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"],
            ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
            ["ENERO", "FEBRERO", "MARZO", "ABRIL", "MAYO", "JUNIO"]
            + ["JULIO", "AGOSTO", "SETIEMBRE", "OCTUBRE", "NOVIEMBRE", "DICIEMBRE"],
        ],
    )
    def test_month_row_spellings(self, months: list[str]) -> None:
        text = sheet(*small_plan(activity_row("1. Meta", "Actividad", 1, 6, 12), months=months))
        plan = parse_association_plan(text)
        assert plan.activities[0].schedule_months == (1, 6, 12)
        assert plan.problems == ()

    def test_headers_in_other_case_and_without_accents(self) -> None:
        rows = [
            ["plan de accion 2026"],
            ["EJE ESTRATEGICO 4: CONTROL SOCIAL EN SALUD"],
            ["LINEAS DEL EJE: vigilancia"],
            ["  META ", "ACTIVIDAD", "indicadores", "CRONOGRAMA:", *[""] * 11, "responsables"],
            ["", "", "", "E", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D", ""],
            ["1) Seguimiento", "Revisar PQRD", "", *schedule(9), "Veedor"],
        ]
        plan = parse_association_plan(sheet(*rows))
        axis = plan.axes[0]
        assert (axis.axis, axis.name, axis.lines_text) == (Axis.E4, "CONTROL SOCIAL EN SALUD", "vigilancia")
        item = axis.goals[0]
        assert (item.code, item.number, item.text) == ("M01", "1)", "Seguimiento")
        activity = item.activities[0]
        assert activity.indicator_text is None
        assert (activity.schedule_months, activity.responsible) == ((9,), "Veedor")
        assert plan.problems == ()

    @pytest.mark.parametrize("delimiter", [";", ","])
    def test_semicolon_and_comma_csv(self, delimiter: str) -> None:
        rows = small_plan(
            activity_row('"1. Meta, con coma; y punto y coma"', '"Actividad, con coma"', 5),
        )
        text = sheet(*rows, delimiter=delimiter)
        assert detect_delimiter(text, is_plan_header) == delimiter
        plan = parse_association_plan(text)
        assert plan.goals[0].text == "Meta, con coma; y punto y coma"
        assert plan.activities[0].text == "Actividad, con coma"
        assert plan.activities[0].schedule_months == (5,)

    def test_mark_spellings(self) -> None:
        row = activity_row("1. Meta", "Actividad")
        row[3:6] = ["x", " X ", "✓"]
        plan = parse_association_plan(sheet(*small_plan(row)))
        assert plan.activities[0].schedule_months == (1, 2, 3)

    def test_other_text_in_a_month_cell_is_reported(self) -> None:
        row = activity_row("1. Meta", "Actividad", 1)
        row[4] = "2 talleres"
        plan = parse_association_plan(sheet(*small_plan(row)))
        assert plan.activities[0].schedule_months == (1,)
        assert problem_keys(plan) == [("warning", "invalid_month_mark", 7, "E")]

    def test_more_activities_of_a_goal(self) -> None:
        plan = parse_association_plan(
            sheet(
                *small_plan(
                    activity_row("1. Meta", "Primera", 1),
                    activity_row("", "Segunda", 2),
                    # A merged Meta cell filled down repeats the goal: still the same goal.
                    activity_row("1. Meta", "Tercera", 3),
                )
            )
        )
        (item,) = plan.goals
        assert [(a.code, a.text, a.schedule_months) for a in item.activities] == [
            ("A01", "Primera", (1,)),
            ("A02", "Segunda", (2,)),
            ("A03", "Tercera", (3,)),
        ]

    def test_goal_without_activity(self) -> None:
        plan = parse_association_plan(
            sheet(*small_plan(activity_row("1. Meta sola", "", 1), activity_row("2. Meta", "Actividad", 2)))
        )
        assert [(g.code, len(g.activities)) for g in plan.goals] == [("M01", 0), ("M02", 1)]
        assert problem_keys(plan) == [("warning", "goal_without_activity", 7, "B")]

    def test_goal_codes_follow_the_written_numbers(self) -> None:
        plan = parse_association_plan(
            sheet(
                *small_plan(
                    activity_row("2. Segunda", "a"),
                    activity_row("4. Cuarta", "b"),
                    activity_row("Sin número", "c"),
                    activity_row("4. Repetida", "d"),
                    activity_row("1.1. Subnivel", "e"),
                    activity_row("3.000 usuarios capacitados", "f"),
                )
            )
        )
        assert [(g.code, g.number, g.text) for g in plan.goals] == [
            ("M02", "2.", "Segunda"),
            ("M04", "4.", "Cuarta"),
            ("M05", None, "Sin número"),
            ("M06", "4.", "Repetida"),
            ("M07", "1.1.", "Subnivel"),
            ("M08", None, "3.000 usuarios capacitados"),
        ]
        assert problem_keys(plan) == [("warning", "duplicate_goal_number", 10, "A")]

    @pytest.mark.parametrize(
        ("goal_text", "activity_text", "baseline"),
        [
            (
                "1. Meta (Línea de base 2025, 34 asociados, con contacto directo)",
                "a",
                "Línea de base 2025, 34 asociados",
            ),
            ("1. Meta. Linea de base: 40%. Otra frase", "a", "Linea de base: 40%"),
            ("1. Meta sin línea de base definida", "a", None),
            (
                "1. Meta",
                "Incentivar la vinculación. Línea de base 2025, 34 asociados",
                "Línea de base 2025, 34 asociados",
            ),
        ],
    )
    def test_baseline(self, goal_text: str, activity_text: str, baseline: str | None) -> None:
        plan = parse_association_plan(sheet(*small_plan(activity_row(goal_text, activity_text))))
        assert plan.goals[0].baseline == baseline

    def test_missing_month_row_uses_the_cronograma_column(self) -> None:
        rows = small_plan(activity_row("1. Meta", "Actividad", 12))
        del rows[5]  # the month row
        plan = parse_association_plan(sheet(*rows))
        assert plan.activities[0].schedule_months == (12,)
        assert problem_keys(plan) == [("warning", "missing_month_row", 5, "D")]

    def test_empty_axis_between_full_ones(self) -> None:
        rows = [
            *small_plan(activity_row("1. Meta", "Actividad", 1)),
            ["Eje Estratégico No 3. Impulso a la cultura de la salud."],
            *header(),
            ["Eje Estrategico N° 5 - Gestión y garantía"],
            *header(),
            activity_row("2. Meta", "Actividad", 2),
        ]
        plan = parse_association_plan(sheet(*rows))
        assert [(a.axis, len(a.goals)) for a in plan.axes] == [(Axis.E1, 1), (Axis.E3, 0), (Axis.E5, 1)]
        assert plan.axes[2].name == "Gestión y garantía"
        assert problem_keys(plan) == [("warning", "empty_axis", 8, "A")]


class TestBrokenSheets:
    def test_missing_header(self) -> None:
        plan = parse_association_plan(sheet(["PLAN DE ACCIÓN 2026"], ["1. Meta", "Actividad"]))
        assert plan.has_errors
        assert problem_keys(plan) == [("error", "missing_header", None, None)]

    def test_invalid_axis(self) -> None:
        rows = small_plan(activity_row("1. Meta", "Actividad", 1))
        rows[2] = ["Eje Estratégico No 7. Inventado"]
        plan = parse_association_plan(sheet(*rows))
        assert plan.axes == ()
        assert problem_keys(plan) == [
            ("error", "invalid_axis", 3, "A"),
            ("error", "no_goals", None, None),
        ]

    def test_goal_without_axis(self) -> None:
        rows = small_plan(activity_row("1. Meta", "Actividad", 1))
        del rows[2:4]  # the eje and its líneas
        plan = parse_association_plan(sheet(*rows))
        assert problem_keys(plan) == [
            ("error", "goal_without_axis", 5, "A"),
            ("error", "no_goals", None, None),
        ]

    def test_truncated_quoted_cell(self) -> None:
        text = sheet(*small_plan(activity_row("1. Meta", "Actividad", 1))) + '2. Meta\t"Actividad sin cerrar\n'
        plan = parse_association_plan(text)
        assert plan.has_errors
        assert ("error", "unterminated_quote", 8, None) in problem_keys(plan)

    def test_year_from_file_name_or_none(self) -> None:
        rows = small_plan(activity_row("1. Meta", "Actividad", 1))
        rows[0] = ["PLAN DE ACCIÓN ASOCIACIÓN DE USUARIOS"]
        rows.insert(1, ["RESOLUCIÓN 2063 DE 2017"])
        with_name = parse_association_plan(sheet(*rows), file_name="plan_2028.tsv")
        assert with_name.year == 2028
        assert problem_keys(with_name) == [("warning", "year_from_file_name", None, None)]
        assert parse_association_plan(sheet(*rows)).year is None


# --------------------------------------------------------------------------------------------------
# Additions: new fields, optional columns, the year, decoding problems
# --------------------------------------------------------------------------------------------------


class TestNewFieldsOnTheSeed:
    def test_defaults(self) -> None:
        plan = parse_seed()
        assert (plan.layout, plan.eapb, plan.responsible) == ("association", None, None)
        assert all(goal.line is None for goal in plan.goals)
        assert all(a.target_text is None and a.executed_by_month == () for a in plan.activities)

    def test_is_plan_header(self) -> None:
        assert is_plan_header(["Meta", "Actividades", "Indicador"])
        assert is_plan_header(["ACCIONES A DESARROLLAR", "META", "ACTIVIDADES"])
        assert not is_plan_header(["Meta", "Indicador"])
        assert not is_plan_header(["1. Meta", "Actividades"])


class TestYear:
    def test_no_year_anywhere_is_an_error(self) -> None:
        rows = small_plan(activity_row("1. Meta", "Actividad", 1))
        rows[0] = ["PLAN DE ACCIÓN ASOCIACIÓN DE USUARIOS"]
        plan = parse_association_plan(sheet(*rows))
        assert plan.year is None
        assert problem_keys(plan) == [("error", "missing_year", None, None)]

    def test_year_in_another_title_row(self) -> None:
        rows = small_plan(activity_row("1. Meta", "Actividad", 1))
        rows[0] = ["PLAN DE ACCIÓN ASOCIACIÓN DE USUARIOS"]
        rows.insert(1, ["VIGENCIA: 2027"])
        assert parse_association_plan(sheet(*rows)).year == 2027


def extra_header() -> list[list[str]]:
    """The export's columns: codes, línea, baseline, target, the X grid, responsible, executed, total."""
    return [
        ["Código meta", "Línea", "Meta", "Línea de base", "Código actividad", "Actividades"]
        + ["Meta de la actividad", "Indicador", "Cronograma", *[""] * 11, "Responsable", "Ejecutado", *[""] * 11]
        + ["Total ejecutado"],
        ["", "", "", "", "", "", "", "", *MONTHS, "", *MONTHS, ""],
    ]


def extra_row(
    goal_code: str, line: str, goal_text: str, activity_code: str, activity: str, executed: dict[int, str] | None = None
) -> list[str]:
    executed_cells = [(executed or {}).get(month, "") for month in range(1, 13)]
    return [goal_code, line, goal_text, "", activity_code, activity, "Meta A", "Indicador", *schedule(3), "Junta"] + [
        *executed_cells,
        "9",
    ]


def extra_plan(*data: list[str]) -> str:
    return sheet(["PLAN 2026"], ["Eje Estratégico No 1. Fortalecimiento institucional"], *extra_header(), *data)


class TestOptionalColumns:
    def test_codes_lines_targets_and_executed(self) -> None:
        plan = parse_association_plan(
            extra_plan(
                extra_row("M01", "a", "Meta uno", "A02", "Primera", {1: "3", 12: "0"}),
                extra_row("M01", "a", "Meta uno", "A05", "Segunda"),
                extra_row("M01", "E1Lb", "Meta uno en otra línea", "", "Tercera"),
            )
        )
        assert plan.problems == ()
        assert [(g.code, g.line, g.text) for g in plan.goals] == [
            ("M01", "a", "Meta uno"),
            ("M01", "b", "Meta uno en otra línea"),
        ]
        first, second, third = plan.activities
        assert (first.code, first.target_text, first.executed_by_month) == ("A02", "Meta A", ((1, 3), (12, 0)))
        assert (second.code, second.executed_by_month) == ("A05", ())
        assert third.code == "A01"
        # Bounded by the Ejecutado block: the responsible is not an executed quantity or the total.
        assert {activity.responsible for activity in plan.activities} == {"Junta"}
        assert {activity.schedule_months for activity in plan.activities} == {(3,)}

    def test_bad_codes_and_lines(self) -> None:
        plan = parse_association_plan(
            extra_plan(
                extra_row("M 01", "a", "Meta uno", "A01", "Primera"),
                extra_row("", "", "", "A01", "Repite código"),
                extra_row("M02", "9", "Meta dos", "código-demasiado-largo", "Otra"),
            )
        )
        assert [(g.code, g.line) for g in plan.goals] == [("M01", "a"), ("M02", None)]
        assert [a.code for a in plan.activities] == ["A01", "A02", "A01"]
        assert problem_keys(plan) == [
            ("warning", "invalid_code", 5, "A"),
            ("warning", "duplicate_code", 6, "E"),
            ("warning", "invalid_line", 7, "B"),
            ("warning", "invalid_code", 7, "E"),
        ]

    def test_duplicate_goal_code_in_the_same_line(self) -> None:
        plan = parse_association_plan(
            extra_plan(extra_row("M01", "a", "Meta uno", "A01", "x"), extra_row("M01", "", "Otra meta", "A01", "y"))
        )
        # Same code, but no línea on the second row: a different key, so both keep M01.
        assert [(g.code, g.line) for g in plan.goals] == [("M01", "a"), ("M01", None)]
        plan = parse_association_plan(
            extra_plan(
                extra_row("M01", "a", "Meta uno", "A01", "x"),
                extra_row("M02", "a", "Meta dos", "A01", "y"),
                extra_row("M01", "a", "Meta tres", "A01", "z"),
            )
        )
        assert [g.code for g in plan.goals] == ["M01", "M02", "M03"]
        assert problem_keys(plan) == [("warning", "duplicate_code", 7, "A")]

    def test_invalid_executed_quantity(self) -> None:
        plan = parse_association_plan(
            extra_plan(extra_row("M01", "a", "Meta", "A01", "x", {2: "dos", 3: "-1", 4: "2"}))
        )
        assert plan.activities[0].executed_by_month == ((4, 2),)
        assert problem_keys(plan) == [
            ("warning", "invalid_executed_quantity", 5, "W"),
            ("warning", "invalid_executed_quantity", 5, "X"),
        ]

    def test_executed_header_without_months(self) -> None:
        header, month_row = extra_header()
        month_row[21:33] = [""] * 12
        plan = parse_association_plan(
            sheet(["PLAN 2026"], ["Eje 1"], header, month_row, extra_row("M01", "a", "Meta", "A01", "x", {1: "1"}))
        )
        assert plan.activities[0].executed_by_month == ()
        assert ("warning", "executed_without_months", 4, "V") in problem_keys(plan)

    def test_baseline_column(self) -> None:
        row = extra_row("M01", "a", "Meta (Línea de base 2025, 10 asociados)", "A01", "x")
        row[3] = "40 asociados"
        plan = parse_association_plan(extra_plan(row))
        assert plan.goals[0].baseline == "40 asociados"

    def test_target_column_is_not_inherited(self) -> None:
        second = extra_row("", "", "", "A02", "Segunda")
        second[6] = ""
        plan = parse_association_plan(extra_plan(extra_row("M01", "a", "Meta", "A01", "Primera"), second))
        assert [a.target_text for a in plan.activities] == ["Meta A", None]

    def test_responsible_left_of_the_months(self) -> None:
        rows = [
            ["PLAN 2026"],
            ["Eje 1"],
            ["Meta", "Actividades", "Responsable", "Cronograma"],
            ["", "", "", *MONTHS],
            ["1. Meta", "Actividad", "Junta", *schedule(4), "", "X"],
        ]
        plan = parse_association_plan(sheet(*rows))
        assert (plan.activities[0].responsible, plan.activities[0].schedule_months) == ("Junta", (4,))
        assert problem_keys(plan) == [("warning", "mark_outside_months", 5, "Q")]

    def test_bullets_under_the_axis(self) -> None:
        rows = small_plan(activity_row("1. Meta", "Actividad", 1))
        rows[3:4] = [["Líneas del eje:"], ["• Primera"], ["•", "Segunda"], ["- Tercera"]]
        plan = parse_association_plan(sheet(*rows))
        assert plan.axes[0].lines_text == "Primera\nSegunda\nTercera"
        assert plan.problems == ()


class TestDecodeProblems:
    def test_clean_files_have_none(self) -> None:
        assert decode_spreadsheet_bytes(SEED.read_bytes())[1] == ()
        assert decode_spreadsheet_bytes(SEED.read_text(encoding="utf-8").encode("cp1252"))[1] == ()

    @pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
    def test_utf16_without_bom(self, encoding: str) -> None:
        text, problems = decode_spreadsheet_bytes("Meta\tActividad\r\nÁrbol\tñ\r\n".encode(encoding))
        assert (text, problems) == ("Meta\tActividad\nÁrbol\tñ\n", ())

    def test_mixed_encodings(self) -> None:
        data = "Línea uno\n".encode() + "Línea dos\n".encode("cp1252")
        text, problems = decode_spreadsheet_bytes(data)
        assert text == "Línea uno\nLínea dos\n"
        assert [(p.severity, p.code, p.row) for p in problems] == [("warning", "mixed_encoding", 2)]

    def test_double_encoded(self) -> None:
        text, problems = decode_spreadsheet_bytes("ok\nPLAN DE ACCIÃ“N\n".encode())
        assert text == "ok\nPLAN DE ACCIÓN\n"
        assert [(p.code, p.row) for p in problems] == [("double_encoded_text", 2)]

    def test_binary(self) -> None:
        _, problems = decode_spreadsheet_bytes(b"%PDF-1.7\n\x00\x01\x02binary")
        assert [(p.severity, p.code) for p in problems] == [("error", "binary_file")]

    def test_undefined_bytes(self) -> None:
        _, problems = decode_spreadsheet_bytes(b"a\nb\x81\xe9\n")
        assert [(p.code, p.row) for p in problems] == [("invalid_characters", 2)]
