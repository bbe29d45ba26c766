"""Complaints (PQRD): complaints with their derived deadline columns and Spanish full text, the append-only
event log, personal data in a table of its own, the log of reads of personal data, and radicado counters.

Reviewed by hand.

Revision ID: 1d2223228ca5
Revises: 575d9bd0d882
Create Date: 2026-11-23 17:43:50.481271+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "1d2223228ca5"
down_revision: str | None = "575d9bd0d882"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "complaint_sequences",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_complaint_sequences_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("organization_id", "year", name=op.f("pk_complaint_sequences")),
    )
    op.create_table(
        "complaints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("radicado", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("risk", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("minor", sa.Boolean(), nullable=False),
        sa.Column("municipality_code", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("motive_code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("attachments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("transferred_from_id", sa.Uuid(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("clock", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("due_sort_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("term_unit", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("term_length", sa.Integer(), nullable=True),
        sa.Column("term_basis", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("term_rule_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("information_due_date", sa.Date(), nullable=True),
        sa.Column("flags", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "search", postgresql.TSVECTOR(), sa.Computed("to_tsvector('spanish', text)", persisted=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["organizations.id"], name=op.f("fk_complaints_entity_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_complaints_organization_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["transferred_from_id"], ["complaints.id"], name=op.f("fk_complaints_transferred_from_id_complaints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    op.create_index("ix_complaints_due_sort_at", "complaints", ["due_sort_at"], unique=False)
    op.create_index("ix_complaints_entity_filed_at", "complaints", ["entity_id", "filed_at"], unique=False)
    op.create_index(op.f("ix_complaints_filed_at"), "complaints", ["filed_at"], unique=False)
    op.create_index(op.f("ix_complaints_municipality_code"), "complaints", ["municipality_code"], unique=False)
    op.create_index("ix_complaints_org_filed_at", "complaints", ["organization_id", "filed_at"], unique=False)
    op.create_index(op.f("ix_complaints_organization_id"), "complaints", ["organization_id"], unique=False)
    op.create_index("ix_complaints_search", "complaints", ["search"], unique=False, postgresql_using="gin")
    op.create_index(op.f("ix_complaints_status"), "complaints", ["status"], unique=False)
    op.create_index(op.f("ix_complaints_transferred_from_id"), "complaints", ["transferred_from_id"], unique=False)
    op.create_index(op.f("ix_complaints_type"), "complaints", ["type"], unique=False)
    op.create_index(
        "uq_complaints_org_radicado",
        "complaints",
        ["organization_id", "radicado"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "complaint_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_complaint_events_complaint_id_complaints")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_complaint_events_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_events")),
    )
    op.create_index(
        "ix_complaint_events_complaint_occurred", "complaint_events", ["complaint_id", "occurred_at"], unique=False
    )
    op.create_index(op.f("ix_complaint_events_organization_id"), "complaint_events", ["organization_id"], unique=False)
    op.create_table(
        "complaint_people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("document_type", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("document_number", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("first_names", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("last_names", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("population_group", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("consent", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_complaint_people_complaint_id_complaints")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_complaint_people_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_people")),
    )
    op.create_index(op.f("ix_complaint_people_organization_id"), "complaint_people", ["organization_id"], unique=False)
    op.create_index("uq_complaint_people_complaint_role", "complaint_people", ["complaint_id", "role"], unique=True)
    op.create_table(
        "personal_data_access",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_personal_data_access_complaint_id_complaints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_access")),
    )
    op.create_index(op.f("ix_personal_data_access_api_key_id"), "personal_data_access", ["api_key_id"], unique=False)
    op.create_index(
        op.f("ix_personal_data_access_complaint_id"), "personal_data_access", ["complaint_id"], unique=False
    )
    op.create_index(
        op.f("ix_personal_data_access_organization_id"), "personal_data_access", ["organization_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_personal_data_access_organization_id"), table_name="personal_data_access")
    op.drop_index(op.f("ix_personal_data_access_complaint_id"), table_name="personal_data_access")
    op.drop_index(op.f("ix_personal_data_access_api_key_id"), table_name="personal_data_access")
    op.drop_table("personal_data_access")
    op.drop_index("uq_complaint_people_complaint_role", table_name="complaint_people")
    op.drop_index(op.f("ix_complaint_people_organization_id"), table_name="complaint_people")
    op.drop_table("complaint_people")
    op.drop_index(op.f("ix_complaint_events_organization_id"), table_name="complaint_events")
    op.drop_index("ix_complaint_events_complaint_occurred", table_name="complaint_events")
    op.drop_table("complaint_events")
    op.drop_index("uq_complaints_org_radicado", table_name="complaints", postgresql_where=sa.text("deleted_at IS NULL"))
    op.drop_index(op.f("ix_complaints_type"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_transferred_from_id"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_status"), table_name="complaints")
    op.drop_index("ix_complaints_search", table_name="complaints", postgresql_using="gin")
    op.drop_index(op.f("ix_complaints_organization_id"), table_name="complaints")
    op.drop_index("ix_complaints_org_filed_at", table_name="complaints")
    op.drop_index(op.f("ix_complaints_municipality_code"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_filed_at"), table_name="complaints")
    op.drop_index("ix_complaints_entity_filed_at", table_name="complaints")
    op.drop_index("ix_complaints_due_sort_at", table_name="complaints")
    op.drop_table("complaints")
    op.drop_table("complaint_sequences")
