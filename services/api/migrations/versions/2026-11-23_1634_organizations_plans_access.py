"""Organisations, API keys, idempotency, audit log, and PPSS plans with their goals, activities,
indicators, measurements and monthly progress.

Reviewed by hand: uniqueness rules are partial indexes over live rows (deleted_at IS NULL), so a
tombstone never blocks re-creating a record with the same code.

Revision ID: dd1799fb59bd
Revises:
Create Date: 2026-11-23 16:34:39.965514+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "dd1799fb59bd"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("resource", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_audit_events_api_key_id"), "audit_events", ["api_key_id"], unique=False)
    op.create_index(op.f("ix_audit_events_organization_id"), "audit_events", ["organization_id"], unique=False)
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("response_headers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_idempotency_keys_expires_at"), "idempotency_keys", ["expires_at"], unique=False)
    op.create_index("uq_idempotency_keys_owner_key", "idempotency_keys", ["owner_hash", "idempotency_key"], unique=True)
    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("nit", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("municipality_code", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("reps_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("jurisdiction", sa.ARRAY(sa.String(length=5)), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organizations_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["organizations.id"], name=op.f("fk_organizations_parent_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    op.create_index(op.f("ix_organizations_kind"), "organizations", ["kind"], unique=False)
    op.create_index(op.f("ix_organizations_municipality_code"), "organizations", ["municipality_code"], unique=False)
    op.create_index(op.f("ix_organizations_nit"), "organizations", ["nit"], unique=False)
    op.create_index(op.f("ix_organizations_organization_id"), "organizations", ["organization_id"], unique=False)
    op.create_index(op.f("ix_organizations_parent_id"), "organizations", ["parent_id"], unique=False)
    op.create_table(
        "affiliate_counts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("municipality_code", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_affiliate_counts_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliate_counts")),
    )
    op.create_index(op.f("ix_affiliate_counts_organization_id"), "affiliate_counts", ["organization_id"], unique=False)
    op.create_index(
        "uq_affiliate_counts_org_month_municipality",
        "affiliate_counts",
        ["organization_id", "month", "municipality_code"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_by_key_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_index(op.f("ix_api_keys_organization_id"), "api_keys", ["organization_id"], unique=False)
    op.create_table(
        "organization_oversight",
        sa.Column("secretaria_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_oversight_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["secretaria_id"],
            ["organizations.id"],
            name=op.f("fk_organization_oversight_secretaria_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("secretaria_id", "organization_id", name=op.f("pk_organization_oversight")),
    )
    op.create_index(
        op.f("ix_organization_oversight_organization_id"),
        "organization_oversight",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("objective", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("previous_plan_id", sa.Uuid(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_plans_organization_id_organizations")
        ),
        sa.ForeignKeyConstraint(["previous_plan_id"], ["plans.id"], name=op.f("fk_plans_previous_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    op.create_index(op.f("ix_plans_organization_id"), "plans", ["organization_id"], unique=False)
    op.create_index(op.f("ix_plans_year"), "plans", ["year"], unique=False)
    op.create_index(
        "uq_plans_org_year",
        "plans",
        ["organization_id", "year"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "goals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("axis", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("line", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("baseline", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_goals_organization_id_organizations")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_goals_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
    )
    op.create_index(op.f("ix_goals_organization_id"), "goals", ["organization_id"], unique=False)
    op.create_index(op.f("ix_goals_plan_id"), "goals", ["plan_id"], unique=False)
    op.create_index(
        "uq_goals_plan_axis_line_code",
        "goals",
        ["plan_id", "axis", "line", "code"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("target_text", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("responsible", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("planned_quantity", sa.Integer(), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("planned_budget", sa.BigInteger(), nullable=False),
        sa.Column("schedule_months", sa.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("target_group_code", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column("municipality_code", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.ForeignKeyConstraint(["goal_id"], ["goals.id"], name=op.f("fk_activities_goal_id_goals")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_activities_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_activities_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    op.create_index(op.f("ix_activities_goal_id"), "activities", ["goal_id"], unique=False)
    op.create_index(op.f("ix_activities_organization_id"), "activities", ["organization_id"], unique=False)
    op.create_index(op.f("ix_activities_plan_id"), "activities", ["plan_id"], unique=False)
    op.create_index(
        "uq_activities_goal_code",
        "activities",
        ["goal_id", "code"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "activity_progress",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("executed_quantity", sa.Integer(), nullable=False),
        sa.Column("people_reached", sa.Integer(), nullable=False),
        sa.Column("executed_budget", sa.BigInteger(), nullable=False),
        sa.Column("evidence_url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("executed", sa.Boolean(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_activity_progress_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_activity_progress_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_activity_progress_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_progress")),
    )
    op.create_index(op.f("ix_activity_progress_activity_id"), "activity_progress", ["activity_id"], unique=False)
    op.create_index(
        op.f("ix_activity_progress_organization_id"), "activity_progress", ["organization_id"], unique=False
    )
    op.create_index(op.f("ix_activity_progress_plan_id"), "activity_progress", ["plan_id"], unique=False)
    op.create_index(
        "uq_activity_progress_activity_month",
        "activity_progress",
        ["activity_id", "month"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("formula_text", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("numerator_label", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("denominator_label", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("factor", sa.Integer(), nullable=False),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("periodicity", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], name=op.f("fk_indicators_activity_id_activities")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_indicators_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_indicators_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
    )
    op.create_index(op.f("ix_indicators_activity_id"), "indicators", ["activity_id"], unique=False)
    op.create_index(op.f("ix_indicators_organization_id"), "indicators", ["organization_id"], unique=False)
    op.create_index(op.f("ix_indicators_plan_id"), "indicators", ["plan_id"], unique=False)
    op.create_table(
        "measurements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("indicator_id", sa.Uuid(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=False),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicators.id"], name=op.f("fk_measurements_indicator_id_indicators")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_measurements_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_measurements_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurements")),
    )
    op.create_index(op.f("ix_measurements_indicator_id"), "measurements", ["indicator_id"], unique=False)
    op.create_index(op.f("ix_measurements_organization_id"), "measurements", ["organization_id"], unique=False)
    op.create_index(op.f("ix_measurements_plan_id"), "measurements", ["plan_id"], unique=False)
    op.create_index(
        "uq_measurements_indicator_period",
        "measurements",
        ["indicator_id", "period"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_measurements_indicator_period",
        table_name="measurements",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index(op.f("ix_measurements_plan_id"), table_name="measurements")
    op.drop_index(op.f("ix_measurements_organization_id"), table_name="measurements")
    op.drop_index(op.f("ix_measurements_indicator_id"), table_name="measurements")
    op.drop_table("measurements")
    op.drop_index(op.f("ix_indicators_plan_id"), table_name="indicators")
    op.drop_index(op.f("ix_indicators_organization_id"), table_name="indicators")
    op.drop_index(op.f("ix_indicators_activity_id"), table_name="indicators")
    op.drop_table("indicators")
    op.drop_index(
        "uq_activity_progress_activity_month",
        table_name="activity_progress",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index(op.f("ix_activity_progress_plan_id"), table_name="activity_progress")
    op.drop_index(op.f("ix_activity_progress_organization_id"), table_name="activity_progress")
    op.drop_index(op.f("ix_activity_progress_activity_id"), table_name="activity_progress")
    op.drop_table("activity_progress")
    op.drop_index("uq_activities_goal_code", table_name="activities", postgresql_where=sa.text("deleted_at IS NULL"))
    op.drop_index(op.f("ix_activities_plan_id"), table_name="activities")
    op.drop_index(op.f("ix_activities_organization_id"), table_name="activities")
    op.drop_index(op.f("ix_activities_goal_id"), table_name="activities")
    op.drop_table("activities")
    op.drop_index("uq_goals_plan_axis_line_code", table_name="goals", postgresql_where=sa.text("deleted_at IS NULL"))
    op.drop_index(op.f("ix_goals_plan_id"), table_name="goals")
    op.drop_index(op.f("ix_goals_organization_id"), table_name="goals")
    op.drop_table("goals")
    op.drop_index("uq_plans_org_year", table_name="plans", postgresql_where=sa.text("deleted_at IS NULL"))
    op.drop_index(op.f("ix_plans_year"), table_name="plans")
    op.drop_index(op.f("ix_plans_organization_id"), table_name="plans")
    op.drop_table("plans")
    op.drop_index(op.f("ix_organization_oversight_organization_id"), table_name="organization_oversight")
    op.drop_table("organization_oversight")
    op.drop_index(op.f("ix_api_keys_organization_id"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index(
        "uq_affiliate_counts_org_month_municipality",
        table_name="affiliate_counts",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index(op.f("ix_affiliate_counts_organization_id"), table_name="affiliate_counts")
    op.drop_table("affiliate_counts")
    op.drop_index(op.f("ix_organizations_parent_id"), table_name="organizations")
    op.drop_index(op.f("ix_organizations_organization_id"), table_name="organizations")
    op.drop_index(op.f("ix_organizations_nit"), table_name="organizations")
    op.drop_index(op.f("ix_organizations_municipality_code"), table_name="organizations")
    op.drop_index(op.f("ix_organizations_kind"), table_name="organizations")
    op.drop_table("organizations")
    op.drop_index("uq_idempotency_keys_owner_key", table_name="idempotency_keys")
    op.drop_index(op.f("ix_idempotency_keys_expires_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index(op.f("ix_audit_events_organization_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_api_key_id"), table_name="audit_events")
    op.drop_table("audit_events")
