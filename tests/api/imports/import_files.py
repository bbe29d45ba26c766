"""Files the import API tests upload, built in memory, and a fingerprint of what the plan tables hold.

Everything here is pure except :func:`table_state`, which reads the test transaction through the test's
own session: the import API promises "nothing written" on a rejected file, and only the tables can
prove it (counts and versions catch an insert, an update or a tombstone alike).
"""

import dataclasses
import io
import zipfile
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.imports.pisis import FollowUpLine, ProgrammingLine
from services.api.imports.pisis_read import parse_pisis
from services.api.imports.pisis_write import write_follow_up
from tests.files.workbooks import SheetSpec, xlsx_bytes

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SEED = FIXTURES / "plan_accion_asociacion_usuarios_2026.tsv"
EPS_ANNEX = FIXTURES / "plan_anexo_eps_2026.tsv"
PISIS = FIXTURES / "PPS190PPPS20211231NI000890985092.TXT"
FOLLOW_UP_NAME = "PPS190SPPS20211231NI000890985092.TXT"
HOSPITAL_NIT = "890985092"

PLAN_TABLES = ("plans", "goals", "activities", "indicators", "activity_progress")
MONTHS = ["Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre"]
MONTHS += ["Octubre", "Noviembre", "Diciembre"]

TableState = dict[str, tuple[int, int]]


async def table_state(session: AsyncSession) -> TableState:
    """Rows (live and tombstoned) and the sum of their versions, per plan table."""
    state: TableState = {}
    for table in PLAN_TABLES:
        result = await session.execute(text(f"SELECT count(*), coalesce(sum(version), 0) FROM {table}"))
        count, versions = result.one()
        state[table] = (int(count), int(versions))
    # Release the savepoint at once: left open, a later rollback of this session would undo the requests'
    # writes made inside it.
    await session.commit()
    return state


# --------------------------------------------------------------------------------------------------
# PISIS
# --------------------------------------------------------------------------------------------------


def programming() -> tuple[ProgrammingLine, ...]:
    """The 42 activities of the hospital's real 2021 programming."""
    return parse_pisis(PISIS.read_bytes(), file_name=PISIS.name).programming


NOT_EXECUTED_WITH_QUANTITY = 7
"""Consecutive of the line that says NO EJECUTADA and still reports one execution."""
NOT_EXECUTED = 9
"""Consecutive of a plain NO EJECUTADA line (quantity 0)."""


def follow_up_lines(lines: tuple[ProgrammingLine, ...] | None = None) -> list[FollowUpLine]:
    """A follow-up of every programmed activity: quantities, people, budgets, evidence, two not executed."""
    follow_up = []
    for line in lines if lines is not None else programming():
        executed = line.consecutive not in (NOT_EXECUTED_WITH_QUANTITY, NOT_EXECUTED)
        quantity = line.planned_quantity if executed else 0
        if line.consecutive == NOT_EXECUTED_WITH_QUANTITY:
            quantity = 1
        follow_up.append(
            FollowUpLine(
                line=0,
                consecutive=line.consecutive,
                municipality_code=line.municipality_code,
                axis=line.axis,
                line_letter=line.line_letter,
                goal_code=line.goal_code,
                activity_code=line.activity_code,
                executed_quantity=quantity,
                target_group_code=line.target_group_code,
                people_reached=12 * line.consecutive if executed else 0,
                executed_budget=line.planned_budget // 2 + 1_000 * line.consecutive if executed else 0,
                second_code=line.target_group_code,
                evidence_url=f"https://hsvp.gov.co/pps/evidencias/2021/{line.consecutive:02d}.pdf"
                if executed
                else None,
                not_executed=not executed,
                evidence_description=f"Acta y listado de asistencia de la sesión {line.consecutive}"
                if executed
                else "Se reprogramó para la vigencia 2022",
            )
        )
    return follow_up


def follow_up_file(lines: list[FollowUpLine] | None = None) -> bytes:
    """A PPS190SPPS file of the hospital's 2021 plan (header NIT as in the file name)."""
    return write_follow_up(
        HOSPITAL_NIT, date(2021, 1, 1), date(2021, 12, 31), lines if lines is not None else follow_up_lines()
    )


def with_changes(line: FollowUpLine, **changes: object) -> FollowUpLine:
    return dataclasses.replace(line, **changes)  # type: ignore[arg-type]


def details(content: bytes) -> list[bytes]:
    """The detail lines of a PISIS file (everything after the header), as bytes."""
    return content.split(b"\r\n")[1:]


# --------------------------------------------------------------------------------------------------
# Spreadsheets
# --------------------------------------------------------------------------------------------------


def _months(*marked: int) -> list[str]:
    return ["X" if month in marked else "" for month in range(1, 13)]


HEADER = ["Meta", "Actividades", "Indicador", "Cronograma", *[""] * 11, "Responsable"]
MONTH_ROW = ["", "", "", *MONTHS, ""]

MERGED_GOAL = (
    "1. Fortalecer las capacidades de los asociados en participación social en salud mediante talleres "
    "mensuales. (Línea de base 2025: 3 talleres)"
)
MERGED_INDICATOR = "Talleres programados / Talleres realizados"
MERGED_RESPONSIBLE = "Junta directiva de la asociación"


def merged_plan_rows() -> list[list[str]]:
    """An association sheet whose first goal, its indicator and its responsible are merged over three rows.

    Rows 6 and 7 leave those cells empty, as a merge stores them: only filling the merge down gives their
    activities the goal's indicator and responsible.
    """
    return [
        ["PLAN DE ACCIÓN 2026 ASOCIACIÓN DE USUARIOS DEL HOSPITAL SAN RAFAEL"],
        ["Eje Estratégico No 2. Empoderamiento a la ciudadanía y a las organizaciones sociales en salud."],
        HEADER,
        MONTH_ROW,
        [MERGED_GOAL, "Taller sobre derechos y deberes en salud", MERGED_INDICATOR, *_months(3), MERGED_RESPONSIBLE],
        ["", "Taller sobre mecanismos de participación ciudadana", "", *_months(6), ""],
        ["", "Taller sobre veeduría en salud", "", *_months(9, 10), ""],
        [
            "2. Difundir los servicios de la asociación entre los usuarios del hospital.",
            "Publicar un boletín trimestral en la cartelera y por WhatsApp",
            "Número de boletines publicados",
            *_months(3, 6, 9, 12),
            "Secretaría de la asociación",
        ],
    ]


MERGES = ("A5:A7", "C5:C7", "P5:P7")


def draft_plan_rows() -> list[list[str]]:
    """Another plan in the same workbook, chosen only with `sheet=`."""
    return [
        ["BORRADOR PLAN DE ACCIÓN 2026"],
        ["Eje Estratégico No 3. Impulso a la cultura de la salud."],
        HEADER,
        MONTH_ROW,
        [
            "1. Promover el autocuidado entre los asociados.",
            "Jornada de autocuidado en la sala de espera",
            "Número de jornadas realizadas",
            *_months(5),
            "Comité de salud",
        ],
    ]


def merged_workbook() -> bytes:
    """Instructions first (no plan header), then the merged plan, then a draft plan."""
    return xlsx_bytes(
        {
            "Instrucciones": SheetSpec(rows=[["Diligencie el plan en la hoja «Plan 2026»."], ["Una X por mes."]]),
            "Plan 2026": SheetSpec(rows=merged_plan_rows(), merges=MERGES),
            "Borrador": SheetSpec(rows=draft_plan_rows()),
        }
    )


def zip_bomb() -> bytes:
    """A zip that looks like a workbook and inflates one part 1,000-fold (50 MB of zeros in ~50 KB)."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (50 * 1024 * 1024))
    return output.getvalue()


def edited_seed() -> bytes:
    """The seed sheet with its first activity reworded and its sixth goal (one row) removed."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    edited = []
    for line in lines:
        if line.startswith("6. Fortalecer la organización interna"):
            continue
        edited.append(line.replace(EDITED_FROM, EDITED_TO, 1))
    assert len(edited) == len(lines) - 1
    return "\n".join(edited).encode()


EDITED_FROM = "Participar en las capacitaciones dirigidas a usuarios y asociados."
EDITED_TO = "Asistir a las capacitaciones dirigidas a usuarios y asociados."
