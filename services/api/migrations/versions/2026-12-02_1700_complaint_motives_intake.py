"""Complaint intake: the Supersalud motive catalogue (versioned by `valid_from`) and date precision of filings.

`complaint_motives` is created and filled from the catalogue packaged with the code
(`services.api.complaints.motives`, our codes over `shared/data/supersalud_pqrd_vocabularios.csv`), so every
database has it. `complaints.date_precision` (`day`, or `month` for rows known only by their month) and
`plan_imports.kind` (`plan` or `complaints`: one report table for every importer) default to what every
existing row is.

Reviewed by hand.

Revision ID: a3c5e7d90b12
Revises: 1d2223228ca5
Create Date: 2026-12-02 17:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from services.api.complaints.motives import catalogue

revision: str = "a3c5e7d90b12"
down_revision: str | None = "1d2223228ca5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
                "code": motive.code,
                "level": motive.level.value,
                "name": motive.name,
                "parent_code": motive.parent_code,
                "valid_from": motive.valid_from,
                "valid_to": motive.valid_to,
                "source": motive.source,
            }
            for motive in catalogue()
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
