"""The EPS annex layout: title block, ejes by number and name, bullet líneas, actions as goals."""

from pathlib import Path

import pytest

from services.api.files.decoding import decode_spreadsheet_text
from services.api.imports.association_layout import parse_association_plan
from services.api.imports.layout_text import axis_from_name
from services.api.imports.parsed_plan import ParsedPlan
from services.api.imports.spreadsheet import read_plan_file
from shared.enums import AXIS_LABELS, Axis
from tests.files.workbooks import SheetSpec, tsv_rows, xlsx_bytes

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "plan_anexo_eps_2026.tsv"

REGIONAL = "Coordinador(a) regional de participación social"
INITIALS = ["E", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"]


def parse_fixture(file_name: str = "") -> ParsedPlan:
    return parse_association_plan(decode_spreadsheet_text(FIXTURE.read_bytes()), file_name=file_name)


def problem_keys(plan: ParsedPlan) -> list[tuple[str, str, int | None, str | None]]:
    return [(item.severity, item.code, item.row, item.column) for item in plan.problems]


def sheet(*rows: list[str]) -> str:
    return "".join("\t".join(cells) + "\n" for cells in rows)


def months(*marked: int) -> list[str]:
    return ["X" if month in marked else "" for month in range(1, 13)]


HEADER = ["ACCIONES A DESARROLLAR", "META", "ACTIVIDADES", "INDICADOR", "CRONOGRAMA", *[""] * 11, "RESPONSABLE"]
MONTH_ROW = ["", "", "", "", *INITIALS]


def annex(
    *data: list[str], header: list[str] | None = None, axis: str = "Eje Estratégico 1: Fortalecimiento institucional"
) -> str:
    return sheet(
        ["PLAN DE ACCIÓN PPSS VIGENCIA 2026"],
        ["EAPB: EPS Ejemplo"],
        [axis],
        header or HEADER,
        MONTH_ROW,
        *data,
    )


def action(
    number_and_text: str, activity: str, *marked: int, meta: str = "100%", responsible: str = "Equipo"
) -> list[str]:
    return [number_and_text, meta, activity, "Número de talleres", *months(*marked), responsible]


# --------------------------------------------------------------------------------------------------
# The fixture
# --------------------------------------------------------------------------------------------------


class TestFixture:
    def test_title_block(self) -> None:
        plan = parse_fixture()
        assert plan.layout == "eps_annex"
        assert plan.title == "ANEXO TÉCNICO - PLAN DE ACCIÓN DE LA POLÍTICA DE PARTICIPACIÓN SOCIAL EN SALUD (PPSS)"
        # The EAPB's value sits in the next cell; the responsible's in the same cell as its label.
        assert plan.eapb == "EPS SALUD ANDINA S.A.S. - NIT 901.234.567-8"
        assert plan.responsible == "Coordinación Nacional de Participación Social y Atención al Usuario"
        assert plan.objective is not None
        assert plan.objective.startswith("Garantizar el derecho a la participación social en salud")

    def test_no_year_is_an_error_the_caller_can_lift(self) -> None:
        plan = parse_fixture()
        # "RESOLUCIÓN 2063 DE 2017" is a legal reference, not the plan's year.
        assert plan.year is None
        assert problem_keys(plan) == [("error", "missing_year", None, None)]
        assert plan.problems[0].message == "El archivo no indica el año del plan; envíe el campo year."

    def test_year_from_the_file_name_is_a_warning(self) -> None:
        plan = parse_fixture(FIXTURE.name)
        assert plan.year == 2026
        assert problem_keys(plan) == [("warning", "year_from_file_name", None, None)]

    def test_axes_by_number_and_by_name(self) -> None:
        plan = parse_fixture()
        assert [(axis.axis, axis.name, axis.row) for axis in plan.axes] == [
            (Axis.E1, "Fortalecimiento institucional", 7),
            (Axis.E2, "Empoderamiento de la ciudadanía y las organizaciones sociales en salud", 16),
            # No number: the name says it is eje 4.
            (Axis.E4, "CONTROL SOCIAL EN SALUD", 22),
        ]

    def test_bullets_are_the_lines_of_the_axis(self) -> None:
        e1, e2, e4 = parse_fixture().axes
        assert e1.lines_text == (
            "Gestión de recursos técnicos, logísticos, operativos y financieros para la participación social "
            "en salud.\n"
            "Fortalecimiento de la capacidad institucional de la EPS para garantizar el derecho a la participación."
        )
        # Ejes 2 and 4 come after the header: their bullets are still lines, not goals.
        assert e2.lines_text is not None
        assert e2.lines_text.split("\n") == [
            "Formación de líderes y afiliados en el derecho a la salud y en los mecanismos de participación.",
            "Apoyo a las asociaciones de usuarios y a los comités de ética hospitalaria.",
        ]
        assert e4.lines_text == "Promoción de las veedurías ciudadanas en salud y de la rendición de cuentas."

    def test_actions_are_goals_coded_by_their_number(self) -> None:
        plan = parse_fixture()
        assert [(goal.code, goal.number, goal.row) for goal in plan.goals] == [
            ("M0101", "1.1.", 12),
            ("M0102", "1.2.", 14),
            ("M0103", "1.3.", 15),
            ("M0201", "2.1", 19),
            ("M0202", "2.2.", 21),
            # The sheet numbers its third eje 3 although it is eje 4: the code follows the number.
            ("M0301", "3.1.", 24),
        ]
        assert plan.goals[0].text == "Realizar capacitaciones a la Asociación de Usuarios"
        assert all(goal.baseline is None and goal.line is None for goal in plan.goals)

    def test_activities(self) -> None:
        plan = parse_fixture()
        rows = [
            (goal.code, activity.code, activity.row, activity.schedule_months, activity.responsible)
            for goal in plan.goals
            for activity in goal.activities
        ]
        assert rows == [
            ("M0101", "A01", 12, (3, 6, 9), REGIONAL),
            # An empty action continues the action above.
            ("M0101", "A02", 13, (6, 9), REGIONAL),
            # The responsible right under its header, not three columns to the right as in the row above.
            ("M0102", "A01", 14, (2,), "Gerencia de Talento Humano"),
            # The row stops after January: no responsible.
            ("M0103", "A01", 15, (1,), None),
            ("M0201", "A01", 19, (4, 5), "Profesional de participación social"),
            ("M0201", "A02", 20, (6,), None),
            ("M0202", "A01", 21, (6, 11), "Dirección regional"),
            ("M0301", "A01", 24, (11,), "Oficina de Planeación"),
            ("M0301", "A02", 25, (12,), "Oficina de Planeación"),
        ]

    def test_meta_is_the_target_of_each_activity(self) -> None:
        plan = parse_fixture()
        first, continuation = plan.goals[0].activities
        assert first.text.startswith("Capacitar a las Asociaciones de Usuarios en la Política")
        assert first.target_text == "100% de asociaciones capacitadas"
        assert first.indicator_text == ("Número de capacitaciones realizadas / Número de capacitaciones programadas")
        # The continuation row's META is empty: it shares the action's (a merged cell, exported as text).
        assert continuation.target_text == "100% de asociaciones capacitadas"
        assert continuation.indicator_text == "Número de evaluaciones aplicadas"
        assert plan.goals[1].activities[0].target_text == "Un profesional de participación social por regional"

    def test_same_plan_from_xlsx(self) -> None:
        rows = tsv_rows(FIXTURE.read_text(encoding="utf-8"))
        data = xlsx_bytes({"Anexo": SheetSpec(rows)})
        assert read_plan_file(data, file_name="anexo.xlsx") == parse_fixture()

    def test_same_plan_from_xlsx_with_merged_action_cells(self) -> None:
        rows = tsv_rows(FIXTURE.read_text(encoding="utf-8"))
        # Excel users merge the action and its META down over the action's activities; merged-over cells
        # are empty in the file, and the title is merged across the table.
        merges = ["A1:T1", "A12:A13", "B12:B13", "A19:A20", "B19:B20", "A24:A25", "B24:B25"]
        data = xlsx_bytes({"Anexo": SheetSpec(rows, merges=merges)})
        assert read_plan_file(data, file_name="anexo.xlsx") == parse_fixture()


# --------------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------------


class TestHeaders:
    @pytest.mark.parametrize(
        "names",
        [
            ("Acción a desarrollar", "Meta", "Actividad", "Indicador", "Cronograma", "Responsable"),
            ("ACCIONES DE DESARROLLAR", "METAS", "ACTIVIDADES", "INDICADORES", "CRONOGRAMA:", "RESPONSABLES"),
            (
                '"acciones  a\ndesarrollar"',
                "meta.",
                "actividades a desarrollar",
                "Indicador de gestión",
                "Cronograma 2026",
                "Responsable(s)",
            ),
            ("Acciones", "Metas", "Actividades", "Indicadores", "Cronograma", "Responsables"),
        ],
    )
    def test_synonyms(self, names: tuple[str, str, str, str, str, str]) -> None:
        action_name, meta, activity, indicator, schedule, responsible = names
        header = [action_name, meta, activity, indicator, schedule, *[""] * 11, responsible]
        plan = parse_association_plan(annex(action("1.1. Acción", "Actividad", 4), header=header))
        assert plan.layout == "eps_annex"
        assert plan.problems == ()
        (item,) = plan.activities
        assert (item.text, item.target_text, item.indicator_text) == ("Actividad", "100%", "Número de talleres")
        assert (item.schedule_months, item.responsible) == ((4,), "Equipo")

    def test_columns_in_another_order(self) -> None:
        header = ["RESPONSABLE", "INDICADOR", "ACTIVIDADES", "META", "ACCIONES A DESARROLLAR", "CRONOGRAMA", *[""] * 11]
        row = ["Equipo", "Número de talleres", "Taller", "2 talleres", "1.1. Acción", *months(7)]
        text = sheet(
            ["PLAN 2026"],
            ["Eje Estratégico 3: Impulso a la cultura de la salud"],
            header,
            ["", "", "", "", "", *INITIALS],
            row,
        )
        plan = parse_association_plan(text)
        (item,) = plan.activities
        assert plan.goals[0].code == "M0101"
        assert (item.text, item.target_text, item.schedule_months, item.responsible) == (
            "Taller",
            "2 talleres",
            (7,),
            "Equipo",
        )

    def test_header_with_an_eje_column_is_a_header(self) -> None:
        header = ["EJE ESTRATÉGICO", *HEADER]
        text = sheet(
            ["PLAN 2026"],
            ["Eje Estratégico 1: Fortalecimiento institucional"],
            header,
            ["", *MONTH_ROW],
            ["", *action("1.1. Acción", "Actividad", 2)],
        )
        plan = parse_association_plan(text)
        assert plan.problems == ()
        assert plan.activities[0].schedule_months == (2,)

    def test_observations_after_the_responsible_are_not_the_responsible(self) -> None:
        header = [*HEADER, "OBSERVACIONES"]
        row = [*action("1.1. Acción", "Actividad", 2), "Se hará virtual"]
        plan = parse_association_plan(annex(row, header=header))
        assert plan.activities[0].responsible == "Equipo"


# --------------------------------------------------------------------------------------------------
# Continuations, targets, goal codes
# --------------------------------------------------------------------------------------------------


class TestRows:
    def test_continuation_with_its_own_meta(self) -> None:
        plan = parse_association_plan(
            annex(
                action("1.1. Acción", "Primera", 1, meta="Meta A"),
                ["", "Meta B", "Segunda", "", *months(2)],
                ["", "", "Tercera", "", *months(3)],
            )
        )
        assert [(a.code, a.text, a.target_text) for a in plan.activities] == [
            ("A01", "Primera", "Meta A"),
            ("A02", "Segunda", "Meta B"),
            ("A03", "Tercera", "Meta B"),
        ]

    def test_a_new_action_does_not_inherit_the_meta(self) -> None:
        plan = parse_association_plan(
            annex(action("1.1. Acción", "Primera", 1, meta="Meta A"), action("1.2. Otra", "Segunda", 2, meta=""))
        )
        assert [a.target_text for a in plan.activities] == ["Meta A", None]

    def test_short_rows(self) -> None:
        plan = parse_association_plan(annex(["1.1. Acción", "", "Actividad"], ["", "", "Otra", "", "X"]))
        assert [(a.text, a.schedule_months, a.responsible, a.target_text) for a in plan.activities] == [
            ("Actividad", (), None, None),
            ("Otra", (1,), None, None),
        ]

    def test_goal_codes(self) -> None:
        plan = parse_association_plan(
            annex(
                action("1.1. Primera", "a"),
                action("1.2. Segunda", "b"),
                action("Sin número", "c"),
                action("1.2. Repetida", "d"),
                action("Otra sin número", "e"),
                action("3. Un nivel", "f"),
                action("1.2.1. Tres niveles", "g"),
                action("1.2.1.4. Cuatro niveles", "h"),
                action("1.2.1.4.5. Cinco niveles", "i"),
                action("100.1. Centena", "j"),
                action("1.3. Tercera", "k"),
            )
        )
        assert [(goal.code, goal.number) for goal in plan.goals] == [
            ("M0101", "1.1."),
            ("M0102", "1.2."),
            # Made-up codes: the action above plus a letter, so written numbers never shift.
            ("M0102A", None),
            ("M0102B", "1.2."),
            ("M0102C", None),
            ("M03", "3."),
            ("M010201", "1.2.1."),
            ("M01020104", "1.2.1.4."),
            ("M01020104A", "1.2.1.4.5."),
            ("M01020104B", "100.1."),
            ("M0103", "1.3."),
        ]
        assert all(len(goal.code) <= 10 for goal in plan.goals)
        assert problem_keys(plan) == [("warning", "duplicate_goal_number", 9, "A")]

    def test_first_unnumbered_action_of_an_axis(self) -> None:
        plan = parse_association_plan(annex(action("Sin número", "a"), action("Otra", "b")))
        assert [goal.code for goal in plan.goals] == ["M01A", "M01B"]

    def test_codes_are_unique_across_axes(self) -> None:
        text = annex(
            action("1.1. Primera", "a"),
            ["Eje Estratégico 2: Empoderamiento de la ciudadanía"],
            action("1.1. Otra vez 1.1", "b"),
        )
        plan = parse_association_plan(text)
        # 1.1. is taken; the eje has no action above, so the eje's own prefix gets the letter.
        assert [(axis.axis, [goal.code for goal in axis.goals]) for axis in plan.axes] == [
            (Axis.E1, ["M0101"]),
            (Axis.E2, ["M02A"]),
        ]
        assert problem_keys(plan) == [("warning", "duplicate_goal_number", 8, "A")]

    def test_activity_without_action(self) -> None:
        plan = parse_association_plan(annex(["", "", "Actividad suelta", "", "X"]))
        (problem,) = (item for item in plan.problems if item.code == "activity_without_goal")
        assert (problem.severity, problem.row, problem.column) == ("error", 6, "C")
        assert "«Acciones a desarrollar»" in problem.message


# --------------------------------------------------------------------------------------------------
# Ejes
# --------------------------------------------------------------------------------------------------


class TestAxes:
    @pytest.mark.parametrize(
        ("row", "axis", "name"),
        [
            ("Eje Estratégico 1: Fortalecimiento institucional", Axis.E1, "Fortalecimiento institucional"),
            ("EJE ESTRATÉGICO: IMPULSO A LA CULTURA DE LA SALUD", Axis.E3, "IMPULSO A LA CULTURA DE LA SALUD"),
            ("Eje estrategico Gestion y garantia en salud", Axis.E5, "Gestion y garantia en salud"),
            ("Eje: Control social", Axis.E4, "Control social"),
            ("Eje 2", Axis.E2, AXIS_LABELS[Axis.E2]),
            ("Eje Estratégico N° 2 - Empoderamiento", Axis.E2, "Empoderamiento"),
        ],
    )
    def test_by_number_or_name(self, row: str, axis: Axis, name: str) -> None:
        plan = parse_association_plan(annex(action("1.1. Acción", "a"), axis=row))
        assert [(item.axis, item.name) for item in plan.axes] == [(axis, name)]
        assert plan.problems == ()

    def test_name_in_the_next_cell(self) -> None:
        text = annex(action("1.1. Acción", "a"), axis="Eje Estratégico 4:\tControl social en salud")
        assert [(item.axis, item.name) for item in parse_association_plan(text).axes] == [
            (Axis.E4, "Control social en salud")
        ]

    def test_the_name_wins_over_a_wrong_number(self) -> None:
        plan = parse_association_plan(
            annex(action("1.1. Acción", "a"), axis="Eje Estratégico 1: Control social en salud")
        )
        assert plan.axes[0].axis == Axis.E4
        assert problem_keys(plan) == [("warning", "axis_number_mismatch", 3, "A")]
        assert "se tomó el eje 4 por su nombre" in plan.problems[0].message

    def test_unknown_name_without_number(self) -> None:
        plan = parse_association_plan(annex(action("1.1. Acción", "a"), axis="Eje Estratégico: Innovación"))
        assert plan.axes == ()
        assert problem_keys(plan) == [("error", "invalid_axis", 3, "A"), ("error", "no_goals", None, None)]

    def test_words_starting_with_eje_are_not_ejes(self) -> None:
        plan = parse_association_plan(
            annex(action("1.1. Acción", "a"), ["Ejecutar el control social en salud", "", "Otra"])
        )
        assert [len(goal.activities) for goal in plan.goals] == [1, 1]
        assert plan.goals[1].text == "Ejecutar el control social en salud"

    @pytest.mark.parametrize(
        ("name", "axis"),
        [
            ("Empoderamiento a la ciudadanía y a las organizaciones sociales en salud.", Axis.E2),
            ("impulso a la cultura en salud", Axis.E3),
            ("Gestión y Garantía en Salud con participación en el proceso de decisión", Axis.E5),
            ("Fortalecimiento institucional y control social", None),  # two ejes: neither
            ("Participación", None),
        ],
    )
    def test_axis_from_name(self, name: str, axis: Axis | None) -> None:
        assert axis_from_name(name) == axis
