"""Complaint intake: the Supersalud motive catalogue (versioned by `valid_from`) and date precision of filings.

`complaint_motives` is created and filled with the catalogue of `services.api.complaints.motives` (our codes
over `shared/data/supersalud_pqrd_vocabularios.csv`) as it stood at this revision, written out below, so every
database has the same rows. `complaints.date_precision` (`day`, or `month` for rows known only by their month) and
`plan_imports.kind` (`plan` or `complaints`: one report table for every importer) default to what every
existing row is.

Reviewed by hand.

Revision ID: a3c5e7d90b12
Revises: 1d2223228ca5
Create Date: 2026-12-02 17:00:00+00:00
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a3c5e7d90b12"
down_revision: str | None = "1d2223228ca5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The catalogue as it stood when this revision was written, frozen here so every database migrated to it
# holds the same rows whatever the packaged file says later (a later change of the catalogue is a new
# revision). Columns: code, level, name, valid_from, valid_to, source.
_SOURCES = (
    "Supersalud (analiticapersoneriamedellin/atencion-salud-medellin src/parse_pqrd.py MOTIVO_ESPECIFICO_LEGACY"
    " (top-10 rows of the Supersalud report))",
    "Supersalud (analiticapersoneriamedellin/atencion-salud-medellin src/parse_pqrd.py MOTIVO_ESPECIFICO_NUEVO)",
)
_MOTIVES: tuple[tuple[str, str, str, str, str | None, int], ...] = (
    (
        "ME21-01",
        "especifico",
        "FALTA DE OPORTUNIDAD EN LA ASIGNACIÓN DE CITAS DE CONSULTA MÉDICA ESPECIALIZADA",
        "2021-01-01",
        "2023-06-30",
        0,
    ),
    ("ME21-02", "especifico", "FALTA DE OPORTUNIDAD EN LA ENTREGA DE MEDICAMENTOS POS", "2021-01-01", "2023-06-30", 0),
    (
        "ME21-03",
        "especifico",
        "DEMORA DE LA PROGRAMACIÓN DE EXÁMENES DE LABORATORIO O DIAGNÓSTICOS",
        "2021-01-01",
        "2023-06-30",
        0,
    ),
    ("ME21-04", "especifico", "FALTA DE OPORTUNIDAD EN LA PROGRAMACIÓN DE CIRUGÍA", "2021-01-01", "2023-06-30", 0),
    (
        "ME21-05",
        "especifico",
        "FALTA DE OPORTUNIDAD PARA LA PRESTACIÓN DE SERVICIOS DE IMAGENOLOGÍA",
        "2021-01-01",
        "2023-06-30",
        0,
    ),
    ("ME21-06", "especifico", "NO APLICACIÓN DE NORMAS, GUÍAS O PROTOCOLOS DE ATENCIÓN", "2021-01-01", "2023-06-30", 0),
    ("ME21-07", "especifico", "DEFICIENCIAS EN LA SEGURIDAD DEL PACIENTE", "2021-01-01", "2023-06-30", 0),
    (
        "ME21-08",
        "especifico",
        "FALTA DE OPORTUNIDAD EN LA ENTREGA DE MEDICAMENTOS NO POS",
        "2021-01-01",
        "2023-06-30",
        0,
    ),
    (
        "ME21-09",
        "especifico",
        "FALTA DE OPORTUNIDAD EN LA ASIGNACIÓN DE CITAS DE CONSULTA MÉDICA GENERAL",
        "2021-01-01",
        "2023-06-30",
        0,
    ),
    (
        "ME21-10",
        "especifico",
        "DEFICIENTE INFORMACIÓN SOBRE DERECHOS, DEBERES Y TRÁMITES",
        "2021-01-01",
        "2023-06-30",
        0,
    ),
    (
        "ME23-01",
        "especifico",
        "NEGACIÓN PARA LA ENTREGA DE TECNOLOGÍAS EN SALUD Y/O DE OTROS SERVICIOS AUTORIZADOS",
        "2023-07-01",
        None,
        1,
    ),
    ("ME23-02", "especifico", "NEGACIÓN EN LA ASIGNACIÓN DE CITAS O CONSULTAS", "2023-07-01", None, 1),
    ("ME23-03", "especifico", "FALTA DE OPORTUNIDAD EN LAS CITAS O CONSULTAS", "2023-07-01", None, 1),
    ("ME23-04", "especifico", "FALTA DE OPORTUNIDAD EN LA ATENCIÓN EN OTROS SERVICIOS DE SALUD", "2023-07-01", None, 1),
    (
        "ME23-05",
        "especifico",
        "FALTA DE OPORTUNIDAD EN LA ENTREGA O ENTREGA INCOMPLETA DE TECNOLOGÍAS EN SALUD"
        " Y/O PRESTACIÓN DE OTROS SERVICIOS",
        "2023-07-01",
        None,
        1,
    ),
    ("ME23-06", "especifico", "NEGACIÓN EN LA ATENCIÓN EN OTROS SERVICIOS DE SALUD", "2023-07-01", None, 1),
    (
        "ME23-07",
        "especifico",
        "FALTA DE OPORTUNIDAD EN LA AUTORIZACIÓN DE OTROS SERVICIOS DE SALUD",
        "2023-07-01",
        None,
        1,
    ),
    (
        "ME23-08",
        "especifico",
        "FALTA DE OPORTUNIDAD EN LA AUTORIZACIÓN DE TECNOLOGÍAS EN SALUD Y/O DE OTROS SERVICIOS",
        "2023-07-01",
        None,
        1,
    ),
    ("ME23-09", "especifico", "FALTA DE OPORTUNIDAD EN LA AUTORIZACIÓN DE CITAS DE CONSULTA", "2023-07-01", None, 1),
    (
        "ME23-10",
        "especifico",
        "FALTA DE OPORTUNIDAD EN EL PROCESO DE REFERENCIA Y CONTRARREFERENCIA",
        "2023-07-01",
        None,
        1,
    ),
)


def upgrade() -> None:
    motives = op.create_table(
        "complaint_motives",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("parent_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["complaint_motives.code"],
            name=op.f("fk_complaint_motives_parent_code_complaint_motives"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_complaint_motives")),
    )
    op.bulk_insert(
        motives,
        [
            {
                "code": code,
                "level": level,
                "name": name,
                "parent_code": None,
                "valid_from": date.fromisoformat(valid_from),
                "valid_to": date.fromisoformat(valid_to) if valid_to else None,
                "source": _SOURCES[source],
            }
            for code, level, name, valid_from, valid_to, source in _MOTIVES
        ],
    )
    op.add_column(
        "complaints",
        sa.Column("date_precision", sqlmodel.sql.sqltypes.AutoString(length=5), server_default="day", nullable=False),
    )
    op.add_column(
        "plan_imports",
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), server_default="plan", nullable=False),
    )
    op.create_index(op.f("ix_plan_imports_kind"), "plan_imports", ["kind"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_imports_kind"), table_name="plan_imports")
    op.drop_column("plan_imports", "kind")
    op.drop_column("complaints", "date_precision")
    op.drop_table("complaint_motives")
