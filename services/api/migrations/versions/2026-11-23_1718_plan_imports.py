"""Plan import reports: file name, sha256, counts, problems and differences of every dry run and commit.

Reviewed by hand.

Revision ID: 575d9bd0d882
Revises: dd1799fb59bd
Create Date: 2026-11-23 17:18:08.149355+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "575d9bd0d882"
down_revision: str | None = "dd1799fb59bd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=True),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("layout", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("problems", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("differences", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_plan_imports_organization_id_organizations")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_imports_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_imports")),
    )
    op.create_index(op.f("ix_plan_imports_api_key_id"), "plan_imports", ["api_key_id"], unique=False)
    op.create_index(op.f("ix_plan_imports_organization_id"), "plan_imports", ["organization_id"], unique=False)
    op.create_index(op.f("ix_plan_imports_plan_id"), "plan_imports", ["plan_id"], unique=False)
    op.create_index(op.f("ix_plan_imports_sha256"), "plan_imports", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_imports_sha256"), table_name="plan_imports")
    op.drop_index(op.f("ix_plan_imports_plan_id"), table_name="plan_imports")
    op.drop_index(op.f("ix_plan_imports_organization_id"), table_name="plan_imports")
    op.drop_index(op.f("ix_plan_imports_api_key_id"), table_name="plan_imports")
    op.drop_table("plan_imports")
